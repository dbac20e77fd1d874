//! `metrics`: loads millions of responses through the store's own bulk path (the same
//! validation and rollup code as the API), then times the metrics endpoint on them.

use crate::api::{CHANNELS, COMMENTS, nps_survey};
use crate::served::{ServedGets, served_gets};
use crate::server::{Binary, backend_of, init_and_open, load_average, loaded_data_dir};
use anyhow::{Context, bail};
use chrono::{Datelike, Months, NaiveDate, SecondsFormat, Utc};
use clap::Args;
use rand::{Rng, SeedableRng};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};
use touchpoint_domain::touchpoint::TouchpointFields;
use touchpoint_domain::{NewResponse, ResponseDraft, SurveyDefinition, TouchpointId};
use touchpoint_store::AuditContext;
use touchpoint_store::SubmitOutcome;

#[derive(Debug, Args)]
pub struct MetricsArgs {
    /// The touchpoint binary to start
    #[arg(long, default_value = "target/release/touchpoint")]
    binary: PathBuf,
    /// Responses to load
    #[arg(long, default_value_t = 10_000_000)]
    responses: u64,
    /// Responses per `Store::submit_responses` call
    #[arg(long, default_value_t = 50_000)]
    chunk: usize,
    /// Share of loaded responses with a comment (each queues text analysis for the server)
    #[arg(long, default_value_t = 0.25)]
    comment_share: f64,
    /// Touchpoints to spread the responses over
    #[arg(long, default_value_t = 10)]
    touchpoints: usize,
    /// Measured requests per run
    #[arg(long, default_value_t = 200)]
    requests: usize,
    /// Concurrency of the second run
    #[arg(long, default_value_t = 8)]
    concurrency: usize,
    /// Database URL (default: SQLite in the data directory)
    #[arg(long)]
    database_url: Option<String>,
    /// Data directory to load into (default: a new temporary directory, kept afterwards)
    #[arg(long)]
    data_dir: Option<PathBuf>,
    /// Measure a directory loaded before (it holds bench-metrics.json) instead of loading
    #[arg(long, value_name = "DIR", conflicts_with_all = ["data_dir", "responses"])]
    reuse: Option<PathBuf>,
    /// Load only; do not start the server
    #[arg(long)]
    load_only: bool,
}

/// What a loaded directory holds, so it can be measured again without reloading.
#[derive(Debug, Serialize, Deserialize)]
struct Manifest {
    database_url: Option<String>,
    api_token: String,
    survey_id: String,
    loaded: u64,
    from: NaiveDate,
    to: NaiveDate,
    load_seconds: f64,
}

#[derive(Debug, Serialize)]
struct LoadReport {
    bench: &'static str,
    responses: u64,
    seconds: f64,
    per_s: f64,
    database_bytes: u64,
    load_average_after: f64,
}

#[derive(Debug, Serialize)]
struct QueryReport {
    bench: &'static str,
    backend: &'static str,
    loaded: u64,
    #[serde(flatten)]
    runs: ServedGets,
}

pub async fn run(args: MetricsArgs) -> anyhow::Result<bool> {
    let (data_dir, manifest) = loaded_data_dir(
        args.reuse.as_deref(),
        args.data_dir.as_deref(),
        "metrics",
        |dir| {
            let args = &args;
            async move { load(args, &dir).await }
        },
    )
    .await?;
    if args.load_only {
        return Ok(true);
    }
    measure(&args, &data_dir, &manifest).await
}

