//! One-shot and `Read`-based decryption with private keys and/or passwords,
//! plus verification of signatures found inside: a few lines over the one
//! engine (`stream::StreamDecryptor`), which decides every rule.
//!
//! Release rules (the engine's):
//! - SEIPDv1 has one MDC at the very end: the body is held (capped at
//!   [`Limits::max_message_size`](super::Limits)), decrypted and its MDC
//!   checked before the first plaintext byte is parsed or released, so even
//!   [`decrypt_stream`] never writes unauthenticated SEIPDv1 plaintext.
//! - SEIPDv2 is released chunk by chunk, each chunk after its AEAD tag verified.
//!   Truncation (a missing final chunk or final tag) is only detected at the end:
//!   callers of [`decrypt_stream`] must discard what was written if it returns an
//!   error. [`decrypt`] does this for you.
//! - SED (packet 9, no integrity protection) is refused with `UNSUPPORTED` (EFAIL).
//!
//! Errors (pinned per case by `tests/pgp_errors.rs` over the hostile corpus,
//! the same on every path, since there is one): `NO_MATCHING_KEY` when no ESK
//! is for the given keys or passwords (a wrong password on a SKESKv6 lands
//! here, its AEAD check fails); `DECRYPTION_FAILED` only for a failed
//! authentication (an MDC, chunk tag, or a PKESK addressed to one of our keys
//! that does not decrypt; a wrong password on a SKESKv4 also lands here once
//! its random key fails the MDC); `MALFORMED_INPUT` for structure (packets that
//! do not parse, truncated input, packets after the encrypted data, damage
//! inside an authenticated compressed packet); `UNSUPPORTED` for authentic
//! content we do not support (an unknown compression algorithm, an encrypted
//! message inside); `LIMIT_EXCEEDED` for S2K work or sizes over
//! [`super::Limits`].
//!
//! Session keys come from `esk.rs` through the engine's `unlock` (one S2K
//! budget per message). A SKESKv4 candidate whose MDC fails (a wrong password
//! cannot be told earlier) makes way for the next one: the engine holds a
//! SEIPDv1 body whole anyway, so both functions here try the next candidate
//! on it, each S2K derived once, and at most [`MAX_BODY_ATTEMPTS`] candidates
//! decrypt the body (past that `LIMIT_EXCEEDED`: work stays linear in the
//! message). The rule is the engine's; [`finish`] is the loop that asks it.

use std::io::{Read, Write};

use zeroize::Zeroizing;

pub use super::content::{DecryptOptions, Decrypted, SignatureCheck};
use super::keys::parse_certs;
pub use super::stream::MAX_BODY_ATTEMPTS;
use super::stream::{StreamDecryptOptions, StreamDecryptor};
use super::util::{read_piece, write_out};
use super::Plaintext;
use crate::{Error, Result};

/// Input octets pushed into the engine per step (bounds what it stages
/// before the session key and the output waiting per step).
const STEP: usize = 1 << 20;

/// The checks of a one-shot decryption before any message work: the message
/// (of `message_len` octets) is within `max_message_size`, some key or
/// password is given, and the verification keys parse. Also run by the
/// package's one-shot `decrypt`, which drives the engine from JS.
pub fn check_one_shot(opts: &DecryptOptions<'_>, message_len: usize) -> Result<()> {
    if message_len as u64 > opts.limits.max_message_size {
        return Err(Error::LimitExceeded(format!(
            "message of {message_len} bytes exceeds the one-shot limit of {} bytes",
            opts.limits.max_message_size
        )));
    }
    if opts.decryption_keys.is_empty() && opts.passwords.is_empty() {
        return Err(Error::InvalidArgument(
            "give at least one of decryptionKeys or passwords".into(),
        ));
    }
    parse_certs(&opts.verification_keys, &opts.limits)?;
    Ok(())
}

/// The engine for `opts`, checked first (see [`check_one_shot`]).
fn engine(opts: &DecryptOptions<'_>, message_len: usize) -> Result<StreamDecryptor> {
    check_one_shot(opts, message_len)?;
    Ok(StreamDecryptor::new(StreamDecryptOptions {
        limits: opts.limits,
        verification_keys: opts.verification_keys.iter().map(|k| k.to_vec()).collect(),
        ..Default::default()
    }))
}

