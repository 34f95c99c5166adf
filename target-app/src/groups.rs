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
//! - `analytics`: every dashboard and revenue report; `analytics@owner7`: the dashboard of one
//!   scope; `revenue@owner7`: its revenue reports (won deals only, so most deal writes leave them);
//! - `search`: every cached search and suggestion; `search@owner7`: those of one scope, bumped
//!   after an index commit that changed a document of that owner (see [`search_commit_groups`]);
//! - `deals:5/activities`: the timeline of one contact or deal (`GET /api/deals/5/activities`),
//!   bumped by writes of activities attached to it (before or after the write) and by a change of
//!   the parent's owner (who may see the timeline), never by edits of the parent's other fields.
//!
//! Writes also *refresh* what they make stale in one owner's scope and in timelines (see
//! [`refreshed_on_write`] and `crate::refresh`).
//!
//! Scopes are [`scope_of`] a visibility: `all` for admins, `owner{id}` for reps (also part of the
//! cache keys of lists and aggregates, so a key and its scope group always agree).

use crate::resource::{Analytics, Resource};
use crate::search::Changed;
use crate::store::Visibility;

/// The group of every analytics value (dashboard, revenue), whatever its scope.
pub const ANALYTICS: &str = "analytics";

/// The group of one scope's revenue reports (`revenue@owner7`), beside its dashboard's
/// `analytics@owner7`.
pub const REVENUE: &str = "revenue";

/// The group of every cached search answer, whatever its scope.
pub const SEARCH: &str = "search";

/// The scope of everything (admins).
pub const ALL_SCOPE: &str = "all";

/// What a write did to a record, as far as invalidation is concerned.
#[derive(Debug)]
pub enum Change<'a, E> {
    /// A new record: nothing referenced it before.
    Created,
    /// A changed record, with the record as it was when the caller has it (an API update does;
    /// a lead conversion does not). Without it, the owner is taken as unchanged and the record
    /// as counting in revenue before.
    Updated(Option<&'a E>),
    /// A deleted record; foreign keys may have changed or removed records of other entities.
    Deleted,
}

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

/// The group of the activity timeline of one contact or deal (`deals:5/activities`).
pub fn timeline_group(parent_name: &str, id: i64) -> String {
    format!("{parent_name}:{id}/activities")
}

/// Whether writes that bump `group` recompute the cached values depending on it, rather than only
/// making them stale: the groups of one owner's scope (`deals@owner7`, `analytics@owner7`,
/// `search@owner7`, ...) and timelines. Not the admins' `all` scope: its aggregates span every
/// rep and would be recomputed on every rep's write, for the rare admin reading them.
pub fn refreshed_on_write(group: &str) -> bool {
    match group.split_once('@') {
        Some((_, scope)) => scope
            .strip_prefix("owner")
            .is_some_and(|id| !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit())),
        None => group.ends_with("/activities"),
    }
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

/// The groups a dashboard read in `scope` depends on.
pub fn dashboard_groups(scope: &str) -> [String; 2] {
    [ANALYTICS.to_string(), scoped_group(ANALYTICS, scope)]
}

/// The groups a revenue report read in `scope` depends on.
pub fn revenue_groups(scope: &str) -> [String; 2] {
    [ANALYTICS.to_string(), scoped_group(REVENUE, scope)]
}

/// The groups a search or suggestion answer read in `scope` depends on.
pub fn search_groups(scope: &str) -> [String; 2] {
    [SEARCH.to_string(), scoped_group(SEARCH, scope)]
}

/// The groups made stale by index commits that changed `changed`. Another owner's documents never
/// appear in a rep's answers; they only shift corpus statistics (the BM25 scores of the rep's
/// hits), which the search TTL bounds.
pub fn search_commit_groups(changed: &Changed) -> Vec<String> {
    match changed {
        Changed::Anyone => vec![SEARCH.to_string()],
        Changed::Owners(owners) if owners.is_empty() => Vec::new(),
        Changed::Owners(owners) => owners
            .iter()
            .map(|owner| scoped_group(SEARCH, &owner_scope(*owner)))
            .chain([scoped_group(SEARCH, ALL_SCOPE)])
            .collect(),
    }
}

