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
//! Errors (pinned per case by `tests/pgp_errors.rs` over the hostile corpus,
//! the same on every path): `NO_MATCHING_KEY` when no ESK is for the given
//! keys or passwords (a wrong password on a SKESKv6 lands here, its AEAD check
//! fails); `DECRYPTION_FAILED` only for a failed authentication (an MDC, chunk
//! tag, or a PKESK addressed to one of our keys that does not decrypt; a wrong
//! password on a SKESKv4 also lands here once its random key fails the MDC);
//! `MALFORMED_INPUT` for structure (packets that do not parse, truncated input,
//! packets after the encrypted data); `UNSUPPORTED` for authentic content we do
//! not support; `LIMIT_EXCEEDED` for S2K work or sizes over [`super::Limits`].
//! The stream engine decompresses compressed content itself
//! (`stream/compressed.rs`): damage inside an authenticated compressed packet
//! is `MALFORMED_INPUT` there, an unknown algorithm `UNSUPPORTED`. This
//! module still reads compressed content through rPGP until the one-shot path
//! runs on the engine too.
//!
//! Stages (no module imports another that imports it back): session keys in
//! `esk.rs` (one S2K budget per message), SEIPDv1 bodies in `seipd1.rs`,
//! SEIPDv2 chunks in `stream/seipd2.rs`, inner packets in `content.rs`; this
//! module composes them for the one-shot and `Read`-based paths.

use std::io::{BufReader, Read, Write};

use pgp::composed::{DecryptionOptions, Edata, Message, TheRing};
use pgp::crypto::aead::AeadAlgorithm;
use pgp::crypto::sym::SymmetricKeyAlgorithm;
use pgp::packet::{ProtectedDataConfig, SymEncryptedProtectedDataConfig as SeipdConfig};
use pgp::types::Seipdv1ReadMode;

use super::content::{after_key_err, check_signatures, decompress_all, pump, read_inner};
pub use super::content::{DecryptOptions, Decrypted, SignatureCheck};
use super::esk::Candidates;
use super::keys::parse_certs;
use super::util::{parse_err, CappedReader};
use super::Plaintext;
use crate::{Error, Result};

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

    let (sk, v1) = match &msg {
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
            // The session key comes from our search (one S2K budget for the
            // message); rPGP only decrypts the body with it.
            let keys = opts.decryption_keys.clone();
            let sk = Candidates::from_esks(esk, &keys, &opts.passwords, limits)?.first()?;
            let v2 = matches!(
                edata,
                Edata::SymEncryptedProtectedData { reader }
                    if matches!(reader.config(), ProtectedDataConfig::Seipd(SeipdConfig::V2 { .. }))
            );
            (sk, !v2)
        }
        _ => {
            // Input, not an option: the file is of the wrong kind.
            return Err(Error::MalformedInput(
                "not an encrypted message (use verify for signed messages)".into(),
            ));
        }
    };
    let ring = TheRing {
        session_keys: vec![sk.to_plain(v1)?],
        decrypt_options: DecryptionOptions::new().set_seipdv1_read_mode(
            Seipdv1ReadMode::CheckFirst {
                max_message_size: usize::try_from(limits.max_message_size).unwrap_or(usize::MAX),
            },
        ),
        ..Default::default()
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
        return read_inner(inner?.packets(), opts);
    }
    let signatures = decrypt_inner(opts, message, &mut plain, cap)?;
    Ok((plain, signatures))
}

/// The SEIPDv1 fast path (`seipd1.rs`) against the general path, through [`decrypt`].
#[cfg(test)]
mod tests {
    use super::super::seipd1::tests::v1_to_pw;
    use super::super::seipd1::try_decrypt;
    use super::*;
    use crate::simd_aes::{Aes128, Aes192, Aes256};
    use aes_gcm::aes::cipher::{BlockEncrypt, KeyInit};
    use aes_gcm::aes::Block;
    use sha1::{Digest, Sha1};

    #[test]
    fn fast_path_is_taken_for_v1_and_agrees_with_rpgp() {
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
            let fast = try_decrypt(&msg, &opts);
            if seipd == SeipdChoice::V2 {
                assert!(fast.is_none(), "SEIPDv2 must take the general path");
                continue;
            }
            let inner = fast.expect("v1 must take the fast path").unwrap();
            let mut reference = Vec::new();
            decrypt_stream(&opts, msg.as_slice(), &mut reference).unwrap();
            let got = decrypt(&msg, &opts).unwrap();
            assert_eq!(got.data.as_slice(), reference.as_slice());
            assert_eq!(got.data.as_slice(), data.as_slice());
            assert!(inner.packets().len() > data.len());
            if !armor {
                // Any flipped ciphertext octet fails the MDC: nothing is released.
                let mut bad = msg.clone();
                let at = bad.len() - 30;
                bad[at] ^= 0x40;
                let e = try_decrypt(&bad, &opts).unwrap().err().unwrap();
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
