//! Signing (detached or inline one-pass) and verification (detached, inline, or
//! cleartext-signed as `gpg --clearsign` makes).
//!
//! A signature counts as valid only if it verifies *and* the (sub)key that made it
//! was allowed to sign when it did (sign flag, created, not expired, not revoked,
//! signing subkeys back-signed). `valid` for the whole check means: at least one
//! signature from the given keys, and every signature from the given keys valid.
//! Signatures by unknown keys are reported (`valid: false`) but do not spoil it.

use pgp::armor::BlockType;
use pgp::composed::{Deserializable, DetachedSignature};
use pgp::types::{KeyVersion, Password, SigningKey};
use rand::rngs::OsRng;
use std::io::Write;

use super::armor::dearmor_block;
use super::content::{check_one, SignatureCheck};
use super::encrypt::{signers, signing_hash};
use super::keys::{parse_certs, PrivateKey};
use super::util::{looks_armored, parse_err};
use super::{Limits, Plaintext};
use crate::{Error, Result};

/// Options for [`sign`].
#[derive(Debug, Default)]
pub struct SignOptions<'a> {
    /// One signature per key, made by its best signing-capable component.
    pub signing_keys: Vec<&'a PrivateKey>,
    /// Detached signature (default) instead of a one-pass signed message.
    pub detached: bool,
    /// ASCII armor.
    pub armor: bool,
}

/// Options for [`verify`].
#[derive(Debug, Default)]
pub struct VerifyOptions<'a> {
    /// The signed data for a detached signature; `None` for inline-signed or
    /// cleartext-signed messages (the data is then returned).
    pub data: Option<&'a [u8]>,
    /// The detached signature(s) or the signed message, armored or binary.
    pub signature: &'a [u8],
    /// Certificates allowed to have signed.
    pub verification_keys: Vec<&'a [u8]>,
    /// Size limits.
    pub limits: Limits,
}

/// Result of [`verify`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    /// At least one signature from the given keys, and all of theirs valid.
    pub valid: bool,
    /// Every signature found.
    pub signatures: Vec<SignatureCheck>,
    /// For inline/cleartext-signed messages: the signed data.
    pub data: Option<Vec<u8>>,
}

fn internal(e: pgp::errors::Error) -> Error {
    Error::Internal(super::util::short(e.to_string()))
}

/// Whether armored output by these signers needs the CRC24 footer: signatures by
/// v4 keys are read by GnuPG 2.2, which misreads a block without it whose
/// base64 ends unpadded (RFC 9580 §6.1 allows the footer for such readers).
fn gnupg22_reads(signers: &[&dyn SigningKey]) -> bool {
    signers.iter().any(|s| s.version() == KeyVersion::V4)
}

/// Signs `data`. Detached output holds one signature packet per key.
pub fn sign(data: &[u8], opts: &SignOptions<'_>) -> Result<Vec<u8>> {
    if opts.signing_keys.is_empty() {
        return Err(Error::InvalidArgument(
            "signingKeys must hold at least one key".into(),
        ));
    }
    let signers = signers(&opts.signing_keys)?;
    if opts.detached {
        let mut sigs = Vec::with_capacity(signers.len());
        for s in &signers {
            let boxed: Box<&dyn SigningKey> = Box::new(*s);
            let sig = DetachedSignature::sign_binary_data(
                OsRng,
                &boxed,
                &Password::empty(),
                signing_hash(*s),
                data,
            )
            .map_err(internal)?;
            sigs.push(sig);
        }
        if opts.armor {
            let mut out = Vec::new();
            pgp::armor::write(
                &sigs,
                BlockType::Signature,
                &mut out,
                None,
                gnupg22_reads(&signers),
            )
            .map_err(internal)?;
            Ok(out)
        } else {
            let mut out = Vec::new();
            for sig in &sigs {
                out.extend(super::keys::to_bytes(sig)?);
            }
            Ok(out)
        }
    } else {
        let armor = opts.armor.then(|| gnupg22_reads(&signers));
        super::stream::sign_inline(data, &opts.signing_keys, armor)
    }
}

