//! Attribute paths (`[URN ":"] name ["." sub]`) and PATCH paths (an attribute path, or a value
//! path `attr[filter]` optionally followed by `.sub`), resolved to the canonical spelling of
//! the schemas Roster knows.
//!
//! Names are resolved before the resource type is known, against every schema Roster serves:
//! core URNs are dropped (`urn:…:core:2.0:User:userName` is `userName`), unqualified extension
//! attributes gain their URN, and attributes under an unknown extension URN are kept as sent.

use std::fmt;

use super::error::ScimError;
use super::filter::{self, Filter};
use super::schema::{
    self, AttrType, AttributeDef, Resolved, ResourceSchema, Schema, ALL_SCHEMAS, SCHEMAS_ATTRIBUTE,
};

/// A resolved attribute path.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct AttrPath {
    /// Extension URN; `None` for core attributes.
    pub urn: Option<String>,
    pub name: String,
    pub sub: Option<String>,
}

impl AttrPath {
    /// A core attribute path with no sub-attribute, spelled as given.
    pub fn simple(name: &str) -> Self {
        Self {
            urn: None,
            name: name.to_owned(),
            sub: None,
        }
    }

    /// Parses and resolves a path; the error is a sentence for the caller's own error type.
    pub fn parse(input: &str) -> Result<Self, String> {
        let (urn, rest) = schema::split_urn(input, ALL_SCHEMAS);
        let (name, sub) = match rest.split_once('.') {
            Some((n, s)) => (n, Some(s)),
            None => (rest, None),
        };
        if !is_attr_name(name) {
            return Err(format!("\"{input}\" is not a valid attribute name"));
        }
        if let Some(s) = sub {
            if !is_attr_name(s) && !s.eq_ignore_ascii_case("$ref") {
                return Err(format!("\"{input}\" is not a valid attribute path"));
            }
        }
        resolve(urn, name, sub).map_err(|why| format!("{why} in \"{input}\""))
    }

    /// The definitions this path names within `schema`, if known.
    pub fn resolve_in(&self, schema: &ResourceSchema) -> Option<Resolved> {
        let (owner, attribute) = if self.urn.is_none() && self.name == SCHEMAS_ATTRIBUTE.name {
            (schema.core, &SCHEMAS_ATTRIBUTE)
        } else {
            schema.attribute(self.urn.as_deref(), &self.name)?
        };
        let sub_attribute = match &self.sub {
            Some(s) => Some(attribute.sub_attribute(s)?),
            None => None,
        };
        Some(Resolved {
            schema: owner,
            attribute,
            sub_attribute,
        })
    }

    /// The same path without its sub-attribute.
    pub fn parent(&self) -> Self {
        Self {
            urn: self.urn.clone(),
            name: self.name.clone(),
            sub: None,
        }
    }
}

impl fmt::Display for AttrPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(urn) = &self.urn {
            write!(f, "{urn}:")?;
        }
        f.write_str(&self.name)?;
        if let Some(sub) = &self.sub {
            write!(f, ".{sub}")?;
        }
        Ok(())
    }
}

/// A PATCH operation's `path` (RFC 7644 §3.5.2).
#[derive(Debug, Clone, PartialEq)]
pub struct PatchPath {
    /// The attribute; its `sub` is set for `name.givenName`, never together with `filter`.
    pub attr: AttrPath,
    /// The value selection filter of `emails[type eq "work"]`.
    pub filter: Option<Filter>,
    /// The sub-attribute after the filter, as in `emails[type eq "work"].value`.
    pub sub: Option<String>,
}

impl PatchPath {
    /// Parses a PATCH path; a malformed or unknown one is 400 invalidPath.
    pub fn parse(input: &str) -> Result<Self, ScimError> {
        filter::parse_patch_path(input).map_err(ScimError::invalid_path)
    }

    /// The sub-attribute the path ends at, wherever it was written.
    pub fn sub_attribute(&self) -> Option<&str> {
        self.sub.as_deref().or(self.attr.sub.as_deref())
    }
}

impl fmt::Display for PatchPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.attr)?;
        if let Some(filter) = &self.filter {
            write!(f, "[{filter}]")?;
        }
        if let Some(sub) = &self.sub {
            write!(f, ".{sub}")?;
        }
        Ok(())
    }
}

/// `ATTRNAME = ALPHA *(ALPHA / DIGIT / "-" / "_")`
pub(crate) fn is_attr_name(s: &str) -> bool {
    let mut chars = s.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

fn known_schema(urn: &str) -> Option<&'static Schema> {
    ALL_SCHEMAS
        .iter()
        .copied()
        .find(|s| s.id.eq_ignore_ascii_case(urn))
}

fn is_core(schema: &Schema) -> bool {
    schema.id == schema::USER_URN || schema.id == schema::GROUP_URN
}

