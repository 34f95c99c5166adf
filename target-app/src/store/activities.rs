//! Activities: calls, emails, meetings and notes logged against a contact, a deal, or both.

use rusqlite::{Connection, Row};
use serde::{Deserialize, Serialize};

use super::entity::{Entity, TableSpec, Values, Visibility};
use super::list::{FilterSpec, FilterValue, Op};
use super::text_enum::text_enum;
use super::validate::{self, BODY_MAX, NAME_MAX};
use super::{StoreError, nullable, timestamps};

text_enum! {
    /// What kind of interaction an activity records.
    ActivityKind {
        Call = "call",
        Email = "email",
        Meeting = "meeting",
        Note = "note",
    }
}

/// An activity record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Activity {
    pub id: i64,
    pub kind: ActivityKind,
    pub subject: String,
    pub body: String,
    pub contact_id: Option<i64>,
    pub deal_id: Option<i64>,
    pub occurred_at: String,
    pub owner_id: i64,
    pub created_at: String,
    pub updated_at: String,
}

/// `POST /api/activities`. At least one of `contact_id`/`deal_id`; `occurred_at` defaults to now.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ActivityCreate {
    pub kind: Option<ActivityKind>,
    pub subject: String,
    pub body: Option<String>,
    pub contact_id: Option<i64>,
    pub deal_id: Option<i64>,
    pub occurred_at: Option<String>,
    pub owner_id: Option<i64>,
}

/// `PATCH /api/activities/{id}`: absent fields stay; `null` clears a parent (one must remain).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ActivityPatch {
    pub kind: Option<ActivityKind>,
    pub subject: Option<String>,
    pub body: Option<String>,
    #[serde(default, deserialize_with = "nullable::deserialize")]
    pub contact_id: Option<Option<i64>>,
    #[serde(default, deserialize_with = "nullable::deserialize")]
    pub deal_id: Option<Option<i64>>,
    pub occurred_at: Option<String>,
    pub owner_id: Option<i64>,
}

const FILTERS: &[FilterSpec] = &[
    FilterSpec::eq("kind", FilterValue::Choice(ActivityKind::NAMES)),
    FilterSpec::eq(
        "contact_id",
        FilterValue::Int {
            min: 1,
            max: i64::MAX,
        },
    ),
    FilterSpec::eq(
        "deal_id",
        FilterValue::Int {
            min: 1,
            max: i64::MAX,
        },
    ),
    FilterSpec::eq(
        "owner_id",
        FilterValue::Int {
            min: 1,
            max: i64::MAX,
        },
    ),
    FilterSpec::new(
        "occurred_after",
        "occurred_at",
        Op::Ge,
        FilterValue::Timestamp,
    ),
    FilterSpec::new(
        "created_after",
        "created_at",
        Op::Ge,
        FilterValue::Timestamp,
    ),
];

fn need_parent(contact_id: Option<i64>, deal_id: Option<i64>) -> Result<(), StoreError> {
    if contact_id.is_none() && deal_id.is_none() {
        return Err(StoreError::validation(
            "contact_id",
            "an activity needs a contact_id, a deal_id, or both",
        ));
    }
    Ok(())
}

impl Entity for Activity {
    const NAME: &'static str = "activities";
    const SPEC: TableSpec = TableSpec {
        columns: "id, kind, subject, body, contact_id, deal_id, occurred_at, owner_id, created_at, updated_at",
        owner_column: "owner_id",
        filters: FILTERS,
        sorts: &["id", "kind", "occurred_at", "created_at", "updated_at"],
        default_sort: "-created_at",
        has_updated_at: true,
    };
    type Create = ActivityCreate;
    type Patch = ActivityPatch;

    fn id(&self) -> i64 {
        self.id
    }

    fn owner_id(&self) -> i64 {
        self.owner_id
    }

    fn from_row(r: &Row<'_>) -> rusqlite::Result<Self> {
        Ok(Activity {
            id: r.get("id")?,
            kind: r.get("kind")?,
            subject: r.get("subject")?,
            body: r.get("body")?,
            contact_id: r.get("contact_id")?,
            deal_id: r.get("deal_id")?,
            occurred_at: r.get("occurred_at")?,
            owner_id: r.get("owner_id")?,
            created_at: r.get("created_at")?,
            updated_at: r.get("updated_at")?,
        })
    }

    fn create_values(
        conn: &Connection,
        c: ActivityCreate,
        owner_id: i64,
        vis: &Visibility,
    ) -> Result<Values, StoreError> {
        let Some(kind) = c.kind else {
            return Err(StoreError::validation(
                "kind",
                format!("required; one of: {}", ActivityKind::NAMES.join(", ")),
            ));
        };
        need_parent(c.contact_id, c.deal_id)?;
        let occurred_at = match c.occurred_at.as_deref() {
            Some(t) => timestamps::timestamp_field("occurred_at", t)?,
            None => timestamps::now(),
        };
        Ok(vec![
            ("kind", kind.into()),
            (
                "subject",
                validate::text("subject", &c.subject, NAME_MAX)?.into(),
            ),
            (
                "body",
                validate::body("body", c.body.as_deref().unwrap_or(""), BODY_MAX)?.into(),
            ),
            (
                "contact_id",
                validate::opt_reference(conn, "contact_id", "contacts", c.contact_id, vis)?.into(),
            ),
            (
                "deal_id",
                validate::opt_reference(conn, "deal_id", "deals", c.deal_id, vis)?.into(),
            ),
            ("occurred_at", occurred_at.into()),
            (
                "owner_id",
                validate::owner(conn, c.owner_id.unwrap_or(owner_id), vis)?.into(),
            ),
        ])
    }

    fn patch_values(
        conn: &Connection,
        current: &Self,
        p: ActivityPatch,
        vis: &Visibility,
    ) -> Result<Values, StoreError> {
        need_parent(
            p.contact_id.unwrap_or(current.contact_id),
            p.deal_id.unwrap_or(current.deal_id),
        )?;
        let mut v: Values = Vec::new();
        if let Some(x) = p.kind {
            v.push(("kind", x.into()));
        }
        if let Some(x) = p.subject {
            v.push(("subject", validate::text("subject", &x, NAME_MAX)?.into()));
        }
        if let Some(x) = p.body {
            v.push(("body", validate::body("body", &x, BODY_MAX)?.into()));
        }
        if let Some(x) = p.contact_id {
            let id = validate::opt_reference(conn, "contact_id", "contacts", x, vis)?;
            v.push(("contact_id", id.into()));
        }
        if let Some(x) = p.deal_id {
            let id = validate::opt_reference(conn, "deal_id", "deals", x, vis)?;
            v.push(("deal_id", id.into()));
        }
        if let Some(x) = p.occurred_at {
            v.push((
                "occurred_at",
                timestamps::timestamp_field("occurred_at", &x)?.into(),
            ));
        }
        if let Some(x) = p.owner_id {
            v.push(("owner_id", validate::owner(conn, x, vis)?.into()));
        }
        Ok(v)
    }
}
