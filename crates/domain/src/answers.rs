//! Answers to a survey, validated against its definition.
//!
//! Clients send answers as a JSON object `question id → value`. Scores must be JSON integers
//! on the question's scale; choices must name existing options; texts are kept byte for byte
//! (emoji, umlauts, right-to-left scripts) up to [`MAX_TEXT_CHARS`] characters.

use crate::metrics::MetricKind;
use crate::survey::{QuestionKind, SurveyDefinition};
use crate::validation::{Errors, FieldError};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::collections::BTreeMap;

pub const MAX_TEXT_CHARS: usize = 10_000;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum AnswerValue {
    Score(i64),
    Choices(Vec<String>),
    /// A single choice or a free text; the question's type tells which.
    Text(String),
}

/// Validated answers, keyed by question id (sorted, so their JSON form is canonical).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Answers(BTreeMap<String, AnswerValue>);

impl Answers {
    pub fn get(&self, question_id: &str) -> Option<&AnswerValue> {
        self.0.get(question_id)
    }

    pub fn iter(&self) -> impl Iterator<Item = (&str, &AnswerValue)> {
        self.0.iter().map(|(k, v)| (k.as_str(), v))
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Scores that feed a headline metric: `(question id, metric, score)`.
    pub fn metric_scores<'a>(
        &'a self,
        survey: &'a SurveyDefinition,
    ) -> impl Iterator<Item = (&'a str, MetricKind, i64)> + 'a {
        survey
            .metric_questions()
            .filter_map(|(q, metric)| match self.0.get(&q.id) {
                Some(AnswerValue::Score(score)) => Some((q.id.as_str(), metric, *score)),
                _ => None,
            })
    }

    /// Free-text answers, in question order.
    pub fn texts<'a>(&'a self, survey: &'a SurveyDefinition) -> impl Iterator<Item = &'a str> + 'a {
        survey
            .questions
            .iter()
            .filter_map(|q| match (&q.kind, self.0.get(&q.id)) {
                (QuestionKind::Text, Some(AnswerValue::Text(t))) => Some(t.as_str()),
                _ => None,
            })
    }

    /// The same answers with every free-text answer passed through `rewrite`; `None` removes
    /// the answer. Scores and choices stay as they are.
    pub fn with_texts(
        &self,
        survey: &SurveyDefinition,
        rewrite: impl Fn(&str) -> Option<String>,
    ) -> Answers {
        let mut answers = self.0.clone();
        for question in &survey.questions {
            if question.kind != QuestionKind::Text {
                continue;
            }
            if let Some(AnswerValue::Text(text)) = answers.get(&question.id) {
                match rewrite(text) {
                    Some(new) => answers.insert(question.id.clone(), AnswerValue::Text(new)),
                    None => answers.remove(&question.id),
                };
            }
        }
        Answers(answers)
    }

    /// Validates raw answers against `survey`. Every offending question gets one entry whose
    /// field is `answers.<question id>`. `null`, `""` and `[]` count as "not answered".
    pub fn validate(
        survey: &SurveyDefinition,
        raw: &Map<String, Value>,
    ) -> Result<Self, Vec<FieldError>> {
        let mut errors = Errors::default();
        for key in raw.keys() {
            if survey.question(key).is_none() {
                errors.push(format!("answers.{key}"), "unknown question id");
            }
        }
        let mut answers = BTreeMap::new();
        for question in &survey.questions {
            let field = format!("answers.{}", question.id);
            let value = raw.get(&question.id).filter(|v| !is_blank(v));
            let Some(value) = value else {
                if question.required {
                    errors.push(field, "an answer is required");
                }
                continue;
            };
            match parse_answer(&question.kind, value) {
                Ok(answer) => {
                    answers.insert(question.id.clone(), answer);
                }
                Err(message) => errors.push(field, message),
            }
        }
        errors.finish(Answers(answers))
    }
}

fn is_blank(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::String(s) => s.trim().is_empty(),
        Value::Array(a) => a.is_empty(),
        _ => false,
    }
}

