//! JS API for OpenPGP: option objects in, plain objects out, like OpenPGP.js.
//! Only conversion lives here; everything else is in `crate::openpgp`.
//!
//! Private keys stay in Wasm memory. The JS `PrivateKey` object holds an id into a
//! registry of unlocked keys; arrays of handles (`signingKeys`, `decryptionKeys`)
//! are resolved through that id, so handles stay usable after each call (passing
//! exported structs by value would consume them). `free()` removes the key from the
//! registry, which drops and zeroizes it.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use js_sys::{Array, Date, Object, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use zeroize::Zeroizing;

use crate::openpgp::{self as core, Limits, Profile, SeipdChoice};
use crate::{Error, Result};

#[wasm_bindgen(typescript_custom_section)]
const TS_PGP: &'static str = r#"
/** Key shapes: "pqc" (v6 ML-DSA-65+Ed25519 / ML-KEM-768+X25519, default),
 *  "rfc9580" (v6 Ed25519 / X25519), "compat" (v4 EdDSA / Curve25519, GnuPG 2.2). */
export type PgpProfile = "pqc" | "rfc9580" | "compat";

export interface GenerateKeyOptions {
  userIds: string[];
  profile?: PgpProfile;
  /** Protects the returned private key when given and non-empty. */
  passphrase?: string;
  /** Days until the key expires; omitted or 0 = never. */
  expiresInDays?: number;
}

export interface GeneratedKey {
  /** Armored private key (protected iff a passphrase was given). */
  privateKey: string;
  publicKey: string;
  /** Uppercase hex. */
  fingerprint: string;
}

export interface KeyUsage {
  certify: boolean;
  sign: boolean;
  encryptCommunications: boolean;
  encryptStorage: boolean;
  authenticate: boolean;
}

export interface SubkeyInfo {
  fingerprint: string;
  keyId: string;
  algorithm: string;
  created: Date;
  /** null = never expires. */
  expires: Date | null;
  usage: KeyUsage;
  isPostQuantum: boolean;
  revoked: boolean;
  /** Why this subkey (or its primary key) cannot be used now; null if it can. */
  reason: SignetRefusalReason | null;
}

export interface KeyInfo {
  /** Uppercase hex (40 digits for v4 keys, 64 for v6). */
  fingerprint: string;
  /** Uppercase hex, 16 digits. */
  keyId: string;
  version: number;
  algorithm: string;
  userIds: string[];
  isPrivate: boolean;
  /** The primary key or any subkey uses an RFC 9980 post-quantum algorithm. */
  isPostQuantum: boolean;
  created: Date;
  expires: Date | null;
  revoked: boolean;
  usage: KeyUsage;
  /** Why the key cannot be used now (docs/policy.md); null if it can. */
  reason: SignetRefusalReason | null;
  subkeys: SubkeyInfo[];
}

/** Caps on attacker-controlled sizes and work (docs/threat-model.md, "Resource limits"). Each field is
 *  optional; the default applies when omitted. Lowering is always allowed;
 *  values above the built-in maximum are refused with INVALID_ARGUMENT. */
export interface Limits {
  /** One-shot message/signature size, and the SEIPDv1 integrity buffer. Default 256 MiB, max 1 GiB. */
  maxMessageSize?: number;
  /** Plaintext produced from compressed data. Default 256 MiB, max 1 GiB. */
  maxDecompressedSize?: number;
  /** Key/certificate size. Default 8 MiB, max 64 MiB. */
  maxKeySize?: number;
  /** Argon2 memory an S2K may ask for, KiB. Default and max 1 GiB. */
  maxArgon2MemoryKiB?: number;
  /** Argon2 passes. Default and max 64. */
  maxArgon2Passes?: number;
  /** Argon2 lanes. Default and max 16. */
  maxArgon2Lanes?: number;
  /** Bytes hashed by an iterated+salted S2K. Default and max 65011712. */
  maxS2kIteratedBytes?: number;
  /** Nested compression layers. Default 4, max 8. */
  maxCompressionLayers?: number;
  /** Signatures examined on one message. Default 64, max 1024. */
  maxSignatures?: number;
  /** Session-key packets (PKESK + SKESK) on one message. Default 64, max 1024. */
  maxSessionKeyPackets?: number;
  /** Total S2K work per message (every SKESK with every password) or per key, in
   *  KiB: Argon2 memory KiB x passes, iterated-S2K bytes / 1024. Checked before
   *  each derivation. Default 268435456 (four derivations at 1 GiB, 64 passes),
   *  max 16x that. */
  maxS2kWork?: number;
  /** Smallest RSA key accepted for encryption and signatures, bits. Default 2048;
   *  lower (down to 1024) only to read legacy archives. docs/policy.md. */
  minRsaBits?: number;
}

