//! Tokenizer for feedback text: words (with inner hyphens and apostrophes), hashtags,
//! mentions, URLs, numbers, ASCII emoticons, emoji and punctuation runs. Every token keeps
//! its byte span in the original text so evidence can point back into it.

/// What a token is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    Word,
    /// `#word`; `lower` holds the word without `#`.
    Hashtag,
    /// `@name`; carries no sentiment.
    Mention,
    Url,
    Number,
    /// ASCII emoticon such as `:-)` or `<3`; `lower` holds it verbatim.
    Emoticon,
    /// A single emoji (one scalar value; variation selectors and joiners are skipped).
    Emoji,
    /// A run of `!` and/or `?` (e.g. `!!!`, `?!`).
    Exclaim,
    /// Sentence end: `.`, `…`, `;`, `:` or a line break.
    SentenceEnd,
    /// `,` and dashes: clause separators.
    Comma,
}

/// One token with its byte span `[start, end)` in the input.
#[derive(Debug, Clone, PartialEq)]
pub struct Token {
    pub kind: TokenKind,
    /// Lower-cased text (for `Hashtag` without the `#`).
    pub lower: String,
    pub start: usize,
    pub end: usize,
    /// Written in capitals (`TOLL`, two or more letters) — emphasis in feedback.
    pub shouted: bool,
}

const EMOTICONS: &[&str] = &[
    ":-)))", ":-))", ":)))", ":))", ":-)", ":)", ":-]", ":]", ":-D", ":D", ";-)", ";)", ";-D",
    ";D", ":-P", ":P", ":-p", ":p", ":-(((", ":-((", ":(((", ":((", ":-(", ":(", ":'(", ":'-(",
    ":-[", ":[", ":-/", ":/", ":-\\", ":\\", ":-|", ":|", ":-*", ":*", ":-o", ":-O", ":o", ":O",
    "=)", "=(", "=D", "xD", "XD", "xd", "<3", "</3", "^^", "^_^", "-_-", "D:", ":-S", ":S", "8-)",
    "B-)",
];

fn is_emoji(c: char) -> bool {
    matches!(c as u32,
        0x1F300..=0x1FAFF | 0x2600..=0x27BF | 0x1F000..=0x1F2FF | 0x2B50 | 0x2B55 | 0x2B06 | 0x2B07 | 0x2190..=0x21FF)
}

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// Splits `text` into tokens. Never panics; spans are on char boundaries.
pub fn tokenize(text: &str) -> Vec<Token> {
    let mut out = Vec::with_capacity(text.len() / 5 + 1);
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < text.len() {
        let rest = &text[i..];
        let Some(c) = rest.chars().next() else { break };
        let clen = c.len_utf8();
        let prev_is_space = i == 0
            || text[..i]
                .chars()
                .next_back()
                .is_some_and(|p| p.is_whitespace() || p == '(' || p == '"');

        // URLs
        if starts_with_ci(rest, "http://")
            || starts_with_ci(rest, "https://")
            || starts_with_ci(rest, "www.")
        {
            let end = i + rest.find(char::is_whitespace).unwrap_or(rest.len());
            out.push(tok(TokenKind::Url, i, end, String::new()));
            i = end;
            continue;
        }
        // Emoticons need a space (or start) before them so "Note:D" inside words is rare.
        if prev_is_space
            && matches!(
                c,
                ':' | ';' | '=' | 'x' | 'X' | '<' | '^' | '-' | 'D' | '8' | 'B'
            )
            && let Some(e) = EMOTICONS
                .iter()
                .filter(|e| rest.starts_with(**e))
                .max_by_key(|e| e.len())
            && text[i + e.len()..]
                .chars()
                .next()
                .is_none_or(|n| !is_word_char(n))
        {
            let end = i + e.len();
            out.push(tok(TokenKind::Emoticon, i, end, (*e).to_string()));
            i = end;
            continue;
        }
        if c == '#' || c == '@' {
            let word_end = i + clen + word_len(&rest[clen..]);
            if word_end > i + clen {
                let kind = if c == '#' {
                    TokenKind::Hashtag
                } else {
                    TokenKind::Mention
                };
                let lower = text[i + clen..word_end].to_lowercase();
                out.push(tok(kind, i, word_end, lower));
                i = word_end;
                continue;
            }
            i += clen;
            continue;
        }
        if is_word_char(c) {
            let end = i + word_len(rest);
            let word = &text[i..end];
            let kind = if word
                .chars()
                .all(|ch| ch.is_ascii_digit() || ch == '.' || ch == ',')
            {
                TokenKind::Number
            } else {
                TokenKind::Word
            };
            let mut t = tok(kind, i, end, word.to_lowercase());
            let letters = word.chars().filter(|ch| ch.is_alphabetic()).count();
            t.shouted = kind == TokenKind::Word
                && letters >= 2
                && word.chars().all(|ch| !ch.is_lowercase());
            out.push(t);
            i = end;
            continue;
        }
        if is_emoji(c) {
            out.push(tok(TokenKind::Emoji, i, i + clen, c.to_string()));
            i += clen;
            continue;
        }
        match c {
            '!' | '?' => {
                let end = i + rest
                    .find(|ch: char| ch != '!' && ch != '?')
                    .unwrap_or(rest.len());
                let run = text[i..end].to_string();
                out.push(tok(TokenKind::Exclaim, i, end, run));
                i = end;
            }
            '.' | '…' | ';' | ':' | '\n' | '\r' => {
                let end = i + rest
                    .find(|ch: char| !matches!(ch, '.' | '…' | ';' | ':' | '\n' | '\r'))
                    .unwrap_or(rest.len());
                out.push(tok(TokenKind::SentenceEnd, i, end, String::new()));
                i = end;
            }
            ',' | '–' | '—' => {
                out.push(tok(TokenKind::Comma, i, i + clen, String::new()));
                i += clen;
            }
            '-' if prev_is_space && bytes.get(i + 1).is_some_and(|b| *b == b' ') => {
                out.push(tok(TokenKind::Comma, i, i + 1, String::new()));
                i += 1;
            }
            _ => i += clen,
        }
    }
    out
}

