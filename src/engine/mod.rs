//! The load engine: open model (own pacer), closed model (goose), throughput model, and the launcher of
//! the bundled target.
