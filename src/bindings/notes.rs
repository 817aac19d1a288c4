//! JS binding of the notes vault: option parsing, storage adapters, auto-lock.

mod slots;

use std::cell::RefCell;
use std::rc::Rc;

use js_sys::{Array, Function, Object, Promise, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::{future_to_promise, JsFuture};
use zeroize::Zeroizing;

use crate::kdf::KdfParams;
use crate::notes::{open_shared_note, EscrowKey};
use crate::notes::{Clock, MemoryStore, Note, NoteId, NoteInput, Op, OpenOptions, Store, Vault};
use crate::wrap::WrapPublicKey;
use crate::{Error, Result};

#[wasm_bindgen(module = "/src/bindings/idb_store.js")]
extern "C" {
    #[wasm_bindgen(js_name = idbAvailable)]
    fn idb_available() -> bool;
    #[wasm_bindgen(js_name = idbOpen, catch)]
    async fn idb_open(name: &str) -> std::result::Result<JsValue, JsValue>;
    #[wasm_bindgen(js_name = requestPersistence)]
    async fn request_persistence();
}

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_name = setTimeout)]
    fn set_timeout(cb: &Function, ms: f64) -> JsValue;
    #[wasm_bindgen(js_name = clearTimeout)]
    fn clear_timeout(id: &JsValue);
}

#[wasm_bindgen(typescript_custom_section)]
const TS_NOTES: &'static str = r#"
/** Argon2id cost for a new vault. Creation refuses less than m = 19456 KiB, t = 2. */
export interface NoteVaultKdfOptions {
  memoryKiB: number;
  iterations: number;
  parallelism: number;
}

/** A storage adapter for apps with their own storage. Each method may return a Promise.
 *  `list(prefix)` returns every key starting with `prefix`. A single `put` must replace
 *  a value atomically. Optional `apply(ops)` should write a whole batch atomically. */
export interface NoteVaultStorageAdapter {
  get(key: string): Uint8Array | null | undefined | Promise<Uint8Array | null | undefined>;
  put(key: string, value: Uint8Array): void | Promise<void>;
  delete(key: string): void | Promise<void>;
  list(prefix: string): string[] | Promise<string[]>;
  /** Optional: the values under `keys`, in order, in one round trip (used on open). */
  getMany?(keys: string[]): (Uint8Array | null | undefined)[] | Promise<(Uint8Array | null | undefined)[]>;
  apply?(ops: NoteVaultStorageOp[]): void | Promise<void>;
}

/** One write in an atomic batch given to `NoteVaultStorageAdapter.apply`. */
export type NoteVaultStorageOp =
  | { type: "put"; key: string; value: Uint8Array }
  | { type: "delete"; key: string };

/** Where a vault lives. Default: "indexeddb" in browsers, "memory" elsewhere. */
export type NoteVaultStorage = "indexeddb" | "memory" | NoteVaultStorageAdapter;

/** Options of `NoteVault.create`. */
export interface NoteVaultCreateOptions {
  name: string;
  /** A string (UTF-8 encoded) or raw bytes. */
  passphrase: string | Uint8Array;
  storage?: NoteVaultStorage;
  kdf?: NoteVaultKdfOptions;
  /** Lock automatically after this many ms without a call. */
  autoLockMs?: number;
}

/** Options of `NoteVault.open`: `name` and exactly one of `passphrase`,
 *  `recoveryCode`, `passkey: true`, `escrowSecretKey`. */
export interface NoteVaultOpenOptions {
  name: string;
  /** A string (UTF-8 encoded) or raw bytes. */
  passphrase?: string | Uint8Array;
  /** A recovery code from `addRecoveryCode` (case, spaces and hyphens do not matter);
   *  a mistyped group is INVALID_ARGUMENT at once. Then `setPassphrase`. */
  recoveryCode?: string;
  /** Unlock with a registered passkey (WebAuthn PRF). UNSUPPORTED without PRF. */
  passkey?: boolean;
  /** WebAuthn timeout for `passkey`, ms (default 120000); the call settles by then. */
  timeoutMs?: number;
  /** Who runs the passkey ceremony (default `navigator.credentials`); see NoteVaultWebAuthn. */
  webauthn?: NoteVaultWebAuthn;
  /** An office recovery key for which the vault has an escrow slot. Then `setPassphrase`. */
  escrowSecretKey?: WrapSecretKey;
  storage?: NoteVaultStorage;
  /** The last `manifestCounter` you saw, kept outside the vault's storage: a lower
   *  counter on open means the whole store was rolled back (TAMPERED). */
  minManifestCounter?: number;
  /** The `vaultId` you saw (32 hex digits), kept outside the vault's storage:
   *  another vault in its place is TAMPERED. */
  expectedVaultId?: string;
  autoLockMs?: number;
}

