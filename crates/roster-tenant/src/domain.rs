//! Parsed values: code past these constructors never re-checks the strings.

use std::fmt;

use crate::error::Error;

/// A tenant's slug: the last segment of its SCIM base URL. Lowercase letters, digits and
/// hyphens (never `_`, which Okta rejects in base URLs), 2 to 63 characters, no hyphen at
/// either end.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TenantSlug(String);

impl TenantSlug {
    pub fn parse(input: &str) -> Result<Self, Error> {
        let s = input.trim();
        let valid_chars = s
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
        if !(2..=63).contains(&s.len()) || !valid_chars || s.starts_with('-') || s.ends_with('-') {
            return Err(Error::Invalid(format!(
                "slug {s:?} is not valid: use 2 to 63 lowercase letters, digits and hyphens, \
                 not starting or ending with a hyphen"
            )));
        }
        Ok(Self(s.to_owned()))
    }

    /// A slug read back from the database, where only parsed slugs are written.
    pub(crate) fn from_stored(slug: &str) -> Self {
        Self(slug.to_owned())
    }

    /// Suggests a slug from a company name: "Acme Corp." → "acme-corp".
    pub fn suggest(name: &str) -> String {
        let mut slug = String::new();
        for c in name.to_lowercase().chars() {
            if c.is_ascii_alphanumeric() {
                slug.push(c);
            } else if !slug.is_empty() && !slug.ends_with('-') {
                slug.push('-');
            }
        }
        let slug = slug.trim_end_matches('-');
        slug.chars()
            .take(63)
            .collect::<String>()
            .trim_end_matches('-')
            .to_owned()
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for TenantSlug {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// An email address, checked for the shape `local@domain.tld` and stored as given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email(String);

impl Email {
    pub fn parse(input: &str) -> Result<Self, Error> {
        let s = input.trim();
        let invalid = || Error::Invalid(format!("{s:?} is not a valid email address"));
        let (local, domain) = s.split_once('@').ok_or_else(invalid)?;
        let ok = !local.is_empty()
            && s.len() <= 254
            && !domain.contains('@')
            && domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !s
                .chars()
                .any(|c| c.is_whitespace() || c.is_control() || c == ',');
        if !ok {
            return Err(invalid());
        }
        Ok(Self(s.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn domain(&self) -> &str {
        self.0.rsplit('@').next().unwrap_or_default()
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_accept_lowercase_letters_digits_and_hyphens() {
        assert!(TenantSlug::parse("acme-2").is_ok());
        for bad in ["Acme", "acme_corp", "-acme", "acme-", "a", "ac me", ""] {
            assert!(TenantSlug::parse(bad).is_err(), "{bad} should be refused");
        }
    }

    #[test]
    fn a_slug_is_suggested_from_a_company_name() {
        assert_eq!(TenantSlug::suggest("Acme Corp."), "acme-corp");
        assert_eq!(TenantSlug::suggest("  Über_Bank & Co "), "ber-bank-co");
    }

    #[test]
    fn emails_need_a_local_part_and_a_dotted_domain() {
        assert!(Email::parse("it@acme.example").is_ok());
        for bad in [
            "it",
            "it@acme",
            "@acme.example",
            "it@@acme.example",
            "i t@acme.example",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad} should be refused");
        }
    }
}