fn parse_answer(kind: &QuestionKind, value: &Value) -> Result<AnswerValue, String> {
    match kind {
        QuestionKind::Text => match value {
            Value::String(s) if s.chars().count() > MAX_TEXT_CHARS => {
                Err(format!("text is longer than {MAX_TEXT_CHARS} characters"))
            }
            Value::String(s) => Ok(AnswerValue::Text(s.clone())),
            _ => Err("must be a string".to_owned()),
        },
        QuestionKind::SingleChoice { options } => match value {
            Value::String(s) if options.iter().any(|o| &o.id == s) => {
                Ok(AnswerValue::Text(s.clone()))
            }
            Value::String(s) => Err(format!("unknown option '{s}'")),
            _ => Err("must be the id of one option".to_owned()),
        },
        QuestionKind::MultiChoice { options } => {
            let Value::Array(items) = value else {
                return Err("must be an array of option ids".to_owned());
            };
            let mut chosen: Vec<String> = Vec::with_capacity(items.len());
            for item in items {
                match item {
                    Value::String(s) if !options.iter().any(|o| &o.id == s) => {
                        return Err(format!("unknown option '{s}'"));
                    }
                    Value::String(s) if chosen.contains(s) => {
                        return Err(format!("option '{s}' is chosen twice"));
                    }
                    Value::String(s) => chosen.push(s.clone()),
                    _ => return Err("must be an array of option ids".to_owned()),
                }
            }
            Ok(AnswerValue::Choices(chosen))
        }
        QuestionKind::Nps
        | QuestionKind::Csat
        | QuestionKind::Ces
        | QuestionKind::Rating { .. } => {
            let (min, max) = kind.scale().unwrap_or((0, 0));
            let score = value
                .as_i64()
                .ok_or_else(|| format!("must be an integer from {min} to {max}"))?;
            if score < min || score > max {
                return Err(format!("{score} is outside the scale {min}–{max}"));
            }
            Ok(AnswerValue::Score(score))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    fn survey() -> SurveyDefinition {
        SurveyDefinition::from_json(json!({"name":"All","languages":["en"],"questions":[
            {"id":"nps","type":"nps","required":true,"text":{"en":"Recommend?"}},
            {"id":"csat","type":"csat","text":{"en":"Satisfied?"}},
            {"id":"ces","type":"ces","text":{"en":"Easy?"}},
            {"id":"stars","type":"rating","min":1,"max":10,"text":{"en":"Stars"}},
            {"id":"reason","type":"single_choice","text":{"en":"Why?"},"options":[{"id":"price","text":{"en":"Price"}},{"id":"service","text":{"en":"Service"}}]},
            {"id":"tags","type":"multi_choice","text":{"en":"Tags"},"options":[{"id":"a","text":{"en":"A"}},{"id":"b","text":{"en":"B"}}]},
            {"id":"why","type":"text","text":{"en":"Comment"}}]}))
        .expect("valid survey")
    }

    fn validate(raw: Value) -> Result<Answers, Vec<FieldError>> {
        Answers::validate(&survey(), raw.as_object().expect("object"))
    }

    fn fields(errors: &[FieldError]) -> Vec<&str> {
        errors.iter().map(|e| e.field.as_str()).collect()
    }

    #[test]
    fn accepts_a_complete_answer_set() {
        let answers = validate(json!({"nps":9,"csat":5,"ces":7,"stars":10,"reason":"price","tags":["a","b"],"why":"Schnelle Hilfe 👍 مرحبا"}))
            .expect("valid");
        assert_eq!(
            answers.get("why"),
            Some(&AnswerValue::Text("Schnelle Hilfe 👍 مرحبا".into()))
        );
        let survey = survey();
        let scores: Vec<_> = answers.metric_scores(&survey).collect();
        assert_eq!(
            scores,
            vec![
                ("nps", MetricKind::Nps, 9),
                ("csat", MetricKind::Csat, 5),
                ("ces", MetricKind::Ces, 7)
            ]
        );
    }

    #[test]
    fn reports_one_entry_per_offending_field() {
        let errors = validate(json!({"nps":11,"csat":0,"ces":8,"stars":11,"reason":"nope","tags":["a","a"],"ghost":1}))
            .expect_err("invalid");
        assert_eq!(
            fields(&errors),
            vec![
                "answers.ghost",
                "answers.nps",
                "answers.csat",
                "answers.ces",
                "answers.stars",
                "answers.reason",
                "answers.tags"
            ]
        );
    }

    #[test]
    fn rejects_non_integers_and_missing_required() {
        let errors = validate(json!({"nps":9.5,"csat":"4"})).expect_err("invalid");
        assert_eq!(fields(&errors), vec!["answers.nps", "answers.csat"]);
        let errors = validate(json!({"why":"only text"})).expect_err("nps is required");
        assert_eq!(fields(&errors), vec!["answers.nps"]);
    }

    #[test]
    fn limits_text_length_in_characters_not_bytes() {
        let ok = "ü".repeat(MAX_TEXT_CHARS);
        assert!(validate(json!({"nps":1,"why":ok})).is_ok());
        let long = "a".repeat(MAX_TEXT_CHARS + 1);
        assert_eq!(
            fields(&validate(json!({"nps":1,"why":long})).expect_err("too long")),
            vec!["answers.why"]
        );
    }

    proptest! {
        #[test]
        fn scores_are_accepted_exactly_on_their_scale(score in -20i64..30) {
            let result = validate(json!({"nps": score}));
            prop_assert_eq!(result.is_ok(), (0..=10).contains(&score));
            let result = validate(json!({"nps": 5, "ces": score}));
            prop_assert_eq!(result.is_ok(), (1..=7).contains(&score));
        }

        #[test]
        fn valid_answers_round_trip_through_json(nps in 0i64..=10, text in "\\PC{0,40}") {
            let answers = validate(json!({"nps": nps, "why": text})).expect("valid");
            let json = serde_json::to_value(&answers).expect("serialise");
            let again: Answers = serde_json::from_value(json).expect("deserialise");
            prop_assert_eq!(answers, again);
        }

        #[test]
        fn arbitrary_json_never_panics(raw in proptest::collection::btree_map("[a-z]{1,6}", any::<i64>().prop_map(Value::from), 0..6)) {
            let map: Map<String, Value> = raw.into_iter().collect();
            let _ = Answers::validate(&survey(), &map);
        }
    }
}
