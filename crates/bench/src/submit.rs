//! `submit`: response submission over HTTP at a fixed concurrency for a fixed time, then a
//! check that every acknowledged response is stored.

use crate::api::{Api, CHANNELS, COMMENTS, id_of};
use crate::server::{Binary, Memory, load_average, make_data_dir, own_cpu_seconds};
use crate::stats::{Latency, new_histogram, record};
use anyhow::{Context, bail};
use clap::Args;
use rand::{Rng, SeedableRng};
use serde::Serialize;
use serde_json::json;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

#[derive(Debug, Args)]
pub struct SubmitArgs {
    /// The touchpoint binary to start
    #[arg(long, default_value = "target/release/touchpoint")]
    binary: PathBuf,
    /// Concurrent client tasks, each with its own keep-alive connection
    #[arg(long, default_value_t = 64)]
    concurrency: usize,
    /// Seconds of load
    #[arg(long, default_value_t = 30)]
    duration: u64,
    /// Stop after this many requests even if time is left
    #[arg(long, default_value_t = 2_000_000)]
    max_requests: u64,
    /// Database URL for the server (default: SQLite in the temporary data directory)
    #[arg(long)]
    database_url: Option<String>,
    /// Share of responses with a comment (comments queue text analysis in the server)
    #[arg(long, default_value_t = 0.5)]
    comment_share: f64,
    /// Touchpoints to spread the responses over
    #[arg(long, default_value_t = 6)]
    touchpoints: usize,
    /// Data directory (default: a new temporary directory)
    #[arg(long)]
    data_dir: Option<PathBuf>,
    /// Keep the data directory afterwards
    #[arg(long)]
    keep: bool,
    /// Extra environment for the server, KEY=VALUE (repeatable)
    #[arg(long, value_name = "KEY=VALUE")]
    server_env: Vec<String>,
}

#[derive(Debug, Default)]
struct TaskResult {
    /// (external_id, response id) of every `201`.
    acked: Vec<(String, String)>,
    errors: BTreeMap<String, u64>,
    latency: Option<hdrhistogram::Histogram<u64>>,
}

#[derive(Debug, Serialize)]
struct Report {
    bench: &'static str,
    backend: String,
    concurrency: usize,
    server_env: Vec<String>,
    comment_share: f64,
    duration_s: f64,
    requests: u64,
    acked: u64,
    errors: BTreeMap<String, u64>,
    throughput_per_s: f64,
    latency: Latency,
    cold_start_ms: f64,
    server_memory_idle: Memory,
    server_memory_after_load: Memory,
    server_cpu_s: f64,
    client_cpu_s: f64,
    stored: usize,
    missing: usize,
    wrong_external_id: usize,
    stored_not_acked: usize,
    verify_s: f64,
    load_average_before: f64,
    load_average_after: f64,
}

