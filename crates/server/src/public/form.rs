//! The survey form: questions as view models, form fields as answers, errors back onto their
//! questions. Field names are `a_<question id>` so they can never collide with `lang`,
//! `rid` or the honeypot.

use crate::i18n::{self, Texts};
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use touchpoint_domain::{FieldError, Language, QuestionKind, SurveyDefinition};

pub struct ScalePoint {
    pub value: i64,
    pub checked: bool,
    /// Read by screen readers on the end points ("0 – not at all likely").
    pub hint: &'static str,
}

pub struct OptionView {
    pub id: String,
    pub text: String,
    pub checked: bool,
}

pub struct QuestionView {
    pub dom_id: String,
    pub name: String,
    pub text: String,
    pub required: bool,
    pub is_text: bool,
    pub is_scale: bool,
    pub is_multi: bool,
    pub points: Vec<ScalePoint>,
    pub low: &'static str,
    pub high: &'static str,
    pub options: Vec<OptionView>,
    pub value: String,
    pub error: Option<String>,
}

/// What the respondent sent (kept on re-render) and what was wrong with it.
pub struct FormState {
    pub nonce: String,
    values: BTreeMap<String, Vec<String>>,
    pub errors: BTreeMap<String, String>,
    pub general_errors: Vec<String>,
}

fn field_name(question_id: &str) -> String {
    format!("a_{question_id}")
}

fn is_nonce(raw: &str) -> bool {
    raw.len() == 32 && raw.bytes().all(|b| b.is_ascii_hexdigit())
}

impl FormState {
    pub fn fresh() -> FormState {
        FormState {
            nonce: crate::auth::new_public_token(),
            values: BTreeMap::new(),
            errors: BTreeMap::new(),
            general_errors: Vec::new(),
        }
    }

    pub fn submitted(survey: &SurveyDefinition, fields: &[(String, String)]) -> FormState {
        let mut values: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for question in &survey.questions {
            let name = field_name(&question.id);
            let sent: Vec<String> = fields
                .iter()
                .filter(|(k, _)| *k == name)
                .map(|(_, v)| v.clone())
                .collect();
            if !sent.is_empty() {
                values.insert(question.id.clone(), sent);
            }
        }
        let nonce = fields
            .iter()
            .find(|(k, _)| k == "rid")
            .map(|(_, v)| v.clone())
            .filter(|v| is_nonce(v))
            .unwrap_or_else(crate::auth::new_public_token);
        FormState {
            nonce,
            values,
            errors: BTreeMap::new(),
            general_errors: Vec::new(),
        }
    }

    /// The form's id as the response's `external_id`, so a double submit stores one response.
    pub fn external_id(&self) -> Option<String> {
        Some(format!("web-{}", self.nonce))
    }

    pub fn with_errors(
        mut self,
        survey: &SurveyDefinition,
        language: Language,
        errors: Vec<FieldError>,
    ) -> FormState {
        for error in errors {
            let message = i18n::validation_message(language, &error.message);
            match error
                .field
                .strip_prefix("answers.")
                .filter(|id| survey.question(id).is_some())
            {
                Some(id) => {
                    self.errors.insert(id.to_owned(), message);
                }
                None => self.general_errors.push(message),
            }
        }
        self
    }

    fn first(&self, question_id: &str) -> &str {
        self.values
            .get(question_id)
            .and_then(|v| v.first())
            .map_or("", String::as_str)
    }

    fn contains(&self, question_id: &str, value: &str) -> bool {
        self.values
            .get(question_id)
            .is_some_and(|v| v.iter().any(|x| x == value))
    }
}

/// Textareas send CRLF line breaks; answers keep plain LF like every other channel.
fn normalise_text(raw: &str) -> String {
    raw.replace("\r\n", "\n")
}

/// The form as the API's `answers` object: integers for scores (anything else is passed on
/// as a string so the domain names the problem), strings for choices and texts, arrays for
/// multiple choices; empty fields are left out (not answered).
pub fn answers(survey: &SurveyDefinition, fields: &[(String, String)]) -> Map<String, Value> {
    let mut answers = Map::new();
    for question in &survey.questions {
        let name = field_name(&question.id);
        let mut sent = fields
            .iter()
            .filter(|(k, _)| *k == name)
            .map(|(_, v)| v.as_str());
        let value = match &question.kind {
            QuestionKind::MultiChoice { .. } => {
                let chosen: Vec<Value> = sent
                    .filter(|v| !v.trim().is_empty())
                    .map(|v| Value::from(v.trim()))
                    .collect();
                (!chosen.is_empty()).then_some(Value::Array(chosen))
            }
            QuestionKind::Text => sent
                .find(|v| !v.trim().is_empty())
                .map(|v| Value::from(normalise_text(v))),
            QuestionKind::SingleChoice { .. } => sent
                .find(|v| !v.trim().is_empty())
                .map(|v| Value::from(v.trim())),
            QuestionKind::Nps
            | QuestionKind::Csat
            | QuestionKind::Ces
            | QuestionKind::Rating { .. } => {
                sent.find(|v| !v.trim().is_empty())
                    .map(|v| match v.trim().parse::<i64>() {
                        Ok(score) => Value::from(score),
                        Err(_) => Value::from(v.trim()),
                    })
            }
        };
        if let Some(value) = value {
            answers.insert(question.id.clone(), value);
        }
    }
    answers
}