/** Options of `NoteVault.importBackup`. The target storage must be empty. */
export interface NoteVaultImportOptions {
  backup: Uint8Array;
  /** A string (UTF-8 encoded) or raw bytes. */
  passphrase: string | Uint8Array;
  name: string;
  storage?: NoteVaultStorage;
  /** Refuse (TAMPERED) a backup whose counter is below this. */
  minManifestCounter?: number;
  /** Refuse (TAMPERED) a backup of another vault. */
  expectedVaultId?: string;
  autoLockMs?: number;
}

/** What `put` takes: without `id` a new note is created. */
export interface NoteInput {
  id?: string;
  title: string;
  body: string;
  tags?: string[];
}

/** A decrypted note. Times are ms since the Unix epoch. */
export interface Note {
  id: string;
  title: string;
  body: string;
  tags: string[];
  created: number;
  updated: number;
}

/** One entry of `list()` and `search()`. */
export interface NoteSummary {
  id: string;
  title: string;
  tags: string[];
  updated: number;
}

/** Options of `search()`. */
export interface NoteSearchOptions {
  /** Also search the notes' bodies: decrypts every note it looks into (slow on large vaults). */
  bodies?: boolean;
}
"#;

pub(super) fn invalid(msg: impl Into<String>) -> Error {
    Error::InvalidArgument(msg.into())
}

pub(super) fn get_field(obj: &JsValue, name: &str) -> Result<JsValue> {
    if !obj.is_object() {
        return Err(invalid("expected an options object"));
    }
    Reflect::get(obj, &JsValue::from_str(name))
        .map_err(|_| invalid(format!("cannot read `{name}`")))
}

fn req_string(obj: &JsValue, name: &str) -> Result<String> {
    get_field(obj, name)?
        .as_string()
        .ok_or_else(|| invalid(format!("`{name}` must be a string")))
}

pub(super) fn opt_string(obj: &JsValue, name: &str) -> Result<Option<String>> {
    let v = get_field(obj, name)?;
    if v.is_undefined() || v.is_null() {
        return Ok(None);
    }
    v.as_string()
        .map(Some)
        .ok_or_else(|| invalid(format!("`{name}` must be a string")))
}

pub(super) fn opt_number(obj: &JsValue, name: &str) -> Result<Option<f64>> {
    let v = get_field(obj, name)?;
    if v.is_undefined() || v.is_null() {
        return Ok(None);
    }
    match v.as_f64() {
        Some(n)
            if n.is_finite() && n >= 0.0 && n.fract() == 0.0 && n <= 9_007_199_254_740_991.0 =>
        {
            Ok(Some(n))
        }
        _ => Err(invalid(format!("`{name}` must be a non-negative integer"))),
    }
}

fn u32_field(obj: &JsValue, name: &str) -> Result<u32> {
    match opt_number(obj, name)? {
        Some(n) if n <= u32::MAX as f64 => Ok(n as u32),
        _ => Err(invalid(format!(
            "`kdf.{name}` must be an integer from 0 to 2^32-1"
        ))),
    }
}

fn passphrase(obj: &JsValue, name: &str) -> Result<Zeroizing<Vec<u8>>> {
    passphrase_value(&get_field(obj, name)?, name)
}

/// A passphrase given as a string (UTF-8) or as bytes.
pub(super) fn passphrase_value(v: &JsValue, name: &str) -> Result<Zeroizing<Vec<u8>>> {
    if let Some(s) = v.as_string() {
        return Ok(Zeroizing::new(s.into_bytes()));
    }
    if let Some(a) = v.dyn_ref::<Uint8Array>() {
        return Ok(Zeroizing::new(a.to_vec()));
    }
    Err(invalid(format!(
        "`{name}` must be a string or a Uint8Array"
    )))
}

