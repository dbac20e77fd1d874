//! `touchpoint organisation create`: one more tenant, with its owner, the default departments
//! and a first API token (shown once). Audited in the new organisation as
//! `organisation.create` through the command line.

use super::init::{read_password, valid_email};
use crate::config::Config;
use crate::runtime::open_store;
use anyhow::bail;
use std::process::ExitCode;
use touchpoint_domain::Language;
use touchpoint_server::auth::{check_password_strength, hash_password, new_api_token};
use touchpoint_store::StoreError;
use touchpoint_store::accounts::Initialisation;

/// Where the owner's password comes from when `--password-stdin` is not given.
pub const PASSWORD_VARIABLE: &str = "TOUCHPOINT_OWNER_PASSWORD";

pub struct NewOrganisation {
    pub name: String,
    pub owner_email: String,
    pub owner_name: Option<String>,
    pub password_stdin: bool,
}

fn password(from_stdin: bool) -> anyhow::Result<String> {
    if from_stdin {
        return read_password();
    }
    match std::env::var(PASSWORD_VARIABLE) {
        Ok(password) if !password.is_empty() => {
            check_password_strength(&password).map_err(anyhow::Error::msg)?;
            Ok(password)
        }
        _ => bail!("set {PASSWORD_VARIABLE} or pass --password-stdin for the owner's password"),
    }
}

pub async fn create(config: &Config, new: NewOrganisation, json: bool) -> anyhow::Result<ExitCode> {
    let email = new.owner_email.trim();
    if !valid_email(email) {
        bail!("'{email}' is not a valid e-mail address");
    }
    let name = new.name.trim();
    if name.is_empty() || name.chars().count() > 200 {
        bail!("the organisation name must have 1–200 characters");
    }
    let password = password(new.password_stdin)?;
    let display_name = new
        .owner_name
        .as_deref()
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| email.split('@').next().unwrap_or(email))
        .to_owned();
    let (token, stored_token) = new_api_token("created by touchpoint organisation create");
    let init = Initialisation {
        org_name: name.to_owned(),
        email: email.to_owned(),
        display_name,
        password_hash: hash_password(&password)?,
        language: Language::De,
        token: stored_token,
    };
    let store = open_store(config).await?;
    let result = store.create_organisation(&init).await;
    store.close().await;
    let done = match result {
        Ok(done) => done,
        Err(StoreError::Conflict { .. }) => {
            bail!("a user with the e-mail '{email}' exists already; nothing was changed")
        }
        Err(other) => return Err(other.into()),
    };
    super::init::print_created(&init, &done, &token, json);
    Ok(ExitCode::SUCCESS)
}
