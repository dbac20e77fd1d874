//! `customers-import`: generates a customer CSV once (1,000,000 rows by default, with
//! contact fields, consents and four typed attributes), then times `touchpoint import
//! customers` on it into a fresh database: rows per second and the importer's peak RSS
//! (VmHWM of its own process). A second run of the same file measures the idempotent replay.

use crate::server::{Binary, load_average, make_data_dir};
use anyhow::{Context, bail};
use clap::Args;
use rand::{Rng, SeedableRng};
use serde_json::{Value, json};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

#[derive(Debug, Args)]
pub struct CustomersImportArgs {
    /// The touchpoint binary to run
    #[arg(long, default_value = "target/release/touchpoint")]
    binary: PathBuf,
    /// Rows in the generated file
    #[arg(long, default_value_t = 1_000_000)]
    rows: u64,
    /// Reuse (or keep) the CSV at this path instead of a temporary one
    #[arg(long)]
    csv: Option<PathBuf>,
    /// PostgreSQL instead of a fresh SQLite file (an empty database)
    #[arg(long)]
    database_url: Option<String>,
    /// Also time a replay of the same file (every row unchanged)
    #[arg(long)]
    replay: bool,
    /// Keep the data directory afterwards
    #[arg(long)]
    keep: bool,
}

const SEGMENTS: [&str; 3] = ["Business", "Private", "Public"];
const PLANS: [&str; 4] = ["Basic", "Plus", "Premium", "Unlimited"];
const REGIONS: [&str; 5] = ["Nord", "Süd", "Ost", "West", "Mitte"];

fn generate(path: &Path, rows: u64) -> anyhow::Result<()> {
    let file =
        std::fs::File::create(path).with_context(|| format!("cannot create {}", path.display()))?;
    let mut out = BufWriter::with_capacity(1 << 20, file);
    let mut rng = rand::rngs::StdRng::seed_from_u64(42);
    writeln!(
        out,
        "external_id,name,email,phone,language,consent_email,consent_sms,segment,plan,region,customer_value,since"
    )?;
    for i in 0..rows {
        writeln!(
            out,
            "cust-{i:07},\"Kunde {i}\",kunde{i}@example.com,+4930{:07},{},{},{},{},{},{},{:.2},20{:02}-{:02}-{:02}",
            rng.random_range(0..10_000_000u32),
            if rng.random_bool(0.7) { "de" } else { "en" },
            rng.random_bool(0.6),
            rng.random_bool(0.3),
            SEGMENTS[rng.random_range(0..SEGMENTS.len())],
            PLANS[rng.random_range(0..PLANS.len())],
            REGIONS[rng.random_range(0..REGIONS.len())],
            rng.random_range(0.0..50_000.0f64),
            rng.random_range(10..26),
            rng.random_range(1..13),
            rng.random_range(1..29),
        )?;
    }
    out.flush()?;
    Ok(())
}

pub async fn run(args: CustomersImportArgs) -> anyhow::Result<bool> {
    let binary = Binary::new(&args.binary, args.database_url.clone())?;
    let dir = make_data_dir(None, "customers-import")?;
    let csv = args
        .csv
        .clone()
        .unwrap_or_else(|| dir.join("customers.csv"));
    if !csv.exists() {
        let started = Instant::now();
        generate(&csv, args.rows)?;
        eprintln!(
            "generated {} rows ({} MB) in {:.1} s",
            args.rows,
            std::fs::metadata(&csv).map_or(0, |m| m.len()) / 1_000_000,
            started.elapsed().as_secs_f64()
        );
    }
    binary.init(&dir)?;
    let import_args = [
        "--map",
        "segment=segment:string",
        "--map",
        "plan=plan:string",
        "--map",
        "region=region:string",
        "--map",
        "customer_value=customer_value:number",
        "--map",
        "since=since:date",
        "--declare",
    ];
    let mut runs = Vec::new();
    let passes = if args.replay { 2 } else { 1 };
    for pass in 0..passes {
        let started = Instant::now();
        let (status, summary) = binary.import_customers(
            &dir,
            &csv,
            if pass == 0 {
                &import_args
            } else {
                &import_args[..10]
            },
        )?;
        let wall = started.elapsed().as_secs_f64();
        if !status.success() {
            bail!("the import failed ({status}): {summary}");
        }
        let rows = summary["rows"].as_u64().unwrap_or(0);
        eprintln!(
            "{}: {rows} rows in {wall:.1} s → {:.0} rows/s; inserted {}, unchanged {}, rejected {}; peak RSS {:.0} MiB",
            if pass == 0 { "import" } else { "replay" },
            rows as f64 / wall,
            summary["inserted"],
            summary["unchanged"],
            summary["rejected"],
            summary["peak_rss_bytes"].as_f64().unwrap_or(0.0) / 1_048_576.0
        );
        runs.push(json!({
            "pass": if pass == 0 { "import" } else { "replay" },
            "wall_seconds": wall,
            "rows_per_second": rows as f64 / wall,
            "summary": Value::Object(
                summary.as_object().cloned().unwrap_or_default().into_iter()
                    .filter(|(k, _)| k != "errors").collect()
            ),
        }));
    }
    let report = json!({
        "bench": "customers-import",
        "rows": args.rows,
        "database": if args.database_url.is_some() { "postgres" } else { "sqlite" },
        "database_bytes": std::fs::metadata(dir.join("touchpoint.db")).map_or(0, |m| m.len()),
        "runs": runs,
        "load_average_after": load_average(),
    });
    println!("{report}");
    if !args.keep {
        let _ = std::fs::remove_dir_all(&dir);
    }
    Ok(true)
}
