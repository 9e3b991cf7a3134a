//! Static SCIM schema definitions (RFC 7643 §4, §7) for the resources Roster serves, and the
//! case-insensitive lookup that turns an attribute path into its definition.
//!
//! Roster's schemas are fixed at compile time: core User with the enterprise and Roster profile
//! extensions, and core Group. Discovery documents, filters, PATCH and projection all read these.

/// Core User schema.
pub const USER_URN: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
/// Core Group schema.
pub const GROUP_URN: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
/// Enterprise User extension (RFC 7643 §4.3).
pub const ENTERPRISE_USER_URN: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
/// Roster's profile extension (the fields of the Okta setup guide).
pub const ROSTER_USER_URN: &str = "urn:ietf:params:scim:schemas:extension:roster:2.0:User";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttrType {
    String,
    Boolean,
    Decimal,
    Integer,
    DateTime,
    Reference,
    Complex,
    Binary,
}

impl AttrType {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::String => "string",
            Self::Boolean => "boolean",
            Self::Decimal => "decimal",
            Self::Integer => "integer",
            Self::DateTime => "dateTime",
            Self::Reference => "reference",
            Self::Complex => "complex",
            Self::Binary => "binary",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mutability {
    ReadOnly,
    ReadWrite,
    Immutable,
    WriteOnly,
}

impl Mutability {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ReadOnly => "readOnly",
            Self::ReadWrite => "readWrite",
            Self::Immutable => "immutable",
            Self::WriteOnly => "writeOnly",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Returned {
    Always,
    Never,
    Default,
    Request,
}

impl Returned {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Always => "always",
            Self::Never => "never",
            Self::Default => "default",
            Self::Request => "request",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Uniqueness {
    None,
    Server,
    Global,
}

impl Uniqueness {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::Server => "server",
            Self::Global => "global",
        }
    }
}

/// One attribute of a schema (RFC 7643 §7).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AttributeDef {
    pub name: &'static str,
    pub kind: AttrType,
    pub multi_valued: bool,
    pub required: bool,
    pub case_exact: bool,
    pub mutability: Mutability,
    pub returned: Returned,
    pub uniqueness: Uniqueness,
    pub canonical_values: &'static [&'static str],
    pub reference_types: &'static [&'static str],
    pub sub_attributes: &'static [AttributeDef],
    pub description: &'static str,
}

impl AttributeDef {
    const fn new(name: &'static str, kind: AttrType, description: &'static str) -> Self {
        Self {
            name,
            kind,
            multi_valued: false,
            required: false,
            case_exact: false,
            mutability: Mutability::ReadWrite,
            returned: Returned::Default,
            uniqueness: Uniqueness::None,
            canonical_values: &[],
            reference_types: &[],
            sub_attributes: &[],
            description,
        }
    }
    const fn string(name: &'static str, description: &'static str) -> Self {
        Self::new(name, AttrType::String, description)
    }
    const fn boolean(name: &'static str, description: &'static str) -> Self {
        Self::new(name, AttrType::Boolean, description)
    }
    const fn reference(
        name: &'static str,
        types: &'static [&'static str],
        description: &'static str,
    ) -> Self {
        let mut a = Self::new(name, AttrType::Reference, description);
        a.reference_types = types;
        a
    }
    const fn complex(
        name: &'static str,
        subs: &'static [AttributeDef],
        description: &'static str,
    ) -> Self {
        let mut a = Self::new(name, AttrType::Complex, description);
        a.sub_attributes = subs;
        a
    }
    const fn multi(mut self) -> Self {
        self.multi_valued = true;
        self
    }
    const fn required(mut self) -> Self {
        self.required = true;
        self
    }
    const fn case_exact(mut self) -> Self {
        self.case_exact = true;
        self
    }
    const fn mutability(mut self, m: Mutability) -> Self {
        self.mutability = m;
        self
    }
    const fn returned(mut self, r: Returned) -> Self {
        self.returned = r;
        self
    }
    const fn unique(mut self, u: Uniqueness) -> Self {
        self.uniqueness = u;
        self
    }
    const fn canonical(mut self, values: &'static [&'static str]) -> Self {
        self.canonical_values = values;
        self
    }

    /// The sub-attribute called `name` (any case).
    pub fn sub_attribute(&self, name: &str) -> Option<&'static AttributeDef> {
        self.sub_attributes
            .iter()
            .find(|a| a.name.eq_ignore_ascii_case(name))
    }

    pub fn is_read_only(&self) -> bool {
        self.mutability == Mutability::ReadOnly
    }
}

