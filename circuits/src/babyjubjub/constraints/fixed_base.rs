//! Fixed-base scalar multiplication `S·B8` for `S < l` (251 bits), in Montgomery form.
//!
//! `S` is cut into 84 windows of 3 bits (the last has 2). Window `w` with digit `k` selects
//! the constant point `(k·8^w + o_w)·B8`; the offsets `o_w` keep every entry away from the
//! identity and from the accumulator, and sum to zero: `o_w = 2·8^w` for `w ≤ 81`,
//! `o_82 = 62·8^81`, `o_83 = −Σ_{w<83} o_w`. The accumulator after `w` windows is
//! `m_w·B8` with `m_w = Σ_{i<w} (k_i·8^i + o_i)`.
//!
//! Why no addition is exceptional (checked exactly by the unit tests below):
//! - `w ≤ 82`: `0 < m_w < n_w` and `m_w + n_w < l` for the entry `n_w = k·8^w + o_w`, so
//!   `m_w ≢ ±n_w (mod l)`.
//! - `w = 83`, with `off = Σ_{w<83} o_w` chosen in `(2^249, (l − 2^249)/2]`:
//!   `m − n = S_low + 2·off − k·2^249` lies strictly between `0` and `l` for `k ≤ 2`, and
//!   strictly between `−l` and `0` for `k = 3` (where `S < l` bounds `S_low`); `m + n = S`
//!   is zero only for `S = 0`, which leaves the system unsatisfiable (a completeness loss
//!   for the single value `S = 0`, which no honest signer produces but with probability
//!   `1/l`).
//!
//! Cost: a window selects its point with 3 constraints (`b0·b1`, then `u` and `v` as
//! `lo + b2·(hi − lo)`; the last window's 2 bits need only `b0·b1`), and adds it with 3:
//! `3 + 82·6 + 4 = 499` constraints.

use std::sync::OnceLock;

use ark_ec::CurveGroup;
use ark_ff::{AdditiveGroup, Field, PrimeField, Zero};
use ark_r1cs_std::boolean::Boolean;
use ark_r1cs_std::fields::fp::FpVar;
use ark_r1cs_std::GR1CSVar;
use ark_relations::gr1cs::{ConstraintSystemRef, SynthesisError};
use num_bigint::{BigInt, BigUint};

use super::arith::{add_montgomery, enforce_mul, witness, MontVar};
use crate::babyjubjub::{Point, ScalarField, BASE8};
use crate::Fr;

/// Bits of `S` (`l < 2^251`).
pub(super) const S_BITS: usize = 251;
/// Windows of 3 bits (the last one has 2).
const WINDOWS: usize = S_BITS.div_ceil(3);

/// The offset `o_w` of window `w` (see the module documentation).
fn offset(w: usize) -> BigInt {
    let eight = BigInt::from(8u8);
    match w {
        0..=81 => BigInt::from(2u8) * eight.pow(w as u32),
        82 => BigInt::from(62u8) * eight.pow(81),
        _ => -(0..83).map(offset).sum::<BigInt>(),
    }
}

/// The multiple of `B8` selected by digit `k` in window `w`: `k·8^w + o_w`.
fn entry_scalar(w: usize, k: u64) -> BigInt {
    BigInt::from(k) * BigInt::from(8u8).pow(w as u32) + offset(w)
}

/// `x mod l` in `[0, l)`.
fn mod_l(x: &BigInt, l: &BigInt) -> BigInt {
    ((x % l) + l) % l
}

/// The Montgomery form `((1+y)/(1−y), u/x)` of a point with `x ≠ 0`, `y ≠ 1`.
fn to_montgomery(p: &Point) -> (Fr, Fr) {
    // Table entries are points of order l: x ≠ 0 and y ≠ ±1 (checked in the tests).
    let u = (Fr::ONE + p.y) * (Fr::ONE - p.y).inverse().unwrap_or_else(|| unreachable!("y = 1"));
    let v = u * p.x.inverse().unwrap_or_else(|| unreachable!("x = 0"));
    (u, v)
}

/// The constant tables, `[window][digit] = (u, v)`, built once.
fn tables() -> &'static [[(Fr, Fr); 8]] {
    static TABLES: OnceLock<Vec<[(Fr, Fr); 8]>> = OnceLock::new();
    TABLES.get_or_init(|| {
        let l = BigInt::from(BigUint::from(ScalarField::MODULUS));
        (0..WINDOWS)
            .map(|w| {
                let mut row = [(Fr::ZERO, Fr::ZERO); 8];
                for (k, slot) in row.iter_mut().enumerate() {
                    let scalar = mod_l(&entry_scalar(w, k as u64), &l);
                    let (_, le) = scalar.to_bytes_le();
                    let point = (BASE8 * ScalarField::from_le_bytes_mod_order(&le)).into_affine();
                    *slot = to_montgomery(&point);
                }
                row
            })
            .collect()
    })
}

/// `t0 + b0·(t1 − t0) + b1·(t2 − t0) + b0b1·(t3 − t2 − t1 + t0)`: the entry of a
/// 4-entry constant table chosen by two bits, as a linear combination of `1, b0, b1, b0b1`.
fn lookup2(t: [Fr; 4], b0: &FpVar<Fr>, b1: &FpVar<Fr>, b01: &FpVar<Fr>) -> FpVar<Fr> {
    b0 * (t[1] - t[0]) + b1 * (t[2] - t[0]) + b01 * (t[3] - t[2] - t[1] + t[0]) + t[0]
}

