//! `touchpoint init`: the organisation, its first admin and an API token.

use crate::config::Config;
use crate::runtime::open_store;
use anyhow::{Context, bail};
use std::io::BufRead;
use std::process::ExitCode;
use touchpoint_domain::Language;
use touchpoint_server::auth::{check_password_strength, hash_password, new_api_token};
use touchpoint_store::StoreError;
use touchpoint_store::accounts::{Initialisation, Initialised};

pub(super) fn read_password() -> anyhow::Result<String> {
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .context("cannot read the password from standard input")?;
    let password = line.trim_end_matches(['\n', '\r']).to_owned();
    check_password_strength(&password).map_err(anyhow::Error::msg)?;
    Ok(password)
}

pub(super) fn valid_email(email: &str) -> bool {
    let email = email.trim();
    matches!(email.split_once('@'), Some((local, domain)) if !local.is_empty() && domain.contains('.') && !domain.starts_with('.') && !domain.ends_with('.'))
        && !email.chars().any(char::is_whitespace)
        && email.len() <= 254
}

pub async fn init(
    config: &Config,
    email: &str,
    org_name: &str,
    json: bool,
) -> anyhow::Result<ExitCode> {
    if !valid_email(email) {
        bail!("'{email}' is not a valid e-mail address");
    }
    if org_name.trim().is_empty() || org_name.chars().count() > 200 {
        bail!("the organisation name must have 1–200 characters");
    }
    let password = read_password()?;
    let store = open_store(config).await?;
    if store.is_initialised().await? {
        store.close().await;
        bail!("the database is already initialised; nothing was changed");
    }
    let (token, stored_token) = new_api_token("created by touchpoint init");
    let init = Initialisation {
        org_name: org_name.trim().to_owned(),
        email: email.trim().to_owned(),
        display_name: email.split('@').next().unwrap_or(email).to_owned(),
        password_hash: hash_password(&password)?,
        language: Language::De,
        token: stored_token,
    };
    let result = store.initialise(&init).await;
    store.close().await;
    let done = match result {
        Ok(done) => done,
        Err(StoreError::AlreadyInitialised) => {
            bail!("the database is already initialised; nothing was changed")
        }
        Err(other) => return Err(other.into()),
    };
    print_created(&init, &done, &token, json);
    Ok(ExitCode::SUCCESS)
}

/// What `init` and `organisation create` print: the new organisation, its owner and the
/// first API token (shown only now), as text or as one JSON object.
pub(crate) fn print_created(init: &Initialisation, done: &Initialised, token: &str, json: bool) {
    if json {
        println!(
            "{}",
            serde_json::json!({"org_id": done.org_id, "user_id": done.user_id, "api_token": token})
        );
    } else {
        println!("Organisation:  {} ({})", init.org_name, done.org_id);
        println!("Owner:         {} ({})", init.email, done.user_id);
        println!("API token:     {token}");
        println!("Keep the token safe: it is shown only now.");
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn emails_need_a_domain() {
        assert!(super::valid_email("admin@example.com"));
        assert!(!super::valid_email("admin@localhost"));
        assert!(!super::valid_email("a b@example.com"));
        assert!(!super::valid_email("@example.com"));
    }
}
