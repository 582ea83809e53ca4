//! A test-size multi-party setup of the eligibility circuit (`ccr_prover::ceremony` driving
//! snarkjs 0.7.5): a one-party phase 1, three contributions and a beacon, `snarkjs zkey
//! verify`, the import. A proof under the imported key verifies in our verifier, in `snarkjs
//! groth16 verify` against the key snarkjs exports from the `.zkey`, in the Solidity verifiers
//! generated from the key (ours and snarkjs's) on the EVM, and in the rollup contract, which
//! lends on it. The coordinator's checks refuse a contribution that does not
//! extend the chain, the import refuses another circuit's key and a key with no contribution.

use alloy_primitives::U256;
use ccr_prover::ceremony::snarkjs::Snarkjs;
use ccr_prover::ceremony::test_ceremony::{run_test_ceremony, Engine, TestCeremony};
use ccr_prover::ceremony::zkey::read_mpc_params;
use ccr_prover::ceremony::{check_extends, import_zkey, CeremonyCircuit};
use ccr_prover::export::snarkjs::SnarkjsVerifyingKey;
use ccr_prover::export::solidity::SolidityCalldata;
use ccr_prover::export::{write_snarkjs_files, PROOF_JSON, PUBLIC_JSON};
use ccr_prover::{key_hash, load_verifying_key, verify, CeremonyError, ProverError};
use ccr_verifier_contracts::bindings::Rollup;
use ccr_verifier_contracts::solc::{compile_contract, js_tools_dir};
use ccr_verifier_contracts::{solidity_verifier, Evm};
use rand_chacha::{rand_core::SeedableRng, ChaCha20Rng};

use crate::common::{operator, PARAMS};
use crate::credit::{credit_batch, proofs, prove, setup_with, SHAPE};
use crate::flow::events;

