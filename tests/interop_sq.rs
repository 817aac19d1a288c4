//! Interoperability with Sequoia's `sq` 0.27 (v4 only), both directions. Skips
//! when sq is missing unless `SIGNET_REQUIRE_PEERS=1`. Password messages are not
//! covered here: sq 0.27 reads passwords only from a terminal.

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};

use signet_crypto::openpgp::*;
use zeroize::Zeroizing;

static COUNTER: AtomicU32 = AtomicU32::new(0);

struct Sq {
    dir: PathBuf,
}

impl Drop for Sq {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn sq() -> Option<Sq> {
    let ok = Command::new("sq")
        .arg("--version")
        .stdout(Stdio::null())
        .status()
        .map(|s| s.success())
        .unwrap_or(false);
    if !ok {
        if std::env::var("SIGNET_REQUIRE_PEERS").as_deref() == Ok("1") {
            panic!("sq not found but SIGNET_REQUIRE_PEERS=1");
        }
        println!("skipped: sq not found");
        return None;
    }
    let dir = std::env::temp_dir().join(format!(
        "signet-sq-{}-{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::SeqCst)
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    Some(Sq { dir })
}

impl Sq {
    fn run(&self, args: &[&str]) -> (bool, Vec<u8>, String) {
        let out = Command::new("sq")
            .args(args)
            .current_dir(&self.dir)
            .stdin(Stdio::null())
            .output()
            .expect("spawn sq");
        (
            out.status.success(),
            out.stdout,
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }

    fn ok(&self, args: &[&str]) -> Vec<u8> {
        let (ok, out, err) = self.run(args);
        assert!(ok, "sq {args:?} failed: {err}");
        out
    }

    fn file(&self, name: &str, content: &[u8]) -> String {
        std::fs::write(self.dir.join(name), content).unwrap();
        name.to_string()
    }

    fn read(&self, name: &str) -> Vec<u8> {
        std::fs::read(self.dir.join(name)).unwrap()
    }

    /// An unprotected cv25519 key made by sq: (key file, cert file).
    fn gen_peer(&self) -> (String, String) {
        self.ok(&[
            "key",
            "generate",
            "--userid",
            "Sequoia Peer <sq@example.org>",
            "--export",
            "peer.key",
        ]);
        self.ok(&["key", "extract-cert", "--output", "peer.cert", "peer.key"]);
        ("peer.key".into(), "peer.cert".into())
    }
}

fn compat_key() -> (GeneratedKey, PrivateKey) {
    let k = generate_key(&GenerateOptions {
        user_ids: vec!["Signet Compat <compat@example.gov.vn>".into()],
        profile: Profile::Compat,
        passphrase: Some(Zeroizing::new("pw".into())),
        expires_in_days: None,
        created: None,
    })
    .unwrap();
    let sk = unlock_key(k.private_key.as_bytes(), Some("pw"), &Limits::default()).unwrap();
    (k, sk)
}

#[test]
fn sq_to_us() {
    let Some(s) = sq() else { return };
    let (ours, sk) = compat_key();
    let (peer_key, peer_cert) = s.gen_peer();
    let our_cert = s.file("ours.cert", ours.public_key.as_bytes());
    let peer_pub = s.read(&peer_cert);
    let info = read_key(&peer_pub).unwrap();
    assert!(info.subkeys.iter().any(|k| k.usage.can_encrypt()));

    // sq's default "pad" compression wraps the data in a padded compressed packet.
    let data = s.file("data.txt", b"from sequoia\n");
    let ct = s.ok(&[
        "encrypt",
        "--recipient-cert",
        &our_cert,
        "--signer-key",
        &peer_key,
        &data,
    ]);
    let d = decrypt(
        &ct,
        &DecryptOptions {
            decryption_keys: vec![&sk],
            verification_keys: vec![&peer_pub],
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(&d.data[..], b"from sequoia\n");
    assert!(
        d.signatures.len() == 1 && d.signatures[0].valid,
        "{:?}",
        d.signatures
    );

    for extra in [&["--detached"][..], &[][..], &["--cleartext-signature"][..]] {
        let mut args = vec!["sign", "--signer-key", peer_key.as_str()];
        args.extend_from_slice(extra);
        args.push(&data);
        let sig = s.ok(&args);
        let detached = extra.first() == Some(&"--detached");
        let v = verify(&VerifyOptions {
            data: detached.then_some(&b"from sequoia\n"[..]),
            signature: &sig,
            verification_keys: vec![&peer_pub],
            ..Default::default()
        })
        .unwrap();
        assert!(v.valid, "{extra:?}: {v:?}");
        if !detached {
            assert!(v.data.unwrap().starts_with(b"from sequoia"));
        }
    }
}

#[test]
fn us_to_sq() {
    let Some(s) = sq() else { return };
    let (ours, sk) = compat_key();
    let (peer_key, peer_cert) = s.gen_peer();
    let our_cert = s.file("ours.cert", ours.public_key.as_bytes());
    let peer_pub = s.read(&peer_cert);

    let ct = encrypt(
        b"to sequoia",
        &EncryptOptions {
            encryption_keys: vec![&peer_pub],
            signing_keys: vec![&sk],
            armor: true,
            ..Default::default()
        },
    )
    .unwrap();
    let f = s.file("msg.asc", &ct);
    let out = s.ok(&[
        "decrypt",
        "--recipient-key",
        &peer_key,
        "--signer-cert",
        &our_cert,
        &f,
    ]);
    assert_eq!(out, b"to sequoia");

    let data = s.file("data.txt", b"signed by signet\n");
    let sig = sign(
        b"signed by signet\n",
        &SignOptions {
            signing_keys: vec![&sk],
            detached: true,
            armor: true,
        },
    )
    .unwrap();
    let sig_file = s.file("data.sig", &sig);
    s.ok(&[
        "verify",
        "--signer-cert",
        &our_cert,
        "--detached",
        &sig_file,
        &data,
    ]);
    let inline = sign(
        b"signed by signet\n",
        &SignOptions {
            signing_keys: vec![&sk],
            detached: false,
            armor: false,
        },
    )
    .unwrap();
    let f = s.file("inline.pgp", &inline);
    let out = s.ok(&["verify", "--signer-cert", &our_cert, &f]);
    assert_eq!(out, b"signed by signet\n");
    // A wrong signer cert is rejected by sq.
    let (ok, _, _) = s.run(&["verify", "--signer-cert", &peer_cert, &f]);
    assert!(!ok);
}
