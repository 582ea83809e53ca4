//! The generated Groth16 verifier on revm: accepts real batch proofs of our prover, rejects
//! every tampering; its source is pinned for the test key and reproduces the committed one.

use alloy_primitives::U256;
use alloy_sol_types::SolCall;
use ark_bn254::{Fq, Fr};
use ark_ff::PrimeField;
use ccr_circuits::batch::BatchBuilder;
use ccr_circuits::state::tx::{Deposit, Tx};
use ccr_circuits::state::RollupState;
use ccr_prover::batch::prove_batch;
use ccr_prover::export::solidity::SolidityCalldata;
use ccr_verifier_contracts::artifacts::GROTH16_VERIFIER_SOURCE;
use ccr_verifier_contracts::bindings::IBatchVerifier;
use ccr_verifier_contracts::rollup::{fr_to_u256, proof_words};
use ccr_verifier_contracts::{solidity_verifier, Artifact, Evm, GeneratorError, COMMITTED_VERIFIER_KEY};

use crate::common::{keys, operator, prover, rng, transfer, verifier, verifier_source, Member, KEY, PARAMS};

/// A fresh proven batch: two accounts opened, a transfer, a no-op. Returns the call's words.
fn proven_batch(seed: u64) -> ([U256; 8], Fr) {
    let (alice, bob) = (Member::new(1), Member::new(2));
    let mut state = RollupState::new(PARAMS).unwrap();
    let mut batch = BatchBuilder::new(&state);
    for (i, m) in [&alice, &bob].into_iter().enumerate() {
        let d = Deposit { index: i as u32, pubkey: Some(m.key.public_key()), amount: 1_000 + seed };
        batch.push(&mut state, &Tx::Deposit(d)).unwrap();
    }
    let t = transfer(&state, &alice.key, 0, 1, 250);
    batch.push(&mut state, &t).unwrap();
    let witness = batch.finish_from(&state);
    let (proof, commitment) = prove_batch(prover(), witness, &mut rng(seed)).unwrap();
    (proof_words(&proof), commitment)
}

fn verify_call(words: [U256; 8], input: U256) -> IBatchVerifier::verifyProofCall {
    IBatchVerifier::verifyProofCall {
        a: [words[0], words[1]],
        b: [[words[2], words[3]], [words[4], words[5]]],
        c: [words[6], words[7]],
        input: [input],
    }
}

fn deploy(evm: &mut Evm, artifact: &Artifact) -> alloy_primitives::Address {
    evm.deploy(operator(), artifact.deploy_code(&[])).unwrap().0
}

fn modulus<F: PrimeField>() -> U256 {
    U256::from_str_radix(&F::MODULUS.to_string(), 10).unwrap()
}

