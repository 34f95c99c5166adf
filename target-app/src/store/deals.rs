//! Deals: opportunities moving through the sales pipeline to `won` or `lost`.

use rusqlite::{Connection, Row};
use serde::{Deserialize, Serialize};

use super::entity::{Entity, TableSpec, Values, Visibility};
use super::list::{FilterSpec, FilterValue, Op};
use super::text_enum::text_enum;
use super::validate::{self, AMOUNT_MAX, NAME_MAX};
use super::{StoreError, nullable, timestamps};

text_enum! {
    /// Where a deal stands in the pipeline.
    Stage {
        Prospecting = "prospecting",
        Qualification = "qualification",
        Proposal = "proposal",
        Negotiation = "negotiation",
        Won = "won",
        Lost = "lost",
    }
}

impl Stage {
    /// Whether the deal is still in the pipeline (neither won nor lost).
    pub fn is_open(self) -> bool {
        !matches!(self, Stage::Won | Stage::Lost)
    }
}

/// A deal record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Deal {
    pub id: i64,
    pub name: String,
    pub company_id: Option<i64>,
    pub contact_id: Option<i64>,
    pub stage: Stage,
    pub amount_cents: i64,
    pub currency: String,
    pub close_date: Option<String>,
    pub owner_id: i64,
    pub created_at: String,
    pub updated_at: String,
}

/// `POST /api/deals`. Defaults: stage `prospecting`, amount 0, currency `USD`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DealCreate {
    pub name: String,
    pub company_id: Option<i64>,
    pub contact_id: Option<i64>,
    pub stage: Option<Stage>,
    pub amount_cents: Option<i64>,
    pub currency: Option<String>,
    pub close_date: Option<String>,
    pub owner_id: Option<i64>,
}

/// `PATCH /api/deals/{id}`: absent fields stay; `null` clears a nullable field.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DealPatch {
    pub name: Option<String>,
    #[serde(default, deserialize_with = "nullable::deserialize")]
    pub company_id: Option<Option<i64>>,
    #[serde(default, deserialize_with = "nullable::deserialize")]
    pub contact_id: Option<Option<i64>>,
    pub stage: Option<Stage>,
    pub amount_cents: Option<i64>,
    pub currency: Option<String>,
    #[serde(default, deserialize_with = "nullable::deserialize")]
    pub close_date: Option<Option<String>>,
    pub owner_id: Option<i64>,
}

const FILTERS: &[FilterSpec] = &[
    FilterSpec::eq("stage", FilterValue::Choice(Stage::NAMES)),
    FilterSpec::eq(
        "owner_id",
        FilterValue::Int {
            min: 1,
            max: i64::MAX,
        },
    ),
    FilterSpec::eq(
        "company_id",
        FilterValue::Int {
            min: 1,
            max: i64::MAX,
        },
    ),
    FilterSpec::new(
        "min_amount",
        "amount_cents",
        Op::Ge,
        FilterValue::Int {
            min: 0,
            max: AMOUNT_MAX,
        },
    ),
    FilterSpec::new(
        "max_amount",
        "amount_cents",
        Op::Le,
        FilterValue::Int {
            min: 0,
            max: AMOUNT_MAX,
        },
    ),
    FilterSpec::new("close_after", "close_date", Op::Ge, FilterValue::Date),
    FilterSpec::new("close_before", "close_date", Op::Le, FilterValue::Date),
    FilterSpec::new(
        "created_after",
        "created_at",
        Op::Ge,
        FilterValue::Timestamp,
    ),
];

fn amount(v: i64) -> Result<i64, StoreError> {
    validate::range("amount_cents", v, 0, AMOUNT_MAX)
}

impl Entity for Deal {
    const NAME: &'static str = "deals";
    const SPEC: TableSpec = TableSpec {
        columns: "id, name, company_id, contact_id, stage, amount_cents, currency, close_date, owner_id, created_at, updated_at",
        owner_column: "owner_id",
        filters: FILTERS,
        sorts: &[
            "id",
            "name",
            "stage",
            "amount_cents",
            "close_date",
            "created_at",
            "updated_at",
        ],
        default_sort: "-created_at",
        has_updated_at: true,
    };
    type Create = DealCreate;
    type Patch = DealPatch;

    fn id(&self) -> i64 {
        self.id
    }

    fn owner_id(&self) -> i64 {
        self.owner_id
    }

    fn from_row(r: &Row<'_>) -> rusqlite::Result<Self> {
        Ok(Deal {
            id: r.get("id")?,
            name: r.get("name")?,
            company_id: r.get("company_id")?,
            contact_id: r.get("contact_id")?,
            stage: r.get("stage")?,
            amount_cents: r.get("amount_cents")?,
            currency: r.get("currency")?,
            close_date: r.get("close_date")?,
            owner_id: r.get("owner_id")?,
            created_at: r.get("created_at")?,
            updated_at: r.get("updated_at")?,
        })
    }

    fn create_values(
        conn: &Connection,
        c: DealCreate,
        owner_id: i64,
        vis: &Visibility,
    ) -> Result<Values, StoreError> {
        let close_date = c
            .close_date
            .as_deref()
            .map(|d| timestamps::date_field("close_date", d))
            .transpose()?;
        Ok(vec![
            ("name", validate::text("name", &c.name, NAME_MAX)?.into()),
            (
                "company_id",
                validate::opt_reference(conn, "company_id", "companies", c.company_id, vis)?.into(),
            ),
            (
                "contact_id",
                validate::opt_reference(conn, "contact_id", "contacts", c.contact_id, vis)?.into(),
            ),
            ("stage", c.stage.unwrap_or(Stage::Prospecting).into()),
            ("amount_cents", amount(c.amount_cents.unwrap_or(0))?.into()),
            (
                "currency",
                validate::currency("currency", c.currency.as_deref().unwrap_or("USD"))?.into(),
            ),
            ("close_date", close_date.into()),
            (
                "owner_id",
                validate::owner(conn, c.owner_id.unwrap_or(owner_id), vis)?.into(),
            ),
        ])
    }

    fn patch_values(
        conn: &Connection,
        _current: &Self,
        p: DealPatch,
        vis: &Visibility,
    ) -> Result<Values, StoreError> {
        let mut v: Values = Vec::new();
        if let Some(x) = p.name {
            v.push(("name", validate::text("name", &x, NAME_MAX)?.into()));
        }
        if let Some(x) = p.company_id {
            let id = validate::opt_reference(conn, "company_id", "companies", x, vis)?;
            v.push(("company_id", id.into()));
        }
        if let Some(x) = p.contact_id {
            let id = validate::opt_reference(conn, "contact_id", "contacts", x, vis)?;
            v.push(("contact_id", id.into()));
        }
        if let Some(x) = p.stage {
            v.push(("stage", x.into()));
        }
        if let Some(x) = p.amount_cents {
            v.push(("amount_cents", amount(x)?.into()));
        }
        if let Some(x) = p.currency {
            v.push(("currency", validate::currency("currency", &x)?.into()));
        }
        if let Some(x) = p.close_date {
            let d = x
                .as_deref()
                .map(|d| timestamps::date_field("close_date", d))
                .transpose()?;
            v.push(("close_date", d.into()));
        }
        if let Some(x) = p.owner_id {
            v.push(("owner_id", validate::owner(conn, x, vis)?.into()));
        }
        Ok(v)
    }
}
