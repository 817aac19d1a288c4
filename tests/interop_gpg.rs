//! Interoperability with GnuPG 2.2 (`/usr/bin/gpg`), both directions, in a
//! throw-away GNUPGHOME. Skips when gpg is missing unless `SIGNET_REQUIRE_PEERS=1`.

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};

use signet_crypto::openpgp::*;
use zeroize::Zeroizing;

const PASS: &str = "correct horse battery staple";

struct Gpg {
    home: PathBuf,
}

impl Drop for Gpg {
    fn drop(&mut self) {
        let _ = Command::new("gpgconf")
            .env("GNUPGHOME", &self.home)
            .args(["--kill", "all"])
            .status();
        let _ = std::fs::remove_dir_all(&self.home);
    }
}

static COUNTER: AtomicU32 = AtomicU32::new(0);

fn gpg() -> Option<Gpg> {
    let ok = Command::new("gpg")
        .arg("--version")
        .stdout(Stdio::null())
        .status()
        .map(|s| s.success())
        .unwrap_or(false);
    if !ok {
        if std::env::var("SIGNET_REQUIRE_PEERS").as_deref() == Ok("1") {
            panic!("gpg not found but SIGNET_REQUIRE_PEERS=1");
        }
        println!("skipped: gpg not found");
        return None;
    }
    let home = std::env::temp_dir().join(format!(
        "signet-gpg-{}-{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::SeqCst)
    ));
    let _ = std::fs::remove_dir_all(&home);
    std::fs::create_dir_all(&home).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&home, std::fs::Permissions::from_mode(0o700)).unwrap();
    }
    Some(Gpg { home })
}

