#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use super::*;
use crate::proto::schema::{GROUP, USER};
use crate::proto::ScimType;
use proptest::prelude::*;
use serde_json::json;

/// The RFC 7644 §3.4.2.2 examples, verbatim.
const RFC_EXAMPLES: &[&str] = &[
    r#"userName eq "bjensen""#,
    r#"name.familyName co "O'Malley""#,
    r#"userName sw "J""#,
    r#"urn:ietf:params:scim:schemas:core:2.0:User:userName sw "J""#,
    r#"title pr"#,
    r#"meta.lastModified gt "2011-05-13T04:42:34Z""#,
    r#"meta.lastModified ge "2011-05-13T04:42:34Z""#,
    r#"meta.lastModified lt "2011-05-13T04:42:34Z""#,
    r#"meta.lastModified le "2011-05-13T04:42:34Z""#,
    r#"title pr and userType eq "Employee""#,
    r#"title pr or userType eq "Intern""#,
    r#"schemas eq "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User""#,
    r#"userType eq "Employee" and (emails co "example.com" or emails.value co "example.org")"#,
    r#"userType ne "Employee" and not (emails co "example.com" or emails.value co "example.org")"#,
    r#"userType eq "Employee" and (emails.type eq "work")"#,
    r#"userType eq "Employee" and emails[type eq "work" and value co "@example.com"]"#,
    r#"emails[type eq "work" and value co "@example.com"] or ims[type eq "xmpp" and value co "@foo.com"]"#,
];

fn bjensen() -> Value {
    json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User",
                    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
        "id": "2819c223-7f76-453a-919d-413861904646",
        "externalId": "00ujl29u0le5T6Aj10h7",
        "userName": "bjensen@example.com",
        "name": {"familyName": "O'Malley", "givenName": "Barbara"},
        "title": "Tour Guide",
        "userType": "Employee",
        "active": true,
        "emails": [
            {"value": "bjensen@example.com", "type": "work", "primary": true},
            {"value": "babs@jensen.org", "type": "home"}
        ],
        "ims": [{"value": "babs@foo.com", "type": "xmpp"}],
        "meta": {
            "resourceType": "User",
            "created": "2010-01-23T04:56:22Z",
            "lastModified": "2011-05-13T04:42:34Z"
        },
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {
            "employeeNumber": "701984",
            "manager": {"value": "26118915-6090-4610-87e4-49d8ca9f808d"}
        }
    })
}

fn p(s: &str) -> Filter {
    parse(s).unwrap_or_else(|e| panic!("{s}: {e}"))
}

fn user_matches(s: &str) -> bool {
    p(s).matches(&bjensen(), &USER)
}

fn error_detail(s: &str) -> String {
    let e = parse(s).expect_err(s);
    assert_eq!(e.scim_type, Some(ScimType::InvalidFilter), "{s}");
    assert_eq!(e.status, 400);
    e.detail
}

#[test]
fn every_rfc_example_parses_and_reparses_from_its_rendering() {
    for s in RFC_EXAMPLES {
        let f = p(s);
        let again = p(&f.to_string());
        assert_eq!(f, again, "{s} rendered as {f}");
    }
}

#[test]
fn the_rfc_examples_evaluate_as_the_rfc_describes_against_a_sample_user() {
    let expected = [
        false, true, false, false, true, false, true, false, true, true, true, true, true, false,
        true, true, true,
    ];
    for (s, want) in RFC_EXAMPLES.iter().zip(expected) {
        assert_eq!(user_matches(s), want, "{s}");
    }
}