fn string_array(v: &JsValue, what: &str) -> Result<Vec<String>> {
    if v.is_undefined() || v.is_null() {
        return Ok(Vec::new());
    }
    if !Array::is_array(v) {
        return Err(invalid(format!("`{what}` must be an array of strings")));
    }
    Array::from(v)
        .iter()
        .map(|t| {
            t.as_string()
                .ok_or_else(|| invalid(format!("`{what}` must be an array of strings")))
        })
        .collect()
}

fn bytes_arg(v: &JsValue, what: &str) -> Result<Vec<u8>> {
    v.dyn_ref::<Uint8Array>()
        .map(Uint8Array::to_vec)
        .ok_or_else(|| invalid(format!("`{what}` must be a Uint8Array")))
}

pub(super) fn set(obj: &Object, k: &str, v: impl Into<JsValue>) {
    // Setting a plain property on a fresh object cannot fail.
    let _ = Reflect::set(obj, &JsValue::from_str(k), &v.into());
}

fn strings_to_js(v: &[String]) -> Array {
    v.iter().map(|s| JsValue::from_str(s)).collect()
}

fn note_to_js(n: &Note) -> JsValue {
    let o = Object::new();
    set(&o, "id", n.id.to_string());
    set(&o, "title", n.title.as_str());
    set(&o, "body", n.body.as_str());
    set(&o, "tags", strings_to_js(&n.tags));
    set(&o, "created", n.created as f64);
    set(&o, "updated", n.updated as f64);
    o.into()
}

/// `list()`/`search()` results as one JSON text parsed once by the engine: setting
/// four properties per object across the boundary cost ~30 µs per note (3 s for
/// 100,000). Written straight from the vault's notes, with nothing copied per note
/// first; the text holds titles and tags, so it is wiped after use.
fn summaries_to_js(vault: &Vault<BStore>, query: &str, bodies: bool) -> Result<JsValue> {
    use std::fmt::Write;
    let mut json = Zeroizing::new(String::with_capacity(vault.len()? * 112 + 2));
    json.push('[');
    vault.visit_matches(query, bodies, (0, usize::MAX), |s| {
        if json.len() > 1 {
            json.push(',');
        }
        // Writing to a String cannot fail.
        let _ = write!(json, "{{\"id\":\"{}\",\"title\":", s.id);
        push_json_string(&mut json, s.title);
        json.push_str(",\"tags\":[");
        for (j, t) in s.tags.iter().enumerate() {
            if j > 0 {
                json.push(',');
            }
            push_json_string(&mut json, t);
        }
        let _ = write!(json, "],\"updated\":{}}}", s.updated);
    })?;
    json.push(']');
    js_sys::JSON::parse(&json).map_err(|_| Error::Internal("summary JSON".into()))
}

/// A JSON string literal (RFC 8259: `"`, `\\` and control characters escaped),
/// copied in runs between the characters that need escaping.
fn push_json_string(out: &mut String, s: &str) {
    use std::fmt::Write;
    out.push('"');
    let mut rest = s;
    while let Some(i) = rest
        .bytes()
        .position(|b| b == b'"' || b == b'\\' || b < 0x20)
    {
        out.push_str(&rest[..i]);
        // An ASCII byte: slicing around it stays on character boundaries.
        match rest.as_bytes()[i] {
            b'"' => out.push_str("\\\""),
            b'\\' => out.push_str("\\\\"),
            b => {
                let _ = write!(out, "\\u{b:04x}");
            }
        }
        rest = &rest[i + 1..];
    }
    out.push_str(rest);
    out.push('"');
}

pub(super) fn js_error_message(e: &JsValue) -> String {
    e.dyn_ref::<js_sys::Error>()
        .map(|e| String::from(e.message()))
        .or_else(|| e.as_string())
        .unwrap_or_else(|| "the storage adapter failed".into())
}

struct JsClock;
impl Clock for JsClock {
    fn now_ms(&self) -> u64 {
        js_sys::Date::now() as u64
    }
}

/// A JS object with `get/put/delete/list` (and optionally `apply`), which is also
/// what the IndexedDB module returns.
pub(super) struct Adapter {
    obj: JsValue,
    has_apply: bool,
    has_get_many: bool,
}

