//! Users: the people who log in and own records. Only admins create users or change roles; a rep
//! sees and edits only their own user record. Password hashes never leave this module's queries.
//! A new role or password, or deleting the user, ends the user's sessions.

use rusqlite::{Connection, OptionalExtension, Row};
use serde::{Deserialize, Serialize};

use super::entity::{Entity, TableSpec, Values, Visibility};
use super::list::{FilterSpec, FilterValue};
use super::text_enum::text_enum;
use super::validate::{self, NAME_MAX};
use super::{StoreError, password, sessions};

text_enum! {
    /// What a user may see and change.
    Role {
        /// Everything.
        Admin = "admin",
        /// Only records they own.
        Rep = "rep",
    }
}

/// A user (without the password hash).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct User {
    pub id: i64,
    pub email: String,
    pub name: String,
    pub role: Role,
    pub created_at: String,
}

impl User {
    /// The visibility this user's requests get.
    pub fn visibility(&self) -> Visibility {
        match self.role {
            Role::Admin => Visibility::All,
            Role::Rep => Visibility::Owner(self.id),
        }
    }
}

/// `POST /api/users` (admins only).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UserCreate {
    pub email: String,
    pub name: String,
    pub role: Role,
    pub password: String,
}

/// `PATCH /api/users/{id}`: a rep may change their own email, name and password, not their role.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UserPatch {
    pub email: Option<String>,
    pub name: Option<String>,
    pub role: Option<Role>,
    pub password: Option<String>,
}

const FILTERS: &[FilterSpec] = &[FilterSpec::eq("role", FilterValue::Choice(Role::NAMES))];

/// Tables whose rows a user can own, for the delete check.
const OWNED: &[&str] = &["companies", "contacts", "deals", "leads", "activities"];

fn hashed(pw: &str) -> Result<String, StoreError> {
    validate::password("password", pw)?;
    password::hash(pw)
}

impl Entity for User {
    const NAME: &'static str = "users";
    const SPEC: TableSpec = TableSpec {
        columns: "id, email, name, role, created_at",
        owner_column: "id",
        filters: FILTERS,
        sorts: &["id", "email", "name", "created_at"],
        default_sort: "id",
        has_updated_at: false,
    };
    type Create = UserCreate;
    type Patch = UserPatch;

    fn id(&self) -> i64 {
        self.id
    }

    fn owner_id(&self) -> i64 {
        self.id
    }

    fn from_row(r: &Row<'_>) -> rusqlite::Result<Self> {
        Ok(User {
            id: r.get("id")?,
            email: r.get("email")?,
            name: r.get("name")?,
            role: r.get("role")?,
            created_at: r.get("created_at")?,
        })
    }

    fn create_values(
        _conn: &Connection,
        c: UserCreate,
        _owner_id: i64,
        vis: &Visibility,
    ) -> Result<Values, StoreError> {
        if *vis != Visibility::All {
            return Err(StoreError::validation(
                "role",
                "only admins can create users",
            ));
        }
        Ok(vec![
            ("email", validate::email("email", &c.email)?.into()),
            ("name", validate::text("name", &c.name, NAME_MAX)?.into()),
            ("role", c.role.into()),
            ("password_hash", hashed(&c.password)?.into()),
        ])
    }

    fn patch_values(
        _conn: &Connection,
        current: &Self,
        p: UserPatch,
        vis: &Visibility,
    ) -> Result<Values, StoreError> {
        let mut v: Values = Vec::new();
        if let Some(x) = p.email {
            v.push(("email", validate::email("email", &x)?.into()));
        }
        if let Some(x) = p.name {
            v.push(("name", validate::text("name", &x, NAME_MAX)?.into()));
        }
        if let Some(x) = p.role {
            if *vis != Visibility::All && x != current.role {
                return Err(StoreError::validation(
                    "role",
                    "only admins can change roles",
                ));
            }
            v.push(("role", x.into()));
        }
        if let Some(x) = p.password {
            v.push(("password_hash", hashed(&x)?.into()));
        }
        Ok(v)
    }

    fn patch_changes_secret(patch: &UserPatch) -> bool {
        patch.password.is_some()
    }

    /// A new role or password, or a delete, ends every session of the user: a session must not
    /// keep rights the user lost, nor outlive the password it was opened with. Any other change
    /// (name, email) keeps them, but their cached copies show the old values, so they are stale.
    fn stale_sessions(
        conn: &Connection,
        before: &Self,
        after: Option<&Self>,
        secret_changed: bool,
    ) -> Result<Vec<String>, StoreError> {
        match after {
            Some(after) if !secret_changed && after.role == before.role => {
                if after == before {
                    Ok(Vec::new())
                } else {
                    sessions::session_hashes(conn, before.id)
                }
            }
            _ => sessions::end_sessions(conn, before.id),
        }
    }

    fn check_delete(conn: &Connection, current: &Self) -> Result<(), StoreError> {
        let mut owned = Vec::new();
        for table in OWNED {
            let n: i64 = conn
                .prepare_cached(&format!("SELECT count(*) FROM {table} WHERE owner_id = ?"))?
                .query_row([current.id], |r| r.get(0))?;
            if n > 0 {
                owned.push(format!("{n} {table}"));
            }
        }
        if owned.is_empty() {
            Ok(())
        } else {
            Err(StoreError::Conflict(format!(
                "user {} still owns {}; reassign or delete them first",
                current.id,
                owned.join(", ")
            )))
        }
    }
}

/// The user with this email (case-insensitive) and their password hash, for login.
pub fn user_by_email(conn: &Connection, email: &str) -> Result<Option<(User, String)>, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, email, name, role, created_at, password_hash FROM users WHERE email = ?",
    )?;
    Ok(stmt
        .query_row([email.trim().to_lowercase()], |r| {
            Ok((User::from_row(r)?, r.get::<_, String>("password_hash")?))
        })
        .optional()?)
}
