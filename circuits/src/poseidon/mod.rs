//! Poseidon over BN254 with circomlib's parameters (x^5 S-box, R_F = 8, R_P by width).
//!
//! The constants are circomlib's, taken from [`light_poseidon`]'s table through [`parameters`].
//! The gadget in [`constraints`] reads the very same constants, so the two can never drift apart.
//!
//! Known answer (circomlib): `Poseidon([1, 2]) =
//! 7853200120776062878684798364095072458815029376092732009249414926327459813530`.
//!
//! # The native permutation
//!
//! [`hash`], [`hash_n`], [`hash2`] and [`permute`] run one optimized permutation, an exact
//! algebraic rewrite of the plain one (add the round constants, S-box, multiply by the MDS
//! matrix `M`; the S-box on every element in the first and last `R_F/2` rounds, on the first
//! only in the `R_P` partial rounds in between), so every output — the whole state, not only
//! the hash — is bit-for-bit the plain permutation's. It is the form of the Poseidon paper's
//! appendix B, as circomlib's `poseidon_opt` and neptune use; the tables are derived here once
//! per width, at first use, from the plain constants:
//!
//! - **Constants pushed through the partial rounds.** In a partial round only element 0 goes
//!   through the S-box, so the constants of elements `1..t` pass through it unchanged and can
//!   be moved past the linear layer, `M·(y + c) = M·y + M·c`, into the next round's constants.
//!   Carried forward round by round, each partial round adds one scalar, to element 0, and the
//!   remainder lands on the first full round of the second half.
//! - **Sparse partial rounds.** Write a matrix `N = [[n₀₀, r], [c, N̂]]` (`N̂` of size
//!   `t−1`) as `A·B` with `B = [[1, 0], [0, N̂]]` and the sparse `A = [[n₀₀, r·N̂⁻¹], [c, I]]`.
//!   `B` leaves element 0 alone, so it commutes with a partial round's S-box and scalar
//!   constant and can be moved into the round before. Starting from the last partial round
//!   (`N = M`) and going back (`N = B·M` for each earlier one), every partial round multiplies
//!   by a sparse `A` — `2t − 1` multiplications instead of `t²` — and the last `B` joins the
//!   last full round of the first half as one dense pre-matrix `B·M`. (`N̂` is a power of the
//!   MDS matrix's lower-right block, invertible as every square submatrix of an MDS matrix.)
//! - **No heap, lazy reduction.** The state is a fixed-size array per width (a `match` picks
//!   the monomorphized code), the S-box is two squarings and a multiplication, and every
//!   dense row is one `sum_of_products`, which reduces modulo `p` once per three products
//!   instead of once per product.
//!
//! Measured with `ccr-benches native --depth 24 --txs 2000` (release, on the 2-core
//! development machine, with other builds running: figures vary by ±15 %): Poseidon(2) 26.3 µs
//! before (the plain loop of [`light_poseidon`], `t²` multiplications and a heap allocation a
//! round) and 12.4 µs after; Poseidon(5) 108.0 µs before and 25.9 µs after. A field
//! multiplication costs about 20 ns there (arkworks without its `bmi2`/`adx` assembly), and
//! Poseidon(2) still makes about 600 of them (3 for each partial round's S-box, 5 for its
//! sparse matrix), which bounds what a different arrangement could gain. The tests compare
//! every arity against [`light_poseidon`] and circomlibjs, and [`permute`]'s whole state
//! against a plain reference permutation.

pub mod constraints;

use std::sync::OnceLock;

use ark_bn254::Fr;
use ark_ff::{Field, Zero};
use light_poseidon::PoseidonParameters;

/// Largest number of inputs supported (circomlib's parameter table goes to width 13 here).
pub const MAX_INPUTS: usize = 12;

/// Errors from the native hash.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum PoseidonError {
    /// The number of inputs is outside `1..=MAX_INPUTS`.
    #[error("poseidon takes 1 to {max} inputs, got {got}")]
    Arity {
        /// Inputs given.
        got: usize,
        /// Largest arity supported.
        max: usize,
    },
}

