//! `BatchVerifier.verifyBatch` on revm with real proofs of a synthetic circuit with 14 public
//! inputs (the eligibility statement's count): valid batches pass, every tampering fails, and
//! each answer is the Rust verifier's; malformed calls revert with named errors; gas by batch
//! size.

use std::sync::OnceLock;

use alloy_primitives::{Address, U256};
use alloy_sol_types::SolCall;
use ark_bn254::Fq;
use ark_ff::{PrimeField, UniformRand};
use ark_r1cs_std::{fields::fp::FpVar, prelude::*};
use ark_relations::gr1cs::{ConstraintSynthesizer, ConstraintSystemRef, SynthesisError};
use ccr_prover::export::solidity::SolidityCalldata;
use ccr_prover::{dev_setup, prove_with_public_inputs, verify, Bn254, Fr, Keypair, Proof};
use ccr_verifier_contracts::batch_verify::abi::BatchVerifierHarness::BatchVerifierHarnessErrors as E;
use ccr_verifier_contracts::batch_verify::{
    calldata_gas, contract_error, input_words, proof_words, verify_batch_call, vk_from_words, vk_words,
    BatchVerifierHarness, BATCH_VERIFIER_HARNESS_SOURCE, BATCH_VERIFIER_SOURCE, VK_STORE_SOURCE,
};
use ccr_verifier_contracts::{solc, solidity_verifier, Artifact, Evm};

use crate::common::{operator, rng};

/// Public inputs of the synthetic statement (as the eligibility statement).
const N: usize = 14;

/// Knowledge of `w_0..w_13` with `w_j² = x_j` for the public `x_j`.
#[derive(Clone)]
struct Squares(Vec<Fr>);

impl ConstraintSynthesizer<Fr> for Squares {
    fn generate_constraints(self, cs: ConstraintSystemRef<Fr>) -> Result<(), SynthesisError> {
        for w in self.0 {
            let x = FpVar::new_input(cs.clone(), || Ok(w * w))?;
            let w = FpVar::new_witness(cs.clone(), || Ok(w))?;
            // w² = x
            w.square()?.enforce_equal(&x)?;
        }
        Ok(())
    }
}

/// Random-looking witnesses, so the public inputs are full-size words (the worst case for
/// calldata gas, as hashes and nullifiers are).
fn statement(seed: u64) -> Squares {
    let mut r = rng(1_000 + seed);
    Squares((0..N).map(|_| Fr::rand(&mut r)).collect())
}

/// The key of [`Squares`] (one setup per test binary).
fn keys() -> &'static Keypair {
    static KEYS: OnceLock<Keypair> = OnceLock::new();
    KEYS.get_or_init(|| dev_setup(statement(0), [21; 32]).expect("dev setup"))
}

/// Another key of the same circuit (another setup seed).
fn other_keys() -> &'static Keypair {
    static KEYS: OnceLock<Keypair> = OnceLock::new();
    KEYS.get_or_init(|| dev_setup(statement(0), [22; 32]).expect("dev setup"))
}

/// A fresh proof of `statement(seed)` under `keys` and its public inputs.
fn proven(keys: &Keypair, seed: u64) -> (Proof<Bn254>, Vec<Fr>) {
    prove_with_public_inputs(&keys.pk, statement(seed), &mut rng(seed)).expect("prove")
}

/// `n` fresh proofs under [`keys`].
fn batch(n: u64) -> Vec<(Proof<Bn254>, Vec<Fr>)> {
    (1..=n).map(|seed| proven(keys(), seed)).collect()
}

/// A chain with the harness and the keys of [`keys`] and [`other_keys`] stored.
struct World {
    evm: Evm,
    harness: BatchVerifierHarness,
    vk: Address,
    other_vk: Address,
}

impl World {
    fn new() -> Self {
        let mut evm = Evm::new();
        let (harness, _) = BatchVerifierHarness::deploy(&mut evm, operator()).unwrap();
        let (vk, _) = harness.store_vk(&mut evm, operator(), &keys().vk).unwrap();
        let (other_vk, _) = harness.store_vk(&mut evm, operator(), &other_keys().vk).unwrap();
        Self { evm, harness, vk, other_vk }
    }