/// Ends the input. A held SEIPDv1 body whose MDC failed asks for the next
/// session-key candidate (`needs_session_key` again): it gets it and is
/// finished again, until one verifies or the engine refuses.
fn finish(d: &mut StreamDecryptor, opts: &DecryptOptions<'_>) -> Result<()> {
    loop {
        match d.finish_into() {
            Err(Error::DecryptionFailed) if d.needs_session_key() => {
                let out = Zeroizing::new(d.unlock(&opts.decryption_keys, &opts.passwords)?);
                debug_assert!(
                    out.is_empty(),
                    "a held body releases nothing before its MDC"
                );
            }
            r => return r,
        }
    }
}

/// Decrypts `reader` into `writer`; returns the signature checks. On error the
/// caller must discard anything already written (see the module docs).
pub fn decrypt_stream<R: Read + Send, W: Write>(
    opts: &DecryptOptions<'_>,
    mut reader: R,
    mut writer: W,
) -> Result<Vec<SignatureCheck>> {
    // A stream has no length to check up front: 0.
    let mut d = engine(opts, 0)?;
    let mut buf = Zeroizing::new(vec![0u8; STEP]);
    while let Some(n) = read_piece(&mut reader, &mut buf)? {
        d.push_into(buf.get(..n).unwrap_or_default())?;
        if d.needs_session_key() {
            let out = Zeroizing::new(d.unlock(&opts.decryption_keys, &opts.passwords)?);
            write_out(&mut writer, &out)?;
        }
        d.with_output(|b| write_out(&mut writer, b))?;
    }
    finish(&mut d, opts)?;
    d.with_output(|b| write_out(&mut writer, b))?;
    Ok(d.signatures().to_vec())
}

/// One-shot decryption: nothing is returned unless the whole message
/// authenticated.
pub fn decrypt(message: &[u8], opts: &DecryptOptions<'_>) -> Result<Decrypted> {
    let (plain, signatures) = decrypt_blocks(message, opts)?;
    Ok(Decrypted {
        data: Zeroizing::new(plain.to_vec().take()),
        signatures,
    })
}

/// [`decrypt`] with the plaintext left in blocks: peak memory is the plaintext
/// size (no contiguous copy, no doubling `Vec`), which is what the Wasm binding
/// needs to stay near [`Limits::max_decompressed_size`](super::Limits) under a
/// compression bomb.
pub fn decrypt_blocks(
    message: &[u8],
    opts: &DecryptOptions<'_>,
) -> Result<(Plaintext, Vec<SignatureCheck>)> {
    let mut d = engine(opts, message.len())?;
    d.collect_blocks();
    // The session key packets first: no key work before the encrypted
    // data's version octet is known.
    let mut rest = message;
    while !rest.is_empty() && !d.needs_session_key() {
        let (piece, r) = rest.split_at(STEP.min(rest.len()));
        d.push_into(piece)?;
        rest = r;
    }
    if !d.needs_session_key() {
        // No encrypted data: `finish` names the damage.
        d.finish_into()?;
        return Err(Error::Internal("a message without encrypted data".into()));
    }
    d.unlock(&opts.decryption_keys, &opts.passwords)?;
    // A held SEIPDv1 body goes in one push (copied once, decrypted in one
    // call); SEIPDv2 a step at a time.
    let step = if d.is_streaming() == Some(false) {
        rest.len()
    } else {
        STEP
    };
    while !rest.is_empty() {
        let (piece, r) = rest.split_at(step.min(rest.len()));
        d.push_into(piece)?;
        rest = r;
    }
    finish(&mut d, opts)?;
    Ok((d.take_blocks(), d.signatures().to_vec()))
}

/// SEIPDv1 and v2 through [`decrypt`] and [`decrypt_stream`], and the host's bulk primitives.
#[cfg(test)]
mod tests {
    use super::*;
    use crate::openpgp::cfb_decrypt_range;
    use crate::simd_aes::{Aes128, Aes192, Aes256};
    use aes_gcm::aes::cipher::{BlockEncrypt, KeyInit};
    use aes_gcm::aes::Block;
    use sha1::{Digest, Sha1};

