//! HPKE (RFC 9180) base mode with the X-Wing KEM (0x647a, draft-ietf-hpke-pq),
//! HKDF-SHA256 (0x0001) and AES-256-GCM (0x0002), single-shot (sequence 0).
//!
//! Only what signet-wrap needs: SetupBaseS/R, one Seal/Open, DeriveKeyPair and,
//! for the test vectors, Export and other AEAD ids in the suite id.

use hkdf::{Hkdf, HkdfExtract};
use sha2::Sha256;
use zeroize::{Zeroize, Zeroizing};

use super::xwing::{self, XWingSecret};
use crate::{aead, Error, Result};

/// HPKE KEM id of X-Wing ("MLKEM768-X25519").
pub const KEM_ID: u16 = 0x647a;
/// HPKE KDF id of HKDF-SHA256.
pub const KDF_ID: u16 = 0x0001;
/// HPKE AEAD id of AES-256-GCM.
pub const AEAD_ID: u16 = 0x0002;

/// `Nk` of AES-256-GCM (and ChaCha20Poly1305, used by the test vectors).
pub const NK: usize = 32;
/// `Nn` of both AEADs.
pub const NN: usize = 12;
/// `Nh` of HKDF-SHA256.
pub const NH: usize = 32;

const HPKE_V1: &[u8] = b"HPKE-v1";

/// `suite_id = "HPKE" || I2OSP(kem_id, 2) || I2OSP(kdf_id, 2) || I2OSP(aead_id, 2)`.
pub const fn suite_id(kem: u16, kdf: u16, aead: u16) -> [u8; 10] {
    let [k0, k1] = kem.to_be_bytes();
    let [d0, d1] = kdf.to_be_bytes();
    let [a0, a1] = aead.to_be_bytes();
    [b'H', b'P', b'K', b'E', k0, k1, d0, d1, a0, a1]
}

/// The suite id of signet-wrap v1.
pub const SUITE_ID: [u8; 10] = suite_id(KEM_ID, KDF_ID, AEAD_ID);

/// `LabeledExtract(salt, label, ikm)`; the secret input is fed in pieces so it is
/// never copied into a concatenation buffer.
fn labeled_extract(suite_id: &[u8], salt: &[u8], label: &[u8], ikm: &[u8]) -> Hkdf<Sha256> {
    let mut ext = HkdfExtract::<Sha256>::new(Some(salt));
    ext.input_ikm(HPKE_V1);
    ext.input_ikm(suite_id);
    ext.input_ikm(label);
    ext.input_ikm(ikm);
    let (mut prk, hk) = ext.finalize();
    prk.zeroize();
    hk
}

/// `LabeledExpand(prk, label, info, L)` into `out`.
fn labeled_expand(
    prk: &Hkdf<Sha256>,
    suite_id: &[u8],
    label: &[u8],
    info: &[u8],
    out: &mut [u8],
) -> Result<()> {
    let len = u16::try_from(out.len())
        .map_err(|_| Error::Internal("HPKE expand length".into()))?
        .to_be_bytes();
    prk.expand_multi_info(&[&len, HPKE_V1, suite_id, label, info], out)
        .map_err(|_| Error::Internal("HPKE expand length".into()))
}

/// Output of `KeySchedule` in base mode.
pub struct Context {
    /// AEAD key.
    pub key: Zeroizing<[u8; NK]>,
    /// Base nonce (sequence number 0 is all we use).
    pub base_nonce: [u8; NN],
    /// Exporter secret.
    pub exporter_secret: Zeroizing<[u8; NH]>,
}

/// `KeySchedule(mode_base, shared_secret, info, "", "")` with HKDF-SHA256.
pub fn key_schedule_base(suite_id: &[u8], shared_secret: &[u8], info: &[u8]) -> Result<Context> {
    let mut psk_id_hash = [0u8; NH];
    let mut info_hash = [0u8; NH];
    psk_id_hash.copy_from_slice(&labeled_extract_bytes(suite_id, b"", b"psk_id_hash", b""));
    info_hash.copy_from_slice(&labeled_extract_bytes(suite_id, b"", b"info_hash", info));
    let mut ks_context = [0u8; 1 + 2 * NH];
    ks_context[0] = 0x00; // mode_base
    ks_context[1..1 + NH].copy_from_slice(&psk_id_hash);
    ks_context[1 + NH..].copy_from_slice(&info_hash);

    let secret = labeled_extract(suite_id, shared_secret, b"secret", b"");
    let mut ctx = Context {
        key: Zeroizing::new([0u8; NK]),
        base_nonce: [0u8; NN],
        exporter_secret: Zeroizing::new([0u8; NH]),
    };
    labeled_expand(&secret, suite_id, b"key", &ks_context, ctx.key.as_mut())?;
    labeled_expand(
        &secret,
        suite_id,
        b"base_nonce",
        &ks_context,
        &mut ctx.base_nonce,
    )?;
    labeled_expand(
        &secret,
        suite_id,
        b"exp",
        &ks_context,
        ctx.exporter_secret.as_mut(),
    )?;
    Ok(ctx)
}