/// circomlib's parameters for `n_inputs` inputs (state width `n_inputs + 1`), built once.
pub fn parameters(n_inputs: usize) -> Result<&'static PoseidonParameters<Fr>, PoseidonError> {
    static PARAMS: [OnceLock<PoseidonParameters<Fr>>; MAX_INPUTS] = [const { OnceLock::new() }; MAX_INPUTS];
    if n_inputs == 0 || n_inputs > MAX_INPUTS {
        return Err(PoseidonError::Arity { got: n_inputs, max: MAX_INPUTS });
    }
    Ok(PARAMS[n_inputs - 1].get_or_init(|| {
        // Infallible for widths 2..=13, which the check above guarantees.
        light_poseidon::parameters::bn254_x5::get_poseidon_parameters::<Fr>((n_inputs + 1) as u8)
            .unwrap_or_else(|e| unreachable!("circomlib parameters for width {}: {e}", n_inputs + 1))
    }))
}

/// The optimized form of one width's permutation (see the module docs), derived from
/// [`parameters`]. Matrices are row-major, `t` entries a row.
struct Tables {
    /// `R_F / 2`: the full rounds on each side of the partial rounds.
    half_full: usize,
    /// The full rounds' constants, `t` a round, `R_F` rounds; the first of the second half
    /// includes what the partial rounds pushed forward.
    full_ark: Vec<Fr>,
    /// The MDS matrix `M`, `t × t`.
    mds: Vec<Fr>,
    /// `B·M`: the last full round of the first half's matrix, with the partial rounds' dense
    /// part, `t × t`.
    pre: Vec<Fr>,
    /// Each partial round's constant, added to element 0 before its S-box.
    partial_ark: Vec<Fr>,
    /// Each partial round's sparse matrix as two rows of `t`: `[n₀₀, w₁, …, w_{t−1}]` (the
    /// new element 0 is their dot product with the state) and `[0, v₁, …, v_{t−1}]` (element
    /// `i ≥ 1` gains `vᵢ` times the old element 0).
    sparse: Vec<Fr>,
}

/// `m·v` for a `t × t` row-major matrix given as rows.
fn mat_vec(m: &[Vec<Fr>], v: &[Fr]) -> Vec<Fr> {
    m.iter().map(|row| row.iter().zip(v).map(|(a, b)| *a * b).sum()).collect()
}

/// The inverse of a square matrix by Gauss–Jordan elimination, `None` if it is singular.
fn invert(m: &[Vec<Fr>]) -> Option<Vec<Vec<Fr>>> {
    let n = m.len();
    let mut a: Vec<Vec<Fr>> = m.to_vec();
    let mut inv: Vec<Vec<Fr>> =
        (0..n).map(|i| (0..n).map(|j| if i == j { Fr::from(1u64) } else { Fr::zero() }).collect()).collect();
    for col in 0..n {
        let pivot = (col..n).find(|&r| !a[r][col].is_zero())?;
        a.swap(col, pivot);
        inv.swap(col, pivot);
        let scale = a[col][col].inverse()?;
        a[col].iter_mut().for_each(|x| *x *= scale);
        inv[col].iter_mut().for_each(|x| *x *= scale);
        for r in (0..n).filter(|&r| r != col) {
            let f = a[r][col];
            if f.is_zero() {
                continue;
            }
            for j in 0..n {
                let (ac, ic) = (a[col][j], inv[col][j]);
                a[r][j] -= f * ac;
                inv[r][j] -= f * ic;
            }
        }
    }
    Some(inv)
}