fn tok(kind: TokenKind, start: usize, end: usize, lower: String) -> Token {
    Token {
        kind,
        lower,
        start,
        end,
        shouted: false,
    }
}

fn starts_with_ci(s: &str, prefix: &str) -> bool {
    s.len() >= prefix.len() && s.as_bytes()[..prefix.len()].eq_ignore_ascii_case(prefix.as_bytes())
}

/// Length in bytes of the word starting at `s`: word chars with single inner `-`, `'`, `’`,
/// `.` between letters kept (e.g. `Full-Service`, `don't`).
fn word_len(s: &str) -> usize {
    let mut end = 0;
    let mut chars = s.char_indices().peekable();
    while let Some((idx, c)) = chars.next() {
        if is_word_char(c) {
            end = idx + c.len_utf8();
        } else if matches!(c, '-' | '\'' | '’') && end == idx && end > 0 {
            match chars.peek() {
                Some((_, n)) if n.is_alphanumeric() => {}
                _ => break,
            }
        } else {
            break;
        }
    }
    end
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn lowers(t: &str) -> Vec<String> {
        tokenize(t).into_iter().map(|t| t.lower).collect()
    }

    #[test]
    fn words_emoticons_and_punctuation() {
        let toks = tokenize("Super Service :-) aber die Rechnung??? 😡 #fail @DB_Bahn");
        let kinds: Vec<_> = toks.iter().map(|t| t.kind).collect();
        assert_eq!(
            kinds,
            vec![
                TokenKind::Word,
                TokenKind::Word,
                TokenKind::Emoticon,
                TokenKind::Word,
                TokenKind::Word,
                TokenKind::Word,
                TokenKind::Exclaim,
                TokenKind::Emoji,
                TokenKind::Hashtag,
                TokenKind::Mention
            ]
        );
        assert_eq!(toks[6].lower, "???");
        assert_eq!(toks[8].lower, "fail");
    }

    #[test]
    fn inner_hyphen_and_apostrophe_stay_in_word() {
        assert_eq!(lowers("Full-Service don't"), vec!["full-service", "don't"]);
        assert_eq!(lowers("gut - aber"), vec!["gut", "", "aber"]);
    }

    #[test]
    fn shouting_is_flagged() {
        let toks = tokenize("das ist TOLL a I");
        assert!(toks[2].shouted);
        assert!(!toks[0].shouted);
        assert!(!toks[4].shouted);
    }

    #[test]
    fn urls_are_one_token() {
        let toks = tokenize("siehe https://t.co/abc?x=1 danke");
        assert_eq!(toks[1].kind, TokenKind::Url);
        assert_eq!(toks[2].lower, "danke");
    }

    proptest! {
        #[test]
        fn spans_are_valid_and_ordered(s in "\\PC{0,200}") {
            let toks = tokenize(&s);
            let mut last = 0;
            for t in &toks {
                prop_assert!(t.start < t.end);
                prop_assert!(t.start >= last);
                prop_assert!(s.is_char_boundary(t.start) && s.is_char_boundary(t.end));
                last = t.end;
            }
        }

        #[test]
        fn arbitrary_unicode_never_panics(s in any::<String>()) {
            let _ = tokenize(&s);
        }
    }
}
