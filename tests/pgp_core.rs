//! Core OpenPGP behaviour through the public Rust API.

use signet_crypto::openpgp::*;
use zeroize::Zeroizing;

fn gen(profile: Profile, pass: Option<&str>) -> GeneratedKey {
    generate_key(&GenerateOptions {
        user_ids: vec!["Test User <test@example.gov.vn>".into()],
        profile,
        passphrase: pass.map(|p| Zeroizing::new(p.to_string())),
        expires_in_days: None,
    })
    .unwrap()
}

fn enc_opts<'a>(keys: Vec<&'a [u8]>) -> EncryptOptions<'a> {
    EncryptOptions {
        encryption_keys: keys,
        armor: true,
        ..Default::default()
    }
}

#[test]
fn roundtrip_every_profile() {
    for profile in [Profile::Pqc, Profile::Rfc9580, Profile::Compat] {
        let k = gen(profile, None);
        let info = read_key(k.public_key.as_bytes()).unwrap();
        assert_eq!(info.fingerprint, k.fingerprint);
        assert!(!info.is_private);
        assert_eq!(info.subkeys.len(), 1);
        assert!(info.subkeys[0].usage.can_encrypt());
        assert!(info.usage.sign && info.usage.certify);
        assert_eq!(info.is_post_quantum, profile == Profile::Pqc);
        assert_eq!(info.version, if profile == Profile::Compat { 4 } else { 6 });
        let priv_info = read_key(k.private_key.as_bytes()).unwrap();
        assert!(priv_info.is_private);

        let sk = unlock_key(k.private_key.as_bytes(), None, &Limits::default()).unwrap();
        let mut o = enc_opts(vec![k.public_key.as_bytes()]);
        o.signing_keys = vec![&sk];
        let ct = encrypt(b"hello world", &o).unwrap();
        let text = String::from_utf8(ct.clone()).unwrap();
        assert!(text.starts_with("-----BEGIN PGP MESSAGE-----"));
        let d = decrypt(
            &ct,
            &DecryptOptions {
                decryption_keys: vec![&sk],
                verification_keys: vec![k.public_key.as_bytes()],
                ..Default::default()
            },
        )
        .unwrap();
        assert_eq!(&d.data[..], b"hello world");
        assert_eq!(d.signatures.len(), 1, "{profile:?}");
        assert!(d.signatures[0].valid, "{profile:?}");
        assert_eq!(d.signatures[0].fingerprint, k.fingerprint);
    }
}
