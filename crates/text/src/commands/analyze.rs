//! `touchpoint text analyze`: one text per input line in, one JSON object per line out.

use std::io::{self, BufRead, Write};

use crate::analyzer::Analyzer;
use crate::types::Lang;

/// Lines analysed together (on all cores) before their results are written.
pub const BATCH: usize = 512;

/// Reads texts from `input`, one per line — plain text, or a JSON object with a string
/// `text` field (an `id` field, if any, is echoed) — and writes one JSON object per line to
/// `output`, in input order. A line that is not valid UTF-8 or not a usable JSON object
/// yields `{"line":N,"error":"..."}` (N counts from 1) and the rest goes on. Only I/O
/// errors of `input` or `output` end the run.
pub fn analyze_stream(
    analyzer: &Analyzer,
    mut input: impl BufRead,
    mut output: impl Write,
    lang_hint: Option<Lang>,
) -> io::Result<()> {
    let mut line_no = 0usize;
    let mut buf = Vec::new();
    let mut batch: Vec<(usize, Result<Item, String>)> = Vec::with_capacity(BATCH);
    loop {
        buf.clear();
        let n = input.read_until(b'\n', &mut buf)?;
        if n > 0 {
            line_no += 1;
            batch.push((line_no, parse_line(&buf)));
        }
        if batch.len() >= BATCH || (n == 0 && !batch.is_empty()) {
            flush(analyzer, &mut batch, &mut output, lang_hint)?;
        }
        if n == 0 {
            break;
        }
    }
    output.flush()
}

/// An analysis, with the input's `id` first when it had one.
#[derive(serde::Serialize)]
struct Output {
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<serde_json::Value>,
    #[serde(flatten)]
    analysis: crate::types::Analysis,
}

#[derive(serde::Serialize)]
struct LineError {
    line: usize,
    error: String,
}

struct Item {
    id: Option<serde_json::Value>,
    text: String,
}

fn parse_line(raw: &[u8]) -> Result<Item, String> {
    let line = std::str::from_utf8(raw)
        .map_err(|e| format!("invalid UTF-8 at byte {}", e.valid_up_to()))?;
    let line = line.trim_end_matches(['\n', '\r']);
    if line.trim_start().starts_with('{') {
        let v: serde_json::Value =
            serde_json::from_str(line).map_err(|e| format!("invalid JSON: {e}"))?;
        let text = v
            .get("text")
            .and_then(|t| t.as_str())
            .ok_or_else(|| "JSON object without a string \"text\" field".to_string())?;
        return Ok(Item {
            id: v.get("id").cloned(),
            text: text.to_string(),
        });
    }
    Ok(Item {
        id: None,
        text: line.to_string(),
    })
}

fn flush(
    analyzer: &Analyzer,
    batch: &mut Vec<(usize, Result<Item, String>)>,
    out: &mut impl Write,
    lang_hint: Option<Lang>,
) -> io::Result<()> {
    let texts: Vec<&str> = batch
        .iter()
        .filter_map(|(_, r)| r.as_ref().ok().map(|i| i.text.as_str()))
        .collect();
    let mut results = analyzer.analyze_batch_with(&texts, lang_hint).into_iter();
    for (line, item) in batch.drain(..) {
        let value = match item {
            Ok(item) => match (results.next(), item.id) {
                (Some(analysis), id) => serde_json::to_writer(&mut *out, &Output { id, analysis }),
                (None, _) => serde_json::to_writer(
                    &mut *out,
                    &serde_json::json!({"line": line, "error": "internal: missing result"}),
                ),
            },
            Err(error) => serde_json::to_writer(&mut *out, &LineError { line, error }),
        };
        value.map_err(io::Error::other)?;
        out.write_all(b"\n")?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(input: &[u8], hint: Option<Lang>) -> Vec<serde_json::Value> {
        let a = Analyzer::shared();
        let mut out = Vec::new();
        analyze_stream(a, input, &mut out, hint).expect("in-memory io");
        String::from_utf8(out)
            .expect("utf-8 output")
            .lines()
            .map(|l| serde_json::from_str(l).expect("json line"))
            .collect()
    }

    #[test]
    fn plain_json_and_bad_lines_in_order() {
        let input = b"Der Service war super, aber die Rechnung ist unverst\xc3\xa4ndlich\n{\"id\":7,\"text\":\"The delivery was late\"}\n\xff\xfe junk\n{\"text\": 3}\n\nlast line without newline";
        let out = run(input, None);
        assert_eq!(out.len(), 6);
        assert_eq!(out[0]["language"], "de");
        assert_eq!(out[1]["id"], 7);
        assert_eq!(out[1]["language"], "en");
        assert_eq!(out[2]["line"], 3);
        assert!(
            out[2]["error"]
                .as_str()
                .is_some_and(|e| e.contains("UTF-8"))
        );
        assert_eq!(out[3]["line"], 4);
        assert_eq!(out[4]["sentiment"]["label"], "neutral");
        assert!(out[5]["sentiment"].is_object());
    }

    #[test]
    fn hint_forces_the_language_and_order_survives_batches() {
        let many: String = (0..(BATCH * 2 + 3))
            .map(|i| format!("Kommentar {i}\n"))
            .collect();
        let out = run(many.as_bytes(), Some(Lang::En));
        assert_eq!(out.len(), BATCH * 2 + 3);
        assert!(out.iter().all(|v| v["language"] == "en"));
    }
}
