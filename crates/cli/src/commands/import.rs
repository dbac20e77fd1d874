//! `touchpoint import customers FILE.csv`: streams a CSV file into the customer directory in
//! chunks, through the same validation and upsert path as `POST /api/v1/customers/bulk`
//! (`Store::import_customers`), and reports inserted, updated, unchanged and rejected rows with
//! line numbers and reasons.

use crate::cli::{EncodingArg, ImportCommand, ImportCustomersArgs};
use crate::config::Config;
use crate::runtime::open_store_for;
use anyhow::{Context, bail};
use serde_json::{Map, Value, json};
use std::io::IsTerminal;
use std::process::ExitCode;
use std::time::{Duration, Instant};
use touchpoint_domain::customer::prepare_batch;
use touchpoint_domain::{
    AttributeDefinition, AttributeType, BatchReport, CustomerDraft, FieldError, LineError, OrgId,
};
use touchpoint_store::{AuditContext, Interface, Store, WriteProfile};

/// The longest field accepted; a longer one rejects its row.
pub const MAX_FIELD_BYTES: usize = 1024 * 1024;
/// Rejections printed in the summary; `--errors-to` gets all of them.
const SHOWN_REJECTIONS: usize = 20;
/// Exit code when some rows were rejected (the others are stored).
const EXIT_REJECTED: u8 = 3;

const FIELDS: [&str; 7] = [
    "email",
    "phone",
    "name",
    "language",
    "consent_email",
    "consent_sms",
    "consent_in_app",
];

pub async fn run(config: &Config, command: ImportCommand) -> anyhow::Result<ExitCode> {
    match command {
        ImportCommand::Customers(args) => customers(config, args).await,
    }
}

