//! Customer journeys: a journey is an ordered list of stages, a stage an ordered list of
//! touchpoints, and each touchpoint belongs to at most one stage. This module validates what
//! clients send (names, a whole new layout) and ranks the touchpoints by the friction they
//! cause. No IO: the store passes in what exists.

use crate::ids::{StageId, TouchpointId};
use crate::metrics::{Comparison, Estimate, Histogram, MetricKind, compare, estimate};
use crate::validation::{Errors, FieldError};
use serde::Deserialize;
use std::collections::{BTreeSet, HashSet};

pub const MAX_JOURNEY_NAME_CHARS: usize = 120;
pub const MAX_DESCRIPTION_CHARS: usize = 2_000;
pub const MAX_STAGES: usize = 30;

/// `POST /journeys`, `PUT /journeys/{id}`. Unknown fields are rejected.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JourneyDraft {
    pub name: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    /// Stage names in order, only when creating (later edits go through stages and layout).
    #[serde(default)]
    pub stages: Option<Vec<String>>,
}

/// A validated journey: name, description and (when creating) its first stages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JourneyFields {
    pub name: String,
    pub description: String,
    pub stages: Vec<String>,
}

fn name(errors: &mut Errors, field: &str, raw: Option<&str>) -> String {
    let name = raw.map(str::trim).unwrap_or_default().to_owned();
    if name.is_empty() {
        errors.push(field, "must not be empty");
    } else if name.chars().count() > MAX_JOURNEY_NAME_CHARS {
        errors.push(
            field,
            format!("must be at most {MAX_JOURNEY_NAME_CHARS} characters"),
        );
    } else if name.chars().any(char::is_control) {
        errors.push(field, "must not contain control characters");
    }
    name
}

/// A stage name as a client sends it, validated.
pub fn stage_name(raw: Option<&str>) -> Result<String, Vec<FieldError>> {
    let mut errors = Errors::default();
    let name = name(&mut errors, "name", raw);
    errors.finish(name)
}

impl TryFrom<JourneyDraft> for JourneyFields {
    type Error = Vec<FieldError>;

    fn try_from(draft: JourneyDraft) -> Result<Self, Self::Error> {
        let mut errors = Errors::default();
        let journey_name = name(&mut errors, "name", draft.name.as_deref());
        let description = draft.description.unwrap_or_default().trim().to_owned();
        if description.chars().count() > MAX_DESCRIPTION_CHARS {
            errors.push(
                "description",
                format!("must be at most {MAX_DESCRIPTION_CHARS} characters"),
            );
        }
        let stages = draft.stages.unwrap_or_default();
        if stages.len() > MAX_STAGES {
            errors.push("stages", format!("at most {MAX_STAGES} stages"));
        }
        let mut seen = HashSet::new();
        let mut names = Vec::with_capacity(stages.len());
        for (i, raw) in stages.iter().enumerate() {
            let field = format!("stages[{i}]");
            let stage = name(&mut errors, &field, Some(raw));
            if !stage.is_empty() && !seen.insert(stage.to_lowercase()) {
                errors.push(field, format!("'{stage}' is listed twice"));
            }
            names.push(stage);
        }
        errors.finish(JourneyFields {
            name: journey_name,
            description,
            stages: names,
        })
    }
}

/// `PUT /journeys/{id}/layout`: every stage of the journey in its new order, each with its
/// touchpoints in order.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LayoutDraft {
    pub stages: Vec<StageLayoutDraft>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StageLayoutDraft {
    pub id: String,
    #[serde(default)]
    pub touchpoint_ids: Vec<String>,
}

/// A validated layout: stages in order, each with its touchpoints in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Layout {
    pub stages: Vec<(StageId, Vec<TouchpointId>)>,
}

impl LayoutDraft {
    /// Checks the layout against the journey's `stages` and the organisation's `touchpoints`:
    /// every stage exactly once, no other stage, each touchpoint known and placed at most once.
    /// Touchpoints left out leave this journey; touchpoints placed here leave any other stage.
    pub fn validate(
        self,
        stages: &[StageId],
        touchpoints: &HashSet<TouchpointId>,
    ) -> Result<Layout, Vec<FieldError>> {
        let mut errors = Errors::default();
        let mut seen_stages = BTreeSet::new();
        let mut seen_touchpoints = HashSet::new();
        let mut layout = Vec::with_capacity(self.stages.len());
        for (i, stage) in self.stages.iter().enumerate() {
            let field = format!("stages[{i}].id");
            let Ok(id) = stage.id.parse::<StageId>() else {
                errors.push(field, "must be a stage id (UUID)");
                continue;
            };
            if !stages.contains(&id) {
                errors.push(field, "is not a stage of this journey");
                continue;
            }
            if !seen_stages.insert(id) {
                errors.push(field, "is listed twice");
                continue;
            }
            let mut placed = Vec::with_capacity(stage.touchpoint_ids.len());
            for (j, raw) in stage.touchpoint_ids.iter().enumerate() {
                let field = format!("stages[{i}].touchpoint_ids[{j}]");
                match raw.parse::<TouchpointId>() {
                    Err(_) => errors.push(field, "must be a touchpoint id (UUID)"),
                    Ok(t) if !touchpoints.contains(&t) => {
                        errors.push(field, "is not a touchpoint of this organisation")
                    }
                    Ok(t) if !seen_touchpoints.insert(t) => {
                        errors.push(field, "is placed twice; a touchpoint belongs to one stage")
                    }
                    Ok(t) => placed.push(t),
                }
            }
            layout.push((id, placed));
        }
        let missing = stages.iter().filter(|s| !seen_stages.contains(s)).count();
        if missing > 0 {
            errors.push(
                "stages",
                format!("{missing} stage(s) of the journey are missing; list every stage once"),
            );
        }
        errors.finish(Layout { stages: layout })
    }
}

