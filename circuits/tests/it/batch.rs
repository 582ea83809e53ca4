//! The batch circuit: agreement with the native transition, soundness (one change at a
//! time from a fresh valid witness), pinned cost.

use ark_bn254::Fr;
use ark_relations::gr1cs::ConstraintSynthesizer;
use ccr_circuits::babyjubjub::eddsa::sign_poseidon;
use ccr_circuits::batch::constraints::BatchCircuit;
use ccr_circuits::batch::{BatchBuilder, BatchWitness};
use ccr_circuits::state::amount::Float40;
use ccr_circuits::state::encoding::EncodedSlot;
use ccr_circuits::state::tx::{Deposit, Tx, TxKind, UnsignedTx};
use ccr_circuits::state::{RollupParams, RollupState};

use crate::common::{assert_satisfied, assert_snapshot, assert_unsatisfied, new_cs};
use crate::state::{key, open, signed, transfer, CHAIN};

const DEPTH: usize = 6;
const SLOTS: usize = 6;

/// A valid batch: a new account, a top-up, two transfers (one to self), an exit and a no-op.
fn valid_batch() -> (RollupState, BatchWitness) {
    let mut state = RollupState::new(RollupParams::new(DEPTH, SLOTS, CHAIN).unwrap()).unwrap();
    open(&mut state, 0, 1, 1000);
    open(&mut state, 1, 2, 500);
    let before = state.clone();
    let mut b = BatchBuilder::new(&state);
    let txs = [
        Tx::Deposit(Deposit { index: 2, pubkey: Some(key(3).public_key()), amount: 70 }),
        Tx::Deposit(Deposit { index: 1, pubkey: None, amount: 30 }),
    ];
    for tx in &txs {
        b.push(&mut state, tx).unwrap();
    }
    let t = transfer(&state, 0, 2, 400, &key(1));
    b.push(&mut state, &t).unwrap();
    let t = transfer(&state, 1, 1, 5, &key(2));
    b.push(&mut state, &t).unwrap();
    let e = signed(UnsignedTx::exit(2, 100, 0).unwrap(), &key(3));
    b.push(&mut state, &e).unwrap();
    (before, b.finish_from(&state))
}

fn synthesize(w: BatchWitness) -> ark_relations::gr1cs::ConstraintSystemRef<Fr> {
    let cs = new_cs();
    BatchCircuit::new(w).generate_constraints(cs.clone()).unwrap();
    cs
}

#[test]
fn valid_batch_satisfies_and_matches_the_native_transition() {
    let (before, w) = valid_batch();
    assert_eq!(w.old_root, before.root());
    assert_eq!(w.slots.len(), SLOTS);
    assert_eq!(w.slots[5].encoded, EncodedSlot::NOOP);
    let expected = w.public_commitment();
    let cs = synthesize(w);
    assert_satisfied(&cs);
    assert_eq!(cs.instance_assignment().unwrap()[1], expected);
}

#[test]
fn blank_batch_satisfies() {
    let w = BatchWitness::blank(RollupParams::new(DEPTH, 2, CHAIN).unwrap()).unwrap();
    assert_eq!(w.old_root, w.new_root);
    assert_satisfied(&synthesize(w));
}

/// From a fresh valid batch, applies one change and asserts the system is unsatisfied.
fn tampered(f: impl FnOnce(&mut BatchWitness)) {
    let (_, mut w) = valid_batch();
    f(&mut w);
    assert_unsatisfied(&synthesize(w));
}

#[test]
fn wrong_merkle_sibling() {
    tampered(|w| w.slots[2].sender_proof.siblings[3] += Fr::from(1u64));
    tampered(|w| w.slots[2].receiver_proof.siblings[0] += Fr::from(1u64));
    tampered(|w| w.slots[0].receiver_proof.siblings[DEPTH - 1] += Fr::from(1u64));
}

#[test]
fn forged_or_malleated_signature() {
    // S changed; R8 changed; S + l (verifies mathematically, rejected as malleable).
    tampered(|w| w.slots[2].signature.s += Fr::from(1u64));
    tampered(|w| w.slots[2].signature.r8.x += Fr::from(1u64));
    tampered(|w| {
        use ark_ff::PrimeField;
        w.slots[2].signature.s += Fr::from(<ccr_circuits::babyjubjub::ScalarField as PrimeField>::MODULUS);
    });
    // Signed by a key that is not the sender's.
    tampered(|w| {
        let u = UnsignedTx::transfer(0, 2, 400, 0).unwrap();
        w.slots[2].signature = sign_poseidon(&key(9), u.message(CHAIN));
    });
    // Signature from another chain id (replay across deployments).
    tampered(|w| {
        let u = UnsignedTx::transfer(0, 2, 400, 0).unwrap();
        w.slots[2].signature = sign_poseidon(&key(1), u.message(CHAIN + 1));
    });
}

