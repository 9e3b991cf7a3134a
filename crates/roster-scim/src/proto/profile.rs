//! Roster's profile extension (`urn:ietf:params:scim:schemas:extension:roster:2.0:User`) as
//! typed values: each field of the Okta setup guide parsed once at the boundary, normalised
//! where the intent is unambiguous (case, spacing, punctuation) and rejected otherwise with a
//! detail that names the field and its allowed values.

use serde_json::{Map, Value};

use super::error::ScimError;
use super::json::get_ci;

/// Parses one of a closed set of labels by comparing normalised keys.
fn parse_choice<T: Copy>(
    field: &str,
    input: &str,
    all: &[T],
    label: fn(T) -> &'static str,
    key: fn(&str) -> String,
) -> Result<T, ScimError> {
    let wanted = key(input);
    all.iter()
        .copied()
        .find(|c| key(label(*c)) == wanted)
        .ok_or_else(|| {
            let allowed: Vec<&str> = all.iter().map(|c| label(*c)).collect();
            ScimError::invalid_value(format!(
                "{field} \"{input}\" is not allowed; use one of {}",
                allowed.join(", ")
            ))
        })
}

fn lower_trimmed(s: &str) -> String {
    s.trim().to_lowercase()
}

macro_rules! choice {
    ($(#[$doc:meta])* $name:ident, $field:literal, $key:expr, { $($variant:ident => $label:literal),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name { $($variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $label),+ }
            }

            /// Parses a value sent by the identity provider.
            pub fn parse(input: &str) -> Result<Self, ScimError> {
                parse_choice($field, input, Self::ALL, Self::as_str, $key)
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

choice!(
    /// The Role segment. "sr manager", "SR. MANAGER" and "Sr.Manager" are all Sr. Manager.
    ManagementLevel, "managementLevel",
    |s: &str| s.chars().filter(|c| !c.is_whitespace() && !matches!(c, '.' | '-' | '_')).collect::<String>().to_lowercase(),
    {
        Student => "Student",
        Intern => "Intern",
        Analyst => "Analyst",
        Associate => "Associate",
        IndividualContributor => "Individual Contributor",
        Manager => "Manager",
        SrManager => "Sr. Manager",
        Director => "Director",
        SrDirector => "Sr. Director",
        Vp => "VP",
        Svp => "SVP",
        Executive => "Executive",
    }
);

choice!(
    /// The member's language; "en_us" and "EN-US" are en-US.
    Language, "language",
    |s: &str| s.trim().replace('_', "-").to_lowercase(),
    {
        EnUs => "en-US",
        FrCa => "fr-CA",
        EsEs => "es-ES",
        Ko => "ko",
        Ja => "ja",
    }
);

// The enum comes from `choice!`, which cannot mark a `#[default]` variant.
#[allow(clippy::derivable_impls)]
impl Default for Language {
    fn default() -> Self {
        Self::EnUs
    }
}

choice!(
    /// Whether the member manages people.
    PeopleManager, "peopleManager", lower_trimmed,
    { Yes => "yes", No => "no" }
);

choice!(
    /// "inactive" marks a member on leave, without deprovisioning them.
    ProfileStatus, "status", lower_trimmed,
    { Active => "active", Inactive => "inactive" }
);

/// The profile extension of one user.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RosterProfile {
    pub management_level: Option<ManagementLevel>,
    pub business_unit: Option<String>,
    pub job_function: Option<String>,
    pub people_manager: Option<PeopleManager>,
    pub manager_email: Option<String>,
    pub location: Option<String>,
    pub language: Language,
    pub status: Option<ProfileStatus>,
}

impl RosterProfile {
    /// Reads the extension object (keys in any case; unknown keys ignored).
    pub fn from_json(ext: &Map<String, Value>) -> Result<Self, ScimError> {
        let obj = Value::Object(ext.clone());
        let text = |field: &str| -> Result<Option<String>, ScimError> {
            match get_ci(&obj, field) {
                None | Some(Value::Null) => Ok(None),
                Some(Value::String(s)) => {
                    let s = s.trim();
                    Ok((!s.is_empty()).then(|| s.to_owned()))
                }
                Some(Value::Number(n)) => Ok(Some(n.to_string())),
                Some(_) => Err(ScimError::invalid_value(format!(
                    "{field} must be a string"
                ))),
            }
        };
        let people_manager = match get_ci(&obj, "peopleManager") {
            Some(Value::Bool(b)) => Some(if *b {
                PeopleManager::Yes
            } else {
                PeopleManager::No
            }),
            _ => text("peopleManager")?
                .map(|s| PeopleManager::parse(&s))
                .transpose()?,
        };
        Ok(Self {
            management_level: text("managementLevel")?
                .map(|s| ManagementLevel::parse(&s))
                .transpose()?,
            business_unit: text("businessUnit")?,
            job_function: text("jobFunction")?,
            people_manager,
            manager_email: text("managerEmail")?,
            location: text("location")?,
            language: text("language")?
                .map(|s| Language::parse(&s))
                .transpose()?
                .unwrap_or_default(),
            status: text("status")?
                .map(|s| ProfileStatus::parse(&s))
                .transpose()?,
        })
    }

    /// The canonical extension object.
    pub fn to_json(&self) -> Value {
        let mut m = Map::new();
        let mut put = |k: &str, v: Option<&str>| {
            if let Some(v) = v {
                m.insert(k.to_owned(), Value::String(v.to_owned()));
            }
        };
        put(
            "managementLevel",
            self.management_level.map(ManagementLevel::as_str),
        );
        put("businessUnit", self.business_unit.as_deref());
        put("jobFunction", self.job_function.as_deref());
        put(
            "peopleManager",
            self.people_manager.map(PeopleManager::as_str),
        );
        put("managerEmail", self.manager_email.as_deref());
        put("location", self.location.as_deref());
        put("language", Some(self.language.as_str()));
        put("status", self.status.map(ProfileStatus::as_str));
        Value::Object(m)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::proto::schema::{LANGUAGES, MANAGEMENT_LEVELS};
    use crate::proto::ScimType;
    use serde_json::json;

    #[test]
    fn every_guide_value_parses_to_itself() {
        for l in MANAGEMENT_LEVELS {
            assert_eq!(ManagementLevel::parse(l).unwrap().as_str(), *l);
        }
        for l in LANGUAGES {
            assert_eq!(Language::parse(l).unwrap().as_str(), *l);
        }
        assert_eq!(ManagementLevel::ALL.len(), 12);
    }

    #[test]
    fn unambiguous_spellings_are_normalised() {
        assert_eq!(
            ManagementLevel::parse("sr. manager").unwrap(),
            ManagementLevel::SrManager
        );
        assert_eq!(
            ManagementLevel::parse("  Sr.Director ").unwrap(),
            ManagementLevel::SrDirector
        );
        assert_eq!(
            ManagementLevel::parse("individual   contributor").unwrap(),
            ManagementLevel::IndividualContributor
        );
        assert_eq!(ManagementLevel::parse("vp").unwrap(), ManagementLevel::Vp);
        assert_eq!(Language::parse("en-us").unwrap(), Language::EnUs);
        assert_eq!(Language::parse("en_US").unwrap(), Language::EnUs);
        assert_eq!(Language::parse("FR_ca").unwrap(), Language::FrCa);
        assert_eq!(PeopleManager::parse("YES").unwrap(), PeopleManager::Yes);
        assert_eq!(
            ProfileStatus::parse("Inactive").unwrap(),
            ProfileStatus::Inactive
        );
    }

    #[test]
    fn other_values_are_rejected_with_the_allowed_list() {
        let e = Language::parse("English").unwrap_err();
        assert_eq!(e.scim_type, Some(ScimType::InvalidValue));
        assert_eq!(
            e.detail,
            "language \"English\" is not allowed; use one of en-US, fr-CA, es-ES, ko, ja"
        );
        let e = ManagementLevel::parse("Boss").unwrap_err();
        assert!(e
            .detail
            .starts_with("managementLevel \"Boss\" is not allowed; use one of Student, Intern"));
        assert!(PeopleManager::parse("maybe").is_err());
        assert!(ProfileStatus::parse("on leave").is_err());
        assert!(Language::parse("en").is_err());
    }

    #[test]
    fn a_profile_defaults_its_language_to_en_us_and_accepts_boolean_people_manager() {
        let ext =
            json!({"ManagementLevel": "director", "peopleManager": true, "location": " Toronto "});
        let p = RosterProfile::from_json(ext.as_object().unwrap()).unwrap();
        assert_eq!(
            p.to_json(),
            json!({"managementLevel": "Director", "peopleManager": "yes", "location": "Toronto", "language": "en-US"})
        );
    }
}