/// Where a column goes.
#[derive(Debug, Clone, PartialEq)]
enum Target {
    ExternalId,
    Field(&'static str),
    Attribute(String),
}

/// The resolved mapping: for each target, the column index it reads.
#[derive(Debug)]
struct Mapping {
    columns: Vec<(usize, Target)>,
    width: usize,
    /// Attributes to declare, with the type given in `--map` if any.
    undeclared: Vec<(String, Option<AttributeType>)>,
    ignored: Vec<String>,
}

fn parse_map(raw: &str) -> anyhow::Result<(String, String, Option<AttributeType>)> {
    let (column, target) = raw
        .split_once('=')
        .with_context(|| format!("--map {raw}: expected COLUMN=TARGET[:TYPE]"))?;
    let (target, t) = match target.split_once(':') {
        Some((target, t)) => (
            target,
            Some(AttributeType::parse(t).with_context(|| {
                format!("--map {raw}: type must be string, number, date or boolean")
            })?),
        ),
        None => (target, None),
    };
    Ok((column.to_owned(), target.to_owned(), t))
}

fn resolve_mapping(
    header: &[String],
    args: &ImportCustomersArgs,
    definitions: &[AttributeDefinition],
) -> anyhow::Result<Mapping> {
    let index = |column: &str| -> anyhow::Result<usize> {
        header.iter().position(|h| h == column).with_context(|| {
            format!(
                "the file has no column '{column}'; its columns are: {}",
                header.join(", ")
            )
        })
    };
    let mut columns = vec![(index(&args.external_id_column)?, Target::ExternalId)];
    let mut undeclared = Vec::new();
    for raw in &args.map {
        let (column, target, t) = parse_map(raw)?;
        let at = index(&column)?;
        let target = if target == "external_id" {
            bail!("--map {raw}: use --external-id-column {column}")
        } else if let Some(field) = FIELDS.iter().find(|f| **f == target) {
            if t.is_some() {
                bail!("--map {raw}: {target} is a field, not an attribute; it takes no type");
            }
            Target::Field(field)
        } else {
            if !touchpoint_domain::customer::is_valid_key(&target) {
                bail!(
                    "--map {raw}: '{target}' is not a valid attribute key (a–z, 0–9, _, starting with a letter)"
                );
            }
            match definitions.iter().find(|d| d.key == target) {
                Some(d) if t.is_some_and(|t| t != d.attribute_type) => bail!(
                    "--map {raw}: '{target}' is declared as {}, not {}",
                    d.attribute_type,
                    t.map(|t| t.as_str()).unwrap_or_default()
                ),
                Some(_) => {}
                None if args.declare => undeclared.push((target.clone(), t)),
                None => bail!(
                    "attribute '{target}' is not declared; declare it (POST /api/v1/customer-attributes) or pass --declare"
                ),
            }
            Target::Attribute(target)
        };
        if columns.iter().any(|(_, t)| *t == target) {
            bail!("--map {raw}: {target:?} is mapped twice");
        }
        columns.push((at, target));
    }
    // Columns named like a field map to it unless something else was mapped there.
    for field in FIELDS {
        let target = Target::Field(field);
        if !columns.iter().any(|(_, t)| *t == target)
            && let Some(at) = header.iter().position(|h| h == field)
            && !columns.iter().any(|(i, _)| *i == at)
        {
            columns.push((at, target));
        }
    }
    let ignored = header
        .iter()
        .enumerate()
        .filter(|(i, _)| !columns.iter().any(|(c, _)| c == i))
        .map(|(_, h)| h.clone())
        .collect();
    Ok(Mapping {
        columns,
        width: header.len(),
        undeclared,
        ignored,
    })
}

/// Decodes one field. Latin-1 maps every byte to the code point of the same number.
fn decode(bytes: &[u8], encoding: EncodingArg) -> Result<String, String> {
    match encoding {
        EncodingArg::Latin1 => Ok(bytes.iter().map(|b| char::from(*b)).collect()),
        EncodingArg::Utf8 => std::str::from_utf8(bytes).map(str::to_owned).map_err(|e| {
            format!(
                "is not valid UTF-8 (byte {} of the field); if the file is Latin-1, pass --encoding latin1",
                e.valid_up_to() + 1
            )
        }),
    }
}

/// One CSV record as a customer draft, or the reasons it cannot be one.
fn draft_of(
    record: &csv::ByteRecord,
    mapping: &Mapping,
    header: &[String],
    encoding: EncodingArg,
) -> Result<CustomerDraft, FieldError> {
    if record.len() != mapping.width {
        return Err(FieldError::new(
            "",
            format!(
                "the row has {} fields, the header has {}",
                record.len(),
                mapping.width
            ),
        ));
    }
    let mut draft = CustomerDraft::default();
    let mut attributes = Map::new();
    for (at, target) in &mapping.columns {
        let bytes = record.get(*at).unwrap_or_default();
        let column = &header[*at];
        if bytes.len() > MAX_FIELD_BYTES {
            return Err(FieldError::new(
                column.clone(),
                format!(
                    "the field has {} bytes; at most {MAX_FIELD_BYTES} are accepted",
                    bytes.len()
                ),
            ));
        }
        let text = decode(bytes, encoding).map_err(|m| FieldError::new(column.clone(), m))?;
        match target {
            Target::ExternalId => draft.external_id = Some(text),
            Target::Field("email") => draft.email = Some(text),
            Target::Field("phone") => draft.phone = Some(text),
            Target::Field("name") => draft.name = Some(text),
            Target::Field("language") => draft.language = Some(text),
            Target::Field("consent_email") => draft.consent_email = Some(Value::String(text)),
            Target::Field("consent_sms") => draft.consent_sms = Some(Value::String(text)),
            Target::Field("consent_in_app") => draft.consent_in_app = Some(Value::String(text)),
            Target::Field(_) => {}
            Target::Attribute(key) => {
                attributes.insert(key.clone(), Value::String(text));
            }
        }
    }
    draft.attributes = attributes;
    Ok(draft)
}

/// Peak resident memory of this process (Linux), for the summary and the benchmark.
pub fn peak_rss_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

/// Progress: a bar on a terminal, a plain line every few seconds otherwise.
struct Progress {
    bar: Option<indicatif::ProgressBar>,
    last: Instant,
}

impl Progress {
    fn new(total_bytes: u64) -> Progress {
        let bar = std::io::stderr().is_terminal().then(|| {
            let bar = indicatif::ProgressBar::new(total_bytes);
            if let Ok(style) = indicatif::ProgressStyle::with_template(
                "{bar:40} {percent:>3}% {msg} ({elapsed}, about {eta} left)",
            ) {
                bar.set_style(style);
            }
            bar
        });
        Progress {
            bar,
            last: Instant::now(),
        }
    }

