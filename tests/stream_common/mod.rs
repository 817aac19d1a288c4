//! Keys and data shared by the stream tests: one key per profile, made once
//! per test binary (key generation is the slow part).
#![allow(dead_code)]

use std::sync::OnceLock;

use signet_crypto::openpgp::*;

pub struct Key {
    pub public: String,
    pub secret: PrivateKey,
}

/// The unlocked key of `profile` (Rfc9580, Pqc, or Compat for anything else).
pub fn key(profile: Profile) -> &'static Key {
    static K: OnceLock<Vec<Key>> = OnceLock::new();
    let all = K.get_or_init(|| {
        [Profile::Rfc9580, Profile::Pqc, Profile::Compat]
            .into_iter()
            .map(|p| {
                let g = generate_key(&GenerateOptions {
                    user_ids: vec!["Stream <stream@example.gov.vn>".into()],
                    profile: p,
                    passphrase: None,
                    expires_in_days: None,
                    created: None,
                })
                .unwrap();
                Key {
                    secret: unlock_key(g.private_key.as_bytes(), None, &Limits::default()).unwrap(),
                    public: g.public_key,
                }
            })
            .collect()
    });
    match profile {
        Profile::Rfc9580 => &all[0],
        Profile::Pqc => &all[1],
        _ => &all[2],
    }
}

/// `n` octets of a fixed, non-repeating-looking pattern.
pub fn data(n: usize) -> Vec<u8> {
    (0..n).map(|i| (i * 31 + i / 7) as u8).collect()
}
