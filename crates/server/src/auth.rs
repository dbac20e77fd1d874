//! Secrets: API tokens, session ids and passwords. Tokens and session ids are random, shown
//! once, and stored only as SHA-256 hashes; passwords are hashed with Argon2id.

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use rand::RngCore;
use sha2::{Digest, Sha256};
use touchpoint_store::accounts::NewApiToken;

/// Every API token starts with this, so leaked tokens are easy to recognise and scan for.
pub const TOKEN_PREFIX: &str = "tp_";

fn random_hex(bytes: usize) -> String {
    let mut buffer = vec![0u8; bytes];
    rand::rng().fill_bytes(&mut buffer);
    hex::encode(buffer)
}

pub fn sha256_hex(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// A new API token: the secret to show once, and what the store keeps.
pub fn new_api_token(name: &str) -> (String, NewApiToken) {
    let secret = format!("{TOKEN_PREFIX}{}", random_hex(24));
    let stored = NewApiToken {
        name: name.to_owned(),
        prefix: secret[..10].to_owned(),
        hash: sha256_hex(&secret),
    };
    (secret, stored)
}

/// A new session id (the cookie value) and its hash (the stored key).
pub fn new_session_id() -> (String, String) {
    let id = random_hex(32);
    let hash = sha256_hex(&id);
    (id, hash)
}

/// A single-use link token (invitations, password resets, sign-in challenges): 256 random
/// bits as hex, and the SHA-256 the store keeps.
pub fn new_link_token() -> (String, String) {
    let token = random_hex(32);
    let hash = sha256_hex(&token);
    (token, hash)
}

/// A new TOTP secret (160 random bits).
pub fn new_totp_secret() -> Vec<u8> {
    let mut secret = vec![0u8; touchpoint_domain::totp::SECRET_BYTES];
    rand::rng().fill_bytes(&mut secret);
    secret
}

/// A short random token for public survey URLs (128 bits, URL-safe).
pub fn new_public_token() -> String {
    random_hex(16)
}

#[derive(Debug, thiserror::Error)]
#[error("password hashing failed: {0}")]
pub struct PasswordError(String);

pub fn hash_password(password: &str) -> Result<String, PasswordError> {
    let mut salt = [0u8; 16];
    rand::rng().fill_bytes(&mut salt);
    let salt = SaltString::encode_b64(&salt).map_err(|e| PasswordError(e.to_string()))?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| PasswordError(e.to_string()))
}

pub fn verify_password(password: &str, stored_hash: &str) -> bool {
    PasswordHash::new(stored_hash)
        .map(|parsed| {
            Argon2::default()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok()
        })
        .unwrap_or(false)
}

/// A password good enough to protect customer data: at least 10 characters.
pub fn check_password_strength(password: &str) -> Result<(), &'static str> {
    if password.chars().count() < 10 {
        Err("the password must have at least 10 characters")
    } else if password.chars().count() > 1_000 {
        Err("the password must have at most 1000 characters")
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_verify_only_themselves() {
        let hash = hash_password("correct horse battery").expect("hash");
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify_password("correct horse battery", &hash));
        assert!(!verify_password("correct horse batterY", &hash));
        assert!(!verify_password("anything", "not a hash"));
    }

    #[test]
    fn tokens_are_prefixed_and_stored_hashed() {
        let (secret, stored) = new_api_token("ci");
        assert!(secret.starts_with(TOKEN_PREFIX) && secret.len() == 51);
        assert_eq!(stored.hash, sha256_hex(&secret));
        assert!(secret.starts_with(&stored.prefix));
        assert_ne!(new_api_token("x").0, secret);
    }
}
