//! The few API calls the benchmarks make besides the measured ones.

use anyhow::{Context, bail};
use serde_json::{Value, json};
use std::collections::HashMap;

/// An authenticated API client for one server.
#[derive(Debug, Clone)]
pub struct Api {
    pub client: reqwest::Client,
    pub base_url: String,
    pub token: String,
}

/// The survey every benchmark uses: one required NPS question and an optional comment.
pub fn nps_survey() -> Value {
    json!({
        "name": "Benchmark NPS",
        "languages": ["de", "en"],
        "questions": [
            {"id": "nps", "type": "nps", "required": true, "text": {
                "de": "Wie wahrscheinlich ist es, dass Sie uns weiterempfehlen?",
                "en": "How likely are you to recommend us?"}},
            {"id": "why", "type": "text", "text": {"de": "Warum?", "en": "Why?"}}
        ]
    })
}

pub const CHANNELS: [&str; 3] = ["web", "email", "app"];

pub const COMMENTS: [(&str, &str); 12] = [
    ("de", "Schnelle Hilfe an der Hotline, danke!"),
    ("de", "Die Rechnung war wieder falsch."),
    ("de", "Lieferung kam pünktlich."),
    ("de", "Zu lange Wartezeit im Shop."),
    ("de", "Freundlich, aber das Problem ist nicht gelöst."),
    ("de", "Die App stürzt beim Bezahlen ab."),
    ("en", "Quick and friendly support."),
    ("en", "The invoice was confusing again."),
    ("en", "Installation went smoothly."),
    ("en", "Waited 40 minutes on the phone."),
    ("en", "Great value for money 👍"),
    ("en", "The app keeps logging me out."),
];

impl Api {
    pub fn new(base_url: &str, token: &str, pool: usize) -> anyhow::Result<Api> {
        let client = reqwest::Client::builder()
            .pool_max_idle_per_host(pool)
            .tcp_nodelay(true)
            .timeout(std::time::Duration::from_secs(30))
            .build()?;
        Ok(Api {
            client,
            base_url: base_url.to_owned(),
            token: token.to_owned(),
        })
    }

    pub async fn post(&self, path: &str, body: &Value) -> anyhow::Result<Value> {
        let response = self
            .client
            .post(format!("{}{path}", self.base_url))
            .bearer_auth(&self.token)
            .json(body)
            .send()
            .await?;
        let status = response.status();
        let text = response.text().await?;
        if !status.is_success() {
            bail!("POST {path} answered {status}: {text}");
        }
        serde_json::from_str(&text).with_context(|| format!("POST {path}: not JSON"))
    }

    pub async fn get(&self, path_and_query: &str) -> anyhow::Result<Value> {
        let response = self
            .client
            .get(format!("{}{path_and_query}", self.base_url))
            .bearer_auth(&self.token)
            .send()
            .await?;
        let status = response.status();
        let text = response.text().await?;
        if !status.is_success() {
            bail!("GET {path_and_query} answered {status}: {text}");
        }
        serde_json::from_str(&text).with_context(|| format!("GET {path_and_query}: not JSON"))
    }

    /// Creates the benchmark survey and `touchpoints` touchpoints; returns their ids.
    pub async fn set_up(&self, touchpoints: usize) -> anyhow::Result<(String, Vec<String>)> {
        let survey = self.post("/api/v1/surveys", &nps_survey()).await?;
        let survey_id = id_of(&survey)?;
        let mut ids = Vec::with_capacity(touchpoints);
        for i in 0..touchpoints {
            let channel = CHANNELS[i % CHANNELS.len()];
            let tp = self
                .post(
                    "/api/v1/touchpoints",
                    &json!({"name": format!("Touchpoint {i}"), "channel": channel}),
                )
                .await?;
            ids.push(id_of(&tp)?);
        }
        Ok((survey_id, ids))
    }

