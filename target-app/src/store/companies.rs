//! Companies: the accounts contacts work for and deals are sold to.

use rusqlite::{Connection, Row};
use serde::{Deserialize, Serialize};

use super::entity::{Entity, TableSpec, Values, Visibility};
use super::list::{FilterSpec, FilterValue, Op};
use super::validate::{self, DOMAIN_MAX, EMPLOYEES_MAX, NAME_MAX};
use super::{StoreError, nullable};

/// A company record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Company {
    pub id: i64,
    pub name: String,
    pub domain: Option<String>,
    pub industry: Option<String>,
    pub employees: Option<i64>,
    pub city: Option<String>,
    pub country: Option<String>,
    pub owner_id: i64,
    pub created_at: String,
    pub updated_at: String,
}

/// `POST /api/companies`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CompanyCreate {
    pub name: String,
    pub domain: Option<String>,
    pub industry: Option<String>,
    pub employees: Option<i64>,
    pub city: Option<String>,
    pub country: Option<String>,
    /// Admins only (reps may name only themselves).
    pub owner_id: Option<i64>,
}

/// `PATCH /api/companies/{id}`: absent fields stay; `null` clears a nullable field.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CompanyPatch {
    pub name: Option<String>,
    #[serde(default, deserialize_with = "nullable::deserialize")]
    pub domain: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable::deserialize")]
    pub industry: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable::deserialize")]
    pub employees: Option<Option<i64>>,
    #[serde(default, deserialize_with = "nullable::deserialize")]
    pub city: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable::deserialize")]
    pub country: Option<Option<String>>,
    pub owner_id: Option<i64>,
}

const FILTERS: &[FilterSpec] = &[
    FilterSpec::eq("industry", FilterValue::Text { max: NAME_MAX }),
    FilterSpec::eq("country", FilterValue::Text { max: NAME_MAX }),
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

fn employees(v: i64) -> Result<i64, StoreError> {
    validate::range("employees", v, 0, EMPLOYEES_MAX)
}

impl Entity for Company {
    const NAME: &'static str = "companies";
    const SPEC: TableSpec = TableSpec {
        columns: "id, name, domain, industry, employees, city, country, owner_id, created_at, updated_at",
        owner_column: "owner_id",
        filters: FILTERS,
        sorts: &["id", "name", "employees", "created_at", "updated_at"],
        default_sort: "-created_at",
        has_updated_at: true,
    };
    type Create = CompanyCreate;
    type Patch = CompanyPatch;

    fn id(&self) -> i64 {
        self.id
    }

    fn owner_id(&self) -> i64 {
        self.owner_id
    }

    fn from_row(r: &Row<'_>) -> rusqlite::Result<Self> {
        Ok(Company {
            id: r.get("id")?,
            name: r.get("name")?,
            domain: r.get("domain")?,
            industry: r.get("industry")?,
            employees: r.get("employees")?,
            city: r.get("city")?,
            country: r.get("country")?,
            owner_id: r.get("owner_id")?,
            created_at: r.get("created_at")?,
            updated_at: r.get("updated_at")?,
        })
    }

    fn create_values(
        conn: &Connection,
        c: CompanyCreate,
        owner_id: i64,
        vis: &Visibility,
    ) -> Result<Values, StoreError> {
        Ok(vec![
            ("name", validate::text("name", &c.name, NAME_MAX)?.into()),
            (
                "domain",
                validate::opt_text("domain", c.domain.as_deref(), DOMAIN_MAX)?.into(),
            ),
            (
                "industry",
                validate::opt_text("industry", c.industry.as_deref(), NAME_MAX)?.into(),
            ),
            ("employees", c.employees.map(employees).transpose()?.into()),
            (
                "city",
                validate::opt_text("city", c.city.as_deref(), NAME_MAX)?.into(),
            ),
            (
                "country",
                validate::opt_text("country", c.country.as_deref(), NAME_MAX)?.into(),
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
        p: CompanyPatch,
        vis: &Visibility,
    ) -> Result<Values, StoreError> {
        let mut v: Values = Vec::new();
        if let Some(x) = p.name {
            v.push(("name", validate::text("name", &x, NAME_MAX)?.into()));
        }
        if let Some(x) = p.domain {
            v.push((
                "domain",
                validate::opt_text("domain", x.as_deref(), DOMAIN_MAX)?.into(),
            ));
        }
        if let Some(x) = p.industry {
            v.push((
                "industry",
                validate::opt_text("industry", x.as_deref(), NAME_MAX)?.into(),
            ));
        }
        if let Some(x) = p.employees {
            v.push(("employees", x.map(employees).transpose()?.into()));
        }
        if let Some(x) = p.city {
            v.push((
                "city",
                validate::opt_text("city", x.as_deref(), NAME_MAX)?.into(),
            ));
        }
        if let Some(x) = p.country {
            v.push((
                "country",
                validate::opt_text("country", x.as_deref(), NAME_MAX)?.into(),
            ));
        }
        if let Some(x) = p.owner_id {
            v.push(("owner_id", validate::owner(conn, x, vis)?.into()));
        }
        Ok(v)
    }
}
