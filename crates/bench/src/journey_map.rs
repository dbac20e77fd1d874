//! `journey-map`: loads a telecom-sized journey — a million customers, ten million interaction
//! events and half a million NPS responses, all through the store's own write paths (the same
//! validation, customer creation and maintained counts as the API) — then times
//! `GET /journeys/{id}/map` on it and checks that its event volumes add up to what was loaded.

use crate::api::{CHANNELS, nps_survey};
use crate::served::{ServedGets, served_gets};
use crate::server::{Binary, backend_of, init_and_open, loaded_data_dir};
use anyhow::{Context, bail};
use chrono::{SecondsFormat, Utc};
use clap::Args;
use rand::{Rng, SeedableRng};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use touchpoint_domain::event::NewEvent;
use touchpoint_domain::journey::{JourneyFields, Layout};
use touchpoint_domain::touchpoint::TouchpointFields;
use touchpoint_domain::{NewResponse, ResponseDraft, SurveyDefinition};
use touchpoint_store::events::EventOutcome;
use touchpoint_store::{AuditContext, SubmitOutcome};

const STAGES: [&str; 7] = [
    "Awareness",
    "Purchase",
    "Provisioning",
    "Usage",
    "Billing",
    "Support",
    "Renewal",
];
const TOUCHPOINTS_PER_STAGE: usize = 3;
const EVENT_TYPES: [&str; 4] = ["visit", "contact", "order", "notice"];
/// The period the data spreads over, ending now (the map's default: twelve months).
const SPAN_DAYS: i64 = 330;

#[derive(Debug, Args)]
pub struct JourneyMapArgs {
    /// The touchpoint binary to start
    #[arg(long, default_value = "target/release/touchpoint")]
    binary: PathBuf,
    /// Customers (created on the fly by their events)
    #[arg(long, default_value_t = 1_000_000)]
    customers: u64,
    /// Interaction events
    #[arg(long, default_value_t = 10_000_000)]
    events: u64,
    /// NPS responses linked to customers and touchpoints
    #[arg(long, default_value_t = 500_000)]
    responses: u64,
    /// Events per `Store::ingest_events` call
    #[arg(long, default_value_t = 5_000)]
    chunk: usize,
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
    /// Measure a directory loaded before (it holds bench-journey-map.json) instead of loading
    #[arg(long, value_name = "DIR", conflicts_with_all = ["data_dir", "customers", "events", "responses"])]
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
    journey_id: String,
    customers: u64,
    events: u64,
    responses: u64,
    load_seconds: f64,
}

#[derive(Debug, Serialize)]
struct MapReport {
    bench: &'static str,
    backend: &'static str,
    customers: u64,
    events: u64,
    responses: u64,
    #[serde(flatten)]
    runs: ServedGets,
}

