//! `getVersion()` must name what actually ran: the reported crate versions must
//! match Cargo.lock.
#[test]
fn reported_crate_versions_match_lockfile() {
    let lock = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/Cargo.lock")).unwrap();
    for (name, version) in signet_crypto::version::CRYPTO_CRATES {
        let entry = format!("name = \"{name}\"\nversion = \"{version}\"");
        assert!(lock.contains(&entry), "{name} {version} not in Cargo.lock");
    }
}
