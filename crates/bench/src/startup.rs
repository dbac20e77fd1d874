//! `startup`: cold start (spawn → first `200` from `/readyz`), idle RSS and graceful stop of
//! `touchpoint serve`, on an empty database and on one holding the demo data set.

use crate::server::{Binary, Memory, load_average, make_data_dir};
use crate::stats::Spread;
use crate::submit::ms;
use clap::Args;
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

#[derive(Debug, Args)]
pub struct StartupArgs {
    /// The touchpoint binary to start
    #[arg(long, default_value = "target/release/touchpoint")]
    binary: PathBuf,
    /// Starts per database
    #[arg(long, default_value_t = 10)]
    runs: usize,
    /// Keep the data directories afterwards
    #[arg(long)]
    keep: bool,
}

#[derive(Debug, Serialize)]
struct Case {
    database: &'static str,
    cold_start_ms: Spread,
    idle_rss_mib: Spread,
    stop_ms: Spread,
    last_memory: Option<Memory>,
}

#[derive(Debug, Serialize)]
struct Report {
    bench: &'static str,
    demo_load_s: f64,
    demo_database_bytes: u64,
    cases: Vec<Case>,
    load_average_after: f64,
}

pub async fn run(args: StartupArgs) -> anyhow::Result<bool> {
    let binary = Binary::new(&args.binary, None)?;
    let empty = make_data_dir(None, "startup-empty")?;
    binary.init(&empty)?;
    let demo = make_data_dir(None, "startup-demo")?;
    let demo_started = Instant::now();
    binary.demo(&demo)?;
    let demo_load_s = demo_started.elapsed().as_secs_f64();
    eprintln!("demo data loaded in {demo_load_s:.1} s");

    let mut cases = Vec::new();
    for (name, dir) in [("empty (initialised)", &empty), ("demo", &demo)] {
        cases.push(measure(&binary, name, dir, args.runs).await?);
    }
    let report = Report {
        bench: "startup",
        demo_load_s,
        demo_database_bytes: std::fs::metadata(demo.join("touchpoint.db")).map_or(0, |m| m.len()),
        cases,
        load_average_after: load_average(),
    };
    println!(
        "startup of touchpoint serve ({} runs each; the OS page cache is warm after the first run):",
        args.runs
    );
    for case in &report.cases {
        println!(
            "  {:<20} cold start median {:.1} ms (min {:.1}, max {:.1}); idle RSS median {:.1} MiB (max {:.1}); SIGTERM → exit median {:.1} ms",
            case.database,
            case.cold_start_ms.median,
            case.cold_start_ms.min,
            case.cold_start_ms.max,
            case.idle_rss_mib.median,
            case.idle_rss_mib.max,
            case.stop_ms.median,
        );
    }
    println!(
        "  machine load average (1 min) at the end {:.2}",
        report.load_average_after
    );
    println!("{}", serde_json::to_string(&report)?);
    if !args.keep {
        std::fs::remove_dir_all(&empty).ok();
        std::fs::remove_dir_all(&demo).ok();
    }
    Ok(true)
}

async fn measure(
    binary: &Binary,
    name: &'static str,
    dir: &Path,
    runs: usize,
) -> anyhow::Result<Case> {
    let mut starts = Vec::new();
    let mut rss = Vec::new();
    let mut stops = Vec::new();
    let mut last_memory = None;
    for _ in 0..runs {
        let mut server = binary.serve(dir)?;
        starts.push(ms(server.wait_ready(Duration::from_secs(60)).await?));
        // Idle: ready, one second without requests.
        tokio::time::sleep(Duration::from_secs(1)).await;
        let memory = server.memory()?;
        rss.push(memory.rss_mib());
        last_memory = Some(memory);
        stops.push(ms(server.stop()?));
    }
    Ok(Case {
        database: name,
        cold_start_ms: Spread::of(&starts),
        idle_rss_mib: Spread::of(&rss),
        stop_ms: Spread::of(&stops),
        last_memory,
    })
}
