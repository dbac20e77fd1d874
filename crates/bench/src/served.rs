//! One read endpoint timed on a loaded data directory: `touchpoint serve` started on it, a
//! first request, then `requests` sequential and `requests` concurrent ones (each answer
//! checked), the server's memory and the machine's load around them. Shared by the
//! `metrics` and `journey-map` benchmarks.

use crate::api::{Api, timed_gets};
use crate::server::{Binary, Memory, load_average};
use crate::stats::Latency;
use crate::submit::ms;
use serde::Serialize;
use serde_json::Value;
use std::path::Path;
use std::time::{Duration, Instant};

/// What the runs measured (flattened into each benchmark's JSON line).
#[derive(Debug, Serialize)]
pub struct ServedGets {
    pub query: String,
    pub cold_start_ms: f64,
    pub first_request_ms: f64,
    pub sequential: Latency,
    pub concurrent: Latency,
    pub concurrency: usize,
    /// Answers (the first one included) that `check` refused.
    pub mismatches: usize,
    pub server_memory_idle: Memory,
    pub server_memory_after: Memory,
    pub load_average_before: f64,
    pub load_average_after: f64,
    /// The first answer, for the benchmark's own summary line.
    #[serde(skip)]
    pub first: Value,
}

impl ServedGets {
    /// The human lines every such benchmark prints.
    pub fn print(&self) {
        println!(
            "  cold start {:.1} ms; first request {:.1} ms",
            self.cold_start_ms, self.first_request_ms
        );
        println!("  sequential    {}", self.sequential.line());
        println!(
            "  concurrency {} {}",
            self.concurrency,
            self.concurrent.line()
        );
        println!(
            "  server RSS idle {:.1} MiB, after queries {:.1} MiB; answers that do not match the load: {}",
            self.server_memory_idle.rss_mib(),
            self.server_memory_after.rss_mib(),
            self.mismatches
        );
        println!(
            "  machine load average (1 min) before {:.2}, after {:.2} — other processes share the cores",
            self.load_average_before, self.load_average_after
        );
    }
}

pub async fn served_gets<F>(
    binary: &Binary,
    data_dir: &Path,
    token: &str,
    query: String,
    requests: usize,
    concurrency: usize,
    check: F,
) -> anyhow::Result<ServedGets>
where
    F: Fn(&Value) -> anyhow::Result<bool> + Clone + Send + 'static,
{
    let mut server = binary.serve(data_dir)?;
    let cold_start = server.wait_ready(Duration::from_secs(120)).await?;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let server_memory_idle = server.memory()?;
    let api = Api::new(&server.base_url, token, concurrency)?;
    let load_average_before = load_average();
    let first_started = Instant::now();
    let first = api.get(&query).await?;
    let first_request = first_started.elapsed();
    let timed = timed_gets(&api, &query, requests, concurrency, check.clone()).await?;
    let mismatches = usize::from(!check(&first)?) + timed.mismatches;
    let server_memory_after = server.memory()?;
    let load_average_after = load_average();
    server.stop()?;
    Ok(ServedGets {
        query,
        cold_start_ms: ms(cold_start),
        first_request_ms: ms(first_request),
        sequential: Latency::of(&timed.sequential),
        concurrent: Latency::of(&timed.concurrent),
        concurrency,
        mismatches,
        server_memory_idle,
        server_memory_after,
        load_average_before,
        load_average_after,
        first,
    })
}
