//! The fixture users: one admin and N reps with fixed, documented passwords, so that load
//! scenarios can log in as any of them (`fixtures/users.csv` is generated from this list).

use crate::store::Role;

use super::words::{FIRST_NAMES, LAST_NAMES};

/// A user the seed creates, with the clear-text password scenarios log in with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FixtureUser {
    pub email: String,
    pub password: String,
    pub role: Role,
    pub name: String,
}

/// The admin followed by `reps` reps (`rep01@saleshub.test`, ...). Independent of the random
/// seed, so `fixtures/users.csv` stays valid for any seed with the same number of reps.
pub fn fixture_users(reps: u32) -> Vec<FixtureUser> {
    let mut users = vec![FixtureUser {
        email: "admin@saleshub.test".to_owned(),
        password: "admin-saleshub-pass".to_owned(),
        role: Role::Admin,
        name: "Avery Admin".to_owned(),
    }];
    for i in 1..=reps as usize {
        let local = format!("rep{i:02}");
        users.push(FixtureUser {
            email: format!("{local}@saleshub.test"),
            password: format!("{local}-saleshub-pass"),
            role: Role::Rep,
            name: format!(
                "{} {}",
                FIRST_NAMES[(i * 37) % FIRST_NAMES.len()],
                LAST_NAMES[(i * 53) % LAST_NAMES.len()]
            ),
        });
    }
    users
}

/// `fixture_users(reps)` as CSV with the header `email,password,role,name`.
pub fn users_csv(reps: u32) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    // Writing to a Vec cannot fail; the header and rows are plain strings.
    let _ = w.write_record(["email", "password", "role", "name"]);
    for u in fixture_users(reps) {
        let _ = w.write_record([&u.email, &u.password, u.role.as_str(), &u.name]);
    }
    String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::seed::SeedConfig;

    #[test]
    fn users_csv_matches_the_default_config() {
        super::super::golden::check("users.csv", &users_csv(SeedConfig::default().users));
    }

    #[test]
    fn emails_are_unique_and_passwords_long_enough() {
        let users = fixture_users(120);
        let mut emails: Vec<&str> = users.iter().map(|u| u.email.as_str()).collect();
        emails.sort_unstable();
        emails.dedup();
        assert_eq!(emails.len(), 121);
        assert!(users.iter().all(|u| u.password.len() >= 8));
        assert_eq!(users[120].email, "rep120@saleshub.test");
    }
}