#[test]
fn a_ceremony_key_proves_for_our_verifier_snarkjs_and_the_rollup() {
    let snarkjs = Snarkjs::locate().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let circuit = CeremonyCircuit::Eligibility { shape: SHAPE, state_depth: PARAMS.depth };
    let mut said = Vec::new();
    let (imported, files) = run_test_ceremony(
        &Engine::Snarkjs(snarkjs.clone()),
        &circuit,
        dir.path(),
        TestCeremony { contributions: 3, verify_each: false },
        &mut ChaCha20Rng::seed_from_u64(15),
        &mut |line| {
            println!("{line}");
            said.push(line.to_owned());
        },
    )
    .unwrap();
    // One party made the phase 1: the keys say so.
    assert!(imported.keypair.insecure_dev_setup);

    // The transcript lists each contribution under the hash snarkjs printed to its contributor.
    let t = &imported.transcript;
    let kinds: Vec<&str> = t.contributions.iter().map(|c| c.kind.as_str()).collect();
    assert_eq!(kinds, ["contribution", "contribution", "contribution", "beacon"]);
    for c in &t.contributions[..3] {
        assert!(
            said.iter()
                .any(|line| line.contains(&format!("contribution {} accepted, hash {}", c.index, c.hash))),
            "contribution {}'s hash {} is not the one snarkjs printed: {said:?}",
            c.index,
            c.hash
        );
    }
    assert_eq!(t.vk_hash, key_hash(&imported.keypair.vk).unwrap());
    let phase1 = ccr_prover::ceremony::file_blake2b(files.ptau.as_ref().unwrap()).unwrap();
    assert_eq!(t.phase1_blake2b.as_deref(), Some(phase1.as_str()));
    assert_eq!(phase1.len(), 128);

    // The verifying key snarkjs exports from the final .zkey is ours.
    let final_zkey = files.zkeys.last().unwrap();
    let vk_json = dir.path().join("verification_key.json");
    snarkjs
        .run([
            "zkey".as_ref(),
            "export".as_ref(),
            "verificationkey".as_ref(),
            final_zkey.as_os_str(),
            vk_json.as_os_str(),
        ])
        .unwrap();
    assert_eq!(key_hash(&load_verifying_key(&vk_json).unwrap().vk).unwrap(), t.vk_hash);

    // A member's proof under the ceremony key (snarkjs's QAP): our verifier accepts it ...
    let mut s = setup_with(std::slice::from_ref(&imported.keypair));
    let (proof, st) = prove(&s, 1_500);
    assert!(verify(&imported.keypair.vk, &st.public_inputs(), &proof).unwrap());
    // ... snarkjs accepts it against its own export of the key ...
    let out = dir.path().join("proof");
    std::fs::create_dir(&out).unwrap();
    write_snarkjs_files(
        &out,
        &SnarkjsVerifyingKey::from_vk(&imported.keypair.vk),
        &proof,
        &st.public_inputs(),
    )
    .unwrap();
    let report = snarkjs
        .run([
            "groth16".as_ref(),
            "verify".as_ref(),
            vk_json.as_os_str(),
            out.join(PUBLIC_JSON).as_os_str(),
            out.join(PROOF_JSON).as_os_str(),
        ])
        .unwrap();
    assert!(report.contains("OK!"), "{report}");
    // ... so do the Solidity verifiers generated from the key, ours and snarkjs's own
    // (`zkey export solidityverifier`), on the EVM, and neither takes a tampered input ...
    let snarkjs_sol = dir.path().join("verifier.sol");
    snarkjs
        .run([
            "zkey".as_ref(),
            "export".as_ref(),
            "solidityverifier".as_ref(),
            final_zkey.as_os_str(),
            snarkjs_sol.as_os_str(),
        ])
        .unwrap();
    let theirs = std::fs::read_to_string(&snarkjs_sol).unwrap();
    let ours =
        solidity_verifier(&imported.keypair.vk, "Groth16Verifier", "eligibility, test ceremony").unwrap();
    let mut evm = Evm::new();
    for source in [ours, theirs] {
        let artifact = compile_contract(&js_tools_dir(), "Groth16Verifier", &source).unwrap();
        let v = evm.deploy(operator(), artifact.deploy_code(&[])).unwrap().0;
        let mut run = |public: &[ark_bn254::Fr]| {
            let c = SolidityCalldata::new(&proof, public);
            let selector = alloy_primitives::keccak256(c.function_signature().as_bytes());
            let out =
                evm.call(operator(), v, c.encode_call(selector[..4].try_into().unwrap()).into()).unwrap();
            U256::from_be_slice(&out.output) == U256::from(1u64)
        };
        assert!(run(&st.public_inputs()));
        let mut tampered = st.public_inputs();
        tampered[0] += ark_bn254::Fr::from(1u64);
        assert!(!run(&tampered));
    }
    // ... and the rollup contract, holding the ceremony's key for shape 0, lends on it.
    let batch = credit_batch(&s, 1_500, &st, proofs(&proof, &st));
    let r = s.w.rollup.submit_batch(&mut s.w.evm, operator(), &batch).unwrap();
    let granted: Vec<Rollup::CreditGranted> = events(&r);
    assert_eq!(granted.len(), 1);
    assert_eq!(granted[0].amount, 1_500);

    // A contribution made on an older key than the latest does not extend the chain.
    let forked = dir.path().join("forked.zkey");
    snarkjs.contribute(&files.zkeys[1], &forked, "late", "entropy").unwrap();
    let mpc = |p: &std::path::Path| read_mpc_params(&std::fs::read(p).unwrap()).unwrap();
    let err = check_extends(&mpc(&files.zkeys[2]), &mpc(&forked)).unwrap_err();
    assert!(matches!(err, CeremonyError::NotAnExtension(_)), "{err}");
    check_extends(&mpc(&files.zkeys[1]), &mpc(&forked)).unwrap();

    // The import refuses the key for another circuit, and a key nobody contributed to.
    let other = CeremonyCircuit::Eligibility { shape: SHAPE, state_depth: PARAMS.depth + 1 };
    let err =
        import_zkey(&other, &other.matrices().unwrap(), &std::fs::read(final_zkey).unwrap()).unwrap_err();
    assert!(matches!(err, ProverError::Ceremony(CeremonyError::WrongCircuit { .. })), "{err}");
    let matrices = circuit.matrices().unwrap();
    let err = import_zkey(&circuit, &matrices, &std::fs::read(&files.zkeys[0]).unwrap()).unwrap_err();
    assert!(err.to_string().contains("no contribution"), "{err}");
}
