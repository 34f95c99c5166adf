//! SalesHub against real components: a private redis-server, real HTTP on 127.0.0.1, a seeded SQLite
//! database and a tantivy index. One binary, one helper module.

mod helpers;

mod auth;
mod bad_input;
mod cache;
mod compression;
mod crud;
mod fuzz;
mod leads;
mod limits;
mod list_keys;
mod ops;
mod protocols;
mod races;
mod remembered_reads;
mod scoped_invalidation;
mod scoped_search;
mod search;
mod sessions;
mod throttle;
mod timestamps;
mod transport;
mod web;
mod write_through;