    /// `verifyBatch` of the words; panics on a revert.
    fn words(&mut self, vk: Address, proofs: &[[U256; 8]], inputs: &[Vec<U256>]) -> (bool, u64) {
        self.harness.verify_batch(&mut self.evm, vk, proofs, inputs).unwrap_or_else(|e| panic!("{e}"))
    }

    /// `verifyBatch` of the proofs under [`keys`], asserted equal to the Rust verifier's answer
    /// (every proof valid).
    fn check(&mut self, batch: &[(Proof<Bn254>, Vec<Fr>)]) -> bool {
        let rust = batch.iter().all(|(p, x)| verify(&keys().vk, x, p).unwrap());
        let (proofs, inputs) = encode(batch);
        let (evm, _) = self.words(self.vk, &proofs, &inputs);
        assert_eq!(evm, rust, "the contract and the Rust verifier disagree");
        evm
    }
}

fn encode(batch: &[(Proof<Bn254>, Vec<Fr>)]) -> (Vec<[U256; 8]>, Vec<Vec<U256>>) {
    batch.iter().map(|(p, x)| (proof_words(p), input_words(x))).unzip()
}

fn modulus<F: PrimeField>() -> U256 {
    U256::from_str_radix(&F::MODULUS.to_string(), 10).unwrap()
}

#[test]
fn batch_verify_accepts_valid_batches() {
    let mut w = World::new();
    let proofs = batch(5);
    for n in [1, 2, 5] {
        assert!(w.check(&proofs[..n]), "a valid batch of {n} is rejected");
    }
    // Any order, and a batch that does not start with proof 0.
    let reversed: Vec<_> = proofs.iter().rev().cloned().collect();
    assert!(w.check(&reversed));
    assert!(w.check(&proofs[3..]));
    // The other key's proofs under the other key.
    let other: Vec<_> = (1..=3).map(|seed| proven(other_keys(), seed)).collect();
    let (p, x) = encode(&other);
    assert!(w.words(w.other_vk, &p, &x).0);
}

#[test]
fn batch_verify_of_nothing_is_true() {
    let mut w = World::new();
    let (ok, _) = w.words(w.vk, &[], &[]);
    assert!(ok);
    // Without reading the key: any pointer.
    assert!(w.words(Address::repeat_byte(0x77), &[], &[]).0);
}

/// Each of A, B, C of one proof among 5 replaced by the point of another valid proof (on the
/// curve, in the subgroup: only the pairing check can catch it), at position 0 (coefficient 1)
/// and 3 (a random coefficient).
#[test]
fn batch_verify_rejects_one_tampered_proof() {
    let mut w = World::new();
    let valid = batch(6);
    let donor = valid[5].0.clone();
    for at in [0, 3] {
        for part in ["A", "B", "C"] {
            let mut tampered = valid[..5].to_vec();
            let p = &mut tampered[at].0;
            match part {
                "A" => p.a = donor.a,
                "B" => p.b = donor.b,
                _ => p.c = donor.c,
            }
            assert!(!w.check(&tampered), "proof {at} with another {part} accepted");
        }
    }
}

#[test]
fn batch_verify_rejects_tampered_inputs() {
    let mut w = World::new();
    let valid = batch(5);
    // One public input changed.
    let mut tampered = valid.clone();
    tampered[2].1[7] += Fr::from(1u64);
    assert!(!w.check(&tampered));
    // The inputs of two proofs swapped.
    let mut swapped = valid.clone();
    let x1 = swapped[1].1.clone();
    swapped[1].1 = swapped[4].1.clone();
    swapped[4].1 = x1;
    assert!(!w.check(&swapped));
    // Two inputs of one proof swapped.
    let mut within = valid;
    within[0].1.swap(0, 13);
    assert!(!w.check(&within));
}

