//! The HTTP routes: `/api/...` (JSON, bearer token except login) and the operations endpoints.

pub mod activities;
pub mod analytics;
pub mod auth;
pub mod leads;
pub mod ops;
pub mod records;
pub mod search;
