//! SalesHub: the reference CRM server bundled with Stampede. A real service (SQLite storage, a Redis
//! cache-aside layer, tantivy search) so that Stampede's measurements of it mean something.
//!
//! Layers: [`app`] (the router) → `routes` (HTTP handlers) → [`store`] (SQLite), [`cache`] (Redis,
//! memory or off), [`search`] (tantivy). Cached reads are keyed and loaded in [`reads`], which the
//! routes and the write side ([`writes`], [`refresh`]) share; nothing imports from `routes`.
//! [`seed`] builds a deterministic data set; [`server`] starts everything; [`transport`] speaks
//! HTTP/1.1 and HTTP/2 (TLS optional) with connection timeouts and compression; [`redis_server`]
//! spawns a private `redis-server` for tests and the bundled target.

pub mod app;
pub mod auth;
pub mod cache;
pub mod cached;
pub mod cli;
pub mod error;
pub mod extract;
pub mod faults;
pub mod groups;
pub mod metrics;
pub mod reads;
pub mod redis_server;
pub mod refresh;
pub mod resource;
pub mod routes;
pub mod search;
pub mod seed;
pub mod server;
pub mod signin;
pub mod state;
pub mod store;
pub mod throttle;
pub mod transport;
pub mod writes;

pub use app::app;
