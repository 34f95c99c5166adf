//! The HTTP routes: `/api/...` (JSON, bearer token or session cookie, except login), the web
//! sign-in (`/login`, `/app`, `/logout`) and the operations endpoints.

pub mod activities;
pub mod analytics;
pub mod auth;
pub mod leads;
pub mod ops;
pub mod records;
pub mod search;
pub mod web;