fn end_labels(kind: &QuestionKind, t: &'static Texts) -> (&'static str, &'static str) {
    match kind {
        QuestionKind::Nps => (t.nps_low, t.nps_high),
        QuestionKind::Csat => (t.csat_low, t.csat_high),
        QuestionKind::Ces => (t.ces_low, t.ces_high),
        _ => ("", ""),
    }
}

pub fn question_views(
    survey: &SurveyDefinition,
    language: Language,
    state: &FormState,
) -> Vec<QuestionView> {
    let t = i18n::texts(language);
    survey
        .questions
        .iter()
        .map(|q| {
            let (low, high) = end_labels(&q.kind, t);
            let points = match q.kind.scale() {
                Some((min, max)) => (min..=max)
                    .map(|value| ScalePoint {
                        value,
                        checked: state.first(&q.id) == value.to_string(),
                        hint: if value == min {
                            low
                        } else if value == max {
                            high
                        } else {
                            ""
                        },
                    })
                    .collect(),
                None => Vec::new(),
            };
            let options = q
                .kind
                .options()
                .iter()
                .map(|o| OptionView {
                    id: o.id.clone(),
                    text: o.text.get(language).to_owned(),
                    checked: state.contains(&q.id, &o.id),
                })
                .collect();
            QuestionView {
                dom_id: format!("q-{}", q.id),
                name: field_name(&q.id),
                text: q.text.get(language).to_owned(),
                required: q.required,
                is_text: q.kind == QuestionKind::Text,
                is_scale: q.kind.scale().is_some(),
                is_multi: matches!(q.kind, QuestionKind::MultiChoice { .. }),
                points,
                low,
                high,
                options,
                value: if q.kind == QuestionKind::Text {
                    normalise_text(state.first(&q.id))
                } else {
                    String::new()
                },
                error: state.errors.get(&q.id).cloned(),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn survey() -> SurveyDefinition {
        SurveyDefinition::from_json(json!({"name":"S","languages":["de","en"],"questions":[
            {"id":"nps","type":"nps","required":true,"text":{"de":"Empfehlen?","en":"Recommend?"}},
            {"id":"tags","type":"multi_choice","text":{"de":"Was?","en":"What?"},"options":[
                {"id":"a","text":{"de":"A","en":"A"}},{"id":"b","text":{"de":"B","en":"B"}}]},
            {"id":"why","type":"text","text":{"de":"Warum?","en":"Why?"}}]}))
        .expect("valid")
    }

    fn pairs(items: &[(&str, &str)]) -> Vec<(String, String)> {
        items
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn builds_typed_answers_from_form_fields() {
        let fields = pairs(&[
            ("a_nps", "9"),
            ("a_tags", "a"),
            ("a_tags", "b"),
            ("a_why", "gut\r\nso"),
            ("lang", "de"),
        ]);
        let answers = answers(&survey(), &fields);
        assert_eq!(
            Value::Object(answers),
            json!({"nps": 9, "tags": ["a", "b"], "why": "gut\nso"})
        );
    }

    #[test]
    fn passes_non_integers_on_and_leaves_blanks_out() {
        let fields = pairs(&[("a_nps", "neun"), ("a_why", "  ")]);
        assert_eq!(
            Value::Object(answers(&survey(), &fields)),
            json!({"nps": "neun"})
        );
    }

    #[test]
    fn keeps_what_was_sent_on_re_render() {
        let fields = pairs(&[
            ("a_nps", "7"),
            ("a_tags", "b"),
            ("a_why", "<b>x</b>"),
            ("rid", "0123456789abcdef0123456789abcdef"),
        ]);
        let state = FormState::submitted(&survey(), &fields);
        assert_eq!(
            state.external_id().as_deref(),
            Some("web-0123456789abcdef0123456789abcdef")
        );
        let views = question_views(&survey(), Language::En, &state);
        assert!(
            views[0]
                .points
                .iter()
                .find(|p| p.value == 7)
                .is_some_and(|p| p.checked)
        );
        assert_eq!(views[0].points.iter().filter(|p| p.checked).count(), 1);
        assert!(!views[1].options[0].checked && views[1].options[1].checked);
        assert_eq!(views[2].value, "<b>x</b>");
    }
}
