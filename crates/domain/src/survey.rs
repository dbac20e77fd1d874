//! Survey definitions: what a survey asks, in which languages, on which scales.
//!
//! A [`SurveyDraft`] is the JSON shape clients send and the shape stored; [`SurveyDefinition`]
//! is the validated form the rest of the product trusts. Parsing collects every problem at
//! once, with a field path (`questions[1].text.en`) per problem.

use crate::language::Language;
use crate::metrics::MetricKind;
use crate::validation::{Errors, FieldError};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

pub const MAX_QUESTIONS: usize = 100;
pub const MAX_OPTIONS: usize = 50;
pub const MAX_NAME_CHARS: usize = 200;
pub const MAX_QUESTION_TEXT_CHARS: usize = 1_000;
pub const MAX_RATING_SPAN: i64 = 100;

/// The wire and storage shape of a survey definition. Unknown fields are rejected.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SurveyDraft {
    pub name: String,
    #[serde(default = "default_languages")]
    pub languages: Vec<String>,
    pub questions: Vec<QuestionDraft>,
    /// An anonymous survey never stores identifying data (see [`SurveyDefinition::anonymous`]).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub anonymous: bool,
}

fn default_languages() -> Vec<String> {
    Language::ALL
        .iter()
        .map(|l| l.as_str().to_owned())
        .collect()
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QuestionDraft {
    pub id: String,
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default)]
    pub required: bool,
    pub text: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub options: Option<Vec<OptionDraft>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OptionDraft {
    pub id: String,
    pub text: BTreeMap<String, String>,
}

/// Text in every language of its survey (validated: none missing, none empty).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Texts(BTreeMap<Language, String>);

impl Texts {
    /// The text in `language`, or the first available one (never panics on a valid survey).
    pub fn get(&self, language: Language) -> &str {
        self.0
            .get(&language)
            .or_else(|| self.0.values().next())
            .map(String::as_str)
            .unwrap_or("")
    }