impl Tables {
    /// Derives the optimized form from the plain parameters (see the module docs).
    fn new(p: &PoseidonParameters<Fr>) -> Self {
        let t = p.width;
        let (rf, rp) = (p.full_rounds, p.partial_rounds);
        let half_full = rf / 2;
        let m = &p.mds;
        let ark = |round: usize| &p.ark[round * t..(round + 1) * t];

        // Constants: carry the partial rounds' constants of elements 1..t forward.
        let mut full_ark: Vec<Fr> = (0..half_full).flat_map(|r| ark(r).iter().copied()).collect();
        let mut carry = vec![Fr::zero(); t];
        let mut partial_ark = Vec::with_capacity(rp);
        for round in half_full..half_full + rp {
            let mut c: Vec<Fr> = ark(round).iter().zip(&carry).map(|(a, b)| *a + b).collect();
            partial_ark.push(c[0]);
            c[0] = Fr::zero();
            carry = mat_vec(m, &c);
        }
        full_ark.extend(ark(half_full + rp).iter().zip(&carry).map(|(a, b)| *a + b));
        for round in half_full + rp + 1..rf + rp {
            full_ark.extend_from_slice(ark(round));
        }

        // Matrices: factor N = A·B from the last partial round back, N = B_next·M before it.
        let mut sparse = vec![Fr::zero(); rp * 2 * t];
        let mut n: Vec<Vec<Fr>> = m.clone();
        for round in (0..rp).rev() {
            let n_hat: Vec<Vec<Fr>> = n[1..].iter().map(|row| row[1..].to_vec()).collect();
            let n_hat_inv = invert(&n_hat).unwrap_or_else(|| {
                unreachable!("a power of an MDS matrix's square submatrix is invertible (width {t})")
            });
            let out = &mut sparse[round * 2 * t..(round + 1) * 2 * t];
            out[0] = n[0][0];
            for j in 0..t - 1 {
                out[1 + j] = (0..t - 1).map(|k| n[0][1 + k] * n_hat_inv[k][j]).sum();
            }
            for i in 1..t {
                out[t + i] = n[i][0];
            }
            // B·M: row 0 is M's; row i ≥ 1 is N̂'s row i−1 times M's rows 1..t.
            n = (0..t)
                .map(|i| {
                    if i == 0 {
                        m[0].clone()
                    } else {
                        (0..t).map(|j| (1..t).map(|k| n_hat[i - 1][k - 1] * m[k][j]).sum()).collect()
                    }
                })
                .collect();
        }
        // With no partial round `n` is still M; otherwise it is the first partial round's B·M.
        let flat = |rows: &[Vec<Fr>]| rows.iter().flatten().copied().collect::<Vec<Fr>>();
        Tables { half_full, full_ark, mds: flat(m), pre: flat(&n), partial_ark, sparse }
    }

    /// The tables of width `n_inputs + 1`, built at first use.
    fn get(n_inputs: usize) -> Result<&'static Tables, PoseidonError> {
        static TABLES: [OnceLock<Tables>; MAX_INPUTS] = [const { OnceLock::new() }; MAX_INPUTS];
        let params = parameters(n_inputs)?;
        Ok(TABLES[n_inputs - 1].get_or_init(|| Tables::new(params)))
    }
}

/// `x^5`: two squarings and a multiplication.
#[inline(always)]
fn sbox(x: Fr) -> Fr {
    let x2 = x.square();
    x2.square() * x
}

/// `m·x` for a dense `T × T` matrix, one lazily reduced dot product a row.
#[inline(always)]
fn dense<const T: usize>(m: &[[Fr; T]; T], x: &[Fr; T]) -> [Fr; T] {
    std::array::from_fn(|i| Fr::sum_of_products(&m[i], x))
}

/// The matrix `rows` (flattened, `T × T`) as an array of rows.
#[inline(always)]
fn square<const T: usize>(rows: &[Fr]) -> &[[Fr; T]; T] {
    rows.as_chunks::<T>().0.try_into().unwrap_or_else(|_| unreachable!("a {T} × {T} matrix is stored"))
}

