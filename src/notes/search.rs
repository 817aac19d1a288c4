//! Case- and (optionally) diacritic-insensitive matching for Vietnamese text.
//!
//! A hand-written table, not full Unicode normalization: it folds every Vietnamese
//! letter (precomposed, after lowercasing) to its base letter and drops combining
//! marks U+0300–U+036F, so decomposed input (as some keyboards produce) folds the
//! same way. "ha noi" therefore finds "Hà Nội", and "đường" finds "DUONG".

use zeroize::Zeroizing;

/// Base letter of a lowercase Vietnamese (and common Latin-1) letter, if accented.
/// A `match`, which compiles to a jump table: folding runs over every note's text
/// when a vault opens.
fn base_letter(c: char) -> Option<char> {
    Some(match c {
        'à' | 'á' | 'ả' | 'ã' | 'ạ' | 'ă' | 'ằ' | 'ắ' | 'ẳ' | 'ẵ' | 'ặ' | 'â' | 'ầ' | 'ấ' | 'ẩ'
        | 'ẫ' | 'ậ' | 'ä' => 'a',
        'è' | 'é' | 'ẻ' | 'ẽ' | 'ẹ' | 'ê' | 'ề' | 'ế' | 'ể' | 'ễ' | 'ệ' | 'ë' => {
            'e'
        }
        'ì' | 'í' | 'ỉ' | 'ĩ' | 'ị' | 'î' | 'ï' => 'i',
        'ò' | 'ó' | 'ỏ' | 'õ' | 'ọ' | 'ô' | 'ồ' | 'ố' | 'ổ' | 'ỗ' | 'ộ' | 'ơ' | 'ờ' | 'ớ' | 'ở'
        | 'ỡ' | 'ợ' | 'ö' => 'o',
        'ù' | 'ú' | 'ủ' | 'ũ' | 'ụ' | 'ư' | 'ừ' | 'ứ' | 'ử' | 'ữ' | 'ự' | 'û' | 'ü' => {
            'u'
        }
        'ỳ' | 'ý' | 'ỷ' | 'ỹ' | 'ỵ' | 'ÿ' => 'y',
        'đ' => 'd',
        'ç' => 'c',
        'ñ' => 'n',
        _ => return None,
    })
}

fn is_combining_mark(c: char) -> bool {
    ('\u{0300}'..='\u{036F}').contains(&c)
}

/// Appends `ch` lowercased to `lower`, and lowercased without Vietnamese
/// diacritics to `folded`. ASCII, most of any text, skips the Unicode tables.
fn push_forms(ch: char, lower: &mut String, folded: &mut String) {
    if ch.is_ascii() {
        let l = ch.to_ascii_lowercase();
        lower.push(l);
        folded.push(l);
        return;
    }
    for c in ch.to_lowercase() {
        lower.push(c);
        if !is_combining_mark(c) {
            folded.push(base_letter(c).unwrap_or(c));
        }
    }
}

/// Unicode lowercase, character by character (as the haystack is built).
pub fn lower(s: &str) -> String {
    s.chars().flat_map(char::to_lowercase).collect()
}

/// Lowercase with Vietnamese diacritics removed.
pub fn fold(s: &str) -> String {
    let (mut lower, mut folded) = (String::new(), String::with_capacity(s.len()));
    for ch in s.chars() {
        push_forms(ch, &mut lower, &mut folded);
    }
    folded
}

/// Searchable forms of one note's text, wiped on drop like the note itself.
pub(crate) struct Haystack {
    lower: Zeroizing<String>,
    folded: Zeroizing<String>,
}

impl Haystack {
    /// Both forms of `parts` joined by newlines, in one pass: building them is
    /// most of the work of opening a vault.
    pub(crate) fn new(parts: &[&str]) -> Self {
        let len: usize = parts.iter().map(|p| p.len() + 1).sum();
        let mut lower = Zeroizing::new(String::with_capacity(len));
        let mut folded = Zeroizing::new(String::with_capacity(len));
        for (i, part) in parts.iter().enumerate() {
            if i > 0 {
                lower.push('\n');
                folded.push('\n');
            }
            for ch in part.chars() {
                push_forms(ch, &mut lower, &mut folded);
            }
        }
        Haystack { lower, folded }
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