/// Same value modulo r or q, another encoding: refused, so no statement has two encodings.
#[test]
fn batch_verify_rejects_non_canonical_words() {
    let mut w = World::new();
    let (proofs, inputs) = encode(&batch(3));
    assert!(w.words(w.vk, &proofs, &inputs).0);
    for (i, j) in [(0, 0), (2, 13)] {
        let mut x = inputs.clone();
        x[i][j] += modulus::<Fr>();
        assert!(!w.words(w.vk, &proofs, &x).0, "input {j} of proof {i} + r accepted");
    }
    for (i, k) in [(0, 1), (1, 0), (2, 4), (1, 7)] {
        let mut p = proofs.clone();
        p[i][k] += modulus::<Fq>();
        assert!(!w.words(w.vk, &p, &inputs).0, "word {k} of proof {i} + q accepted");
    }
    // Off the curve: false, not a revert. A and C are checked before any precompile call (a
    // cheap refusal); a bad B is refused by the pairing precompile, whose failure burns the
    // gas it was given.
    for (i, k) in [(0, 1), (1, 1), (2, 7), (1, 3), (0, 5)] {
        let mut p = proofs.clone();
        p[i][k] += U256::from(1u64);
        let (ok, gas) = w.words(w.vk, &p, &inputs);
        assert!(!ok, "word {k} of proof {i} + 1 accepted");
        if !(2..6).contains(&k) {
            assert!(gas < 200_000, "an A or C off the curve cost {gas} gas");
        }
    }
}

#[test]
fn batch_verify_rejects_a_proof_of_another_key() {
    let mut w = World::new();
    let mut mixed = batch(4);
    let foreign = proven(other_keys(), 9);
    assert!(verify(&other_keys().vk, &foreign.1, &foreign.0).unwrap());
    mixed[2] = foreign.clone();
    assert!(!w.check(&mixed));
    // And a valid batch under the wrong key.
    let (p, x) = encode(&batch(2));
    assert!(!w.words(w.other_vk, &p, &x).0);
    let (p, x) = encode(&[foreign]);
    assert!(!w.words(w.vk, &p, &x).0);
}

/// A repeated proof is a valid proof: the batch passes (each copy gets its own coefficient).
/// Refusing a repeated statement (a spent nullifier) is the caller's job.
#[test]
fn batch_verify_accepts_duplicates_of_valid_proofs_only() {
    let mut w = World::new();
    let valid = batch(3);
    let dup = vec![valid[0].clone(), valid[1].clone(), valid[0].clone(), valid[0].clone()];
    assert!(w.check(&dup));
    // Two copies of an invalid proof do not cancel out.
    let mut bad = valid[1].clone();
    bad.0.c = valid[2].0.c;
    assert!(!w.check(&[bad.clone(), bad.clone()]));
    assert!(!w.check(&[valid[0].clone(), bad.clone(), bad]));
}

#[test]
fn batch_verify_reverts_on_malformed_calls() {
    let mut w = World::new();
    let (proofs, inputs) = encode(&batch(3));
    let vk = w.vk;
    let err = |w: &mut World, vk: Address, p: &[[U256; 8]], x: &[Vec<U256>]| {
        let e = w.harness.verify_batch(&mut w.evm, vk, p, x).expect_err("a malformed call is accepted");
        contract_error(&e).unwrap_or_else(|| panic!("not a named error: {e}"))
    };
    // One input too many, one too few.
    let mut x = inputs.clone();
    x[1].push(U256::from(1u64));
    match err(&mut w, vk, &proofs, &x) {
        E::BatchInputCount(e) => {
            assert_eq!((e.proof, e.got, e.expected), (U256::from(1), U256::from(15), U256::from(14)));
        }
        other => panic!("{other:?}"),
    }
    let mut x = inputs.clone();
    x[2].pop();
    assert!(matches!(err(&mut w, vk, &proofs, &x), E::BatchInputCount(e) if e.proof == U256::from(2)));
    // Proofs and inputs of different lengths.
    match err(&mut w, vk, &proofs, &inputs[..2]) {
        E::BatchLengthMismatch(e) => assert_eq!((e.proofs, e.inputs), (U256::from(3), U256::from(2))),
        other => panic!("{other:?}"),
    }
    // No key at the pointer: an account without code, the harness itself.
    for pointer in [Address::repeat_byte(0x77), w.harness.address] {
        assert!(
            matches!(err(&mut w, pointer, &proofs, &inputs), E::VkPointerInvalid(e) if e.pointer == pointer)
        );
    }
}

