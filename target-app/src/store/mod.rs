//! SQLite storage: schema, connection pool, models and queries.