export interface UnlockKeyOptions {
  limits?: Limits;
}

/** What `messageRecipients` finds in a message's session-key packets. */
export interface MessageRecipients {
  /** Key IDs (v3 session-key packets) and fingerprints (v6), uppercase hex:
   *  compare with `keyId` / `fingerprint` of a key and its subkeys. */
  ids: string[];
  /** A password can open it. */
  password: boolean;
  /** Some recipient is unnamed (wildcard key ID / anonymous). */
  anonymous: boolean;
}

export interface ReadKeyOptions {
  /** `maxKeySize`, and `minRsaBits` for the verdict in `reason`. */
  limits?: Limits;
}

export interface RevokeKeyOptions {
  /** Why (RFC 9580 §5.2.3.31). Default "unspecified"; "compromised" also
   *  invalidates every earlier signature of the key for most implementations. */
  reason?: "compromised" | "superseded" | "retired" | "unspecified";
  /** Free text carried in the signature (UTF-8). */
  description?: string;
}

export interface EncryptOptions {
  data: Uint8Array | string;
  /** Recipient public keys, armored strings or binary. */
  encryptionKeys?: (string | Uint8Array)[];
  passwords?: string[];
  signingKeys?: PrivateKey[];
  /** Default true: armored string; false: Uint8Array. */
  armor?: boolean;
  /** "auto" (default): SEIPDv2 when every recipient supports it, else v1. */
  seipd?: "auto" | "v1" | "v2";
  /** Also return the message's session key: the result is then
   *  `{ message, sessionKey }`. Default false. */
  sessionKeyOut?: boolean;
  limits?: Limits;
}

/** `encrypt` with `sessionKeyOut: true`. */
export interface EncryptedWithSessionKey {
  message: string | Uint8Array;
  /** Cipher octet (RFC 9580 §9.3) then the key: what `decryptSessionKey`
   *  returns and `decryptStream`'s `sessionKey` takes. Wipe it after use. */
  sessionKey: Uint8Array;
}

export interface DecryptOptions {
  message: Uint8Array | string;
  decryptionKeys?: PrivateKey[];
  passwords?: string[];
  verificationKeys?: (string | Uint8Array)[];
  limits?: Limits;
}

export interface SignatureResult {
  /** Primary fingerprint of the matching verification key, else the issuer named
   *  by the signature. Uppercase hex. */
  fingerprint: string;
  /** The (sub)key that signed, when a verification key matched. */
  signingKeyFingerprint: string | null;
  valid: boolean;
  created: Date | null;
  /** Why the signature is not valid (docs/policy.md); null when it is. */
  reason: SignetRefusalReason | null;
}

export interface DecryptResult {
  data: Uint8Array;
  signatures: SignatureResult[];
}

export interface SignOptions {
  data: Uint8Array | string;
  signingKeys: PrivateKey[];
  /** Default false: a signed message containing the data. */
  detached?: boolean;
  /** Default true. */
  armor?: boolean;
}

export interface VerifyOptions {
  /** The signed data, for a detached signature. Omit for signed messages. */
  data?: Uint8Array | string;
  /** Detached signature, one-pass signed message or cleartext-signed message. */
  signature?: Uint8Array | string;
  /** Alias of `signature` for signed messages. */
  message?: Uint8Array | string;
  verificationKeys: (string | Uint8Array)[];
  limits?: Limits;
}