#[test]
fn accepts_a_real_batch_proof_and_rejects_tampering() {
    let mut evm = Evm::new();
    let v = deploy(&mut evm, verifier());
    let (words, commitment) = proven_batch(1);
    let c = fr_to_u256(&commitment);
    assert!(evm.call_sol(v, &verify_call(words, c)).unwrap(), "a valid proof is rejected");

    // The words are those of `SolidityCalldata` (snarkjs's soliditycalldata), selector included.
    let call = verify_call(words, c);
    let calldata = SolidityCalldata {
        a: [words[0].to_be_bytes(), words[1].to_be_bytes()],
        b: [
            [words[2].to_be_bytes(), words[3].to_be_bytes()],
            [words[4].to_be_bytes(), words[5].to_be_bytes()],
        ],
        c: [words[6].to_be_bytes(), words[7].to_be_bytes()],
        input: vec![c.to_be_bytes()],
    };
    assert_eq!(call.abi_encode(), calldata.encode_call(IBatchVerifier::verifyProofCall::SELECTOR));
    assert_eq!(IBatchVerifier::verifyProofCall::SIGNATURE, calldata.function_signature());

    // A tampered public input: plus one, another batch's commitment, the same plus r.
    let reject = |evm: &mut Evm, words: [U256; 8], input: U256, what: &str| {
        assert!(!evm.call_sol(v, &verify_call(words, input)).unwrap(), "{what} accepted");
    };
    reject(&mut evm, words, fr_to_u256(&(commitment + Fr::from(1u64))), "commitment + 1");
    let (other_words, other) = proven_batch(2);
    reject(&mut evm, words, fr_to_u256(&other), "another batch's commitment");
    reject(&mut evm, words, c + modulus::<Fr>(), "commitment + r (non-canonical input)");
    assert!(evm.call_sol(v, &verify_call(other_words, fr_to_u256(&other))).unwrap());

    // A tampered proof: each word changed in turn, a coordinate plus q, A and C swapped, another
    // batch's proof.
    for i in 0..8 {
        let mut w = words;
        w[i] += U256::from(1u64);
        reject(&mut evm, w, c, &format!("proof word {i} + 1"));
        let mut w = words;
        w[i] += modulus::<Fq>();
        reject(&mut evm, w, c, &format!("proof word {i} + q"));
    }
    let mut swapped = words;
    swapped[..2].copy_from_slice(&words[6..]);
    swapped[6..].copy_from_slice(&words[..2]);
    reject(&mut evm, swapped, c, "A and C swapped");
    reject(&mut evm, other_words, c, "another batch's proof");
}

#[test]
fn verifier_gas() {
    let mut evm = Evm::new();
    let (v, receipt) = evm.deploy(operator(), verifier().deploy_code(&[])).unwrap();
    let (words, commitment) = proven_batch(3);
    let call = verify_call(words, fr_to_u256(&commitment));
    let tx = evm.transact_sol(operator(), v, U256::ZERO, &call).unwrap();
    println!(
        "Groth16 verifier (1 public input): deploy {} gas, verifyProof transaction {} gas ({} bytes of code)",
        receipt.gas_used,
        tx.gas_used,
        verifier().deployed_bytecode.len()
    );
    // 181,000 of pairing + 6,150 for vk_x + 21,000 base + calldata: a regression guard, not a timing.
    assert!((200_000..240_000).contains(&tx.gas_used), "verifyProof costs {} gas", tx.gas_used);
}

/// The generated source for the test key is pinned; `UPDATE_SNAPSHOTS=1` rewrites it.
#[test]
fn generated_verifier_source_is_pinned() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/snapshots/Groth16Verifier_d8_n4.sol");
    let source = verifier_source();
    if std::env::var_os("UPDATE_SNAPSHOTS").is_some() {
        std::fs::write(path, &source).unwrap();
    }
    let pinned = std::fs::read_to_string(path).unwrap();
    assert!(source == pinned, "the generated verifier changed; rerun with UPDATE_SNAPSHOTS=1 if intended");
    // The same key hash as the prover's pinned snapshot.
    let hash = include_str!("../../../prover/tests/snapshots/batch_d8_n4_vk_hash.txt").trim();
    assert!(source.contains(&format!("verifying-key hash {hash}")));
}

/// The committed `src/Groth16Verifier.sol` is the generator's output for
/// `COMMITTED_VERIFIER_KEY` (a depth-24 setup: ~45 s in the test profile, so not run by default;
/// `cargo test -p ccr-verifier-contracts -- --ignored`).
#[test]
#[ignore = "depth-24 development setup, ~45 s"]
fn committed_verifier_is_the_committed_key() {
    let keypair = COMMITTED_VERIFIER_KEY.keypair().unwrap();
    let source = COMMITTED_VERIFIER_KEY.verifier_source(&keypair.vk, "Groth16Verifier").unwrap();
    assert!(source == GROTH16_VERIFIER_SOURCE, "regenerate with the generate_verifier example");
}

