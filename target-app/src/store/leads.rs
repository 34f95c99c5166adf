//! Leads: prospects not yet qualified into contacts. A lead becomes `converted` only through
//! `convert_lead`, which records the contact it became.

use rusqlite::{Connection, Row};
use serde::{Deserialize, Serialize};

use super::entity::{Entity, TableSpec, Values, Visibility};
use super::list::{FilterSpec, FilterValue, Op};
use super::text_enum::text_enum;
use super::validate::{self, NAME_MAX};
use super::{StoreError, nullable};

text_enum! {
    /// Where a lead came from.
    LeadSource {
        Web = "web",
        Referral = "referral",
        Event = "event",
        ColdCall = "cold_call",
        Partner = "partner",
        Ads = "ads",
    }
}

text_enum! {
    /// How far a lead has been worked.
    LeadStatus {
        New = "new",
        Contacted = "contacted",
        Qualified = "qualified",
        Unqualified = "unqualified",
        Converted = "converted",
    }
}

/// A lead record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Lead {
    pub id: i64,
    pub first_name: String,
    pub last_name: String,
    pub email: Option<String>,
    pub company_name: Option<String>,
    pub source: LeadSource,
    pub status: LeadStatus,
    pub score: i64,
    pub owner_id: i64,
    pub converted_contact_id: Option<i64>,
    pub converted_at: Option<String>,
    pub created_at: String,
    pub updated_at: String,
}

/// `POST /api/leads`. Defaults: source `web`, status `new`, score 0.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LeadCreate {
    pub first_name: String,
    pub last_name: String,
    pub email: Option<String>,
    pub company_name: Option<String>,
    pub source: Option<LeadSource>,
    pub status: Option<LeadStatus>,
    pub score: Option<i64>,
    pub owner_id: Option<i64>,
}

/// `PATCH /api/leads/{id}`: absent fields stay; `null` clears a nullable field.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LeadPatch {
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    #[serde(default, deserialize_with = "nullable::deserialize")]
    pub email: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable::deserialize")]
    pub company_name: Option<Option<String>>,
    pub source: Option<LeadSource>,
    pub status: Option<LeadStatus>,
    pub score: Option<i64>,
    pub owner_id: Option<i64>,
}

const FILTERS: &[FilterSpec] = &[
    FilterSpec::eq("status", FilterValue::Choice(LeadStatus::NAMES)),
    FilterSpec::eq("source", FilterValue::Choice(LeadSource::NAMES)),
    FilterSpec::new(
        "min_score",
        "score",
        Op::Ge,
        FilterValue::Int { min: 0, max: 100 },
    ),
    FilterSpec::eq(
        "owner_id",
        FilterValue::Int {
            min: 1,
            max: i64::MAX,
        },
    ),
    FilterSpec::new(
        "created_after",
        "created_at",
        Op::Ge,
        FilterValue::Timestamp,
    ),
];

fn score(v: i64) -> Result<i64, StoreError> {
    validate::range("score", v, 0, 100)
}

/// `converted` is reached only through conversion, and a converted lead stays converted.
fn status(current: Option<LeadStatus>, new: LeadStatus) -> Result<LeadStatus, StoreError> {
    if new == LeadStatus::Converted && current != Some(LeadStatus::Converted) {
        return Err(StoreError::validation(
            "status",
            "a lead becomes `converted` only through POST /api/leads/{id}/convert",
        ));
    }
    if current == Some(LeadStatus::Converted) && new != LeadStatus::Converted {
        return Err(StoreError::validation(
            "status",
            "a converted lead cannot change status",
        ));
    }
    Ok(new)
}

impl Entity for Lead {
    const NAME: &'static str = "leads";
    const SPEC: TableSpec = TableSpec {
        columns: "id, first_name, last_name, email, company_name, source, status, score, owner_id, converted_contact_id, converted_at, created_at, updated_at",
        owner_column: "owner_id",
        filters: FILTERS,
        sorts: &[
            "id",
            "first_name",
            "last_name",
            "status",
            "score",
            "created_at",
            "updated_at",
        ],
        default_sort: "-created_at",
        has_updated_at: true,
    };
    type Create = LeadCreate;
    type Patch = LeadPatch;

    fn id(&self) -> i64 {
        self.id
    }

    fn owner_id(&self) -> i64 {
        self.owner_id
    }

    fn from_row(r: &Row<'_>) -> rusqlite::Result<Self> {
        Ok(Lead {
            id: r.get("id")?,
            first_name: r.get("first_name")?,
            last_name: r.get("last_name")?,
            email: r.get("email")?,
            company_name: r.get("company_name")?,
            source: r.get("source")?,
            status: r.get("status")?,
            score: r.get("score")?,
            owner_id: r.get("owner_id")?,
            converted_contact_id: r.get("converted_contact_id")?,
            converted_at: r.get("converted_at")?,
            created_at: r.get("created_at")?,
            updated_at: r.get("updated_at")?,
        })
    }

    fn create_values(
        conn: &Connection,
        c: LeadCreate,
        owner_id: i64,
        vis: &Visibility,
    ) -> Result<Values, StoreError> {
        Ok(vec![
            (
                "first_name",
                validate::text("first_name", &c.first_name, NAME_MAX)?.into(),
            ),
            (
                "last_name",
                validate::text("last_name", &c.last_name, NAME_MAX)?.into(),
            ),
            (
                "email",
                validate::opt_email("email", c.email.as_deref())?.into(),
            ),
            (
                "company_name",
                validate::opt_text("company_name", c.company_name.as_deref(), NAME_MAX)?.into(),
            ),
            ("source", c.source.unwrap_or(LeadSource::Web).into()),
            (
                "status",
                status(None, c.status.unwrap_or(LeadStatus::New))?.into(),
            ),
            ("score", score(c.score.unwrap_or(0))?.into()),
            (
                "owner_id",
                validate::owner(conn, c.owner_id.unwrap_or(owner_id), vis)?.into(),
            ),
        ])
    }

    fn patch_values(
        conn: &Connection,
        current: &Self,
        p: LeadPatch,
        vis: &Visibility,
    ) -> Result<Values, StoreError> {
        let mut v: Values = Vec::new();
        if let Some(x) = p.first_name {
            v.push((
                "first_name",
                validate::text("first_name", &x, NAME_MAX)?.into(),
            ));
        }
        if let Some(x) = p.last_name {
            v.push((
                "last_name",
                validate::text("last_name", &x, NAME_MAX)?.into(),
            ));
        }
        if let Some(x) = p.email {
            v.push(("email", validate::opt_email("email", x.as_deref())?.into()));
        }
        if let Some(x) = p.company_name {
            let name = validate::opt_text("company_name", x.as_deref(), NAME_MAX)?;
            v.push(("company_name", name.into()));
        }
        if let Some(x) = p.source {
            v.push(("source", x.into()));
        }
        if let Some(x) = p.status {
            v.push(("status", status(Some(current.status), x)?.into()));
        }
        if let Some(x) = p.score {
            v.push(("score", score(x)?.into()));
        }
        if let Some(x) = p.owner_id {
            v.push(("owner_id", validate::owner(conn, x, vis)?.into()));
        }
        Ok(v)
    }
}