#[test]
fn user_name_comparison_ignores_case_because_user_name_is_not_case_exact() {
    assert!(user_matches(r#"userName eq "BJENSEN@EXAMPLE.COM""#));
    assert!(user_matches(r#"UserName EQ "bjensen@example.com""#));
}

#[test]
fn id_and_external_id_comparisons_are_case_exact() {
    assert!(user_matches(r#"externalId eq "00ujl29u0le5T6Aj10h7""#));
    assert!(!user_matches(r#"externalId eq "00UJL29U0LE5T6AJ10H7""#));
    assert!(!user_matches(
        r#"id eq "2819C223-7F76-453A-919D-413861904646""#
    ));
}

#[test]
fn operators_and_keywords_are_case_insensitive() {
    assert_eq!(
        p(r#"title PR AND userType Eq "Employee""#),
        p(r#"title pr and userType eq "Employee""#)
    );
    assert!(user_matches(r#"NOT (title pr) OR active eq TRUE"#));
}

#[test]
fn not_is_accepted_with_or_without_a_space_before_the_parenthesis() {
    assert_eq!(p(r#"not(title pr)"#), p(r#"not (title pr)"#));
}

#[test]
fn not_binds_tighter_than_and_which_binds_tighter_than_or() {
    let f = p(r#"title pr or userType eq "x" and not (active eq true)"#);
    let want = Filter::Or(
        Box::new(p("title pr")),
        Box::new(Filter::And(
            Box::new(p(r#"userType eq "x""#)),
            Box::new(Filter::Not(Box::new(p("active eq true")))),
        )),
    );
    assert_eq!(f, want);
}

#[test]
fn date_times_compare_chronologically_not_as_text() {
    // Same instant in another offset: text comparison would say "less".
    assert!(user_matches(
        r#"meta.lastModified eq "2011-05-13T06:42:34+02:00""#
    ));
    assert!(user_matches(r#"meta.created lt "2010-01-23T05:00:00.5Z""#));
    assert!(!user_matches(r#"meta.created gt "2010-01-23T05:00:00Z""#));
}

#[test]
fn a_multi_valued_attribute_matches_if_any_value_matches() {
    assert!(user_matches(r#"emails.value eq "babs@jensen.org""#));
    assert!(user_matches(r#"emails eq "babs@jensen.org""#));
    assert!(!user_matches(
        r#"emails[type eq "home" and primary eq true]"#
    ));
    assert!(user_matches(
        r#"emails[type eq "work" and primary eq true]"#
    ));
}

#[test]
fn ne_matches_when_no_value_is_equal_or_the_attribute_is_absent() {
    assert!(user_matches(r#"nickName ne "Babs""#));
    assert!(!user_matches(r#"emails.type ne "home""#));
}

#[test]
fn null_literals_test_for_absence() {
    assert!(user_matches("nickName eq null"));
    assert!(user_matches("title ne null"));
}

#[test]
fn extension_attributes_are_found_under_their_urn() {
    assert!(user_matches(
        r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber eq "701984""#
    ));
    assert!(user_matches(r#"employeeNumber eq "701984""#));
    assert!(user_matches(
        r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value pr"#
    ));
}

#[test]
fn okta_and_entra_request_filters_parse_and_match() {
    assert!(user_matches(r#"userName eq "bjensen@example.com""#));
    assert!(user_matches(r#"externalId eq "00ujl29u0le5T6Aj10h7""#));
    assert!(user_matches(
        r#"id eq "2819c223-7f76-453a-919d-413861904646""#
    ));
    assert!(user_matches(
        r#"emails[type eq "work"].value eq "bjensen@example.com""#
    ));
    assert!(!user_matches(
        r#"emails[type eq "work"].value eq "babs@jensen.org""#
    ));
    let group = json!({"displayName": "Engineering", "members": [{"value": "u1"}]});
    assert!(p(r#"displayName eq "engineering""#).matches(&group, &GROUP));
    assert!(p(r#"members[value eq "u1"]"#).matches(&group, &GROUP));
}

#[test]
fn simple_eq_recognises_the_lookups_storage_can_index() {
    let cases = [
        (r#"userName eq "a""#, Some("userName")),
        (r#"USERNAME eq "a""#, Some("userName")),
        (
            r#"urn:ietf:params:scim:schemas:core:2.0:User:userName eq "a""#,
            Some("userName"),
        ),
        (r#"externalId eq "a""#, Some("externalId")),
        (r#"id eq "a""#, Some("id")),
        (r#"displayName eq "a""#, Some("displayName")),
        (r#"emails.value eq "a""#, Some("emails.value")),
        (r#"emails eq "a""#, Some("emails.value")),
        (r#"emails[value eq "a"]"#, Some("emails.value")),
        (r#"members[value eq "a"]"#, Some("members.value")),
        (r#"userName ne "a""#, None),
        (r#"userName eq "a" and active eq true"#, None),
        (r#"emails[type eq "work"].value eq "a""#, None),
    ];
    for (s, want) in cases {
        let f = p(s);
        let got = f.simple_eq();
        assert_eq!(got.as_ref().map(|(k, _)| k.as_str()), want, "{s}");
        if want.is_some() {
            assert_eq!(
                got.map(|(_, v)| v.clone()),
                Some(CompValue::String("a".into()))
            );
        }
    }
}

#[test]
fn string_literals_follow_json_escaping() {
    let f = p(r#"displayName eq "say \"hi\" \u00e9\\""#);
    let Filter::Compare { value, .. } = &f else {
        panic!()
    };
    assert_eq!(value.as_str(), Some("say \"hi\" é\\"));
    assert_eq!(p(&f.to_string()), f);
}

#[test]
fn numbers_and_booleans_are_literals() {
    let f = p("meta.version eq -1.5e3");
    let Filter::Compare { value, .. } = f else {
        panic!()
    };
    assert_eq!(
        value,
        CompValue::Number(serde_json::Number::from_f64(-1500.0).unwrap())
    );
}

#[test]
fn errors_name_the_position_of_the_problem() {
    assert_eq!(
        error_detail(r#"userName xx "bjensen""#),
        r#"invalid filter at position 10: expected a comparison operator after "userName""#
    );
    assert_eq!(
        error_detail("userName eq"),
        r#"invalid filter at position 12: expected a value after "eq""#
    );
    assert!(error_detail(r#"(userName eq "a""#).contains("position 17"));
    assert!(error_detail(r#"userName eq "a" )"#).contains("position 17: unexpected \")\""));
    assert!(error_detail(r#"userName eq "a"#).contains("unterminated string"));
    assert!(error_detail("userName eq \"a\" & x").contains("position 17"));
}

#[test]
fn ordering_a_boolean_is_an_invalid_filter() {
    error_detail("active gt true");
    error_detail(r#"active lt "x""#);
    error_detail("title gt null");
    error_detail("title co true");
}

#[test]
fn unknown_attributes_are_invalid_filters_unless_under_an_unknown_extension() {
    assert!(error_detail(r#"shoeSize eq "9""#).contains("unknown attribute"));
    assert!(error_detail(r#"emails[shoe eq "9"]"#).contains("unknown sub-attribute"));
    assert!(parse(r#"urn:acme:2.0:User:shoeSize eq "9""#).is_ok());
}

#[test]
fn malformed_filters_are_rejected() {
    for s in [
        "",
        "(",
        ")",
        "not title pr",
        "title pr and",
        "and title pr",
        "emails[type eq \"work\"",
        "emails[emails[type eq \"a\"]]",
        "userName eq \"a\" userName eq \"b\"",
        "userName eq bjensen",
        "name.givenName[value eq \"x\"]",
        "userName[value eq \"x\"]",
        "title pr extra",
        "userName eq 01",
    ] {
        error_detail(s);
    }
}

#[test]
fn nesting_deeper_than_the_limit_is_rejected_without_overflowing_the_stack() {
    let deep = format!(
        "{}title pr{}",
        "(".repeat(MAX_DEPTH + 1),
        ")".repeat(MAX_DEPTH + 1)
    );
    assert!(error_detail(&deep).contains("nested deeper"));
    let ok = format!("{}title pr{}", "(".repeat(MAX_DEPTH), ")".repeat(MAX_DEPTH));
    assert!(parse(&ok).is_ok());
    let nots = format!("{}title pr{}", "not (".repeat(1000), ")".repeat(1000));
    error_detail(&nots);
}

#[test]
fn filters_longer_than_the_limit_are_rejected() {
    let long = format!(r#"userName eq "{}""#, "a".repeat(MAX_FILTER_LEN));
    assert!(error_detail(&long).contains("longer than"));
}

#[test]
fn rendering_is_canonical() {
    assert_eq!(
        p(r#"(USERNAME Eq "a" OR title PR) and not(Emails[Type eq "work"])"#).to_string(),
        r#"(userName eq "a" or title pr) and not (emails[type eq "work"])"#
    );
    assert_eq!(
        p("title pr or (nickName pr or userType pr)").to_string(),
        "title pr or (nickName pr or userType pr)"
    );
    assert_eq!(
        p("(title pr or nickName pr) or userType pr").to_string(),
        "title pr or nickName pr or userType pr"
    );
}

fn arb_leaf() -> impl Strategy<Value = String> {
    let attrs = prop::sample::select(vec![
        "userName",
        "title",
        "name.givenName",
        "emails.value",
        "meta.created",
        "active",
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber",
        "urn:acme:2.0:User:x",
    ]);
    let ops = prop::sample::select(vec!["eq", "ne", "co", "sw", "ew", "gt", "ge", "lt", "le"]);
    let values = prop_oneof![
        any::<String>().prop_map(|s| serde_json::to_string(&s).unwrap()),
        any::<i64>().prop_map(|n| n.to_string()),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(|f| Value::from(f).to_string()),
        Just("true".to_string()),
        Just("null".to_string()),
    ];
    prop_oneof![
        (attrs.clone(), ops, values).prop_map(|(a, o, v)| format!("{a} {o} {v}")),
        attrs.prop_map(|a| format!("{a} pr")),
        any::<String>()
            .prop_map(|s| format!("emails[type eq {}]", serde_json::to_string(&s).unwrap())),
    ]
}

fn arb_filter_text() -> impl Strategy<Value = String> {
    arb_leaf().prop_recursive(6, 32, 2, |inner| {
        prop_oneof![
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("{a} and {b}")),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("{a} OR {b}")),
            inner.clone().prop_map(|a| format!("not({a})")),
            inner.prop_map(|a| format!("({a})")),
        ]
    })
}

proptest! {
    #[test]
    fn parsing_never_panics_on_arbitrary_strings(s in any::<String>()) {
        let _ = parse(&s);
    }

    #[test]
    fn parsing_never_panics_on_filter_like_strings(s in "[a-zA-Z.:\\[\\]()\" ]{0,60}") {
        if let Ok(f) = parse(&s) {
            let _ = f.matches(&bjensen(), &USER);
        }
    }

    #[test]
    fn a_rendered_filter_reparses_to_the_same_ast(s in arb_filter_text()) {
        if let Ok(f) = parse(&s) {
            let rendered = f.to_string();
            prop_assert_eq!(parse(&rendered).ok(), Some(f), "{}", rendered);
        }
    }

    #[test]
    fn evaluation_never_panics_on_arbitrary_documents(s in arb_filter_text(), doc in arb_json()) {
        if let Ok(f) = parse(&s) {
            let _ = f.matches(&doc, &USER);
            let _ = f.matches(&doc, &GROUP);
        }
    }
}

pub(crate) fn arb_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        "[a-zA-Z0-9@. ]{0,12}".prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 40, 6, |inner| {
        let keys = prop::sample::select(vec![
            "userName",
            "title",
            "emails",
            "value",
            "type",
            "primary",
            "meta",
            "created",
            "name",
            "givenName",
            "active",
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
            "employeeNumber",
        ]);
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map(keys.prop_map(str::to_owned), inner, 0..6)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}