/// The permutation of width `T` on `x`, in place, with the tables of that width.
#[inline(always)]
fn permute_fixed<const T: usize>(x: &mut [Fr; T], tb: &Tables) {
    let mds = square::<T>(&tb.mds);
    let pre = square::<T>(&tb.pre);
    let (ark, _) = tb.full_ark.as_chunks::<T>();
    let (first, last) = ark.split_at(tb.half_full);
    for (r, c) in first.iter().enumerate() {
        for (a, c) in x.iter_mut().zip(c) {
            *a = sbox(*a + c);
        }
        *x = dense(if r + 1 == tb.half_full { pre } else { mds }, x);
    }
    let (sparse, _) = tb.sparse.as_chunks::<T>();
    for (k, rows) in tb.partial_ark.iter().zip(sparse.chunks_exact(2)) {
        let s0 = sbox(x[0] + k);
        x[0] = s0;
        let new0 = Fr::sum_of_products(&rows[0], x);
        x[0] = new0;
        for (a, v) in x[1..].iter_mut().zip(&rows[1][1..]) {
            *a += s0 * v;
        }
    }
    for c in last {
        for (a, c) in x.iter_mut().zip(c) {
            *a = sbox(*a + c);
        }
        *x = dense(mds, x);
    }
}

/// [`permute_fixed`] on a slice of length `T`.
#[inline(always)]
fn permute_slice<const T: usize>(state: &mut [Fr], tb: &Tables) {
    let x: &mut [Fr; T] =
        state.try_into().unwrap_or_else(|_| unreachable!("the width was matched to the state's length"));
    permute_fixed(x, tb);
}

/// The first element of the permutation of `[0, inputs…]` (width `T = inputs.len() + 1`).
#[inline(always)]
fn hash_fixed<const T: usize>(inputs: &[Fr], tb: &Tables) -> Fr {
    let mut x = [Fr::zero(); T];
    x[1..].copy_from_slice(inputs);
    permute_fixed(&mut x, tb);
    x[0]
}

/// Calls `$f::<T>($args…)` for the width `T = $width` (2 to `MAX_INPUTS + 1`).
macro_rules! by_width {
    ($width:expr, $f:ident($($arg:expr),*)) => {
        match $width {
            2 => $f::<2>($($arg),*),
            3 => $f::<3>($($arg),*),
            4 => $f::<4>($($arg),*),
            5 => $f::<5>($($arg),*),
            6 => $f::<6>($($arg),*),
            7 => $f::<7>($($arg),*),
            8 => $f::<8>($($arg),*),
            9 => $f::<9>($($arg),*),
            10 => $f::<10>($($arg),*),
            11 => $f::<11>($($arg),*),
            12 => $f::<12>($($arg),*),
            13 => $f::<13>($($arg),*),
            w => unreachable!("width {w} passed the arity check"),
        }
    };
}

/// Poseidon hash of `inputs` (1 to [`MAX_INPUTS`] field elements), as circomlib's `Poseidon(n)`.
pub fn hash(inputs: &[Fr]) -> Result<Fr, PoseidonError> {
    let tb = Tables::get(inputs.len())?;
    Ok(by_width!(inputs.len() + 1, hash_fixed(inputs, tb)))
}

/// Poseidon of a fixed-size array: the arity is checked at compile time.
pub fn hash_n<const N: usize>(inputs: &[Fr; N]) -> Fr {
    const { assert!(N >= 1 && N <= MAX_INPUTS, "poseidon arity out of range") };
    hash(inputs).unwrap_or_else(|e| unreachable!("arity checked at compile time: {e}"))
}

/// The Poseidon permutation of circomlib's parameters on a whole state of width
/// `state.len()` (2 to `MAX_INPUTS + 1`), in place.
///
/// [`hash`] is its first output on `[0, inputs…]`; Poseidon encryption (`@zk-kit/poseidon-cipher`,
/// as MACI uses it; see [`crate::vote::cipher`]) needs all of the state.
pub fn permute(state: &mut [Fr]) -> Result<(), PoseidonError> {
    // A width-t state is the permutation of the (t - 1)-input hash; errors name t - 1.
    let tb = Tables::get(state.len().saturating_sub(1))?;
    by_width!(state.len(), permute_slice(state, tb));
    Ok(())
}

/// `Poseidon([left, right])`: the Merkle tree's node hash.
pub fn hash2(left: Fr, right: Fr) -> Fr {
    hash_n(&[left, right])
}