impl Gpg {
    /// Runs gpg with `args`, feeding `stdin`; returns (success, stdout, stderr).
    fn run(&self, args: &[&str], stdin: &[u8]) -> (bool, Vec<u8>, String) {
        use std::io::Write;
        let mut child = Command::new("gpg")
            .arg("--homedir")
            .arg(&self.home)
            .args([
                "--batch",
                "--no-tty",
                "--yes",
                "--pinentry-mode",
                "loopback",
                "--trust-model",
                "always",
            ])
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn gpg");
        let mut input = child.stdin.take().unwrap();
        let data = stdin.to_vec();
        let writer = std::thread::spawn(move || {
            let _ = input.write_all(&data);
        });
        let out = child.wait_with_output().unwrap();
        writer.join().unwrap();
        (
            out.status.success(),
            out.stdout,
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }

    fn ok(&self, args: &[&str], stdin: &[u8]) -> Vec<u8> {
        let (ok, out, err) = self.run(args, stdin);
        assert!(ok, "gpg {args:?} failed: {err}");
        out
    }

    fn file(&self, name: &str, content: &[u8]) -> String {
        let p = self.home.join(name);
        std::fs::write(&p, content).unwrap();
        p.to_string_lossy().into_owned()
    }

    /// Generates an ed25519/cv25519 key in gpg; returns (fingerprint, armored public, armored secret).
    fn gen_peer(&self) -> (String, Vec<u8>, Vec<u8>) {
        self.ok(
            &[
                "--passphrase",
                PASS,
                "--quick-gen-key",
                "GnuPG Peer <peer@example.org>",
                "ed25519",
                "sign,cert",
                "0",
            ],
            b"",
        );
        let fpr = self.fingerprint("peer@example.org");
        self.ok(
            &[
                "--passphrase",
                PASS,
                "--quick-add-key",
                &fpr,
                "cv25519",
                "encr",
                "0",
            ],
            b"",
        );
        let public = self.ok(&["--armor", "--export", &fpr], b"");
        let secret = self.ok(
            &[
                "--passphrase",
                PASS,
                "--armor",
                "--export-secret-keys",
                &fpr,
            ],
            b"",
        );
        (fpr, public, secret)
    }

    fn fingerprint(&self, who: &str) -> String {
        let out = self.ok(&["--with-colons", "--list-keys", who], b"");
        let text = String::from_utf8(out).unwrap();
        text.lines()
            .find(|l| l.starts_with("fpr:"))
            .and_then(|l| l.split(':').nth(9))
            .unwrap()
            .to_string()
    }
}

fn compat_key() -> GeneratedKey {
    generate_key(&GenerateOptions {
        user_ids: vec!["Signet Compat <compat@example.gov.vn>".into()],
        profile: Profile::Compat,
        passphrase: Some(Zeroizing::new(PASS.into())),
        expires_in_days: Some(365),
        created: None,
    })
    .unwrap()
}

#[test]
fn gpg_encrypts_and_signs_to_our_compat_key() {
    let Some(g) = gpg() else { return };
    let ours = compat_key();
    let (peer_fpr, peer_pub, _) = g.gen_peer();
    g.ok(&["--import"], ours.public_key.as_bytes());

    let plaintext = b"Xin chao from GnuPG\n".repeat(100);
    let file = g.file("plain.txt", &plaintext);
    // gpg compresses by default: this also covers our decompression path.
    let ct = g.ok(
        &[
            "--passphrase",
            PASS,
            "--armor",
            "--encrypt",
            "--sign",
            "--local-user",
            &peer_fpr,
            "--recipient",
            &ours.fingerprint,
            "--output",
            "-",
            &file,
        ],
        b"",
    );
    let sk = unlock_key(ours.private_key.as_bytes(), Some(PASS), &Limits::default()).unwrap();
    let d = decrypt(
        &ct,
        &DecryptOptions {
            decryption_keys: vec![&sk],
            verification_keys: vec![&peer_pub],
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(&d.data[..], &plaintext[..]);
    assert_eq!(d.signatures.len(), 1);
    assert!(d.signatures[0].valid);
    assert_eq!(d.signatures[0].fingerprint, peer_fpr);

    // Uncompressed, binary.
    let ct = g.ok(
        &[
            "--compress-algo",
            "none",
            "--encrypt",
            "--recipient",
            &ours.fingerprint,
            "--output",
            "-",
            &file,
        ],
        b"",
    );
    let d = decrypt(
        &ct,
        &DecryptOptions {
            decryption_keys: vec![&sk],
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(&d.data[..], &plaintext[..]);
}

#[test]
fn gpg_compressed_signed_messages_stream_with_verified_signatures() {
    use signet_crypto::openpgp::stream::{StreamDecryptOptions, StreamDecryptor};
    let Some(g) = gpg() else { return };
    let ours = compat_key();
    let (peer_fpr, peer_pub, _) = g.gen_peer();
    g.ok(&["--import"], ours.public_key.as_bytes());
    let sk = unlock_key(ours.private_key.as_bytes(), Some(PASS), &Limits::default()).unwrap();
    // 4 MiB of 16 letters in a pseudo-random order: compresses to about
    // half, so the ciphertext spans several of the second pass's 1 MiB
    // release segments.
    let mut x = 0x2545_F491_u32;
    let plaintext: Vec<u8> = (0..4u32 << 20)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            b"abcdefghijklmnop"[(x % 16) as usize]
        })
        .collect();
    let file = g.file("plain.txt", &plaintext);
    for algo in ["zip", "zlib", "bzip2"] {
        let ct = g.ok(
            &[
                "--passphrase",
                PASS,
                "--compress-algo",
                algo,
                "--encrypt",
                "--sign",
                "--local-user",
                &peer_fpr,
                "--recipient",
                &ours.fingerprint,
                "--output",
                "-",
                &file,
            ],
            b"",
        );
        assert!(
            ct.len() < plaintext.len() * 3 / 4 && ct.len() > 3 << 20 >> 1,
            "{algo}: {} octets",
            ct.len()
        );
        // SEIPDv1 from a re-readable source: verified, then streamed.
        let mut d = StreamDecryptor::new(StreamDecryptOptions {
            two_pass: true,
            verification_keys: vec![peer_pub.clone()],
            ..Default::default()
        });
        let mut out = Vec::new();
        let mut early = 0;
        for pass in 0..2 {
            for piece in ct.chunks(64 * 1024) {
                out.extend(d.push(piece).unwrap());
                if d.needs_session_key() {
                    out.extend(d.unlock(&[&sk], &[]).unwrap());
                }
            }
            early = out.len();
            out.extend(d.finish().unwrap());
            assert_eq!(d.is_streaming(), Some(true), "{algo}: buffered");
            if pass == 0 {
                assert!(out.is_empty(), "{algo}: released before the MDC");
                d.rewind().unwrap();
            }
        }
        assert_eq!(out, plaintext, "{algo}");
        // Released as it was decompressed, not held until the end.
        assert!(early > 0, "{algo}: nothing released before the end");
        let sigs = d.signatures();
        assert_eq!(sigs.len(), 1, "{algo}");
        assert!(sigs[0].valid, "{algo}: {:?}", sigs[0]);
        assert_eq!(sigs[0].fingerprint, peer_fpr);
    }
}

#[test]
fn gpg_reads_our_compat_private_key_and_messages() {
    let Some(g) = gpg() else { return };
    let ours = compat_key();
    // Our passphrase-protected v4 secret key imports into GnuPG 2.2...
    g.ok(
        &["--passphrase", PASS, "--import"],
        ours.private_key.as_bytes(),
    );
    let sk = unlock_key(ours.private_key.as_bytes(), Some(PASS), &Limits::default()).unwrap();
    let ct = encrypt(
        b"tai lieu mat",
        &EncryptOptions {
            encryption_keys: vec![ours.public_key.as_bytes()],
            signing_keys: vec![&sk],
            armor: true,
            ..Default::default()
        },
    )
    .unwrap();
    // ...and decrypts + verifies what we wrote to it.
    let f = g.file("msg.asc", &ct);
    let (ok, out, err) = g.run(
        &["--passphrase", PASS, "--status-fd", "2", "--decrypt", &f],
        b"",
    );
    assert!(ok, "{err}");
    assert_eq!(out, b"tai lieu mat");
    assert!(err.contains("GOODSIG"), "{err}");
    assert!(
        err.contains(&format!("VALIDSIG {}", ours.fingerprint)),
        "{err}"
    );
}

#[test]
fn we_encrypt_and_sign_to_gpg_generated_key() {
    let Some(g) = gpg() else { return };
    let ours = compat_key();
    let (peer_fpr, peer_pub, peer_sec) = g.gen_peer();
    g.ok(&["--import"], ours.public_key.as_bytes());

    let info = read_key(&peer_pub).unwrap();
    assert_eq!(info.fingerprint, peer_fpr);
    assert_eq!(info.version, 4);

    let sk = unlock_key(ours.private_key.as_bytes(), Some(PASS), &Limits::default()).unwrap();
    for armor in [true, false] {
        let ct = encrypt(
            b"gui GnuPG",
            &EncryptOptions {
                encryption_keys: vec![&peer_pub],
                signing_keys: vec![&sk],
                armor,
                ..Default::default()
            },
        )
        .unwrap();
        let f = g.file("to-peer.pgp", &ct);
        let (ok, out, err) = g.run(
            &["--passphrase", PASS, "--status-fd", "2", "--decrypt", &f],
            b"",
        );
        assert!(ok, "{err}");
        assert_eq!(out, b"gui GnuPG");
        assert!(
            err.contains(&format!("VALIDSIG {}", ours.fingerprint)),
            "{err}"
        );
    }

    // GnuPG's own protected secret key unlocks here and opens gpg's messages.
    let peer = unlock_key(&peer_sec, Some(PASS), &Limits::default()).unwrap();
    assert_eq!(
        unlock_key(&peer_sec, Some("wrong"), &Limits::default())
            .unwrap_err()
            .code(),
        "BAD_PASSPHRASE"
    );
    let ct = g.ok(
        &["--encrypt", "--recipient", &peer_fpr, "--output", "-"],
        b"self",
    );
    let d = decrypt(
        &ct,
        &DecryptOptions {
            decryption_keys: vec![&peer],
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(&d.data[..], b"self");
}

#[test]
fn signatures_both_ways() {
    let Some(g) = gpg() else { return };
    let ours = compat_key();
    let (peer_fpr, peer_pub, _) = g.gen_peer();
    g.ok(&["--import"], ours.public_key.as_bytes());
    let sk = unlock_key(ours.private_key.as_bytes(), Some(PASS), &Limits::default()).unwrap();
    let data = b"van ban can ky\nline two\n";
    let data_file = g.file("data.txt", data);

    // Ours -> gpg: detached (armored and binary) and inline.
    for armor in [true, false] {
        let sig = sign(
            data,
            &SignOptions {
                signing_keys: vec![&sk],
                detached: true,
                armor,
            },
        )
        .unwrap();
        let sig_file = g.file("data.sig", &sig);
        let (ok, _, err) = g.run(
            &["--status-fd", "2", "--verify", &sig_file, &data_file],
            b"",
        );
        assert!(ok && err.contains("GOODSIG"), "{err}");
    }
    let signed = sign(
        data,
        &SignOptions {
            signing_keys: vec![&sk],
            detached: false,
            armor: true,
        },
    )
    .unwrap();
    let f = g.file("signed.asc", &signed);
    let (ok, out, err) = g.run(&["--status-fd", "2", "--decrypt", &f], b"");
    assert!(ok && err.contains("GOODSIG"), "{err}");
    assert_eq!(out, data);

    // gpg -> ours: detached, inline (compressed by gpg), cleartext.
    let det = g.ok(
        &[
            "--passphrase",
            PASS,
            "--local-user",
            &peer_fpr,
            "--detach-sign",
            "--output",
            "-",
            &data_file,
        ],
        b"",
    );
    let v = verify(&VerifyOptions {
        data: Some(data),
        signature: &det,
        verification_keys: vec![&peer_pub],
        ..Default::default()
    })
    .unwrap();
    assert!(v.valid, "{v:?}");
    let v = verify(&VerifyOptions {
        data: Some(b"tampered"),
        signature: &det,
        verification_keys: vec![&peer_pub],
        ..Default::default()
    })
    .unwrap();
    assert!(!v.valid);

    let inline = g.ok(
        &[
            "--passphrase",
            PASS,
            "--local-user",
            &peer_fpr,
            "--armor",
            "--sign",
            "--output",
            "-",
            &data_file,
        ],
        b"",
    );
    let v = verify(&VerifyOptions {
        data: None,
        signature: &inline,
        verification_keys: vec![&peer_pub],
        ..Default::default()
    })
    .unwrap();
    assert!(v.valid, "{v:?}");
    assert_eq!(v.data.as_deref(), Some(&data[..]));

    let clear = g.ok(
        &[
            "--passphrase",
            PASS,
            "--local-user",
            &peer_fpr,
            "--clearsign",
            "--output",
            "-",
            &data_file,
        ],
        b"",
    );
    let v = verify(&VerifyOptions {
        data: None,
        signature: &clear,
        verification_keys: vec![&peer_pub],
        ..Default::default()
    })
    .unwrap();
    assert!(v.valid, "{v:?}");
    // Signed by someone else: not valid for our key set.
    let v = verify(&VerifyOptions {
        data: None,
        signature: &clear,
        verification_keys: vec![ours.public_key.as_bytes()],
        ..Default::default()
    })
    .unwrap();
    assert!(!v.valid);
}

#[test]
fn passwords_both_ways() {
    let Some(g) = gpg() else { return };
    // gpg --symmetric -> ours (SKESKv4 + SEIPDv1, compressed).
    let ct = g.ok(
        &[
            "--passphrase",
            "mat khau",
            "--symmetric",
            "--cipher-algo",
            "AES256",
            "--output",
            "-",
        ],
        b"symmetric from gpg",
    );
    let d = decrypt(
        &ct,
        &DecryptOptions {
            passwords: vec!["mat khau"],
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(&d.data[..], b"symmetric from gpg");
    let err = decrypt(
        &ct,
        &DecryptOptions {
            passwords: vec!["sai mat khau"],
            ..Default::default()
        },
    )
    .unwrap_err();
    assert!(matches!(
        err.code(),
        "DECRYPTION_FAILED" | "NO_MATCHING_KEY"
    ));

    // ours (forced SEIPDv1) -> gpg.
    let ct = encrypt(
        b"symmetric from signet",
        &EncryptOptions {
            passwords: vec!["mat khau"],
            armor: true,
            seipd: SeipdChoice::V1,
            ..Default::default()
        },
    )
    .unwrap();
    let f = g.file("sym.asc", &ct);
    let out = g.ok(&["--passphrase", "mat khau", "--decrypt", &f], b"");
    assert_eq!(out, b"symmetric from signet");
}
