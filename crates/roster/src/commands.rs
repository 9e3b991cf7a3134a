//! The operator's commands: each opens the database, acts through `Tenancy` as actor "cli",
//! and prints a table or, with `--json`, JSON for scripts.

use std::{process::ExitCode, sync::Arc};

use roster_tenant::{Actor, Error, NewTenant, SystemClock, Tenancy, Tenant, TokenInfo};
use secrecy::{ExposeSecret, SecretString};
use serde_json::{json, Value};

use crate::{
    cli::{Command, LinkCommand, StaffCommand, TenantCommand, TokenCommand},
    settings::Settings,
    startup::{open_database, tenancy_config},
};

pub(crate) async fn run(command: Command, settings: &Settings) -> ExitCode {
    let db = match open_database(settings).await {
        Ok(db) => db,
        Err(e) => {
            eprintln!("roster: {e}");
            return ExitCode::from(2);
        }
    };
    if matches!(command, Command::Migrate) {
        println!(
            "migrations applied to {}",
            settings
                .database_url()
                .map(|u| u.to_string())
                .unwrap_or_default()
        );
        return ExitCode::SUCCESS;
    }
    let tenancy = Tenancy::new(db.clone(), tenancy_config(settings), Arc::new(SystemClock));
    let outcome = match command {
        Command::Tenant(c) => tenant(&tenancy, c).await,
        Command::Link(c) => link(&tenancy, c).await,
        Command::Token(c) => token(&tenancy, c).await,
        Command::Staff(c) => staff(&tenancy, c).await,
        Command::Serve | Command::Migrate | Command::Config | Command::Healthcheck => Ok(()),
    };
    db.close().await;
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("roster: {}", describe(&e));
            ExitCode::from(1)
        }
    }
}

fn describe(e: &Error) -> String {
    match e {
        Error::Unexpected(source) => format!("database error: {source}"),
        other => other.to_string(),
    }
}

fn chrono_duration(d: Option<std::time::Duration>) -> Result<Option<chrono::Duration>, Error> {
    d.map(|d| {
        chrono::Duration::from_std(d).map_err(|_| Error::Invalid("--expires-in is too long".into()))
    })
    .transpose()
}

async fn tenant(tenancy: &Tenancy, command: TenantCommand) -> Result<(), Error> {
    match command {
        TenantCommand::Create {
            name,
            admin_email,
            admin_name,
            slug,
            allowed_domains,
            expires_in,
            output,
        } => {
            let new = NewTenant {
                display_name: name,
                slug,
                admin_name,
                admin_email,
                allowed_domains,
            };
            let tenant = tenancy.create_tenant(new, &Actor::Cli).await?;
            let link = tenancy
                .issue_link(&tenant.slug, &Actor::Cli, chrono_duration(expires_in)?)
                .await?;
            if output.json {
                let mut value = tenant_json(&tenant);
                value["setup_link"] = json!(link.url.expose_secret());
                value["setup_link_expires_at"] = json!(link.info.expires_at);
                println!("{value:#}");
            } else {
                print_tenant(&tenant);
                println!("setup link      {}", link.url.expose_secret());
                println!("link expires    {}", link.info.expires_at.to_rfc3339());
                println!(
                    "\nSend the setup link to {}; it is shown only now.",
                    tenant.admin_email
                );
            }
        }
        TenantCommand::List { output } => {
            let tenants = tenancy.list_tenants().await?;
            if output.json {
                println!(
                    "{:#}",
                    Value::Array(tenants.iter().map(tenant_json).collect())
                );
            } else {
                let rows = tenants
                    .iter()
                    .map(|t| {
                        vec![
                            t.slug.clone(),
                            t.display_name.clone(),
                            t.state.as_str().into(),
                            t.admin_email.clone(),
                            t.created_at.format("%Y-%m-%d").to_string(),
                        ]
                    })
                    .collect();
                print_table(&["SLUG", "NAME", "STATE", "ADMIN", "CREATED"], rows);
            }
        }
        TenantCommand::Show { tenant, output } => {
            let t = tenancy.tenant(&tenant).await?;
            let link = tenancy.current_link(&tenant).await?;
            let tokens = tenancy.list_tokens(&tenant).await?;
            if output.json {
                let mut value = tenant_json(&t);
                value["setup_link"] = json!(link);
                value["tokens"] = Value::Array(tokens.iter().map(token_json).collect());
                println!("{value:#}");
            } else {
                print_tenant(&t);
                match link {
                    Some(l) => println!(
                        "setup link      {:?}, expires {}",
                        l.state,
                        l.expires_at.to_rfc3339()
                    ),
                    None => println!("setup link      none issued"),
                }
                println!();
                print_tokens(&tokens);
            }
        }
        TenantCommand::Suspend { tenant, output } => {
            let t = tenancy.suspend_tenant(&tenant, &Actor::Cli).await?;
            print_state(&t, output.json);
        }
        TenantCommand::Resume { tenant, output } => {
            let t = tenancy.resume_tenant(&tenant, &Actor::Cli).await?;
            print_state(&t, output.json);
        }
        TenantCommand::Delete { tenant, yes } => {
            if !yes {
                return Err(Error::Invalid(format!(
                    "deleting {tenant} removes all of its data; add --yes to confirm"
                )));
            }
            tenancy.delete_tenant(&tenant, &Actor::Cli).await?;
            println!("deleted {tenant}");
        }
    }
    Ok(())
}

