//! Writes the fuzz fixtures (`fuzz/fixtures/`) and the seed inputs
//! (`fuzz/seeds/<target>/`) from real outputs of signet-crypto. Run once with
//! `cargo run --release --bin seeds` in `fuzz/`; the minimized corpora that
//! `cargo fuzz cmin` derives from these seeds are what is committed.

#[path = "targets.rs"]
mod targets;

use std::path::{Path, PathBuf};

use signet_crypto::kdf::{derive_key, KdfParams};
use signet_crypto::notes::{MemoryStore, NoteInput, OpenOptions, Vault};
use signet_crypto::openpgp::{
    encrypt, export_private_key, generate_key, sign, EncryptOptions, GenerateOptions, Limits,
    Profile, SeipdChoice, SignOptions,
};
use signet_crypto::wrap::{wrap_key, WrapSecretKey};
use targets::{encode_records, Fixtures, PASSPHRASE, SIGNED_DATA};

fn write(dir: &Path, name: &str, data: &[u8]) {
    std::fs::create_dir_all(dir).expect("mkdir");
    std::fs::write(dir.join(name), data).expect("write");
}

fn with(sel: u8, data: &[u8]) -> Vec<u8> {
    let mut v = vec![sel];
    v.extend_from_slice(data);
    v
}

