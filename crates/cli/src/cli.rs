//! Command-line interface. Every command accepts `--data-dir`, `--database-url` and
//! `--config`, before or after the subcommand.

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(
    name = "touchpoint",
    version,
    about = "Touchpoint — self-hosted customer experience management",
    long_about = "Touchpoint listens to customers at every touchpoint (surveys, events, comments), \
measures NPS, CSAT and CES with honest confidence intervals, and helps teams act on what they hear.\n\n\
Configuration is layered: built-in defaults, then a TOML file (--config, or ./touchpoint.toml when \
present), then TOUCHPOINT_* environment variables (TOUCHPOINT_DATA_DIR, TOUCHPOINT_DATABASE_URL, \
TOUCHPOINT_DATABASE_MAX_CONNECTIONS, TOUCHPOINT_SERVER__LISTEN, TOUCHPOINT_SERVER__PUBLIC_URL, \
TOUCHPOINT_SERVER__MAX_BODY_BYTES, TOUCHPOINT_SERVER__SESSION_HOURS, TOUCHPOINT_TEXT__MODEL_DIR, \
TOUCHPOINT_TEXT__TAXONOMY_FILE, TOUCHPOINT_MAIL__HOST, TOUCHPOINT_MAIL__PORT, TOUCHPOINT_MAIL__TLS \
(none|starttls|tls), TOUCHPOINT_MAIL__USERNAME, TOUCHPOINT_MAIL__PASSWORD, TOUCHPOINT_MAIL__FROM, \
TOUCHPOINT_LOG__FILTER), then \
command-line flags. Without [mail] host, mail is queued but not sent (docs/MAIL.md). \
See docs/CONFIGURATION.md."
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Args, Clone)]
pub struct GlobalArgs {
    /// Directory for Touchpoint's files; the SQLite database lives here [default: ./data]
    #[arg(long, global = true, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// Database URL: sqlite:PATH or postgres://user:pass@host/db [default: SQLite in the data directory]
    #[arg(long, global = true, value_name = "URL")]
    pub database_url: Option<String>,
    /// Configuration file (TOML) [default: ./touchpoint.toml when present]
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the HTTP server and the background workers in one process (stops cleanly on SIGTERM/SIGINT)
    Serve {
        /// Address to listen on [default: 127.0.0.1:8080]
        #[arg(long, value_name = "ADDR")]
        listen: Option<String>,
    },
    /// Create the organisation, its first admin user and an API token (refuses if already initialised)
    Init {
        /// E-mail address of the first admin (the sign-in name)
        #[arg(long)]
        email: String,
        /// Read the admin password from standard input (one line; at least 10 characters)
        #[arg(long, required = true)]
        password_stdin: bool,
        /// Name of the organisation
        #[arg(long, default_value = "My Company")]
        org_name: String,
        /// Print {"org_id", "user_id", "api_token"} as JSON
        #[arg(long)]
        json: bool,
    },
    /// Create (or reuse) a demo data directory with a demo organisation and realistic data, then serve it
    Demo {
        /// Address to listen on [default: 127.0.0.1:8080]
        #[arg(long, value_name = "ADDR")]
        listen: Option<String>,
        /// Number of demo responses to generate on first start
        #[arg(long, default_value_t = touchpoint_demo::DEFAULT_RESPONSES)]
        responses: usize,
        /// Seed of the demo generator (same seed and day → same data)
        #[arg(long, default_value_t = touchpoint_demo::DEFAULT_SEED)]
        seed: u64,
        /// Load the demo data and exit instead of serving
        #[arg(long)]
        no_serve: bool,
    },
    /// Apply pending database migrations and exit
    Migrate,
    /// Check that the maintained metric rollups equal a recomputation from raw responses
    VerifyRollups,
    /// Text analytics: analyse comments, evaluate on labelled data, train a model
    #[command(subcommand)]
    Text(TextCommand),
    /// Import data from files (customers from CSV)
    #[command(subcommand)]
    Import(ImportCommand),
    /// Organisations (tenants) of this instance
    #[command(subcommand)]
    Organisation(OrganisationCommand),
}

