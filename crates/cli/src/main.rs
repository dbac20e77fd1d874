//! `touchpoint`: the one binary. Parsing and dispatch only; the work lives in `commands/`.

mod cli;
mod commands;
mod config;
mod runtime;

use clap::Parser;

fn main() -> std::process::ExitCode {
    let args = cli::Cli::parse();
    match commands::run(args) {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