#[test]
fn vk_store_round_trip_and_malformed_keys() {
    let mut w = World::new();
    let words = vk_words(&keys().vk);
    assert_eq!(words.len(), 16 + 2 * N);
    assert_eq!(w.harness.read_vk(&mut w.evm, w.vk).unwrap(), words);
    // What a reader of the data contract (the sequencer) rebuilds is the key itself.
    assert_eq!(vk_from_words(&words).unwrap(), keys().vk);
    let mut off_curve = words.clone();
    off_curve[1] += U256::from(1u64);
    assert!(vk_from_words(&off_curve).unwrap_err().contains("alpha"));
    let mut bad_g2 = words.clone();
    bad_g2[2] += U256::from(1u64);
    assert!(vk_from_words(&bad_g2).unwrap_err().contains("beta"));
    assert!(vk_from_words(&words[..words.len() - 1]).is_err());
    let count = w
        .evm
        .call_sol(
            w.harness.address,
            &ccr_verifier_contracts::batch_verify::abi::BatchVerifierHarness::vkInputCountCall {
                pointer: w.vk,
            },
        )
        .unwrap();
    assert_eq!(count, U256::from(N));
    // The data contract is 0x00 followed by the words.
    let code = w.evm.code(w.vk);
    assert_eq!(code[0], 0);
    assert_eq!(code.len(), 1 + 32 * words.len());
    // Lengths that are not 16 + 2N.
    for len in [0, 14, 15, 17, 16 + 2 * N + 1] {
        let e = w
            .harness
            .store_words(&mut w.evm, operator(), vec![U256::from(1u64); len])
            .expect_err("a malformed key is stored");
        assert!(
            matches!(contract_error(&e), Some(E::VkWordCount(c)) if c.words == U256::from(len)),
            "{len} words: {e}"
        );
    }
    // Above the code size limit (EIP-170: 375 public inputs at most).
    for (inputs, stored) in [(375, true), (376, false)] {
        let r = w.harness.store_words(&mut w.evm, operator(), vec![U256::from(1u64); 16 + 2 * inputs]);
        match r {
            Ok(_) => assert!(stored, "{inputs} public inputs stored"),
            Err(e) => {
                assert!(!stored, "{inputs} public inputs: {e}");
                assert!(matches!(contract_error(&e), Some(E::VkStoreFailed(_))), "{e}");
            }
        }
    }
    // A key without public inputs (16 words) is well formed.
    let (p, _) = w.harness.store_words(&mut w.evm, operator(), vec![U256::from(1u64); 16]).unwrap();
    assert_eq!(w.harness.read_vk(&mut w.evm, p).unwrap().len(), 16);
}

/// One proof: the batch verifier answers as the generated single-proof verifier of the key.
#[test]
fn batch_verify_of_one_proof_equals_the_single_verifier() {
    let mut w = World::new();
    let source = solidity_verifier(&keys().vk, "SquaresVerifier", "batch verifier test circuit").unwrap();
    let single = solc::compile_contract(&solc::js_tools_dir(), "SquaresVerifier", &source)
        .unwrap_or_else(|e| panic!("{e}"));
    let (verifier, _) = w.evm.deploy(operator(), single.deploy_code(&[])).unwrap();
    let (proof, x) = proven(keys(), 7);
    let mut bad_input = x.clone();
    bad_input[5] += Fr::from(1u64);
    let mut bad_proof = proof.clone();
    bad_proof.a = proven(keys(), 8).0.a;
    for (p, x, expected) in [(&proof, &x, true), (&proof, &bad_input, false), (&bad_proof, &x, false)] {
        let c = SolidityCalldata::new(p, x);
        let selector = alloy_primitives::keccak256(c.function_signature().as_bytes());
        let out = w.evm.call(operator(), verifier, c.encode_call(selector[..4].try_into().unwrap()).into());
        let out = out.unwrap();
        let single_ok = U256::from_be_slice(&out.output) == U256::from(1u64);
        let (batch_ok, batch_gas) = w.words(w.vk, &[proof_words(p)], &[input_words(x)]);
        assert_eq!((single_ok, batch_ok), (expected, expected));
        if expected {
            println!("one proof, {N} inputs: verifyProof {} gas, verifyBatch {batch_gas} gas", out.gas_used);
        }
    }
}

