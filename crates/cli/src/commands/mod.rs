//! One module per command.

mod demo;
mod import;
mod init;
mod organisation;
mod serve;
mod text;

use crate::cli::{Cli, Command, OrganisationCommand};
use crate::config::{Config, Overrides};
use crate::runtime;
use anyhow::Context;
use std::process::ExitCode;

pub fn run(args: Cli) -> anyhow::Result<ExitCode> {
    let listen = match &args.command {
        Command::Serve { listen } | Command::Demo { listen, .. } => listen.clone(),
        _ => None,
    };
    let demo = matches!(args.command, Command::Demo { .. });
    let overrides = Overrides {
        // The demo keeps its own directory unless told otherwise.
        data_dir: args
            .global
            .data_dir
            .clone()
            .or_else(|| demo.then(|| "demo-data".into())),
        database_url: args.global.database_url.clone(),
        listen,
    };
    let config =
        Config::load(args.global.config.as_deref(), &overrides).context("invalid configuration")?;
    runtime::init_logging(&config);
    match args.command {
        Command::Serve { .. } => runtime::tokio()?.block_on(serve::serve(config, None)),
        Command::Init {
            email,
            password_stdin: _,
            org_name,
            json,
        } => runtime::tokio()?.block_on(init::init(&config, &email, &org_name, json)),
        Command::Demo {
            responses,
            seed,
            no_serve,
            ..
        } => runtime::tokio()?.block_on(demo::demo(config, responses, seed, no_serve)),
        Command::Migrate => runtime::tokio()?.block_on(async {
            let store = runtime::open_store(&config).await?;
            store.close().await;
            eprintln!("migrations applied; the database is up to date");
            Ok(ExitCode::SUCCESS)
        }),
        Command::VerifyRollups => runtime::tokio()?.block_on(verify_rollups(&config)),
        Command::Text(command) => text::run(command),
        Command::Import(command) => runtime::tokio()?.block_on(import::run(&config, command)),
        Command::Organisation(OrganisationCommand::Create {
            name,
            owner_email,
            owner_name,
            password_stdin,
            json,
        }) => runtime::tokio()?.block_on(organisation::create(
            &config,
            organisation::NewOrganisation {
                name,
                owner_email,
                owner_name,
                password_stdin,
            },
            json,
        )),
    }
}

/// Compares every survey's maintained rollups with a recomputation from raw responses.
async fn verify_rollups(config: &Config) -> anyhow::Result<ExitCode> {
    let store = runtime::open_store(config).await?;
    let mut mismatches = 0;
    let mut checked = 0;
    for org_id in store.organisation_ids().await? {
        for survey in &touchpoint_server::reports::all_surveys(
            &store,
            org_id,
            &touchpoint_domain::DepartmentScope::All,
        )
        .await?
        {
            checked += 1;
            if store.stored_rollups(survey).await? != store.recompute_rollups(survey).await? {
                mismatches += 1;
                eprintln!("MISMATCH survey {} ({})", survey.id, survey.definition.name);
            }
        }
    }
    store.close().await;
    eprintln!("{checked} survey(s) checked, {mismatches} mismatch(es)");
    Ok(if mismatches == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}
