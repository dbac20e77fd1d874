//! Prints the demo responses as JSON lines, for eyeballing and for piping into tools:
//! `cargo run -p touchpoint-demo --example dump -- [count] [now_ms] [seed]`.

fn main() {
    let mut args = std::env::args().skip(1);
    let count = args
        .next()
        .and_then(|a| a.parse().ok())
        .unwrap_or(touchpoint_demo::DEFAULT_RESPONSES);
    // 2026-11-23 12:00 UTC unless given.
    let now_ms = args
        .next()
        .and_then(|a| a.parse().ok())
        .unwrap_or(1_795_435_200_000);
    let seed = args
        .next()
        .and_then(|a| a.parse().ok())
        .unwrap_or(touchpoint_demo::DEFAULT_SEED);
    for response in touchpoint_demo::responses(seed, now_ms, count) {
        match serde_json::to_string(&response) {
            Ok(line) => println!("{line}"),
            Err(e) => eprintln!("{e}"),
        }
    }
}
