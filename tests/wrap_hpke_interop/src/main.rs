//! `gen N`: prints N lines `seed enc ct aad pt` (hex), each sealed by rust-hpke to the
//! X-Wing key of a random seed with suite (0x647a, 0x0001, 0x0002), info
//! "signet-wrap v1". `open`: reads such lines on stdin, opens each with rust-hpke and
//! exits non-zero on the first mismatch.

use hpke::aead::AesGcm256;
use hpke::kdf::HkdfSha256;
use hpke::kem::XWing;
use hpke::{Deserializable, Kem, OpModeR, OpModeS, Serializable};

const INFO: &[u8] = b"signet-wrap v1";

fn random<const N: usize>() -> [u8; N] {
    let mut b = [0u8; N];
    getrandom::fill(&mut b).expect("getrandom");
    b
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    match args.get(1).map(String::as_str) {
        Some("gen") => {
            let n: usize = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(16);
            for _ in 0..n {
                let seed = random::<32>();
                let sk = <XWing as Kem>::PrivateKey::from_bytes(&seed).expect("seed");
                let pk = XWing::sk_to_pk(&sk);
                let (aad, pt) = (random::<16>(), random::<32>());
                let (enc, ct) = hpke::single_shot_seal::<AesGcm256, HkdfSha256, XWing>(
                    &OpModeS::Base,
                    &pk,
                    INFO,
                    &pt,
                    &aad,
                )
                .expect("seal");
                println!(
                    "{} {} {} {} {}",
                    hex::encode(seed),
                    hex::encode(enc.to_bytes()),
                    hex::encode(ct),
                    hex::encode(aad),
                    hex::encode(pt)
                );
            }
        }
        Some("open") => {
            let mut ok = 0;
            for line in std::io::stdin().lines() {
                let line = line.expect("stdin");
                let f: Vec<Vec<u8>> = line
                    .split_whitespace()
                    .map(|h| hex::decode(h).expect("hex"))
                    .collect();
                let [seed, enc, ct, aad, pt] = f.as_slice() else {
                    panic!("bad line")
                };
                let sk = <XWing as Kem>::PrivateKey::from_bytes(seed).expect("seed");
                let enc = <XWing as Kem>::EncappedKey::from_bytes(enc).expect("enc");
                let got = hpke::single_shot_open::<AesGcm256, HkdfSha256, XWing>(
                    &OpModeR::Base,
                    &sk,
                    &enc,
                    INFO,
                    ct,
                    aad,
                )
                .expect("rust-hpke failed to open a signet seal");
                assert_eq!(&got, pt, "plaintext mismatch");
                ok += 1;
            }
            println!("opened {ok}");
        }
        _ => {
            eprintln!("usage: wrap-hpke-interop gen N | open");
            std::process::exit(2);
        }
    }
}
