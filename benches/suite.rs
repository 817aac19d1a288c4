//! Native reference figures for the cross-environment suite (`make bench`):
//! the same operations the JS runner times in Wasm, measured here in native Rust
//! so the report can show what the Wasm build costs. `cargo bench --bench suite`.
//!
//! Writes a JSON array `[{ name, median, min, max, runs, unit }]` to `$BENCH_OUT`
//! (default `target/bench/native.json`) and prints a table. `QUICK=1` runs fewer
//! repetitions and a 300-note vault instead of 10,000; `BENCH_ONLY=<substring>`
//! keeps only matching cases. Case names match the JS runner's.

use std::hint::black_box;
use std::time::Instant;

use pollster::block_on;
use signet_crypto::kdf::KdfParams;
use signet_crypto::notes::{MemoryStore, NoteInput, OpenOptions, Vault};
use signet_crypto::openpgp::{
    decrypt, encrypt, generate_key, unlock_key, DecryptOptions, EncryptOptions, GenerateOptions,
    Limits, Profile, SeipdChoice,
};
use signet_crypto::wrap::{unwrap_key, wrap_key, WrapPublicKey, WrapSecretKey};

struct Figure {
    name: String,
    samples: Vec<f64>,
}

struct Suite {
    quick: bool,
    only: Option<String>,
    out: Vec<Figure>,
}

impl Suite {
    fn wants(&self, name: &str) -> bool {
        self.only.as_deref().is_none_or(|o| name.contains(o))
    }

    /// Times `f` `runs` times (after one warm-up call) in milliseconds.
    fn time<T>(&mut self, name: &str, runs: usize, mut f: impl FnMut() -> T) {
        if !self.wants(name) {
            return;
        }
        black_box(f());
        let samples = (0..runs)
            .map(|_| {
                let t = Instant::now();
                black_box(f());
                t.elapsed().as_secs_f64() * 1e3
            })
            .collect::<Vec<_>>();
        let fig = Figure {
            name: name.to_string(),
            samples,
        };
        let (med, min, max) = stats(&fig.samples);
        println!("{name:<44} {med:>10.3} ms  (min {min:.3}, max {max:.3})");
        self.out.push(fig);
    }

    fn runs(&self, full: usize) -> usize {
        if self.quick {
            full.min(2)
        } else {
            full
        }
    }
}

fn stats(s: &[f64]) -> (f64, f64, f64) {
    let mut v = s.to_vec();
    v.sort_by(f64::total_cmp);
    let med = if v.is_empty() {
        f64::NAN
    } else if v.len() % 2 == 1 {
        v[v.len() / 2]
    } else {
        (v[v.len() / 2 - 1] + v[v.len() / 2]) / 2.0
    };
    (
        med,
        v.first().copied().unwrap_or(f64::NAN),
        v.last().copied().unwrap_or(f64::NAN),
    )
}

/// Deterministic note text, mixing Vietnamese and English words (same generator
/// and word list as the JS runner, so both vaults hold comparable content).
fn text(seed: &mut u32, words: usize) -> String {
    const WORDS: &[&str] = &[
        "họp",
        "Hà Nội",
        "công văn",
        "báo cáo",
        "kế hoạch",
        "ngân sách",
        "hồ sơ",
        "phòng",
        "ủy ban",
        "quyết định",
        "thông báo",
        "dự án",
        "meeting",
        "budget",
        "tuần",
        "tháng",
        "Sài Gòn",
        "Đà Nẵng",
    ];
    (0..words)
        .map(|_| {
            // xorshift32: trivially reproducible in JS.
            *seed ^= *seed << 13;
            *seed ^= *seed >> 17;
            *seed ^= *seed << 5;
            WORDS[*seed as usize % WORDS.len()]
        })
        .collect::<Vec<_>>()
        .join(" ")
}

fn wrap_cases(s: &mut Suite) {
    let sks: Vec<WrapSecretKey> = (0..100).map(|_| WrapSecretKey::generate()).collect();
    let pks: Vec<WrapPublicKey> = sks.iter().map(WrapSecretKey::public_key).collect();
    let key = [0x5au8; 32];
    for n in [1usize, 100] {
        let runs = s.runs(if n == 1 { 50 } else { 9 });
        s.time(&format!("wrap: wrap to {n} recipients"), runs, || {
            wrap_key(&key, &pks[..n]).expect("wrap")
        });
        let env = wrap_key(&key, &pks[..n]).expect("wrap");
        let last = &sks[n - 1];
        s.time(
            &format!("wrap: unwrap of {n} recipients (last entry)"),
            runs,
            || unwrap_key(&env, last).expect("unwrap"),
        );
    }
}

