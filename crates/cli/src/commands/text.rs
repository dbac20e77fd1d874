//! `touchpoint text …`: the text-analytics engine from the command line.

use crate::cli::{EvalFormatArg, LangArg, TextCommand};
use anyhow::Context;
use std::path::Path;
use std::process::ExitCode;
use touchpoint_text::commands::{EvalFormat, TrainCommandOptions, analyze_stream, eval, train};
use touchpoint_text::{Analyzer, Lang};

/// The built-in engine, or one loaded from a trained model directory.
enum Engine {
    Shared,
    Loaded(Box<Analyzer>),
}

impl Engine {
    fn get(&self) -> &Analyzer {
        match self {
            Engine::Shared => Analyzer::shared(),
            Engine::Loaded(analyzer) => analyzer,
        }
    }
}

fn analyzer(model: Option<&Path>) -> anyhow::Result<Engine> {
    match model {
        Some(dir) => Analyzer::from_dir(dir)
            .map(|a| Engine::Loaded(Box::new(a)))
            .with_context(|| format!("cannot load the model in {}", dir.display())),
        None => Ok(Engine::Shared),
    }
}

pub fn run(command: TextCommand) -> anyhow::Result<ExitCode> {
    match command {
        TextCommand::Analyze { lang, model } => {
            let analyzer = analyzer(model.as_deref())?;
            let hint = lang.map(|l| match l {
                LangArg::De => Lang::De,
                LangArg::En => Lang::En,
            });
            let stdin = std::io::stdin().lock();
            let stdout = std::io::BufWriter::new(std::io::stdout().lock());
            analyze_stream(analyzer.get(), stdin, stdout, hint)
                .context("reading or writing failed")?;
            Ok(ExitCode::SUCCESS)
        }
        TextCommand::Eval {
            format,
            path,
            model,
            json,
        } => {
            let analyzer = analyzer(model.as_deref())?;
            let format = match format {
                EvalFormatArg::Germeval => EvalFormat::Germeval,
                EvalFormatArg::Sb10k => EvalFormat::Sb10k,
                EvalFormatArg::Potts => EvalFormat::Potts,
                EvalFormatArg::VaderSnippets => EvalFormat::VaderSnippets,
            };
            let report = eval(format, &path, analyzer.get())
                .with_context(|| format!("cannot evaluate {}", path.display()))?;
            if json {
                println!("{}", serde_json::to_string_pretty(&report)?);
            } else {
                println!("{report}");
            }
            Ok(ExitCode::SUCCESS)
        }
        TextCommand::Train { input, out } => {
            let summary = train(&input, &out, &TrainCommandOptions::default())
                .with_context(|| format!("cannot train from {}", input.display()))?;
            println!("{summary}");
            Ok(ExitCode::SUCCESS)
        }
    }
}
