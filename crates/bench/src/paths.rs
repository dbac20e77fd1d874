//! `paths`: journey paths over many customers without HTTP — generated events are loaded
//! through `Store::ingest_events`, then a journey's visits are streamed with
//! `Store::journey_visits` into `PathsBuilder` exactly as the server does, and timed. Reports
//! the read + compute time, events per second and the process's peak memory.

use crate::server::{Memory, database_url, make_data_dir};
use anyhow::Context;
use clap::Args;
use rand::{Rng, SeedableRng};
use serde::Serialize;
use serde_json::json;
use std::time::Instant;
use touchpoint_domain::event::EventDraft;
use touchpoint_domain::journey::{JourneyFields, LayoutDraft};
use touchpoint_domain::metrics::MetricKind;
use touchpoint_domain::paths::{PathsBuilder, RepeatQuery, Shape};
use touchpoint_domain::touchpoint::TouchpointFields;
use touchpoint_domain::{CustomerId, OrgId, TouchpointId};
use touchpoint_store::accounts::{Initialisation, NewApiToken};
use touchpoint_store::{AuditContext, Store, StoreOptions};

#[derive(Debug, Args)]
pub struct PathsArgs {
    /// Customers walking the journey
    #[arg(long, default_value_t = 100_000)]
    customers: usize,
    /// Mean events per customer
    #[arg(long, default_value_t = 6)]
    events_per_customer: usize,
    /// Stages of the journey
    #[arg(long, default_value_t = 5)]
    stages: usize,
    /// Touchpoints per stage
    #[arg(long, default_value_t = 3)]
    touchpoints_per_stage: usize,
    /// Database URL (default: SQLite in a temporary directory); PostgreSQL must be empty
    #[arg(long)]
    database_url: Option<String>,
}

#[derive(Debug, Serialize)]
struct Report {
    bench: &'static str,
    backend: String,
    customers: u64,
    events: u64,
    distinct_paths: u64,
    load_s: f64,
    paths_s: f64,
    events_per_s: f64,
    peak_rss_mib: f64,
}