impl Layout {
    /// Puts back the touchpoints the editor could not see: a user limited to some departments
    /// lays out only their touchpoints, and every other touchpoint of the journey (`before`,
    /// the whole current layout) keeps its stage and its place there.
    pub fn with_hidden(
        mut self,
        before: &[(StageId, Vec<TouchpointId>)],
        visible: &HashSet<TouchpointId>,
    ) -> Layout {
        for (stage, touchpoints) in &mut self.stages {
            let Some((_, old)) = before.iter().find(|(id, _)| id == stage) else {
                continue;
            };
            for (place, hidden) in old.iter().enumerate() {
                if !visible.contains(hidden) {
                    touchpoints.insert(place.min(touchpoints.len()), *hidden);
                }
            }
        }
        self
    }
}

/// How much one touchpoint pulls the journey's score down.
#[derive(Debug, Clone, PartialEq)]
pub struct Friction<K> {
    pub key: K,
    /// The touchpoint's own score.
    pub estimate: Estimate,
    /// Its share of the journey's answers (0..1).
    pub share: f64,
    /// Points the journey's overall score would gain if this touchpoint scored like the rest of
    /// the journey: `share × (score of the rest − score here)`. Positive: it pulls the score
    /// down. (The gap is taken to the rest, not to the overall score, which contains the
    /// touchpoint itself; then the two samples are independent and the gain is exact.)
    pub impact: f64,
    /// 95 % interval of the impact: the share times the interval of the gap.
    pub ci95: (f64, f64),
    /// Whether the gap to the rest is significant (its test, p < 0.05).
    pub significant: bool,
}