impl Adapter {
    fn new(obj: JsValue) -> Result<Self> {
        for m in ["get", "put", "delete", "list"] {
            if !get_field(&obj, m)?.is_function() {
                return Err(invalid(format!("the storage adapter has no `{m}` method")));
            }
        }
        let has_apply = get_field(&obj, "apply")?.is_function();
        let has_get_many = get_field(&obj, "getMany")?.is_function();
        Ok(Adapter {
            obj,
            has_apply,
            has_get_many,
        })
    }

    async fn call(&self, method: &str, args: &[JsValue]) -> Result<JsValue> {
        let f: Function = get_field(&self.obj, method)?
            .dyn_into()
            .map_err(|_| invalid(format!("the storage adapter has no `{method}` method")))?;
        let arr: Array = args.iter().collect();
        let ret = f
            .apply(&self.obj, &arr)
            .map_err(|e| Error::Storage(js_error_message(&e)))?;
        JsFuture::from(Promise::resolve(&ret))
            .await
            .map_err(|e| Error::Storage(js_error_message(&e)))
    }
}

fn value_from_js(v: &JsValue) -> Result<Option<Vec<u8>>> {
    if v.is_undefined() || v.is_null() {
        return Ok(None);
    }
    if let Some(a) = v.dyn_ref::<Uint8Array>() {
        return Ok(Some(a.to_vec()));
    }
    if let Some(b) = v.dyn_ref::<js_sys::ArrayBuffer>() {
        return Ok(Some(Uint8Array::new(b).to_vec()));
    }
    Err(Error::Storage(
        "the storage adapter must return a Uint8Array or null for a record".into(),
    ))
}

impl Store for Adapter {
    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>> {
        value_from_js(&self.call("get", &[key.into()]).await?)
    }
    async fn get_many(&self, keys: &[String]) -> Result<Vec<Option<Vec<u8>>>> {
        if !self.has_get_many {
            let mut out = Vec::with_capacity(keys.len());
            for k in keys {
                out.push(self.get(k).await?);
            }
            return Ok(out);
        }
        let arr: Array = keys.iter().map(|k| JsValue::from_str(k)).collect();
        let v = self.call("getMany", &[arr.into()]).await?;
        if !Array::is_array(&v) {
            return Err(Error::Storage(
                "the storage adapter's getMany() must return an array".into(),
            ));
        }
        Array::from(&v).iter().map(|x| value_from_js(&x)).collect()
    }
    async fn put(&self, key: &str, value: &[u8]) -> Result<()> {
        self.call("put", &[key.into(), Uint8Array::from(value).into()])
            .await?;
        Ok(())
    }
    async fn delete(&self, key: &str) -> Result<()> {
        self.call("delete", &[key.into()]).await?;
        Ok(())
    }
    async fn list(&self, prefix: &str) -> Result<Vec<String>> {
        let v = self.call("list", &[prefix.into()]).await?;
        let keys = string_array(&v, "list() result").map_err(|_| {
            Error::Storage("the storage adapter's list() must return an array of strings".into())
        })?;
        Ok(keys.into_iter().filter(|k| k.starts_with(prefix)).collect())
    }
    async fn apply(&self, ops: Vec<Op>) -> Result<()> {
        if !self.has_apply {
            for op in ops {
                match op {
                    Op::Put(k, v) => self.put(&k, &v).await?,
                    Op::Delete(k) => self.delete(&k).await?,
                }
            }
            return Ok(());
        }
        let arr = Array::new();
        for op in ops {
            let o = Object::new();
            match op {
                Op::Put(k, v) => {
                    set(&o, "type", "put");
                    set(&o, "key", k);
                    set(&o, "value", Uint8Array::from(v.as_slice()));
                }
                Op::Delete(k) => {
                    set(&o, "type", "delete");
                    set(&o, "key", k);
                }
            }
            arr.push(&o);
        }
        self.call("apply", &[arr.into()]).await?;
        Ok(())
    }
}

/// The store behind a JS vault.
pub(super) enum BStore {
    Memory(MemoryStore),
    Js(Adapter),
}

