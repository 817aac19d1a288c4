//! Case- and (optionally) diacritic-insensitive matching for Vietnamese text.
//!
//! A hand-written table, not full Unicode normalization: it folds every Vietnamese
//! letter (precomposed, after lowercasing) to its base letter and drops combining
//! marks U+0300–U+036F, so decomposed input (as some keyboards produce) folds the
//! same way. "ha noi" therefore finds "Hà Nội", and "đường" finds "DUONG".

use zeroize::Zeroizing;

/// Base letter of a lowercase Vietnamese (and common Latin-1) letter, if accented.
fn base_letter(c: char) -> Option<char> {
    const GROUPS: &[(char, &str)] = &[
        ('a', "àáảãạăằắẳẵặâầấẩẫậä"),
        ('e', "èéẻẽẹêềếểễệë"),
        ('i', "ìíỉĩịîï"),
        ('o', "òóỏõọôồốổỗộơờớởỡợö"),
        ('u', "ùúủũụưừứửữựûü"),
        ('y', "ỳýỷỹỵÿ"),
        ('d', "đ"),
        ('c', "ç"),
        ('n', "ñ"),
    ];
    GROUPS
        .iter()
        .find(|(_, set)| set.contains(c))
        .map(|(b, _)| *b)
}

fn is_combining_mark(c: char) -> bool {
    ('\u{0300}'..='\u{036F}').contains(&c)
}

/// Unicode lowercase.
pub fn lower(s: &str) -> String {
    s.to_lowercase()
}

/// Lowercase with Vietnamese diacritics removed.
pub fn fold(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars().flat_map(char::to_lowercase) {
        if is_combining_mark(c) {
            continue;
        }
        out.push(base_letter(c).unwrap_or(c));
    }
    out
}

/// Searchable forms of one note's text, wiped on drop like the note itself.
pub(crate) struct Haystack {
    lower: Zeroizing<String>,
    folded: Zeroizing<String>,
}

impl Haystack {
    pub(crate) fn new(parts: &[&str]) -> Self {
        let joined = Zeroizing::new(parts.join("\n"));
        Haystack {
            lower: Zeroizing::new(lower(&joined)),
            folded: Zeroizing::new(fold(&joined)),
        }
    }
}

/// A parsed query: whitespace-separated terms that must all occur.
pub(crate) struct Query {
    /// `(term, exact)`: a term typed with diacritics matches them exactly (after
    /// lowercasing); a term without them matches any accents.
    terms: Vec<(String, bool)>,
}

impl Query {
    pub(crate) fn parse(q: &str) -> Self {
        let terms = q
            .split_whitespace()
            .map(|t| {
                let folded = fold(t);
                let lowered = lower(t);
                if folded == lowered {
                    (folded, false)
                } else {
                    // Compare on the lowercase form minus decomposed marks' effect:
                    // precomposed input is the common case in the haystack.
                    (lowered, true)
                }
            })
            .collect();
        Query { terms }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.terms.is_empty()
    }

    pub(crate) fn matches(&self, h: &Haystack) -> bool {
        self.terms.iter().all(|(t, exact)| {
            if *exact {
                h.lower.contains(t.as_str())
            } else {
                h.folded.contains(t.as_str())
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_vietnamese() {
        assert_eq!(fold("Hà Nội"), "ha noi");
        assert_eq!(fold("ĐƯỜNG"), "duong");
        // Decomposed: a + grave, o + circumflex + dot below.
        assert_eq!(fold("Ha\u{0300} No\u{0302}\u{0323}i"), "ha noi");
        let h = Haystack::new(&["Họp ở Hà Nội", "Nội dung"]);
        assert!(Query::parse("ha noi").matches(&h));
        assert!(Query::parse("HÀ").matches(&h));
        assert!(!Query::parse("hả").matches(&h));
        assert!(!Query::parse("saigon").matches(&h));
    }
}
