//! One-pass signing while streaming (RFC 9580 §5.4, §10.3): one-pass
//! signature packets before the literal data, the data hashed as it is
//! pushed, the signatures after it (v4 keys: OPS v3 + v4 signature; v6 keys:
//! OPS v6 + salted v6 signature).
//!
//! Split in two so that a secret key never leaves the Wasm instance that
//! holds it: [`StreamSigner`] (beside the keys) fixes each signature's
//! parameters and describes them as [`OnePassSpec`]s; the encryptor (perhaps in
//! a worker) writes the OPS packets, hashes `salt ‖ data ‖ suffix` and hands
//! back only the digests, which the signer turns into signature packets.

use pgp::crypto::hash::HashAlgorithm;
use pgp::packet::{
    OnePassSignature, PacketTrait, Signature, SignatureConfig, SignatureType,
    SignatureVersionSpecific, Subpacket, SubpacketData,
};
use pgp::ser::Serialize;
use pgp::types::{Fingerprint, KeyVersion, Password, Timestamp};
use rand::rngs::OsRng;
use sha2::digest::DynDigest;

use crate::openpgp::encrypt::{signers, signing_hash};
use crate::openpgp::keys::PrivateKey;
use crate::openpgp::util::parse_err;
use crate::{Error, Result};

/// What the encryptor needs for one signature; no secret in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OnePassSpec {
    /// The one-pass signature packet, header included.
    pub ops: Vec<u8>,
    /// Hash algorithm id (RFC 9580 §9.5).
    pub hash: u8,
    /// Hashed before the data (v6 salt; empty for v4).
    pub salt: Vec<u8>,
    /// Hashed after the data: the signature's hashed area and trailer.
    pub suffix: Vec<u8>,
}

fn internal(e: impl std::fmt::Display) -> Error {
    Error::Internal(format!("one-pass signing: {e}"))
}

impl OnePassSpec {
    /// Concatenated specs as one byte string (to cross to a worker):
    /// hash, salt length, salt, suffix length (u16), suffix, OPS length (u16), OPS.
    pub fn encode_all(specs: &[OnePassSpec]) -> Result<Vec<u8>> {
        let mut out = Vec::new();
        for s in specs {
            out.push(s.hash);
            out.push(u8::try_from(s.salt.len()).map_err(internal)?);
            out.extend_from_slice(&s.salt);
            for part in [&s.suffix, &s.ops] {
                out.extend(u16::try_from(part.len()).map_err(internal)?.to_be_bytes());
                out.extend_from_slice(part);
            }
        }
        Ok(out)
    }

    /// The inverse of [`encode_all`](Self::encode_all).
    pub fn decode_all(mut b: &[u8]) -> Result<Vec<OnePassSpec>> {
        fn take<'a>(b: &mut &'a [u8], n: usize) -> Result<&'a [u8]> {
            let (head, rest) = b
                .split_at_checked(n)
                .ok_or_else(|| Error::InvalidArgument("onePass: truncated".into()))?;
            *b = rest;
            Ok(head)
        }
        fn len16(b: &mut &[u8]) -> Result<usize> {
            let l = take(b, 2)?;
            Ok(usize::from(u16::from_be_bytes([l[0], l[1]])))
        }
        let mut out = Vec::new();
        while !b.is_empty() {
            let head = take(&mut b, 2)?;
            let (hash, salt_len) = (head[0], usize::from(head[1]));
            let salt = take(&mut b, salt_len)?.to_vec();
            let n = len16(&mut b)?;
            let suffix = take(&mut b, n)?.to_vec();
            let n = len16(&mut b)?;
            let ops = take(&mut b, n)?.to_vec();
            out.push(OnePassSpec {
                ops,
                hash,
                salt,
                suffix,
            });
        }
        Ok(out)
    }
}

/// The hashes of one signed stream, in the encryptor.
pub(super) struct SignHash {
    hashers: Vec<(Box<dyn DynDigest + Send>, Vec<u8>)>,
}

impl SignHash {
    pub(super) fn new(specs: &[OnePassSpec]) -> Result<Self> {
        let hashers = specs
            .iter()
            .map(|s| {
                let mut h = HashAlgorithm::from(s.hash)
                    .new_hasher()
                    .map_err(|_| Error::InvalidArgument("onePass: hash algorithm".into()))?;
                h.update(&s.salt);
                Ok((h, s.suffix.clone()))
            })
            .collect::<Result<_>>()?;
        Ok(SignHash { hashers })
    }

    pub(super) fn update(&mut self, data: &[u8]) {
        for (h, _) in &mut self.hashers {
            h.update(data);
        }
    }

    /// The digests to sign, in spec order.
    pub(super) fn finish(self) -> Vec<Vec<u8>> {
        self.hashers
            .into_iter()
            .map(|(mut h, suffix)| {
                h.update(&suffix);
                h.finalize().to_vec()
            })
            .collect()
    }
}

/// The signing half: one binary data signature per key (its best signing
/// component, as `encrypt` picks it), parameters fixed at creation.
pub struct StreamSigner {
    configs: Vec<SignatureConfig>,
    specs: Vec<OnePassSpec>,
}

