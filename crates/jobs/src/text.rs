//! Text analysis in the product: analyse new comments right after they are stored, and
//! re-analyse stored ones when the taxonomy or model changes (with a visible progress run).

use sha2::{Digest, Sha256};
use std::collections::BTreeSet;
use std::path::Path;
use std::sync::Arc;
use touchpoint_domain::ResponseId;
use touchpoint_store::jobs::NewJob;
use touchpoint_store::text::{AnalysisRecord, AnalysisTarget};
use touchpoint_store::{Store, StoreError};
use touchpoint_text::{Analysis, Analyzer, LoadError};

/// Re-analyses stored comments page by page.
pub const REANALYZE: &str = "text.reanalyze";
/// The settings key holding the fingerprint the stored analyses were made with.
pub const FINGERPRINT_SETTING: &str = "text.fingerprint";
const PAGE: usize = 500;

/// The analyser the product runs, and a fingerprint of everything that shapes its output.
pub struct TextEngine {
    analyzer: Analyzer,
    fingerprint: String,
}

impl std::fmt::Debug for TextEngine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TextEngine")
            .field("fingerprint", &self.fingerprint)
            .finish_non_exhaustive()
    }
}

fn hash_file(hasher: &mut Sha256, path: &Path) -> Result<(), LoadError> {
    let bytes = std::fs::read(path).map_err(|source| LoadError::Io {
        path: path.display().to_string(),
        source,
    })?;
    hasher.update(
        path.file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default()
            .as_bytes(),
    );
    hasher.update(&bytes);
    Ok(())
}

impl TextEngine {
    /// The built-in model and taxonomy, or a trained model directory and/or an edited taxonomy file.
    pub fn load(
        model_dir: Option<&Path>,
        taxonomy_file: Option<&Path>,
    ) -> Result<TextEngine, LoadError> {
        let mut hasher = Sha256::new();
        hasher.update(concat!("touchpoint-text ", env!("CARGO_PKG_VERSION")).as_bytes());
        let mut analyzer = match model_dir {
            Some(dir) => {
                let mut files: Vec<_> = std::fs::read_dir(dir)
                    .map_err(|source| LoadError::Io {
                        path: dir.display().to_string(),
                        source,
                    })?
                    .filter_map(|e| e.ok().map(|e| e.path()))
                    .filter(|p| p.is_file())
                    .collect();
                files.sort();
                for file in &files {
                    hash_file(&mut hasher, file)?;
                }
                Analyzer::from_dir(dir)?
            }
            None => Analyzer::new()?,
        };
        if let Some(path) = taxonomy_file {
            hash_file(&mut hasher, path)?;
            analyzer = analyzer.with_taxonomy_file(path)?;
        }
        Ok(TextEngine {
            analyzer,
            fingerprint: hex::encode(hasher.finalize()),
        })
    }

    pub fn builtin() -> Result<TextEngine, LoadError> {
        TextEngine::load(None, None)
    }

    pub fn analyzer(&self) -> &Analyzer {
        &self.analyzer
    }

    pub fn fingerprint(&self) -> &str {
        &self.fingerprint
    }

    fn analyse(&self, targets: Vec<AnalysisTarget>) -> Vec<(AnalysisTarget, AnalysisRecord)> {
        let texts: Vec<&str> = targets.iter().map(|t| t.text.as_str()).collect();
        let analyses = self.analyzer.analyze_batch(&texts);
        targets
            .into_iter()
            .zip(analyses)
            .map(|(target, analysis)| (target, record(&analysis)))
            .collect()
    }

    /// Analyses the free text of `ids` and stores the results.
    /// The CPU-bound part runs on the blocking pool so request handling stays responsive.
    pub async fn analyse_responses(
        self: &Arc<Self>,
        store: &Store,
        ids: &[ResponseId],
    ) -> Result<usize, StoreError> {
        let targets = store.analysis_targets(ids).await?;
        let engine = Arc::clone(self);
        let analysed = tokio::task::spawn_blocking(move || engine.analyse(targets))
            .await
            .map_err(|e| StoreError::Corrupt(format!("text analysis panicked: {e}")))?;
        store.save_analyses(&analysed, &self.fingerprint).await?;
        Ok(analysed.len())
    }

    /// Starts a re-analysis run when stored analyses were made with another taxonomy or model.
    pub async fn check_fingerprint(&self, store: &Store) -> Result<(), StoreError> {
        if store.setting(FINGERPRINT_SETTING).await?.as_deref() == Some(self.fingerprint.as_str()) {
            return Ok(());
        }
        let stale = store.count_stale_analyses(&self.fingerprint).await?;
        if stale > 0 && !store.has_pending_job(REANALYZE).await? {
            let run = store.start_text_run(&self.fingerprint, stale).await?;
            tracing::info!(
                stale,
                run = run.id,
                "taxonomy or model changed: re-analysing stored comments"
            );
            store.enqueue_job(&reanalyze_job(&run.id, "", 0)).await?;
        } else if stale == 0 {
            store
                .set_setting(FINGERPRINT_SETTING, &self.fingerprint)
                .await?;
        }
        Ok(())
    }

    /// One page of a re-analysis run; queues the next page or closes the run.
    pub async fn reanalyse_page(
        self: &Arc<Self>,
        store: &Store,
        payload: &serde_json::Value,
    ) -> Result<(), StoreError> {
        let run_id = payload["run_id"].as_str().unwrap_or_default();
        let after = payload["after"].as_str().unwrap_or_default();
        let done = payload["done"].as_i64().unwrap_or(0);
        let ids = store.analysed_response_ids(after, PAGE).await?;
        let analysed = self.analyse_responses(store, &ids).await? as i64;
        let finished = ids.len() < PAGE;
        store
            .advance_text_run(run_id, done + analysed, finished)
            .await?;
        match ids.last() {
            Some(last) if !finished => {
                store
                    .enqueue_job(&reanalyze_job(run_id, &last.to_string(), done + analysed))
                    .await?;
            }
            _ => {
                store
                    .set_setting(FINGERPRINT_SETTING, &self.fingerprint)
                    .await?
            }
        }
        Ok(())
    }
}

fn reanalyze_job(run_id: &str, after: &str, done: i64) -> NewJob {
    NewJob {
        org_id: None,
        kind: REANALYZE.to_owned(),
        payload: serde_json::json!({"run_id": run_id, "after": after, "done": done}),
        run_after: 0,
        max_attempts: 5,
    }
}

/// The storable form of an analysis (each theme once).
pub fn record(analysis: &Analysis) -> AnalysisRecord {
    let mut seen = BTreeSet::new();
    AnalysisRecord {
        language: analysis.language.lang.code().to_owned(),
        sentiment: analysis.sentiment.label.as_str().to_owned(),
        score: analysis.sentiment.score,
        analysis: serde_json::to_value(analysis).unwrap_or_default(),
        themes: analysis
            .themes
            .iter()
            .filter(|t| seen.insert(t.id.clone()))
            .map(|t| (t.id.clone(), t.sentiment.as_str().to_owned()))
            .collect(),
    }
}

/// Parses the `response_ids` of an analysis job.
pub fn response_ids(payload: &serde_json::Value) -> Vec<ResponseId> {
    payload["response_ids"]
        .as_array()
        .map(|ids| {
            ids.iter()
                .filter_map(|v| v.as_str()?.parse().ok())
                .collect()
        })
        .unwrap_or_default()
}