impl Store for BStore {
    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>> {
        match self {
            BStore::Memory(s) => s.get(key).await,
            BStore::Js(s) => s.get(key).await,
        }
    }
    async fn put(&self, key: &str, value: &[u8]) -> Result<()> {
        match self {
            BStore::Memory(s) => s.put(key, value).await,
            BStore::Js(s) => s.put(key, value).await,
        }
    }
    async fn delete(&self, key: &str) -> Result<()> {
        match self {
            BStore::Memory(s) => s.delete(key).await,
            BStore::Js(s) => s.delete(key).await,
        }
    }
    async fn list(&self, prefix: &str) -> Result<Vec<String>> {
        match self {
            BStore::Memory(s) => s.list(prefix).await,
            BStore::Js(s) => s.list(prefix).await,
        }
    }
    async fn get_many(&self, keys: &[String]) -> Result<Vec<Option<Vec<u8>>>> {
        match self {
            BStore::Memory(s) => s.get_many(keys).await,
            BStore::Js(s) => s.get_many(keys).await,
        }
    }
    async fn apply(&self, ops: Vec<Op>) -> Result<()> {
        match self {
            BStore::Memory(s) => s.apply(ops).await,
            BStore::Js(s) => s.apply(ops).await,
        }
    }
}

/// Resolves the `storage` option; returns the store and whether it is IndexedDB.
async fn resolve_storage(opts: &JsValue, name: &str) -> Result<(BStore, bool)> {
    let v = get_field(opts, "storage")?;
    let kind = if v.is_undefined() || v.is_null() {
        if idb_available() {
            "indexeddb".to_string()
        } else {
            "memory".to_string()
        }
    } else if let Some(s) = v.as_string() {
        s
    } else if v.is_object() {
        return Ok((BStore::Js(Adapter::new(v)?), false));
    } else {
        return Err(invalid(
            "`storage` must be \"indexeddb\", \"memory\" or an adapter object",
        ));
    };
    match kind.as_str() {
        "memory" => Ok((BStore::Memory(MemoryStore::named(name)), false)),
        "indexeddb" => {
            let obj = idb_open(name)
                .await
                .map_err(|e| Error::Storage(js_error_message(&e)))?;
            Ok((BStore::Js(Adapter::new(obj)?), true))
        }
        other => Err(invalid(format!(
            "unknown storage {other:?}: use \"indexeddb\", \"memory\" or an adapter object"
        ))),
    }
}

fn name_of(opts: &JsValue) -> Result<String> {
    let name = req_string(opts, "name")?;
    if name.is_empty() {
        return Err(invalid("`name` must not be empty"));
    }
    Ok(name)
}

fn open_options(opts: &JsValue) -> Result<OpenOptions> {
    let expected_vault_id = opt_string(opts, "expectedVaultId")?
        .map(|s| {
            s.parse::<NoteId>()
                .map(|id| id.0)
                .map_err(|_| invalid("`expectedVaultId` is 32 hexadecimal characters"))
        })
        .transpose()?;
    Ok(OpenOptions {
        min_manifest_counter: opt_number(opts, "minManifestCounter")?.unwrap_or(0.0) as u64,
        expected_vault_id,
        clock: Rc::new(JsClock),
    })
}

fn kdf_of(opts: &JsValue) -> Result<KdfParams> {
    let v = get_field(opts, "kdf")?;
    if v.is_undefined() || v.is_null() {
        return Ok(KdfParams::default());
    }
    if !v.is_object() {
        return Err(invalid(
            "`kdf` must be { memoryKiB, iterations, parallelism }",
        ));
    }
    Ok(KdfParams {
        memory_kib: u32_field(&v, "memoryKiB")?,
        iterations: u32_field(&v, "iterations")?,
        parallelism: u32_field(&v, "parallelism")?,
    })
}

struct AutoLock {
    ms: f64,
    timer: Option<JsValue>,
    callback: Option<Closure<dyn FnMut()>>,
}

/// An encrypted notes vault. Get one from `NoteVault.create`, `NoteVault.open` or
/// `NoteVault.importBackup`. `lock()` wipes keys and notes from memory; `free()`
/// also releases the Wasm object.
#[wasm_bindgen]
pub struct NoteVault {
    pub(super) inner: Rc<Vault<BStore>>,
    auto: Rc<RefCell<AutoLock>>,
}

fn auto_lock_ms(opts: &JsValue) -> Result<f64> {
    Ok(opt_number(opts, "autoLockMs")?.unwrap_or(0.0))
}

impl NoteVault {
    fn wrap(vault: Vault<BStore>, ms: f64) -> NoteVault {
        let nv = NoteVault {
            inner: Rc::new(vault),
            auto: Rc::new(RefCell::new(AutoLock {
                ms,
                timer: None,
                callback: None,
            })),
        };
        nv.touch();
        nv
    }