export interface VerifyResult {
  /** At least one signature from the given keys, and all of theirs valid. */
  valid: boolean;
  signatures: SignatureResult[];
  /** The signed data, for signed messages; null for detached signatures. */
  data: Uint8Array | null;
}
"#;

// ---------------------------------------------------------------------------
// Handle registry

thread_local! {
    static KEYS: RefCell<HashMap<u32, Rc<core::PrivateKey>>> = RefCell::new(HashMap::new());
    static NEXT_ID: std::cell::Cell<u32> = const { std::cell::Cell::new(1) };
}

/// An unlocked private key held in Wasm memory. Call `free()` when done: the key
/// material is zeroized then. Export it only with `exportPrivateKey`.
#[wasm_bindgen(js_name = PrivateKey)]
pub struct PrivateKeyHandle {
    id: u32,
    fingerprint: String,
}

#[wasm_bindgen(js_class = PrivateKey)]
impl PrivateKeyHandle {
    /// Primary key fingerprint, uppercase hex.
    #[wasm_bindgen(getter)]
    pub fn fingerprint(&self) -> String {
        self.fingerprint.clone()
    }

    /// Internal: how arrays of handles are resolved. Not part of the API.
    #[wasm_bindgen(getter, js_name = __signetKeyId)]
    pub fn key_id_internal(&self) -> u32 {
        self.id
    }

    /// The armored public key of this private key.
    #[wasm_bindgen(js_name = publicKey)]
    pub fn public_key(&self) -> std::result::Result<String, JsValue> {
        Ok(lookup(self.id)?.public_key_armored()?)
    }

    /// Same as `readKey` on this key.
    #[wasm_bindgen(unchecked_return_type = "KeyInfo")]
    pub fn info(&self) -> std::result::Result<JsValue, JsValue> {
        Ok(key_info_js(&lookup(self.id)?.info()))
    }
}

impl Drop for PrivateKeyHandle {
    fn drop(&mut self) {
        let _ = KEYS.try_with(|k| k.borrow_mut().remove(&self.id));
    }
}

fn register(key: core::PrivateKey) -> PrivateKeyHandle {
    let id = NEXT_ID.with(|n| {
        let id = n.get();
        n.set(id.wrapping_add(1).max(1));
        id
    });
    let fingerprint = key.fingerprint().to_string();
    KEYS.with(|k| k.borrow_mut().insert(id, Rc::new(key)));
    PrivateKeyHandle { id, fingerprint }
}

fn lookup(id: u32) -> Result<Rc<core::PrivateKey>> {
    KEYS.with(|k| k.borrow().get(&id).cloned())
        .ok_or(Error::Locked)
}

pub(super) fn handles(v: Option<JsValue>, field: &str) -> Result<Vec<Rc<core::PrivateKey>>> {
    let Some(v) = v else { return Ok(Vec::new()) };
    let arr = v
        .dyn_into::<Array>()
        .map_err(|_| Error::InvalidArgument(format!("{field} must be an array of PrivateKey")))?;
    arr.iter().map(|h| handle(&h, field)).collect()
}

/// The key behind one `PrivateKey` object, read by id so that a freed or foreign
/// object is `INVALID_ARGUMENT` rather than a wasm-bindgen null-pointer error.
fn handle(h: &JsValue, field: &str) -> Result<Rc<core::PrivateKey>> {
    let id = Reflect::get(h, &"__signetKeyId".into())
        .ok()
        .and_then(|v| v.as_f64())
        .ok_or_else(|| {
            Error::InvalidArgument(format!(
                "{field} must hold PrivateKey objects from unlockKey (or the key was freed)"
            ))
        })?;
    lookup(id as u32)
}

// ---------------------------------------------------------------------------
// Option parsing

pub(super) fn options(v: &JsValue, what: &str) -> Result<Object> {
    if !v.is_object() || v.is_null() || Array::is_array(v) {
        return Err(Error::InvalidArgument(format!(
            "{what} expects an options object"
        )));
    }
    Ok(v.clone().unchecked_into())
}