impl std::fmt::Debug for StreamSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StreamSigner")
            .field("signatures", &self.configs.len())
            .finish()
    }
}

/// The hashed area and trailer of a v4/v6 signature (RFC 9580 §5.2.4), as
/// `SignatureConfig::hash_signature_data` and `trailer` hash them.
fn suffix(config: &SignatureConfig) -> Result<Vec<u8>> {
    let v6 = matches!(config.version_specific, SignatureVersionSpecific::V6 { .. });
    let mut area = Vec::new();
    for sp in &config.hashed_subpackets {
        sp.to_writer(&mut area).map_err(internal)?;
    }
    let mut out = vec![
        if v6 { 6 } else { 4 },
        u8::from(config.typ),
        u8::from(config.pub_alg),
        u8::from(config.hash_alg),
    ];
    if v6 {
        out.extend(u32::try_from(area.len()).map_err(internal)?.to_be_bytes());
    } else {
        out.extend(u16::try_from(area.len()).map_err(internal)?.to_be_bytes());
    }
    out.extend_from_slice(&area);
    let len = out.len();
    out.extend(config.trailer(len).map_err(internal)?);
    Ok(out)
}

impl StreamSigner {
    /// Fixes one signature per key (creation time now).
    pub fn new(keys: &[&PrivateKey]) -> Result<Self> {
        if keys.is_empty() {
            return Err(Error::InvalidArgument(
                "signingKeys must hold at least one key".into(),
            ));
        }
        let signers = signers(keys)?;
        let now = Timestamp::now();
        let (mut configs, mut specs) = (Vec::new(), Vec::new());
        let n = signers.len();
        for (i, s) in signers.iter().enumerate() {
            let hash = signing_hash(*s);
            let typ = SignatureType::Binary;
            let mut config = match s.version() {
                KeyVersion::V4 => SignatureConfig::v4(typ, s.algorithm(), hash),
                KeyVersion::V6 => {
                    SignatureConfig::v6(OsRng, typ, s.algorithm(), hash).map_err(parse_err)?
                }
                _ => return Err(Error::Unsupported("signing key version".into())),
            };
            config.hashed_subpackets = vec![
                Subpacket::regular(SubpacketData::IssuerFingerprint(s.fingerprint()))
                    .map_err(internal)?,
                Subpacket::regular(SubpacketData::SignatureCreationTime(now)).map_err(internal)?,
            ];
            let mut ops = match (&config.version_specific, s.fingerprint()) {
                (SignatureVersionSpecific::V6 { salt }, Fingerprint::V6(fp)) => {
                    config.unhashed_subpackets = Vec::new();
                    OnePassSignature::v6(typ, hash, s.algorithm(), salt.clone(), fp)
                }
                (SignatureVersionSpecific::V4, _) => {
                    config.unhashed_subpackets =
                        vec![
                            Subpacket::regular(SubpacketData::IssuerKeyId(s.legacy_key_id()))
                                .map_err(internal)?,
                        ];
                    OnePassSignature::v3(typ, hash, s.algorithm(), s.legacy_key_id())
                }
                _ => return Err(Error::Unsupported("signing key version".into())),
            };
            // As rPGP's builder: every OPS but the last says "another follows".
            if i + 1 < n {
                ops.set_is_nested();
            }
            let mut ops_bytes = Vec::new();
            ops.to_writer_with_header(&mut ops_bytes)
                .map_err(internal)?;
            let salt = match &config.version_specific {
                SignatureVersionSpecific::V6 { salt } => salt.clone(),
                _ => Vec::new(),
            };
            specs.push(OnePassSpec {
                ops: ops_bytes,
                hash: u8::from(hash),
                salt,
                suffix: suffix(&config)?,
            });
            configs.push(config);
        }
        Ok(StreamSigner { configs, specs })
    }

    /// What the encryptor needs (no secrets).
    pub fn specs(&self) -> &[OnePassSpec] {
        &self.specs
    }

    /// Signs the encryptor's digests with the same `keys`, in the same order;
    /// returns the signature packets in the order they follow the literal
    /// data (the last OPS's first).
    pub fn sign(&self, keys: &[&PrivateKey], digests: &[Vec<u8>]) -> Result<Vec<u8>> {
        let signers = signers(keys)?;
        if signers.len() != self.configs.len() || digests.len() != self.configs.len() {
            return Err(Error::InvalidArgument(
                "one digest per signing key is needed".into(),
            ));
        }
        let mut out = Vec::new();
        for ((config, s), d) in self.configs.iter().zip(&signers).zip(digests).rev() {
            if Some(d.len()) != config.hash_alg.digest_size() {
                return Err(Error::InvalidArgument("digest length".into()));
            }
            let bytes = s
                .sign(&Password::empty(), config.hash_alg, d)
                .map_err(parse_err)?;
            let sig =
                Signature::from_config(config.clone(), [d[0], d[1]], bytes).map_err(parse_err)?;
            sig.to_writer_with_header(&mut out).map_err(internal)?;
        }
        Ok(out)
    }
}