    fn update(&mut self, byte: u64, rows: u64, rejected: u64) {
        match &self.bar {
            Some(bar) => {
                bar.set_position(byte);
                bar.set_message(format!("{rows} rows, {rejected} rejected"));
            }
            None if self.last.elapsed() >= Duration::from_secs(5) => {
                self.last = Instant::now();
                eprintln!("… {rows} rows read, {rejected} rejected so far");
            }
            None => {}
        }
    }

    fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

/// Totals plus the first rejections and, with `--errors-to`, all of them on disk.
struct Tally {
    report: BatchReport,
    errors_to: Option<csv::Writer<std::fs::File>>,
}

impl Tally {
    fn add(&mut self, chunk: BatchReport) -> anyhow::Result<()> {
        if let Some(writer) = &mut self.errors_to {
            for rejection in &chunk.errors {
                for error in &rejection.errors {
                    writer.write_record([
                        rejection.line.to_string().as_str(),
                        rejection.external_id.as_deref().unwrap_or(""),
                        &error.field,
                        &error.message,
                    ])?;
                }
            }
        }
        let room = SHOWN_REJECTIONS.saturating_sub(self.report.errors.len());
        self.report.inserted += chunk.inserted;
        self.report.updated += chunk.updated;
        self.report.unchanged += chunk.unchanged;
        self.report.rejected += chunk.rejected;
        self.report
            .errors
            .extend(chunk.errors.into_iter().take(room));
        Ok(())
    }
}

type Lines = Vec<(u64, Result<CustomerDraft, FieldError>)>;

/// Where chunks go: the store, or (dry run) only the validation.
enum Sink {
    Store(Store, OrgId),
    DryRun(Vec<AttributeDefinition>),
}

impl Sink {
    async fn write(&self, lines: Lines) -> anyhow::Result<BatchReport> {
        match self {
            Sink::Store(store, org_id) => Ok(store.import_customers(*org_id, lines).await?),
            Sink::DryRun(definitions) => {
                let batch = prepare_batch(lines, definitions);
                Ok(BatchReport {
                    inserted: batch.valid.len() as u64,
                    unchanged: batch.repeated.len() as u64,
                    rejected: batch.rejected.len() as u64,
                    errors: batch.rejected,
                    ..BatchReport::default()
                })
            }
        }
    }
}

async fn organisation(store: &Store, wanted: Option<&str>) -> anyhow::Result<OrgId> {
    let ids = store.organisation_ids().await?;
    match wanted {
        Some(raw) => {
            let id: OrgId = raw.parse().context("--org must be an organisation id")?;
            if !ids.contains(&id) {
                bail!("no organisation {id} in this database");
            }
            Ok(id)
        }
        None => match ids.as_slice() {
            [] => bail!("the database is not initialised; run `touchpoint init` first"),
            [one] => Ok(*one),
            _ => bail!("the database holds several organisations; name one with --org"),
        },
    }
}

fn cli_context() -> AuditContext {
    AuditContext {
        user_id: None,
        token_id: None,
        interface: Interface::Cli,
        address: None,
    }
}

async fn customers(config: &Config, args: ImportCustomersArgs) -> anyhow::Result<ExitCode> {
    let started = Instant::now();
    let file = std::fs::File::open(&args.file)
        .with_context(|| format!("cannot open {}", args.file.display()))?;
    let size = file.metadata().map(|m| m.len()).unwrap_or(0);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(std::io::BufReader::with_capacity(1 << 20, file));
    let mut record = csv::ByteRecord::new();
    let read = |reader: &mut csv::Reader<_>, record: &mut csv::ByteRecord| {
        reader
            .read_byte_record(record)
            .with_context(|| format!("cannot read {}", args.file.display()))
    };
    if !read(&mut reader, &mut record)? {
        bail!("{} is empty: a header row is required", args.file.display());
    }
    let mut header = Vec::with_capacity(record.len());
    for (i, bytes) in record.iter().enumerate() {
        let bytes = if i == 0 {
            bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes)
        } else {
            bytes
        };
        let name = decode(bytes, args.encoding)
            .map_err(|m| anyhow::anyhow!("line 1 (the header), column {}: {m}", i + 1))?;
        header.push(name.trim().to_owned());
    }