#[test]
fn committed_verifier_names_its_key() {
    let key = COMMITTED_VERIFIER_KEY;
    assert_eq!((key.params.depth, key.params.batch_size), (24, 16));
    assert!(GROTH16_VERIFIER_SOURCE.contains("@custom:key batch-d24-n16, verifying-key hash "));
    assert!(GROTH16_VERIFIER_SOURCE.contains("INSECURE development key"));
    assert!(GROTH16_VERIFIER_SOURCE.contains(&format!("0x{}", "42".repeat(32))));
}

#[test]
fn generator_output_is_deterministic_and_checked() {
    let vk = &keys().vk;
    assert_eq!(solidity_verifier(vk, "V", "a\nb").unwrap(), solidity_verifier(vk, "V", "a\nb").unwrap());
    for bad in ["", "1V", "V-1", "V W", "Vé"] {
        assert_eq!(solidity_verifier(vk, bad, ""), Err(GeneratorError::ContractName(bad.into())));
    }
    assert_eq!(solidity_verifier(vk, "V", "a\u{7}"), Err(GeneratorError::Notice));
    let mut no_ic = vk.clone();
    no_ic.gamma_abc_g1.clear();
    assert_eq!(solidity_verifier(&no_ic, "V", ""), Err(GeneratorError::NoPublicInputs));

    // Constants are the decimal integers of the key (snarkjs's verification_key.json values).
    let source = solidity_verifier(vk, "V", "").unwrap();
    let snark = ccr_prover::export::snarkjs::SnarkjsVerifyingKey::from_vk(vk);
    assert!(source.contains(&format!("ALPHA_X = {};", snark.vk_alpha_1[0])));
    // G2 imaginary part first: snarkjs JSON lists [c0, c1].
    assert!(source.contains(&format!("DELTA_X_IM = {};", snark.vk_delta_2[0][1])));
    assert!(source.contains(&format!("DELTA_X_RE = {};", snark.vk_delta_2[0][0])));
    assert!(source.contains(&format!("IC1_Y = {};", snark.ic[1][1])));
}

/// A verifier for a key with several public inputs (the generator is not batch-specific).
#[test]
fn verifier_for_two_public_inputs() {
    use ark_r1cs_std::{fields::fp::FpVar, prelude::*};
    use ark_relations::gr1cs::{ConstraintSynthesizer, ConstraintSystemRef, SynthesisError};

    /// Knowledge of x with x² = z and x³ = w (z, w public).
    #[derive(Clone)]
    struct Powers(Fr);
    impl ConstraintSynthesizer<Fr> for Powers {
        fn generate_constraints(self, cs: ConstraintSystemRef<Fr>) -> Result<(), SynthesisError> {
            let z = FpVar::new_input(cs.clone(), || Ok(self.0 * self.0))?;
            let w = FpVar::new_input(cs.clone(), || Ok(self.0 * self.0 * self.0))?;
            let x = FpVar::new_witness(cs, || Ok(self.0))?;
            let x2 = x.square()?;
            // x² = z
            x2.enforce_equal(&z)?;
            // x² · x = w
            (x2 * &x).enforce_equal(&w)
        }
    }
    let keys = ccr_prover::dev_setup(Powers(Fr::from(3u64)), [1; 32]).unwrap();
    let (proof, public) =
        ccr_prover::prove_with_public_inputs(&keys.pk, Powers(Fr::from(3u64)), &mut rng(4)).unwrap();
    let source = solidity_verifier(&keys.vk, "PowersVerifier", "test circuit").unwrap();
    let artifact = ccr_verifier_contracts::solc::compile_contract(
        &ccr_verifier_contracts::solc::js_tools_dir(),
        "PowersVerifier",
        &source,
    )
    .unwrap();
    let mut evm = Evm::new();
    let v = deploy(&mut evm, &artifact);
    let call = |public: &[Fr]| SolidityCalldata::new(&proof, public);
    let run = |evm: &mut Evm, c: SolidityCalldata| {
        let selector = alloy_primitives::keccak256(c.function_signature().as_bytes());
        let out = evm.call(operator(), v, c.encode_call(selector[..4].try_into().unwrap()).into()).unwrap();
        U256::from_be_slice(&out.output) == U256::from(1u64)
    };
    assert_eq!(public, [Fr::from(9u64), Fr::from(27u64)]);
    assert!(run(&mut evm, call(&public)));
    assert!(!run(&mut evm, call(&[Fr::from(27u64), Fr::from(9u64)])));
    assert!(!run(&mut evm, call(&[Fr::from(9u64), Fr::from(28u64)])));
}

