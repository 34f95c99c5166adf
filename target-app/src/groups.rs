//! Invalidation groups: the names cached values depend on and writes bump, in one place so readers
//! and writers cannot drift apart.
//!
//! A cached value is stored under the generations of its groups; a write bumps the groups it makes
//! stale. Groups are as narrow as correctness allows, because a group bumped by every write makes
//! the cache useless under a realistic write mix:
//!
//! - `contacts:42`: one record; `contacts:cascade`: every contact, bumped when a delete elsewhere
//!   changes or removes contacts through a foreign key;
//! - `contacts`: every list of contacts (cascades, and every write for entities readable by all);
//! - `contacts@owner7` / `contacts@all`: the lists one visibility scope sees (a rep's own records,
//!   or an admin's everything). A write to a record owned by 7 bumps `contacts@owner7` and
//!   `contacts@all`, never another rep's scope;
//! - `analytics`, `analytics@owner7`, `analytics@all`: the dashboard and revenue reports, likewise.
//!
//! Scopes are [`scope_of`] a visibility: `all` for admins, `owner{id}` for reps (also part of the
//! cache keys of lists and aggregates, so a key and its scope group always agree).

use crate::resource::{Analytics, Resource};
use crate::store::Visibility;

/// The group of every analytics value (dashboard, revenue), whatever its scope.
pub const ANALYTICS: &str = "analytics";

/// The scope of everything (admins).
pub const ALL_SCOPE: &str = "all";

/// The visibility scope as a key part: `all`, or `owner{id}` for a rep.
pub fn scope_of(vis: &Visibility) -> String {
    match vis {
        Visibility::All => ALL_SCOPE.to_string(),
        Visibility::Owner(id) => owner_scope(*id),
    }
}

/// The scope of a rep who owns records: `owner{id}`.
pub fn owner_scope(owner_id: i64) -> String {
    format!("owner{owner_id}")
}

/// The invalidation group of one record (`contacts:42`).
pub fn record_group(name: &str, id: i64) -> String {
    format!("{name}:{id}")
}

/// The group bumped when records of `name` change because another record was deleted.
pub fn cascade_group(name: &str) -> String {
    format!("{name}:cascade")
}

/// `name` narrowed to one scope (`deals@owner7`, `deals@all`).
pub fn scoped_group(name: &str, scope: &str) -> String {
    format!("{name}@{scope}")
}

/// The groups a list of `E` read in `scope` depends on: the entity-wide group, plus the scope's
/// own group unless everyone reads every record (then lists do not differ by scope).
pub fn list_groups<E: Resource>(scope: &str) -> Vec<String> {
    if E::READABLE_BY_ALL {
        vec![E::NAME.to_string()]
    } else {
        vec![E::NAME.to_string(), scoped_group(E::NAME, scope)]
    }
}

/// The groups an analytics value read in `scope` depends on.
pub fn analytics_groups(scope: &str) -> [String; 2] {
    [ANALYTICS.to_string(), scoped_group(ANALYTICS, scope)]
}

/// The groups made stale by writing `record` (created, updated or deleted). `previous_owner` is
/// the owner before an update, when it differs: that scope's lists held the record too.
pub fn write_groups<E: Resource>(
    record: &E,
    previous_owner: Option<i64>,
    deleted: bool,
) -> Vec<String> {
    let mut scopes = vec![owner_scope(record.owner_id()), ALL_SCOPE.to_string()];
    if let Some(previous) = previous_owner.filter(|p| *p != record.owner_id()) {
        scopes.push(owner_scope(previous));
    }
    let mut groups = vec![record_group(E::NAME, record.id())];
    if E::READABLE_BY_ALL {
        groups.push(E::NAME.to_string());
    } else {
        groups.extend(scopes.iter().map(|s| scoped_group(E::NAME, s)));
    }
    let cascades = deleted && !E::CASCADES_TO.is_empty();
    match E::ANALYTICS {
        _ if cascades => groups.push(ANALYTICS.to_string()),
        Analytics::Everyone => groups.push(ANALYTICS.to_string()),
        Analytics::Owner => groups.extend(scopes.iter().map(|s| scoped_group(ANALYTICS, s))),
        Analytics::Unaffected => {}
    }
    if deleted {
        // Foreign keys change or delete records of any owner: every list and record of those.
        for other in E::CASCADES_TO {
            groups.push(cascade_group(other));
            groups.push(other.to_string());
        }
    }
    groups
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{Activity, Company, Contact, Deal, User};

    fn deal(id: i64, owner_id: i64) -> Deal {
        serde_json::from_value(serde_json::json!({
            "id": id, "name": "d", "stage": "proposal", "amount_cents": 1, "currency": "EUR",
            "close_date": null, "company_id": null, "contact_id": null, "owner_id": owner_id,
            "created_at": "2025-01-01T00:00:00Z", "updated_at": "2025-01-01T00:00:00Z"
        }))
        .expect("a deal")
    }

    #[test]
    fn scopes_match_list_keys() {
        assert_eq!(scope_of(&Visibility::All), "all");
        assert_eq!(scope_of(&Visibility::Owner(7)), "owner7");
        assert_eq!(
            list_groups::<Deal>("owner7"),
            ["deals", "deals@owner7"].map(String::from)
        );
        assert_eq!(list_groups::<User>("owner7"), ["users"].map(String::from));
        assert_eq!(
            analytics_groups("all"),
            ["analytics", "analytics@all"].map(String::from)
        );
    }

    #[test]
    fn a_write_bumps_its_owner_and_the_admin_scope_only() {
        let groups = write_groups(&deal(5, 7), None, false);
        assert_eq!(
            groups,
            [
                "deals:5",
                "deals@owner7",
                "deals@all",
                "analytics@owner7",
                "analytics@all"
            ]
            .map(String::from)
        );
    }

    #[test]
    fn a_reassignment_bumps_the_previous_owner_too() {
        let groups = write_groups(&deal(5, 7), Some(3), false);
        assert!(groups.contains(&"deals@owner3".to_string()));
        assert!(groups.contains(&"analytics@owner3".to_string()));
        assert_eq!(write_groups(&deal(5, 7), Some(7), false).len(), 5);
    }

    #[test]
    fn cascading_deletes_reach_every_scope() {
        let groups = write_groups(&deal(5, 7), None, true);
        for wanted in [
            "activities:cascade",
            "activities",
            "analytics",
            "deals@owner7",
        ] {
            assert!(
                groups.contains(&wanted.to_string()),
                "{wanted} in {groups:?}"
            );
        }
    }

    #[test]
    fn entity_facts_decide_the_analytics_groups() {
        assert_eq!(Company::ANALYTICS, Analytics::Everyone);
        assert_eq!(User::ANALYTICS, Analytics::Everyone);
        assert_eq!(Activity::ANALYTICS, Analytics::Owner);
        assert_eq!(Contact::ANALYTICS, Analytics::Unaffected);
    }
}
