//! Retention policies: how long each class of stored data is kept, and what happens to it
//! afterwards. Also the redaction used to anonymise free text. Pure rules; the store applies
//! them and the jobs crate runs them on a schedule.

use crate::validation::FieldError;
use std::fmt;

/// A class of stored data a policy can govern.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum DataClass {
    /// The free-text answers of responses (and their stored analysis text).
    Comments,
    /// Whole responses: answers, comments, analyses; metric aggregates are corrected.
    Responses,
}

/// What happens to data older than the policy's age.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RetentionAction {
    /// Removed for good.
    Delete,
    /// Kept, with personal data (e-mail addresses, phone and account numbers, web addresses)
    /// replaced by placeholders. The analysis (language, sentiment, themes) stays.
    Anonymise,
}

impl DataClass {
    pub const ALL: [DataClass; 2] = [DataClass::Comments, DataClass::Responses];

    pub fn as_str(self) -> &'static str {
        match self {
            DataClass::Comments => "comments",
            DataClass::Responses => "responses",
        }
    }

    pub fn parse(raw: &str) -> Option<DataClass> {
        DataClass::ALL.into_iter().find(|c| c.as_str() == raw)
    }

    /// The actions that make sense for this class.
    pub fn actions(self) -> &'static [RetentionAction] {
        match self {
            DataClass::Comments => &[RetentionAction::Delete, RetentionAction::Anonymise],
            DataClass::Responses => &[RetentionAction::Delete],
        }
    }
}

impl fmt::Display for DataClass {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl RetentionAction {
    pub fn as_str(self) -> &'static str {
        match self {
            RetentionAction::Delete => "delete",
            RetentionAction::Anonymise => "anonymise",
        }
    }

    pub fn parse(raw: &str) -> Option<RetentionAction> {
        match raw {
            "delete" => Some(RetentionAction::Delete),
            "anonymise" => Some(RetentionAction::Anonymise),
            _ => None,
        }
    }
}

impl fmt::Display for RetentionAction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The shortest and longest age a policy may name (one day; one hundred years).
pub const MIN_DAYS: i64 = 1;
pub const MAX_DAYS: i64 = 36_500;

const DAY_MS: i64 = 86_400_000;

/// A valid policy: data of `class` older than `days` gets `action`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetentionPolicy {
    pub class: DataClass,
    pub action: RetentionAction,
    pub days: i64,
}

impl RetentionPolicy {
    /// Validates a policy as a client states it.
    pub fn new(
        class: DataClass,
        action: &str,
        days: i64,
    ) -> Result<RetentionPolicy, Vec<FieldError>> {
        let mut errors = Vec::new();
        let parsed = RetentionAction::parse(action);
        match parsed {
            None => errors.push(FieldError::new(
                "action",
                "must be \"delete\" or \"anonymise\"",
            )),
            Some(a) if !class.actions().contains(&a) => errors.push(FieldError::new(
                "action",
                format!("{class} can only be deleted, not anonymised"),
            )),
            Some(_) => {}
        }
        if !(MIN_DAYS..=MAX_DAYS).contains(&days) {
            errors.push(FieldError::new(
                "days",
                format!("must be between {MIN_DAYS} and {MAX_DAYS}"),
            ));
        }
        match parsed {
            Some(action) if errors.is_empty() => Ok(RetentionPolicy {
                class,
                action,
                days,
            }),
            _ => Err(errors),
        }
    }

    /// Data submitted before this instant (ms) is due.
    pub fn cutoff(&self, now_ms: i64) -> i64 {
        now_ms.saturating_sub(self.days.saturating_mul(DAY_MS))
    }
}

/// Placeholders that replace personal data in anonymised text.
pub const EMAIL_PLACEHOLDER: &str = "[email]";
pub const NUMBER_PLACEHOLDER: &str = "[number]";
pub const URL_PLACEHOLDER: &str = "[url]";

/// Replaces e-mail addresses, web addresses and long numbers (phone, customer, contract and
/// account numbers, IBANs: five or more digits, possibly with spaces, `+`, `-`, `/` between
/// them) with placeholders. Idempotent: redacting twice changes nothing more.
pub fn redact_personal_data(text: &str) -> String {
    let words: Vec<&str> = text.split_inclusive(char::is_whitespace).collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < words.len() {
        let (word, space) = split_trailing_space(words[i]);
        if is_email(word) {
            out.push_str(&replace_core(word, EMAIL_PLACEHOLDER));
            out.push_str(space);
            i += 1;
            continue;
        }
        if is_url(word) {
            out.push_str(&replace_core(word, URL_PLACEHOLDER));
            out.push_str(space);
            i += 1;
            continue;
        }
        // A run of number-ish words ("+49 30 1234 5678", "DE89 3704 0044 0532 0130 00").
        let mut j = i;
        let mut digits = 0;
        while j < words.len() {
            let (w, _) = split_trailing_space(words[j]);
            if !is_number_part(w) {
                break;
            }
            digits += w.chars().filter(char::is_ascii_digit).count();
            j += 1;
        }
        if j > i && digits >= 5 {
            let (last, last_space) = split_trailing_space(words[j - 1]);
            let trailing: String = last
                .chars()
                .rev()
                .take_while(|c| is_closing_punctuation(*c))
                .collect::<Vec<_>>()
                .into_iter()
                .rev()
                .collect();
            let (first, _) = split_trailing_space(words[i]);
            let leading: String = first.chars().take_while(|c| *c == '(').collect();
            out.push_str(&leading);
            out.push_str(NUMBER_PLACEHOLDER);
            out.push_str(&trailing);
            out.push_str(last_space);
            i = j;
            continue;
        }
        out.push_str(words[i]);
        i += 1;
    }
    out
}