/// A schema: its URN and attributes.
#[derive(Debug, PartialEq, Eq)]
pub struct Schema {
    pub id: &'static str,
    pub name: &'static str,
    pub description: &'static str,
    pub attributes: &'static [AttributeDef],
}

impl Schema {
    /// The attribute called `name` (any case).
    pub fn attribute(&self, name: &str) -> Option<&'static AttributeDef> {
        self.attributes
            .iter()
            .find(|a| a.name.eq_ignore_ascii_case(name))
    }
}

/// A resource type: core schema plus extensions (RFC 7643 §6).
#[derive(Debug, PartialEq, Eq)]
pub struct ResourceSchema {
    pub name: &'static str,
    pub endpoint: &'static str,
    pub description: &'static str,
    pub core: &'static Schema,
    pub extensions: &'static [&'static Schema],
}

/// What an attribute path resolves to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Resolved {
    /// The schema the attribute belongs to.
    pub schema: &'static Schema,
    pub attribute: &'static AttributeDef,
    /// The sub-attribute, when the path named one.
    pub sub_attribute: Option<&'static AttributeDef>,
}

impl Resolved {
    /// The definition the path ends at: the sub-attribute if there is one.
    pub fn target(&self) -> &'static AttributeDef {
        self.sub_attribute.unwrap_or(self.attribute)
    }

    pub fn is_extension(&self) -> bool {
        self.schema.id != USER_URN && self.schema.id != GROUP_URN
    }
}

impl ResourceSchema {
    /// The core schema followed by the extensions.
    pub fn schemas(&self) -> impl Iterator<Item = &'static Schema> + '_ {
        std::iter::once(self.core).chain(self.extensions.iter().copied())
    }

    /// The schema (core or extension) with this URN, any case.
    pub fn schema_by_urn(&self, urn: &str) -> Option<&'static Schema> {
        self.schemas().find(|s| s.id.eq_ignore_ascii_case(urn))
    }

    /// The extension with this URN, any case.
    pub fn extension_by_urn(&self, urn: &str) -> Option<&'static Schema> {
        self.extensions
            .iter()
            .copied()
            .find(|s| s.id.eq_ignore_ascii_case(urn))
    }

    /// Finds an attribute by name in the schema `urn` (any case), or, without a URN, in the
    /// core schema first and then in the extensions.
    pub fn attribute(
        &self,
        urn: Option<&str>,
        name: &str,
    ) -> Option<(&'static Schema, &'static AttributeDef)> {
        match urn {
            Some(urn) => {
                let schema = self.schema_by_urn(urn)?;
                schema.attribute(name).map(|a| (schema, a))
            }
            None => self
                .schemas()
                .find_map(|s| s.attribute(name).map(|a| (s, a))),
        }
    }

    /// Resolves `[URN ":"] name ["." sub]`, names in any case.
    pub fn resolve(&self, path: &str) -> Option<Resolved> {
        let (urn, rest) = split_urn(path, self.schemas());
        let (name, sub) = match rest.split_once('.') {
            Some((n, s)) => (n, Some(s)),
            None => (rest, None),
        };
        let (schema, attribute) = self.attribute(urn, name)?;
        let sub_attribute = match sub {
            Some(s) => Some(attribute.sub_attribute(s)?),
            None => None,
        };
        Some(Resolved {
            schema,
            attribute,
            sub_attribute,
        })
    }
}

