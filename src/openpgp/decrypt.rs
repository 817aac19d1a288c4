//! Decryption with private keys and/or passwords, plus verification of signatures
//! found inside.
//!
//! Release rules:
//! - SEIPDv1 has one MDC at the very end. rPGP (in its default `CheckFirst` mode,
//!   which we keep, capped at [`Limits::max_message_size`]) decrypts the whole
//!   packet and checks the MDC before the first plaintext byte comes out, so even
//!   [`decrypt_stream`] never writes unauthenticated SEIPDv1 plaintext.
//! - SEIPDv2 is released chunk by chunk, each chunk after its AEAD tag verified.
//!   Truncation (a missing final chunk or final tag) is only detected at the end:
//!   callers of [`decrypt_stream`] must discard what was written if it returns an
//!   error. [`decrypt`] does this for you.
//! - SED (packet 9, no integrity protection) is refused with `UNSUPPORTED` (EFAIL).
//!
//! Errors: `NO_MATCHING_KEY` when no key or password yields a session key (a
//! wrong password on a SKESKv6 lands here, since its AEAD check fails);
//! `DECRYPTION_FAILED` for any integrity failure after a session key was found (a
//! wrong password on a SKESKv4 usually lands here or in `NO_MATCHING_KEY`: v4
//! SKESKs have no integrity check, so a wrong password yields a random session
//! key); `MALFORMED_INPUT` when the outer packets do not parse; `LIMIT_EXCEEDED`
//! for S2K work or sizes over [`Limits`].

use std::io::{BufReader, Read, Write};

use pgp::composed::{DecryptionOptions, Edata, Esk, Message, TheRing};
use pgp::crypto::aead::AeadAlgorithm;
use pgp::crypto::sym::SymmetricKeyAlgorithm;
use pgp::packet::{
    ProtectedDataConfig, SignatureType, SymEncryptedProtectedDataConfig as SeipdConfig,
};
use pgp::types::{Password, Seipdv1ReadMode};
use zeroize::Zeroizing;

use super::keys::{parse_certs, Cert, PrivateKey, VerifierRef};
use super::util::{check_s2k, hex_upper, io_err, limit_io, parse_err, CappedReader, LimitSignal};
use super::{Limits, Plaintext};
use crate::{Error, Result};

/// Options for [`decrypt`] / [`decrypt_stream`].
#[derive(Default)]
pub struct DecryptOptions<'a> {
    /// Unlocked private keys to try.
    pub decryption_keys: Vec<&'a PrivateKey>,
    /// Passwords to try on SKESKs.
    pub passwords: Vec<&'a str>,
    /// Certificates whose signatures inside the message are checked.
    pub verification_keys: Vec<&'a [u8]>,
    /// Size and work limits.
    pub limits: Limits,
}

impl std::fmt::Debug for DecryptOptions<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DecryptOptions")
            .field("decryption_keys", &self.decryption_keys)
            .field("passwords", &self.passwords.len())
            .field("verification_keys", &self.verification_keys.len())
            .finish()
    }
}

/// The outcome of checking one signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignatureCheck {
    /// Primary fingerprint of the verifying certificate when one matched;
    /// otherwise the issuer fingerprint (or, for old signatures, key ID) the
    /// signature names. Uppercase hex.
    pub fingerprint: String,
    /// Fingerprint of the (sub)key that made the signature, when known.
    pub signing_key_fingerprint: Option<String>,
    /// The signature verifies, with a key that was allowed to sign at the
    /// signature's creation time (sign flag, not expired, not revoked).
    pub valid: bool,
    /// Signature creation time, Unix seconds.
    pub created: Option<u64>,
}

/// Result of [`decrypt`].
pub struct Decrypted {
    /// The plaintext (wiped on drop).
    pub data: Zeroizing<Vec<u8>>,
    /// Signatures found inside, in message order.
    pub signatures: Vec<SignatureCheck>,
}

impl std::fmt::Debug for Decrypted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Decrypted")
            .field("data", &format_args!("<{} bytes>", self.data.len()))
            .field("signatures", &self.signatures)
            .finish()
    }
}

