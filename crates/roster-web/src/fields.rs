//! The profile attributes the admin adds and maps in Okta: for each, what to type into Okta's
//! attribute dialog and why it matters. Allowed values and the extension URN come from
//! `roster_scim::proto`, so the page and the SCIM server never disagree.

use roster_scim::proto::schema::{
    LANGUAGES, MANAGEMENT_LEVELS, PEOPLE_MANAGER_VALUES, PROFILE_STATUSES, ROSTER_USER_URN,
    USER_URN,
};

pub(crate) struct Field {
    pub label: &'static str,
    pub required: bool,
    /// Okta's "Variable name" in the app's Profile Editor.
    pub variable_name: &'static str,
    pub external_name: &'static str,
    pub external_namespace: &'static str,
    /// Already in the SCIM 2.0 Test App's profile: only the mapping is needed.
    pub built_in: bool,
    pub example: &'static str,
    pub allowed: &'static [&'static str],
    pub allowed_note: &'static str,
    pub why: &'static str,
}

impl Field {
    /// Which of the two namespaces listed above the table.
    pub fn namespace_label(&self) -> &'static str {
        if self.external_namespace == ROSTER_USER_URN {
            "Roster"
        } else {
            "core"
        }
    }

    pub fn allowed_text(&self) -> String {
        if self.allowed.is_empty() {
            self.allowed_note.to_owned()
        } else {
            self.allowed.join(", ")
        }
    }
}

const fn core(
    label: &'static str,
    variable_name: &'static str,
    external_name: &'static str,
    required: bool,
    example: &'static str,
    why: &'static str,
) -> Field {
    Field {
        label,
        required,
        variable_name,
        external_name,
        external_namespace: USER_URN,
        built_in: true,
        example,
        allowed: &[],
        allowed_note: "any text",
        why,
    }
}

const fn roster(
    label: &'static str,
    name: &'static str,
    required: bool,
    example: &'static str,
    allowed: &'static [&'static str],
    why: &'static str,
) -> Field {
    Field {
        label,
        required,
        variable_name: name,
        external_name: name,
        external_namespace: ROSTER_USER_URN,
        built_in: false,
        example,
        allowed,
        allowed_note: "any text",
        why,
    }
}

pub(crate) static FIELDS: &[Field] = &[
    core(
        "First name",
        "givenName",
        "name.givenName",
        true,
        "Jane",
        "How people are greeted and introduced.",
    ),
    core(
        "Last name",
        "familyName",
        "name.familyName",
        true,
        "Doe",
        "Tells apart people who share a first name.",
    ),
    roster(
        "Management level",
        "managementLevel",
        true,
        "Director",
        MANAGEMENT_LEVELS,
        "Becomes the Role segment, so people meet others at a level that suits them.",
    ),
    core(
        "Job title",
        "title",
        "title",
        false,
        "Solutions Engineer",
        "Gives a match something to talk about.",
    ),
    roster(
        "Business unit",
        "businessUnit",
        false,
        "Consulting",
        &[],
        "Lets matches cross, or stay within, parts of the company.",
    ),
    roster(
        "Job function",
        "jobFunction",
        false,
        "Engineering",
        &[],
        "Pairs people with related or complementary work.",
    ),
    roster(
        "People manager",
        "peopleManager",
        false,
        "yes",
        PEOPLE_MANAGER_VALUES,
        "Lets managers meet other managers.",
    ),
    roster(
        "Manager email",
        "managerEmail",
        false,
        "sam.lee@example.com",
        &[],
        "Keeps people from being matched with their own manager.",
    ),
    roster(
        "Location",
        "location",
        false,
        "Toronto",
        &[],
        "City, country or office: for matching across geographies.",
    ),
    roster(
        "Language",
        "language",
        false,
        "en-US",
        LANGUAGES,
        "Marks the people who need another language; without it, en-US is assumed.",
    ),
    roster(
        "Status",
        "status",
        false,
        "active",
        PROFILE_STATUSES,
        "Set inactive while someone is on leave and back to active when they return, without \
         removing them.",
    ),
];

/// The plain name of a profile field as SCIM error details spell it.
pub(crate) fn label_for(attribute: &str) -> Option<&'static str> {
    FIELDS
        .iter()
        .find(|f| f.variable_name.eq_ignore_ascii_case(attribute))
        .map(|f| f.label)
}
