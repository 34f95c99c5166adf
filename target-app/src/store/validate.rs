//! Input checks shared by every entity: text lengths, emails, currencies, numeric ranges and
//! references to other records (which must exist *and* be visible to the caller, so a rep cannot
//! even learn that another rep's record exists). Limits are the spec's; each error names its field.

use rusqlite::{Connection, OptionalExtension};

use super::{StoreError, Visibility};

/// Names, subjects, titles and most free-text fields.
pub const NAME_MAX: usize = 200;
/// Email addresses (RFC 5321 path limit).
pub const EMAIL_MAX: usize = 254;
/// Phone numbers.
pub const PHONE_MAX: usize = 40;
/// Internet domain names.
pub const DOMAIN_MAX: usize = 253;
/// Activity bodies.
pub const BODY_MAX: usize = 10_000;
/// Largest deal amount: ten billion in the currency's main unit.
pub const AMOUNT_MAX: i64 = 10_000_000_000_000;
/// Largest company head count.
pub const EMPLOYEES_MAX: i64 = 10_000_000;
/// Password length bounds (argon2 accepts anything; these keep logins sane and cheap).
pub const PASSWORD_MIN: usize = 8;
pub const PASSWORD_MAX: usize = 128;

/// Required text: trimmed, 1..=`max` characters.
pub fn text(field: &str, value: &str, max: usize) -> Result<String, StoreError> {
    let v = value.trim();
    let n = v.chars().count();
    if n == 0 {
        return Err(StoreError::validation(field, "must not be empty"));
    }
    if n > max {
        return Err(StoreError::validation(
            field,
            format!("must be at most {max} characters, got {n}"),
        ));
    }
    Ok(v.to_owned())
}

/// Optional text: `None` stays `None`; blank becomes `None`; otherwise at most `max` characters.
pub fn opt_text(
    field: &str,
    value: Option<&str>,
    max: usize,
) -> Result<Option<String>, StoreError> {
    match value.map(str::trim) {
        None | Some("") => Ok(None),
        Some(v) => text(field, v, max).map(Some),
    }
}

/// Text that may be empty (activity bodies): at most `max` characters, stored as given.
pub fn body(field: &str, value: &str, max: usize) -> Result<String, StoreError> {
    let n = value.chars().count();
    if n > max {
        return Err(StoreError::validation(
            field,
            format!("must be at most {max} characters, got {n}"),
        ));
    }
    Ok(value.to_owned())
}

/// An email address: 3..=254 characters, exactly one `@` with text on both sides, no whitespace.
/// Stored lower-cased so lookups and the `email` filter are case-insensitive.
pub fn email(field: &str, value: &str) -> Result<String, StoreError> {
    let v = value.trim();
    let n = v.chars().count();
    if !(3..=EMAIL_MAX).contains(&n) {
        return Err(StoreError::validation(
            field,
            format!("must be 3 to {EMAIL_MAX} characters, got {n}"),
        ));
    }
    let mut parts = v.split('@');
    let ok = match (parts.next(), parts.next(), parts.next()) {
        (Some(local), Some(domain), None) => !local.is_empty() && !domain.is_empty(),
        _ => false,
    };
    if !ok || v.chars().any(char::is_whitespace) {
        return Err(StoreError::validation(
            field,
            "must look like name@example.com (exactly one `@`, no spaces)",
        ));
    }
    Ok(v.to_lowercase())
}

/// An optional email: blank means none.
pub fn opt_email(field: &str, value: Option<&str>) -> Result<Option<String>, StoreError> {
    match value.map(str::trim) {
        None | Some("") => Ok(None),
        Some(v) => email(field, v).map(Some),
    }
}

/// An ISO 4217-style code: exactly three ASCII uppercase letters.
pub fn currency(field: &str, value: &str) -> Result<String, StoreError> {
    if value.len() == 3 && value.bytes().all(|b| b.is_ascii_uppercase()) {
        Ok(value.to_owned())
    } else {
        Err(StoreError::validation(
            field,
            format!("must be three uppercase letters such as USD or EUR, got `{value}`"),
        ))
    }
}

/// An integer in `min..=max`.
pub fn range(field: &str, value: i64, min: i64, max: i64) -> Result<i64, StoreError> {
    if (min..=max).contains(&value) {
        Ok(value)
    } else {
        Err(StoreError::validation(
            field,
            format!("must be between {min} and {max}, got {value}"),
        ))
    }
}

/// A password within the length bounds.
pub fn password(field: &str, value: &str) -> Result<(), StoreError> {
    let n = value.chars().count();
    if (PASSWORD_MIN..=PASSWORD_MAX).contains(&n) {
        Ok(())
    } else {
        Err(StoreError::validation(
            field,
            format!("must be {PASSWORD_MIN} to {PASSWORD_MAX} characters, got {n}"),
        ))
    }
}

/// The SQL condition (and its parameter) restricting `owner_column` to what `vis` may see.
pub(crate) fn owner_condition(
    owner_column: &str,
    vis: &Visibility,
) -> (String, Option<rusqlite::types::Value>) {
    match vis {
        Visibility::All => ("1 = 1".to_owned(), None),
        Visibility::Owner(id) => (format!("{owner_column} = ?"), Some((*id).into())),
    }
}

/// Whether row `id` of `table` exists and is visible. `table`/`owner_column` are compile-time names.
pub(crate) fn visible(
    conn: &Connection,
    table: &str,
    owner_column: &str,
    id: i64,
    vis: &Visibility,
) -> Result<bool, StoreError> {
    let owner: Option<i64> = conn
        .prepare_cached(&format!("SELECT {owner_column} FROM {table} WHERE id = ?"))?
        .query_row([id], |r| r.get(0))
        .optional()?;
    Ok(match (owner, vis) {
        (None, _) => false,
        (Some(_), Visibility::All) => true,
        (Some(o), Visibility::Owner(me)) => o == *me,
    })
}

/// A reference field: the record must exist and be visible, otherwise a Validation error on `field`.
pub(crate) fn reference(
    conn: &Connection,
    field: &str,
    table: &str,
    id: i64,
    vis: &Visibility,
) -> Result<i64, StoreError> {
    if visible(conn, table, "owner_id", id, vis)? {
        Ok(id)
    } else {
        Err(StoreError::validation(
            field,
            format!("no {table} record with id {id}"),
        ))
    }
}

/// An optional reference field.
pub(crate) fn opt_reference(
    conn: &Connection,
    field: &str,
    table: &str,
    id: Option<i64>,
    vis: &Visibility,
) -> Result<Option<i64>, StoreError> {
    id.map(|id| reference(conn, field, table, id, vis))
        .transpose()
}

/// Decides the owner of a new or re-assigned record. Admins may name any existing user; reps may
/// only name themselves.
pub(crate) fn owner(
    conn: &Connection,
    requested: i64,
    vis: &Visibility,
) -> Result<i64, StoreError> {
    if let Visibility::Owner(me) = vis
        && requested != *me
    {
        return Err(StoreError::validation(
            "owner_id",
            "a rep can only own records themselves",
        ));
    }
    if visible(conn, "users", "id", requested, &Visibility::All)? {
        Ok(requested)
    } else {
        Err(StoreError::validation(
            "owner_id",
            format!("no user with id {requested}"),
        ))
    }
}
