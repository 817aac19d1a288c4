//! The notes core on real IndexedDB in headless Chromium (`make test-wasm`): the
//! vault's write batches go through the same JS module the binding uses.
#![cfg(target_arch = "wasm32")]

use std::rc::Rc;

use js_sys::{Array, Object, Reflect, Uint8Array};
use signet_crypto::kdf::KdfParams;
use signet_crypto::notes::{Clock, NoteInput, Op, OpenOptions, Store, Vault};
use signet_crypto::{Error, Result};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen(module = "/src/bindings/idb_store.js")]
extern "C" {
    // A distinct Rust name: the library imports `idbOpen` from the same module, and
    // identical import shims would collide at link time.
    #[wasm_bindgen(js_name = idbOpen, catch)]
    async fn idb_open_in_test(name: &str) -> std::result::Result<JsValue, JsValue>;
    #[wasm_bindgen(js_name = idbDelete, catch)]
    async fn idb_delete(name: &str) -> std::result::Result<JsValue, JsValue>;
}

/// Minimal Store over the IndexedDB module's adapter object.
struct Idb(JsValue);

impl Idb {
    async fn call(&self, m: &str, args: &[JsValue]) -> Result<JsValue> {
        let f: js_sys::Function = Reflect::get(&self.0, &m.into())
            .map_err(|_| Error::Storage(m.into()))?
            .unchecked_into();
        let p = f
            .apply(&self.0, &args.iter().collect::<Array>())
            .map_err(|_| Error::Storage(m.into()))?;
        JsFuture::from(js_sys::Promise::resolve(&p))
            .await
            .map_err(|_| Error::Storage(m.into()))
    }
}

impl Store for Idb {
    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>> {
        let v = self.call("get", &[key.into()]).await?;
        Ok(v.dyn_ref::<Uint8Array>().map(Uint8Array::to_vec))
    }
    async fn put(&self, key: &str, value: &[u8]) -> Result<()> {
        self.call("put", &[key.into(), Uint8Array::from(value).into()])
            .await
            .map(drop)
    }
    async fn delete(&self, key: &str) -> Result<()> {
        self.call("delete", &[key.into()]).await.map(drop)
    }
    async fn list(&self, prefix: &str) -> Result<Vec<String>> {
        let v = self.call("list", &[prefix.into()]).await?;
        Ok(Array::from(&v)
            .iter()
            .filter_map(|k| k.as_string())
            .collect())
    }
    async fn apply(&self, ops: Vec<Op>) -> Result<()> {
        let arr = Array::new();
        for op in ops {
            let o = Object::new();
            let (t, k, v) = match op {
                Op::Put(k, v) => ("put", k, Some(v)),
                Op::Delete(k) => ("delete", k, None),
            };
            let _ = Reflect::set(&o, &"type".into(), &t.into());
            let _ = Reflect::set(&o, &"key".into(), &k.into());
            if let Some(v) = v {
                let _ = Reflect::set(&o, &"value".into(), &Uint8Array::from(v.as_slice()));
            }
            arr.push(&o);
        }
        self.call("apply", &[arr.into()]).await.map(drop)
    }
}

struct DateClock;
impl Clock for DateClock {
    fn now_ms(&self) -> u64 {
        js_sys::Date::now() as u64
    }
}

fn opts() -> OpenOptions {
    OpenOptions {
        clock: Rc::new(DateClock),
        ..OpenOptions::default()
    }
}

const FAST: KdfParams = KdfParams {
    memory_kib: 64,
    iterations: 1,
    parallelism: 1,
};

#[wasm_bindgen_test]
async fn vault_on_indexeddb_persists_and_detects_tampering() {
    let name = format!("wasm-notes-{}", js_sys::Date::now());
    let store = Idb(idb_open_in_test(&name).await.unwrap());
    let v = Vault::create_with_weak_kdf_for_tests(store, b"pw", FAST, opts())
        .await
        .unwrap();
    let id = v
        .put(NoteInput {
            id: None,
            title: "Hà Nội".into(),
            body: "nội dung".into(),
            tags: vec![],
        })
        .await
        .unwrap();
    let mut upd = NoteInput {
        id: Some(id),
        title: "Hà Nội".into(),
        body: "đã sửa".into(),
        tags: vec![],
    };
    upd.tags.push("x".into());
    v.put(upd).await.unwrap();
    drop(v);

    // A second connection sees the committed state: one record per note.
    let store = Idb(idb_open_in_test(&name).await.unwrap());
    assert_eq!(store.list("note/").await.unwrap().len(), 1);
    let v = Vault::open(store, b"pw", opts()).await.unwrap();
    assert_eq!(v.get(&id).unwrap().body, "đã sửa");
    assert!(v.get(&id).unwrap().updated > 0);
    assert_eq!(v.search("ha noi").unwrap().len(), 1);
    drop(v);

    let store = Idb(idb_open_in_test(&name).await.unwrap());
    assert_eq!(
        Vault::open(store, b"wrong", opts())
            .await
            .unwrap_err()
            .code(),
        "BAD_PASSPHRASE"
    );
    let store = Idb(idb_open_in_test(&name).await.unwrap());
    let key = store.list("note/").await.unwrap().remove(0);
    let mut rec = store.get(&key).await.unwrap().unwrap();
    rec[40] ^= 1;
    store.put(&key, &rec).await.unwrap();
    // Format 4 opens from the shards and decrypts a note when it is read
    // (`docs/vault-format.md`): a changed ciphertext is `TAMPERED` there.
    let v = Vault::open(store, b"pw", opts()).await.unwrap();
    assert_eq!(v.list().unwrap().len(), 1);
    assert_eq!(v.get(&id).unwrap_err().code(), "TAMPERED");
    drop(v);
    idb_delete(&name).await.unwrap();
}