async fn load(args: &MetricsArgs, data_dir: &Path) -> anyhow::Result<Manifest> {
    let binary = Binary::new(&args.binary, args.database_url.clone())?;
    let (init, store, org_id) = init_and_open(&binary, data_dir).await?;
    let mut touchpoints = Vec::new();
    for i in 0..args.touchpoints {
        let fields = TouchpointFields {
            name: format!("Touchpoint {i}"),
            channel: CHANNELS[i % CHANNELS.len()].to_owned(),
            ..Default::default()
        };
        touchpoints.push(
            store
                .create_touchpoint(org_id, &fields, &AuditContext::system())
                .await?
                .id,
        );
    }
    let definition = SurveyDefinition::from_json(nps_survey())
        .map_err(|e| anyhow::anyhow!("invalid benchmark survey: {e:?}"))?;
    let token = format!("{:032x}", rand::rng().random::<u128>());
    let survey = store
        .create_survey(org_id, &definition, None, &token, &AuditContext::system())
        .await?;

    // Twelve calendar months up to today, as the dashboard shows them.
    let now = Utc::now();
    let to = now.date_naive();
    let from = to
        .with_day(1)
        .and_then(|d| d.checked_sub_months(Months::new(11)))
        .context("date arithmetic")?;
    let from_ms = from
        .and_hms_opt(0, 0, 0)
        .context("midnight")?
        .and_utc()
        .timestamp_millis();
    // Stay a minute clear of "now" so no response counts as submitted in the future.
    let span_ms = now.timestamp_millis() - 60_000 - from_ms;

    let total = args.responses;
    let chunk = args.chunk.max(1) as u64;
    let chunks = total.div_ceil(chunk);
    let (sender, mut receiver) = tokio::sync::mpsc::channel::<Vec<NewResponse>>(2);
    let shape = Arc::new(Shape {
        definition: Arc::clone(&survey.definition),
        touchpoints: touchpoints.clone(),
        total,
        from_ms,
        span_ms,
        now_ms: now.timestamp_millis(),
        comment_share: args.comment_share.clamp(0.0, 1.0),
    });
    // Responses are generated (and validated) on a blocking thread while the previous chunk
    // is being written, in submission order, as they would arrive.
    let generator = tokio::task::spawn_blocking(move || -> anyhow::Result<()> {
        for c in 0..chunks {
            let start = c * chunk;
            let count = chunk.min(total - start);
            let responses = shape.make(start, count)?;
            if sender.blocking_send(responses).is_err() {
                break;
            }
        }
        Ok(())
    });
    let started = Instant::now();
    let mut written = 0u64;
    let mut last_report = Instant::now();
    while let Some(responses) = receiver.recv().await {
        let count = responses.len() as u64;
        let outcomes = store.submit_responses(&survey, responses).await;
        for outcome in outcomes {
            match outcome? {
                SubmitOutcome::Created(_) => {}
                other => bail!("bulk load: unexpected outcome {other:?}"),
            }
        }
        written += count;
        if last_report.elapsed() > Duration::from_secs(15) || written == total {
            last_report = Instant::now();
            let s = started.elapsed().as_secs_f64();
            eprintln!(
                "  loaded {written} / {total} in {s:.0} s ({:.0} responses/s)",
                written as f64 / s
            );
        }
    }
    generator.await??;
    let seconds = started.elapsed().as_secs_f64();
    store.close().await;
    let report = LoadReport {
        bench: "metrics-load",
        responses: written,
        seconds,
        per_s: written as f64 / seconds,
        database_bytes: database_bytes(data_dir),
        load_average_after: load_average(),
    };
    println!(
        "loaded {written} responses through Store::submit_responses in {seconds:.1} s → {:.0} responses/s; database files {:.2} GiB",
        report.per_s,
        report.database_bytes as f64 / (1u64 << 30) as f64
    );
    println!("{}", serde_json::to_string(&report)?);
    Ok(Manifest {
        database_url: args.database_url.clone(),
        api_token: init.api_token,
        survey_id: survey.id.to_string(),
        loaded: written,
        from,
        to,
        load_seconds: seconds,
    })
}

fn database_bytes(data_dir: &Path) -> u64 {
    ["touchpoint.db", "touchpoint.db-wal", "touchpoint.db-shm"]
        .iter()
        .filter_map(|f| std::fs::metadata(data_dir.join(f)).ok())
        .map(|m| m.len())
        .sum()
}

/// How generated responses are spread: over touchpoints (each with its own score
/// distribution), channels, languages and time (in order, uniformly over the range).
struct Shape {
    definition: Arc<SurveyDefinition>,
    touchpoints: Vec<TouchpointId>,
    total: u64,
    from_ms: i64,
    span_ms: i64,
    now_ms: i64,
    comment_share: f64,
}

