//! Full-text search over contacts, companies, deals and leads (tantivy).