    /// Every stored response of a survey: id → external_id, paging with the API's cursor.
    pub async fn all_responses(
        &self,
        survey_id: &str,
    ) -> anyhow::Result<HashMap<String, Option<String>>> {
        let mut stored = HashMap::new();
        let mut cursor = String::new();
        loop {
            let page = self
                .get(&format!(
                    "/api/v1/responses?survey_id={survey_id}&limit=500&cursor={cursor}"
                ))
                .await?;
            let items = page["items"].as_array().context("no items in a page")?;
            for item in items {
                let id = item["id"].as_str().context("response without id")?;
                let external = item["external_id"].as_str().map(str::to_owned);
                if stored.insert(id.to_owned(), external).is_some() {
                    bail!("response {id} appeared twice while paging");
                }
            }
            match page["next_cursor"].as_str() {
                Some(next) if !next.is_empty() => cursor = urlencode(next),
                _ => return Ok(stored),
            }
        }
    }
}

impl Api {
    /// Every event the server counts, from a journey map over all touchpoints and all time.
    pub async fn event_total(&self) -> anyhow::Result<i64> {
        let touchpoints = self.get("/api/v1/touchpoints?limit=500").await?;
        let ids: Vec<Value> = touchpoints["items"]
            .as_array()
            .map(|items| items.iter().map(|t| t["id"].clone()).collect())
            .unwrap_or_default();
        let journey = self
            .post(
                "/api/v1/journeys",
                &serde_json::json!({"name": "bench", "stages": ["all"]}),
            )
            .await?;
        let id = id_of(&journey)?;
        let stage = journey["stages"][0]["id"].clone();
        let layout = serde_json::json!({"stages": [{"id": stage, "touchpoint_ids": ids}]});
        let response = self
            .client
            .put(format!("{}/api/v1/journeys/{id}/layout", self.base_url))
            .bearer_auth(&self.token)
            .json(&layout)
            .send()
            .await?;
        anyhow::ensure!(
            response.status().is_success(),
            "layout: {}",
            response.status()
        );
        let map = self
            .get(&format!(
                "/api/v1/journeys/{id}/map?from=2020-01-01&interval=month"
            ))
            .await?;
        Ok(map["stages"][0]["touchpoints"]
            .as_array()
            .map(|cards| cards.iter().filter_map(|c| c["events"].as_i64()).sum())
            .unwrap_or(0))
    }
}

pub fn id_of(value: &Value) -> anyhow::Result<String> {
    value["id"]
        .as_str()
        .map(str::to_owned)
        .with_context(|| format!("no id in {value}"))
}

/// Percent-encodes everything but unreserved characters (cursors are opaque).
pub fn urlencode(raw: &str) -> String {
    raw.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Latencies of one GET, `requests` times one after another and then `requests` times from
/// `concurrency` tasks, every answer passed to `check`; also the number of answers it refused.
pub struct TimedGets {
    pub sequential: hdrhistogram::Histogram<u64>,
    pub concurrent: hdrhistogram::Histogram<u64>,
    pub mismatches: usize,
}

pub async fn timed_gets<F>(
    api: &Api,
    query: &str,
    requests: usize,
    concurrency: usize,
    check: F,
) -> anyhow::Result<TimedGets>
where
    F: Fn(&Value) -> anyhow::Result<bool> + Clone + Send + 'static,
{
    use crate::stats::{new_histogram, record};
    use std::time::Instant;
    let mut sequential = new_histogram()?;
    let mut mismatches = 0;
    for _ in 0..requests {
        let sent = Instant::now();
        let body = api.get(query).await?;
        record(&mut sequential, sent.elapsed());
        mismatches += usize::from(!check(&body)?);
    }
    let workers = concurrency.max(1);
    let mut tasks = Vec::new();
    for worker in 0..workers {
        // Exactly `requests` in all, split as evenly as possible.
        let per_task = requests / workers + usize::from(worker < requests % workers);
        let api = api.clone();
        let query = query.to_owned();
        let check = check.clone();
        tasks.push(tokio::spawn(async move {
            let mut h = new_histogram()?;
            let mut refused = 0;
            for _ in 0..per_task {
                let sent = Instant::now();
                let body = api.get(&query).await?;
                record(&mut h, sent.elapsed());
                refused += usize::from(!check(&body)?);
            }
            anyhow::Ok((h, refused))
        }));
    }
    let mut concurrent = new_histogram()?;
    for task in tasks {
        let (h, refused) = task.await??;
        concurrent.add(&h)?;
        mismatches += refused;
    }
    Ok(TimedGets {
        sequential,
        concurrent,
        mismatches,
    })
}