    #[test]
    fn one_shot_and_read_paths_agree() {
        use crate::openpgp::{
            decrypt_stream, encrypt, generate_key, unlock_key, EncryptOptions, GenerateOptions,
            Limits, Profile, SeipdChoice,
        };
        let k = generate_key(&GenerateOptions {
            user_ids: vec!["v1 <v1@example.gov.vn>".into()],
            profile: Profile::Compat,
            passphrase: None,
            expires_in_days: None,
            created: None,
        })
        .unwrap();
        let sk = unlock_key(k.private_key.as_bytes(), None, &Limits::default()).unwrap();
        let data: Vec<u8> = (0..100_000u32).map(|i| (i % 253) as u8).collect();
        let opts = DecryptOptions {
            decryption_keys: vec![&sk],
            ..Default::default()
        };
        for (armor, seipd) in [
            (true, SeipdChoice::V1),
            (false, SeipdChoice::V1),
            (false, SeipdChoice::V2),
        ] {
            let msg = encrypt(
                &data,
                &EncryptOptions {
                    encryption_keys: vec![k.public_key.as_bytes()],
                    armor,
                    seipd,
                    ..Default::default()
                },
            )
            .unwrap();
            let mut reference = Vec::new();
            decrypt_stream(&opts, msg.as_slice(), &mut reference).unwrap();
            let got = decrypt(&msg, &opts).unwrap();
            assert_eq!(got.data.as_slice(), reference.as_slice());
            assert_eq!(got.data.as_slice(), data.as_slice());
            if !armor {
                // Any flipped ciphertext octet fails the MDC or a tag.
                let mut bad = msg.clone();
                let at = bad.len() - 30;
                bad[at] ^= 0x40;
                let mut partial = Vec::new();
                let e = decrypt_stream(&opts, bad.as_slice(), &mut partial).unwrap_err();
                assert_eq!(e.code(), "DECRYPTION_FAILED");
                assert_eq!(
                    decrypt(&bad, &opts).unwrap_err().code(),
                    "DECRYPTION_FAILED"
                );
            }
        }
    }

    #[test]
    fn several_password_candidates_still_decrypt() {
        // v4 SKESKs have no integrity check: the fast path may pick a wrong
        // candidate, and must then hand over to rPGP rather than fail.
        use crate::openpgp::{encrypt, EncryptOptions, SeipdChoice};
        let msg = encrypt(
            b"two passwords",
            &EncryptOptions {
                passwords: vec!["first", "second"],
                seipd: SeipdChoice::V1,
                armor: false,
                ..Default::default()
            },
        )
        .unwrap();
        for pw in [vec!["second"], vec!["wrong", "second"], vec!["first"]] {
            let opts = DecryptOptions {
                passwords: pw.clone(),
                ..Default::default()
            };
            let d = decrypt(&msg, &opts).unwrap_or_else(|e| panic!("{pw:?}: {e}"));
            assert_eq!(d.data.as_slice(), b"two passwords");
        }
        let opts = DecryptOptions {
            passwords: vec!["wrong"],
            ..Default::default()
        };
        let code = decrypt(&msg, &opts).unwrap_err().code();
        assert!(
            matches!(code, "DECRYPTION_FAILED" | "NO_MATCHING_KEY"),
            "{code}"
        );
    }

    /// A SEIPDv1 message to the password "pw", and options that open it.
    fn v1_to_pw(data: &[u8], armor: bool) -> (Vec<u8>, DecryptOptions<'static>) {
        use crate::openpgp::{encrypt, EncryptOptions, SeipdChoice};
        let opts = EncryptOptions {
            passwords: vec!["pw"],
            seipd: SeipdChoice::V1,
            armor,
            ..Default::default()
        };
        let dec = DecryptOptions {
            passwords: vec!["pw"],
            ..Default::default()
        };
        (encrypt(data, &opts).unwrap(), dec)
    }

    /// The engine with `msg` pushed whole, keyed and its input ended: a held
    /// SEIPDv1 body ready for ranges (the browsers' one-shot driver).
    fn held(msg: &[u8]) -> StreamDecryptor {
        let mut d = StreamDecryptor::new(StreamDecryptOptions::default());
        d.push_into(msg).unwrap();
        assert!(d.needs_session_key());
        assert!(d.unlock(&[], &["pw"]).unwrap().is_empty());
        d.end_input().unwrap();
        d
    }