pub(super) fn field(o: &Object, name: &str) -> Option<JsValue> {
    Reflect::get(o, &name.into())
        .ok()
        .filter(|v| !v.is_undefined() && !v.is_null())
}

fn string_of(v: JsValue, name: &str) -> Result<String> {
    v.as_string()
        .ok_or_else(|| Error::InvalidArgument(format!("{name} must be a string")))
}

pub(super) fn opt_string(o: &Object, name: &str) -> Result<Option<String>> {
    field(o, name).map(|v| string_of(v, name)).transpose()
}

pub(super) fn opt_bool(o: &Object, name: &str, default: bool) -> Result<bool> {
    match field(o, name) {
        None => Ok(default),
        Some(v) => v
            .as_bool()
            .ok_or_else(|| Error::InvalidArgument(format!("{name} must be a boolean"))),
    }
}

/// The optional `limits` object: defaults, with each named field replaced.
/// Values must be non-negative integers no larger than `Limits::CEILING`.
pub(super) fn limits_opt(o: &Object) -> Result<Limits> {
    let mut limits = Limits::default();
    let Some(v) = field(o, "limits") else {
        return Ok(limits);
    };
    let obj = options(&v, "limits")?;
    for key in Object::keys(&obj).iter() {
        let name = key.as_string().unwrap_or_default();
        let Some(value) = field(&obj, &name) else {
            continue;
        };
        let n = value
            .as_f64()
            .filter(|n| n.fract() == 0.0 && (0.0..=9_007_199_254_740_991.0).contains(n))
            .ok_or_else(|| {
                Error::InvalidArgument(format!("limits.{name} must be a non-negative integer"))
            })?;
        limits.set(&name, n as u64)?;
    }
    Ok(limits)
}

/// `Uint8Array` or `string` (UTF-8 encoded).
fn bytes_of(v: &JsValue, name: &str) -> Result<Zeroizing<Vec<u8>>> {
    if let Some(s) = v.as_string() {
        return Ok(Zeroizing::new(s.into_bytes()));
    }
    if let Some(a) = v.dyn_ref::<Uint8Array>() {
        return Ok(Zeroizing::new(a.to_vec()));
    }
    Err(Error::InvalidArgument(format!(
        "{name} must be a Uint8Array or a string"
    )))
}

fn required_bytes(o: &Object, name: &str) -> Result<Zeroizing<Vec<u8>>> {
    let v = field(o, name).ok_or_else(|| Error::InvalidArgument(format!("{name} is required")))?;
    bytes_of(&v, name)
}

fn array_of<T>(
    o: &Object,
    name: &str,
    each: impl Fn(&JsValue, &str) -> Result<T>,
) -> Result<Vec<T>> {
    let Some(v) = field(o, name) else {
        return Ok(Vec::new());
    };
    let arr = v
        .dyn_into::<Array>()
        .map_err(|_| Error::InvalidArgument(format!("{name} must be an array")))?;
    arr.iter().map(|x| each(&x, name)).collect()
}

pub(super) fn strings(o: &Object, name: &str) -> Result<Vec<Zeroizing<String>>> {
    array_of(o, name, |x, n| {
        x.as_string()
            .map(Zeroizing::new)
            .ok_or_else(|| Error::InvalidArgument(format!("{n} must hold strings")))
    })
}

pub(super) fn key_bytes(o: &Object, name: &str) -> Result<Vec<Zeroizing<Vec<u8>>>> {
    array_of(o, name, bytes_of)
}

// ---------------------------------------------------------------------------
// Result building

fn set(o: &Object, k: &str, v: impl Into<JsValue>) {
    // Setting a data property on a fresh plain object cannot fail.
    let _ = Reflect::set(o, &k.into(), &v.into());
}

fn date(secs: u64) -> JsValue {
    Date::new(&JsValue::from_f64(secs as f64 * 1000.0)).into()
}

fn opt_date(secs: Option<u64>) -> JsValue {
    secs.map(date).unwrap_or(JsValue::NULL)
}