/// Splits a URN prefix off an attribute path. Known URNs are matched whole (they contain dots,
/// as in `2.0`); an unknown `urn:` prefix ends at the last colon.
pub(crate) fn split_urn(
    path: &str,
    known: impl IntoIterator<Item = &'static Schema>,
) -> (Option<&str>, &str) {
    if !starts_with_urn(path) {
        return (None, path);
    }
    for s in known {
        if let Some(rest) = strip_prefix_ci(path, s.id).and_then(|r| r.strip_prefix(':')) {
            return (path.get(..s.id.len()), rest);
        }
    }
    match path.rfind(':') {
        Some(i) => (path.get(..i), path.get(i + 1..).unwrap_or("")),
        None => (None, path),
    }
}

pub(crate) fn starts_with_urn(s: &str) -> bool {
    s.get(..4).is_some_and(|p| p.eq_ignore_ascii_case("urn:"))
}

pub(crate) fn strip_prefix_ci<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    let head = s.get(..prefix.len())?;
    if head.eq_ignore_ascii_case(prefix) {
        s.get(prefix.len()..)
    } else {
        None
    }
}

/// The schemas a filter or path may name, for resolving names before the resource is known.
pub static ALL_RESOURCES: [&ResourceSchema; 2] = [&USER, &GROUP];

/// `schemas` is an attribute of every resource (RFC 7643 §3) though no schema lists it.
pub static SCHEMAS_ATTRIBUTE: AttributeDef = AttributeDef::reference(
    "schemas",
    &["uri"],
    "The schema URNs the resource conforms to.",
)
.multi()
.case_exact()
.required()
.mutability(Mutability::ReadOnly)
.returned(Returned::Always);

use AttrType as T;
use Mutability as M;

const ID: AttributeDef = AttributeDef::string("id", "Identifier issued by the service provider.")
    .case_exact()
    .mutability(M::ReadOnly)
    .returned(Returned::Always)
    .unique(Uniqueness::Server);

const EXTERNAL_ID: AttributeDef = AttributeDef::string(
    "externalId",
    "Identifier issued by the provisioning client.",
)
.case_exact();

const META_SUBS: &[AttributeDef] = &[
    AttributeDef::string("resourceType", "The resource type.")
        .case_exact()
        .mutability(M::ReadOnly),
    AttributeDef::new("created", T::DateTime, "When the resource was added.")
        .mutability(M::ReadOnly),
    AttributeDef::new(
        "lastModified",
        T::DateTime,
        "When the resource was last changed.",
    )
    .mutability(M::ReadOnly),
    AttributeDef::reference("location", &["uri"], "The URI of the resource.")
        .case_exact()
        .mutability(M::ReadOnly),
    AttributeDef::string("version", "The version (ETag) of the resource.")
        .case_exact()
        .mutability(M::ReadOnly),
];

const META: AttributeDef =
    AttributeDef::complex("meta", META_SUBS, "Resource metadata.").mutability(M::ReadOnly);

const NAME_SUBS: &[AttributeDef] = &[
    AttributeDef::string("formatted", "The full name, formatted for display."),
    AttributeDef::string("familyName", "The family name."),
    AttributeDef::string("givenName", "The given name."),
    AttributeDef::string("middleName", "The middle name(s)."),
    AttributeDef::string("honorificPrefix", "The honorific prefix, e.g. Ms."),
    AttributeDef::string("honorificSuffix", "The honorific suffix, e.g. III."),
];

const fn multi_subs_with(value: AttributeDef, types: &'static [&'static str]) -> [AttributeDef; 4] {
    [
        value,
        AttributeDef::string("display", "A label for display."),
        AttributeDef::string("type", "A label for the value's function.").canonical(types),
        AttributeDef::boolean("primary", "Whether this is the primary value."),
    ]
}

