//! The operator's command line, as a script would chain it, on both engines.

use roster_tenant::test_on_both_engines;
use serde_json::Value;

use crate::helpers::{roster, stderr, stdout};

struct Cli {
    dir: tempfile::TempDir,
    url: String,
}

impl Cli {
    fn new(database: &roster_tenant::testing::TestDatabase) -> Self {
        Self {
            dir: tempfile::tempdir().unwrap(),
            url: database.url.expose().to_owned(),
        }
    }

    fn run(&self, args: &[&str]) -> std::process::Output {
        roster(
            self.dir.path(),
            args,
            &[
                ("ROSTER_DATABASE_URL", &self.url),
                ("ROSTER_PUBLIC_URL", "https://roster.example"),
            ],
        )
    }

    fn ok(&self, args: &[&str]) -> String {
        let output = self.run(args);
        assert!(output.status.success(), "{args:?}: {}", stderr(&output));
        stdout(&output)
    }

    fn json(&self, args: &[&str]) -> Value {
        serde_json::from_str(&self.ok(args)).expect("JSON output")
    }

    fn fails(&self, args: &[&str]) -> String {
        let output = self.run(args);
        assert_eq!(
            output.status.code(),
            Some(1),
            "{args:?} should fail: {}",
            stdout(&output)
        );
        stderr(&output)
    }
}