fn usage_js(u: &core::KeyUsage) -> Object {
    let o = Object::new();
    set(&o, "certify", u.certify);
    set(&o, "sign", u.sign);
    set(&o, "encryptCommunications", u.encrypt_communications);
    set(&o, "encryptStorage", u.encrypt_storage);
    set(&o, "authenticate", u.authenticate);
    o
}

fn key_info_js(i: &core::KeyInfo) -> JsValue {
    let o = Object::new();
    set(&o, "fingerprint", i.fingerprint.as_str());
    set(&o, "keyId", i.key_id.as_str());
    set(&o, "version", i.version);
    set(&o, "algorithm", i.algorithm.as_str());
    let uids = Array::new();
    for u in &i.user_ids {
        uids.push(&u.as_str().into());
    }
    set(&o, "userIds", uids);
    set(&o, "isPrivate", i.is_private);
    set(&o, "isPostQuantum", i.is_post_quantum);
    set(&o, "created", date(i.created));
    set(&o, "expires", opt_date(i.expires));
    set(&o, "revoked", i.revoked);
    set(&o, "usage", usage_js(&i.usage));
    set(&o, "reason", reason_js(i.reason));
    let subs = Array::new();
    for s in &i.subkeys {
        let so = Object::new();
        set(&so, "fingerprint", s.fingerprint.as_str());
        set(&so, "keyId", s.key_id.as_str());
        set(&so, "algorithm", s.algorithm.as_str());
        set(&so, "created", date(s.created));
        set(&so, "expires", opt_date(s.expires));
        set(&so, "usage", usage_js(&s.usage));
        set(&so, "isPostQuantum", s.is_post_quantum);
        set(&so, "revoked", s.revoked);
        set(&so, "reason", reason_js(s.reason));
        subs.push(&so);
    }
    set(&o, "subkeys", subs);
    o.into()
}

fn reason_js(r: Option<crate::Reason>) -> JsValue {
    r.map(|r| JsValue::from(r.as_str()))
        .unwrap_or(JsValue::NULL)
}

pub(crate) fn signatures_js(sigs: &[core::SignatureCheck]) -> Array {
    let arr = Array::new();
    for s in sigs {
        let o = Object::new();
        set(&o, "fingerprint", s.fingerprint.as_str());
        set(
            &o,
            "signingKeyFingerprint",
            s.signing_key_fingerprint
                .as_deref()
                .map(JsValue::from)
                .unwrap_or(JsValue::NULL),
        );
        set(&o, "valid", s.valid);
        set(&o, "created", opt_date(s.created));
        set(&o, "reason", reason_js(s.reason));
        arr.push(&o);
    }
    arr
}

/// Armored output as a string, binary as a Uint8Array.
/// Copies block by block into one JS array: Wasm memory never holds a second,
/// contiguous copy of the plaintext.
pub(super) fn plaintext_js(p: &core::Plaintext) -> Result<Uint8Array> {
    let len = u32::try_from(p.len())
        .map_err(|_| Error::LimitExceeded("plaintext larger than 4 GiB".into()))?;
    let out = Uint8Array::new_with_length(len);
    let mut at = 0u32;
    for b in p.blocks() {
        let n = b.len() as u32;
        out.subarray(at, at + n).copy_from(b);
        at += n;
    }
    Ok(out)
}

fn output(bytes: Vec<u8>, armor: bool) -> Result<JsValue> {
    if armor {
        String::from_utf8(bytes)
            .map(JsValue::from)
            .map_err(|_| Error::Internal("armored output is not UTF-8".into()))
    } else {
        Ok(Uint8Array::from(bytes.as_slice()).into())
    }
}

// ---------------------------------------------------------------------------
// API