/// Maps an error met after a session key was chosen: everything is an integrity
/// failure unless it is one of our limits or an unsupported algorithm.
fn after_key_err(e: pgp::errors::Error) -> Error {
    match e {
        pgp::errors::Error::MissingKey => Error::NoMatchingKey,
        pgp::errors::Error::Unsupported { message, .. }
        | pgp::errors::Error::Unimplemented { message, .. } => Error::Unsupported(message),
        pgp::errors::Error::IO { source, .. } => read_err(source),
        _ => Error::DecryptionFailed,
    }
}

/// Maps an I/O error while reading decrypted data.
fn read_err(e: std::io::Error) -> Error {
    if e.get_ref().is_some_and(|i| i.is::<LimitSignal>()) {
        return io_err(e);
    }
    if e.to_string().contains("too long for ProtectedCheckFirst") {
        return Error::LimitExceeded(
            "SEIPDv1 packet exceeds the message size limit (it must be buffered whole)".into(),
        );
    }
    Error::DecryptionFailed
}

/// SEIPDv2 header algorithms we accept. Checked before rPGP derives keys:
/// rPGP 0.21 panics deriving the nonce for an unknown AEAD mode (its nonce size
/// is 0), and a panic in Wasm kills the module.
fn check_v2_algorithms(sym: SymmetricKeyAlgorithm, aead: AeadAlgorithm) -> Result<()> {
    use SymmetricKeyAlgorithm as S;
    if !matches!(sym, S::AES128 | S::AES192 | S::AES256) {
        return Err(Error::Unsupported(format!(
            "SEIPDv2 with cipher {}",
            u8::from(sym)
        )));
    }
    if !matches!(
        aead,
        AeadAlgorithm::Eax | AeadAlgorithm::Ocb | AeadAlgorithm::Gcm
    ) {
        return Err(Error::Unsupported(format!(
            "SEIPDv2 with AEAD mode {}",
            u8::from(aead)
        )));
    }
    Ok(())
}

/// Does the message (or the message a signature wraps) start with compressed data?
fn needs_decompress(m: &Message<'_>) -> bool {
    match m {
        Message::Compressed { .. } => true,
        // A freshly parsed signed message is in its initial state; `get_ref` only
        // panics after a failed read, which cannot have happened yet.
        Message::Signed { reader, .. } => needs_decompress(reader.get_ref()),
        _ => false,
    }
}

/// Refuses messages with more session-key packets than [`Limits::max_session_key_packets`].
pub(crate) fn check_session_key_count(n: usize, limits: &Limits) -> Result<()> {
    if n > limits.max_session_key_packets {
        return Err(Error::LimitExceeded(format!(
            "the message has {n} session-key packets; at most {} are examined",
            limits.max_session_key_packets
        )));
    }
    Ok(())
}

/// Unwraps compression layers, at most `limits.max_compression_layers`.
pub(crate) fn decompress_all<'a>(
    mut msg: Message<'a>,
    limits: &Limits,
) -> Result<(Message<'a>, bool)> {
    let mut layers = 0u32;
    while needs_decompress(&msg) {
        layers += 1;
        if layers > limits.max_compression_layers {
            return Err(Error::LimitExceeded(format!(
                "more than {} nested compression layers",
                limits.max_compression_layers
            )));
        }
        msg = msg.decompress().map_err(after_key_err)?;
    }
    Ok((msg, layers > 0))
}

/// Copies the literal data to `out`, failing once more than `cap` bytes came out.
pub(crate) fn pump<W: Write>(msg: &mut Message<'_>, out: &mut W, cap: u64) -> Result<u64> {
    let mut buf = Zeroizing::new(vec![0u8; 64 * 1024]);
    let mut total = 0u64;
    loop {
        let n = match msg.read(&mut buf) {
            Ok(0) => return Ok(total),
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(read_err(e)),
        };
        total += n as u64;
        if total > cap {
            return Err(read_err(limit_io(format!(
                "plaintext exceeds the limit of {cap} bytes"
            ))));
        }
        out.write_all(buf.get(..n).unwrap_or_default())
            .map_err(|e| Error::Storage(format!("writing output: {e}")))?;
    }
}

