//! JS binding of the vault's key slots: `addRecoveryCode`, `addPasskey`,
//! `addEscrow`, `slots`, `removeSlot`, `setPassphrase`, and the unlock options of
//! `NoteVault.open` (`recoveryCode`, `passkey`, `escrowSecretKey`).

use js_sys::{Array, Function, Object, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use zeroize::Zeroizing;

use super::{get_field, invalid, opt_string, passphrase_value, set, BStore, NoteVault};
use crate::notes::{EscrowKey, OpenOptions, PasskeyRequest, SlotInfo, Unlock, Vault};
use crate::wrap::{RecipientId, WrapPublicKey};
use crate::{error::Reason, Error, Result};

#[wasm_bindgen(module = "/src/bindings/passkey.js")]
extern "C" {
    #[wasm_bindgen(js_name = passkeyCreate, catch)]
    async fn passkey_create(
        webauthn: &JsValue,
        rp_name: &str,
        user_name: &str,
        salt: &[u8],
        timeout: f64,
    ) -> std::result::Result<JsValue, JsValue>;
    #[wasm_bindgen(js_name = passkeyGet, catch)]
    async fn passkey_get(
        webauthn: &JsValue,
        requests: Array,
        timeout: f64,
    ) -> std::result::Result<JsValue, JsValue>;
}

#[wasm_bindgen(typescript_custom_section)]
const TS_SLOTS: &'static str = r#"
/** One key slot as `slots()` lists it (nothing secret). */
export interface NoteVaultSlot {
  /** "passphrase", or 16 hex digits. */
  id: string;
  kind: "passphrase" | "recoveryCode" | "passkey" | "escrow";
  /** When it was added, ms since the Unix epoch (null for the passphrase). */
  created: number | null;
  label: string;
  /** Escrow slots: the office key's id, as `wrapPublicKeyId` gives it. */
  wrapPublicKeyId?: string;
}

/** Options of `addRecoveryCode`. */
export interface NoteVaultRecoveryCodeOptions {
  label?: string;
}

/** Options of `addPasskey`. */
export interface NoteVaultPasskeyOptions {
  label?: string;
  /** The relying party name the authenticator shows (default "Signet"). */
  rpName?: string;
  /** The account name the authenticator shows (default "Signet notes"). */
  userName?: string;
  /** WebAuthn timeout in ms (default 120000); the call settles by then. */
  timeoutMs?: number;
  /** Who runs the ceremony (default `navigator.credentials`); see NoteVaultWebAuthn. */
  webauthn?: NoteVaultWebAuthn;
}

/** A WebAuthn ceremony run elsewhere, for a vault in a worker (which has no
 *  `navigator.credentials`): the page's main thread calls
 *  `navigator.credentials.create/get(options)` with the options it is given (the
 *  package builds them, PRF salts included; `signal` aborts at the timeout) and
 *  returns the credential, or its structured-cloneable parts `{ rawId,
 *  clientExtensionResults: { prf } }`. A ceremony that cannot run here should
 *  reject with an error named "NotSupportedError" (UNSUPPORTED). */
export interface NoteVaultWebAuthn {
  create(options: { publicKey: PublicKeyCredentialCreationOptions; signal: AbortSignal }): Promise<NoteVaultWebAuthnCredential>;
  get(options: { publicKey: PublicKeyCredentialRequestOptions; signal: AbortSignal }): Promise<NoteVaultWebAuthnCredential>;
}

/** What a NoteVaultWebAuthn ceremony resolves to: a PublicKeyCredential, or these parts of it. */
export type NoteVaultWebAuthnCredential =
  | PublicKeyCredential
  | {
      rawId: BufferSource;
      clientExtensionResults: {
        prf?: { enabled?: boolean; results?: { first: BufferSource } };
      };
    };

/** Options of `addEscrow`. */
export interface NoteVaultEscrowOptions {
  /** The office's wrap public key, binary or `signet-wrap-pub1:` text. */
  publicKey: Uint8Array | string;
  label?: string;
}
"#;

/// Whichever of the unlock options `opts` holds (exactly one).
pub(super) enum UnlockArg {
    Passphrase(Zeroizing<Vec<u8>>),
    RecoveryCode(Zeroizing<String>),
    Passkey(Ceremony),
    Escrow(JsEscrowKey),
}

pub(super) fn unlock_arg(opts: &JsValue) -> Result<UnlockArg> {
    let mut found = Vec::new();
    let pass = get_field(opts, "passphrase")?;
    if !pass.is_undefined() {
        found.push(UnlockArg::Passphrase(passphrase_value(
            &pass,
            "passphrase",
        )?));
    }
    if let Some(code) = opt_string(opts, "recoveryCode")? {
        found.push(UnlockArg::RecoveryCode(Zeroizing::new(code)));
    }
    if get_field(opts, "passkey")?.as_bool() == Some(true) {
        found.push(UnlockArg::Passkey(Ceremony::of(opts)?));
    }
    let sk = get_field(opts, "escrowSecretKey")?;
    if !sk.is_undefined() {
        found.push(UnlockArg::Escrow(JsEscrowKey::new(sk, "escrowSecretKey")?));
    }
    if found.len() != 1 {
        return Err(invalid(
            "give exactly one of `passphrase`, `recoveryCode`, `passkey: true`, `escrowSecretKey`",
        ));
    }
    Ok(found.remove(0))
}

/// How a passkey is asked for: the caller's `webauthn` ceremony (or undefined:
/// the browser's) and the timeout it must settle within.
pub(super) struct Ceremony {
    webauthn: JsValue,
    timeout: f64,
}

impl Ceremony {
    /// Reads `timeoutMs` and `webauthn` (both `create` and `get`: registering
    /// may need an assertion for the PRF output).
    fn of(opts: &JsValue) -> Result<Self> {
        let timeout = super::opt_number(opts, "timeoutMs")?.unwrap_or(120_000.0);
        let webauthn = get_field(opts, "webauthn")?;
        if !webauthn.is_undefined() && !webauthn.is_null() {
            let has = |m: &str| get_field(&webauthn, m).is_ok_and(|f| f.is_function());
            if !has("create") || !has("get") {
                return Err(invalid(
                    "`webauthn` must be an object with `create` and `get` functions",
                ));
            }
        }
        let webauthn = if webauthn.is_null() {
            JsValue::UNDEFINED
        } else {
            webauthn
        };
        Ok(Ceremony { webauthn, timeout })
    }
}

/// Opens `store` with `arg`; a passkey is asked for over the slots the store lists.
pub(super) async fn open_with(
    store: BStore,
    arg: UnlockArg,
    o: OpenOptions,
) -> Result<Vault<BStore>> {
    match arg {
        UnlockArg::Passphrase(p) => Vault::open_with(store, Unlock::Passphrase(&p), o).await,
        UnlockArg::RecoveryCode(c) => Vault::open_with(store, Unlock::RecoveryCode(&c), o).await,
        UnlockArg::Escrow(k) => Vault::open_with(store, Unlock::Escrow(&k), o).await,
        UnlockArg::Passkey(c) => {
            let requests = Vault::passkey_requests(&store).await?;
            if requests.is_empty() {
                return Err(Error::NoMatchingKey);
            }
            let answer = passkey_get(&c.webauthn, to_js(&requests), c.timeout).await;
            let (credential_id, prf) = ask_passkey(answer)?;
            let u = Unlock::Passkey {
                credential_id: &credential_id,
                prf_output: prf.as_slice(),
            };
            Vault::open_with(store, u, o).await
        }
    }
}

fn to_js(requests: &[PasskeyRequest]) -> Array {
    requests
        .iter()
        .map(|r| {
            let o = Object::new();
            set(&o, "id", Uint8Array::from(r.credential_id.as_slice()));
            set(&o, "salt", Uint8Array::from(r.prf_salt.as_slice()));
            JsValue::from(o)
        })
        .collect()
}

/// The credential id and PRF output of a WebAuthn answer (the JS copy of the
/// output is overwritten); a browser without PRF is `UNSUPPORTED`, a refused or
/// timed-out request `KEY_UNUSABLE` (reason `passkey-refused`).
fn ask_passkey(
    answer: std::result::Result<JsValue, JsValue>,
) -> Result<(Vec<u8>, Zeroizing<[u8; 32]>)> {
    let v = answer.map_err(|e| {
        let name = Reflect::get(&e, &"name".into())
            .ok()
            .and_then(|n| n.as_string())
            .unwrap_or_default();
        let msg = super::js_error_message(&e);
        match name.as_str() {
            "UnsupportedError" | "NotSupportedError" => Error::Unsupported(msg),
            _ => Error::KeyUnusable(
                Reason::PasskeyRefused,
                format!("the passkey did not answer ({name}: {msg})"),
            ),
        }
    })?;
    let field = |k: &str| -> Result<Uint8Array> {
        Reflect::get(&v, &k.into())
            .ok()
            .and_then(|x| x.dyn_into::<Uint8Array>().ok())
            .ok_or_else(|| Error::Internal(format!("passkey answer without `{k}`")))
    };
    let prf_js = field("prf")?;
    let mut prf = Zeroizing::new([0u8; 32]);
    let ok = prf_js.length() == 32;
    if ok {
        prf_js.copy_to(prf.as_mut());
    }
    prf_js.fill(0, 0, prf_js.length());
    if !ok {
        return Err(Error::Unsupported("the PRF output is not 32 bytes".into()));
    }
    Ok((field("credentialId")?.to_vec(), prf))
}

/// A `WrapSecretKey` handle used through its own `unwrapKey`, so its secret
/// stays inside Wasm; the 32-byte key it returns is copied out and the JS copy
/// overwritten at once.
pub(super) struct JsEscrowKey {
    handle: JsValue,
    unwrap: Function,
    id: RecipientId,
}

impl JsEscrowKey {
    pub(super) fn new(handle: JsValue, what: &str) -> Result<Self> {
        // A freed handle has a 0 pointer.
        if Reflect::get(&handle, &"__wbg_ptr".into())
            .ok()
            .and_then(|p| p.as_f64())
            == Some(0.0)
        {
            return Err(Error::Locked);
        }
        let not_key = || invalid(format!("`{what}` must be a WrapSecretKey"));
        let unwrap = Reflect::get(&handle, &"unwrapKey".into())
            .ok()
            .and_then(|m| m.dyn_into::<Function>().ok())
            .ok_or_else(not_key)?;
        let hex = Reflect::get(&handle, &"id".into())
            .ok()
            .and_then(|i| i.as_string())
            .ok_or_else(not_key)?;
        let id = hex
            .parse::<crate::notes::NoteId>()
            .map_err(|_| not_key())?
            .0;
        Ok(JsEscrowKey {
            handle,
            unwrap,
            id: RecipientId::from_bytes(id),
        })
    }
}

impl EscrowKey for JsEscrowKey {
    fn id(&self) -> RecipientId {
        self.id
    }
    fn open_envelope(&self, envelope: &[u8]) -> Result<Zeroizing<[u8; 32]>> {
        let arr = self
            .unwrap
            .call1(&self.handle, &Uint8Array::from(envelope))
            .and_then(|v| v.dyn_into::<Uint8Array>())
            .map_err(|e| {
                // The handle's own error, by its code.
                match Reflect::get(&e, &"code".into())
                    .ok()
                    .and_then(|c| c.as_string())
                    .as_deref()
                {
                    Some("DECRYPTION_FAILED") => Error::DecryptionFailed,
                    Some("LOCKED") => Error::Locked,
                    Some("MALFORMED_INPUT") => Error::MalformedInput(super::js_error_message(&e)),
                    _ => Error::NoMatchingKey,
                }
            })?;
        let mut key = Zeroizing::new([0u8; 32]);
        let ok = arr.length() == 32;
        if ok {
            arr.copy_to(key.as_mut());
        }
        arr.fill(0, 0, arr.length());
        if !ok {
            return Err(Error::Internal(
                "unwrapKey returned a key of the wrong length".into(),
            ));
        }
        Ok(key)
    }
}

fn slot_to_js(s: &SlotInfo) -> JsValue {
    let o = Object::new();
    set(&o, "id", s.id.as_str());
    set(&o, "kind", s.kind.name());
    set(
        &o,
        "created",
        s.created.map_or(JsValue::NULL, |c| JsValue::from(c as f64)),
    );
    set(&o, "label", s.label.as_str());
    if let Some(id) = &s.wrap_public_key_id {
        set(&o, "wrapPublicKeyId", id.as_str());
    }
    o.into()
}

fn label_of(opts: &JsValue) -> Result<String> {
    if opts.is_undefined() || opts.is_null() {
        return Ok(String::new());
    }
    Ok(opt_string(opts, "label")?.unwrap_or_default())
}

fn public_key_of(v: &JsValue) -> Result<WrapPublicKey> {
    if let Some(text) = v.as_string() {
        return WrapPublicKey::from_text(&text);
    }
    match v.dyn_ref::<Uint8Array>() {
        Some(a) => WrapPublicKey::from_bytes(&a.to_vec()),
        None => Err(invalid(
            "`publicKey` must be a Uint8Array or a signet-wrap-pub1: string",
        )),
    }
}

#[wasm_bindgen]
impl NoteVault {
    /// Adds a recovery code slot and resolves to the code: 7 groups of 5
    /// characters (140 random bits, a check character per group). Show it once;
    /// it is not stored. Replacing an existing code revokes it (the vault key
    /// rotates).
    #[wasm_bindgen(js_name = addRecoveryCode, unchecked_return_type = "Promise<string>")]
    pub fn add_recovery_code(
        &self,
        #[wasm_bindgen(unchecked_param_type = "NoteVaultRecoveryCodeOptions")] opts: Option<
            JsValue,
        >,
    ) -> js_sys::Promise {
        let inner = self.inner.clone();
        self.spawn(async move {
            let label = label_of(&opts.unwrap_or(JsValue::UNDEFINED))?;
            let (_, code) = inner.add_recovery_code(&label).await?;
            Ok(JsValue::from_str(&code))
        })
    }

    /// Registers a passkey (WebAuthn with the PRF extension) and adds a slot
    /// wrapped under a key derived from its PRF output; resolves to the slot id.
    /// UNSUPPORTED where the browser or the authenticator has no PRF.
    #[wasm_bindgen(js_name = addPasskey, unchecked_return_type = "Promise<string>")]
    pub fn add_passkey(
        &self,
        #[wasm_bindgen(unchecked_param_type = "NoteVaultPasskeyOptions")] opts: Option<JsValue>,
    ) -> js_sys::Promise {
        let inner = self.inner.clone();
        self.spawn(async move {
            let opts = match opts {
                Some(o) if !o.is_null() => o,
                _ => Object::new().into(),
            };
            let label = label_of(&opts)?;
            let rp = opt_string(&opts, "rpName")?.unwrap_or_else(|| "Signet".into());
            let user = opt_string(&opts, "userName")?.unwrap_or_else(|| "Signet notes".into());
            let c = Ceremony::of(&opts)?;
            let salt = crate::aead::random_array::<32>();
            let answer = passkey_create(&c.webauthn, &rp, &user, &salt, c.timeout).await;
            let (cred, prf) = ask_passkey(answer)?;
            let id = inner
                .add_passkey(&cred, salt, prf.as_slice(), &label)
                .await?;
            Ok(JsValue::from_str(&id))
        })
    }

    /// Adds an escrow slot: the vault key wrapped to an office's recovery key
    /// (X-Wing wrap); the holder of its secret key opens the vault with
    /// `NoteVault.open({ name, escrowSecretKey })`. Resolves to the slot id.
    #[wasm_bindgen(js_name = addEscrow, unchecked_return_type = "Promise<string>")]
    pub fn add_escrow(
        &self,
        #[wasm_bindgen(unchecked_param_type = "NoteVaultEscrowOptions")] opts: JsValue,
    ) -> js_sys::Promise {
        let inner = self.inner.clone();
        self.spawn(async move {
            let pk = public_key_of(&get_field(&opts, "publicKey")?)?;
            let id = inner.add_escrow(&pk, &label_of(&opts)?).await?;
            Ok(JsValue::from_str(&id))
        })
    }

    /// The key slots (passphrase first), without secrets.
    #[wasm_bindgen(unchecked_return_type = "NoteVaultSlot[]")]
    pub fn slots(&self) -> Result<Array> {
        self.touch();
        Ok(self.inner.slots()?.iter().map(slot_to_js).collect())
    }

    /// Removes a slot and rotates the vault key. The passphrase slot cannot be
    /// removed (INVALID_ARGUMENT); NOT_FOUND for an unknown id.
    #[wasm_bindgen(js_name = removeSlot, unchecked_return_type = "Promise<void>")]
    pub fn remove_slot(&self, id: String) -> js_sys::Promise {
        let inner = self.inner.clone();
        self.spawn(async move {
            inner.remove_slot(&id).await?;
            Ok(JsValue::UNDEFINED)
        })
    }

    /// Sets a new passphrase after opening with a recovery code, a passkey or an
    /// escrow key (and rotates the vault key). Opened with the passphrase, use
    /// `changePassphrase` (INVALID_ARGUMENT).
    #[wasm_bindgen(js_name = setPassphrase, unchecked_return_type = "Promise<void>")]
    pub fn set_passphrase(
        &self,
        #[wasm_bindgen(js_name = newPassphrase, unchecked_param_type = "string | Uint8Array")]
        new_passphrase: JsValue,
    ) -> js_sys::Promise {
        let inner = self.inner.clone();
        let new = passphrase_value(&new_passphrase, "newPassphrase");
        self.spawn(async move {
            inner.set_passphrase(&new?).await?;
            Ok(JsValue::UNDEFINED)
        })
    }
}