/// The table entry chosen by 2 or 3 little-endian bits. 1 constraint for 2 bits
/// (`b0·b1`), 3 for 3 bits.
fn select(
    cs: &ConstraintSystemRef<Fr>,
    bits: &[Boolean<Fr>],
    table: &[(Fr, Fr); 8],
) -> Result<MontVar, SynthesisError> {
    let b0 = FpVar::from(bits[0].clone());
    let b1 = FpVar::from(bits[1].clone());
    let b01 = &b0 * &b1;
    let column = |c: usize, from: usize| -> [Fr; 4] {
        let pick = |i: usize| if c == 0 { table[from + i].0 } else { table[from + i].1 };
        [pick(0), pick(1), pick(2), pick(3)]
    };
    let lo_u = lookup2(column(0, 0), &b0, &b1, &b01);
    let lo_v = lookup2(column(1, 0), &b0, &b1, &b01);
    let Some(b2) = bits.get(2) else {
        return Ok(MontVar { u: lo_u, v: lo_v });
    };
    let b2 = FpVar::from(b2.clone());
    let mut out = Vec::with_capacity(2);
    for (c, lo) in [(0, lo_u), (1, lo_v)] {
        let hi = lookup2(column(c, 4), &b0, &b1, &b01);
        let r = witness(cs, || Ok(if b2.value()?.is_zero() { lo.value()? } else { hi.value()? }))?;
        // b2 · (hi − lo) = r − lo
        enforce_mul(&b2, &(&hi - &lo), &(&r - &lo))?;
        out.push(r);
    }
    let v = out.pop();
    let u = out.pop();
    match (u, v) {
        (Some(u), Some(v)) => Ok(MontVar { u, v }),
        _ => unreachable!("two coordinates were pushed"),
    }
}

/// `S·B8` in Montgomery form from the [`S_BITS`] little-endian bits of `S`, which the
/// caller constrains to `S < l` (the exceptional-case argument above relies on it).
/// 499 constraints. Unsatisfiable for `S = 0`.
pub(super) fn scalar_mul_base8(
    cs: &ConstraintSystemRef<Fr>,
    bits: &[Boolean<Fr>],
) -> Result<MontVar, SynthesisError> {
    assert_eq!(bits.len(), S_BITS, "S must be given as {S_BITS} bits");
    let tables = tables();
    let mut acc = select(cs, &bits[0..3], &tables[0])?;
    for (w, table) in tables.iter().enumerate().skip(1) {
        let window = &bits[3 * w..(3 * w + 3).min(S_BITS)];
        let entry = select(cs, window, table)?;
        acc = add_montgomery(cs, &acc, &entry, false)?;
    }
    Ok(acc)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_ec::AffineRepr;

    fn l() -> BigInt {
        BigInt::from(BigUint::from(ScalarField::MODULUS))
    }

    #[test]
    fn offsets_sum_to_zero_and_windows_cover_s() {
        assert_eq!((0..WINDOWS).map(offset).sum::<BigInt>(), BigInt::zero());
        assert!(BigInt::from(1u8) << S_BITS > l());
        assert_eq!(WINDOWS, 84);
    }

    #[test]
    fn windows_below_the_last_are_never_exceptional() {
        let l = l();
        let eight = BigInt::from(8u8);
        for w in 1..WINDOWS - 1 {
            // m_w ranges over [Σ o_i, Σ o_i + 8^w − 1]; n_w over [o_w, 7·8^w + o_w].
            let o_below: BigInt = (0..w).map(offset).sum();
            let (m_min, m_max) = (o_below.clone(), o_below + eight.pow(w as u32) - 1);
            let (n_min, n_max) = (entry_scalar(w, 0), entry_scalar(w, 7));
            assert!(m_min > BigInt::zero(), "window {w}");
            assert!(m_max < n_min, "window {w}: accumulator may equal the entry");
            assert!(&m_max + &n_max < l, "window {w}: accumulator may be minus the entry");
        }
    }

    #[test]
    fn last_window_is_never_exceptional() {
        let l = l();
        let two249 = BigInt::from(1u8) << 249;
        let off: BigInt = (0..WINDOWS - 1).map(offset).sum();
        // The accumulator m = S_low + off; the entry n = k·2^249 − off.
        assert!(off > two249);
        assert!(BigInt::from(2u8) * &off <= &l - &two249);
        for k in 0..4u8 {
            let k = BigInt::from(k);
            let s_low_max = if k == BigInt::from(3u8) { &l - 1 - 3 * &two249 } else { &two249 - 1 };
            // m − n = S_low + 2·off − k·2^249 over S_low ∈ [0, s_low_max].
            let lo = BigInt::from(2u8) * &off - &k * &two249;
            let hi = &lo + &s_low_max;
            assert!((lo > BigInt::zero() && hi < l) || (lo > -l.clone() && hi < BigInt::zero()), "k = {k}");
            // n itself is never the identity.
            assert!(!mod_l(&(&k * &two249 - &off), &l).is_zero());
        }
    }

    #[test]
    fn table_entries_are_finite_montgomery_points() {
        for (w, row) in tables().iter().enumerate() {
            for (k, &(u, v)) in row.iter().enumerate() {
                // v² = u³ + A·u² + u
                assert_eq!(v.square(), u * u * u + crate::babyjubjub::MONT_A * u * u + u, "w {w} k {k}");
                let scalar = mod_l(&entry_scalar(w, k as u64), &l());
                assert!(!scalar.is_zero(), "w {w} k {k} selects the identity");
            }
        }
        assert!(!BASE8.is_zero());
    }
}
