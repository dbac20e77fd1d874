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
TOUCHPOINT_TEXT__TAXONOMY_FILE, TOUCHPOINT_LOG__FILTER), then \
command-line flags. See docs/CONFIGURATION.md."
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
    /// Organisations (tenants) of this instance
    #[command(subcommand)]
    Organisation(OrganisationCommand),
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