    fn to_draft(&self) -> BTreeMap<String, String> {
        self.0
            .iter()
            .map(|(l, t)| (l.as_str().to_owned(), t.clone()))
            .collect()
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChoiceOption {
    pub id: String,
    pub text: Texts,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum QuestionKind {
    Nps,
    Csat,
    Ces,
    Rating { min: i64, max: i64 },
    SingleChoice { options: Vec<ChoiceOption> },
    MultiChoice { options: Vec<ChoiceOption> },
    Text,
}

impl QuestionKind {
    pub fn type_name(&self) -> &'static str {
        match self {
            QuestionKind::Nps => "nps",
            QuestionKind::Csat => "csat",
            QuestionKind::Ces => "ces",
            QuestionKind::Rating { .. } => "rating",
            QuestionKind::SingleChoice { .. } => "single_choice",
            QuestionKind::MultiChoice { .. } => "multi_choice",
            QuestionKind::Text => "text",
        }
    }

    /// The inclusive integer scale of score-like questions.
    pub fn scale(&self) -> Option<(i64, i64)> {
        match self {
            QuestionKind::Nps => Some(MetricKind::Nps.scale()),
            QuestionKind::Csat => Some(MetricKind::Csat.scale()),
            QuestionKind::Ces => Some(MetricKind::Ces.scale()),
            QuestionKind::Rating { min, max } => Some((*min, *max)),
            _ => None,
        }
    }

    /// The headline metric this question feeds, if any.
    pub fn metric(&self) -> Option<MetricKind> {
        match self {
            QuestionKind::Nps => Some(MetricKind::Nps),
            QuestionKind::Csat => Some(MetricKind::Csat),
            QuestionKind::Ces => Some(MetricKind::Ces),
            _ => None,
        }
    }

    pub fn options(&self) -> &[ChoiceOption] {
        match self {
            QuestionKind::SingleChoice { options } | QuestionKind::MultiChoice { options } => {
                options
            }
            _ => &[],
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Question {
    pub id: String,
    pub kind: QuestionKind,
    pub required: bool,
    pub text: Texts,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SurveyDefinition {
    pub name: String,
    pub languages: Vec<Language>,
    pub questions: Vec<Question>,
    /// Responses are stored without anything that identifies the respondent: no external or
    /// customer id is accepted, personal data in comments is replaced by placeholders, and
    /// times are kept to the day. Once responses exist it cannot be switched off.
    pub anonymous: bool,
}

impl SurveyDefinition {
    /// Parses a JSON value into a validated definition. Shape errors (unknown field, wrong
    /// type) and rule errors are both reported as field errors.
    pub fn from_json(value: serde_json::Value) -> Result<Self, Vec<FieldError>> {
        let draft: SurveyDraft = serde_path_to_error::deserialize(value).map_err(|e| {
            let path = e.path().to_string();
            let field = if path == "." { String::new() } else { path };
            vec![FieldError::new(field, e.into_inner().to_string())]
        })?;
        Self::try_from(draft)
    }

    pub fn question(&self, id: &str) -> Option<&Question> {
        self.questions.iter().find(|q| q.id == id)
    }

    pub fn default_language(&self) -> Language {
        self.languages.first().copied().unwrap_or(Language::De)
    }

    /// Questions that feed a headline metric, with that metric.
    pub fn metric_questions(&self) -> impl Iterator<Item = (&Question, MetricKind)> {
        self.questions
            .iter()
            .filter_map(|q| q.kind.metric().map(|m| (q, m)))
    }

    pub fn to_draft(&self) -> SurveyDraft {
        SurveyDraft {
            name: self.name.clone(),
            languages: self
                .languages
                .iter()
                .map(|l| l.as_str().to_owned())
                .collect(),
            questions: self.questions.iter().map(question_to_draft).collect(),
            anonymous: self.anonymous,
        }
    }

    /// Checks that `self` (an edit) keeps every answer already collected under `previous`
    /// meaningful: no question removed, no type or scale changed, no choice option removed.
    /// Texts, `required`, the name and new questions or options may change freely.
    pub fn check_compatible_with(
        &self,
        previous: &SurveyDefinition,
    ) -> Result<(), Vec<FieldError>> {
        let mut errors = Errors::default();
        if previous.anonymous && !self.anonymous {
            errors.push(
                "anonymous",
                "the survey has anonymous responses; it cannot stop being anonymous",
            );
        }
        for old in &previous.questions {
            let Some((index, new)) = self
                .questions
                .iter()
                .enumerate()
                .find(|(_, q)| q.id == old.id)
            else {
                errors.push(
                    "questions",
                    format!("question '{}' has responses and cannot be removed", old.id),
                );
                continue;
            };
            if old.kind.type_name() != new.kind.type_name() || old.kind.scale() != new.kind.scale()
            {
                errors.push(
                    format!("questions[{index}].type"),
                    format!(
                        "question '{}' has responses; its type and scale cannot change",
                        old.id
                    ),
                );
            }
            for option in old.kind.options() {
                if !new.kind.options().iter().any(|o| o.id == option.id) {
                    errors.push(
                        format!("questions[{index}].options"),
                        format!("option '{}' has responses and cannot be removed", option.id),
                    );
                }
            }
        }
        errors.finish(())
    }
}

fn question_to_draft(q: &Question) -> QuestionDraft {
    let (min, max) = match q.kind {
        QuestionKind::Rating { min, max } => (Some(min), Some(max)),
        _ => (None, None),
    };
    let options = match &q.kind {
        QuestionKind::SingleChoice { options } | QuestionKind::MultiChoice { options } => Some(
            options
                .iter()
                .map(|o| OptionDraft {
                    id: o.id.clone(),
                    text: o.text.to_draft(),
                })
                .collect(),
        ),
        _ => None,
    };
    QuestionDraft {
        id: q.id.clone(),
        kind: q.kind.type_name().to_owned(),
        required: q.required,
        text: q.text.to_draft(),
        min,
        max,
        options,
    }
}

/// Ids of questions and options: short, lowercase, safe in URLs, CSV headers and form names.
pub fn is_valid_key(key: &str) -> bool {
    !key.is_empty()
        && key.len() <= 64
        && key
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

impl TryFrom<SurveyDraft> for SurveyDefinition {
    type Error = Vec<FieldError>;

    fn try_from(draft: SurveyDraft) -> Result<Self, Self::Error> {
        let mut errors = Errors::default();
        let name = draft.name.trim().to_owned();
        if name.is_empty() {
            errors.push("name", "must not be empty");
        } else if name.chars().count() > MAX_NAME_CHARS {
            errors.push(
                "name",
                format!("must be at most {MAX_NAME_CHARS} characters"),
            );
        }

        let mut languages = Vec::new();
        for (i, code) in draft.languages.iter().enumerate() {
            match Language::parse(code) {
                Some(l) if languages.contains(&l) => errors.push(
                    format!("languages[{i}]"),
                    format!("'{code}' is listed twice"),
                ),
                Some(l) => languages.push(l),
                None => errors.push(
                    format!("languages[{i}]"),
                    format!("unsupported language '{code}'; supported: de, en"),
                ),
            }
        }
        if draft.languages.is_empty() {
            errors.push("languages", "must name at least one language");
        }

        if draft.questions.is_empty() {
            errors.push("questions", "a survey needs at least one question");
        } else if draft.questions.len() > MAX_QUESTIONS {
            errors.push("questions", format!("at most {MAX_QUESTIONS} questions"));
        }

        let mut seen = BTreeSet::new();
        let mut questions = Vec::with_capacity(draft.questions.len());
        for (i, q) in draft.questions.iter().enumerate() {
            let field = format!("questions[{i}]");
            if !is_valid_key(&q.id) {
                errors.push(
                    format!("{field}.id"),
                    "must be 1–64 characters of a–z, 0–9 and _",
                );
            } else if !seen.insert(q.id.clone()) {
                errors.push(
                    format!("{field}.id"),
                    format!("duplicate question id '{}'", q.id),
                );
            }
            let text = parse_texts(&q.text, &languages, &format!("{field}.text"), &mut errors);
            let kind = parse_kind(q, &languages, &field, &mut errors);
            if let (Some(text), Some(kind)) = (text, kind) {
                questions.push(Question {
                    id: q.id.clone(),
                    kind,
                    required: q.required,
                    text,
                });
            }
        }
        errors.finish(SurveyDefinition {
            name,
            languages,
            questions,
            anonymous: draft.anonymous,
        })
    }
}

fn parse_texts(
    raw: &BTreeMap<String, String>,
    languages: &[Language],
    field: &str,
    errors: &mut Errors,
) -> Option<Texts> {
    let before = errors.is_empty();
    let mut texts = BTreeMap::new();
    for (code, text) in raw {
        match Language::parse(code) {
            Some(l) if languages.contains(&l) => {
                let trimmed = text.trim();
                if trimmed.is_empty() {
                    errors.push(format!("{field}.{code}"), "must not be empty");
                } else if trimmed.chars().count() > MAX_QUESTION_TEXT_CHARS {
                    errors.push(
                        format!("{field}.{code}"),
                        format!("must be at most {MAX_QUESTION_TEXT_CHARS} characters"),
                    );
                } else {
                    texts.insert(l, trimmed.to_owned());
                }
            }
            _ => errors.push(
                format!("{field}.{code}"),
                format!("'{code}' is not one of the survey's languages"),
            ),
        }
    }
    for language in languages {
        if !raw.keys().any(|k| Language::parse(k) == Some(*language)) {
            errors.push(
                format!("{field}.{language}"),
                "missing text for this survey language",
            );
        }
    }
    (before == errors.is_empty() || !texts.is_empty()).then_some(Texts(texts))
}

fn parse_kind(
    q: &QuestionDraft,
    languages: &[Language],
    field: &str,
    errors: &mut Errors,
) -> Option<QuestionKind> {
    let wants_scale = q.kind == "rating";
    let wants_options = q.kind == "single_choice" || q.kind == "multi_choice";
    if !wants_scale && (q.min.is_some() || q.max.is_some()) {
        errors.push(
            format!("{field}.min"),
            format!(
                "'min'/'max' apply only to rating questions, not '{}'",
                q.kind
            ),
        );
    }
    if !wants_options && q.options.is_some() {
        errors.push(
            format!("{field}.options"),
            format!("'options' apply only to choice questions, not '{}'", q.kind),
        );
    }
    match q.kind.as_str() {
        "nps" => Some(QuestionKind::Nps),
        "csat" => Some(QuestionKind::Csat),
        "ces" => Some(QuestionKind::Ces),
        "text" => Some(QuestionKind::Text),
        "rating" => {
            match (q.min, q.max) {
                (Some(min), Some(max)) if min < max && max - min <= MAX_RATING_SPAN => {
                    Some(QuestionKind::Rating { min, max })
                }
                (Some(_), Some(_)) => {
                    errors.push(
                    format!("{field}.max"),
                    format!("'max' must be greater than 'min' and at most {MAX_RATING_SPAN} above it"),
                );
                    None
                }
                _ => {
                    errors.push(
                        format!("{field}.min"),
                        "rating questions need integer 'min' and 'max'",
                    );
                    None
                }
            }
        }
        "single_choice" | "multi_choice" => {
            let options = parse_options(q.options.as_deref(), languages, field, errors)?;
            Some(if q.kind == "single_choice" {
                QuestionKind::SingleChoice { options }
            } else {
                QuestionKind::MultiChoice { options }
            })
        }
        other => {
            errors.push(
                format!("{field}.type"),
                format!("unknown question type '{other}'; expected nps, csat, ces, rating, single_choice, multi_choice or text"),
            );
            None
        }
    }
}

fn parse_options(
    raw: Option<&[OptionDraft]>,
    languages: &[Language],
    field: &str,
    errors: &mut Errors,
) -> Option<Vec<ChoiceOption>> {
    let Some(raw) = raw else {
        errors.push(
            format!("{field}.options"),
            "choice questions need 'options'",
        );
        return None;
    };
    if raw.len() < 2 || raw.len() > MAX_OPTIONS {
        errors.push(
            format!("{field}.options"),
            format!("between 2 and {MAX_OPTIONS} options"),
        );
        return None;
    }
    let mut seen = BTreeSet::new();
    let mut options = Vec::with_capacity(raw.len());
    for (i, o) in raw.iter().enumerate() {
        let option_field = format!("{field}.options[{i}]");
        if !is_valid_key(&o.id) {
            errors.push(
                format!("{option_field}.id"),
                "must be 1–64 characters of a–z, 0–9 and _",
            );
        } else if !seen.insert(o.id.clone()) {
            errors.push(
                format!("{option_field}.id"),
                format!("duplicate option id '{}'", o.id),
            );
        }
        if let Some(text) = parse_texts(&o.text, languages, &format!("{option_field}.text"), errors)
        {
            options.push(ChoiceOption {
                id: o.id.clone(),
                text,
            });
        }
    }
    Some(options)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    pub(crate) fn example() -> serde_json::Value {
        json!({"name":"Relationship NPS","languages":["de","en"],"questions":[
            {"id":"nps","type":"nps","required":true,"text":{"de":"Wie wahrscheinlich ist es, dass Sie uns weiterempfehlen?","en":"How likely are you to recommend us?"}},
            {"id":"why","type":"text","text":{"de":"Warum?","en":"Why?"}}]})
    }

    #[test]
    fn parses_the_documented_example() {
        let def = SurveyDefinition::from_json(example()).expect("valid");
        assert_eq!(def.questions.len(), 2);
        assert_eq!(def.questions[0].kind, QuestionKind::Nps);
        assert!(def.questions[0].required);
        assert_eq!(def.questions[1].text.get(Language::En), "Why?");
    }

    #[test]
    fn round_trips_through_the_draft() {
        let def = SurveyDefinition::from_json(example()).expect("valid");
        let again = SurveyDefinition::try_from(def.to_draft()).expect("valid");
        assert_eq!(def, again);
    }

    #[test]
    fn unknown_fields_are_named() {
        let mut value = example();
        value["questions"][0]["colour"] = json!("red");
        let errors = SurveyDefinition::from_json(value).expect_err("unknown field");
        assert_eq!(errors[0].field, "questions[0].colour");
        assert!(errors[0].message.contains("colour"), "{errors:?}");
    }

    #[test]
    fn collects_every_rule_error() {
        let value = json!({"name":" ","languages":["de","fr"],"questions":[
            {"id":"A","type":"rating","min":5,"max":1,"text":{"de":"x"}},
            {"id":"c","type":"single_choice","text":{"de":"x"},"options":[{"id":"a","text":{"de":"A"}}]},
            {"id":"c","type":"slider","text":{"de":"x"}}]});
        let errors = SurveyDefinition::from_json(value).expect_err("invalid");
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        for expected in [
            "name",
            "languages[1]",
            "questions[0].id",
            "questions[0].max",
            "questions[1].options",
            "questions[2].id",
            "questions[2].type",
        ] {
            assert!(
                fields.contains(&expected),
                "missing {expected} in {fields:?}"
            );
        }
    }

    #[test]
    fn edits_keep_collected_answers_meaningful() {
        let old = SurveyDefinition::from_json(example()).expect("valid");
        let mut renamed = example();
        renamed["questions"][0]["text"]["en"] = json!("Would you recommend us?");
        renamed["questions"]
            .as_array_mut()
            .expect("array")
            .push(json!({"id":"extra","type":"csat","text":{"de":"Zufrieden?","en":"Satisfied?"}}));
        let new = SurveyDefinition::from_json(renamed).expect("valid");
        assert!(new.check_compatible_with(&old).is_ok());

        let mut retyped = example();
        retyped["questions"][0]["type"] = json!("csat");
        let new = SurveyDefinition::from_json(retyped).expect("valid");
        assert!(new.check_compatible_with(&old).is_err());
    }
}