/// Checks the signatures of a fully read message against `certs`.
pub(crate) fn check_signatures(
    msg: &Message<'_>,
    certs: &[Cert],
    limits: &Limits,
) -> Result<Vec<SignatureCheck>> {
    let Message::Signed { reader, .. } = msg else {
        return Ok(Vec::new());
    };
    let n = reader.num_signatures();
    if n > limits.max_signatures {
        return Err(Error::LimitExceeded(format!(
            "{n} signatures exceed the limit of {}",
            limits.max_signatures
        )));
    }
    let mut out = Vec::with_capacity(n);
    for i in 0..n {
        let Some(sig) = reader.signature(i) else {
            continue;
        };
        let check = check_one(sig, certs, |verifier| {
            msg.verify_nested_explicit(i, verifier.as_dyn()).is_ok()
        });
        out.push(check);
    }
    Ok(out)
}

/// Matches a data signature to a certificate component, applies the usage policy
/// at the signature's creation time, and runs `verify` for the cryptography.
pub(crate) fn check_one(
    sig: &pgp::packet::Signature,
    certs: &[Cert],
    verify: impl Fn(VerifierRef<'_>) -> bool,
) -> SignatureCheck {
    let created = sig.created().map(|t| u64::from(t.as_secs()));
    let fprs: Vec<String> = sig
        .issuer_fingerprint()
        .iter()
        .map(|f| hex_upper(f.as_bytes()))
        .collect();
    let ids: Vec<String> = sig
        .issuer_key_id()
        .iter()
        .map(|k| hex_upper(k.as_ref()))
        .collect();
    let data_sig = matches!(sig.typ(), Some(SignatureType::Binary | SignatureType::Text));
    for cert in certs {
        let comp = fprs
            .iter()
            .find_map(|f| cert.find(Some(f), None))
            .or_else(|| ids.iter().find_map(|k| cert.find(None, Some(k))));
        if let Some(c) = comp {
            let allowed = created.is_some_and(|t| cert.may_sign_at(c, t));
            let valid = data_sig && allowed && cert.verifier(c).is_some_and(&verify);
            return SignatureCheck {
                fingerprint: cert.primary.fingerprint.clone(),
                signing_key_fingerprint: Some(c.fingerprint.clone()),
                valid,
                created,
            };
        }
    }
    SignatureCheck {
        fingerprint: fprs.first().or(ids.first()).cloned().unwrap_or_default(),
        signing_key_fingerprint: None,
        valid: false,
        created,
    }
}

/// Decrypts `reader` into `writer`; returns the signature checks. On error the
/// caller must discard anything already written (see the module docs).
pub fn decrypt_stream<R: Read + Send, W: Write>(
    opts: &DecryptOptions<'_>,
    reader: R,
    mut writer: W,
) -> Result<Vec<SignatureCheck>> {
    decrypt_inner(opts, reader, &mut writer, u64::MAX)
}

fn decrypt_inner<R: Read + Send, W: Write>(
    opts: &DecryptOptions<'_>,
    reader: R,
    writer: &mut W,
    plain_cap: u64,
) -> Result<Vec<SignatureCheck>> {
    if opts.decryption_keys.is_empty() && opts.passwords.is_empty() {
        return Err(Error::InvalidArgument(
            "give at least one of decryptionKeys or passwords".into(),
        ));
    }
    let limits = &opts.limits;
    let certs = parse_certs(&opts.verification_keys, limits)?;
    let source = CappedReader::new(BufReader::new(reader), u64::MAX, "message");
    let (msg, _) = Message::from_reader(source).map_err(parse_err)?;

    match &msg {
        Message::Encrypted { esk, edata, .. } => {
            if matches!(edata, Edata::SymEncryptedData { .. }) {
                return Err(Error::Unsupported(
                    "symmetrically encrypted data without integrity protection (SED) is refused"
                        .into(),
                ));
            }
            if let Edata::SymEncryptedProtectedData { reader } = edata {
                if let ProtectedDataConfig::Seipd(SeipdConfig::V2 { sym_alg, aead, .. }) =
                    reader.config()
                {
                    check_v2_algorithms(*sym_alg, *aead)?;
                }
            }
            if matches!(edata, Edata::GnupgAeadData { .. }) {
                return Err(Error::Unsupported(
                    "GnuPG's non-standard OCB packet (type 20) is not supported".into(),
                ));
            }
            check_session_key_count(esk.len(), limits)?;
            if !opts.passwords.is_empty() {
                for e in esk {
                    if let Esk::SymKeyEncryptedSessionKey(k) = e {
                        if let Some(s2k) = k.s2k() {
                            check_s2k(s2k, limits)?;
                        }
                    }
                }
            }
        }
        _ => {
            // Input, not an option: the file is of the wrong kind.
            return Err(Error::MalformedInput(
                "not an encrypted message (use verify for signed messages)".into(),
            ));
        }
    }

    let empty = Password::empty();
    let msg_passwords: Vec<Password> = opts.passwords.iter().map(|p| Password::from(*p)).collect();
    let ring = TheRing {
        secret_keys: opts.decryption_keys.iter().map(|k| k.secret()).collect(),
        key_passwords: vec![&empty],
        message_password: msg_passwords.iter().collect(),
        session_keys: Vec::new(),
        decrypt_options: DecryptionOptions::new().set_seipdv1_read_mode(
            Seipdv1ReadMode::CheckFirst {
                max_message_size: usize::try_from(limits.max_message_size).unwrap_or(usize::MAX),
            },
        ),
    };
    let (msg, _) = msg.decrypt_the_ring(ring, true).map_err(after_key_err)?;
    let (mut msg, compressed) = decompress_all(msg, limits)?;
    let cap = if compressed {
        plain_cap.min(limits.max_decompressed_size)
    } else {
        plain_cap
    };
    pump(&mut msg, writer, cap)?;
    check_signatures(&msg, &certs, limits)
}

/// One-shot decryption: nothing is returned unless the whole message
/// authenticated.
pub fn decrypt(message: &[u8], opts: &DecryptOptions<'_>) -> Result<Decrypted> {
    let (plain, signatures) = decrypt_blocks(message, opts)?;
    Ok(Decrypted {
        data: plain.to_vec(),
        signatures,
    })
}

/// [`decrypt`] with the plaintext left in blocks: peak memory is the plaintext
/// size (no contiguous copy, no doubling `Vec`), which is what the Wasm binding
/// needs to stay near [`Limits::max_decompressed_size`] under a compression bomb.
pub fn decrypt_blocks(
    message: &[u8],
    opts: &DecryptOptions<'_>,
) -> Result<(Plaintext, Vec<SignatureCheck>)> {
    if message.len() as u64 > opts.limits.max_message_size {
        return Err(Error::LimitExceeded(format!(
            "message of {} bytes exceeds the one-shot limit of {} bytes",
            message.len(),
            opts.limits.max_message_size
        )));
    }
    let mut plain = Plaintext::new();
    let cap = opts
        .limits
        .max_message_size
        .max(opts.limits.max_decompressed_size);
    let has_secret = !opts.decryption_keys.is_empty() || !opts.passwords.is_empty();
    if let Some(inner) = has_secret
        .then(|| super::seipd1::try_decrypt(message, opts))
        .flatten()
    {
        return read_inner(&inner?, opts);
    }
    let signatures = decrypt_inner(opts, message, &mut plain, cap)?;
    Ok((plain, signatures))
}

/// The inner packets of a decrypted, MDC-checked SEIPDv1 body: literal data,
/// possibly compressed and signed (the block-parallel SEIPDv1 paths).
pub(crate) fn read_inner(
    inner: &super::seipd1::InnerPlaintext,
    opts: &DecryptOptions<'_>,
) -> Result<(Plaintext, Vec<SignatureCheck>)> {
    let limits = &opts.limits;
    let cap = limits.max_message_size.max(limits.max_decompressed_size);
    let certs = parse_certs(&opts.verification_keys, limits)?;
    let msg = Message::from_bytes(inner.packets()).map_err(after_key_err)?;
    let (mut msg, compressed) = decompress_all(msg, limits)?;
    let cap = if compressed {
        cap.min(limits.max_decompressed_size)
    } else {
        cap
    };
    let mut plain = Plaintext::new();
    pump(&mut msg, &mut plain, cap)?;
    let signatures = check_signatures(&msg, &certs, limits)?;
    Ok((plain, signatures))
}