    /// Restarts the inactivity timer (if `autoLockMs` was given).
    pub(super) fn touch(&self) {
        let mut a = self.auto.borrow_mut();
        if a.ms <= 0.0 {
            return;
        }
        if let Some(t) = a.timer.take() {
            clear_timeout(&t);
        }
        if self.inner.is_locked() {
            return;
        }
        let weak = Rc::downgrade(&self.inner);
        let cb = Closure::<dyn FnMut()>::new(move || {
            if let Some(v) = weak.upgrade() {
                v.lock();
            }
        });
        let id = set_timeout(cb.as_ref().unchecked_ref(), a.ms);
        // Node: do not keep the process alive just to lock a vault.
        if let Ok(unref) = Reflect::get(&id, &"unref".into()) {
            if let Some(f) = unref.dyn_ref::<Function>() {
                let _ = f.call0(&id);
            }
        }
        a.timer = Some(id);
        a.callback = Some(cb);
    }

    pub(super) fn spawn<F>(&self, fut: F) -> Promise
    where
        F: std::future::Future<Output = Result<JsValue>> + 'static,
    {
        self.touch();
        future_to_promise(async move { fut.await.map_err(JsValue::from) })
    }
}

impl Drop for NoteVault {
    fn drop(&mut self) {
        if let Ok(mut a) = self.auto.try_borrow_mut() {
            if let Some(t) = a.timer.take() {
                clear_timeout(&t);
            }
        }
        self.inner.lock();
    }
}

fn parse_id(id: &str) -> Result<NoteId> {
    id.parse()
}

#[wasm_bindgen]
impl NoteVault {
    /// Creates a vault. Fails with INVALID_ARGUMENT if the storage already holds one.
    #[wasm_bindgen(unchecked_return_type = "Promise<NoteVault>")]
    pub fn create(
        #[wasm_bindgen(unchecked_param_type = "NoteVaultCreateOptions")] opts: JsValue,
    ) -> Promise {
        future_to_promise(async move {
            let name = name_of(&opts)?;
            let pass = passphrase(&opts, "passphrase")?;
            let kdf = kdf_of(&opts)?;
            kdf.check_creatable()?;
            let ms = auto_lock_ms(&opts)?;
            let o = open_options(&opts)?;
            let (store, is_idb) = resolve_storage(&opts, &name).await?;
            if is_idb {
                request_persistence().await;
            }
            let v = Vault::create(store, &pass, kdf, o).await?;
            Ok(NoteVault::wrap(v, ms).into())
        })
    }

    /// Opens a vault with its passphrase or another key slot (`recoveryCode`,
    /// `passkey: true`, `escrowSecretKey`): BAD_PASSPHRASE for a wrong passphrase
    /// or recovery code, NO_MATCHING_KEY for a passkey or escrow key without a
    /// slot, NOT_FOUND if there is no vault, TAMPERED if its records were changed,
    /// removed or rolled back.
    #[wasm_bindgen(unchecked_return_type = "Promise<NoteVault>")]
    pub fn open(
        #[wasm_bindgen(unchecked_param_type = "NoteVaultOpenOptions")] opts: JsValue,
    ) -> Promise {
        future_to_promise(async move {
            let name = name_of(&opts)?;
            let unlock = slots::unlock_arg(&opts)?;
            let ms = auto_lock_ms(&opts)?;
            let o = open_options(&opts)?;
            let (store, _) = resolve_storage(&opts, &name).await?;
            let v = slots::open_with(store, unlock, o).await?;
            Ok(NoteVault::wrap(v, ms).into())
        })
    }

    /// Restores `exportBackup()` output into empty storage. Nothing is written unless
    /// the whole backup verifies.
    #[wasm_bindgen(js_name = importBackup, unchecked_return_type = "Promise<NoteVault>")]
    pub fn import_backup(
        #[wasm_bindgen(unchecked_param_type = "NoteVaultImportOptions")] opts: JsValue,
    ) -> Promise {
        future_to_promise(async move {
            let name = name_of(&opts)?;
            let pass = passphrase(&opts, "passphrase")?;
            let backup = bytes_arg(&get_field(&opts, "backup")?, "backup")?;
            let ms = auto_lock_ms(&opts)?;
            let o = open_options(&opts)?;
            let (store, is_idb) = resolve_storage(&opts, &name).await?;
            if is_idb {
                request_persistence().await;
            }
            let v = Vault::import_backup(store, &backup, &pass, o).await?;
            Ok(NoteVault::wrap(v, ms).into())
        })
    }