/// Generates a key pair. Rejects with `INVALID_ARGUMENT` on bad options.
#[wasm_bindgen(js_name = generateKey, unchecked_return_type = "GeneratedKey")]
pub async fn generate_key(
    #[wasm_bindgen(js_name = options, unchecked_param_type = "GenerateKeyOptions")]
    options_: JsValue,
) -> std::result::Result<JsValue, JsValue> {
    let o = options(&options_, "generateKey")?;
    let user_ids = strings(&o, "userIds")?
        .into_iter()
        .map(|s| s.to_string())
        .collect();
    let profile = match opt_string(&o, "profile")? {
        None => Profile::Pqc,
        Some(p) => Profile::parse(&p)?,
    };
    let passphrase = opt_string(&o, "passphrase")?.map(Zeroizing::new);
    let expires_in_days = match field(&o, "expiresInDays") {
        None => None,
        Some(v) => {
            let d = v
                .as_f64()
                .ok_or_else(|| Error::InvalidArgument("expiresInDays must be a number".into()))?;
            if !(0.0..=36_500.0).contains(&d) || d.fract() != 0.0 {
                return Err(Error::InvalidArgument(
                    "expiresInDays must be an integer from 0 to 36500".into(),
                )
                .into());
            }
            Some(d as u32)
        }
    };
    let k = core::generate_key(&core::GenerateOptions {
        user_ids,
        profile,
        passphrase,
        expires_in_days,
        created: None,
    })?;
    let out = Object::new();
    set(&out, "privateKey", k.private_key.as_str());
    set(&out, "publicKey", k.public_key.as_str());
    set(&out, "fingerprint", k.fingerprint.as_str());
    Ok(out.into())
}

/// Describes a public or private key, armored or binary.
#[wasm_bindgen(js_name = readKey, unchecked_return_type = "KeyInfo")]
pub async fn read_key(
    #[wasm_bindgen(js_name = armoredOrBinary, unchecked_param_type = "string | Uint8Array")]
    key: JsValue,
    #[wasm_bindgen(unchecked_optional_param_type = "ReadKeyOptions")] options_: Option<JsValue>,
) -> std::result::Result<JsValue, JsValue> {
    let bytes = bytes_of(&key, "key")?;
    let limits = match options_.filter(|v| !v.is_undefined() && !v.is_null()) {
        None => Limits::default(),
        Some(v) => limits_opt(&options(&v, "readKey")?)?,
    };
    Ok(key_info_js(&core::read_key_with(&bytes, &limits)?))
}

/// Who a message is for, from its session-key packets: `head` may be just the
/// file's first bytes (96 KiB hold hundreds of recipients); `null` when they do
/// not reach the encrypted data. Needs no key and decrypts nothing.
#[wasm_bindgen(js_name = messageRecipients, unchecked_return_type = "MessageRecipients | null")]
pub fn message_recipients(
    #[wasm_bindgen(unchecked_param_type = "string | Uint8Array")] head: JsValue,
) -> std::result::Result<JsValue, JsValue> {
    let bytes = bytes_of(&head, "head")?;
    let Some(r) = core::message_recipients(&bytes)? else {
        return Ok(JsValue::NULL);
    };
    let out = Object::new();
    let ids = Array::new();
    for id in &r.ids {
        ids.push(&id.into());
    }
    set(&out, "ids", ids);
    set(&out, "password", r.password);
    set(&out, "anonymous", r.anonymous);
    Ok(out.into())
}

/// Unlocks a private key into a Wasm-held handle. Wrong passphrase: `BAD_PASSPHRASE`.
#[wasm_bindgen(js_name = unlockKey)]
pub async fn unlock_key(
    #[wasm_bindgen(js_name = armoredPrivateKey, unchecked_param_type = "string | Uint8Array")]
    key: JsValue,
    passphrase: Option<String>,
    #[wasm_bindgen(unchecked_param_type = "UnlockKeyOptions")] options_: Option<JsValue>,
) -> std::result::Result<PrivateKeyHandle, JsValue> {
    let bytes = bytes_of(&key, "armoredPrivateKey")?;
    let passphrase = passphrase.map(Zeroizing::new);
    let limits = match options_.filter(|v| !v.is_undefined() && !v.is_null()) {
        None => Limits::default(),
        Some(v) => limits_opt(&options(&v, "unlockKey")?)?,
    };
    let k = core::unlock_key(&bytes, passphrase.as_deref().map(|s| s.as_str()), &limits);
    crate::scrub::scrub_stack();
    let k = k?;
    Ok(register(k))
}

