//! Micro benchmark: model load time, resident memory of the loaded engine, and comments/s
//! for `analyze` on one core and `analyze_batch` on all cores, over a generated mix of
//! German and English comments (median 25 words).
//!
//! `cargo run -p touchpoint-text --release --example bench`

use std::time::Instant;

use touchpoint_text::Analyzer;

const DE: &[&str] = &[
    "Der Service war super freundlich und hat mir schnell geholfen.",
    "Leider kam die Lieferung drei Tage zu spät und niemand hat sich gemeldet.",
    "Die Rechnung ist unverständlich, ich wurde doppelt abgebucht.",
    "Die App stürzt ständig ab, besonders beim Einloggen.",
    "Ich hing 40 Minuten in der Warteschleife, das ist eine Zumutung!!",
    "Preis und Leistung stimmen, ich kann den Tarif nur empfehlen.",
    "Der Berater hatte keine Ahnung und hat mich falsch beraten.",
    "Alles bestens, vielen Dank an das Team 👍",
    "Kündigung wurde nach zwei Wochen immer noch nicht bestätigt.",
    "Die Hotline ist kaum erreichbar, aber der Chat funktioniert gut.",
    "Paket war beschädigt und der Inhalt kaputt.",
    "Ich habe eine Frage zu meinem Vertrag und der nächsten Abrechnung.",
];
const EN: &[&str] = &[
    "The staff were friendly but the invoice was wrong again.",
    "Delivery was quick and the package arrived in perfect condition.",
    "I waited on hold for an hour and nobody called me back.",
    "The website is confusing and the checkout keeps crashing.",
    "Great value for money, would definitely recommend!",
    "Support had no idea how to fix my problem :(",
    "My refund still has not been processed after three weeks.",
    "Not bad at all, the new app is much easier to use.",
    "The product stopped working after two days, very disappointed.",
    "Thanks for the fast response and the clear explanation.",
];

fn rss_kb() -> Option<u64> {
    let s = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = s.lines().find(|l| l.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn corpus(n: usize) -> Vec<String> {
    let mut seed: u64 = 42;
    let mut next = move |m: usize| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        (seed % m as u64) as usize
    };
    (0..n)
        .map(|i| {
            let pool = if i % 3 == 2 { EN } else { DE };
            // Two or three sentences: about 25 words per comment.
            let k = 2 + next(2);
            (0..k)
                .map(|_| pool[next(pool.len())])
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect()
}

fn main() {
    let rss_before = rss_kb();
    let t = Instant::now();
    let analyzer = match Analyzer::new() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(1);
        }
    };
    let load = t.elapsed();
    let rss_after = rss_kb();
    let texts = corpus(20_000);
    let mut words: Vec<usize> = texts.iter().map(|t| t.split_whitespace().count()).collect();
    words.sort_unstable();
    let median = words[words.len() / 2];

    // Warm-up, then one core.
    for t in texts.iter().take(500) {
        std::hint::black_box(analyzer.analyze(t));
    }
    let t = Instant::now();
    let mut themes = 0usize;
    for text in &texts {
        themes += std::hint::black_box(analyzer.analyze(text)).themes.len();
    }
    let one = t.elapsed();
    let t = Instant::now();
    let batch = analyzer.analyze_batch(&texts);
    let all = t.elapsed();
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());

    println!(
        "comments: {} (median {median} words), themes found: {themes}",
        texts.len()
    );
    println!(
        "engine load (Analyzer::new): {:.1} ms",
        load.as_secs_f64() * 1e3
    );
    if let (Some(a), Some(b)) = (rss_before, rss_after) {
        println!(
            "resident memory: {:.1} MB before load, {:.1} MB after (engine ≈ {:.1} MB)",
            a as f64 / 1024.0,
            b as f64 / 1024.0,
            (b.saturating_sub(a)) as f64 / 1024.0
        );
    }
    println!(
        "analyze, 1 core: {:.0} comments/s ({:.1} µs each)",
        texts.len() as f64 / one.as_secs_f64(),
        one.as_secs_f64() * 1e6 / texts.len() as f64
    );
    println!(
        "analyze_batch, {cores} cores: {:.0} comments/s ({} results)",
        texts.len() as f64 / all.as_secs_f64(),
        batch.len()
    );
}