#[derive(Debug, Subcommand)]
pub enum ImportCommand {
    /// Upsert customers from a CSV file (header row required), idempotent by external id.
    /// Exit code 0: every row stored; 3: some rows rejected (the others are stored); 1: nothing
    /// could be imported (unreadable file, missing column, undeclared attribute…)
    Customers(ImportCustomersArgs),
}

#[derive(Debug, Args)]
pub struct ImportCustomersArgs {
    /// The CSV file (comma-separated, optional UTF-8 byte order mark, quoted fields may span lines)
    pub file: PathBuf,
    /// COLUMN=TARGET[:TYPE]: store a column as a field (email, phone, name, language,
    /// consent_email, consent_sms, consent_in_app) or as an attribute; TYPE (string, number,
    /// date, boolean) for attributes declared by --declare. Columns named like a field are
    /// mapped without this; other unmapped columns are ignored
    #[arg(long = "map", value_name = "COLUMN=TARGET[:TYPE]")]
    pub map: Vec<String>,
    /// The column holding the customer's external id
    #[arg(long, default_value = "external_id", value_name = "COLUMN")]
    pub external_id_column: String,
    /// Character encoding of the file
    #[arg(long, value_enum, default_value_t = EncodingArg::Utf8)]
    pub encoding: EncodingArg,
    /// Declare mapped attributes that are not declared yet (type from --map or inferred from the first rows)
    #[arg(long)]
    pub declare: bool,
    /// Validate every row and report, but store nothing
    #[arg(long)]
    pub dry_run: bool,
    /// Write every rejected row (line, external_id, field, message) to this CSV file
    #[arg(long, value_name = "FILE")]
    pub errors_to: Option<PathBuf>,
    /// The organisation to import into (needed only when the database holds several)
    #[arg(long, value_name = "ORG_ID")]
    pub org: Option<String>,
    /// Rows per transaction
    #[arg(long, default_value_t = 5_000, value_parser = clap::value_parser!(u64).range(1..=10_000))]
    pub chunk: u64,
    /// Print the summary as one JSON object on standard output
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum EncodingArg {
    Utf8,
    Latin1,
}

#[derive(Debug, Subcommand)]
pub enum OrganisationCommand {
    /// Create one more organisation with its owner, default departments and a first API token
    /// (printed once). The owner's password comes from TOUCHPOINT_OWNER_PASSWORD or, with
    /// --password-stdin, from one line of standard input.
    Create {
        /// Name of the organisation
        #[arg(long)]
        name: String,
        /// E-mail address of the owner (the sign-in name; unique across the instance)
        #[arg(long)]
        owner_email: String,
        /// Display name of the owner [default: the e-mail's local part]
        #[arg(long)]
        owner_name: Option<String>,
        /// Read the owner's password from standard input instead of TOUCHPOINT_OWNER_PASSWORD
        #[arg(long)]
        password_stdin: bool,
        /// Print {"org_id", "user_id", "api_token"} as JSON
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum TextCommand {
    /// Read texts from standard input (one per line, plain or {"text": …}) and write one JSON analysis per line
    Analyze {
        /// Force the language instead of detecting it
        #[arg(long, value_enum)]
        lang: Option<LangArg>,
        /// Load a trained model directory instead of the built-in model
        #[arg(long, value_name = "DIR")]
        model: Option<PathBuf>,
    },
    /// Evaluate sentiment on a labelled data set and print F1 scores and the confusion matrix
    Eval {
        /// Format of the data set
        #[arg(long, value_enum)]
        format: EvalFormatArg,
        /// Path of the data set file
        path: PathBuf,
        /// Load a trained model directory instead of the built-in model
        #[arg(long, value_name = "DIR")]
        model: Option<PathBuf>,
        /// Print the report as JSON
        #[arg(long)]
        json: bool,
    },
    /// Train a sentiment model from labelled examples (text<TAB>label per line)
    Train {
        /// Labelled examples: text<TAB>negative|neutral|positive
        #[arg(long, value_name = "FILE")]
        input: PathBuf,
        /// Directory to write the model to
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
    },
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum LangArg {
    De,
    En,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum EvalFormatArg {
    Germeval,
    Sb10k,
    Potts,
    VaderSnippets,
}