const EMAIL_SUBS: &[AttributeDef] = &multi_subs_with(
    AttributeDef::string("value", "The email address."),
    &["work", "home", "other"],
);
const PHONE_SUBS: &[AttributeDef] = &multi_subs_with(
    AttributeDef::string("value", "The phone number."),
    &["work", "home", "mobile", "fax", "pager", "other"],
);
const IM_SUBS: &[AttributeDef] = &multi_subs_with(
    AttributeDef::string("value", "The instant messaging address."),
    &["aim", "gtalk", "icq", "xmpp", "msn", "skype", "qq", "yahoo"],
);
const PHOTO_SUBS: &[AttributeDef] = &multi_subs_with(
    AttributeDef::reference("value", &["external"], "The URL of the photo."),
    &["photo", "thumbnail"],
);
const PLAIN_SUBS: &[AttributeDef] =
    &multi_subs_with(AttributeDef::string("value", "The value."), &[]);
const CERT_SUBS: &[AttributeDef] = &multi_subs_with(
    AttributeDef::new("value", T::Binary, "A DER-encoded certificate.").case_exact(),
    &[],
);

const ADDRESS_SUBS: &[AttributeDef] = &[
    AttributeDef::string("formatted", "The full mailing address."),
    AttributeDef::string("streetAddress", "The street address."),
    AttributeDef::string("locality", "The city or locality."),
    AttributeDef::string("region", "The state or region."),
    AttributeDef::string("postalCode", "The postal code."),
    AttributeDef::string("country", "The country (ISO 3166-1 alpha-2)."),
    AttributeDef::string("type", "A label for the address's function.")
        .canonical(&["work", "home", "other"]),
    AttributeDef::boolean("primary", "Whether this is the primary address."),
];

const USER_GROUP_SUBS: &[AttributeDef] = &[
    AttributeDef::string("value", "The id of the group.").mutability(M::ReadOnly),
    AttributeDef::reference("$ref", &["Group"], "The URI of the group.").mutability(M::ReadOnly),
    AttributeDef::string("display", "The group's display name.").mutability(M::ReadOnly),
    AttributeDef::string("type", "direct or indirect membership.")
        .canonical(&["direct", "indirect"])
        .mutability(M::ReadOnly),
];

const USER_ATTRIBUTES: &[AttributeDef] = &[
    ID,
    EXTERNAL_ID,
    AttributeDef::string(
        "userName",
        "Unique identifier for the user, used to sign in.",
    )
    .required()
    .unique(Uniqueness::Server),
    AttributeDef::complex("name", NAME_SUBS, "The components of the user's name."),
    AttributeDef::string("displayName", "The name shown for the user."),
    AttributeDef::string("nickName", "The casual name of the user."),
    AttributeDef::reference("profileUrl", &["external"], "The user's online profile."),
    AttributeDef::string("title", "The user's title, e.g. Vice President."),
    AttributeDef::string(
        "userType",
        "The relationship to the organisation, e.g. Employee.",
    ),
    AttributeDef::string(
        "preferredLanguage",
        "Preferred language (RFC 7231 Accept-Language).",
    ),
    AttributeDef::string("locale", "Default location, e.g. en-US."),
    AttributeDef::string(
        "timezone",
        "Time zone in IANA format, e.g. America/Toronto.",
    ),
    AttributeDef::boolean("active", "Whether the user is active."),
    AttributeDef::string("password", "The user's password; never stored or returned.")
        .mutability(M::WriteOnly)
        .returned(Returned::Never),
    AttributeDef::complex("emails", EMAIL_SUBS, "Email addresses.").multi(),
    AttributeDef::complex("phoneNumbers", PHONE_SUBS, "Phone numbers.").multi(),
    AttributeDef::complex("ims", IM_SUBS, "Instant messaging addresses.").multi(),
    AttributeDef::complex("photos", PHOTO_SUBS, "Photo URLs.").multi(),
    AttributeDef::complex("addresses", ADDRESS_SUBS, "Physical mailing addresses.").multi(),
    AttributeDef::complex("groups", USER_GROUP_SUBS, "Groups the user belongs to.")
        .multi()
        .mutability(M::ReadOnly),
    AttributeDef::complex("entitlements", PLAIN_SUBS, "Entitlements.").multi(),
    AttributeDef::complex("roles", PLAIN_SUBS, "Roles.").multi(),
    AttributeDef::complex("x509Certificates", CERT_SUBS, "X.509 certificates.").multi(),
    META,
];

