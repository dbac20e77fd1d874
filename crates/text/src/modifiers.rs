//! Words that change the sentiment of their neighbours: negators, intensifiers,
//! downtoners, contrast conjunctions and irony markers, per language.

use crate::types::Lang;

const DE_NEGATORS: &[&str] = &[
    "nicht", "kein", "keine", "keinen", "keinem", "keiner", "keines", "nie", "niemals", "nichts",
    "ohne", "weder", "niemand", "nirgends", "nimmer", "kaum",
];
const EN_NEGATORS: &[&str] = &[
    "not",
    "hardly",
    "barely",
    "scarcely",
    "no",
    "never",
    "none",
    "nobody",
    "nothing",
    "neither",
    "nor",
    "nowhere",
    "without",
    "cannot",
    "can't",
    "cant",
    "don't",
    "dont",
    "doesn't",
    "doesnt",
    "didn't",
    "didnt",
    "isn't",
    "isnt",
    "wasn't",
    "wasnt",
    "aren't",
    "arent",
    "weren't",
    "werent",
    "won't",
    "wont",
    "wouldn't",
    "wouldnt",
    "shouldn't",
    "couldn't",
    "couldnt",
    "hasn't",
    "haven't",
    "hadn't",
    "ain't",
    "n't",
];

const DE_INTENSIFIERS: &[(&str, f32)] = &[
    ("sehr", 0.3),
    ("total", 0.35),
    ("extrem", 0.45),
    ("absolut", 0.4),
    ("echt", 0.25),
    ("wirklich", 0.25),
    ("richtig", 0.25),
    ("mega", 0.35),
    ("voll", 0.25),
    ("äußerst", 0.45),
    ("äusserst", 0.45),
    ("ausgesprochen", 0.35),
    ("besonders", 0.25),
    ("höchst", 0.4),
    ("unglaublich", 0.4),
    ("unheimlich", 0.35),
    ("komplett", 0.35),
    ("völlig", 0.4),
    ("vollkommen", 0.35),
    ("ganz", 0.2),
    ("überaus", 0.4),
    ("sau", 0.4),
    ("tierisch", 0.35),
    ("derart", 0.3),
    ("dermaßen", 0.35),
    ("so", 0.2),
    ("zu", 0.15),
    ("super", 0.3),
    ("sowas", 0.3),
    ("enorm", 0.35),
    ("maßlos", 0.4),
    ("massiv", 0.3),
    ("immer", 0.1),
    ("schon wieder", 0.3),
    ("wieder", 0.15),
    ("gar", 0.3),
    ("überhaupt", 0.3),
    ("einfach", 0.15),
];
const EN_INTENSIFIERS: &[(&str, f32)] = &[
    ("absolutely", 0.3),
    ("amazingly", 0.3),
    ("awfully", 0.3),
    ("completely", 0.3),
    ("considerably", 0.3),
    ("deeply", 0.3),
    ("enormously", 0.3),
    ("entirely", 0.3),
    ("especially", 0.3),
    ("exceptionally", 0.3),
    ("extremely", 0.35),
    ("fully", 0.3),
    ("fucking", 0.35),
    ("greatly", 0.3),
    ("highly", 0.3),
    ("hugely", 0.3),
    ("incredibly", 0.35),
    ("intensely", 0.3),
    ("particularly", 0.25),
    ("purely", 0.25),
    ("quite", 0.15),
    ("really", 0.25),
    ("remarkably", 0.3),
    ("so", 0.25),
    ("substantially", 0.3),
    ("thoroughly", 0.3),
    ("totally", 0.3),
    ("tremendously", 0.3),
    ("unbelievably", 0.35),
    ("unusually", 0.3),
    ("utterly", 0.35),
    ("very", 0.3),
    ("super", 0.3),
    ("too", 0.15),
    ("way", 0.2),
    ("seriously", 0.3),
    ("truly", 0.3),
];
const DE_DOWNTONERS: &[(&str, f32)] = &[
    ("etwas", 0.3),
    ("bisschen", 0.4),
    ("wenig", 0.4),
    ("leicht", 0.3),
    ("relativ", 0.2),
    ("eher", 0.3),
    ("einigermaßen", 0.4),
    ("halbwegs", 0.4),
    ("teilweise", 0.3),
    ("fast", 0.2),
    ("manchmal", 0.3),
    ("gelegentlich", 0.3),
    ("ziemlich", -0.1),
];
const EN_DOWNTONERS: &[(&str, f32)] = &[
    ("almost", 0.25),
    ("kinda", 0.3),
    ("less", 0.3),
    ("little", 0.3),
    ("bit", 0.35),
    ("marginally", 0.3),
    ("occasionally", 0.3),
    ("partly", 0.3),
    ("slightly", 0.35),
    ("somewhat", 0.3),
    ("sorta", 0.3),
    ("fairly", 0.15),
    ("rather", 0.1),
    ("pretty", -0.1),
];
const DE_CONTRAST: &[&str] = &[
    "aber",
    "jedoch",
    "allerdings",
    "trotzdem",
    "dennoch",
    "sondern",
    "nur leider",
    "wobei",
];
const EN_CONTRAST: &[&str] = &[
    "but",
    "however",
    "nevertheless",
    "nonetheless",
    "yet",
    "although",
    "though",
    "except",
];

/// Hashtags and tokens that reliably mark irony: positive words around them mean the opposite.
const IRONY_MARKERS: &[&str] = &[
    "ironie",
    "sarkasmus",
    "irony",
    "sarcasm",
    "not",
    "hardly",
    "barely",
    "scarcely",
    "ironieoff",
    "🙄",
];

/// Words that, right after a sentiment word, negate it in German ("funktioniert nicht",
/// "gefällt mir nicht"), possibly with these fillers between.
const DE_POST_FILLERS: &[&str] = &[
    "mir",
    "uns",
    "es",
    "das",
    "wirklich",
    "so",
    "mehr",
    "gar",
    "überhaupt",
    "immer",
    "noch",
    "sich",
    "ihn",
    "sie",
    "leider",
    "auch",
];

pub fn is_negator(lang: Lang, w: &str) -> bool {
    match lang {
        Lang::De => DE_NEGATORS.contains(&w),
        Lang::En => EN_NEGATORS.contains(&w) || w.ends_with("n't"),
        Lang::Other => DE_NEGATORS.contains(&w) || EN_NEGATORS.contains(&w),
    }
}

/// Multiplier change for an intensifier (+) or downtoner (−) word.
pub fn booster(lang: Lang, w: &str) -> Option<f32> {
    let find = |list: &[(&str, f32)]| list.iter().find(|(k, _)| *k == w).map(|(_, v)| *v);
    match lang {
        Lang::De => find(DE_INTENSIFIERS).or_else(|| find(DE_DOWNTONERS).map(|v| -v)),
        Lang::En => find(EN_INTENSIFIERS).or_else(|| find(EN_DOWNTONERS).map(|v| -v)),
        Lang::Other => booster(Lang::De, w).or_else(|| booster(Lang::En, w)),
    }
}

pub fn is_contrast(lang: Lang, w: &str) -> bool {
    match lang {
        Lang::De => DE_CONTRAST.contains(&w),
        Lang::En => EN_CONTRAST.contains(&w),
        Lang::Other => DE_CONTRAST.contains(&w) || EN_CONTRAST.contains(&w),
    }
}

pub fn is_irony_marker(w: &str) -> bool {
    IRONY_MARKERS.contains(&w)
}

pub fn is_post_filler(w: &str) -> bool {
    DE_POST_FILLERS.contains(&w)
}