pub async fn run(args: PathsArgs) -> anyhow::Result<bool> {
    let data_dir = make_data_dir(None, "paths")?;
    let url = database_url(args.database_url.as_deref(), &data_dir);
    let backend = if url.starts_with("postgres") {
        "postgres"
    } else {
        "sqlite"
    };
    let store = Store::open(&url, StoreOptions::default()).await?;
    let org_id: OrgId = store
        .initialise(&Initialisation {
            org_name: "Bench".into(),
            email: "bench@example.com".into(),
            display_name: "Bench".into(),
            password_hash: "unused".into(),
            language: touchpoint_domain::Language::En,
            token: NewApiToken {
                name: "bench".into(),
                prefix: "tp_bench".into(),
                hash: "unused".into(),
            },
        })
        .await
        .context("the database must be empty")?
        .org_id;
    let stages = args.stages.max(1);
    let per_stage = args.touchpoints_per_stage.max(1);
    let mut touchpoints: Vec<Vec<TouchpointId>> = Vec::new();
    for s in 0..stages {
        let mut stage = Vec::new();
        for t in 0..per_stage {
            let fields = TouchpointFields {
                name: format!("Stage {s} touchpoint {t}"),
                channel: "web".into(),
                ..Default::default()
            };
            stage.push(
                store
                    .create_touchpoint(org_id, &fields, &AuditContext::system())
                    .await?
                    .id,
            );
        }
        touchpoints.push(stage);
    }
    let journey = store
        .create_journey(
            org_id,
            &JourneyFields {
                name: "Bench".into(),
                description: String::new(),
                stages: (0..stages).map(|s| format!("Stage {s}")).collect(),
            },
            &AuditContext::system(),
        )
        .await?;
    let stage_ids: Vec<_> = journey.stages.iter().map(|s| s.id).collect();
    let layout = serde_json::from_value::<LayoutDraft>(json!({"stages":
        stage_ids.iter().zip(&touchpoints).map(|(id, tps)| json!({
            "id": id.to_string(),
            "touchpoint_ids": tps.iter().map(ToString::to_string).collect::<Vec<_>>(),
        })).collect::<Vec<_>>()}))?
    .validate(&stage_ids, &store.touchpoint_ids(org_id).await?)
    .map_err(|e| anyhow::anyhow!("invalid layout: {e:?}"))?;
    store
        .set_layout(org_id, journey.id, &layout, &AuditContext::system())
        .await?;

    // Each customer walks forward: mostly the next stage, sometimes a repeat or a drop-off.
    let now = touchpoint_store::now_ms();
    let start = chrono::Utc::now() - chrono::Duration::days(60);
    let mut rng = rand::rngs::StdRng::seed_from_u64(7);
    let loading = Instant::now();
    let mut batch = Vec::with_capacity(1_000);
    let mut loaded = 0u64;
    for c in 0..args.customers {
        let mut stage = 0usize;
        let mut at = start + chrono::Duration::minutes(rng.random_range(0..60 * 24 * 30));
        for e in 0..rng.random_range(1..=2 * args.events_per_customer.max(1)) {
            let tp = touchpoints[stage][rng.random_range(0..per_stage)];
            let draft: EventDraft = serde_json::from_value(json!({
                "external_id": format!("c{c}-{e}"), "customer_external_id": format!("C-{c}"),
                "touchpoint": tp.to_string(), "channel": "web", "type": "visit",
                "occurred_at": at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)}))?;
            batch.push(
                draft
                    .validate(now)
                    .map_err(|e| anyhow::anyhow!("invalid event: {e:?}"))?,
            );
            at += chrono::Duration::minutes(rng.random_range(1..60 * 24));
            match rng.random_range(0..10) {
                0 => break,
                1..=3 => {}
                _ => stage = (stage + 1).min(stages - 1),
            }
            if batch.len() == 1_000 {
                loaded += batch.len() as u64;
                store
                    .ingest_events(org_id, std::mem::take(&mut batch))
                    .await?;
            }
        }
    }
    if !batch.is_empty() {
        loaded += batch.len() as u64;
        store.ingest_events(org_id, batch).await?;
    }
    let load_s = loading.elapsed().as_secs_f64();

    let started = Instant::now();
    let stage_of: Vec<usize> = (0..stages)
        .flat_map(|s| std::iter::repeat_n(s, per_stage))
        .collect();
    let index: std::collections::HashMap<TouchpointId, usize> = touchpoints
        .iter()
        .flatten()
        .enumerate()
        .map(|(i, t)| (*t, i))
        .collect();
    let shape = Shape::new(stages, stage_of).context("shape")?;
    let repeat = Some(RepeatQuery {
        touchpoint: 0,
        stage: stages - 1,
    });
    let mut builder: PathsBuilder<CustomerId> = PathsBuilder::new(shape, MetricKind::Nps, repeat);
    let mut visits: Vec<usize> = Vec::new();
    let today = touchpoint_domain::period::day_of_ms(now);
    let events = store
        .journey_visits(
            org_id,
            journey.id,
            today - 366,
            today,
            |customer, touchpoints| {
                visits.clear();
                visits.extend(touchpoints.iter().filter_map(|t| index.get(t).copied()));
                builder.add_customer(customer, &visits);
            },
        )
        .await?;
    let report = builder.finish(10);
    let paths_s = started.elapsed().as_secs_f64();
    let memory = Memory::of(std::process::id())?;
    store.close().await;
    let out = Report {
        bench: "paths",
        backend: backend.to_owned(),
        customers: report.customers,
        events,
        distinct_paths: report.distinct_paths,
        load_s,
        paths_s,
        events_per_s: events as f64 / paths_s,
        peak_rss_mib: memory.hwm_mib(),
    };
    println!(
        "paths on {backend}: {} customers, {events} events ({loaded} loaded in {load_s:.1} s), {} distinct paths",
        out.customers, out.distinct_paths
    );
    println!(
        "  read + compute {paths_s:.2} s → {:.0} events/s; peak RSS {:.0} MiB (whole process)",
        out.events_per_s, out.peak_rss_mib
    );
    for (i, p) in report.top.iter().take(3).enumerate() {
        println!(
            "  #{} {} steps, {} customers ({:.1} %)",
            i + 1,
            p.steps.len(),
            p.customers,
            100.0 * p.share.value
        );
    }
    println!("{}", serde_json::to_string(&out)?);
    if args.database_url.is_none() {
        std::fs::remove_dir_all(&data_dir).ok();
    }
    Ok(events == loaded)
}
