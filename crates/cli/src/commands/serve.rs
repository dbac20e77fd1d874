//! `touchpoint serve`: HTTP server and background worker in one process.

use crate::config::Config;
use crate::runtime::{open_store, shutdown_signal};
use anyhow::Context;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Instant;
use touchpoint_jobs::Worker;
use touchpoint_jobs::mail::Mailer;
use touchpoint_jobs::text::TextEngine;
use touchpoint_server::{AppState, build_app};

/// Serves until SIGINT/SIGTERM. `banner` is printed once the server accepts connections.
pub async fn serve(config: Config, banner: Option<String>) -> anyhow::Result<ExitCode> {
    let started = Instant::now();
    let store = open_store(&config).await?;
    let listener = tokio::net::TcpListener::bind(&config.server.listen)
        .await
        .with_context(|| format!("cannot listen on {}", config.server.listen))?;
    let address = listener.local_addr()?;
    let (stop_worker, worker_shutdown) = tokio::sync::watch::channel(false);
    let text = Arc::new(
        TextEngine::load(
            config.text.model_dir.as_deref(),
            config.text.taxonomy_file.as_deref(),
        )
        .context("cannot load the text-analytics model or taxonomy")?,
    );
    let mailer = Mailer::from_settings(&config.mail).context("invalid [mail] settings")?;
    if mailer.is_none() {
        tracing::warn!("no SMTP host configured ([mail] host): mail is queued but not sent");
    }
    let worker = tokio::spawn(
        Worker::new(store.clone(), text.clone())
            .with_mailer(mailer)
            .run(worker_shutdown),
    );
    let app = build_app(AppState::with_text(
        store.clone(),
        config.server.clone(),
        text,
    ));
    tracing::info!(
        %address,
        database = store.backend().name(),
        ready_ms = started.elapsed().as_millis() as u64,
        "Touchpoint is listening"
    );
    if let Some(banner) = banner {
        println!("{banner}");
    }
    touchpoint_server::serve(listener, app, shutdown_signal())
        .await
        .context("server failed")?;
    let _ = stop_worker.send(true);
    let _ = worker.await;
    // Drains the response writer: everything acknowledged is committed before we exit.
    store.close().await;
    tracing::info!("stopped cleanly");
    Ok(ExitCode::SUCCESS)
}