pub async fn run(args: SubmitArgs) -> anyhow::Result<bool> {
    let backend = match &args.database_url {
        Some(url) if url.starts_with("postgres") => "postgres",
        Some(_) => "other",
        None => "sqlite",
    };
    let binary =
        Binary::new(&args.binary, args.database_url.clone())?.with_env(&args.server_env)?;
    let data_dir = make_data_dir(args.data_dir.as_deref(), "submit")?;
    eprintln!("data directory: {}", data_dir.display());
    let init = binary.init(&data_dir)?;
    let mut server = binary.serve(&data_dir)?;
    let cold_start = server.wait_ready(Duration::from_secs(60)).await?;
    eprintln!(
        "serve ready after {:.1} ms (spawn → first 200 from /readyz)",
        ms(cold_start)
    );
    tokio::time::sleep(Duration::from_millis(500)).await;
    let memory_idle = server.memory()?;

    let api = Api::new(&server.base_url, &init.api_token, args.concurrency)?;
    let (survey_id, touchpoints) = api.set_up(args.touchpoints).await?;
    let url = format!("{}/api/v1/surveys/{survey_id}/responses", server.base_url);

    let load_before = load_average();
    let issued = Arc::new(AtomicU64::new(0));
    let server_cpu_before = server.cpu_seconds()?;
    let client_cpu_before = own_cpu_seconds()?;
    let started = Instant::now();
    let deadline = started + Duration::from_secs(args.duration);
    let mut tasks = Vec::with_capacity(args.concurrency);
    for task in 0..args.concurrency {
        let api = api.clone();
        let url = url.clone();
        let touchpoints = touchpoints.clone();
        let issued = issued.clone();
        let limits = Limits {
            max_requests: args.max_requests,
            deadline,
            comment_share: args.comment_share.clamp(0.0, 1.0),
        };
        tasks.push(tokio::spawn(async move {
            client_task(task, api, url, touchpoints, issued, limits).await
        }));
    }
    let mut acked: Vec<(String, String)> = Vec::new();
    let mut errors: BTreeMap<String, u64> = BTreeMap::new();
    let mut latency = new_histogram()?;
    for task in tasks {
        let result = task.await??;
        acked.extend(result.acked);
        for (kind, n) in result.errors {
            *errors.entry(kind).or_default() += n;
        }
        if let Some(h) = result.latency {
            latency.add(&h)?;
        }
    }
    let elapsed = started.elapsed();
    let client_cpu = own_cpu_seconds()? - client_cpu_before;
    let server_cpu = server.cpu_seconds()? - server_cpu_before;
    let memory_after = server.memory()?;
    let load_after = load_average();

    eprintln!("load done; verifying that every acknowledged response is stored …");
    let verify_started = Instant::now();
    let stored = api.all_responses(&survey_id).await?;
    let verify_s = verify_started.elapsed().as_secs_f64();
    let mut missing = 0;
    let mut wrong_external_id = 0;
    for (external_id, id) in &acked {
        match stored.get(id) {
            None => missing += 1,
            Some(stored_external) if stored_external.as_deref() != Some(external_id) => {
                wrong_external_id += 1
            }
            Some(_) => {}
        }
    }
    let stopped = server.stop();

    let requests = issued.load(Ordering::Relaxed).min(args.max_requests);
    let report = Report {
        bench: "submit",
        backend: backend.to_owned(),
        concurrency: args.concurrency,
        server_env: args.server_env.clone(),
        comment_share: args.comment_share,
        duration_s: elapsed.as_secs_f64(),
        requests,
        acked: acked.len() as u64,
        errors,
        throughput_per_s: acked.len() as f64 / elapsed.as_secs_f64(),
        latency: Latency::of(&latency),
        cold_start_ms: ms(cold_start),
        server_memory_idle: memory_idle,
        server_memory_after_load: memory_after,
        server_cpu_s: server_cpu,
        client_cpu_s: client_cpu,
        stored: stored.len(),
        missing,
        wrong_external_id,
        stored_not_acked: stored.len().saturating_sub(acked.len() - missing),
        verify_s,
        load_average_before: load_before,
        load_average_after: load_after,
    };
    println!(
        "submit on {backend}: {} client tasks for {:.1} s, {:.0} % with a comment (load generator on the same machine: the cores are shared)",
        report.concurrency,
        report.duration_s,
        report.comment_share * 100.0
    );
    println!(
        "  acknowledged {} of {} requests → {:.0} responses/s; errors {:?}",
        report.acked, report.requests, report.throughput_per_s, report.errors
    );
    println!("  latency {}", report.latency.line());
    println!(
        "  CPU during load: server {:.1} s, load generator {:.1} s (of {:.1} s × 2 cores available)",
        server_cpu,
        client_cpu,
        elapsed.as_secs_f64()
    );
    println!(
        "  machine load average (1 min) before {load_before:.2}, after {load_after:.2} — other processes share the cores"
    );
    println!(
        "  server RSS idle {:.1} MiB, after load {:.1} MiB (peak {:.1} MiB); cold start {:.1} ms",
        memory_idle.rss_mib(),
        memory_after.rss_mib(),
        memory_after.hwm_mib(),
        ms(cold_start)
    );
    println!(
        "  verification ({verify_s:.1} s): stored {}, missing {missing}, wrong external_id {wrong_external_id}, stored but not acknowledged {}",
        report.stored, report.stored_not_acked
    );
    println!("{}", serde_json::to_string(&report)?);
    stopped.context("stopping the server")?;
    if !args.keep {
        std::fs::remove_dir_all(&data_dir).ok();
    }
    if missing > 0 || wrong_external_id > 0 {
        eprintln!("FAILED: acknowledged responses are missing");
        return Ok(false);
    }
    if report.acked == 0 {
        bail!("no response was acknowledged");
    }
    Ok(true)
}

#[derive(Debug, Clone, Copy)]
struct Limits {
    max_requests: u64,
    deadline: Instant,
    comment_share: f64,
}

async fn client_task(
    task: usize,
    api: Api,
    url: String,
    touchpoints: Vec<String>,
    issued: Arc<AtomicU64>,
    limits: Limits,
) -> anyhow::Result<TaskResult> {
    let Limits {
        max_requests,
        deadline,
        comment_share,
    } = limits;
    let mut rng = rand::rngs::StdRng::seed_from_u64(task as u64);
    let mut result = TaskResult::default();
    let mut latency = new_histogram()?;
    let mut seq = 0u64;
    while Instant::now() < deadline && issued.fetch_add(1, Ordering::Relaxed) < max_requests {
        seq += 1;
        let external_id = format!("bench-{task}-{seq}");
        let (language, comment) = COMMENTS[rng.random_range(0..COMMENTS.len())];
        let mut answers = json!({"nps": rng.random_range(0..=10)});
        if rng.random_bool(comment_share) {
            answers["why"] = json!(comment);
        }
        let body = json!({
            "answers": answers,
            "language": language,
            "channel": CHANNELS[rng.random_range(0..CHANNELS.len())],
            "touchpoint_id": touchpoints[rng.random_range(0..touchpoints.len())],
            "external_id": external_id,
            "submitted_at": chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        });
        let sent = Instant::now();
        let outcome = api
            .client
            .post(&url)
            .bearer_auth(&api.token)
            .json(&body)
            .send()
            .await;
        let response = match outcome {
            Ok(response) => response,
            Err(error) => {
                let kind = if error.is_timeout() {
                    "timeout"
                } else {
                    "transport"
                };
                *result.errors.entry(kind.to_owned()).or_default() += 1;
                continue;
            }
        };
        let status = response.status();
        let body = response.bytes().await;
        record(&mut latency, sent.elapsed());
        match body {
            Ok(bytes) if status == reqwest::StatusCode::CREATED => {
                let value: serde_json::Value = serde_json::from_slice(&bytes)?;
                result.acked.push((external_id, id_of(&value)?));
            }
            Ok(_) => {
                *result
                    .errors
                    .entry(status.as_u16().to_string())
                    .or_default() += 1
            }
            Err(_) => *result.errors.entry("body".to_owned()).or_default() += 1,
        }
    }
    result.latency = Some(latency);
    Ok(result)
}

pub fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}
