//! Stampede: a performance-testing toolkit. The library behind the `stampede` CLI and its tests.
