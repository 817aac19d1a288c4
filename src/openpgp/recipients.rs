//! Who a message is for, read from the session-key packets that open it (RFC
//! 9580 §5.1 PKESK, §5.3 SKESK): what a page shows before it asks for a
//! passphrase. The one push engine (`stream::StreamDecryptor`) reads the armor
//! and framing, so the first bytes of a file are enough and nothing is decrypted.

use pgp::composed::Esk;
use pgp::packet::PacketParser;
use pgp::types::PkeskVersion;

use super::stream::{StreamDecryptOptions, StreamDecryptor};
use super::util::hex_upper;
use crate::Result;

/// The recipients a message names.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Recipients {
    /// Key IDs (v3 PKESK) and fingerprints (v6 PKESK), uppercase hex.
    pub ids: Vec<String>,
    /// Whether a password (SKESK) can open it.
    pub password: bool,
    /// Whether some recipient is unnamed (a wildcard key ID or an anonymous v6 PKESK).
    pub anonymous: bool,
}

/// The recipients named by `head`, the first bytes (or all) of a binary or
/// armored message; `None` when the session-key packets are not all within
/// `head`. Errors as `decryptStream` gives them for the same bytes (a message
/// that is not encrypted, damaged framing).
pub fn message_recipients(head: &[u8]) -> Result<Option<Recipients>> {
    let mut engine = StreamDecryptor::new(StreamDecryptOptions::default());
    engine.push(head)?;
    if !engine.needs_session_key() {
        return Ok(None);
    }
    let mut found = Recipients::default();
    for packet in PacketParser::new(engine.esk_bytes()) {
        // The engine parsed these packets already; other packets (marker, padding) are skipped.
        let Ok(esk) = packet.map(Esk::try_from) else {
            continue;
        };
        match esk {
            Ok(Esk::PublicKeyEncryptedSessionKey(k)) => {
                let id = match k.version() {
                    PkeskVersion::V3 => k
                        .id()
                        .ok()
                        .filter(|id| !id.is_wildcard())
                        .map(|id| hex_upper(id.as_ref())),
                    _ => k
                        .fingerprint()
                        .ok()
                        .flatten()
                        .map(|f| hex_upper(f.as_bytes())),
                };
                match id {
                    Some(id) => found.ids.push(id),
                    None => found.anonymous = true,
                }
            }
            Ok(Esk::SymKeyEncryptedSessionKey(_)) => found.password = true,
            Err(_) => {}
        }
    }
    Ok(Some(found))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::openpgp::{encrypt, generate_key, EncryptOptions, GenerateOptions, Profile};

    fn key(profile: Profile) -> crate::openpgp::GeneratedKey {
        generate_key(&GenerateOptions {
            user_ids: vec!["R <r@example.gov.vn>".into()],
            profile,
            passphrase: None,
            expires_in_days: None,
            created: None,
        })
        .unwrap()
    }

    #[test]
    fn names_keys_and_passwords_from_a_prefix() {
        let (v4, v6) = (key(Profile::Compat), key(Profile::Rfc9580));
        let data = vec![7u8; 300_000];
        for armor in [false, true] {
            let msg = encrypt(
                &data,
                &EncryptOptions {
                    encryption_keys: vec![v6.public_key.as_bytes()],
                    passwords: vec!["pw"],
                    armor,
                    ..Default::default()
                },
            )
            .unwrap();
            let r = message_recipients(&msg[..4096]).unwrap().unwrap();
            assert_eq!(r.ids.len(), 1, "{r:?}");
            assert!(r.password && !r.anonymous);
            let info = crate::openpgp::read_key(v6.public_key.as_bytes()).unwrap();
            let ours: Vec<&str> = std::iter::once(&info.fingerprint)
                .chain(info.subkeys.iter().map(|s| &s.fingerprint))
                .map(String::as_str)
                .collect();
            assert!(ours.contains(&r.ids[0].as_str()), "{r:?} {ours:?}");
        }
        let msg = encrypt(
            b"x",
            &EncryptOptions {
                encryption_keys: vec![v4.public_key.as_bytes()],
                seipd: crate::openpgp::SeipdChoice::V1,
                ..Default::default()
            },
        )
        .unwrap();
        let r = message_recipients(&msg).unwrap().unwrap();
        assert_eq!(r.ids[0].len(), 16, "a v3 PKESK names a key ID");
        assert!(!r.password);
        // Too short to hold the session-key packets: no answer, no error.
        assert_eq!(message_recipients(&msg[..3]).unwrap(), None);
        // Not a message: the engine's error code.
        assert_eq!(
            message_recipients(b"\xff\x00garbage").unwrap_err().code(),
            "MALFORMED_INPUT"
        );
    }
}
