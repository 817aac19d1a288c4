//! Recovery codes: 140 random bits written as 7 groups of 5 Crockford base-32
//! characters (`K7M2Q-…`), 4 data characters and 1 check character per group.
//!
//! The check character makes each group a codeword of a linear code over GF(32):
//! `c = Σ α^(i+1)·d_i + α^5·(g+1)` for data `d_0..d_3` of group `g`. Every
//! coefficient is a distinct non-zero field element, so any single mistyped
//! character and any swap of two different characters within a group is caught
//! before any key work, and a group typed in the place of another is caught unless
//! its characters happen to satisfy both positions (1 in 32).

use zeroize::Zeroizing;

use crate::{Error, Result};

/// Groups in a code.
pub const GROUPS: usize = 7;
const DATA: usize = 4;
/// Random bits in a code.
pub const ENTROPY_BITS: usize = GROUPS * DATA * 5;
/// Crockford's base-32 alphabet: no I, L, O, U.
const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// GF(2^5) multiplication modulo x^5 + x^2 + 1 (primitive; α = x = 2).
fn gf_mul(mut a: u8, mut b: u8) -> u8 {
    let mut p = 0;
    while b != 0 {
        if b & 1 != 0 {
            p ^= a;
        }
        b >>= 1;
        a <<= 1;
        if a & 0x20 != 0 {
            a ^= 0x25;
        }
    }
    p
}

fn alpha_pow(n: usize) -> u8 {
    (0..n).fold(1, |x, _| gf_mul(x, 2))
}

fn check_symbol(group: usize, data: &[u8]) -> u8 {
    let mut c = gf_mul(alpha_pow(5), (group + 1) as u8);
    for (i, d) in data.iter().enumerate() {
        c ^= gf_mul(alpha_pow(i + 1), *d);
    }
    c
}

/// A decoded code: the 28 data symbols (5 bits each), the key material of the slot.
pub(crate) type CodeSymbols = Zeroizing<[u8; GROUPS * DATA]>;

/// A fresh random code, as text, and its symbols.
pub(crate) fn generate() -> (Zeroizing<String>, CodeSymbols) {
    let mut symbols = Zeroizing::new(crate::aead::random_array::<{ GROUPS * DATA }>());
    // 256 is a multiple of 32: masking keeps every symbol uniform.
    symbols.iter_mut().for_each(|s| *s &= 31);
    let mut text = Zeroizing::new(String::with_capacity(GROUPS * 6));
    for (g, data) in symbols.chunks(DATA).enumerate() {
        if g > 0 {
            text.push('-');
        }
        for d in data.iter().copied().chain([check_symbol(g, data)]) {
            text.push(ALPHABET[d as usize] as char);
        }
    }
    (text, symbols)
}

fn symbol_of(c: char) -> Option<u8> {
    let c = match c.to_ascii_uppercase() {
        'O' => '0',
        'I' | 'L' => '1',
        c => c,
    };
    ALPHABET
        .iter()
        .position(|&a| a as char == c)
        .map(|p| p as u8)
}

/// Parses a typed code: case, spaces and hyphens do not matter, and O/I/L read as
/// 0/1. A wrong length, a character outside the alphabet or a group whose check
/// fails is `INVALID_ARGUMENT`, naming the group, before any key is derived.
pub(crate) fn parse(text: &str) -> Result<CodeSymbols> {
    let mut all = Zeroizing::new([0u8; GROUPS * (DATA + 1)]);
    let mut n = 0;
    for c in text.chars().filter(|c| !c.is_whitespace() && *c != '-') {
        let s = symbol_of(c).ok_or_else(|| {
            Error::InvalidArgument("a recovery code holds only digits and letters".into())
        })?;
        if n == all.len() {
            n += 1;
            break;
        }
        all[n] = s;
        n += 1;
    }
    if n != all.len() {
        return Err(Error::InvalidArgument(format!(
            "a recovery code is {GROUPS} groups of {} characters",
            DATA + 1
        )));
    }
    let mut symbols = Zeroizing::new([0u8; GROUPS * DATA]);
    for (g, group) in all.chunks(DATA + 1).enumerate() {
        if check_symbol(g, &group[..DATA]) != group[DATA] {
            return Err(Error::InvalidArgument(format!(
                "group {} of the recovery code is mistyped",
                g + 1
            )));
        }
        symbols[g * DATA..(g + 1) * DATA].copy_from_slice(&group[..DATA]);
    }
    Ok(symbols)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_codes_parse_and_every_single_typo_is_caught() {
        for _ in 0..50 {
            let (text, symbols) = generate();
            assert_eq!(text.len(), GROUPS * 6 - 1);
            assert_eq!(*parse(&text).unwrap(), *symbols);
            assert_eq!(
                *parse(&text.to_lowercase().replace('-', " ")).unwrap(),
                *symbols
            );
            let chars: Vec<char> = text.chars().collect();
            for i in (0..chars.len()).filter(|i| chars[*i] != '-') {
                for &a in ALPHABET {
                    let mut t = chars.clone();
                    if t[i] == a as char {
                        continue;
                    }
                    t[i] = a as char;
                    let t: String = t.into_iter().collect();
                    assert_eq!(parse(&t).unwrap_err().code(), "INVALID_ARGUMENT", "{t}");
                }
                if i + 1 < chars.len() && chars[i + 1] != '-' && chars[i] != chars[i + 1] {
                    let mut t = chars.clone();
                    t.swap(i, i + 1);
                    let t: String = t.into_iter().collect();
                    assert!(parse(&t).is_err(), "swap at {i}: {t}");
                }
            }
        }
    }

    #[test]
    fn wrong_lengths_and_characters_are_invalid_argument() {
        let (text, _) = generate();
        for bad in [&text[..text.len() - 1], "", "U", &format!("{}0", &*text)] {
            assert_eq!(parse(bad).unwrap_err().code(), "INVALID_ARGUMENT");
        }
        assert_eq!(
            parse(&"é".repeat(40)).unwrap_err().code(),
            "INVALID_ARGUMENT"
        );
    }

    #[test]
    fn the_field_is_gf32() {
        // α has order 31 in GF(32)* (the polynomial is primitive).
        assert_eq!(alpha_pow(31), 1);
        assert!((1..31).all(|n| alpha_pow(n) != 1));
    }
}
