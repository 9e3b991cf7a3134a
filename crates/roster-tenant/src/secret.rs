//! Minting, formatting and hashing secrets. Bearer tokens are `roster_` + a 16-hex-digit
//! credential id + 43 base64url characters (256 bits from the OS RNG); setup links carry
//! `{id}.{secret}` of the same strength.

use argon2::{
    password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString},
    Argon2,
};
use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine as _};
use rand::{rngs::OsRng, RngCore};
use secrecy::{ExposeSecret, SecretString};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

pub(crate) const TOKEN_PREFIX: &str = "roster_";
const ID_LEN: usize = 16;
const SECRET_LEN: usize = 43;

/// A credential id (not secret) and its secret, freshly minted.
pub(crate) struct Minted {
    pub id: String,
    pub secret: SecretString,
}

pub(crate) fn mint() -> Minted {
    let mut id = [0u8; ID_LEN / 2];
    let mut secret = [0u8; 32];
    OsRng.fill_bytes(&mut id);
    OsRng.fill_bytes(&mut secret);
    Minted {
        id: hex::encode(id),
        secret: SecretString::from(URL_SAFE_NO_PAD.encode(secret)),
    }
}

pub(crate) fn format_token(minted: &Minted) -> SecretString {
    SecretString::from(format!(
        "{TOKEN_PREFIX}{}{}",
        minted.id,
        minted.secret.expose_secret()
    ))
}

/// Splits a presented bearer token into its id and secret, if it has the right shape.
pub(crate) fn parse_token(token: &str) -> Option<(&str, &str)> {
    let rest = token.strip_prefix(TOKEN_PREFIX)?;
    if rest.len() != ID_LEN + SECRET_LEN || !rest.is_ascii() {
        return None;
    }
    let (id, secret) = rest.split_at(ID_LEN);
    well_formed(id, secret).then_some((id, secret))
}

pub(crate) fn format_link(minted: &Minted) -> SecretString {
    SecretString::from(format!("{}.{}", minted.id, minted.secret.expose_secret()))
}

/// Splits the last path segment of a setup link into its id and secret.
pub(crate) fn parse_link(link: &str) -> Option<(&str, &str)> {
    let (id, secret) = link.split_once('.')?;
    (id.len() == ID_LEN && secret.len() == SECRET_LEN && well_formed(id, secret))
        .then_some((id, secret))
}

fn well_formed(id: &str, secret: &str) -> bool {
    id.bytes()
        .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        && secret
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// argon2id with the crate's defaults (19 MiB, 2 passes): slow on purpose. Call it on a
/// blocking thread.
pub(crate) fn argon2_hash(secret: &str) -> Result<String, String> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(secret.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| e.to_string())
}

pub(crate) fn argon2_verify(secret: &str, phc: &str) -> bool {
    PasswordHash::new(phc)
        .map(|hash| {
            Argon2::default()
                .verify_password(secret.as_bytes(), &hash)
                .is_ok()
        })
        .unwrap_or(false)
}

/// SHA-256 for secrets that carry 256 bits of entropy themselves (setup links, cache keys):
/// no stretching is needed where guessing is hopeless.
pub(crate) fn sha256_hex(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

pub(crate) fn sha256(parts: &[&[u8]]) -> [u8; 32] {
    let mut hasher = Sha256::new();
    for part in parts {
        hasher.update((part.len() as u64).to_le_bytes());
        hasher.update(part);
    }
    hasher.finalize().into()
}

pub(crate) fn constant_time_eq(a: &str, b: &str) -> bool {
    a.as_bytes().ct_eq(b.as_bytes()).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_minted_token_parses_back_into_its_id_and_secret() {
        let minted = mint();
        let token = format_token(&minted);
        let (id, secret) = parse_token(token.expose_secret()).expect("well formed");
        assert_eq!(id, minted.id);
        assert_eq!(secret, minted.secret.expose_secret());
        assert!(token.expose_secret().len() >= TOKEN_PREFIX.len() + ID_LEN + 43);
    }

    #[test]
    fn malformed_tokens_and_links_do_not_parse() {
        for bad in [
            "",
            "roster_",
            "bearer",
            "roster_zz",
            "roster_0123456789abcdef!!",
        ] {
            assert!(parse_token(bad).is_none(), "{bad}");
        }
        assert!(parse_link("abc.def").is_none());
        let minted = mint();
        assert!(parse_link(format_link(&minted).expose_secret()).is_some());
    }

    #[test]
    fn argon2_accepts_the_secret_and_refuses_another() {
        let hash = argon2_hash("s3cret").expect("hash");
        assert!(hash.starts_with("$argon2id$"));
        assert!(argon2_verify("s3cret", &hash));
        assert!(!argon2_verify("s3cret!", &hash));
    }
}
