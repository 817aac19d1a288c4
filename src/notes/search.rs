//! Case- and (optionally) diacritic-insensitive matching for Vietnamese text.
//!
//! A hand-written table, not full Unicode normalization: it folds every Vietnamese
//! letter (precomposed, after lowercasing) to its base letter and drops combining
//! marks U+0300–U+036F, so decomposed input (as some keyboards produce) folds the
//! same way. "ha noi" therefore finds "Hà Nội", and "đường" finds "DUONG".
//!
//! The catalog keeps every note's folded text in one buffer ([`fold_into`]); a
//! query is folded once and every term becomes a prebuilt substring finder, so a
//! search is one `memchr` scan of that buffer for the longest term, and the other
//! terms are looked for only in the notes it hit. Terms typed with diacritics are
//! confirmed on the lowercase text of the few notes whose folded text matched.

use memchr::memmem::Finder;
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

/// Appends `ch` lowercased without Vietnamese diacritics. ASCII and lowercase
/// accented letters, nearly all of any Vietnamese text, skip the Unicode tables.
fn push_folded(ch: char, out: &mut String) {
    if ch.is_ascii() {
        out.push(ch.to_ascii_lowercase());
    } else if let Some(b) = base_letter(ch) {
        out.push(b);
    } else {
        for c in ch.to_lowercase() {
            if !is_combining_mark(c) {
                out.push(base_letter(c).unwrap_or(c));
            }
        }
    }
}

/// Appends `ch` lowercased. ASCII and lowercase accented letters (already
/// lowercase) skip the Unicode tables.
fn push_lower(ch: char, out: &mut String) {
    if ch.is_ascii() {
        out.push(ch.to_ascii_lowercase());
    } else if base_letter(ch).is_some() {
        out.push(ch);
    } else {
        out.extend(ch.to_lowercase());
    }
}

/// Unicode lowercase, character by character.
pub fn lower(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    s.chars().for_each(|ch| push_lower(ch, &mut out));
    out
}

/// Lowercase with Vietnamese diacritics removed.
pub fn fold(s: &str) -> String {
    let mut folded = String::with_capacity(s.len());
    s.chars().for_each(|ch| push_folded(ch, &mut folded));
    folded
}

/// `parts` joined by newlines, each character mapped by `push`.
fn joined(parts: &[&str], out: &mut String, push: fn(char, &mut String)) {
    for (i, part) in parts.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        part.chars().for_each(|ch| push(ch, out));
    }
}

/// The lowercase form of `parts` joined by newlines, as exact terms are matched
/// against. Made only for notes whose folded text matched already; wiped on drop.
fn lower_joined(parts: &[&str]) -> Zeroizing<String> {
    let len = parts.iter().map(|p| p.len() + 1).sum();
    let mut out = Zeroizing::new(String::with_capacity(len));
    joined(parts, &mut out, push_lower);
    out
}

/// Appends `parts` lowercased without diacritics, joined by newlines: one note's
/// searchable text (the catalog keeps every note's in one buffer).
pub(crate) fn fold_into(parts: &[&str], out: &mut String) {
    joined(parts, out, push_folded);
}

struct Term {
    /// The term folded, searched in every note's [`Folded`] text.
    folded: Finder<'static>,
    /// The term lowercased, when it carries diacritics: it must then also occur
    /// in the note's lowercase text (matched exactly, not just its base letters).
    exact: Option<Exact>,
}

struct Exact {
    lower: String,
    /// How the term is usually written (lowercase, capitalized, in capitals),
    /// each of which lowercases to `lower`: one found in a note's own text
    /// settles the term without a lowercase copy of the note.
    forms: Vec<String>,
}

impl Exact {
    fn new(lower: String) -> Self {
        let mut chars = lower.chars();
        let capitalized: String = chars
            .next()
            .map(|c| c.to_uppercase().chain(chars).collect())
            .unwrap_or_default();
        let mut forms = vec![lower.clone()];
        for f in [capitalized, lower.to_uppercase()] {
            if self::lower(&f) == lower && !forms.contains(&f) {
                forms.push(f);
            }
        }
        Exact { lower, forms }
    }
}

/// A parsed query: whitespace-separated terms that must all occur.
pub(crate) struct Query {
    terms: Vec<Term>,
}

