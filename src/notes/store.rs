//! Storage behind the vault: a small async key-value trait and an in-memory store.
//!
//! The vault only ever writes ciphertext through this trait. It orders every change
//! so that a store whose [`Store::apply`] is *not* atomic still leaves an old-or-new
//! readable state after a crash: new records go under new keys, then the manifest
//! (the commit point), then garbage is deleted. A single `put` must replace a value
//! atomically (true of IndexedDB, localStorage and files written by rename).

use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap};
use std::rc::Rc;

use crate::Result;

/// One change in a batch.
#[derive(Clone, PartialEq, Eq)]
pub enum Op {
    /// Store `value` under `key`, replacing any old value.
    Put(String, Vec<u8>),
    /// Remove `key` (no error if absent).
    Delete(String),
}

impl std::fmt::Debug for Op {
    // Values are ciphertext, but there is no reason to dump them into logs either.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Op::Put(k, v) => write!(f, "Put({k:?}, {} bytes)", v.len()),
            Op::Delete(k) => write!(f, "Delete({k:?})"),
        }
    }
}

/// An async key-value store holding one vault. Futures need not be `Send`: Wasm is
/// single-threaded and JS-backed stores hold `JsValue`s.
#[allow(async_fn_in_trait)]
pub trait Store {
    /// The value under `key`, or `None`.
    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>>;
    /// Stores `value` under `key`; must replace an existing value atomically.
    async fn put(&self, key: &str, value: &[u8]) -> Result<()>;
    /// Removes `key`; absent keys are not an error.
    async fn delete(&self, key: &str) -> Result<()>;
    /// Every key starting with `prefix` (any order).
    async fn list(&self, prefix: &str) -> Result<Vec<String>>;
    /// The values under `keys`, in order. Opening a vault reads every note at once;
    /// a store with per-call overhead (one IndexedDB transaction per `get`) should
    /// override this with a single round trip.
    async fn get_many(&self, keys: &[String]) -> Result<Vec<Option<Vec<u8>>>> {
        let mut out = Vec::with_capacity(keys.len());
        for k in keys {
            out.push(self.get(k).await?);
        }
        Ok(out)
    }
    /// Applies `ops` in order, ideally all-or-nothing. The default runs them one by
    /// one, which the vault's write ordering tolerates.
    async fn apply(&self, ops: Vec<Op>) -> Result<()> {
        for op in ops {
            match op {
                Op::Put(k, v) => self.put(&k, &v).await?,
                Op::Delete(k) => self.delete(&k).await?,
            }
        }
        Ok(())
    }
}

impl<S: Store> Store for Rc<S> {
    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>> {
        (**self).get(key).await
    }
    async fn put(&self, key: &str, value: &[u8]) -> Result<()> {
        (**self).put(key, value).await
    }
    async fn delete(&self, key: &str) -> Result<()> {
        (**self).delete(key).await
    }
    async fn list(&self, prefix: &str) -> Result<Vec<String>> {
        (**self).list(prefix).await
    }
    async fn get_many(&self, keys: &[String]) -> Result<Vec<Option<Vec<u8>>>> {
        (**self).get_many(keys).await
    }
    async fn apply(&self, ops: Vec<Op>) -> Result<()> {
        (**self).apply(ops).await
    }
}

/// An in-memory store. Clones share the same map, so a test (or a second
/// [`crate::notes::Vault::open`]) sees what the vault wrote. `apply` is atomic.
#[derive(Clone, Default)]
pub struct MemoryStore {
    map: Rc<RefCell<BTreeMap<String, Vec<u8>>>>,
}

impl std::fmt::Debug for MemoryStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "MemoryStore({} records)", self.map.borrow().len())
    }
}

thread_local! {
    static REGISTRY: RefCell<HashMap<String, MemoryStore>> = RefCell::new(HashMap::new());
}

impl MemoryStore {
    /// A new, empty, unshared store.
    pub fn new() -> Self {
        Self::default()
    }

    /// The process-wide (per thread) store registered under `name`, created empty on
    /// first use, so `create` then `open` by name works without persistence.
    pub fn named(name: &str) -> Self {
        REGISTRY.with(|r| r.borrow_mut().entry(name.to_owned()).or_default().clone())
    }

    /// A copy of every record, for inspection in tests and tools.
    pub fn snapshot(&self) -> BTreeMap<String, Vec<u8>> {
        self.map.borrow().clone()
    }

    /// Replaces every record (tests use this to simulate rollback and tampering).
    pub fn restore(&self, records: BTreeMap<String, Vec<u8>>) {
        *self.map.borrow_mut() = records;
    }

    /// Number of records.
    pub fn len(&self) -> usize {
        self.map.borrow().len()
    }

    /// True when the store holds nothing.
    pub fn is_empty(&self) -> bool {
        self.map.borrow().is_empty()
    }
}

impl Store for MemoryStore {
    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>> {
        Ok(self.map.borrow().get(key).cloned())
    }
    async fn put(&self, key: &str, value: &[u8]) -> Result<()> {
        self.map.borrow_mut().insert(key.to_owned(), value.to_vec());
        Ok(())
    }
    async fn delete(&self, key: &str) -> Result<()> {
        self.map.borrow_mut().remove(key);
        Ok(())
    }
    async fn list(&self, prefix: &str) -> Result<Vec<String>> {
        Ok(self
            .map
            .borrow()
            .range(prefix.to_owned()..)
            .take_while(|(k, _)| k.starts_with(prefix))
            .map(|(k, _)| k.clone())
            .collect())
    }
    async fn apply(&self, ops: Vec<Op>) -> Result<()> {
        let mut map = self.map.borrow_mut();
        for op in ops {
            match op {
                Op::Put(k, v) => {
                    map.insert(k, v);
                }
                Op::Delete(k) => {
                    map.remove(&k);
                }
            }
        }
        Ok(())
    }
}
