//! Deterministic seed data: realistic companies, contacts, deals, leads, activities and users.