    /// Creates (no `id`) or replaces a note; resolves to its id.
    #[wasm_bindgen(unchecked_return_type = "Promise<string>")]
    pub fn put(
        &self,
        #[wasm_bindgen(unchecked_param_type = "NoteInput")] note: JsValue,
    ) -> Promise {
        let inner = self.inner.clone();
        self.spawn(async move {
            let id = opt_string(&note, "id")?.map(|s| parse_id(&s)).transpose()?;
            let input = NoteInput {
                id,
                title: req_string(&note, "title")?,
                body: req_string(&note, "body")?,
                tags: string_array(&get_field(&note, "tags")?, "tags")?,
            };
            let id = inner.put(input).await?;
            Ok(id.to_string().into())
        })
    }

    /// One note; NOT_FOUND if there is no such id.
    #[wasm_bindgen(unchecked_return_type = "Note")]
    pub fn get(&self, id: &str) -> Result<JsValue> {
        self.touch();
        Ok(note_to_js(&self.inner.get(&parse_id(id)?)?))
    }

    /// Every note's id, title, tags and update time, newest first.
    #[wasm_bindgen(unchecked_return_type = "NoteSummary[]")]
    pub fn list(&self) -> Result<JsValue> {
        self.touch();
        summaries_to_js(&self.inner, "", false)
    }

    /// Notes containing every word of `query` in title or tags (with `{ bodies: true }`,
    /// in the body too); case-insensitive, and accent-insensitive for words typed
    /// without accents ("ha noi" finds "Hà Nội").
    #[wasm_bindgen(unchecked_return_type = "NoteSummary[]")]
    pub fn search(
        &self,
        query: &str,
        #[wasm_bindgen(unchecked_optional_param_type = "NoteSearchOptions")] options: Option<
            JsValue,
        >,
    ) -> Result<JsValue> {
        self.touch();
        let bodies = match &options {
            Some(o) if !o.is_undefined() && !o.is_null() => {
                let b = get_field(o, "bodies")?;
                if b.is_undefined() {
                    false
                } else {
                    b.as_bool()
                        .ok_or_else(|| invalid("search option `bodies` must be a boolean"))?
                }
            }
            _ => false,
        };
        summaries_to_js(&self.inner, query, bodies)
    }

    /// Deletes a note (NOT_FOUND if absent).
    #[wasm_bindgen(unchecked_return_type = "Promise<void>")]
    pub fn delete(&self, id: String) -> Promise {
        let inner = self.inner.clone();
        self.spawn(async move {
            inner.delete(&parse_id(&id)?).await?;
            Ok(JsValue::UNDEFINED)
        })
    }

    /// Changes the passphrase and rotates the vault key: every note is sealed again
    /// under new keys, in one batch. An old header or backup with the old
    /// passphrase opens nothing written after the change.
    #[wasm_bindgen(js_name = changePassphrase, unchecked_return_type = "Promise<void>")]
    pub fn change_passphrase(
        &self,
        #[wasm_bindgen(js_name = oldPassphrase, unchecked_param_type = "string | Uint8Array")]
        old_passphrase: JsValue,
        #[wasm_bindgen(js_name = newPassphrase, unchecked_param_type = "string | Uint8Array")]
        new_passphrase: JsValue,
    ) -> Promise {
        let inner = self.inner.clone();
        let old = passphrase_value(&old_passphrase, "oldPassphrase");
        let new = passphrase_value(&new_passphrase, "newPassphrase");
        self.spawn(async move {
            let (old, new) = (old?, new?);
            inner.change_passphrase(&old, &new).await?;
            Ok(JsValue::UNDEFINED)
        })
    }

    /// Replaces the vault key by a fresh one (same passphrase): every note, shard and
    /// the root are sealed again in one batch. Old headers and backups keep
    /// opening only what they held.
    #[wasm_bindgen(js_name = rotateKeys, unchecked_return_type = "Promise<void>")]
    pub fn rotate_keys(&self) -> Promise {
        let inner = self.inner.clone();
        self.spawn(async move {
            inner.rotate_keys().await?;
            Ok(JsValue::UNDEFINED)
        })
    }