test_on_both_engines! {
    async fn creating_a_tenant_prints_its_scim_base_url_and_setup_link(database) {
        let cli = Cli::new(&database);
        let created = cli.json(&["tenant", "create", "--name", "Acme Corp", "--admin-email", "it@acme.example", "--json"]);
        assert_eq!(created["slug"], "acme-corp");
        assert_eq!(created["state"], "onboarding");
        assert_eq!(created["scim_base_url"], "https://roster.example/scim/v2/acme-corp");
        assert!(created["setup_link"].as_str().unwrap().starts_with("https://roster.example/setup/"));

        let table = cli.ok(&["tenant", "create", "--name", "Globex", "--slug", "globex", "--admin-email", "it@globex.example"]);
        assert!(table.contains("https://roster.example/scim/v2/globex"), "{table}");
        assert!(table.contains("https://roster.example/setup/"), "{table}");

        let list = cli.json(&["tenant", "list", "--json"]);
        let slugs: Vec<&str> = list.as_array().unwrap().iter().map(|t| t["slug"].as_str().unwrap()).collect();
        assert_eq!(slugs, ["acme-corp", "globex"]);
        let table = cli.ok(&["tenant", "list"]);
        assert!(table.starts_with("SLUG"), "{table}");
    }

    async fn a_minted_token_is_printed_once_and_listed_only_by_prefix(database) {
        let cli = Cli::new(&database);
        cli.ok(&["tenant", "create", "--name", "Acme", "--slug", "acme", "--admin-email", "it@acme.example"]);
        let minted = cli.json(&["token", "mint", "acme", "--json"]);
        let token = minted["token"].as_str().unwrap().to_owned();
        assert!(token.starts_with("roster_"));
        let plain = cli.ok(&["token", "mint", "acme"]);
        assert!(plain.trim().starts_with("roster_"));

        let listed = cli.ok(&["token", "list", "acme", "--json"]);
        assert!(!listed.contains(&token[token.len() - 43..]), "a secret was listed");
        let tokens: Value = serde_json::from_str(&listed).unwrap();
        assert_eq!(tokens.as_array().unwrap().len(), 2);
        let shown = cli.ok(&["tenant", "show", "acme"]);
        assert!(!shown.contains(&token[token.len() - 43..]));

        let refused = cli.fails(&["token", "mint", "acme"]);
        assert!(refused.contains("revoke one"), "{refused}");
        let prefix = minted["prefix"].as_str().unwrap();
        cli.ok(&["token", "revoke", "acme", prefix]);
        let tokens = cli.json(&["token", "list", "acme", "--json"]);
        let live: Vec<&Value> = tokens.as_array().unwrap().iter().filter(|t| t["live"] == true).collect();
        assert_eq!(live.len(), 1);
        let audit = roster_tenant::with_pool!(database.connect().await, pool => {
            sqlx::query_as::<_, (String, String)>("select actor, outcome from audit_events where action = 'token minted' order by id")
                .fetch_all(pool).await.unwrap()
        });
        let ok = ("cli".to_owned(), "ok".to_owned());
        assert_eq!(audit, [ok.clone(), ok, ("cli".to_owned(), "refused".to_owned())]);
    }

    async fn links_are_issued_and_revoked(database) {
        let cli = Cli::new(&database);
        cli.ok(&["tenant", "create", "--name", "Acme", "--slug", "acme", "--admin-email", "it@acme.example"]);
        let issued = cli.json(&["link", "issue", "acme", "--expires-in", "48h", "--json"]);
        assert!(issued["setup_link"].as_str().unwrap().contains("/setup/"));
        cli.ok(&["link", "revoke", "acme"]);
        let again = cli.fails(&["link", "revoke", "acme"]);
        assert!(again.contains("not found"), "{again}");
    }

    async fn suspend_resume_and_delete_need_the_right_words(database) {
        let cli = Cli::new(&database);
        cli.ok(&["tenant", "create", "--name", "Acme", "--slug", "acme", "--admin-email", "it@acme.example"]);
        assert_eq!(cli.json(&["tenant", "suspend", "acme", "--json"])["state"], "suspended");
        assert_eq!(cli.json(&["tenant", "resume", "acme", "--json"])["state"], "onboarding");
        let refused = cli.fails(&["tenant", "delete", "acme"]);
        assert!(refused.contains("--yes"), "{refused}");
        cli.ok(&["tenant", "delete", "acme", "--yes"]);
        let gone = cli.fails(&["tenant", "show", "acme"]);
        assert_eq!(gone.trim(), "roster: tenant not found");
    }

    async fn bad_input_gets_a_clear_error(database) {
        let cli = Cli::new(&database);
        cli.ok(&["tenant", "create", "--name", "Acme", "--slug", "acme", "--admin-email", "it@acme.example"]);
        let duplicate = cli.fails(&["tenant", "create", "--name", "Acme 2", "--slug", "acme", "--admin-email", "it@acme.example"]);
        assert!(duplicate.contains("already taken"), "{duplicate}");
        let bad_slug = cli.fails(&["tenant", "create", "--name", "Acme 3", "--slug", "acme_3", "--admin-email", "it@acme.example"]);
        assert!(bad_slug.contains("acme_3"), "{bad_slug}");
        let bad_email = cli.fails(&["tenant", "create", "--name", "Acme 4", "--admin-email", "it.acme.example"]);
        assert!(bad_email.contains("not a valid email"), "{bad_email}");
        let unknown = cli.fails(&["token", "mint", "nobody"]);
        assert_eq!(unknown.trim(), "roster: tenant not found");
        for out in [duplicate, bad_slug, bad_email, unknown] {
            assert!(!out.contains("panicked"));
        }
    }

    async fn migrate_applies_the_migrations_alone(database) {
        let cli = Cli::new(&database);
        let out = cli.ok(&["migrate"]);
        assert!(out.contains("migrations applied"), "{out}");
        let db = roster_tenant::Db::connect(&database.url, &Default::default()).await.unwrap();
        assert_eq!(db.readiness().await, roster_tenant::Readiness::Ready);
    }
}

#[test]
fn config_prints_the_effective_settings_with_secrets_masked() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("roster.toml"),
        "vendor_name = \"Ten Thousand Coffees\"\n",
    )
    .unwrap();
    let output = roster(
        dir.path(),
        &["--config", "roster.toml", "config"],
        &[
            (
                "ROSTER_DATABASE_URL",
                "postgres://roster:hunter2@db.internal:5432/roster",
            ),
            ("ROSTER_SMTP_URL", "smtp://mailer:s3cret@mail.internal:587"),
            ("ROSTER_LISTNE", "typo"),
        ],
    );
    assert!(output.status.success());
    let out = stdout(&output);
    assert!(
        out.contains("vendor_name = \"Ten Thousand Coffees\""),
        "{out}"
    );
    assert!(
        out.contains("postgres://roster:***@db.internal:5432/roster"),
        "{out}"
    );
    assert!(out.contains("smtp://mailer:***@mail.internal:587"), "{out}");
    assert!(!out.contains("hunter2") && !out.contains("s3cret"));
    assert!(stderr(&output).contains("ROSTER_LISTNE is not a Roster setting"));
}
