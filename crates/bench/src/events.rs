//! `events`: interaction events over HTTP in batches (`POST /api/v1/events`) at a fixed
//! concurrency for a fixed time, then a check that the server counted every acknowledged event.

use crate::api::Api;
use crate::server::{Binary, load_average, make_data_dir, own_cpu_seconds};
use crate::stats::{Latency, new_histogram, record};
use anyhow::{Context, bail};
use clap::Args;
use rand::{Rng, SeedableRng};
use serde::Serialize;
use serde_json::{Value, json};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

const TYPES: [&str; 4] = ["visit", "purchase", "call.completed", "ticket.closed"];

#[derive(Debug, Args)]
pub struct EventsArgs {
    /// The touchpoint binary to start
    #[arg(long, default_value = "target/release/touchpoint")]
    binary: PathBuf,
    /// Concurrent client tasks
    #[arg(long, default_value_t = 4)]
    concurrency: usize,
    /// Events per request (the API takes at most 1,000)
    #[arg(long, default_value_t = 1_000)]
    batch: usize,
    /// Seconds of load
    #[arg(long, default_value_t = 20)]
    duration: u64,
    /// Distinct customers the events are spread over (created on the fly)
    #[arg(long, default_value_t = 50_000)]
    customers: usize,
    /// Touchpoints to spread the events over
    #[arg(long, default_value_t = 8)]
    touchpoints: usize,
    /// Events occurred up to this many minutes ago, uniformly (default 90 days: a backfill;
    /// 60 is closer to a live stream, whose times, and so one index, grow in order)
    #[arg(long, default_value_t = 60 * 24 * 90)]
    spread_minutes: i64,
    /// Database URL for the server (default: SQLite in the temporary data directory)
    #[arg(long)]
    database_url: Option<String>,
}

#[derive(Debug, Serialize)]
struct Report {
    bench: &'static str,
    backend: String,
    concurrency: usize,
    batch: usize,
    spread_minutes: i64,
    duration_s: f64,
    requests: u64,
    events_acked: u64,
    errors: u64,
    events_per_s: f64,
    request_latency: Latency,
    server_cpu_s: f64,
    client_cpu_s: f64,
    events_counted_by_server: i64,
    load_average_before: f64,
    load_average_after: f64,
}

pub async fn run(args: EventsArgs) -> anyhow::Result<bool> {
    let backend = if args
        .database_url
        .as_deref()
        .is_some_and(|u| u.starts_with("postgres"))
    {
        "postgres"
    } else {
        "sqlite"
    };
    let binary = Binary::new(&args.binary, args.database_url.clone())?;
    let data_dir = make_data_dir(None, "events")?;
    let init = binary.init(&data_dir)?;
    let mut server = binary.serve(&data_dir)?;
    server.wait_ready(Duration::from_secs(60)).await?;
    let api = Api::new(&server.base_url, &init.api_token, args.concurrency)?;
    let (_, touchpoints) = api.set_up(args.touchpoints).await?;
    let url = format!("{}/api/v1/events", server.base_url);
    let batch = args.batch.clamp(1, 1_000);

    let load_before = load_average();
    let server_cpu_before = server.cpu_seconds()?;
    let client_cpu_before = own_cpu_seconds()?;
    let started = Instant::now();
    let deadline = started + Duration::from_secs(args.duration);
    let requests = Arc::new(AtomicU64::new(0));
    let mut tasks = Vec::new();
    for task in 0..args.concurrency {
        let (api, url, touchpoints, requests) = (
            api.clone(),
            url.clone(),
            touchpoints.clone(),
            requests.clone(),
        );
        let customers = args.customers.max(1);
        let spread = args.spread_minutes.max(1);
        tasks.push(tokio::spawn(async move {
            let mut rng = rand::rngs::StdRng::seed_from_u64(task as u64);
            let mut latency = new_histogram()?;
            let (mut acked, mut errors, mut seq) = (0u64, 0u64, 0u64);
            while Instant::now() < deadline {
                let now = chrono::Utc::now();
                let events: Vec<Value> = (0..batch)
                    .map(|_| {
                        seq += 1;
                        let at = now - chrono::Duration::minutes(rng.random_range(0..spread));
                        json!({
                            "external_id": format!("bench-{task}-{seq}"),
                            "customer_external_id": format!("C-{}", rng.random_range(0..customers)),
                            "touchpoint": touchpoints[rng.random_range(0..touchpoints.len())],
                            "channel": "web",
                            "type": TYPES[rng.random_range(0..TYPES.len())],
                            "occurred_at": at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
                            "outcome": "ok",
                            "properties": {"amount": rng.random_range(1..500)},
                        })
                    })
                    .collect();
                let sent = Instant::now();
                let response = api
                    .client
                    .post(&url)
                    .bearer_auth(&api.token)
                    .json(&json!({"events": events}))
                    .send()
                    .await;
                requests.fetch_add(1, Ordering::Relaxed);
                match response {
                    Ok(r) if r.status().is_success() => {
                        let body: Value = r.json().await?;
                        record(&mut latency, sent.elapsed());
                        acked += body["created"].as_u64().unwrap_or(0)
                            + body["replayed"].as_u64().unwrap_or(0);
                        errors += body["rejected"].as_u64().unwrap_or(0)
                            + body["conflicts"].as_u64().unwrap_or(0);
                    }
                    _ => errors += batch as u64,
                }
            }
            anyhow::Ok((acked, errors, latency))
        }));
    }
    let (mut acked, mut errors) = (0u64, 0u64);
    let mut latency = new_histogram()?;
    for task in tasks {
        let (a, e, h) = task.await??;
        acked += a;
        errors += e;
        latency.add(&h)?;
    }
    let elapsed = started.elapsed();
    let server_cpu = server.cpu_seconds()? - server_cpu_before;
    let client_cpu = own_cpu_seconds()? - client_cpu_before;
    let load_after = load_average();
    let counted = api.event_total().await?;
    let stopped = server.stop();
    let report = Report {
        bench: "events",
        backend: backend.to_owned(),
        concurrency: args.concurrency,
        batch,
        spread_minutes: args.spread_minutes,
        duration_s: elapsed.as_secs_f64(),
        requests: requests.load(Ordering::Relaxed),
        events_acked: acked,
        errors,
        events_per_s: acked as f64 / elapsed.as_secs_f64(),
        request_latency: Latency::of(&latency),
        server_cpu_s: server_cpu,
        client_cpu_s: client_cpu,
        events_counted_by_server: counted,
        load_average_before: load_before,
        load_average_after: load_after,
    };
    println!(
        "events on {backend}: {} client tasks × batches of {batch} for {:.1} s (load generator on the same machine)",
        args.concurrency, report.duration_s
    );
    println!(
        "  acknowledged {acked} events → {:.0} events/s; rejected or failed {errors}",
        report.events_per_s
    );
    println!("  request latency {}", report.request_latency.line());
    println!(
        "  CPU: server {server_cpu:.1} s, load generator {client_cpu:.1} s; load average {load_before:.2} → {load_after:.2}"
    );
    println!("  the server counts {counted} events (journey map aggregates)");
    println!("{}", serde_json::to_string(&report)?);
    stopped.context("stopping the server")?;
    std::fs::remove_dir_all(&data_dir).ok();
    if acked == 0 {
        bail!("no event was acknowledged");
    }
    Ok(counted == acked as i64 && errors == 0)
}