pub async fn run(args: JourneyMapArgs) -> anyhow::Result<bool> {
    let (data_dir, manifest) = loaded_data_dir(
        args.reuse.as_deref(),
        args.data_dir.as_deref(),
        "journey-map",
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

/// The key of touchpoint `i` (stage `i / 3`).
fn touchpoint_key(i: usize) -> String {
    format!("tp-{i:02}")
}

async fn load(args: &JourneyMapArgs, data_dir: &Path) -> anyhow::Result<Manifest> {
    let binary = Binary::new(&args.binary, args.database_url.clone())?;
    let (init, store, org_id) = init_and_open(&binary, data_dir).await?;
    let system = AuditContext::system();

    let mut touchpoints = Vec::new();
    for i in 0..STAGES.len() * TOUCHPOINTS_PER_STAGE {
        let fields = TouchpointFields {
            name: format!("{} {}", STAGES[i / TOUCHPOINTS_PER_STAGE], i % 3 + 1),
            channel: CHANNELS[i % CHANNELS.len()].to_owned(),
            key: Some(touchpoint_key(i)),
            description: String::new(),
            moment_of_truth: i % 5 == 0,
        };
        touchpoints.push(store.create_touchpoint(org_id, &fields, &system).await?.id);
    }
    let journey = store
        .create_journey(
            org_id,
            &JourneyFields {
                name: "Benchmark journey".to_owned(),
                description: String::new(),
                stages: STAGES.iter().map(|s| (*s).to_owned()).collect(),
            },
            &system,
        )
        .await?;
    let layout = Layout {
        stages: journey
            .stages
            .iter()
            .enumerate()
            .map(|(s, stage)| {
                let placed = touchpoints
                    [s * TOUCHPOINTS_PER_STAGE..(s + 1) * TOUCHPOINTS_PER_STAGE]
                    .to_vec();
                (stage.id, placed)
            })
            .collect(),
    };
    store
        .set_layout(org_id, journey.id, &layout, &system)
        .await?;

    let now_ms = Utc::now().timestamp_millis();
    // A minute clear of "now" so nothing counts as occurring in the future.
    let end_ms = now_ms - 60_000;
    let span_ms = SPAN_DAYS * 86_400_000;
    let started = Instant::now();

    // Events first: they create the customers (the organisation's default), as an event
    // stream from a CRM would.
    let total = args.events;
    let chunk = args.chunk.max(1) as u64;
    let customers = args.customers.max(1);
    let (sender, mut receiver) = tokio::sync::mpsc::channel::<Vec<NewEvent>>(2);
    let generator = tokio::task::spawn_blocking(move || {
        for c in 0..total.div_ceil(chunk) {
            let start = c * chunk;
            let mut rng = rand::rngs::StdRng::seed_from_u64(start);
            let events: Vec<NewEvent> = (start..(start + chunk).min(total))
                .map(|i| {
                    // Later stages see fewer customers: a funnel.
                    let stage = (rng.random::<f64>().powi(2) * STAGES.len() as f64) as usize;
                    let tp = stage * TOUCHPOINTS_PER_STAGE + rng.random_range(0..3);
                    NewEvent {
                        external_id: format!("ev-{i}"),
                        customer_external_id: format!("cu-{}", i % customers),
                        touchpoint: touchpoint_key(tp),
                        channel: CHANNELS[tp % CHANNELS.len()].to_owned(),
                        kind: EVENT_TYPES[rng.random_range(0..EVENT_TYPES.len())].to_owned(),
                        occurred_at_ms: end_ms - rng.random_range(0..span_ms),
                        outcome: None,
                        properties: Map::new(),
                    }
                })
                .collect();
            if sender.blocking_send(events).is_err() {
                break;
            }
        }
    });
    let mut written = 0u64;
    let mut last_report = Instant::now();
    while let Some(events) = receiver.recv().await {
        let sent = events.len() as u64;
        for outcome in store.ingest_events(org_id, events).await? {
            if !matches!(outcome, EventOutcome::Created(_)) {
                bail!("bulk load: unexpected event outcome {outcome:?}");
            }
        }
        written += sent;
        if last_report.elapsed() > Duration::from_secs(15) || written == total {
            last_report = Instant::now();
            let s = started.elapsed().as_secs_f64();
            eprintln!(
                "  events {written} / {total} in {s:.0} s ({:.0} events/s)",
                written as f64 / s
            );
        }
    }
    generator.await?;

    let definition = SurveyDefinition::from_json(nps_survey())
        .map_err(|e| anyhow::anyhow!("invalid benchmark survey: {e:?}"))?;
    let token = format!("{:032x}", rand::rng().random::<u128>());
    let survey = store
        .create_survey(org_id, &definition, None, &token, &system)
        .await?;
    let mut rng = rand::rngs::StdRng::seed_from_u64(7);
    let mut answered = 0u64;
    while answered < args.responses {
        let count = (args.responses - answered).min(50_000);
        let mut batch = Vec::with_capacity(count as usize);
        for i in answered..answered + count {
            let tp = rng.random_range(0..touchpoints.len());
            // Support and provisioning touchpoints score worse: friction to find.
            let detractor = if (6..9).contains(&tp) || (15..18).contains(&tp) {
                0.35
            } else {
                0.15
            };
            let u: f64 = rng.random();
            let score = if u < detractor {
                rng.random_range(0..=6)
            } else if u < detractor + 0.3 {
                rng.random_range(7..=8)
            } else {
                rng.random_range(9..=10)
            };
            let at = end_ms - rng.random_range(0..span_ms);
            let mut answers = Map::new();
            answers.insert("nps".into(), json!(score));
            let draft = ResponseDraft {
                answers,
                language: Some("de".to_owned()),
                channel: Some(CHANNELS[tp % CHANNELS.len()].to_owned()),
                touchpoint_id: Some(touchpoints[tp].to_string()),
                external_id: None,
                submitted_at: Some(
                    chrono::DateTime::from_timestamp_millis(at)
                        .context("timestamp")?
                        .to_rfc3339_opts(SecondsFormat::Millis, true),
                ),
                customer_external_id: Some(format!("cu-{}", i % customers)),
            };
            batch.push(
                NewResponse::validate(&survey.definition, draft, "api", now_ms)
                    .map_err(|e| anyhow::anyhow!("generated response is invalid: {e:?}"))?,
            );
        }
        for outcome in store.submit_responses(&survey, batch).await {
            match outcome? {
                SubmitOutcome::Created(_) => {}
                other => bail!("bulk load: unexpected response outcome {other:?}"),
            }
        }
        answered += count;
    }
    let customers_stored = store.count_customers(org_id).await?;
    let seconds = started.elapsed().as_secs_f64();
    store.close().await;
    println!(
        "loaded {written} events ({customers_stored} customers created by them) and {answered} responses in {seconds:.1} s"
    );
    Ok(Manifest {
        database_url: args.database_url.clone(),
        api_token: init.api_token,
        journey_id: journey.id.to_string(),
        customers: u64::try_from(customers_stored).unwrap_or_default(),
        events: written,
        responses: answered,
        load_seconds: seconds,
    })
}

async fn measure(
    args: &JourneyMapArgs,
    data_dir: &Path,
    manifest: &Manifest,
) -> anyhow::Result<bool> {
    let binary = Binary::new(&args.binary, manifest.database_url.clone())?;
    let query = format!("/api/v1/journeys/{}/map?metric=nps", manifest.journey_id);
    let (events, responses) = (manifest.events, manifest.responses);
    // Every loaded event and response lies in the map's default period (twelve months).
    let check = move |body: &Value| -> anyhow::Result<bool> {
        let cards = body["stages"]
            .as_array()
            .context("no stages in the map")?
            .iter()
            .filter_map(|s| s["touchpoints"].as_array())
            .flatten();
        let counted: u64 = cards.filter_map(|c| c["events"].as_u64()).sum();
        let n = body["overall"]["n"].as_u64().unwrap_or_default();
        Ok(counted == events && n == responses)
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
        "first answer: overall NPS {} (n = {}), {} friction entries",
        first["overall"]["value"],
        first["overall"]["n"],
        first["friction"].as_array().map_or(0, Vec::len)
    );
    println!(
        "journey map of {} customers, {events} events, {responses} responses (21 touchpoints in 7 stages, NPS, twelve months):",
        manifest.customers
    );
    runs.print();
    let report = MapReport {
        bench: "journey-map",
        backend: backend_of(manifest.database_url.as_deref()),
        customers: manifest.customers,
        events,
        responses,
        runs,
    };
    println!("{}", serde_json::to_string(&report)?);
    if report.runs.mismatches > 0 {
        eprintln!("FAILED: the map does not count every loaded event and response");
        return Ok(false);
    }
    Ok(true)
}
