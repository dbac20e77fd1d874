//! `touchpoint-bench`: the load generator and benchmarks behind docs/PERFORMANCE.md.
//!
//! A development tool, never shipped. It starts the real `touchpoint` binary as a child
//! process on a loopback port and talks to it over HTTP like any client would; the metrics
//! benchmark loads its data through `touchpoint_store` directly (the same validation and
//! rollup code as the API, without ten million HTTP round trips). Every subcommand is bounded
//! in time and request count, prints a human summary and then one JSON line.

mod api;
mod customers;
mod events;
mod journey_map;
mod metrics;
mod paths;
mod served;
mod server;
mod startup;
mod stats;
mod submit;
mod writer;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

#[derive(Debug, Parser)]
#[command(
    name = "touchpoint-bench",
    about = "Benchmarks for Touchpoint (loopback only)"
)]
struct Cli {
    /// Worker threads of the load generator's runtime (default: one per core)
    #[arg(long, global = true)]
    threads: Option<usize>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Submit responses over HTTP at a fixed concurrency, then verify every acknowledged one is stored
    Submit(submit::SubmitArgs),
    /// Send interaction events over HTTP in batches, then check the server counted every one
    Events(events::EventsArgs),
    /// Load a million customers and ten million events through the store, then time the journey map
    JourneyMap(journey_map::JourneyMapArgs),
    /// Bulk-load responses through the store, then time the metrics endpoint on them
    Metrics(metrics::MetricsArgs),
    /// Journey paths over many customers: load events through the store, then time reading and computing the paths
    Paths(paths::PathsArgs),
    /// Cold start, idle memory and graceful stop of `touchpoint serve`
    Startup(startup::StartupArgs),
    /// The submission path without HTTP: `Store::submit_response` from concurrent tasks
    StoreSubmit(writer::StoreSubmitArgs),
    /// `touchpoint import customers` on a generated CSV (1,000,000 rows by default): rows/s and peak RSS
    CustomersImport(customers::CustomersImportArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let mut builder = tokio::runtime::Builder::new_multi_thread();
    builder.enable_all();
    if let Some(threads) = cli.threads {
        builder.worker_threads(threads.max(1));
    }
    let runtime = match builder.build() {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("error: cannot start the runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    let outcome = runtime.block_on(async {
        match cli.command {
            Command::Submit(args) => submit::run(args).await,
            Command::Events(args) => events::run(args).await,
            Command::Metrics(args) => metrics::run(args).await,
            Command::JourneyMap(args) => journey_map::run(args).await,
            Command::Paths(args) => paths::run(args).await,
            Command::Startup(args) => startup::run(args).await,
            Command::StoreSubmit(args) => writer::run(args).await,
            Command::CustomersImport(args) => customers::run(args).await,
        }
    });
    match outcome {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}
