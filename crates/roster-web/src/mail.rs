//! The messages Roster sends, rendered from askama templates into a text and an HTML part.
//! None of them ever carries a token.

use askama::Template;
use roster_tenant::Tenant;

/// One testing step: what to do in Okta for the checklist line with the same key.
pub(crate) struct TestingStep {
    pub key: &'static str,
    pub title: &'static str,
    pub how: &'static str,
}

pub(crate) static TESTING_STEPS: &[TestingStep] = &[
    TestingStep {
        key: "credentials tested",
        title: "Test the credentials",
        how: "in the app's Provisioning tab, click Test API Credentials.",
    },
    TestingStep {
        key: "user created",
        title: "Create a user",
        how: "assign a test person to the app (Assignments, Assign to People).",
    },
    TestingStep {
        key: "user updated",
        title: "Update the user",
        how: "change a mapped attribute of that person in Okta, such as the job title, and save.",
    },
    TestingStep {
        key: "user deactivated",
        title: "Deactivate the user",
        how: "unassign the person from the app.",
    },
    TestingStep {
        key: "user reactivated",
        title: "Reactivate the user",
        how: "assign the same person to the app again.",
    },
    TestingStep {
        key: "group created",
        title: "Push a group",
        how: "in Push Groups, find a group by name, select it and save.",
    },
    TestingStep {
        key: "membership changed",
        title: "Change a membership",
        how: "add a person to the pushed group in Okta, or remove one.",
    },
];

/// A message ready for the outbox.
pub(crate) struct Rendered {
    pub kind: &'static str,
    pub recipient: String,
    pub subject: String,
    pub text: String,
    pub html: String,
    /// The body holds a setup link: it is cleared from the outbox once delivered.
    pub carries_link: bool,
}

pub(crate) const TESTING_STEPS_KIND: &str = "testing-steps";

#[derive(Template)]
#[template(path = "email/testing_steps.txt")]
struct TestingStepsText<'a> {
    vendor: &'a str,
    company: &'a str,
    admin_name: Option<&'a str>,
    automatic: bool,
    setup_url: Option<&'a str>,
    steps: &'static [TestingStep],
}

#[derive(Template)]
#[template(path = "email/testing_steps.html")]
struct TestingStepsHtml<'a> {
    subject: &'a str,
    vendor: &'a str,
    company: &'a str,
    admin_name: Option<&'a str>,
    automatic: bool,
    setup_url: Option<&'a str>,
    steps: &'static [TestingStep],
}

/// The testing-steps email to the tenant's admin. `automatic` when Okta's first call sent it.
pub(crate) fn testing_steps(
    vendor: &str,
    tenant: &Tenant,
    setup_url: Option<&str>,
    automatic: bool,
) -> Result<Rendered, askama::Error> {
    let subject = format!("Test your Okta connection to {vendor}");
    let admin_name = tenant.admin_name.as_deref();
    let text = TestingStepsText {
        vendor,
        company: &tenant.display_name,
        admin_name,
        automatic,
        setup_url,
        steps: TESTING_STEPS,
    }
    .render()?;
    let html = TestingStepsHtml {
        subject: &subject,
        vendor,
        company: &tenant.display_name,
        admin_name,
        automatic,
        setup_url,
        steps: TESTING_STEPS,
    }
    .render()?;
    Ok(Rendered {
        kind: TESTING_STEPS_KIND,
        recipient: tenant.admin_email.clone(),
        subject,
        text,
        html,
        carries_link: setup_url.is_some(),
    })
}

pub(crate) const SETUP_LINK_KIND: &str = "setup-link";

#[derive(Template)]
#[template(path = "email/setup_link.txt")]
struct SetupLinkText<'a> {
    vendor: &'a str,
    company: &'a str,
    admin_name: Option<&'a str>,
    setup_url: &'a str,
    expires: &'a str,
    note: Option<&'a str>,
    sender: &'a str,
}

#[derive(Template)]
#[template(path = "email/setup_link.html")]
struct SetupLinkHtml<'a> {
    subject: &'a str,
    vendor: &'a str,
    company: &'a str,
    admin_name: Option<&'a str>,
    setup_url: &'a str,
    expires: &'a str,
    note: Option<&'a str>,
    sender: &'a str,
}

/// The setup link for the tenant's admin, sent by a staff member with an optional note.
pub(crate) fn setup_link(
    vendor: &str,
    tenant: &Tenant,
    setup_url: &str,
    expires: &str,
    note: Option<&str>,
    sender: &str,
) -> Result<Rendered, askama::Error> {
    let subject = format!(
        "Connect {} to {vendor}: your setup link",
        tenant.display_name
    );
    let admin_name = tenant.admin_name.as_deref();
    let company = tenant.display_name.as_str();
    let text = SetupLinkText {
        vendor,
        company,
        admin_name,
        setup_url,
        expires,
        note,
        sender,
    }
    .render()?;
    let html = SetupLinkHtml {
        subject: &subject,
        vendor,
        company,
        admin_name,
        setup_url,
        expires,
        note,
        sender,
    }
    .render()?;
    Ok(Rendered {
        kind: SETUP_LINK_KIND,
        recipient: tenant.admin_email.clone(),
        subject,
        text,
        html,
        carries_link: true,
    })
}