/// The committed artifacts are what the pinned solc-js makes of the sources.
#[test]
fn batch_verifier_artifacts_are_the_compiled_sources() {
    let compiled = solc::compile(
        &solc::js_tools_dir(),
        &[
            ("BatchVerifier.sol", BATCH_VERIFIER_SOURCE),
            ("BatchVerifierHarness.sol", BATCH_VERIFIER_HARNESS_SOURCE),
            ("VkStore.sol", VK_STORE_SOURCE),
        ],
    )
    .unwrap_or_else(|e| panic!("{e}"));
    use ccr_verifier_contracts::batch_verify::{BATCH_VERIFIER_JSON, VK_STORE_JSON};
    let harness = BatchVerifierHarness::artifact().unwrap();
    let library = Artifact::from_json("BatchVerifier", BATCH_VERIFIER_JSON).unwrap();
    let store = Artifact::from_json("VkStore", VK_STORE_JSON).unwrap();
    for committed in [harness, library, store] {
        assert!(
            compiled[&committed.contract_name] == committed,
            "artifacts/{}.json is stale: run `node tools/js/build-contracts.js`",
            committed.contract_name
        );
    }
}

/// Gas of `verifyBatch` by batch size (printed; `--nocapture` to see it). Gas is deterministic.
#[test]
fn batch_verify_gas() {
    let mut w = World::new();
    let proofs = batch(16);
    let mut rows = Vec::new();
    for n in [1usize, 2, 4, 8, 16] {
        let (p, x) = encode(&proofs[..n]);
        let (ok, gas) = w.words(w.vk, &p, &x);
        assert!(ok);
        let calldata = calldata_gas(&verify_batch_call(w.vk, &p, &x).abi_encode());
        rows.push((n, gas, calldata));
    }
    // One proof's share of the calldata: its 8 words, the offset and length of its inputs,
    // its 14 inputs.
    let (p, x) = encode(&proofs[..1]);
    let one = [&p[0][..], &[U256::from(32 * 16), U256::from(N)], &x[0][..]].concat();
    let one_proof_calldata: u64 = one.iter().map(|w| calldata_gas(&w.to_be_bytes::<32>())).sum();

    let (_, store_gas) = w.harness.store_vk(&mut w.evm, operator(), &keys().vk).unwrap();
    println!("storeVk ({N} public inputs, {} words): {store_gas} gas", vk_words(&keys().vk).len());
    println!("verifyBatch, {N} public inputs (tx gas = 21,000 + calldata + execution):");
    println!("| proofs | tx gas | calldata gas | execution | per proof |");
    for &(n, gas, calldata) in &rows {
        let exec = gas - 21_000 - calldata;
        println!("| {n} | {gas} | {calldata} | {exec} | {} |", gas / n as u64);
    }
    let (g1, g16) = (rows[0].1, rows[4].1);
    let (c1, c16) = (rows[0].2, rows[4].2);
    let per_extra = (g16 - g1) / 15;
    let per_extra_calldata = (c16 - c1) / 15;
    println!(
        "per extra proof: {per_extra} gas (calldata {per_extra_calldata}, execution {}); one proof's \
         words alone: {one_proof_calldata} calldata gas",
        per_extra - per_extra_calldata
    );
    // 2 ecMul (12,000) + 1 ecAdd (150) + 1 pairing pair (34,000) + ~12k calldata + a little.
    assert!((46_150..=80_000).contains(&per_extra), "{per_extra} gas per extra proof");
    for pair in rows.windows(2) {
        assert!(pair[1].1 > pair[0].1);
    }
}