async fn link(tenancy: &Tenancy, command: LinkCommand) -> Result<(), Error> {
    match command {
        LinkCommand::Issue {
            tenant,
            expires_in,
            output,
        } => {
            let link = tenancy
                .issue_link(&tenant, &Actor::Cli, chrono_duration(expires_in)?)
                .await?;
            if output.json {
                println!(
                    "{:#}",
                    json!({ "tenant": tenant, "setup_link": link.url.expose_secret(), "expires_at": link.info.expires_at })
                );
            } else {
                println!("setup link      {}", link.url.expose_secret());
                println!("link expires    {}", link.info.expires_at.to_rfc3339());
                println!("\nThe previous link of {tenant}, if any, no longer works.");
            }
        }
        LinkCommand::Revoke { tenant } => {
            tenancy.revoke_link(&tenant, &Actor::Cli).await?;
            println!("revoked the setup link of {tenant}");
        }
    }
    Ok(())
}

async fn token(tenancy: &Tenancy, command: TokenCommand) -> Result<(), Error> {
    match command {
        TokenCommand::List { tenant, output } => {
            let tokens = tenancy.list_tokens(&tenant).await?;
            if output.json {
                println!(
                    "{:#}",
                    Value::Array(tokens.iter().map(token_json).collect())
                );
            } else {
                print_tokens(&tokens);
            }
        }
        TokenCommand::Mint { tenant, output } => {
            let minted = tenancy.mint_token(&tenant, &Actor::Cli).await?;
            if output.json {
                let mut value = token_json(&minted.info);
                value["token"] = json!(minted.token.expose_secret());
                println!("{value:#}");
            } else {
                println!("{}", minted.token.expose_secret());
                eprintln!("This token is shown once; store it now.");
            }
        }
        TokenCommand::Revoke { tenant, token } => {
            let info = tenancy.revoke_token(&tenant, &token, &Actor::Cli).await?;
            println!("revoked {}", info.prefix());
        }
    }
    Ok(())
}

async fn staff(tenancy: &Tenancy, command: StaffCommand) -> Result<(), Error> {
    match command {
        StaffCommand::Add {
            email,
            password_stdin,
        } => {
            let password = read_password(password_stdin)?;
            let account = tenancy.add_staff(&email, &password, "cli").await?;
            println!("staff account {} can sign in", account.email);
        }
        StaffCommand::Disable { email } => {
            let account = tenancy.disable_staff(&email).await?;
            println!("staff account {} is disabled", account.email);
        }
        StaffCommand::List => {
            let rows = tenancy
                .list_staff()
                .await?
                .into_iter()
                .map(|a| {
                    vec![
                        a.email.clone(),
                        if a.is_active() { "active" } else { "disabled" }.into(),
                        a.created_by,
                        a.last_login_at
                            .map(|d| d.to_rfc3339())
                            .unwrap_or_else(|| "-".into()),
                    ]
                })
                .collect();
            print_table(&["EMAIL", "STATE", "CREATED BY", "LAST SIGN-IN"], rows);
        }
    }
    Ok(())
}

/// The new password: the first line of standard input, or typed twice at a prompt.
fn read_password(from_stdin: bool) -> Result<SecretString, Error> {
    let io = |e: std::io::Error| Error::Invalid(format!("cannot read the password: {e}"));
    if from_stdin {
        let mut line = String::new();
        std::io::stdin().read_line(&mut line).map_err(io)?;
        return Ok(SecretString::from(
            line.trim_end_matches(['\r', '\n']).to_owned(),
        ));
    }
    let first = rpassword::prompt_password("Password: ").map_err(io)?;
    let second = rpassword::prompt_password("The same password again: ").map_err(io)?;
    if first != second {
        return Err(Error::Invalid("the two passwords differ".into()));
    }
    Ok(SecretString::from(first))
}

fn tenant_json(t: &Tenant) -> Value {
    serde_json::to_value(t).unwrap_or(Value::Null)
}

fn token_json(t: &TokenInfo) -> Value {
    json!({
        "id": t.id,
        "prefix": t.prefix(),
        "created_by": t.created_by,
        "created_at": t.created_at,
        "last_used_at": t.last_used_at,
        "revoked_at": t.revoked_at,
        "live": t.is_live(),
    })
}

fn print_tenant(t: &Tenant) {
    println!("tenant          {} ({})", t.display_name, t.slug);
    println!("state           {}", t.state.as_str());
    println!("admin           {}", t.admin_email);
    println!("SCIM base URL   {}", t.scim_base_url);
}

fn print_state(t: &Tenant, json: bool) {
    if json {
        println!("{:#}", tenant_json(t));
    } else {
        println!("{} is now {}", t.slug, t.state.as_str());
    }
}

fn print_tokens(tokens: &[TokenInfo]) {
    let when = |d: Option<chrono::DateTime<chrono::Utc>>| {
        d.map(|d| d.to_rfc3339()).unwrap_or_else(|| "-".into())
    };
    let rows = tokens
        .iter()
        .map(|t| {
            vec![
                t.prefix(),
                if t.is_live() {
                    "live".into()
                } else {
                    "revoked".into()
                },
                t.created_by.clone(),
                t.created_at.to_rfc3339(),
                when(t.last_used_at),
            ]
        })
        .collect();
    print_table(
        &["TOKEN", "STATE", "CREATED BY", "CREATED", "LAST USED"],
        rows,
    );
}

fn print_table(headers: &[&str], rows: Vec<Vec<String>>) {
    let mut widths: Vec<usize> = headers.iter().map(|h| h.len()).collect();
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let line = |cells: Vec<String>| {
        let padded: Vec<String> = cells
            .iter()
            .zip(&widths)
            .map(|(c, w)| format!("{c:<w$}"))
            .collect();
        println!("{}", padded.join("  ").trim_end());
    };
    line(headers.iter().map(|h| h.to_string()).collect());
    if rows.is_empty() {
        println!("(none)");
    }
    for row in rows {
        line(row);
    }
}
