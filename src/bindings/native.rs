//! `useNativeAes`: the Node entry lends `node:crypto`'s AES-ECB and SHA-1 to
//! the SEIPDv1 decryptor (see `crate::openpgp::native`). Only converts: the
//! bytes cross as views of Wasm memory, results are checked by the caller.

use std::rc::Rc;

use js_sys::{Function, Uint8Array, WebAssembly};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use crate::openpgp::native::{set_native_bulk, NativeBulk};
use crate::Error;

struct JsBulk {
    ecb: Function,
    sha1: Function,
}

/// A view of `data` inside Wasm memory (valid until the memory grows; the
/// host functions do not call back into Wasm, so it cannot grow meanwhile).
fn view(data: &[u8]) -> Option<Uint8Array> {
    let mem = wasm_bindgen::memory()
        .dyn_into::<WebAssembly::Memory>()
        .ok()?;
    let ptr = u32::try_from(data.as_ptr() as usize).ok()?;
    let len = u32::try_from(data.len()).ok()?;
    Some(Uint8Array::new_with_byte_offset_and_length(
        &mem.buffer(),
        ptr,
        len,
    ))
}

impl NativeBulk for JsBulk {
    fn aes_ecb_encrypt(&self, key: &[u8], data: &mut [u8]) -> bool {
        let Some(v) = view(data) else {
            return false;
        };
        let k = Uint8Array::from(key);
        let r = self.ecb.call2(&JsValue::NULL, &k, &v);
        k.fill(0, 0, k.length());
        matches!(r, Ok(ok) if ok.as_bool() == Some(true))
    }

    fn sha1(&self, data: &[u8]) -> Option<[u8; 20]> {
        let v = view(data)?;
        let r = self.sha1.call1(&JsValue::NULL, &v).ok()?;
        let u = r.dyn_into::<Uint8Array>().ok()?;
        let mut out = [0u8; 20];
        (u.length() == 20).then(|| u.copy_to(&mut out))?;
        Some(out)
    }
}

/// Internal (called once by the package's Node entry, right after the module
/// loads): `{ ecbEncrypt(key, data): boolean, sha1(data): Uint8Array }`, where
/// `ecbEncrypt` encrypts the view `data` (whole blocks) in place with AES-ECB.
/// The host sees every later SEIPDv1 session key, so it is registered once:
/// any later call (another host, or `null`) is `INVALID_ARGUMENT`. Not part of
/// the package's exports.
#[wasm_bindgen(js_name = useNativeAes)]
pub fn use_native_aes(
    #[wasm_bindgen(
        unchecked_param_type = "{ ecbEncrypt(key: Uint8Array, data: Uint8Array): boolean; sha1(data: Uint8Array): Uint8Array }"
    )]
    host: JsValue,
) -> Result<(), JsValue> {
    if REGISTERED.with(|r| r.get()) {
        return Err(Error::InvalidArgument(
            "useNativeAes: the package registered its host already".into(),
        )
        .into());
    }
    let get = |name: &str| {
        js_sys::Reflect::get(&host, &name.into())
            .ok()
            .and_then(|f| f.dyn_into::<Function>().ok())
            .ok_or_else(|| {
                Error::InvalidArgument(format!("useNativeAes: {name} must be a function"))
            })
    };
    let bulk = JsBulk {
        ecb: get("ecbEncrypt")?,
        sha1: get("sha1")?,
    };
    set_native_bulk(Some(Rc::new(bulk)));
    REGISTERED.with(|r| r.set(true));
    Ok(())
}

thread_local! {
    /// Set by the first (the package's) registration.
    static REGISTERED: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}