const MANAGER_SUBS: &[AttributeDef] = &[
    AttributeDef::string("value", "The id of the manager's User."),
    AttributeDef::reference("$ref", &["User"], "The URI of the manager's User."),
    AttributeDef::string("displayName", "The manager's display name.").mutability(M::ReadOnly),
];

const ENTERPRISE_ATTRIBUTES: &[AttributeDef] = &[
    AttributeDef::string("employeeNumber", "Identifier assigned by the organisation."),
    AttributeDef::string("costCenter", "The cost center."),
    AttributeDef::string("organization", "The organisation."),
    AttributeDef::string("division", "The division."),
    AttributeDef::string("department", "The department."),
    AttributeDef::complex("manager", MANAGER_SUBS, "The user's manager."),
];

/// The twelve values of the setup guide's Management Level (the Role segment).
pub const MANAGEMENT_LEVELS: &[&str] = &[
    "Student",
    "Intern",
    "Analyst",
    "Associate",
    "Individual Contributor",
    "Manager",
    "Sr. Manager",
    "Director",
    "Sr. Director",
    "VP",
    "SVP",
    "Executive",
];
pub const LANGUAGES: &[&str] = &["en-US", "fr-CA", "es-ES", "ko", "ja"];
pub const PEOPLE_MANAGER_VALUES: &[&str] = &["yes", "no"];
pub const PROFILE_STATUSES: &[&str] = &["active", "inactive"];

const ROSTER_ATTRIBUTES: &[AttributeDef] = &[
    AttributeDef::string(
        "managementLevel",
        "Management level; maps to the Role segment.",
    )
    .canonical(MANAGEMENT_LEVELS),
    AttributeDef::string("businessUnit", "Business unit."),
    AttributeDef::string("jobFunction", "Job function."),
    AttributeDef::string(
        "peopleManager",
        "Whether the user manages people: yes or no.",
    )
    .canonical(PEOPLE_MANAGER_VALUES),
    AttributeDef::string("managerEmail", "The manager's email address."),
    AttributeDef::string("location", "City, country or office."),
    AttributeDef::string("language", "Language; en-US when absent.").canonical(LANGUAGES),
    AttributeDef::string("status", "active or inactive (e.g. on leave).")
        .canonical(PROFILE_STATUSES),
];

const MEMBER_SUBS: &[AttributeDef] = &[
    AttributeDef::string("value", "The id of the member.")
        .case_exact()
        .mutability(M::Immutable),
    AttributeDef::reference("$ref", &["User", "Group"], "The URI of the member.")
        .mutability(M::Immutable),
    AttributeDef::string("display", "The member's display name.").mutability(M::ReadOnly),
    AttributeDef::string("type", "The member's resource type.")
        .canonical(&["User", "Group"])
        .mutability(M::Immutable),
];

const GROUP_ATTRIBUTES: &[AttributeDef] = &[
    ID,
    EXTERNAL_ID,
    AttributeDef::string("displayName", "The name of the group.")
        .required()
        .unique(Uniqueness::Server),
    AttributeDef::complex("members", MEMBER_SUBS, "The members of the group.").multi(),
    META,
];

pub static USER_SCHEMA: Schema = Schema {
    id: USER_URN,
    name: "User",
    description: "User Account",
    attributes: USER_ATTRIBUTES,
};