fn resolve(urn: Option<&str>, name: &str, sub: Option<&str>) -> Result<AttrPath, String> {
    let found: Option<(&'static Schema, &'static AttributeDef)> = match urn {
        Some(urn) => match known_schema(urn) {
            Some(s) => Some((
                s,
                s.attribute(name)
                    .ok_or_else(|| format!("unknown attribute \"{name}\" of {}", s.id))?,
            )),
            None => {
                let whole = format!("{urn}:{name}");
                if known_schema(&whole).is_some() {
                    return Err("a schema URN is not an attribute".into());
                }
                None
            }
        },
        None if name.eq_ignore_ascii_case(SCHEMAS_ATTRIBUTE.name) => {
            Some((&schema::USER_SCHEMA, &SCHEMAS_ATTRIBUTE))
        }
        None => {
            Some(find_unqualified(name).ok_or_else(|| format!("unknown attribute \"{name}\""))?)
        }
    };
    let Some((owner, def)) = found else {
        // An unknown extension: kept exactly as sent.
        return Ok(AttrPath {
            urn: urn.map(str::to_owned),
            name: name.to_owned(),
            sub: sub.map(str::to_owned),
        });
    };
    let sub = match sub {
        Some(s) => Some(canonical_sub(def, s)?),
        None => None,
    };
    Ok(AttrPath {
        urn: (!is_core(owner)).then(|| owner.id.to_owned()),
        name: def.name.to_owned(),
        sub,
    })
}

/// Core attributes of every resource first, then extension attributes.
fn find_unqualified(name: &str) -> Option<(&'static Schema, &'static AttributeDef)> {
    let core = ALL_SCHEMAS.iter().filter(|s| is_core(s));
    let ext = ALL_SCHEMAS.iter().filter(|s| !is_core(s));
    core.chain(ext)
        .find_map(|s| s.attribute(name).map(|a| (*s, a)))
}

/// The canonical spelling of sub-attribute `sub` of `def`.
pub(crate) fn canonical_sub(def: &AttributeDef, sub: &str) -> Result<String, String> {
    if def.kind != AttrType::Complex {
        return Err(format!("\"{}\" has no sub-attributes", def.name));
    }
    def.sub_attribute(sub)
        .map(|s| s.name.to_owned())
        .ok_or_else(|| format!("unknown sub-attribute \"{sub}\" of \"{}\"", def.name))
}

/// The definition of the attribute a resolved path names, looked up across all resources.
pub(crate) fn definition(path: &AttrPath) -> Option<&'static AttributeDef> {
    if path.urn.is_none() && path.name == SCHEMAS_ATTRIBUTE.name {
        return Some(&SCHEMAS_ATTRIBUTE);
    }
    schema::ALL_RESOURCES
        .iter()
        .find_map(|r| r.attribute(path.urn.as_deref(), &path.name))
        .map(|(_, a)| a)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::indexing_slicing, clippy::unwrap_used)]
    use super::*;
    use crate::proto::schema::ENTERPRISE_USER_URN;

    fn parsed(s: &str) -> Option<String> {
        AttrPath::parse(s).ok().map(|p| p.to_string())
    }

    #[test]
    fn names_are_resolved_to_their_canonical_spelling() {
        assert_eq!(parsed("USERNAME").as_deref(), Some("userName"));
        assert_eq!(parsed("Name.GivenName").as_deref(), Some("name.givenName"));
        assert_eq!(parsed("members.$REF").as_deref(), Some("members.$ref"));
    }

    #[test]
    fn the_core_urn_prefix_is_dropped() {
        let p = parsed("urn:ietf:params:scim:schemas:core:2.0:User:userName");
        assert_eq!(p.as_deref(), Some("userName"));
    }

    #[test]
    fn extension_attributes_carry_their_urn_whether_or_not_it_was_sent() {
        let want = format!("{ENTERPRISE_USER_URN}:manager");
        assert_eq!(
            parsed("urn:ietf:params:scim:schemas:extension:ENTERPRISE:2.0:User:Manager"),
            Some(want.clone())
        );
        assert_eq!(parsed("manager"), Some(want));
    }

    #[test]
    fn attributes_of_an_unknown_extension_are_kept_as_sent() {
        let p = AttrPath::parse("urn:acme:params:2.0:User:costCode").ok();
        assert_eq!(
            p,
            Some(AttrPath {
                urn: Some("urn:acme:params:2.0:User".into()),
                name: "costCode".into(),
                sub: None
            })
        );
    }

    #[test]
    fn unknown_or_malformed_paths_are_rejected() {
        assert!(AttrPath::parse("shoeSize").is_err());
        assert!(AttrPath::parse("name.shoeSize").is_err());
        assert!(AttrPath::parse("userName.value").is_err());
        assert!(AttrPath::parse("1abc").is_err());
        assert!(AttrPath::parse("").is_err());
        assert!(AttrPath::parse(ENTERPRISE_USER_URN).is_err());
    }

    #[test]
    fn patch_paths_of_the_rfc_parse() {
        for (input, want) in [
            ("members", "members"),
            ("name.familyName", "name.familyName"),
            ("addresses[type eq \"work\"]", "addresses[type eq \"work\"]"),
            (
                "members[value eq \"2819c223-7f76-453a-919d-413861904646\"]",
                "members[value eq \"2819c223-7f76-453a-919d-413861904646\"]",
            ),
            (
                "emails[TYPE eq \"work\"].Value",
                "emails[type eq \"work\"].value",
            ),
            (
                "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager",
                "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager",
            ),
        ] {
            let got = PatchPath::parse(input).map(|p| p.to_string());
            assert_eq!(got.as_deref(), Ok(want), "{input}");
        }
    }

    #[test]
    fn malformed_patch_paths_are_invalid_path_errors() {
        for input in [
            "",
            "emails[type eq \"work\"",
            "emails[",
            "name..x",
            "emails]x",
            "a b",
        ] {
            let e = PatchPath::parse(input).err().and_then(|e| e.scim_type);
            assert_eq!(e, Some(crate::proto::ScimType::InvalidPath), "{input}");
        }
    }
}
