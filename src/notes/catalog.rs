//! The notes of an unlocked vault, kept ready for `list`, `search` and `get`: each
//! note's summary (from its manifest shard: no note is decrypted to open a vault)
//! and its record's ciphertext, decrypted when the note is read. The notes are
//! ordered newest first, so listing walks one map without sorting; every note's
//! folded title and tags sit in one contiguous buffer, so a search is one
//! `memchr` scan of it rather than a scan per note.

use std::cmp::Reverse;
use std::collections::{BTreeMap, HashMap};

use zeroize::Zeroizing;

use super::format::{Summary, ID_LEN};
use super::search::{fold_into, Query};

/// Position of a note in the newest-first order: later updates first, then ids.
type Key = (Reverse<u64>, [u8; ID_LEN]);

struct Entry {
    summary: Summary,
    /// The note record as stored (ciphertext), opened on `get`.
    record: Vec<u8>,
    /// Index of the note's segment in [`Catalog::segs`].
    seg: usize,
}

/// Where one note's folded text starts in [`Catalog::text`]; `None` once the note
/// is gone (the bytes stay until the next compaction).
struct Seg {
    start: usize,
    id: Option<[u8; ID_LEN]>,
}

/// The text search looks in: title and tags.
fn search_parts(s: &Summary) -> Vec<&str> {
    let mut parts = vec![s.title.as_str()];
    parts.extend(s.tags.iter().map(String::as_str));
    parts
}

/// Notes by id, ordered newest first. Dropping it wipes every title and tag.
#[derive(Default)]
pub(crate) struct Catalog {
    entries: BTreeMap<Key, Entry>,
    /// Each note's update time, to find its entry by id.
    updated: HashMap<[u8; ID_LEN], u64>,
    /// Every note's folded title and tags, each segment ended by a newline (which
    /// no query term contains, so no match spans two notes), in insertion order.
    text: Zeroizing<Vec<u8>>,
    segs: Vec<Seg>,
    /// Bytes of `text` that belong to removed notes.
    dead: usize,
    /// Reused to fold one note; wiped after each use.
    scratch: Zeroizing<String>,
}

impl Catalog {
    /// Adds or replaces note `id`, whose stored record is `record`.
    pub(crate) fn insert(&mut self, id: [u8; ID_LEN], summary: Summary, record: Vec<u8>) {
        self.remove(&id);
        self.scratch.clear();
        fold_into(&search_parts(&summary), &mut self.scratch);
        self.scratch.push('\n');
        let seg = self.segs.len();
        self.segs.push(Seg {
            start: self.text.len(),
            id: Some(id),
        });
        append(&mut self.text, self.scratch.as_bytes());
        self.scratch.clear();
        self.updated.insert(id, summary.updated);
        let e = Entry {
            summary,
            record,
            seg,
        };
        self.entries.insert((Reverse(e.summary.updated), id), e);
    }

    /// Removes note `id`; false if there was none.
    pub(crate) fn remove(&mut self, id: &[u8; ID_LEN]) -> bool {
        let Some(u) = self.updated.remove(id) else {
            return false;
        };
        let Some(e) = self.entries.remove(&(Reverse(u), *id)) else {
            return false;
        };
        self.dead += self.segs_range(e.seg).len();
        self.segs[e.seg].id = None;
        if self.dead > 4096 && self.dead > self.text.len() / 2 {
            self.compact();
        }
        true
    }

    /// Rewrites the text without removed notes' segments: amortized O(1) per
    /// removal, as it runs only once they are half of the text.
    fn compact(&mut self) {
        let mut text = Zeroizing::new(Vec::with_capacity(self.text.len() - self.dead));
        let mut segs = Vec::with_capacity(self.entries.len());
        let (old, old_segs) = (&self.text, &self.segs);
        for ((_, id), e) in self.entries.iter_mut() {
            let r = seg_range(old_segs, old.len(), e.seg);
            segs.push(Seg {
                start: text.len(),
                id: Some(*id),
            });
            text.extend_from_slice(&old[r]);
            e.seg = segs.len() - 1;
        }
        self.text = text;
        self.segs = segs;
        self.dead = 0;
    }

    fn segs_range(&self, seg: usize) -> std::ops::Range<usize> {
        seg_range(&self.segs, self.text.len(), seg)
    }

    /// Replaces the stored record of note `id` (after a key rotation).
    pub(crate) fn set_record(&mut self, id: &[u8; ID_LEN], record: Vec<u8>) {
        if let Some(u) = self.updated.get(id) {
            if let Some(e) = self.entries.get_mut(&(Reverse(*u), *id)) {
                e.record = record;
            }
        }
    }

    /// Note `id`'s summary and stored record.
    pub(crate) fn get(&self, id: &[u8; ID_LEN]) -> Option<(&Summary, &[u8])> {
        let u = self.updated.get(id)?;
        self.entries
            .get(&(Reverse(*u), *id))
            .map(|e| (&e.summary, e.record.as_slice()))
    }

