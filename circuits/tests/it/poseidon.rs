//! Poseidon: circomlib known answers, the optimized native permutation vs light-poseidon and a
//! plain reference, native vs gadget, soundness, pinned cost.

use ark_bn254::Fr;
use ark_r1cs_std::alloc::AllocVar;
use ark_r1cs_std::eq::EqGadget;
use ark_r1cs_std::fields::fp::FpVar;
use ark_r1cs_std::GR1CSVar;
use ark_std::UniformRand;
use ccr_circuits::poseidon::{self, constraints as gadget, PoseidonError, MAX_INPUTS};
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;

use crate::common::{assert_satisfied, assert_snapshot, assert_unsatisfied, fixture, fr, new_cs, MODES};

#[test]
fn circomlib_published_vectors() {
    // circomlib's test/poseidoncircuit.js and DESIGN.md.
    assert_eq!(
        poseidon::hash2(Fr::from(1u64), Fr::from(2u64)),
        fr("7853200120776062878684798364095072458815029376092732009249414926327459813530")
    );
    let hex = |h: &str| {
        use ark_ff::PrimeField;
        Fr::from_be_bytes_mod_order(&hex::decode(h).unwrap())
    };
    assert_eq!(
        poseidon::hash2(Fr::from(1u64), Fr::from(2u64)),
        hex("115cc0f5e7d690413df64c6b9662e9cf2a3617f2743245519e19607a4417189a")
    );
    assert_eq!(
        poseidon::hash2(Fr::from(3u64), Fr::from(4u64)),
        hex("20a3af0435914ccd84b806164531b0cd36e37d4efb93efab76913a93e1f30996")
    );
    assert_eq!(
        poseidon::hash_n(&[Fr::from(1u64), Fr::from(2u64), Fr::from(3u64)]),
        hex("0e7732d89e6939c0ff03d5e58dab6302f3230e269dc5b968f725df34ab36d732")
    );
}

#[test]
fn native_matches_circomlibjs_for_every_arity() {
    let fx = fixture("poseidon_circomlibjs.json");
    let vectors = fx["vectors"].as_array().unwrap();
    assert_eq!(vectors.len(), 3 * MAX_INPUTS);
    for v in vectors {
        let inputs: Vec<Fr> =
            v["inputs"].as_array().unwrap().iter().map(|x| fr(x.as_str().unwrap())).collect();
        assert_eq!(poseidon::hash(&inputs).unwrap(), fr(v["output"].as_str().unwrap()), "inputs {inputs:?}");
    }
}

/// The plain permutation, straight from the definition: per round add the constants, S-box
/// (every element in the full rounds, the first in the partial ones), multiply by the MDS matrix.
fn reference_permute(state: &mut [Fr]) {
    use ark_ff::Field;
    let width = state.len();
    let params = poseidon::parameters(width - 1).unwrap();
    let half_full = params.full_rounds / 2;
    for round in 0..params.full_rounds + params.partial_rounds {
        for (i, a) in state.iter_mut().enumerate() {
            *a += params.ark[round * width + i];
        }
        let full = round < half_full || round >= half_full + params.partial_rounds;
        for a in state.iter_mut().take(if full { width } else { 1 }) {
            *a = a.pow([params.alpha]);
        }
        let next: Vec<Fr> =
            params.mds.iter().map(|row| row.iter().zip(state.iter()).map(|(m, a)| *m * a).sum()).collect();
        state.copy_from_slice(&next);
    }
}

#[test]
fn native_matches_light_poseidon_for_every_arity() {
    use light_poseidon::{Poseidon, PoseidonHasher};
    let mut rng = ChaCha20Rng::seed_from_u64(3);
    for n in 1..=MAX_INPUTS {
        let mut reference = Poseidon::<Fr>::new_circom(n).unwrap();
        for trial in 0..8 {
            let inputs: Vec<Fr> = match trial {
                // Edge values first: all zero, all p − 1.
                0 => vec![Fr::from(0u64); n],
                1 => vec![-Fr::from(1u64); n],
                _ => (0..n).map(|_| Fr::rand(&mut rng)).collect(),
            };
            assert_eq!(poseidon::hash(&inputs).unwrap(), reference.hash(&inputs).unwrap(), "arity {n}");
        }
    }
    // The fixed-arity entry points run the same permutation.
    let (a, b) = (Fr::rand(&mut rng), Fr::rand(&mut rng));
    let mut reference = Poseidon::<Fr>::new_circom(2).unwrap();
    assert_eq!(poseidon::hash2(a, b), reference.hash(&[a, b]).unwrap());
    let five: [Fr; 5] = std::array::from_fn(|_| Fr::rand(&mut rng));
    let mut reference = Poseidon::<Fr>::new_circom(5).unwrap();
    assert_eq!(poseidon::hash_n(&five), reference.hash(&five).unwrap());
}

