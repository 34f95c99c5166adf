//! Contacts: the people a rep talks to, optionally working for a company.

use rusqlite::{Connection, Row};
use serde::{Deserialize, Serialize};

use super::entity::{Entity, TableSpec, Values, Visibility};
use super::list::{FilterSpec, FilterValue, Op};
use super::validate::{self, NAME_MAX, PHONE_MAX};
use super::{StoreError, nullable};

/// A contact record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Contact {
    pub id: i64,
    pub company_id: Option<i64>,
    pub first_name: String,
    pub last_name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub title: Option<String>,
    pub owner_id: i64,
    pub created_at: String,
    pub updated_at: String,
}

/// `POST /api/contacts`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContactCreate {
    pub company_id: Option<i64>,
    pub first_name: String,
    pub last_name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub title: Option<String>,
    pub owner_id: Option<i64>,
}

/// `PATCH /api/contacts/{id}`: absent fields stay; `null` clears a nullable field.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContactPatch {
    #[serde(default, deserialize_with = "nullable::deserialize")]
    pub company_id: Option<Option<i64>>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    #[serde(default, deserialize_with = "nullable::deserialize")]
    pub email: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable::deserialize")]
    pub phone: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable::deserialize")]
    pub title: Option<Option<String>>,
    pub owner_id: Option<i64>,
}

const FILTERS: &[FilterSpec] = &[
    FilterSpec::eq(
        "company_id",
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
    FilterSpec::eq("email", FilterValue::Email),
    FilterSpec::new(
        "created_after",
        "created_at",
        Op::Ge,
        FilterValue::Timestamp,
    ),
];

impl Entity for Contact {
    const NAME: &'static str = "contacts";
    const SPEC: TableSpec = TableSpec {
        columns: "id, company_id, first_name, last_name, email, phone, title, owner_id, created_at, updated_at",
        owner_column: "owner_id",
        filters: FILTERS,
        sorts: &[
            "id",
            "first_name",
            "last_name",
            "email",
            "created_at",
            "updated_at",
        ],
        default_sort: "-created_at",
        has_updated_at: true,
    };
    type Create = ContactCreate;
    type Patch = ContactPatch;

    fn id(&self) -> i64 {
        self.id
    }

    fn owner_id(&self) -> i64 {
        self.owner_id
    }

    fn from_row(r: &Row<'_>) -> rusqlite::Result<Self> {
        Ok(Contact {
            id: r.get("id")?,
            company_id: r.get("company_id")?,
            first_name: r.get("first_name")?,
            last_name: r.get("last_name")?,
            email: r.get("email")?,
            phone: r.get("phone")?,
            title: r.get("title")?,
            owner_id: r.get("owner_id")?,
            created_at: r.get("created_at")?,
            updated_at: r.get("updated_at")?,
        })
    }

    fn create_values(
        conn: &Connection,
        c: ContactCreate,
        owner_id: i64,
        vis: &Visibility,
    ) -> Result<Values, StoreError> {
        Ok(vec![
            (
                "company_id",
                validate::opt_reference(conn, "company_id", "companies", c.company_id, vis)?.into(),
            ),
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
                "phone",
                validate::opt_text("phone", c.phone.as_deref(), PHONE_MAX)?.into(),
            ),
            (
                "title",
                validate::opt_text("title", c.title.as_deref(), NAME_MAX)?.into(),
            ),
            (
                "owner_id",
                validate::owner(conn, c.owner_id.unwrap_or(owner_id), vis)?.into(),
            ),
        ])
    }

    fn patch_values(
        conn: &Connection,
        _current: &Self,
        p: ContactPatch,
        vis: &Visibility,
    ) -> Result<Values, StoreError> {
        let mut v: Values = Vec::new();
        if let Some(x) = p.company_id {
            let id = validate::opt_reference(conn, "company_id", "companies", x, vis)?;
            v.push(("company_id", id.into()));
        }
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
        if let Some(x) = p.phone {
            v.push((
                "phone",
                validate::opt_text("phone", x.as_deref(), PHONE_MAX)?.into(),
            ));
        }
        if let Some(x) = p.title {
            v.push((
                "title",
                validate::opt_text("title", x.as_deref(), NAME_MAX)?.into(),
            ));
        }
        if let Some(x) = p.owner_id {
            v.push(("owner_id", validate::owner(conn, x, vis)?.into()));
        }
        Ok(v)
    }
}
