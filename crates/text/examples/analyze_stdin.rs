//! What `touchpoint text analyze [--lang de|en]` does, until the CLI wires it:
//! `echo "Die Rechnung ist falsch" | cargo run -p touchpoint-text --release --example analyze_stdin [-- de]`

use std::io::{self, BufWriter};

use touchpoint_text::{Analyzer, Lang, commands};

fn main() {
    let hint: Option<Lang> = std::env::args().nth(1).and_then(|s| s.parse().ok());
    let stdin = io::stdin();
    let stdout = io::stdout();
    if let Err(e) = commands::analyze_stream(
        Analyzer::shared(),
        stdin.lock(),
        BufWriter::new(stdout.lock()),
        hint,
    ) {
        eprintln!("{e}");
        std::process::exit(1);
    }
}
