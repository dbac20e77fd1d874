//! `touchpoint text …`: the text-analytics engine from the command line.

use crate::cli::TextCommand;
use std::process::ExitCode;

pub fn run(command: TextCommand) -> anyhow::Result<ExitCode> {
    match command {
        TextCommand::Analyze { .. } | TextCommand::Eval { .. } | TextCommand::Train { .. } => {
            anyhow::bail!("text analytics is being wired in")
        }
    }
}
