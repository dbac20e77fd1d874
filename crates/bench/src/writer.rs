//! `store-submit`: the submission path without HTTP — concurrent tasks call
//! `Store::submit_response` in this process, optionally with the three reads the API handler
//! makes first (token → principal, survey, touchpoint). It separates the cost of the
//! group-commit writer from the cost of HTTP and of those reads.

use crate::api::{CHANNELS, COMMENTS, nps_survey};
use crate::server::{Binary, init_and_open, load_average, make_data_dir, own_cpu_seconds};
use crate::stats::{Latency, new_histogram, record};
use anyhow::{Context, bail};
use clap::Args;
use rand::{Rng, SeedableRng};
use serde::Serialize;
use serde_json::{Map, json};
use sha2::{Digest, Sha256};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};
use touchpoint_domain::touchpoint::TouchpointFields;
use touchpoint_domain::{NewResponse, OrgId, ResponseDraft, SurveyDefinition, TouchpointId};
use touchpoint_store::AuditContext;
use touchpoint_store::{Store, SubmitOutcome, Survey};

#[derive(Debug, Args)]
pub struct StoreSubmitArgs {
    /// The touchpoint binary (only for `init`)
    #[arg(long, default_value = "target/release/touchpoint")]
    binary: PathBuf,
    #[arg(long, default_value_t = 64)]
    concurrency: usize,
    #[arg(long, default_value_t = 10)]
    duration: u64,
    /// Also make the three reads the API handler makes before each submission
    #[arg(long)]
    with_reads: bool,
    /// Database URL (default: SQLite in a temporary directory)
    #[arg(long)]
    database_url: Option<String>,
}

#[derive(Debug, Serialize)]
struct Report {
    bench: &'static str,
    with_reads: bool,
    concurrency: usize,
    duration_s: f64,
    acked: u64,
    throughput_per_s: f64,
    latency: Latency,
    process_cpu_s: f64,
    cpu_us_per_response: f64,
    load_average_before: f64,
    load_average_after: f64,
}

struct Shared {
    store: Store,
    survey: Survey,
    org_id: OrgId,
    token_hash: String,
    touchpoints: Vec<TouchpointId>,
    with_reads: bool,
    deadline: Instant,
}

pub async fn run(args: StoreSubmitArgs) -> anyhow::Result<bool> {
    let data_dir = make_data_dir(None, "store-submit")?;
    let binary = Binary::new(&args.binary, args.database_url.clone())?;
    let (init, store, org_id) = init_and_open(&binary, &data_dir).await?;
    let mut touchpoints = Vec::new();
    for i in 0..6 {
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

    let load_before = load_average();
    let cpu_before = own_cpu_seconds()?;
    let started = Instant::now();
    let shared = Arc::new(Shared {
        store: store.clone(),
        survey,
        org_id,
        token_hash: hex::encode(Sha256::digest(init.api_token.as_bytes())),
        touchpoints,
        with_reads: args.with_reads,
        deadline: started + Duration::from_secs(args.duration),
    });
    let tasks: Vec<_> = (0..args.concurrency)
        .map(|task| {
            let shared = Arc::clone(&shared);
            tokio::spawn(async move { submitter(task, shared).await })
        })
        .collect();
    let mut latency = new_histogram()?;
    for task in tasks {
        latency.add(&task.await??)?;
    }
    let elapsed = started.elapsed().as_secs_f64();
    let cpu = own_cpu_seconds()? - cpu_before;
    let load_after = load_average();
    store.close().await;
    std::fs::remove_dir_all(&data_dir).ok();

    let acked = latency.len();
    let report = Report {
        bench: "store-submit",
        with_reads: args.with_reads,
        concurrency: args.concurrency,
        duration_s: elapsed,
        acked,
        throughput_per_s: acked as f64 / elapsed,
        latency: Latency::of(&latency),
        process_cpu_s: cpu,
        cpu_us_per_response: cpu * 1e6 / acked.max(1) as f64,
        load_average_before: load_before,
        load_average_after: load_after,
    };
    println!(
        "Store::submit_response without HTTP{}: {} tasks for {elapsed:.1} s → {:.0} responses/s, CPU {cpu:.1} s ({:.0} µs per response); load average {load_before:.2} → {load_after:.2}",
        if args.with_reads {
            ", with the handler's three reads"
        } else {
            ""
        },
        args.concurrency,
        report.throughput_per_s,
        report.cpu_us_per_response
    );
    println!("  latency {}", report.latency.line());
    println!("{}", serde_json::to_string(&report)?);
    Ok(true)
}

async fn submitter(
    task: usize,
    shared: Arc<Shared>,
) -> anyhow::Result<hdrhistogram::Histogram<u64>> {
    let mut rng = rand::rngs::StdRng::seed_from_u64(task as u64);
    let mut latency = new_histogram()?;
    let mut seq = 0u64;
    while Instant::now() < shared.deadline {
        seq += 1;
        let started = Instant::now();
        let tp = shared.touchpoints[rng.random_range(0..shared.touchpoints.len())];
        if shared.with_reads {
            shared
                .store
                .principal_for_token(&shared.token_hash, touchpoint_store::now_ms())
                .await?
                .context("token not found")?;
            shared.store.survey(shared.org_id, shared.survey.id).await?;
            shared.store.touchpoint(shared.org_id, tp).await?;
        }
        let (language, comment) = COMMENTS[rng.random_range(0..COMMENTS.len())];
        let mut answers = Map::new();
        answers.insert("nps".into(), json!(rng.random_range(0..=10)));
        answers.insert("why".into(), json!(comment));
        let draft = ResponseDraft {
            answers,
            language: Some(language.to_owned()),
            channel: Some(CHANNELS[rng.random_range(0..CHANNELS.len())].to_owned()),
            touchpoint_id: Some(tp.to_string()),
            external_id: Some(format!("store-{task}-{seq}")),
            submitted_at: None,
            customer_external_id: None,
        };
        let response = NewResponse::validate(
            &shared.survey.definition,
            draft,
            "api",
            touchpoint_store::now_ms(),
        )
        .map_err(|e| anyhow::anyhow!("invalid response: {e:?}"))?;
        match shared
            .store
            .submit_response(&shared.survey, response)
            .await?
        {
            SubmitOutcome::Created(_) => record(&mut latency, started.elapsed()),
            other => bail!("unexpected outcome {other:?}"),
        }
    }
    Ok(latency)
}
