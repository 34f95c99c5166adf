//! SalesHub: the reference CRM server bundled with Stampede. A real service (SQLite storage, a Redis
//! cache-aside layer, tantivy search) so that Stampede's measurements of it mean something.
//!
//! Layers: `routes` (HTTP) → services in the route modules → `store` (SQLite), `cache` (Redis or
//! memory), `search` (tantivy). `seed` builds a deterministic data set; `redis_server` spawns a private
//! `redis-server` for tests and the bundled target.

pub mod cache;
pub mod redis_server;
pub mod search;
pub mod seed;
pub mod store;