    /// The whole vault as one encrypted file, protected by the current passphrase.
    #[wasm_bindgen(js_name = exportBackup, unchecked_return_type = "Promise<Uint8Array>")]
    pub fn export_backup(&self) -> Promise {
        let inner = self.inner.clone();
        self.spawn(async move {
            let b = inner.export_backup().await?;
            Ok(Uint8Array::from(b.as_slice()).into())
        })
    }

    /// Wipes keys and decrypted notes from memory. Later calls fail with LOCKED.
    pub fn lock(&self) {
        if let Ok(mut a) = self.auto.try_borrow_mut() {
            if let Some(t) = a.timer.take() {
                clear_timeout(&t);
            }
        }
        self.inner.lock();
    }

    /// True once locked (by `lock()` or the auto-lock timer).
    #[wasm_bindgen(getter)]
    pub fn locked(&self) -> bool {
        self.inner.is_locked()
    }

    /// The manifest counter, which grows with every change. Keep it outside the
    /// vault's storage and pass it back as `minManifestCounter` to detect a rollback
    /// of the whole store.
    #[wasm_bindgen(getter, js_name = manifestCounter)]
    pub fn manifest_counter(&self) -> Result<f64> {
        Ok(self.inner.manifest_counter()? as f64)
    }

    /// The vault's id (32 hex digits): random, fixed at creation, kept by backups,
    /// not secret. Keep it with the counter outside the vault's storage and pass
    /// it back as `expectedVaultId`. Readable after `lock()` too.
    #[wasm_bindgen(getter, js_name = vaultId)]
    pub fn vault_id(&self) -> String {
        NoteId(self.inner.vault_id()).to_string()
    }

    /// Encrypts a note to one or more colleagues' wrap public keys (binary form);
    /// they import the result with `acceptSharedNote`.
    #[wasm_bindgen(js_name = shareNote)]
    pub fn share_note(
        &self,
        id: &str,
        #[wasm_bindgen(js_name = recipientPublicKey, unchecked_param_type = "Uint8Array | Uint8Array[]")]
        recipient_public_key: JsValue,
    ) -> Result<Uint8Array> {
        self.touch();
        let keys: Vec<JsValue> = if Array::is_array(&recipient_public_key) {
            Array::from(&recipient_public_key).iter().collect()
        } else {
            vec![recipient_public_key]
        };
        let recipients = keys
            .iter()
            .map(|k| WrapPublicKey::from_bytes(&bytes_arg(k, "recipientPublicKey")?))
            .collect::<Result<Vec<_>>>()?;
        let blob = self.inner.share_note(&parse_id(id)?, &recipients)?;
        Ok(Uint8Array::from(blob.as_slice()))
    }

    /// Decrypts a note shared with `wrapSecretKey` and stores it as a new note;
    /// resolves to its id. NO_MATCHING_KEY if the key is not a recipient,
    /// DECRYPTION_FAILED if the blob was modified.
    #[wasm_bindgen(js_name = acceptSharedNote, unchecked_return_type = "Promise<string>")]
    pub fn accept_shared_note(
        &self,
        envelope: &[u8],
        #[wasm_bindgen(js_name = wrapSecretKey, unchecked_param_type = "WrapSecretKey")]
        wrap_secret_key: JsValue,
    ) -> Promise {
        self.touch();
        if self.inner.is_locked() {
            return Promise::reject(&Error::Locked.into());
        }
        // Taken as a plain value so a wrong argument is INVALID_ARGUMENT (a typed
        // `&WrapSecretKey` makes the glue throw an Error without a code); the
        // handle is used through its own `unwrapKey`, so its secret stays in Wasm.
        let key = match slots::JsEscrowKey::new(wrap_secret_key, "wrapSecretKey") {
            Ok(k) => k,
            Err(e) => return Promise::reject(&e.into()),
        };
        let opened = open_shared_note(envelope, |env| key.open_envelope(env));
        let note = match opened {
            Ok(n) => n,
            Err(e) => return Promise::reject(&e.into()),
        };
        let inner = self.inner.clone();
        future_to_promise(async move {
            let id = inner.import_shared_note(note).await?;
            Ok(id.to_string().into())
        })
    }
}