impl Shape {
    fn make(&self, start: u64, count: u64) -> anyhow::Result<Vec<NewResponse>> {
        let mut rng = rand::rngs::StdRng::seed_from_u64(start);
        let mut responses = Vec::with_capacity(count as usize);
        for i in start..start + count {
            let progress = i as f64 / self.total as f64;
            let t = self.from_ms + (self.span_ms as f64 * progress) as i64;
            let tp = rng.random_range(0..self.touchpoints.len());
            // Touchpoint 0 gets worse over the year; the others differ by a fixed offset.
            let detractor = 0.12 + 0.02 * tp as f64 + if tp == 0 { 0.2 * progress } else { 0.0 };
            let u: f64 = rng.random();
            let score = if u < detractor {
                rng.random_range(0..=6)
            } else if u < detractor + 0.3 {
                rng.random_range(7..=8)
            } else {
                rng.random_range(9..=10)
            };
            let (language, comment) = COMMENTS[rng.random_range(0..COMMENTS.len())];
            let mut answers = Map::new();
            answers.insert("nps".into(), json!(score));
            if rng.random_bool(self.comment_share) {
                answers.insert("why".into(), json!(comment));
            }
            let submitted_at = chrono::DateTime::from_timestamp_millis(t)
                .context("timestamp")?
                .to_rfc3339_opts(SecondsFormat::Millis, true);
            let draft = ResponseDraft {
                answers,
                language: Some(language.to_owned()),
                channel: Some(CHANNELS[rng.random_range(0..CHANNELS.len())].to_owned()),
                touchpoint_id: Some(self.touchpoints[tp].to_string()),
                external_id: None,
                submitted_at: Some(submitted_at),
                customer_external_id: None,
            };
            let response = NewResponse::validate(&self.definition, draft, "api", self.now_ms)
                .map_err(|e| anyhow::anyhow!("generated response is invalid: {e:?}"))?;
            responses.push(response);
        }
        Ok(responses)
    }
}

async fn measure(args: &MetricsArgs, data_dir: &Path, manifest: &Manifest) -> anyhow::Result<bool> {
    let binary = Binary::new(&args.binary, manifest.database_url.clone())?;
    let query = format!(
        "/api/v1/metrics?survey_id={}&metric=nps&from={}&to={}&interval=month&group_by=touchpoint",
        manifest.survey_id, manifest.from, manifest.to
    );
    let loaded = manifest.loaded;
    let check = move |body: &Value| -> anyhow::Result<bool> {
        let n = body["n"].as_u64().context("no n in the metrics answer")?;
        let groups = body["groups"].as_array().context("no groups")?;
        let group_n: u64 = groups.iter().filter_map(|g| g["n"].as_u64()).sum();
        let series_n: u64 = body["series"]
            .as_array()
            .context("no series")?
            .iter()
            .filter_map(|p| p["n"].as_u64())
            .sum();
        Ok(n == loaded && group_n == n && series_n == n)
    };
    let runs = served_gets(
        &binary,
        data_dir,
        &manifest.api_token,
        query,
        args.requests,
        args.concurrency,
        check,
    )
    .await?;
    let first = &runs.first;
    eprintln!(
        "first answer: n = {}, value = {}, {} periods, {} groups",
        first["n"],
        first["value"],
        first["series"].as_array().map_or(0, Vec::len),
        first["groups"].as_array().map_or(0, Vec::len)
    );
    println!(
        "metrics on {} stored responses ({} to {}, monthly, grouped by touchpoint):",
        manifest.loaded, manifest.from, manifest.to
    );
    runs.print();
    let report = QueryReport {
        bench: "metrics",
        backend: backend_of(manifest.database_url.as_deref()),
        loaded: manifest.loaded,
        runs,
    };
    println!("{}", serde_json::to_string(&report)?);
    if report.runs.mismatches > 0 {
        eprintln!("FAILED: the metrics answer does not count every loaded response");
        return Ok(false);
    }
    Ok(true)
}
