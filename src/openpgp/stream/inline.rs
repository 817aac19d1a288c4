//! Content without an encryption layer around it: an inline-signed message
//! (`verify`). The engine's inner parser alone ([`Content`]), so literal,
//! compressed, one-pass and prefixed signature, padding, marker and unknown
//! packets follow the same rules, limits and error codes as inside an
//! encrypted message, and signatures are judged the same way.

use zeroize::Zeroizing;

use super::framing::parse_header;
use super::literal::{Content, PlainOut};
use crate::openpgp::armor::ArmorReader;
use crate::openpgp::content::SignatureCheck;
use crate::openpgp::policy::Cert;
use crate::openpgp::{Limits, Plaintext};
use crate::{Error, Result};

/// Reads the signed message `message` (binary, or ASCII-armored from its first
/// octet on): its literal data, and its signatures judged against `certs`.
pub fn read_signed(
    message: &[u8],
    certs: &[Cert],
    limits: &Limits,
) -> Result<(Plaintext, Vec<SignatureCheck>)> {
    let armored = message
        .iter()
        .find(|b| !b.is_ascii_whitespace())
        .is_some_and(|&b| b == b'-');
    let dearmored;
    let bin = if armored {
        let mut a = ArmorReader::new();
        let mut v = Zeroizing::new(a.push(message)?);
        v.extend_from_slice(&a.finish()?);
        dearmored = v;
        &dearmored[..]
    } else {
        message
    };
    if let Some(h) = parse_header(bin)? {
        if matches!(h.tag, 1 | 3 | 9 | 18 | 20) {
            return Err(Error::MalformedInput(
                "an encrypted message, not a signed one; use decrypt".into(),
            ));
        }
    }
    read_packets(bin, certs, limits)
}

/// Reads the packets of a message's content: its literal data, and its
/// signatures judged against `certs`.
fn read_packets(
    bin: &[u8],
    certs: &[Cert],
    limits: &Limits,
) -> Result<(Plaintext, Vec<SignatureCheck>)> {
    let mut content = Content::new(true, limits);
    let mut plain = Plaintext::new();
    // Straight into blocks: a compression bomb costs its cap once.
    content.feed(bin, &mut PlainOut::Blocks(&mut plain))?;
    if !content.complete() {
        return Err(Error::MalformedInput(
            "the literal data packet is incomplete".into(),
        ));
    }
    let checks = content.take_sigs().finish(certs)?;
    Ok((plain, checks))
}