/// Exports the key armored, protected with `newPassphrase` (must be non-empty).
#[wasm_bindgen(js_name = exportPrivateKey)]
pub async fn export_private_key(
    key: &PrivateKeyHandle,
    #[wasm_bindgen(js_name = newPassphrase)] new_passphrase: String,
) -> std::result::Result<String, JsValue> {
    let pw = Zeroizing::new(new_passphrase);
    let k = lookup(key.id)?;
    Ok(core::export_private_key(&k, &pw)?.to_string())
}

/// Revokes the key (a key revocation signature by its primary key) and returns
/// its armored certificate carrying the revocation, to publish in place of the
/// old one. Reason: `"unspecified"` unless given.
#[wasm_bindgen(js_name = revokeKey)]
pub async fn revoke_key(
    #[wasm_bindgen(unchecked_param_type = "PrivateKey")] key: JsValue,
    #[wasm_bindgen(js_name = options, unchecked_param_type = "RevokeKeyOptions")] options_: Option<
        JsValue,
    >,
) -> std::result::Result<String, JsValue> {
    let (reason, description) = match options_.filter(|v| !v.is_undefined() && !v.is_null()) {
        None => (core::RevocationReason::Unspecified, String::new()),
        Some(v) => {
            let o = options(&v, "revokeKey")?;
            let reason = match opt_string(&o, "reason")? {
                None => core::RevocationReason::Unspecified,
                Some(s) => core::RevocationReason::parse(&s)?,
            };
            (reason, opt_string(&o, "description")?.unwrap_or_default())
        }
    };
    let k = handle(&key, "key")?;
    let r = core::revoke_key(&k, reason, &description);
    crate::scrub::scrub_stack();
    Ok(r?)
}

/// Encrypts (and optionally signs). Armored string by default, else Uint8Array;
/// with `sessionKeyOut: true`, `{ message, sessionKey }`.
#[wasm_bindgen(unchecked_return_type = "string | Uint8Array | EncryptedWithSessionKey")]
pub async fn encrypt(
    #[wasm_bindgen(js_name = options, unchecked_param_type = "EncryptOptions")] options_: JsValue,
) -> std::result::Result<JsValue, JsValue> {
    let o = options(&options_, "encrypt")?;
    let data = required_bytes(&o, "data")?;
    let keys = key_bytes(&o, "encryptionKeys")?;
    let passwords = strings(&o, "passwords")?;
    let signers = handles(field(&o, "signingKeys"), "signingKeys")?;
    let armor = opt_bool(&o, "armor", true)?;
    let seipd = match opt_string(&o, "seipd")? {
        None => SeipdChoice::Auto,
        Some(s) => SeipdChoice::parse(&s)?,
    };
    let session_key_out = opt_bool(&o, "sessionKeyOut", false)?;
    let opts = core::EncryptOptions {
        encryption_keys: keys.iter().map(|k| k.as_slice()).collect(),
        passwords: passwords.iter().map(|p| p.as_str()).collect(),
        signing_keys: signers.iter().map(|k| k.as_ref()).collect(),
        armor,
        seipd,
        limits: limits_opt(&o)?,
    };
    let r = if session_key_out {
        core::encrypt_with_session_key(&data, &opts).and_then(|(m, sk)| {
            let out = Object::new();
            set(&out, "message", output(m, armor)?);
            set(&out, "sessionKey", Uint8Array::from(&sk.to_bytes()[..]));
            Ok(JsValue::from(out))
        })
    } else {
        core::encrypt(&data, &opts).and_then(|m| output(m, armor))
    };
    crate::scrub::scrub_stack();
    Ok(r?)
}