fn main() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let fixtures = root.join("fixtures");
    let seeds = root.join("seeds");
    let s = |t: &str| seeds.join(t);

    if !fixtures.join(targets::WRAP_KEY_FILE).exists() {
        for (name, profile) in targets::PGP_KEY_FILES
            .iter()
            .zip([Profile::Pqc, Profile::Compat])
        {
            let k = generate_key(&GenerateOptions {
                user_ids: vec!["Fuzz Fixture <fuzz@example.gov.vn>".into()],
                profile,
                ..Default::default()
            })
            .expect("generate");
            write(&fixtures, name, k.private_key.as_bytes());
        }
        let wk = WrapSecretKey::generate();
        write(
            &fixtures,
            targets::WRAP_KEY_FILE,
            &wk.export_protected(PASSPHRASE.as_bytes()).expect("export"),
        );
    }
    let fx = Fixtures::load(&fixtures);

    // OpenPGP keys.
    for (i, k) in fx.pgp_keys.iter().enumerate() {
        let private = std::fs::read(fixtures.join(targets::PGP_KEY_FILES[i])).expect("read");
        let protected = export_private_key(k, PASSPHRASE).expect("export");
        write(&s("pgp_read_key"), &format!("cert-{i}.asc"), &fx.pgp_certs[i]);
        write(&s("pgp_read_key"), &format!("private-{i}.asc"), &private);
        write(&s("pgp_unlock_key"), &format!("private-{i}"), &with(0, &private));
        write(&s("pgp_unlock_key"), &format!("protected-{i}"), &with(1, protected.as_bytes()));
    }

    // OpenPGP messages and signatures.
    let msg = b"Quyet dinh so 12/QD: noi dung mat.";
    let limits = Limits::default();
    for (i, cert) in fx.pgp_certs.iter().enumerate() {
        for (j, seipd) in [SeipdChoice::Auto, SeipdChoice::V1].into_iter().enumerate() {
            for armor in [false, true] {
                let Ok(m) = encrypt(
                    msg,
                    &EncryptOptions {
                        encryption_keys: vec![cert],
                        signing_keys: vec![&fx.pgp_keys[i]],
                        armor,
                        seipd,
                        limits,
                        ..Default::default()
                    },
                ) else {
                    continue; // v1 with a PQC recipient is refused by design
                };
                write(&s("pgp_decrypt"), &format!("key{i}-seipd{j}-armor{}", armor as u8), &m);
            }
        }
        let det = sign(
            SIGNED_DATA,
            &SignOptions {
                signing_keys: vec![&fx.pgp_keys[i]],
                detached: true,
                armor: false,
            },
        )
        .expect("sign");
        write(&s("pgp_verify"), &format!("detached-{i}"), &with(0, &det));
        let inline = sign(
            SIGNED_DATA,
            &SignOptions {
                signing_keys: vec![&fx.pgp_keys[i]],
                detached: false,
                armor: true,
            },
        )
        .expect("sign");
        write(&s("pgp_verify"), &format!("inline-{i}"), &with(1, &inline));
    }
    let pw = encrypt(
        msg,
        &EncryptOptions {
            passwords: vec![PASSPHRASE],
            limits,
            ..Default::default()
        },
    )
    .expect("password message");
    write(&s("pgp_decrypt"), "password", &pw);

    // Wrap envelopes and keys.
    let other = WrapSecretKey::generate();
    let env = wrap_key(&[7u8; 32], &[fx.wrap_key.public_key(), other.public_key()]).expect("wrap");
    write(&s("wrap_envelope"), "two-recipients", &env);
    let env1 = wrap_key(&[9u8; 32], &[fx.wrap_key.public_key()]).expect("wrap");
    write(&s("wrap_envelope"), "one-recipient", &env1);
    let pk = fx.wrap_key.public_key();
    write(&s("wrap_keys"), "public-binary", &with(0, &pk.to_bytes()));
    write(&s("wrap_keys"), "public-text", &with(1, pk.to_text().as_bytes()));
    // A protected secret key with fuzz-cheap Argon2 parameters (the real export uses
    // the 64 MiB default, which the fuzz harness skips). Built from the documented
    // layout; its key id does not match the random seed, so it exercises every step
    // up to that check.
    let protected = std::fs::read(fixtures.join(targets::WRAP_KEY_FILE)).expect("read");
    let weak = KdfParams {
        memory_kib: 64,
        iterations: 1,
        parallelism: 1,
    };
    let mut cheap = protected[..23].to_vec();
    cheap.extend_from_slice(&weak.memory_kib.to_be_bytes());
    cheap.extend_from_slice(&weak.iterations.to_be_bytes());
    cheap.extend_from_slice(&weak.parallelism.to_be_bytes());
    let salt = [3u8; 16];
    let nonce = [4u8; 12];
    cheap.extend_from_slice(&salt);
    cheap.extend_from_slice(&nonce);
    let kek = derive_key(PASSPHRASE.as_bytes(), &salt, &weak).expect("kdf");
    let ct = signet_crypto::aead::seal(&kek, &nonce, &cheap, &[5u8; 32]);
    cheap.extend_from_slice(&ct);
    assert_eq!(cheap.len(), protected.len());
    write(&s("wrap_keys"), "protected-cheap", &with(2, &cheap));

    // Vaults, backups and shared notes (weak KDF so the fuzzer is not Argon2-bound).
    pollster::block_on(async {
        let store = MemoryStore::new();
        let vault = Vault::create_with_weak_kdf_for_tests(
            store.clone(),
            PASSPHRASE.as_bytes(),
            weak,
            OpenOptions::default(),
        )
        .await
        .expect("vault");
        let a = vault
            .put(NoteInput {
                id: None,
                title: "Họp giao ban".into(),
                body: "Phòng 204, 8h sáng".into(),
                tags: vec!["việc".into()],
            })
            .await
            .expect("put");
        write(&s("vault_open"), "one-note", &encode_records(&snapshot(&store)));
        let b = vault
            .put(NoteInput {
                id: None,
                title: "b".into(),
                body: "x".repeat(300),
                tags: vec![],
            })
            .await
            .expect("put");
        vault.delete(&b).await.expect("delete");
        write(&s("vault_open"), "after-delete", &encode_records(&snapshot(&store)));
        write(&s("vault_backup"), "backup", &vault.export_backup().await.expect("backup"));
        let shared = vault.share_note(&a, &[fx.wrap_key.public_key()]).expect("share");
        write(&s("shared_note"), "note", &shared);
    });
    println!("fixtures in {}, seeds in {}", fixtures.display(), seeds.display());
}

fn snapshot(store: &MemoryStore) -> Vec<(String, Vec<u8>)> {
    store.snapshot().into_iter().collect()
}
