//! Password hashing with argon2id (default parameters), stored as PHC strings
//! (`$argon2id$v=19$m=19456,t=2,p=1$salt$hash`) so parameters can change without a migration.

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};

use super::StoreError;

/// Hashes `password` with a fresh random salt.
pub fn hash(password: &str) -> Result<String, StoreError> {
    let mut salt = [0u8; 16];
    rand::fill(&mut salt);
    hash_with_salt(password, &salt)
}

/// Hashes `password` with the given salt bytes (the seeder uses this to stay deterministic).
pub fn hash_with_salt(password: &str, salt: &[u8]) -> Result<String, StoreError> {
    let salt = SaltString::encode_b64(salt)
        .map_err(|e| StoreError::validation("password", format!("cannot salt: {e}")))?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| StoreError::validation("password", format!("cannot hash: {e}")))
}

/// Whether `password` matches the PHC string `phc`. A malformed `phc` never matches.
pub fn verify(password: &str, phc: &str) -> bool {
    match PasswordHash::new(phc) {
        Ok(parsed) => Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok(),
        Err(_) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_verify_and_reject() {
        let phc = hash("correct horse").expect("hash");
        assert!(phc.starts_with("$argon2id$"));
        assert!(verify("correct horse", &phc));
        assert!(!verify("correct horsE", &phc));
        assert!(!verify("correct horse", "not a phc string"));
        assert_ne!(
            phc,
            hash("correct horse").expect("hash"),
            "salts must differ"
        );
    }

    #[test]
    fn fixed_salt_is_deterministic() {
        let a = hash_with_salt("pw-123456", b"0123456789abcdef").expect("hash");
        let b = hash_with_salt("pw-123456", b"0123456789abcdef").expect("hash");
        assert_eq!(a, b);
        assert!(verify("pw-123456", &a));
    }
}