/// The groups made stale by a write to `record` (its state after the write; for a delete, the
/// deleted record).
pub fn write_groups<E: Resource>(record: &E, change: &Change<'_, E>) -> Vec<String> {
    let before = match change {
        Change::Updated(before) => *before,
        Change::Created | Change::Deleted => None,
    };
    // The scopes that saw the record: its owner's, the admins', and a previous owner's.
    let mut scopes = vec![owner_scope(record.owner_id()), ALL_SCOPE.to_string()];
    if let Some(previous) = before
        .map(|b| b.owner_id())
        .filter(|p| *p != record.owner_id())
    {
        scopes.push(owner_scope(previous));
    }
    let mut groups = vec![record_group(E::NAME, record.id())];
    // The timelines an activity is on, before and after the write.
    groups.extend(record.timelines());
    if let Some(before) = before {
        for timeline in before.timelines() {
            if !groups.contains(&timeline) {
                groups.push(timeline);
            }
        }
    }
    // A parent's timeline shows only to who may see the parent.
    let owner_changed = match change {
        Change::Updated(Some(before)) => before.owner_id() != record.owner_id(),
        Change::Updated(None) | Change::Deleted => true,
        Change::Created => false,
    };
    if E::HAS_TIMELINE && owner_changed {
        groups.push(timeline_group(E::NAME, record.id()));
    }
    if E::READABLE_BY_ALL {
        groups.push(E::NAME.to_string());
    } else {
        groups.extend(scopes.iter().map(|s| scoped_group(E::NAME, s)));
    }
    let deleted = matches!(change, Change::Deleted);
    let revenue = || {
        record.in_revenue()
            || match change {
                Change::Updated(Some(before)) => before.in_revenue(),
                Change::Updated(None) => true,
                Change::Created | Change::Deleted => false,
            }
    };
    match E::ANALYTICS {
        // Foreign keys reach records of any owner.
        _ if deleted && !E::CASCADES_TO.is_empty() => groups.push(ANALYTICS.to_string()),
        Analytics::Everyone if matches!(change, Change::Created) => {}
        Analytics::Everyone => groups.push(ANALYTICS.to_string()),
        Analytics::Owner => groups.extend(scopes.iter().map(|s| scoped_group(ANALYTICS, s))),
        Analytics::OwnerAndRevenue => {
            groups.extend(scopes.iter().map(|s| scoped_group(ANALYTICS, s)));
            if revenue() {
                groups.extend(scopes.iter().map(|s| scoped_group(REVENUE, s)));
            }
        }
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
    use crate::store::{Activity, Company, Contact, Deal, Stage, User};

    fn deal(id: i64, owner_id: i64, stage: &str) -> Deal {
        serde_json::from_value(serde_json::json!({
            "id": id, "name": "d", "stage": stage, "amount_cents": 1, "currency": "EUR",
            "close_date": null, "company_id": null, "contact_id": null, "owner_id": owner_id,
            "created_at": "2025-01-01T00:00:00Z", "updated_at": "2025-01-01T00:00:00Z"
        }))
        .expect("a deal")
    }

    fn strings<const N: usize>(names: [&str; N]) -> Vec<String> {
        names.map(String::from).to_vec()
    }

    #[test]
    fn scopes_match_list_keys() {
        assert_eq!(scope_of(&Visibility::All), "all");
        assert_eq!(scope_of(&Visibility::Owner(7)), "owner7");
        assert_eq!(
            list_groups::<Deal>("owner7"),
            strings(["deals", "deals@owner7"])
        );
        assert_eq!(list_groups::<User>("owner7"), strings(["users"]));
        assert_eq!(
            dashboard_groups("all").to_vec(),
            strings(["analytics", "analytics@all"])
        );
        assert_eq!(
            revenue_groups("owner7").to_vec(),
            strings(["analytics", "revenue@owner7"])
        );
        assert_eq!(
            search_groups("owner7").to_vec(),
            strings(["search", "search@owner7"])
        );
    }

    #[test]
    fn an_open_deal_write_bumps_its_owners_and_the_admins_dashboard_not_revenue() {
        let open = deal(5, 7, "proposal");
        let before = deal(5, 7, "negotiation");
        assert_eq!(
            write_groups(&open, &Change::Updated(Some(&before))),
            strings([
                "deals:5",
                "deals@owner7",
                "deals@all",
                "analytics@owner7",
                "analytics@all"
            ])
        );
        assert_eq!(
            write_groups(&open, &Change::Created),
            write_groups(&open, &Change::Updated(Some(&before)))
        );
    }

    #[test]
    fn a_won_deal_before_or_after_bumps_revenue_too() {
        let won = deal(5, 7, "won");
        let open = deal(5, 7, "proposal");
        assert_eq!(won.stage, Stage::Won);
        for (after, change) in [
            (&won, Change::Updated(Some(&open))),
            (&open, Change::Updated(Some(&won))),
            (&open, Change::Updated(None)),
            (&won, Change::Created),
        ] {
            let groups = write_groups(after, &change);
            for wanted in ["revenue@owner7", "revenue@all", "analytics@owner7"] {
                assert!(
                    groups.contains(&wanted.to_string()),
                    "{change:?}: {groups:?}"
                );
            }
        }
        // Leads and activities are on the dashboard only.
        assert_eq!(Activity::ANALYTICS, Analytics::Owner);
    }

    #[test]
    fn a_reassignment_bumps_the_previous_owner_too() {
        let before = deal(5, 3, "won");
        let groups = write_groups(&deal(5, 7, "won"), &Change::Updated(Some(&before)));
        for wanted in ["deals@owner3", "analytics@owner3", "revenue@owner3"] {
            assert!(groups.contains(&wanted.to_string()), "{groups:?}");
        }
        let same = deal(5, 7, "proposal");
        assert_eq!(write_groups(&same, &Change::Updated(Some(&same))).len(), 5);
        assert!(groups.contains(&"deals:5/activities".to_string()));
    }

    #[test]
    fn a_deals_timeline_changes_with_its_activities_and_its_owner_not_its_fields() {
        let open = deal(5, 7, "proposal");
        let groups = write_groups(&open, &Change::Updated(Some(&deal(5, 7, "negotiation"))));
        assert!(!groups.contains(&"deals:5/activities".to_string()));
        let moved = write_groups(&open, &Change::Updated(Some(&deal(5, 3, "proposal"))));
        assert!(moved.contains(&"deals:5/activities".to_string()));
        let activity = |contact: Option<i64>, deal: Option<i64>| -> Activity {
            serde_json::from_value(serde_json::json!({
                "id": 9, "kind": "call", "subject": "s", "body": "", "contact_id": contact,
                "deal_id": deal, "occurred_at": "2025-01-01T00:00:00Z", "owner_id": 7,
                "created_at": "2025-01-01T00:00:00Z", "updated_at": "2025-01-01T00:00:00Z"
            }))
            .expect("an activity")
        };
        let after = activity(Some(4), Some(5));
        let before = activity(Some(2), None);
        let groups = write_groups(&after, &Change::Updated(Some(&before)));
        for wanted in [
            "contacts:4/activities",
            "deals:5/activities",
            "contacts:2/activities",
        ] {
            assert!(
                groups.contains(&wanted.to_string()),
                "{wanted} in {groups:?}"
            );
        }
    }

    #[test]
    fn only_owner_scopes_and_timelines_are_refreshed_on_write() {
        for group in [
            "deals@owner7",
            "analytics@owner12",
            "search@owner3",
            "contacts:4/activities",
        ] {
            assert!(refreshed_on_write(group), "{group}");
        }
        for group in [
            "deals@all",
            "deals",
            "analytics",
            "deals:5",
            "deals:cascade",
            "x@owner",
        ] {
            assert!(!refreshed_on_write(group), "{group}");
        }
    }

    #[test]
    fn cascading_deletes_reach_every_scope() {
        let groups = write_groups(&deal(5, 7, "proposal"), &Change::Deleted);
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
        assert_eq!(Deal::ANALYTICS, Analytics::OwnerAndRevenue);
        assert_eq!(Contact::ANALYTICS, Analytics::Unaffected);
    }

    #[test]
    fn search_commits_bump_the_scopes_of_the_changed_owners() {
        let owners = Changed::Owners([3, 7].into());
        assert_eq!(
            search_commit_groups(&owners),
            strings(["search@owner3", "search@owner7", "search@all"])
        );
        assert_eq!(search_commit_groups(&Changed::Anyone), strings(["search"]));
        assert!(search_commit_groups(&Changed::Owners([].into())).is_empty());
    }
}