    #[test]
    fn held_body_decrypted_in_ranges_elsewhere_agrees() {
        for (n, armor) in [(0usize, false), (1000, true), (3_000_017, false)] {
            let data: Vec<u8> = (0..n).map(|i| (i % 241) as u8).collect();
            let (msg, _) = v1_to_pw(&data, armor);
            let mut d = held(&msg);
            let len = d.held_len();
            assert!(len > n, "{n}: the body is held, keyed and complete");
            let a = len / 3 / 16 * 16;
            let b = 2 * len / 3 / 16 * 16;
            // Lane 1 here, lane 2 "elsewhere" and put back, lane 3 left to finish.
            d.put_held_range(0, a, None).unwrap();
            let theirs = {
                let (iv, ct) = d.held_range(a, b).unwrap();
                cfb_decrypt_range(&d.held_key().unwrap(), &iv, ct).unwrap()
            };
            d.put_held_range(a, b, Some(&theirs)).unwrap();
            assert_eq!(d.finish().unwrap(), data, "{n}");

            // A wrong range fails the MDC: nothing is released.
            let mut d = held(&msg);
            if b > a {
                d.put_held_range(a, b, Some(&vec![0u8; b - a])).unwrap();
                assert_eq!(d.finish().unwrap_err().code(), "DECRYPTION_FAILED");
            }
        }
        let (msg, _) = v1_to_pw(b"x", true);
        let mut d = held(&msg);
        for (s, e) in [(1, 16), (0, 1 << 20)] {
            assert_eq!(
                d.put_held_range(s, e, None).unwrap_err().code(),
                "INVALID_ARGUMENT"
            );
        }
        d.put_held_range(0, 16, None).unwrap();
        // Overlapping ranges, and a plaintext of the wrong length.
        assert_eq!(
            d.put_held_range(0, 32, None).unwrap_err().code(),
            "INVALID_ARGUMENT"
        );
        assert_eq!(
            d.put_held_range(16, 32, Some(b"short")).unwrap_err().code(),
            "INVALID_ARGUMENT"
        );
        assert_eq!(d.finish().unwrap(), b"x");
        assert!(cfb_decrypt_range(&[2, 1, 2, 3], &[0; 16], b"abc").is_err());
        assert!(cfb_decrypt_range(&[], &[0; 16], b"abc").is_err());
        // SEIPDv2 holds nothing.
        let v2 = crate::openpgp::encrypt(
            b"x",
            &crate::openpgp::EncryptOptions {
                passwords: vec!["pw"],
                ..Default::default()
            },
        )
        .unwrap();
        let mut d = StreamDecryptor::new(StreamDecryptOptions::default());
        d.push_into(&v2).unwrap();
        d.unlock(&[], &["pw"]).unwrap();
        d.end_input().unwrap();
        assert_eq!(d.held_len(), 0);
    }

    /// A host lending AES-ECB and SHA-1 (here: the `aes` crate), counting
    /// calls; `corrupt` makes it return a wrong key stream, `refuse` makes it decline.
    struct Host {
        calls: std::cell::Cell<usize>,
        corrupt: bool,
        refuse: bool,
    }

    impl crate::openpgp::native::NativeBulk for Host {
        fn aes_ecb_encrypt(&self, key: &[u8], data: &mut [u8]) -> bool {
            self.calls.set(self.calls.get() + 1);
            if self.refuse {
                return false;
            }
            assert_eq!(data.len() % 16, 0);
            for b in data.chunks_exact_mut(16) {
                let b = Block::from_mut_slice(b);
                match key.len() {
                    16 => Aes128::new_from_slice(key).unwrap().encrypt_block(b),
                    24 => Aes192::new_from_slice(key).unwrap().encrypt_block(b),
                    _ => Aes256::new_from_slice(key).unwrap().encrypt_block(b),
                }
            }
            if self.corrupt {
                data[data.len() / 2] ^= 1;
            }
            true
        }
        fn sha1(&self, data: &[u8]) -> Option<[u8; 20]> {
            self.calls.set(self.calls.get() + 1);
            (!self.refuse).then(|| Sha1::digest(data).into())
        }
    }

    #[test]
    fn host_primitives_are_used_and_checked() {
        use crate::openpgp::native::set_native_bulk;
        use std::rc::Rc;
        // Over two host segments, not a whole number of blocks.
        let data: Vec<u8> = (0..2_500_001u32).map(|i| (i % 249) as u8).collect();
        let (msg, opts) = v1_to_pw(&data, false);
        for (corrupt, refuse) in [(false, false), (true, false), (false, true)] {
            let host = Rc::new(Host {
                calls: Default::default(),
                corrupt,
                refuse,
            });
            set_native_bulk(Some(host.clone()));
            let r = decrypt(&msg, &opts);
            set_native_bulk(None);
            let want = if refuse { 2 } else { 4 }; // 3 ECB segments + SHA-1
            assert_eq!(host.calls.get(), want, "ECB and SHA-1 were asked for");
            if corrupt {
                // Wrong host output fails the MDC like tampering would.
                assert_eq!(r.unwrap_err().code(), "DECRYPTION_FAILED");
            } else {
                assert_eq!(r.unwrap().data.as_slice(), &data[..]);
            }
        }
    }
}