fn summarize(signatures: Vec<SignatureCheck>) -> Verified {
    let ours: Vec<&SignatureCheck> = signatures
        .iter()
        .filter(|s| s.signing_key_fingerprint.is_some())
        .collect();
    let valid = !ours.is_empty() && ours.iter().all(|s| s.valid);
    Verified {
        valid,
        signatures,
        data: None,
    }
}

/// Verifies a detached signature (when `opts.data` is given), an inline-signed
/// message, or a cleartext-signed message.
pub fn verify(opts: &VerifyOptions<'_>) -> Result<Verified> {
    let (mut v, plain) = verify_blocks(opts)?;
    if let Some(p) = plain {
        v.data = Some(p.to_vec().to_vec());
    }
    Ok(v)
}

/// [`verify`] with the signed data of an inline-signed message left in blocks
/// (`Verified::data` is then `None` and the data comes second): no contiguous
/// copy and no doubling buffer, so a compression bomb stops near
/// [`Limits::max_decompressed_size`] of memory. Cleartext-signed data (already
/// in memory as text) also comes back as blocks.
pub fn verify_blocks(opts: &VerifyOptions<'_>) -> Result<(Verified, Option<Plaintext>)> {
    let limits = &opts.limits;
    if opts.signature.len() as u64 > limits.max_message_size {
        return Err(Error::LimitExceeded(format!(
            "signature/message of {} bytes exceeds the limit",
            opts.signature.len()
        )));
    }
    if opts.signature.is_empty() {
        return Err(Error::MalformedInput("empty signature".into()));
    }
    let certs = parse_certs(&opts.verification_keys, limits)?;
    if certs.is_empty() {
        return Err(Error::InvalidArgument(
            "verificationKeys must hold at least one key".into(),
        ));
    }

    if let Some(data) = opts.data {
        // Armored: the first SIGNATURE block, through our armor reader, so
        // rPGP's packet parser is instantiated for `&[u8]` alone.
        let dearmored;
        let bin = if looks_armored(opts.signature) {
            dearmored = dearmor_block(opts.signature, &["SIGNATURE"], true)?;
            &dearmored[..]
        } else {
            opts.signature
        };
        let sigs: Vec<DetachedSignature> = DetachedSignature::from_bytes_many(bin)
            .map_err(parse_err)?
            .take(limits.max_signatures + 1)
            .collect::<std::result::Result<_, _>>()
            .map_err(parse_err)?;
        if sigs.is_empty() {
            return Err(Error::MalformedInput("no signature found".into()));
        }
        if sigs.len() > limits.max_signatures {
            return Err(Error::LimitExceeded("too many signatures".into()));
        }
        let checks = sigs
            .iter()
            .map(|s| check_one(&s.signature, &certs, |v| v.verify_data(&s.signature, data)))
            .collect();
        return Ok((summarize(checks), None));
    }

    if is_cleartext(opts.signature) {
        std::str::from_utf8(opts.signature)
            .map_err(|_| Error::MalformedInput("cleartext message is not UTF-8".into()))?;
        let msg = super::cleartext::read(opts.signature, limits.max_signatures)?;
        let checks = msg
            .signatures
            .iter()
            .map(|s| check_one(s, &certs, |v| v.verify_data(s, &msg.text)))
            .collect();
        let mut plain = Plaintext::new();
        plain
            .write_all(&msg.text)
            .map_err(|e| Error::Internal(e.to_string()))?;
        return Ok((summarize(checks), Some(plain)));
    }

    // Inline-signed: the engine's inner parser, with no encryption layer.
    let (data, checks) = super::stream::read_signed(opts.signature, &certs, limits)?;
    if checks.is_empty() {
        return Err(Error::MalformedInput("the message is not signed".into()));
    }
    Ok((summarize(checks), Some(data)))
}

fn is_cleartext(bytes: &[u8]) -> bool {
    super::util::starts_after_whitespace(bytes, b"-----BEGIN PGP SIGNED MESSAGE-----")
}