#[test]
fn permute_matches_the_plain_permutation_for_every_width() {
    let mut rng = ChaCha20Rng::seed_from_u64(4);
    for width in 2..=MAX_INPUTS + 1 {
        for trial in 0..4 {
            let state: Vec<Fr> = match trial {
                0 => vec![Fr::from(0u64); width],
                _ => (0..width).map(|_| Fr::rand(&mut rng)).collect(),
            };
            let mut fast = state.clone();
            poseidon::permute(&mut fast).unwrap();
            let mut plain = state.clone();
            reference_permute(&mut plain);
            assert_eq!(fast, plain, "width {width}, state {state:?}");
            // The hash is the first element of the permutation of [0, inputs…].
            if trial > 0 {
                let mut absorbed = state.clone();
                absorbed[0] = Fr::from(0u64);
                poseidon::permute(&mut absorbed).unwrap();
                assert_eq!(poseidon::hash(&state[1..]).unwrap(), absorbed[0], "width {width}");
            }
        }
    }
}

#[test]
fn permute_rejects_bad_widths() {
    for width in [0, 1, MAX_INPUTS + 2] {
        let mut state = vec![Fr::from(0u64); width];
        // A width-t state is the (t − 1)-input hash's: the error names t − 1.
        let got = width.saturating_sub(1);
        assert_eq!(poseidon::permute(&mut state), Err(PoseidonError::Arity { got, max: MAX_INPUTS }));
    }
}

#[test]
fn native_rejects_bad_arity() {
    assert_eq!(poseidon::hash(&[]), Err(PoseidonError::Arity { got: 0, max: MAX_INPUTS }));
    assert_eq!(
        poseidon::hash(&[Fr::from(0u64); MAX_INPUTS + 1]),
        Err(PoseidonError::Arity { got: MAX_INPUTS + 1, max: MAX_INPUTS })
    );
}

#[test]
fn gadget_matches_native_in_every_allocation_mode() {
    let mut rng = ChaCha20Rng::seed_from_u64(1);
    for n in 1..=MAX_INPUTS {
        let inputs: Vec<Fr> = (0..n).map(|_| Fr::rand(&mut rng)).collect();
        let expected = poseidon::hash(&inputs).unwrap();
        for mode in MODES {
            let cs = new_cs();
            let vars: Vec<FpVar<Fr>> =
                inputs.iter().map(|x| FpVar::new_variable(cs.clone(), || Ok(*x), mode).unwrap()).collect();
            let out = gadget::hash(&vars).unwrap();
            assert_eq!(out.value().unwrap(), expected, "arity {n}, mode {mode:?}");
            assert_satisfied(&cs);
        }
    }
}

#[test]
fn gadget_binds_output_to_inputs() {
    // From a fresh valid witness, change one input at a time: the claimed (native) output
    // no longer satisfies the system.
    let mut rng = ChaCha20Rng::seed_from_u64(2);
    let inputs: Vec<Fr> = (0..4).map(|_| Fr::rand(&mut rng)).collect();
    let claimed = poseidon::hash(&inputs).unwrap();
    for i in 0..inputs.len() {
        let mut tampered = inputs.clone();
        tampered[i] += Fr::from(1u64);
        let cs = new_cs();
        let vars: Vec<FpVar<Fr>> =
            tampered.iter().map(|x| FpVar::new_witness(cs.clone(), || Ok(*x)).unwrap()).collect();
        let expected = FpVar::new_input(cs.clone(), || Ok(claimed)).unwrap();
        gadget::hash(&vars).unwrap().enforce_equal(&expected).unwrap();
        assert_unsatisfied(&cs);
    }
    // And the untampered witness satisfies it.
    let cs = new_cs();
    let vars: Vec<FpVar<Fr>> =
        inputs.iter().map(|x| FpVar::new_witness(cs.clone(), || Ok(*x)).unwrap()).collect();
    let expected = FpVar::new_input(cs.clone(), || Ok(claimed)).unwrap();
    gadget::hash(&vars).unwrap().enforce_equal(&expected).unwrap();
    assert_satisfied(&cs);
}

#[test]
fn constraint_counts_are_pinned() {
    let mut report = String::new();
    for n in 1..=MAX_INPUTS {
        let cs = new_cs();
        let vars: Vec<FpVar<Fr>> =
            (0..n).map(|i| FpVar::new_witness(cs.clone(), || Ok(Fr::from(i as u64))).unwrap()).collect();
        let _ = gadget::hash(&vars).unwrap();
        report.push_str(&format!("poseidon({n}) = {}\n", cs.num_constraints()));
        if n == 2 {
            // circomlib's Poseidon(2) costs 240 constraints; so do we.
            assert_eq!(cs.num_constraints(), 240);
        }
    }
    assert_snapshot("poseidon_constraints", report.trim_end());
}