#[test]
fn overspend() {
    // The sender claims a larger balance than its leaf holds…
    tampered(|w| w.slots[2].sender.balance = 10_000);
    // …or moves more than it has, with a valid signature on that amount.
    tampered(|w| {
        let u = UnsignedTx::transfer(0, 2, 1001, 0).unwrap();
        w.slots[2].encoded.amount = u.amount;
        w.slots[2].signature = sign_poseidon(&key(1), u.message(CHAIN));
    });
}

#[test]
fn wrong_nonce() {
    tampered(|w| w.slots[2].sender.nonce = 1);
    tampered(|w| {
        // Signed over nonce 1 while the account is at 0.
        let u = UnsignedTx::transfer(0, 2, 400, 1).unwrap();
        w.slots[2].signature = sign_poseidon(&key(1), u.message(CHAIN));
    });
}

#[test]
fn wrong_new_root() {
    tampered(|w| w.new_root += Fr::from(1u64));
    tampered(|w| w.old_root += Fr::from(1u64));
}

#[test]
fn one_changed_transaction_byte() {
    // Every byte of the signed transfer's slot, one at a time (the commitment is kept).
    for byte in 0..12 {
        let (_, mut w) = valid_batch();
        let commitment = w.public_commitment();
        let mut bytes = w.slots[2].encoded.to_bytes();
        bytes[byte] ^= 1;
        // Keep the witness decodable where possible; the circuit reads the raw bytes.
        if let Ok(slot) = EncodedSlot::from_bytes(2, &bytes) {
            w.slots[2].encoded = slot;
            let cs = new_cs();
            BatchCircuit::new(w).generate_constraints(cs.clone()).unwrap();
            assert_ne!(cs.instance_assignment().unwrap()[1], commitment);
            assert_unsatisfied(&cs);
        }
    }
    // The exit's amount changed: signature no longer covers it.
    tampered(|w| w.slots[4].encoded.amount = Float40::encode(99).unwrap());
    // A no-op turned into an exit of nothing by the operator (no signature).
    tampered(|w| w.slots[5].encoded.kind = TxKind::Exit);
}

#[test]
fn deposit_skipped_or_altered() {
    // The operator replaces the deposit by a no-op but claims the queue advanced.
    tampered(|w| w.slots[0] = ccr_circuits::state::SlotWitness::noop(DEPTH));
    // Credits a different amount than was deposited.
    tampered(|w| w.slots[1].deposit.amount = 31);
    // Claims a queue position it did not reach.
    tampered(|w| w.queue_after = w.queue_before);
}

#[test]
fn transfer_to_an_empty_account_is_unsatisfied() {
    // The recipient claimed empty while it exists.
    tampered(|w| w.slots[2].receiver = None);
}

#[test]
fn constraint_counts_are_pinned() {
    let (_, w) = valid_batch();
    let cs = synthesize(w);
    assert_snapshot("batch_depth6_slots6_constraints", cs.num_constraints());
}

#[test]
fn public_commitment_matches_a_manual_sha256() {
    use sha2::{Digest, Sha256};
    let (_, w) = valid_batch();
    let mut pre = Vec::new();
    for x in [w.old_root, w.new_root, w.queue_before, w.queue_after] {
        pre.extend(ccr_circuits::batch::fr_to_be_bytes(&x));
    }
    pre.extend(w.tx_data());
    assert_eq!(pre.len(), 128 + 12 * SLOTS);
    let digest = Sha256::digest(&pre);
    use ark_ff::PrimeField;
    assert_eq!(w.public_commitment(), Fr::from_be_bytes_mod_order(&digest));
}

#[test]
fn transfer_slot_at_production_depth_is_pinned_and_under_30k() {
    let mut state = RollupState::new(RollupParams::new(24, 1, CHAIN).unwrap()).unwrap();
    open(&mut state, 0, 1, 1000);
    open(&mut state, 1, 2, 0);
    let mut b = BatchBuilder::new(&state);
    let t = transfer(&state, 0, 1, 10, &key(1));
    b.push(&mut state, &t).unwrap();
    let w = b.finish_from(&state);
    let cs = new_cs();
    ccr_circuits::batch::constraints::synthesize_slots_only(cs.clone(), &w).unwrap();
    assert_satisfied(&cs);
    // Hermez's per-transaction core at depth 24 is about 37,900; our goal is 30,000.
    assert!(cs.num_constraints() <= 30_000, "{}", cs.num_constraints());
    assert_snapshot("transfer_slot_depth24_constraints", cs.num_constraints());
}
