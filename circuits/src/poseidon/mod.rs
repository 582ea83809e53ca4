//! Poseidon over BN254 with circomlib's parameters (x^5 S-box, R_F = 8, R_P by width).
//!
//! The native hash delegates to [`light_poseidon`], whose constants are circomlib's.
//! The gadget in [`constraints`] reads the very same constants through [`parameters`],
//! so the two can never drift apart.
//!
//! Known answer (circomlib): `Poseidon([1, 2]) =
//! 7853200120776062878684798364095072458815029376092732009249414926327459813530`.

pub mod constraints;

use std::cell::RefCell;
use std::sync::OnceLock;

use ark_bn254::Fr;
use light_poseidon::{Poseidon, PoseidonHasher, PoseidonParameters};

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

thread_local! {
    static HASHERS: RefCell<Vec<Option<Poseidon<Fr>>>> = RefCell::new((0..MAX_INPUTS).map(|_| None).collect());
}

/// Poseidon hash of `inputs` (1 to [`MAX_INPUTS`] field elements), as circomlib's `Poseidon(n)`.
pub fn hash(inputs: &[Fr]) -> Result<Fr, PoseidonError> {
    let params = parameters(inputs.len())?;
    HASHERS.with(|cell| {
        let mut hashers = cell.borrow_mut();
        let hasher = hashers[inputs.len() - 1].get_or_insert_with(|| {
            Poseidon::new(PoseidonParameters::new(
                params.ark.clone(),
                params.mds.clone(),
                params.full_rounds,
                params.partial_rounds,
                params.width,
                params.alpha,
            ))
        });
        // The arity was checked against the hasher's width above.
        Ok(hasher.hash(inputs).unwrap_or_else(|e| unreachable!("poseidon arity already checked: {e}")))
    })
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
    let width = state.len();
    // A width-t state is the permutation of the (t - 1)-input hash; errors name t - 1.
    let params = parameters(width.saturating_sub(1))?;
    let rounds = params.full_rounds + params.partial_rounds;
    let half_full = params.full_rounds / 2;
    let mut next = vec![Fr::from(0u64); width];
    for round in 0..rounds {
        for (i, a) in state.iter_mut().enumerate() {
            *a += params.ark[round * width + i];
        }
        let sbox = |a: Fr| {
            let a2 = a * a;
            a2 * a2 * a
        };
        if round < half_full || round >= half_full + params.partial_rounds {
            state.iter_mut().for_each(|a| *a = sbox(*a));
        } else {
            state[0] = sbox(state[0]);
        }
        for (i, out) in next.iter_mut().enumerate() {
            *out = state.iter().zip(&params.mds[i]).map(|(a, m)| *a * m).sum();
        }
        state.copy_from_slice(&next);
    }
    Ok(())
}

/// `Poseidon([left, right])`: the Merkle tree's node hash.
pub fn hash2(left: Fr, right: Fr) -> Fr {
    hash_n(&[left, right])
}
