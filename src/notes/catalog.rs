//! The decrypted notes of an unlocked vault, kept ready for `list` and `search`:
//! each note's folded text is made once, when the note is decrypted, and the
//! notes are stored newest first, so listing and searching walk one ordered map
//! without sorting, copying or folding anything again.

use std::cmp::Reverse;
use std::collections::BTreeMap;

use zeroize::Zeroizing;

use super::format::{NoteContent, ID_LEN};
use super::search::{Folded, Query};

/// Position of a note in the newest-first order: later updates first, then ids.
type Key = (Reverse<u64>, [u8; ID_LEN]);

struct Entry {
    content: NoteContent,
    folded: Folded,
}

/// The text search looks in: title, body and tags.
fn search_parts(c: &NoteContent) -> Vec<&str> {
    let mut parts = vec![c.title.as_str(), c.body.as_str()];
    parts.extend(c.tags.iter().map(String::as_str));
    parts
}

/// Decrypted notes by id, ordered newest first. Dropping it wipes every note.
#[derive(Default)]
pub(crate) struct Catalog {
    entries: BTreeMap<Key, Entry>,
    /// Each note's update time, to find its entry by id.
    updated: BTreeMap<[u8; ID_LEN], u64>,
    /// Reused by [`Folded::new`]; wiped after each use.
    scratch: Zeroizing<String>,
}

impl Catalog {
    /// Adds or replaces note `id`.
    pub(crate) fn insert(&mut self, id: [u8; ID_LEN], content: NoteContent) {
        self.remove(&id);
        let folded = Folded::new(&search_parts(&content), &mut self.scratch);
        self.updated.insert(id, content.updated);
        self.entries
            .insert((Reverse(content.updated), id), Entry { content, folded });
    }

    /// Removes note `id`; false if there was none.
    pub(crate) fn remove(&mut self, id: &[u8; ID_LEN]) -> bool {
        match self.updated.remove(id) {
            Some(u) => self.entries.remove(&(Reverse(u), *id)).is_some(),
            None => false,
        }
    }

    pub(crate) fn get(&self, id: &[u8; ID_LEN]) -> Option<&NoteContent> {
        let u = self.updated.get(id)?;
        self.entries.get(&(Reverse(*u), *id)).map(|e| &e.content)
    }

    pub(crate) fn contains(&self, id: &[u8; ID_LEN]) -> bool {
        self.updated.contains_key(id)
    }

    pub(crate) fn len(&self) -> usize {
        self.updated.len()
    }

    /// Every note, newest first.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (&[u8; ID_LEN], &NoteContent)> {
        self.entries.iter().map(|((_, id), e)| (id, &e.content))
    }

    /// The notes `query` matches (all for an empty query), newest first.
    pub(crate) fn matching<'a>(
        &'a self,
        query: &'a Query,
    ) -> impl Iterator<Item = (&'a [u8; ID_LEN], &'a NoteContent)> + 'a {
        self.entries
            .iter()
            .filter(move |(_, e)| {
                query.is_empty() || query.matches(&e.folded, || search_parts(&e.content))
            })
            .map(|((_, id), e)| (id, &e.content))
    }
}