/// The interfaces bound in Rust are those of the compiled contracts.
#[test]
fn bindings_match_the_artifacts() {
    let selectors = |artifact: &Artifact| -> Vec<String> {
        artifact
            .abi
            .as_array()
            .unwrap()
            .iter()
            .filter(|item| item["type"] == "function")
            .map(|f| {
                let inputs: Vec<&str> =
                    f["inputs"].as_array().unwrap().iter().map(|i| i["type"].as_str().unwrap()).collect();
                format!("{}({})", f["name"].as_str().unwrap(), inputs.join(","))
            })
            .collect()
    };
    let committed = Artifact::groth16_verifier().unwrap();
    assert_eq!(selectors(&committed), [IBatchVerifier::verifyProofCall::SIGNATURE]);
    assert_eq!(selectors(verifier()), [IBatchVerifier::verifyProofCall::SIGNATURE]);
    let poseidon = Artifact::poseidon_t6().unwrap();
    assert!(selectors(&poseidon)
        .contains(&ccr_verifier_contracts::bindings::IPoseidon5::poseidonCall::SIGNATURE.to_string()));
    let _ = KEY;
}

/// Every known development key is what its setup makes today, and is recognised; a key from
/// another seed is not.
#[test]
fn known_dev_keys_are_the_development_setups() {
    use ccr_circuits::credit::EligibilityShape;
    use ccr_circuits::vote::{tally_witness::TallyParams, trees::VoteParams};
    use ccr_prover::eligibility::{dev_setup_eligibility, DEV_ELIGIBILITY_SEED};
    use ccr_prover::key_hash;
    use ccr_prover::vote::{dev_setup_process, dev_setup_tally};
    use ccr_verifier_contracts::dev::{known_dev_key, stand_in_eligibility_key, KNOWN_DEV_KEYS};

    // The committed verifier names its key's hash (its setup is the ignored test above).
    assert!(GROTH16_VERIFIER_SOURCE.contains(&format!("verifying-key hash {}", KNOWN_DEV_KEYS[0].vk_hash)));
    // The devnet's poll sizes and seeds (ccr_devnet::DEVNET_POLL, POLL_PROCESS_SEED, POLL_TALLY_SEED).
    let poll = VoteParams { state_depth: 3, vote_depth: 1, batch_size: 4 };
    let tally = TallyParams::new(&poll, 8).unwrap();
    let setups = [
        (1, keys().vk.clone()),
        (2, dev_setup_eligibility(EligibilityShape::PRODUCTION, 24, DEV_ELIGIBILITY_SEED).unwrap().vk),
        (3, dev_setup_eligibility(EligibilityShape::PRODUCTION, 8, DEV_ELIGIBILITY_SEED).unwrap().vk),
        (4, dev_setup_process(poll, [0x50; 32]).unwrap().vk),
        (5, dev_setup_tally(tally, [0x7a; 32]).unwrap().vk),
    ];
    for (i, vk) in setups {
        let known = KNOWN_DEV_KEYS[i];
        assert_eq!(key_hash(&vk).unwrap(), known.vk_hash, "{}", known.circuit);
        assert_eq!(known_dev_key(&vk).unwrap(), Some(known));
    }
    assert!(known_dev_key(&stand_in_eligibility_key(3)).unwrap().is_some());
    let other = dev_setup_eligibility(EligibilityShape::PRODUCTION, 8, [0x0e; 32]).unwrap().vk;
    assert_eq!(known_dev_key(&other).unwrap(), None);
}