fn split_trailing_space(word: &str) -> (&str, &str) {
    let core = word.trim_end_matches(char::is_whitespace);
    (core, &word[core.len()..])
}

fn is_closing_punctuation(c: char) -> bool {
    matches!(c, '.' | ',' | ';' | ':' | '!' | '?' | ')' | '"' | '\'')
}

/// Keeps leading `(`/`<` and trailing punctuation around the placeholder.
fn replace_core(word: &str, placeholder: &str) -> String {
    let leading: String = word
        .chars()
        .take_while(|c| matches!(c, '(' | '<'))
        .collect();
    let trailing: String = word
        .chars()
        .rev()
        .take_while(|c| is_closing_punctuation(*c) || *c == '>')
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    format!("{leading}{placeholder}{trailing}")
}

fn is_email(word: &str) -> bool {
    let core = word.trim_matches(|c: char| !c.is_alphanumeric());
    let Some((local, domain)) = core.split_once('@') else {
        return false;
    };
    !local.is_empty() && domain.contains('.') && !domain.starts_with('.')
}

fn is_url(word: &str) -> bool {
    let lower = word.trim_start_matches(['(', '<']).to_ascii_lowercase();
    lower.starts_with("http://") || lower.starts_with("https://") || lower.starts_with("www.")
}

/// A word that can be part of a phone or account number: digits and separators, or a
/// two-letter country prefix of an IBAN followed by digits.
fn is_number_part(word: &str) -> bool {
    let core = word
        .trim_start_matches('(')
        .trim_end_matches(is_closing_punctuation);
    if core.is_empty() || core == NUMBER_PLACEHOLDER {
        return false;
    }
    let body = match core.get(..2) {
        Some(prefix) if prefix.chars().all(|c| c.is_ascii_uppercase()) => &core[2..],
        _ => core,
    };
    body.chars().any(|c| c.is_ascii_digit())
        && body
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '+' | '-' | '/' | '(' | ')'))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn policies_validate_action_and_age() {
        let ok = RetentionPolicy::new(DataClass::Comments, "anonymise", 365).expect("valid");
        assert_eq!(ok.action, RetentionAction::Anonymise);
        assert_eq!(ok.cutoff(400 * DAY_MS), 35 * DAY_MS);
        let errors =
            RetentionPolicy::new(DataClass::Responses, "anonymise", 0).expect_err("invalid");
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["action", "days"]);
        assert!(RetentionPolicy::new(DataClass::Comments, "shred", 30).is_err());
        assert!(RetentionPolicy::new(DataClass::Comments, "delete", MAX_DAYS + 1).is_err());
    }

    #[test]
    fn personal_data_is_replaced_and_the_rest_kept() {
        assert_eq!(
            redact_personal_data("Bitte an max.muster@example.de schreiben."),
            "Bitte an [email] schreiben."
        );
        assert_eq!(
            redact_personal_data("Ruft mich an: +49 30 1234 5678, danke"),
            "Ruft mich an: [number], danke"
        );
        assert_eq!(
            redact_personal_data("IBAN DE89 3704 0044 0532 0130 00 bitte prüfen"),
            "IBAN [number] bitte prüfen"
        );
        assert_eq!(
            redact_personal_data("Kundennummer (1234567) falsch, siehe https://x.example/a?b=1."),
            "Kundennummer ([number]) falsch, siehe [url]."
        );
        assert_eq!(
            redact_personal_data("Techniker kam 2 Std. zu spät, am 12.03."),
            "Techniker kam 2 Std. zu spät, am 12.03."
        );
        assert_eq!(redact_personal_data("Tarif 5G 100 GB"), "Tarif 5G 100 GB");
    }

    proptest! {
        #[test]
        fn redaction_is_idempotent_and_leaves_no_address(text in "[a-zA-Z0-9@.+ \\-/()\n]{0,80}") {
            let once = redact_personal_data(&text);
            prop_assert_eq!(redact_personal_data(&once), once.clone());
            for word in once.split_whitespace() {
                prop_assert!(!is_email(word), "{} left in {}", word, once);
            }
        }
    }
}