fn notes_cases(s: &mut Suite) {
    if s.wants("notes: unlock") {
        let store = MemoryStore::new();
        drop(
            block_on(Vault::create(
                store.clone(),
                b"passphrase",
                KdfParams::default(),
                OpenOptions::default(),
            ))
            .expect("create"),
        );
        let runs = s.runs(5);
        s.time("notes: unlock (default Argon2id)", runs, || {
            block_on(Vault::open(
                store.clone(),
                b"passphrase",
                OpenOptions::default(),
            ))
            .expect("open")
        });
    }
    // Same rows as the JS runner's notesScaleCases (peer: this native build).
    let (mid, big) = if s.quick {
        (1000, 2000)
    } else {
        (10_000, 100_000)
    };
    let names = [
        "notes: put at 100 notes".to_string(),
        format!("notes: put at {mid} notes"),
        format!("notes: open {big} notes (after unlock)"),
        format!("notes: list {big} notes"),
        format!("notes: search {big} notes"),
    ];
    if !names.iter().any(|b| s.wants(b)) {
        return;
    }
    // The creation floor (m = 19 MiB, t = 2); the unlock is subtracted from open.
    let kdf = KdfParams {
        memory_kib: KdfParams::MIN_MEMORY_KIB,
        iterations: KdfParams::MIN_ITERATIONS,
        parallelism: 1,
    };
    let store = MemoryStore::new();
    let v = block_on(Vault::create(
        store.clone(),
        b"pw",
        kdf,
        OpenOptions::default(),
    ))
    .expect("create");
    let mut seed = 42u32;
    let mut next = move || NoteInput {
        id: None,
        title: text(&mut seed, 4),
        body: text(&mut seed, 60),
        tags: vec![text(&mut seed, 1)],
    };
    let mut have = 0;
    for (count, name) in [(100, &names[0]), (mid, &names[1])] {
        while have < count {
            block_on(v.put(next())).expect("put");
            have += 1;
        }
        let runs = s.runs(30);
        let inputs: Vec<NoteInput> = (0..runs + 1).map(|_| next()).collect();
        let mut it = inputs.into_iter();
        s.time(name, runs, || {
            block_on(v.put(it.next().expect("input"))).expect("put")
        });
        have += runs + 1;
    }
    while have < big {
        block_on(v.put(next())).expect("put");
        have += 1;
    }
    let empty = MemoryStore::new();
    drop(
        block_on(Vault::create(
            empty.clone(),
            b"pw",
            kdf,
            OpenOptions::default(),
        ))
        .expect("create"),
    );
    let unlock = (0..s.runs(3))
        .map(|_| {
            let t = Instant::now();
            drop(
                block_on(Vault::open(empty.clone(), b"pw", OpenOptions::default())).expect("open"),
            );
            t.elapsed().as_secs_f64() * 1e3
        })
        .fold(f64::INFINITY, f64::min);
    if s.wants(&names[2]) {
        let samples: Vec<f64> = (0..s.runs(3))
            .map(|_| {
                let t = Instant::now();
                drop(
                    block_on(Vault::open(store.clone(), b"pw", OpenOptions::default()))
                        .expect("open"),
                );
                (t.elapsed().as_secs_f64() * 1e3 - unlock).max(0.0)
            })
            .collect();
        println!(
            "{:<44} {:>10.3} ms  (unlock {unlock:.0} ms subtracted)",
            names[2], samples[0]
        );
        s.out.push(Figure {
            name: names[2].clone(),
            samples,
        });
    }
    let runs = s.runs(10);
    s.time(&names[3], runs, || v.list().expect("list"));
    s.time(&names[4], runs, || {
        v.search("ha noi ngan sach").expect("search")
    });
}

fn pgp_cases(s: &mut Suite) {
    for (profile, label) in [
        (Profile::Pqc, "pqc"),
        (Profile::Rfc9580, "rfc9580"),
        (Profile::Compat, "compat"),
    ] {
        let runs = s.runs(7);
        s.time(&format!("keygen: {label}"), runs, || {
            generate_key(&GenerateOptions {
                user_ids: vec!["Bench <bench@example.gov.vn>".into()],
                profile,
                ..Default::default()
            })
            .expect("keygen")
        });
    }
    let mib = if s.quick { 1 } else { 16 };
    let enc_name = format!("encrypt {mib} MiB: SEIPDv2 AES-256-GCM");
    let dec_name = format!("decrypt {mib} MiB: SEIPDv2 AES-256-GCM");
    if !s.wants(&enc_name) && !s.wants(&dec_name) {
        return;
    }
    let key = generate_key(&GenerateOptions {
        user_ids: vec!["Bench <bench@example.gov.vn>".into()],
        profile: Profile::Rfc9580,
        ..Default::default()
    })
    .expect("keygen");
    let sk = unlock_key(key.private_key.as_bytes(), None, &Limits::default()).expect("unlock");
    let data = vec![0xa5u8; mib << 20];
    let opts = EncryptOptions {
        encryption_keys: vec![key.public_key.as_bytes()],
        seipd: SeipdChoice::V2,
        ..Default::default()
    };
    let runs = s.runs(5);
    s.time(&enc_name, runs, || encrypt(&data, &opts).expect("encrypt"));
    let msg = encrypt(&data, &opts).expect("encrypt");
    let dopts = DecryptOptions {
        decryption_keys: vec![&sk],
        ..Default::default()
    };
    s.time(&dec_name, runs, || decrypt(&msg, &dopts).expect("decrypt"));
}

fn main() {
    let mut s = Suite {
        quick: std::env::var("QUICK").is_ok_and(|v| v == "1"),
        only: std::env::var("BENCH_ONLY").ok().filter(|v| !v.is_empty()),
        out: Vec::new(),
    };
    wrap_cases(&mut s);
    notes_cases(&mut s);
    pgp_cases(&mut s);

    let path = std::env::var("BENCH_OUT").unwrap_or_else(|_| "target/bench/native.json".into());
    let json = serde_json::Value::Array(
        s.out
            .iter()
            .map(|f| {
                let (median, min, max) = stats(&f.samples);
                serde_json::json!({
                    "name": f.name, "median": median, "min": min, "max": max,
                    "runs": f.samples.len(), "unit": "ms",
                })
            })
            .collect(),
    );
    if let Some(dir) = std::path::Path::new(&path).parent() {
        std::fs::create_dir_all(dir).expect("create output dir");
    }
    std::fs::write(&path, format!("{json:#}\n")).expect("write results");
    println!("wrote {path}");
}
