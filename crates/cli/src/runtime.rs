//! Process plumbing shared by the commands: logging, the tokio runtime, opening the store,
//! waiting for a shutdown signal.

use crate::config::Config;
use anyhow::Context;
use touchpoint_store::{Store, StoreOptions, WriteProfile, redact};

pub fn init_logging(config: &Config) {
    let filter = std::env::var("RUST_LOG").unwrap_or_else(|_| config.log.filter.clone());
    let _ = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new(filter))
        .with_writer(std::io::stderr)
        .try_init();
}

pub fn tokio() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")
}

/// Opens the configured database, creating the default data directory for SQLite. A
/// user-given SQLite path is never created behind their back (a typo must not start an empty
/// database): its directory has to exist.
pub async fn open_store(config: &Config) -> anyhow::Result<Store> {
    open_store_for(config, WriteProfile::Service).await
}

/// [`open_store`] with the SQLite writer tuned for `profile` (bulk imports).
pub async fn open_store_for(config: &Config, profile: WriteProfile) -> anyhow::Result<Store> {
    if config.uses_default_sqlite() {
        std::fs::create_dir_all(&config.data_dir).with_context(|| {
            format!(
                "cannot create the data directory {}",
                config.data_dir.display()
            )
        })?;
    }
    let url = config.database_url();
    Store::open(
        &url,
        StoreOptions {
            max_connections: config.database_max_connections,
            write_profile: profile,
        },
    )
    .await
    .with_context(|| format!("cannot open the database {}", redact(&url)))
}

/// Resolves on SIGINT (Ctrl-C) or SIGTERM.
pub async fn shutdown_signal() {
    let interrupt = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = interrupt => {}
        _ = terminate => {}
    }
    tracing::info!("shutdown requested");
}
