//! Eight AES blocks at once in bitsliced form (E. Käsper, P. Schwabe, "Faster
//! and timing-attack resistant AES-GCM", CHES 2009): eight lanes, lane `b`
//! holding bit `b` of all 128 state bytes, arranged so that byte `j` of a lane
//! is state byte `j` and its bit `k` belongs to block `k`. Then SubBytes is the
//! S-box circuit over the eight lanes, ShiftRows and the row rotations of
//! MixColumns are constant byte shuffles of each lane, and AddRoundKey is a
//! XOR with round-key lanes whose bytes are 0x00 or 0xff.

use crate::lanes::Lane;
use crate::sbox::{inv_sub_bytes, sub_bytes};

/// Eight blocks in bitsliced form.
pub type State<L> = [L; 8];

/// Exchanges bit `i + n` of `a` with bit `i` of `b` for the bits in `mask`
/// (the "swapmove" step of a bit-matrix transposition).
fn swap_move<L: Lane>(a: &mut L, b: &mut L, mask: L, n: u32) {
    let t = (a.shr(n) ^ *b) & mask;
    *b = *b ^ t;
    *a = *a ^ t.shl(n);
}

/// Transposes, for every byte position, the 8x8 bit matrix (lane, bit):
/// afterwards lane `b` bit `k` is what lane `k` bit `b` was. Its own inverse,
/// so it both packs eight blocks (one per lane) and unpacks them.
pub(crate) fn transpose<L: Lane>(x: &mut State<L>) {
    let [x0, x1, x2, x3, x4, x5, x6, x7] = x;
    let m = L::from_bytes(&[0x55; 16]);
    swap_move(x0, x1, m, 1);
    swap_move(x2, x3, m, 1);
    swap_move(x4, x5, m, 1);
    swap_move(x6, x7, m, 1);
    let m = L::from_bytes(&[0x33; 16]);
    swap_move(x0, x2, m, 2);
    swap_move(x1, x3, m, 2);
    swap_move(x4, x6, m, 2);
    swap_move(x5, x7, m, 2);
    let m = L::from_bytes(&[0x0f; 16]);
    swap_move(x0, x4, m, 4);
    swap_move(x1, x5, m, 4);
    swap_move(x2, x6, m, 4);
    swap_move(x3, x7, m, 4);
}

/// Multiplication by x (0x02) in GF(2^8) mod x^8 + x^4 + x^3 + x + 1, on planes.
fn xtime<L: Lane>(p: &State<L>) -> State<L> {
    let [p0, p1, p2, p3, p4, p5, p6, p7] = *p;
    [p7, p0 ^ p7, p1, p2 ^ p7, p3 ^ p7, p4, p5, p6]
}

/// MixColumns: out_r = 2 a_r + 3 a_{r+1} + a_{r+2} + a_{r+3}
///               = 2 (a_r + a_{r+1}) + a_{r+1} + (a_{r+2} + a_{r+3}).
fn mix_columns<L: Lane>(a: &State<L>) -> State<L> {
    let r1 = a.map(L::rot_rows1);
    let mut t = *a;
    for (t, r) in t.iter_mut().zip(&r1) {
        *t = *t ^ *r;
    }
    let mut out = xtime(&t);
    for ((o, r), t) in out.iter_mut().zip(&r1).zip(&t) {
        *o = *o ^ *r ^ t.rot_rows2();
    }
    out
}

/// InvMixColumns as a pre-multiplication followed by MixColumns (J. Daemen,
/// V. Rijmen, "The Design of Rijndael", 2002, §4.1.3): the inverse polynomial
/// 0b x^3 + 0d x^2 + 09 x + 0e is (03 x^3 + 01 x^2 + 01 x + 02)(04 x^2 + 05),
/// and multiplying by 04 x^2 + 05 maps a_r to a_r + 4 (a_r + a_{r+2}).
fn inv_mix_columns<L: Lane>(a: &State<L>) -> State<L> {
    let mut t = *a;
    for t in &mut t {
        *t = *t ^ t.rot_rows2();
    }
    let t4 = xtime(&xtime(&t));
    let mut pre = *a;
    for (p, t) in pre.iter_mut().zip(&t4) {
        *p = *p ^ *t;
    }
    mix_columns(&pre)
}

fn add_round_key<L: Lane>(s: &mut State<L>, k: &State<L>) {
    for (s, k) in s.iter_mut().zip(k) {
        *s = *s ^ *k;
    }
}

/// The first round key, the middle ones and the last (`None` under two keys).
type KeySplit<'a, L> = (&'a State<L>, &'a [State<L>], &'a State<L>);

fn split_keys<L: Lane>(keys: &[State<L>]) -> Option<KeySplit<'_, L>> {
    let (first, rest) = keys.split_first()?;
    let (last, middle) = rest.split_last()?;
    Some((first, middle, last))
}

/// Encrypts a packed state with bitsliced round keys (`keys.len()` = rounds + 1).
pub(crate) fn encrypt<L: Lane>(s: &mut State<L>, keys: &[State<L>]) {
    let Some((first, middle, last)) = split_keys(keys) else {
        return;
    };
    add_round_key(s, first);
    for k in middle {
        sub_bytes(s);
        let shifted = s.map(L::shift_rows);
        *s = mix_columns(&shifted);
        add_round_key(s, k);
    }
    sub_bytes(s);
    *s = s.map(L::shift_rows);
    add_round_key(s, last);
}

/// Decrypts a packed state (FIPS-197 §5.3, the inverse cipher) with the same
/// round keys as [`encrypt`], taken in reverse order.
pub(crate) fn decrypt<L: Lane>(s: &mut State<L>, keys: &[State<L>]) {
    let Some((first, middle, last)) = split_keys(keys) else {
        return;
    };
    add_round_key(s, last);
    for k in middle.iter().rev() {
        // InvSubBytes and InvShiftRows commute (one acts on bytes, one moves them).
        inv_sub_bytes(s);
        *s = s.map(L::inv_shift_rows);
        add_round_key(s, k);
        *s = inv_mix_columns(s);
    }
    inv_sub_bytes(s);
    *s = s.map(L::inv_shift_rows);
    add_round_key(s, first);
}