impl Query {
    pub(crate) fn parse(q: &str) -> Self {
        let mut terms: Vec<Term> = q
            .split_whitespace()
            .map(|t| {
                let folded = fold(t);
                let lowered = lower(t);
                Term {
                    folded: Finder::new(folded.as_bytes()).into_owned(),
                    exact: (folded != lowered).then(|| Exact::new(lowered)),
                }
            })
            .collect();
        // Longer terms first: they are rarer, so a note fails sooner.
        terms.sort_by_key(|t| std::cmp::Reverse(t.folded.needle().len()));
        Query { terms }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.terms.is_empty()
    }

    /// The finder of the longest term, if it is not empty (a term of combining
    /// marks alone folds to nothing): every match holds an occurrence of it.
    pub(crate) fn scan_term(&self) -> Option<&Finder<'static>> {
        self.terms
            .first()
            .map(|t| &t.folded)
            .filter(|f| !f.needle().is_empty())
    }

    /// Whether every term occurs in the note whose folded text is `folded` and
    /// whose parts `parts` gives (only called when a term carries diacritics).
    /// Lowercase text contains a term only if the folded text contains the
    /// term folded (folding maps character by character), so the folded scan
    /// decides alone for terms without diacritics and filters for the others.
    /// Those are looked for in the note's own text first, in their usual forms
    /// ([`Exact`]), then in a lowercase copy of the note made once.
    pub(crate) fn matches<'a>(&self, hay: &[u8], parts: impl FnOnce() -> Vec<&'a str>) -> bool {
        if !self.terms.iter().all(|t| t.folded.find(hay).is_some()) {
            return false;
        }
        let mut exact = self
            .terms
            .iter()
            .filter_map(|t| t.exact.as_ref())
            .peekable();
        if exact.peek().is_none() {
            return true;
        }
        let parts = parts();
        let mut lower: Option<Zeroizing<String>> = None;
        exact.all(|e| {
            e.forms
                .iter()
                .any(|f| parts.iter().any(|p| p.contains(f.as_str())))
                || lower
                    .get_or_insert_with(|| lower_joined(&parts))
                    .contains(e.lower.as_str())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hits(q: &str, parts: &[&str]) -> bool {
        let mut f = String::new();
        fold_into(parts, &mut f);
        Query::parse(q).matches(f.as_bytes(), || parts.to_vec())
    }

    #[test]
    fn folds_vietnamese() {
        assert_eq!(fold("Hà Nội"), "ha noi");
        assert_eq!(fold("ĐƯỜNG"), "duong");
        // Decomposed: a + grave, o + circumflex + dot below.
        assert_eq!(fold("Ha\u{0300} No\u{0302}\u{0323}i"), "ha noi");
        let parts = ["Họp ở Hà Nội", "Nội dung"];
        assert!(hits("ha noi", &parts));
        assert!(hits("HÀ", &parts));
        assert!(hits("nội DUNG", &parts));
        assert!(hits("HỌP", &parts), "found in the lowercase copy");
        assert!(hits("họp ở", &parts), "found in the note's own text");
        assert!(!hits("hợp", &parts));
        assert!(hits("hà", &["HÀ NỘI"]) && hits("hà", &["Hà"]) && hits("hà", &["hÀ"]));
        let forms = |t: &str| Exact::new(lower(t)).forms;
        assert_eq!(forms("đà"), ["đà", "Đà", "ĐÀ"]);
        assert_eq!(
            forms("ß"),
            ["ß"],
            "forms that do not lowercase back are left out"
        );
        assert_eq!(lower("ĐÀ Nẵng İ"), "đà nẵng i\u{307}");
        assert!(!hits("hả", &parts));
        assert!(!hits("saigon", &parts));
        // Every term must occur; a term never spans two parts.
        assert!(!hits("ha noi saigon", &parts));
        assert!(!hits("dungho", &["Nội dung", "Họp"]));
    }

    #[test]
    fn folds_parts_joined() {
        let mut out = String::new();
        fold_into(&["Đà Nẵng", "tuần"], &mut out);
        assert_eq!(out, "da nang\ntuan");
        let q = Query::parse("ha \u{0301} noi");
        assert_eq!(q.scan_term().map(|f| f.needle()), Some(&b"noi"[..]));
        assert!(Query::parse("\u{0301}").scan_term().is_none());
    }
}