    pub(crate) fn summary(&self, id: &[u8; ID_LEN]) -> Option<&Summary> {
        self.get(id).map(|(s, _)| s)
    }

    pub(crate) fn contains(&self, id: &[u8; ID_LEN]) -> bool {
        self.updated.contains_key(id)
    }

    pub(crate) fn len(&self) -> usize {
        self.updated.len()
    }

    /// Every note's id and summary, newest first.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (&[u8; ID_LEN], &Summary)> {
        self.entries.iter().map(|((_, id), e)| (id, &e.summary))
    }

    /// The notes `query` matches (all for an empty query), newest first.
    pub(crate) fn matching<'a>(
        &'a self,
        query: &'a Query,
    ) -> Box<dyn Iterator<Item = (&'a [u8; ID_LEN], &'a Summary)> + 'a> {
        if query.is_empty() {
            return Box::new(self.iter());
        }
        // Ordered as listed (newest first). A map rather than a sorted Vec: the
        // map's code is linked already, a sort of these pairs cost 44 KB of Wasm.
        let mut hits: BTreeMap<&Key, &Entry> = BTreeMap::new();
        let mut check = |seg: usize, range: std::ops::Range<usize>| {
            let Some(id) = self.segs[seg].id else { return };
            let Some(u) = self.updated.get(&id) else {
                return;
            };
            if let Some((k, e)) = self.entries.get_key_value(&(Reverse(*u), id)) {
                if query.matches(&self.text[range], || search_parts(&e.summary)) {
                    hits.insert(k, e);
                }
            }
        };
        match query.scan_term() {
            // One scan of the whole text for the longest term; each note it hits
            // is checked once for the others, then the scan resumes after it.
            Some(finder) => {
                let mut pos = 0;
                while let Some(i) = finder.find(&self.text[pos..]) {
                    let at = pos + i;
                    let seg = self.segs.partition_point(|s| s.start <= at) - 1;
                    let range = self.segs_range(seg);
                    pos = range.end;
                    check(seg, range);
                }
            }
            None => (0..self.segs.len()).for_each(|seg| check(seg, self.segs_range(seg))),
        }
        Box::new(hits.into_iter().map(|((_, id), e)| (id, &e.summary)))
    }
}

/// The bytes of segment `seg` in a text of `len` bytes.
fn seg_range(segs: &[Seg], len: usize, seg: usize) -> std::ops::Range<usize> {
    let end = segs.get(seg + 1).map_or(len, |s| s.start);
    segs[seg].start..end
}

/// Appends to a buffer of secrets: growing it copies into a fresh allocation and
/// wipes the old one (`Vec`'s own growth would free it unwiped).
fn append(buf: &mut Zeroizing<Vec<u8>>, bytes: &[u8]) {
    if buf.capacity() - buf.len() < bytes.len() {
        let cap = (buf.len() + bytes.len()).max(2 * buf.capacity()).max(4096);
        let mut grown = Zeroizing::new(Vec::with_capacity(cap));
        grown.extend_from_slice(buf);
        *buf = grown;
    }
    buf.extend_from_slice(bytes);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn note(title: &str, updated: u64) -> Summary {
        Summary {
            created: 1,
            updated,
            // Long enough that the removals below trigger a compaction.
            title: format!("{title} {}", "x".repeat(300)),
            tags: vec!["thẻ".into()],
        }
    }

    fn found(c: &Catalog, q: &str) -> Vec<u8> {
        let q = Query::parse(q);
        c.matching(&q).map(|(id, _)| id[0]).collect()
    }

    #[test]
    fn searches_the_buffer_newest_first_across_removals_and_compaction() {
        let mut c = Catalog::default();
        for i in 0..200u8 {
            let title = if i % 2 == 0 {
                "Họp Hà Nội"
            } else {
                "Sài Gòn"
            };
            c.insert([i; ID_LEN], note(title, u64::from(i)), vec![i]);
        }
        assert_eq!(found(&c, "ha noi").len(), 100);
        assert_eq!(found(&c, "noi ha")[..2], [198, 196], "newest first");
        assert_eq!(found(&c, "the saigon"), Vec::<u8>::new());
        assert_eq!(found(&c, "thẻ gòn").len(), 100, "tags are searched");
        assert_eq!(found(&c, "\u{0301}").len(), 0, "exact mark, nowhere");
        // Replace and remove enough to compact, then search again.
        for i in 0..150u8 {
            if i % 3 == 0 {
                c.remove(&[i; ID_LEN]);
            } else {
                c.insert([i; ID_LEN], note("Đà Nẵng", 1000 + u64::from(i)), vec![]);
            }
        }
        assert!(c.segs.len() < 300, "compacted");
        assert!(c.dead <= c.text.len() / 2);
        assert_eq!(found(&c, "da nang").len(), 100);
        assert_eq!(found(&c, "da nang")[0], 149);
        assert_eq!(found(&c, "ha noi").len(), 25);
        assert_eq!(c.len(), 150);
        assert_eq!(c.get(&[199; ID_LEN]).map(|(_, r)| r), Some(&[199u8][..]));
    }
}
