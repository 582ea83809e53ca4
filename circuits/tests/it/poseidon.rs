//! Poseidon: circomlib known answers, native vs gadget, soundness, pinned cost.

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