/// `LabeledExtract` returning the PRK bytes (used for the public hashes).
fn labeled_extract_bytes(suite_id: &[u8], salt: &[u8], label: &[u8], ikm: &[u8]) -> [u8; NH] {
    let mut ext = HkdfExtract::<Sha256>::new(Some(salt));
    ext.input_ikm(HPKE_V1);
    ext.input_ikm(suite_id);
    ext.input_ikm(label);
    ext.input_ikm(ikm);
    let (prk, _) = ext.finalize();
    let mut out = [0u8; NH];
    out.copy_from_slice(&prk);
    out
}

/// `Context.Export(exporter_context, L)` (checked against the test vectors only).
#[cfg(all(test, not(target_arch = "wasm32")))]
pub fn export(
    suite_id: &[u8],
    exporter_secret: &[u8; NH],
    exporter_context: &[u8],
    len: usize,
) -> Result<Vec<u8>> {
    let hk = Hkdf::<Sha256>::from_prk(exporter_secret)
        .map_err(|_| Error::Internal("HPKE exporter secret length".into()))?;
    let mut out = vec![0u8; len];
    labeled_expand(&hk, suite_id, b"sec", exporter_context, &mut out)?;
    Ok(out)
}

/// HPKE `DeriveKeyPair(ikm)` for X-Wing (draft-ietf-hpke-pq §4):
/// `seed = SHAKE256.LabeledDerive(ikm, "DeriveKeyPair", "", 32)` with the KEM
/// suite id `"KEM" || 0x647a`, then X-Wing's own key generation from the seed.
/// Signet draws seeds directly from the RNG; this is here for the test vectors.
#[cfg(all(test, not(target_arch = "wasm32")))]
pub fn derive_key_pair(ikm: &[u8]) -> XWingSecret {
    use sha3::digest::{ExtendableOutput, Update, XofReader};
    use sha3::Shake256;
    let label = b"DeriveKeyPair";
    let mut xof = Shake256::default();
    xof.update(ikm);
    xof.update(HPKE_V1);
    xof.update(b"KEM");
    xof.update(&KEM_ID.to_be_bytes());
    xof.update(&(label.len() as u16).to_be_bytes());
    xof.update(label);
    xof.update(&32u16.to_be_bytes());
    let mut seed = Zeroizing::new([0u8; xwing::SEED_LEN]);
    xof.finalize_xof().read(seed.as_mut());
    XWingSecret::from_seed(&seed)
}

/// `SealBase(pkR, info, aad, pt)` with an externally chosen encapsulation seed
/// (for tests and the RNG-taking API). Returns `(enc, ct)`.
pub fn seal_base_derand(
    pk: &[u8],
    eseed: &[u8; xwing::ESEED_LEN],
    info: &[u8],
    aad: &[u8],
    pt: &[u8],
) -> Result<(Vec<u8>, Vec<u8>)> {
    let (ss, enc) = xwing::encapsulate_derand(pk, eseed)?;
    let ctx = key_schedule_base(&SUITE_ID, ss.as_ref(), info)?;
    let ct = aead::seal(&ctx.key, &ctx.base_nonce, aad, pt);
    Ok((enc, ct))
}

/// `OpenBase(enc, skR, info, aad, ct)`; every failure is `DECRYPTION_FAILED`.
pub fn open_base(
    sk: &XWingSecret,
    enc: &[u8],
    info: &[u8],
    aad: &[u8],
    ct: &[u8],
) -> Result<Zeroizing<Vec<u8>>> {
    let ss = sk.decapsulate(enc).map_err(|_| Error::DecryptionFailed)?;
    let ctx = key_schedule_base(&SUITE_ID, ss.as_ref(), info)?;
    aead::open(&ctx.key, &ctx.base_nonce, aad, ct)
}