/// Decrypts and checks signatures inside. Nothing is returned unless the whole
/// message authenticated.
#[wasm_bindgen(unchecked_return_type = "DecryptResult")]
pub async fn decrypt(
    #[wasm_bindgen(js_name = options, unchecked_param_type = "DecryptOptions")] options_: JsValue,
) -> std::result::Result<JsValue, JsValue> {
    let o = options(&options_, "decrypt")?;
    let message = required_bytes(&o, "message")?;
    let keys = handles(field(&o, "decryptionKeys"), "decryptionKeys")?;
    let passwords = strings(&o, "passwords")?;
    let verification = key_bytes(&o, "verificationKeys")?;
    let opts = core::DecryptOptions {
        decryption_keys: keys.iter().map(|k| k.as_ref()).collect(),
        passwords: passwords.iter().map(|p| p.as_str()).collect(),
        verification_keys: verification.iter().map(|k| k.as_slice()).collect(),
        limits: limits_opt(&o)?,
    };
    let d = core::decrypt_blocks(&message, &opts);
    crate::scrub::scrub_stack();
    let (plain, signatures) = d?;
    let out = Object::new();
    set(&out, "data", plaintext_js(&plain)?);
    set(&out, "signatures", signatures_js(&signatures));
    Ok(out.into())
}

/// Signs data: a signed message by default, or a detached signature.
#[wasm_bindgen(unchecked_return_type = "string | Uint8Array")]
pub async fn sign(
    #[wasm_bindgen(js_name = options, unchecked_param_type = "SignOptions")] options_: JsValue,
) -> std::result::Result<JsValue, JsValue> {
    let o = options(&options_, "sign")?;
    let data = required_bytes(&o, "data")?;
    let signers = handles(field(&o, "signingKeys"), "signingKeys")?;
    let detached = opt_bool(&o, "detached", false)?;
    let armor = opt_bool(&o, "armor", true)?;
    let opts = core::SignOptions {
        signing_keys: signers.iter().map(|k| k.as_ref()).collect(),
        detached,
        armor,
    };
    let r = core::sign(&data, &opts).and_then(|m| output(m, armor));
    crate::scrub::scrub_stack();
    Ok(r?)
}

/// Verifies a detached signature (with `data`) or a signed message (without).
#[wasm_bindgen(unchecked_return_type = "VerifyResult")]
pub async fn verify(
    #[wasm_bindgen(js_name = options, unchecked_param_type = "VerifyOptions")] options_: JsValue,
) -> std::result::Result<JsValue, JsValue> {
    let o = options(&options_, "verify")?;
    let data = field(&o, "data")
        .map(|v| bytes_of(&v, "data"))
        .transpose()?;
    let signature = match (field(&o, "signature"), field(&o, "message")) {
        (Some(s), _) => bytes_of(&s, "signature")?,
        (None, Some(m)) => bytes_of(&m, "message")?,
        (None, None) => {
            return Err(Error::InvalidArgument("signature (or message) is required".into()).into())
        }
    };
    let keys = key_bytes(&o, "verificationKeys")?;
    let v = core::verify_blocks(&core::VerifyOptions {
        data: data.as_ref().map(|d| d.as_slice()),
        signature: &signature,
        verification_keys: keys.iter().map(|k| k.as_slice()).collect(),
        limits: limits_opt(&o)?,
    });
    crate::scrub::scrub_stack();
    let (v, plain) = v?;
    let out = Object::new();
    set(&out, "valid", v.valid);
    set(&out, "signatures", signatures_js(&v.signatures));
    let data = match plain {
        Some(p) => JsValue::from(plaintext_js(&p)?),
        None => JsValue::NULL,
    };
    set(&out, "data", data);
    Ok(out.into())
}

/// Internal (the stream worker's share of a held SEIPDv1 body, see
/// `StreamDecryptor.heldRange`): AES-CFB decryption of `input` = IV (16
/// octets) + ciphertext with `sessionKey`. The output is unauthenticated
/// until the page's `StreamDecryptor.finish()` checks the MDC.
#[wasm_bindgen(js_name = cfbDecryptRange)]
pub fn cfb_decrypt_range(
    session_key: &[u8],
    input: &[u8],
) -> std::result::Result<Uint8Array, JsValue> {
    let (iv, ct) = input
        .split_first_chunk::<16>()
        .ok_or_else(|| Error::InvalidArgument("input shorter than the IV".into()))?;
    let plain = core::cfb_decrypt_range(session_key, iv, ct)?;
    Ok(Uint8Array::from(plain.as_slice()))
}
