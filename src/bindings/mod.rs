//! The JS boundary: converts arguments in, results and errors out. No crypto here.

use wasm_bindgen::prelude::*;

use crate::Error;

mod notes;
mod wrap;
// OpenPGP and its streams: only in the full module (feature `openpgp`).
#[cfg(feature = "openpgp")]
mod native;
#[cfg(feature = "openpgp")]
mod pgp;
#[cfg(feature = "openpgp")]
mod stream;
// Test hook for the secret-hygiene test (owned by the hardening work).
mod hygiene;

/// A JS `Error` whose `code` property carries [`Error::code`] and whose `name` is
/// `SignetError`, so callers can branch on `err.code` without parsing messages;
/// `KEY_UNUSABLE` errors also carry `reason` ([`Error::reason`]).
pub(crate) fn to_js_error(err: Error) -> JsValue {
    let js = js_sys::Error::new(&err.to_string());
    js.set_name("SignetError");
    // Reflect::set on a fresh Error object cannot fail.
    let _ = js_sys::Reflect::set(&js, &"code".into(), &err.code().into());
    if let Some(reason) = err.reason() {
        let _ = js_sys::Reflect::set(&js, &"reason".into(), &reason.into());
    }
    js.into()
}

impl From<Error> for JsValue {
    fn from(err: Error) -> JsValue {
        to_js_error(err)
    }
}

#[wasm_bindgen(start)]
fn start() {
    std::panic::set_hook(Box::new(|info| {
        // A panic is a bug (bad input must come back as a typed error); report it
        // loudly, since the module instance is unusable afterwards.
        web_sys::console::error_1(&format!("signet-crypto internal panic: {info}").into());
    }));
}

#[wasm_bindgen(typescript_custom_section)]
const TS_ERRORS: &'static str = r#"
/** Stable error codes carried by every error this package throws, in `err.code`. */
export type SignetErrorCode =
  | "BAD_PASSPHRASE" | "DECRYPTION_FAILED" | "MALFORMED_INPUT" | "NO_MATCHING_KEY"
  | "UNSUPPORTED" | "LIMIT_EXCEEDED" | "INVALID_ARGUMENT" | "KEY_UNUSABLE" | "TAMPERED"
  | "NOT_FOUND" | "STORAGE" | "LOCKED" | "INTERNAL";

/** Why the OpenPGP policy refused a key or signature (docs/policy.md): in
 *  `err.reason` of KEY_UNUSABLE errors, `reason` of readKey results and of
 *  each checked signature. */
export type SignetRefusalReason =
  | "too-weak" | "expired" | "revoked" | "not-yet-valid" | "no-self-signature"
  | "no-usable-subkey" | "not-private" | "critical-unknown" | "bad-signature"
  | "unknown-key" | "passkey-refused";

/** Versions reported by `getVersion()`. */
export interface VersionInfo {
  package: string;
  crates: Record<string, string>;
  /**
   * SHA-384 (SRI form, as in the package's `integrity.json`) of the Wasm bytes this
   * instance was compiled from; null when `init()` was given a compiled
   * `WebAssembly.Module` or WebCrypto is unavailable (not a secure context).
   */
  wasmSha384: string | null;
}
"#;

/// Package version and the versions of the main crypto crates. `wasmSha384` is null
/// here: the Wasm cannot see its own bytes, so the package's entry (which loads them)
/// fills it in.
#[wasm_bindgen(js_name = getVersion, unchecked_return_type = "VersionInfo")]
pub fn get_version() -> JsValue {
    let info = crate::version();
    let crates = js_sys::Object::new();
    for (name, ver) in info.crates {
        let _ = js_sys::Reflect::set(&crates, &(*name).into(), &(*ver).into());
    }
    let out = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&out, &"package".into(), &info.package.into());
    let _ = js_sys::Reflect::set(&out, &"crates".into(), &crates);
    let _ = js_sys::Reflect::set(&out, &"wasmSha384".into(), &JsValue::NULL);
    out.into()
}

/// Error codes as an array, so JS code and tests can check they handle each one.
#[wasm_bindgen(js_name = errorCodes)]
pub fn error_codes() -> Vec<String> {
    Error::ALL_CODES.iter().map(|c| c.to_string()).collect()
}
