//! JS boundary of `crate::wrap`: option objects in, `Uint8Array`s and handles out.

use js_sys::{Array, Object, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use zeroize::Zeroizing;

use crate::wrap as core;
use crate::Error;

#[wasm_bindgen(typescript_custom_section)]
const TS_WRAP: &'static str = r#"
/** A wrap public key: the binary form (`Uint8Array`) or the `signet-wrap-pub1:` text form. */
export type WrapPublicKeyInput = Uint8Array | string;

/** Result of `generateWrapKeyPair()`. */
export interface WrapKeyPair {
  /** Binary public key (1223 bytes); share it freely. */
  publicKey: Uint8Array;
  /** Secret key handle; call `free()` when done. */
  secretKey: WrapSecretKey;
}

/** Options of `wrapKey()`. */
export interface WrapKeyOptions {
  /** The 32-byte data key to wrap. */
  key: Uint8Array;
  /** Recipients' public keys (1 to 1000, no duplicates). */
  recipients: WrapPublicKeyInput[];
}

/** Options of `unwrapKey()`. */
export interface UnwrapKeyOptions {
  /** An envelope produced by `wrapKey()`. */
  envelope: Uint8Array;
  /** The recipient's secret key handle. */
  secretKey: WrapSecretKey;
}
"#;

fn object_arg(value: &JsValue, what: &str) -> Result<Object, Error> {
    if value.is_object() && !Array::is_array(value) {
        Ok(value.clone().unchecked_into())
    } else {
        Err(Error::InvalidArgument(format!("{what} must be an object")))
    }
}

fn field(obj: &Object, name: &str, what: &str) -> Result<JsValue, Error> {
    let v = Reflect::get(obj, &JsValue::from_str(name))
        .map_err(|_| Error::InvalidArgument(format!("cannot read {what}.{name}")))?;
    if v.is_undefined() {
        return Err(Error::InvalidArgument(format!("{what}.{name} is required")));
    }
    Ok(v)
}

fn bytes_arg(value: JsValue, what: &str) -> Result<Zeroizing<Vec<u8>>, Error> {
    value
        .dyn_into::<Uint8Array>()
        .map(|a| Zeroizing::new(a.to_vec()))
        .map_err(|_| Error::InvalidArgument(format!("{what} must be a Uint8Array")))
}

fn public_key_arg(value: JsValue, what: &str) -> Result<core::WrapPublicKey, Error> {
    if let Some(text) = value.as_string() {
        return core::WrapPublicKey::from_text(&text);
    }
    match value.dyn_into::<Uint8Array>() {
        Ok(a) => core::WrapPublicKey::from_bytes(&a.to_vec()),
        Err(_) => Err(Error::InvalidArgument(format!(
            "{what} must be a Uint8Array or a signet-wrap-pub1: string"
        ))),
    }
}

/// Passphrases may be strings (UTF-8 encoded) or bytes.
fn passphrase_arg(value: &JsValue) -> Result<Zeroizing<Vec<u8>>, Error> {
    if let Some(s) = value.as_string() {
        return Ok(Zeroizing::new(s.into_bytes()));
    }
    bytes_arg(value.clone(), "passphrase")
        .map_err(|_| Error::InvalidArgument("passphrase must be a string or a Uint8Array".into()))
}

/// An X-Wing secret key held inside Wasm memory. `free()` wipes it.
#[wasm_bindgen(js_name = WrapSecretKey)]
pub struct WrapSecretKey {
    inner: core::WrapSecretKey,
}

#[wasm_bindgen(js_class = WrapSecretKey)]
impl WrapSecretKey {
    /// The binary public key.
    #[wasm_bindgen(getter = publicKey)]
    pub fn public_key(&self) -> Uint8Array {
        Uint8Array::from(self.inner.public_key().to_bytes().as_slice())
    }

    /// The recipient id (32 hex characters) of this key.
    #[wasm_bindgen(getter)]
    pub fn id(&self) -> String {
        self.inner.id().to_hex()
    }

    /// The secret key encrypted under `passphrase` (Argon2id m=64 MiB, t=3, then
    /// AES-256-GCM). Takes about a second in a browser.
    #[wasm_bindgen(js_name = exportProtected)]
    pub fn export_protected(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string | Uint8Array")] passphrase: JsValue,
    ) -> Result<Uint8Array, JsValue> {
        let pass = passphrase_arg(&passphrase)?;
        let blob = self.inner.export_protected(&pass)?;
        Ok(Uint8Array::from(blob.as_slice()))
    }

    /// Same as `unwrapKey({ envelope, secretKey: this })`.
    #[wasm_bindgen(js_name = unwrapKey)]
    pub fn unwrap_key(
        &self,
        #[wasm_bindgen(unchecked_param_type = "Uint8Array")] envelope: &[u8],
    ) -> Result<Uint8Array, JsValue> {
        let out = unwrap_to_js(envelope, &self.inner);
        // The data key and HPKE secrets only ever lived in frames below this one.
        crate::scrub::scrub_stack();
        Ok(out?)
    }
}

/// Unwraps into a JS array. Kept out of line so every copy of the key stays in
/// frames that the caller's `scrub_stack` then overwrites.
#[inline(never)]
fn unwrap_to_js(envelope: &[u8], sk: &core::WrapSecretKey) -> Result<Uint8Array, Error> {
    let key = core::unwrap_key(envelope, sk)?;
    Ok(Uint8Array::from(key.as_slice()))
}

/// Generates an X-Wing key pair (ML-KEM-768 + X25519).
#[wasm_bindgen(js_name = generateWrapKeyPair, unchecked_return_type = "WrapKeyPair")]
pub fn generate_wrap_key_pair() -> JsValue {
    let sk = core::WrapSecretKey::generate();
    let pk = Uint8Array::from(sk.public_key().to_bytes().as_slice());
    let out = Object::new();
    // Reflect::set on a fresh plain object cannot fail.
    let _ = Reflect::set(&out, &"publicKey".into(), &pk);
    let _ = Reflect::set(
        &out,
        &"secretKey".into(),
        &WrapSecretKey { inner: sk }.into(),
    );
    out.into()
}

/// Opens a secret key exported with `exportProtected`. Wrong passphrase:
/// `BAD_PASSPHRASE`.
#[wasm_bindgen(js_name = importWrapSecretKey)]
pub fn import_wrap_secret_key(
    #[wasm_bindgen(unchecked_param_type = "Uint8Array")] bytes: &[u8],
    #[wasm_bindgen(unchecked_param_type = "string | Uint8Array")] passphrase: JsValue,
) -> Result<WrapSecretKey, JsValue> {
    let pass = passphrase_arg(&passphrase)?;
    let inner = core::WrapSecretKey::import_protected(bytes, &pass)?;
    Ok(WrapSecretKey { inner })
}

/// Wraps a 32-byte key to every recipient; returns the envelope.
#[wasm_bindgen(js_name = wrapKey)]
pub fn wrap_key(
    #[wasm_bindgen(unchecked_param_type = "WrapKeyOptions")] options: JsValue,
) -> Result<Uint8Array, JsValue> {
    let opts = object_arg(&options, "options")?;
    let key = bytes_arg(field(&opts, "key", "options")?, "options.key")?;
    let list = field(&opts, "recipients", "options")?;
    if !Array::is_array(&list) {
        return Err(Error::InvalidArgument("options.recipients must be an array".into()).into());
    }
    let list: Array = list.unchecked_into();
    if list.length() as usize > core::MAX_RECIPIENTS {
        return Err(Error::LimitExceeded(format!(
            "{} recipients, at most {} are allowed",
            list.length(),
            core::MAX_RECIPIENTS
        ))
        .into());
    }
    let mut recipients = Vec::with_capacity(list.length() as usize);
    for (i, v) in list.iter().enumerate() {
        recipients.push(public_key_arg(v, &format!("options.recipients[{i}]"))?);
    }
    let env = core::wrap_key(&key, &recipients)?;
    Ok(Uint8Array::from(env.as_slice()))
}

/// Recovers the 32-byte key. `NO_MATCHING_KEY` if the secret key is not a
/// recipient; `DECRYPTION_FAILED` if the envelope was tampered with.
#[wasm_bindgen(js_name = unwrapKey)]
pub fn unwrap_key(
    #[wasm_bindgen(unchecked_param_type = "UnwrapKeyOptions")] options: JsValue,
) -> Result<Uint8Array, JsValue> {
    let opts = object_arg(&options, "options")?;
    let envelope = field(&opts, "envelope", "options")?;
    if !envelope.is_instance_of::<Uint8Array>() {
        return Err(Error::InvalidArgument("options.envelope must be a Uint8Array".into()).into());
    }
    let sk = field(&opts, "secretKey", "options")?;
    // A handle cannot be borrowed out of a plain object field without moving it, so
    // call its own method; the handle's pointer is 0 once `free()` was called.
    if Reflect::get(&sk, &"__wbg_ptr".into())
        .ok()
        .and_then(|p| p.as_f64())
        == Some(0.0)
    {
        return Err(Error::Locked.into());
    }
    let method = Reflect::get(&sk, &"unwrapKey".into())
        .ok()
        .and_then(|m| m.dyn_into::<js_sys::Function>().ok())
        .ok_or_else(|| {
            Error::InvalidArgument("options.secretKey must be a WrapSecretKey".into())
        })?;
    let out = method.call1(&sk, &envelope)?;
    out.dyn_into::<Uint8Array>()
        .ok()
        .filter(|a| a.length() as usize == core::DATA_KEY_LEN)
        .ok_or_else(|| {
            Error::InvalidArgument("options.secretKey must be a WrapSecretKey".into()).into()
        })
}

/// Recipient ids (hex) listed in an envelope; needs no secret.
#[wasm_bindgen(js_name = envelopeRecipients)]
pub fn envelope_recipients(
    #[wasm_bindgen(unchecked_param_type = "Uint8Array")] envelope: &[u8],
) -> Result<Vec<String>, JsValue> {
    Ok(core::envelope_recipients(envelope)?
        .iter()
        .map(core::RecipientId::to_hex)
        .collect())
}

/// The recipient id (hex) of a public key (binary or text form).
#[wasm_bindgen(js_name = wrapPublicKeyId)]
pub fn wrap_public_key_id(
    #[wasm_bindgen(js_name = publicKey, unchecked_param_type = "WrapPublicKeyInput")]
    public_key: JsValue,
) -> Result<String, JsValue> {
    Ok(public_key_arg(public_key, "publicKey")?.id().to_hex())
}

/// Binary public key → `signet-wrap-pub1:` text form.
#[wasm_bindgen(js_name = wrapPublicKeyToText)]
pub fn wrap_public_key_to_text(
    #[wasm_bindgen(js_name = publicKey, unchecked_param_type = "Uint8Array")] public_key: &[u8],
) -> Result<String, JsValue> {
    Ok(core::WrapPublicKey::from_bytes(public_key)?.to_text())
}

/// `signet-wrap-pub1:` text form → binary public key.
#[wasm_bindgen(js_name = wrapPublicKeyFromText)]
pub fn wrap_public_key_from_text(
    // A JsValue, not `&str`: the glue's string conversion of a non-string traps
    // ("memory access out of bounds") instead of throwing a typed error.
    #[wasm_bindgen(unchecked_param_type = "string")] text: JsValue,
) -> Result<Uint8Array, JsValue> {
    let text = text
        .as_string()
        .ok_or_else(|| Error::InvalidArgument("text must be a string".into()))?;
    Ok(Uint8Array::from(
        core::WrapPublicKey::from_text(&text)?.to_bytes().as_slice(),
    ))
}
