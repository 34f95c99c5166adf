//! SQLite storage: schema, connection pool, the six record types and every query the HTTP layer
//! needs. All query functions are synchronous and take a `&Connection` (or `&mut Connection` when
//! they open a transaction), so they are unit-testable; async callers go through `Store::call`.
//!
//! Every read and write takes a `Visibility`: a rep's view is restricted to records they own, and a
//! record outside it behaves exactly as if it did not exist.

mod activities;
mod analytics;
mod companies;
mod contacts;
mod convert;
mod deals;
mod entity;
mod error;
mod leads;
mod list;
mod nullable;
mod parent;
pub mod password;
mod pool;
mod schema;
mod sessions;
mod text_enum;
pub mod timestamps;
mod users;
pub mod validate;

#[cfg(test)]
mod tests;

pub use activities::{Activity, ActivityCreate, ActivityKind, ActivityPatch};
pub use analytics::{
    ClosingThisMonth, Dashboard, KindCount, OwnerTotal, Revenue, RevenueBy, RevenueRow, StageTotal,
    dashboard, revenue, revenue_at,
};
pub use companies::{Company, CompanyCreate, CompanyPatch};
pub use contacts::{Contact, ContactCreate, ContactPatch};
pub use convert::{Conversion, ConvertLead, convert_lead};
pub use deals::{Deal, DealCreate, DealPatch, Stage};
pub use entity::{
    Deleted, Entity, TableSpec, Updated, Values, Visibility, all, create, delete, delete_returning,
    get, update, update_with_previous,
};
pub use error::StoreError;
pub use leads::{Lead, LeadCreate, LeadPatch, LeadSource, LeadStatus};
pub use list::{
    DEFAULT_LIMIT, FilterSpec, FilterValue, ListQuery, MAX_LIMIT, MAX_OFFSET, Op, Page, list,
    valid_params,
};
pub use parent::{Parent, activities_of};
pub use pool::{Store, health};
pub use schema::migrate;
pub use sessions::{
    Session, create_session, create_verified_session, delete_session, end_sessions, session,
    session_hashes, session_user,
};
pub use users::{Role, User, UserCreate, UserPatch, user_by_email};
