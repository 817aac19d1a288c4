//! The inner-packet stage of decryption (RFC 9580 §5.6-5.9, §10.3): once a
//! body is authenticated, its content (literal data, possibly compressed and
//! signed) is read here, with the decompression and signature caps, and rPGP's
//! errors become ours. Also the option and result types every decryption path
//! shares. Depends on nothing else of the decryption paths (no cycles: the
//! session-key, body and message modules all build on this one).

use std::io::{Read, Write};

use pgp::composed::Message;
use pgp::packet::SignatureType;
use zeroize::Zeroizing;

use super::keys::{parse_certs, PrivateKey};
use super::policy::{check_signature, data_signature_expired, Cert, HashUse, VerifierRef};
use super::util::{hex_upper, io_err, limit_io, LimitSignal};
use super::{Limits, Plaintext};
use crate::{Error, Reason, Result};

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
    /// The signature verifies, passes the policy (hash, critical subpackets),
    /// and the key was allowed to sign at the signature's creation time (sign
    /// flag, not expired, not revoked, not too weak); `docs/policy.md`.
    pub valid: bool,
    /// Signature creation time, Unix seconds.
    pub created: Option<u64>,
    /// Why the signature is not valid (`None` when it is).
    pub reason: Option<Reason>,
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

/// Maps an error met after a session key was chosen: a failed cryptographic
/// check is `DECRYPTION_FAILED`; structure that does not parse is
/// `MALFORMED_INPUT` (the body was authenticated before rPGP parses it, or the
/// damage is in the framing); our limits and unsupported algorithms keep
/// their codes.
pub(crate) fn after_key_err(e: pgp::errors::Error) -> Error {
    use pgp::errors::Error as E;
    match e {
        E::MissingKey => Error::NoMatchingKey,
        E::Unsupported { message, .. } | E::Unimplemented { message, .. } => {
            Error::Unsupported(message)
        }
        E::IO { source, .. } => read_err(source),
        E::PacketParsing { .. }
        | E::PacketIncomplete { .. }
        | E::PacketError { .. }
        | E::InvalidPacketContent { .. }
        | E::InvalidInput { .. }
        | E::TooManyPackets
        | E::NoMatchingPacket { .. }
        | E::Message { .. } => Error::MalformedInput(super::util::short(e.to_string())),
        _ => Error::DecryptionFailed,
    }
}

/// Maps an I/O error while reading decrypted data: ours (limits), rPGP's own
/// errors carried inside (mapped as [`after_key_err`]), else an integrity
/// failure (truncated ciphertext).
pub(crate) fn read_err(e: std::io::Error) -> Error {
    if e.get_ref().is_some_and(|i| i.is::<LimitSignal>()) {
        return io_err(e);
    }
    if e.to_string().contains("too long for ProtectedCheckFirst") {
        return Error::LimitExceeded(
            "SEIPDv1 packet exceeds the message size limit (it must be buffered whole)".into(),
        );
    }
    if e.kind() == std::io::ErrorKind::UnexpectedEof
        || e.to_string().contains("chunk was shorter than expected")
    {
        return Error::MalformedInput("truncated input".into());
    }
    if e.to_string().contains("unexpected trailing packet") {
        // Packets after the encrypted data: framing, not authentication.
        return Error::MalformedInput("data after the encrypted data packet".into());
    }
    match e.into_inner().map(|i| i.downcast::<pgp::errors::Error>()) {
        Some(Ok(inner)) => after_key_err(*inner),
        _ => Error::DecryptionFailed,
    }
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

/// Matches a data signature to a certificate component, applies the policy
/// (the signature's own rules, then the key's state at the signature's creation
/// time) and runs `verify` for the cryptography.
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
        let Some(c) = comp else { continue };
        let now = u64::from(pgp::types::Timestamp::now().as_secs());
        // Cheap policy checks first, the cryptography last.
        let reason = if !data_sig {
            Some(Reason::BadSignature)
        } else if let Err(r) = check_signature(sig, HashUse::Data) {
            Some(r)
        } else if let Some((r, _)) = created.and_then(|t| cert.sign_problem_at(c, t)) {
            Some(r)
        } else if data_signature_expired(sig, now) {
            Some(Reason::Expired)
        } else if !cert.verifier(c).is_some_and(&verify) {
            Some(Reason::BadSignature)
        } else {
            None
        };
        return SignatureCheck {
            fingerprint: cert.primary.fingerprint.clone(),
            signing_key_fingerprint: Some(c.fingerprint.clone()),
            valid: reason.is_none(),
            created,
            reason,
        };
    }
    SignatureCheck {
        fingerprint: fprs.first().or(ids.first()).cloned().unwrap_or_default(),
        signing_key_fingerprint: None,
        valid: false,
        created,
        reason: Some(Reason::UnknownKey),
    }
}

/// The inner packets of a decrypted, MDC-checked SEIPDv1 body: literal data,
/// possibly compressed and signed (the block-parallel SEIPDv1 paths).
pub(crate) fn read_inner(
    packets: &[u8],
    opts: &DecryptOptions<'_>,
) -> Result<(Plaintext, Vec<SignatureCheck>)> {
    let limits = &opts.limits;
    let cap = limits.max_message_size.max(limits.max_decompressed_size);
    let certs = parse_certs(&opts.verification_keys, limits)?;
    let msg = Message::from_bytes(packets).map_err(after_key_err)?;
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
