//! End to end on the rollup's batch circuit: random members, deposits and transfers, a
//! proven batch, verification by us and by snarkjs, a tampered public input rejected.

use ccr_circuits::babyjubjub::eddsa::{sign_poseidon, PrivateKey};
use ccr_circuits::batch::{BatchBuilder, BatchWitness};
use ccr_circuits::state::tx::{Deposit, Tx, UnsignedTx};
use ccr_circuits::state::{Domain, RollupParams, RollupState};
use ccr_prover::batch::{batch_circuit_name, batch_prover, dev_setup_batch, prove_batch};
use ccr_prover::export::snarkjs::SnarkjsVerifyingKey;
use ccr_prover::export::write_snarkjs_files;
use ccr_prover::export::{PROOF_JSON, PUBLIC_JSON, VERIFICATION_KEY_JSON};
use ccr_prover::{verify, Fr, ProverError};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha20Rng;

use crate::common::{node, show, snarkjs_cli};

const DOMAIN: Domain = Domain { chain_id: 5, rollup: [5; 20] };

/// Random members open accounts by deposit in a first batch (applied natively), then a
/// batch of one more deposit and random transfers between them.
fn random_batch(rng: &mut ChaCha20Rng, params: RollupParams) -> BatchWitness {
    let mut state = RollupState::new(params).unwrap();
    let keys: Vec<PrivateKey> = (0..5).map(|_| PrivateKey::from_bytes(rng.gen())).collect();
    for (i, k) in keys.iter().enumerate().take(4) {
        let d =
            Deposit { index: i as u32, pubkey: Some(k.public_key()), amount: rng.gen_range(1_000..5_000) };
        state.apply(&Tx::Deposit(d)).unwrap();
    }
    let mut batch = BatchBuilder::new(&state);
    let d = Deposit { index: 4, pubkey: Some(keys[4].public_key()), amount: 700 };
    batch.push(&mut state, &Tx::Deposit(d)).unwrap();
    while batch.len() < params.batch_size {
        let (from, to) = (rng.gen_range(0..5u32), rng.gen_range(0..5u32));
        let nonce = state.account(from).unwrap().nonce;
        let u = UnsignedTx::transfer(from, to, rng.gen_range(1..500), nonce).unwrap();
        let tx = Tx::Signed(u.with_signature(sign_poseidon(&keys[from as usize], u.message(&DOMAIN))));
        batch.push(&mut state, &tx).unwrap();
    }
    batch.finish_from(&state)
}

#[test]
fn batch_proves_verifies_and_rejects_tampering() {
    let params = RollupParams::new(8, 4, DOMAIN).unwrap();
    let keys = dev_setup_batch(params, [9; 32]).unwrap();
    let mut rng = ChaCha20Rng::seed_from_u64(2026);

    let batch = random_batch(&mut rng, params);
    let expected = batch.public_commitment();
    let prover = batch_prover(keys.pk.clone(), params).unwrap();
    let (proof, commitment) = prove_batch(&prover, batch.clone(), &mut rng).unwrap();
    assert_eq!(commitment, expected);
    assert!(verify(&keys.vk, &[commitment], &proof).unwrap());
    // arkworks' stock prover on the same witness: its proof verifies too.
    let stock = <ark_groth16::Groth16<ccr_prover::Bn254> as ark_snark::SNARK<Fr>>::prove(
        &keys.pk,
        ccr_circuits::batch::constraints::BatchCircuit::new(batch.clone()),
        &mut rng,
    )
    .unwrap();
    assert!(verify(&keys.vk, &[commitment], &stock).unwrap());
    // A tampered public input: another batch's commitment, or the commitment plus one.
    assert!(!verify(&keys.vk, &[commitment + Fr::from(1u64)], &proof).unwrap());
    let other = random_batch(&mut rng, params);
    assert!(!verify(&keys.vk, &[other.public_commitment()], &proof).unwrap());

    // An invalid witness is refused before proving (no proof is produced).
    let mut bad = batch;
    bad.slots[1].sender.balance += 1;
    assert!(matches!(prove_batch(&prover, bad, &mut rng), Err(ProverError::Unsatisfied { .. })));

    // snarkjs verifies the exported batch proof.
    let dir = tempfile::tempdir().unwrap();
    let (_, vk_file) = keys.into_key_files(batch_circuit_name(&params));
    write_snarkjs_files(dir.path(), &SnarkjsVerifyingKey::from_key_file(&vk_file), &proof, &[commitment])
        .unwrap();
    let out = node([
        snarkjs_cli().as_os_str(),
        "groth16".as_ref(),
        "verify".as_ref(),
        dir.path().join(VERIFICATION_KEY_JSON).as_os_str(),
        dir.path().join(PUBLIC_JSON).as_os_str(),
        dir.path().join(PROOF_JSON).as_os_str(),
    ]);
    assert!(out.status.success() && String::from_utf8_lossy(&out.stdout).contains("OK"), "{}", show(&out));

    // The verifying key of the development setup is pinned: a change of the circuit shows here.
    let pinned = include_str!("../snapshots/batch_d8_n4_vk_hash.txt").trim();
    if std::env::var_os("UPDATE_SNAPSHOTS").is_some() {
        std::fs::write(
            concat!(env!("CARGO_MANIFEST_DIR"), "/tests/snapshots/batch_d8_n4_vk_hash.txt"),
            format!("{}\n", vk_file.key_hash().unwrap()),
        )
        .unwrap();
    } else {
        assert_eq!(
            vk_file.key_hash().unwrap(),
            pinned,
            "vk changed; rerun with UPDATE_SNAPSHOTS=1 if intended"
        );
    }
}
