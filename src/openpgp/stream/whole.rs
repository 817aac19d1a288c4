//! Whole-input encryption on the stream engine: [`encrypt`] (one buffer) and
//! [`encrypt_stream`] (a `Read` into a `Write`), for Rust callers and the
//! bindings' `sessionKeyOut`. The package's JS `encrypt` and `encryptStream`
//! drive the same [`StreamEncryptor`] themselves (with WebCrypto where it
//! helps); this is its Rust-backend loop, not a second encryptor. Inline
//! signing ([`sign_inline`]) writes the same signed content without the
//! encryption layer.

use std::io::{Read, Write};

use super::framing::PartialWriter;
use super::signer::SignHash;
use super::{StreamEncryptOptions, StreamEncryptor, StreamSigner};
use crate::openpgp::armor::ArmorWriter;
use crate::openpgp::encrypt::check_data_len;
use crate::openpgp::esk::SessionKey;
use crate::openpgp::keys::PrivateKey;
use crate::openpgp::util::{read_piece, write_out};
use crate::openpgp::EncryptOptions;
use crate::scrub::SecretBuf;
use crate::{Error, Result};

/// Encrypts everything `reader` yields into `writer`, never holding the whole
/// plaintext (the stream engine's partial-length packets).
pub fn encrypt_stream<R: Read, W: Write>(
    opts: &EncryptOptions<'_>,
    reader: R,
    writer: W,
) -> Result<()> {
    encrypt_into(opts, reader, writer, None)
}

/// Plaintext read per step of [`encrypt_into`].
const READ_STEP: usize = 1 << 20;

/// [`encrypt_stream`], also handing out the session key it generated when
/// `session_key` is given (SOP's `encrypt --session-key-out`). The one engine
/// of the package's streams and one-shot `encrypt` ([`StreamEncryptor`]) on
/// the Rust backend; signing keys sign through its one-pass signatures.
fn encrypt_into<R: Read, W: Write>(
    opts: &EncryptOptions<'_>,
    mut reader: R,
    mut writer: W,
    session_key: Option<&mut Option<SessionKey>>,
) -> Result<()> {
    let signer = match opts.signing_keys.is_empty() {
        true => None,
        false => Some(StreamSigner::new(&opts.signing_keys)?),
    };
    let mut enc = StreamEncryptor::new(&StreamEncryptOptions {
        base: EncryptOptions {
            encryption_keys: opts.encryption_keys.clone(),
            passwords: opts.passwords.clone(),
            signing_keys: Vec::new(),
            armor: opts.armor,
            seipd: opts.seipd,
            limits: opts.limits,
        },
        one_pass: signer
            .as_ref()
            .map(|s| s.specs().to_vec())
            .unwrap_or_default(),
        session_key_out: session_key.is_some(),
        ..Default::default()
    })?;
    if let Some(out) = session_key {
        *out = enc.session_key().cloned();
    }
    write_out(&mut writer, &enc.header())?;
    let mut buf = SecretBuf::new(vec![0; READ_STEP]);
    while let Some(n) = read_piece(&mut reader, &mut buf)? {
        enc.push_into(buf.get(..n).unwrap_or_default())?;
        enc.with_output(|b| write_out(&mut writer, b))?;
    }
    enc.finish_into()?;
    if let Some(signer) = &signer {
        let packets = signer.sign(&opts.signing_keys, &enc.signature_digests())?;
        enc.add_signatures(&packets)?;
    }
    enc.with_output(|b| write_out(&mut writer, b))?;
    if !enc.is_done() {
        return Err(Error::Internal("encryption did not complete".into()));
    }
    Ok(())
}

/// One-shot encryption; returns armored text as bytes when `opts.armor`.
pub fn encrypt(data: &[u8], opts: &EncryptOptions<'_>) -> Result<Vec<u8>> {
    encrypt_one_shot(data, opts, None)
}

/// [`encrypt`], also returning the session key of the message (cipher octet
/// and key, the form `decrypt_session_key` gives):
/// for SOP's `encrypt --session-key-out`, and for escrow or later disclosure
/// of one message without its recipients' keys.
pub fn encrypt_with_session_key(
    data: &[u8],
    opts: &EncryptOptions<'_>,
) -> Result<(Vec<u8>, SessionKey)> {
    let mut sk = None;
    let m = encrypt_one_shot(data, opts, Some(&mut sk))?;
    let sk = sk.ok_or_else(|| Error::Internal("no session key was generated".into()))?;
    Ok((m, sk))
}

fn encrypt_one_shot(
    data: &[u8],
    opts: &EncryptOptions<'_>,
    session_key: Option<&mut Option<SessionKey>>,
) -> Result<Vec<u8>> {
    check_data_len(data.len(), &opts.limits)?;
    let mut out = Vec::with_capacity(data.len() + data.len() / 3 + 4096);
    encrypt_into(opts, data, &mut out, session_key)?;
    Ok(out)
}

/// Partial body parts of the literal packet of [`sign_inline`] (as the encryptor's).
const PART_LOG2: u8 = 20;

/// An inline-signed message (one-pass signatures, RFC 9580 §10.3): the OPS
/// packets, a binary literal packet (no file name, no date), the signatures;
/// armored when `armor` is given (`Some(true)`: with the CRC24 footer, for
/// GnuPG 2.2). What [`encrypt`] puts inside its encryption for signing keys.
pub(crate) fn sign_inline(
    data: &[u8],
    keys: &[&PrivateKey],
    armor: Option<bool>,
) -> Result<Vec<u8>> {
    let signer = StreamSigner::new(keys)?;
    let mut hash = SignHash::new(signer.specs())?;
    hash.update(data);
    let digests = hash.finish();
    let mut out = Vec::with_capacity(data.len() + 1024);
    for s in signer.specs() {
        out.extend_from_slice(&s.ops);
    }
    let mut literal = PartialWriter::new(11, PART_LOG2, &mut out)?;
    literal.write(&[b'b', 0, 0, 0, 0, 0], &mut out)?;
    literal.write(data, &mut out)?;
    literal.finish(&mut out)?;
    out.extend(signer.sign(keys, &digests)?);
    Ok(match armor {
        None => out,
        Some(crc) => {
            let mut a = match crc {
                true => ArmorWriter::with_crc(),
                false => ArmorWriter::new(),
            };
            let mut text = a.write(&out);
            text.extend(a.finish());
            text
        }
    })
}