    // The import's own writer: statement journals in memory, rarer checkpoints; still
    // synchronous = FULL, so every committed chunk is durable.
    let store = open_store_for(config, WriteProfile::BulkImport).await?;
    let org_id = organisation(&store, args.org.as_deref()).await?;
    let mut definitions = store.attribute_definitions(org_id).await?;
    let mapping = resolve_mapping(&header, &args, &definitions)?;
    if !mapping.ignored.is_empty() {
        eprintln!("ignoring unmapped columns: {}", mapping.ignored.join(", "));
    }

    let chunk_size = args.chunk as usize;
    let mut pending: Lines = Vec::with_capacity(chunk_size);
    let mut fill = |reader: &mut csv::Reader<_>, pending: &mut Lines| -> anyhow::Result<bool> {
        while pending.len() < chunk_size {
            match reader.read_byte_record(&mut record) {
                Ok(false) => return Ok(false),
                Ok(true) => {
                    let line = record.position().map(|p| p.line()).unwrap_or(0);
                    pending.push((line, draft_of(&record, &mapping, &header, args.encoding)));
                }
                Err(error) => {
                    // A broken record (say, an unterminated quote at the end): reject it, go on.
                    let line = error.position().map(|p| p.line()).unwrap_or(0);
                    pending.push((
                        line,
                        Err(FieldError::new("", format!("unreadable CSV: {error}"))),
                    ));
                    return Ok(false);
                }
            }
        }
        Ok(true)
    };
    let mut more = fill(&mut reader, &mut pending)?;

    // Declare what --declare asked for, typed from --map or from the first chunk's values.
    for (key, given) in &mapping.undeclared {
        let at = mapping
            .columns
            .iter()
            .find(|(_, t)| *t == Target::Attribute(key.clone()))
            .map(|(i, _)| header[*i].clone())
            .unwrap_or_default();
        let samples: Vec<String> = pending
            .iter()
            .filter_map(|(_, d)| d.as_ref().ok())
            .filter_map(|d| d.attributes.get(key).and_then(Value::as_str))
            .map(str::to_owned)
            .collect();
        let attribute_type =
            given.unwrap_or_else(|| AttributeType::infer(samples.iter().map(String::as_str)));
        let definition = AttributeDefinition {
            key: key.clone(),
            label: at,
            attribute_type,
        };
        if !args.dry_run {
            store
                .define_attribute(org_id, &definition, &cli_context())
                .await?;
        }
        eprintln!(
            "{} attribute '{key}' as {attribute_type}",
            if args.dry_run {
                "would declare"
            } else {
                "declared"
            }
        );
        definitions.push(definition);
    }

    let sink = if args.dry_run {
        Sink::DryRun(definitions)
    } else {
        Sink::Store(store.clone(), org_id)
    };
    let errors_to = match &args.errors_to {
        Some(path) => {
            let mut writer = csv::Writer::from_path(path)
                .with_context(|| format!("cannot create {}", path.display()))?;
            writer.write_record(["line", "external_id", "field", "message"])?;
            Some(writer)
        }
        None => None,
    };
    let mut tally = Tally {
        report: BatchReport::default(),
        errors_to,
    };
    let mut progress = Progress::new(size);
    // Read the next chunk while the previous one is written.
    let sink = std::sync::Arc::new(sink);
    let mut writing: Option<tokio::task::JoinHandle<anyhow::Result<BatchReport>>> = None;
    loop {
        // Wait for the previous chunk before handing over the next (one writer at a time), then
        // parse the one after while this one is written.
        if let Some(previous) = writing.take() {
            tally.add(previous.await.context("the import task failed")??)?;
        }
        let lines = std::mem::replace(&mut pending, Vec::with_capacity(chunk_size));
        if lines.is_empty() {
            break;
        }
        let writer = sink.clone();
        writing = Some(tokio::spawn(async move { writer.write(lines).await }));
        if more {
            more = fill(&mut reader, &mut pending)?;
        }
        let byte = reader.position().byte();
        progress.update(byte, tally.report.total(), tally.report.rejected);
    }
    progress.finish();
    if let Some(mut writer) = tally.errors_to.take() {
        writer.flush()?;
    }
    let report = tally.report;
    if !args.dry_run {
        let entry =
            touchpoint_server::api::customers::bulk_audit_entry(org_id, "customer.import", &report);
        store.append_audit(&cli_context(), &entry).await?;
    }
    store.close().await;
    let seconds = started.elapsed().as_secs_f64();
    let rows = report.total();
    let peak = peak_rss_bytes();
    if args.json {
        println!(
            "{}",
            json!({
                "file": args.file.display().to_string(), "dry_run": args.dry_run,
                "rows": rows, "inserted": report.inserted, "updated": report.updated,
                "unchanged": report.unchanged, "rejected": report.rejected,
                "seconds": seconds, "rows_per_second": rows as f64 / seconds.max(1e-9),
                "peak_rss_bytes": peak, "errors": report.errors,
            })
        );
    } else {
        print_summary(&args, &report, seconds, peak);
    }
    Ok(if report.rejected == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(EXIT_REJECTED)
    })
}