pub static ENTERPRISE_USER_SCHEMA: Schema = Schema {
    id: ENTERPRISE_USER_URN,
    name: "EnterpriseUser",
    description: "Enterprise User",
    attributes: ENTERPRISE_ATTRIBUTES,
};

pub static ROSTER_USER_SCHEMA: Schema = Schema {
    id: ROSTER_USER_URN,
    name: "RosterProfile",
    description: "Roster profile attributes used for matching",
    attributes: ROSTER_ATTRIBUTES,
};

pub static GROUP_SCHEMA: Schema = Schema {
    id: GROUP_URN,
    name: "Group",
    description: "Group",
    attributes: GROUP_ATTRIBUTES,
};

pub static USER: ResourceSchema = ResourceSchema {
    name: "User",
    endpoint: "/Users",
    description: "User Account",
    core: &USER_SCHEMA,
    extensions: &[&ENTERPRISE_USER_SCHEMA, &ROSTER_USER_SCHEMA],
};

pub static GROUP: ResourceSchema = ResourceSchema {
    name: "Group",
    endpoint: "/Groups",
    description: "Group",
    core: &GROUP_SCHEMA,
    extensions: &[],
};

/// Every schema Roster knows, in the order `/Schemas` lists them.
pub static ALL_SCHEMAS: [&Schema; 4] = [
    &USER_SCHEMA,
    &GROUP_SCHEMA,
    &ENTERPRISE_USER_SCHEMA,
    &ROSTER_USER_SCHEMA,
];

#[cfg(test)]
mod tests {
    #![allow(clippy::indexing_slicing, clippy::unwrap_used)]
    use super::*;

    #[test]
    fn user_name_resolves_in_any_case_to_the_core_schema() {
        let r = USER.resolve("USERNAME");
        assert_eq!(
            r.map(|r| (r.schema.id, r.attribute.name)),
            Some((USER_URN, "userName"))
        );
    }

    #[test]
    fn a_urn_qualified_extension_attribute_resolves_to_its_extension() {
        let r = USER
            .resolve("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value");
        let r = r.map(|r| {
            (
                r.schema.id,
                r.attribute.name,
                r.sub_attribute.map(|s| s.name),
            )
        });
        assert_eq!(r, Some((ENTERPRISE_USER_URN, "manager", Some("value"))));
    }

    #[test]
    fn a_dotted_path_resolves_its_sub_attribute() {
        let r = USER.resolve("Name.GivenName").map(|r| r.target().name);
        assert_eq!(r, Some("givenName"));
    }

    #[test]
    fn an_unqualified_extension_attribute_is_found_after_the_core_schema() {
        let r = USER.resolve("employeenumber").map(|r| r.schema.id);
        assert_eq!(r, Some(ENTERPRISE_USER_URN));
    }

    #[test]
    fn unknown_names_do_not_resolve() {
        assert!(USER.resolve("shoeSize").is_none());
        assert!(USER.resolve("name.shoeSize").is_none());
        assert!(GROUP.resolve("userName").is_none());
    }

    #[test]
    fn the_profile_extension_lists_the_twelve_management_levels() {
        let a = USER
            .resolve("managementLevel")
            .map(|r| r.attribute.canonical_values.len());
        assert_eq!(a, Some(12));
    }

    #[test]
    fn read_only_and_case_exact_flags_follow_the_rfc() {
        let flags = |p: &str| {
            USER.resolve(p)
                .map(|r| (r.target().is_read_only(), r.target().case_exact))
        };
        assert_eq!(flags("id"), Some((true, true)));
        assert_eq!(flags("externalId"), Some((false, true)));
        assert_eq!(flags("userName"), Some((false, false)));
        assert_eq!(flags("groups"), Some((true, false)));
        let dn = GROUP
            .resolve("displayName")
            .map(|r| (r.target().case_exact, r.target().uniqueness));
        assert_eq!(dn, Some((false, Uniqueness::Server)));
    }
}
