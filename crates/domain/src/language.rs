//! The languages Touchpoint speaks to respondents and users in.

use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Language {
    De,
    En,
}

impl Language {
    pub const ALL: [Language; 2] = [Language::De, Language::En];

    pub fn as_str(self) -> &'static str {
        match self {
            Language::De => "de",
            Language::En => "en",
        }
    }

    pub fn parse(code: &str) -> Option<Self> {
        match code.trim().to_ascii_lowercase().as_str() {
            "de" => Some(Language::De),
            "en" => Some(Language::En),
            _ => None,
        }
    }

    /// Picks the best of `offered` for an HTTP `Accept-Language` header, honouring q-values
    /// and region subtags (`de-AT` matches `de`). `None` when nothing offered is acceptable.
    pub fn negotiate(header: &str, offered: &[Language]) -> Option<Language> {
        let mut best: Option<(f32, usize, Language)> = None;
        for (position, part) in header.split(',').enumerate() {
            let mut pieces = part.split(';');
            let tag = pieces.next().unwrap_or("").trim();
            let primary = tag.split('-').next().unwrap_or("");
            let quality = pieces
                .find_map(|p| p.trim().strip_prefix("q="))
                .and_then(|q| q.trim().parse::<f32>().ok())
                .unwrap_or(1.0);
            if quality <= 0.0 {
                continue;
            }
            let Some(language) = Language::parse(primary).filter(|l| offered.contains(l)) else {
                continue;
            };
            let better = match best {
                None => true,
                Some((q, pos, _)) => quality > q || (quality == q && position < pos),
            };
            if better {
                best = Some((quality, position, language));
            }
        }
        best.map(|(_, _, language)| language)
    }
}

impl fmt::Display for Language {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn negotiates_by_quality_and_region() {
        let both = [Language::De, Language::En];
        assert_eq!(
            Language::negotiate("de-AT,de;q=0.9,en;q=0.8", &both),
            Some(Language::De)
        );
        assert_eq!(
            Language::negotiate("fr-FR, en-US;q=0.7, de;q=0.5", &both),
            Some(Language::En)
        );
        assert_eq!(Language::negotiate("fr", &both), None);
        assert_eq!(Language::negotiate("en;q=0, de", &both), Some(Language::De));
        assert_eq!(Language::negotiate("en", &[Language::De]), None);
    }
}