fn print_summary(
    args: &ImportCustomersArgs,
    report: &BatchReport,
    seconds: f64,
    peak: Option<u64>,
) {
    let rows = report.total();
    println!(
        "{}{}: {rows} rows — inserted {}, updated {}, unchanged {}, rejected {} ({seconds:.1} s, {:.0} rows/s{})",
        if args.dry_run {
            "dry run, nothing stored — "
        } else {
            ""
        },
        args.file.display(),
        report.inserted,
        report.updated,
        report.unchanged,
        report.rejected,
        rows as f64 / seconds.max(1e-9),
        peak.map(|p| format!(", peak memory {} MB", p / (1024 * 1024)))
            .unwrap_or_default(),
    );
    for LineError {
        line,
        external_id,
        errors,
    } in &report.errors
    {
        let who = external_id
            .as_deref()
            .map(|id| format!(" ({id})"))
            .unwrap_or_default();
        let reasons: Vec<String> = errors
            .iter()
            .map(|e| {
                if e.field.is_empty() {
                    e.message.clone()
                } else {
                    format!("{}: {}", e.field, e.message)
                }
            })
            .collect();
        println!("  line {line}{who}: {}", reasons.join("; "));
    }
    if report.rejected as usize > report.errors.len() {
        println!(
            "  … and {} more rejected rows{}",
            report.rejected as usize - report.errors.len(),
            if args.errors_to.is_some() {
                " (all of them are in the --errors-to file)"
            } else {
                "; pass --errors-to FILE.csv for all of them"
            }
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn parses_map_arguments() {
        assert_eq!(
            parse_map("MonthlyCharges=monthly:number").expect("valid"),
            (
                "MonthlyCharges".into(),
                "monthly".into(),
                Some(AttributeType::Number)
            )
        );
        assert_eq!(
            parse_map("Contract=contract").expect("valid"),
            ("Contract".into(), "contract".into(), None)
        );
        assert!(parse_map("nothing").is_err());
        assert!(parse_map("a=b:money").is_err());
    }

    #[test]
    fn decodes_latin1_and_names_bad_utf8() {
        assert_eq!(
            decode(b"M\xfcller", EncodingArg::Latin1).as_deref(),
            Ok("Müller")
        );
        let error = decode(b"M\xfcller", EncodingArg::Utf8).expect_err("not UTF-8");
        assert!(
            error.contains("byte 2") && error.contains("--encoding latin1"),
            "{error}"
        );
    }

    proptest! {
        #[test]
        fn latin1_decoding_is_lossless(bytes in proptest::collection::vec(any::<u8>(), 0..64)) {
            let text = decode(&bytes, EncodingArg::Latin1).expect("always");
            let back: Vec<u8> = text.chars().map(|c| c as u32 as u8).collect();
            prop_assert_eq!(back, bytes);
        }

        #[test]
        fn utf8_decoding_accepts_exactly_valid_utf8(bytes in proptest::collection::vec(any::<u8>(), 0..64)) {
            prop_assert_eq!(
                decode(&bytes, EncodingArg::Utf8).is_ok(),
                std::str::from_utf8(&bytes).is_ok()
            );
        }
    }
}