/// Ranks `groups` (one histogram of `kind` per touchpoint) by impact, largest first.
/// Touchpoints without answers, and journeys with fewer than two scored touchpoints, yield
/// nothing to rank; a touchpoint whose gap cannot be tested (no variance) is left out.
pub fn friction_ranking<K: Clone>(kind: MetricKind, groups: &[(K, Histogram)]) -> Vec<Friction<K>> {
    let mut total = Histogram::default();
    for (_, h) in groups {
        total.merge(h);
    }
    let Some(overall) = estimate(kind, &total) else {
        return Vec::new();
    };
    let mut ranking: Vec<Friction<K>> = groups
        .iter()
        .filter_map(|(key, h)| {
            let here = estimate(kind, h)?;
            let mut rest = total;
            rest.subtract(h);
            let Comparison {
                difference,
                ci95,
                significant,
                ..
            } = compare(kind, h, &rest)?;
            let share = here.n as f64 / overall.n as f64;
            Some(Friction {
                key: key.clone(),
                estimate: here,
                share,
                impact: share * difference,
                ci95: (share * ci95.0, share * ci95.1),
                significant,
            })
        })
        .collect();
    ranking.sort_by(|a, b| b.impact.total_cmp(&a.impact));
    ranking
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nps(promoters: u64, passives: u64, detractors: u64) -> Histogram {
        let mut h = Histogram::default();
        for (score, count) in [(10, promoters), (8, passives), (0, detractors)] {
            for _ in 0..count {
                h.add(MetricKind::Nps, score).expect("on scale");
            }
        }
        h
    }

    #[test]
    fn journeys_validate_names_and_stages() {
        let ok = JourneyFields::try_from(JourneyDraft {
            name: Some(" Telco ".into()),
            description: None,
            stages: Some(vec!["Purchase".into(), "Provisioning".into()]),
        })
        .expect("valid");
        assert_eq!(ok.name, "Telco");
        assert_eq!(ok.stages, ["Purchase", "Provisioning"]);
        let errors = JourneyFields::try_from(JourneyDraft {
            name: Some("".into()),
            description: Some("x".repeat(MAX_DESCRIPTION_CHARS + 1)),
            stages: Some(vec!["Usage".into(), "usage".into(), " ".into()]),
        })
        .expect_err("invalid");
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["name", "description", "stages[1]", "stages[2]"]);
    }

    #[test]
    fn hidden_touchpoints_keep_their_stage_and_place() {
        let stage = |i: u128| StageId::from(uuid::Uuid::from_u128(i));
        let tp = |i: u128| TouchpointId::from(uuid::Uuid::from_u128(i));
        // Stage 1: a, H, b; stage 2: H2. The editor sees a, b, c and moves b before a, c in 2.
        let before = vec![
            (stage(1), vec![tp(10), tp(90), tp(11)]),
            (stage(2), vec![tp(91)]),
        ];
        let visible: HashSet<TouchpointId> = [tp(10), tp(11), tp(12)].into_iter().collect();
        let edited = Layout {
            stages: vec![(stage(2), vec![tp(12)]), (stage(1), vec![tp(11), tp(10)])],
        }
        .with_hidden(&before, &visible);
        assert_eq!(
            edited.stages,
            vec![
                (stage(2), vec![tp(91), tp(12)]),
                (stage(1), vec![tp(11), tp(90), tp(10)]),
            ]
        );
        // A hidden touchpoint beyond the end of a shorter stage goes last.
        let shorter = Layout {
            stages: vec![(stage(1), vec![]), (stage(2), vec![])],
        }
        .with_hidden(&before, &visible);
        assert_eq!(
            shorter.stages,
            vec![(stage(1), vec![tp(90)]), (stage(2), vec![tp(91)])]
        );
    }

    #[test]
    fn layouts_name_every_stage_once_and_place_touchpoints_once() {
        let stages: Vec<StageId> = (1..=2u128)
            .map(|i| StageId::from(uuid::Uuid::from_u128(i)))
            .collect();
        let tps: Vec<TouchpointId> = (10..=12u128)
            .map(|i| TouchpointId::from(uuid::Uuid::from_u128(i)))
            .collect();
        let known: HashSet<TouchpointId> = tps.iter().copied().collect();
        let draft =
            |v: serde_json::Value| -> LayoutDraft { serde_json::from_value(v).expect("shape") };
        let ok = draft(serde_json::json!({"stages": [
            {"id": stages[1].to_string(), "touchpoint_ids": [tps[2].to_string(), tps[0].to_string()]},
            {"id": stages[0].to_string()}]}))
        .validate(&stages, &known)
        .expect("valid");
        assert_eq!(
            ok.stages,
            vec![(stages[1], vec![tps[2], tps[0]]), (stages[0], vec![])]
        );

        let unknown = TouchpointId::from(uuid::Uuid::from_u128(99));
        let errors = draft(serde_json::json!({"stages": [
            {"id": stages[0].to_string(), "touchpoint_ids": [tps[0].to_string(), tps[0].to_string(), unknown.to_string(), "x"]},
            {"id": stages[0].to_string()},
            {"id": "nope"}]}))
        .validate(&stages, &known)
        .expect_err("invalid");
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "stages[0].touchpoint_ids[1]",
                "stages[0].touchpoint_ids[2]",
                "stages[0].touchpoint_ids[3]",
                "stages[1].id",
                "stages[2].id",
                "stages",
            ]
        );
    }

    #[test]
    fn friction_is_share_times_the_gap_to_the_rest() {
        // Hotline: 20 answers, NPS −50 (2 promoters, 6 passives, 12 detractors).
        // Shop: 80 answers, NPS +50 (48 promoters, 24 passives, 8 detractors).
        let groups = vec![("hotline", nps(2, 6, 12)), ("shop", nps(48, 24, 8))];
        let ranking = friction_ranking(MetricKind::Nps, &groups);
        assert_eq!(ranking.len(), 2);
        let hotline = &ranking[0];
        assert_eq!(hotline.key, "hotline");
        assert!((hotline.share - 0.2).abs() < 1e-12);
        // Gap to the rest: 50 − (−50) = 100 points; impact 0.2 × 100 = 20 points: the overall
        // NPS is 30 (50 promoters, 20 detractors of 100) and would be 50 with the hotline
        // scoring like the shop.
        assert!((hotline.impact - 20.0).abs() < 1e-9, "{}", hotline.impact);
        // SE of the gap: 100·sqrt(0.45/20 + 0.45/80), since p + d − (p − d)² is
        // 0.1 + 0.6 − 0.25 = 0.45 for the hotline and 0.6 + 0.1 − 0.25 = 0.45 for the shop.
        let se = 100.0 * (0.45f64 / 20.0 + 0.45 / 80.0).sqrt();
        assert!((hotline.ci95.0 - 0.2 * (100.0 - 1.96 * se)).abs() < 1e-9);
        assert!((hotline.ci95.1 - 0.2 * (100.0 + 1.96 * se)).abs() < 1e-9);
        assert!(hotline.significant);
        let shop = &ranking[1];
        assert!(
            (shop.impact - -80.0).abs() < 1e-9,
            "the shop lifts the score"
        );
        assert!(
            friction_ranking(MetricKind::Nps, &groups[..1]).is_empty(),
            "nothing to compare"
        );
        assert!(friction_ranking::<&str>(MetricKind::Nps, &[]).is_empty());
    }
}
