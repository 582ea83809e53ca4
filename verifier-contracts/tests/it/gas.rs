//! Gas of `submitBatch` by batch size (printed; run with `--nocapture` to see the table).
//!
//! The verifier's cost does not depend on the batch: it is measured once, as the difference
//! between the same real batch of 4 submitted against the real verifier and against an
//! accept-all stand-in. Larger batches are then measured against the stand-in with synthetic
//! transaction data (transfers only; exits only, each from its own account and L1 owner: the
//! worst case, a fresh storage slot per exit) and the verifier's cost added.

use alloy_primitives::{Address, U256};
use ccr_circuits::batch::BatchBuilder;
use ccr_circuits::state::amount::Float40;
use ccr_circuits::state::encoding::EncodedSlot;
use ccr_circuits::state::tx::{Deposit, Tx, TxKind};
use ccr_circuits::state::RollupParams;
use ccr_prover::batch::prove_batch;
use ccr_verifier_contracts::rollup::BatchSubmission;

use crate::common::{
    accept_all_verifier, exit, gwei, operator, prover, rng, transfer, verifier, Member, World, PARAMS,
};

/// Submits the same proven batch of 4 (2 deposits, a transfer, an exit) against the real
/// verifier and the stand-in; returns both gas figures.
fn real_and_stand_in() -> (u64, u64) {
    let (alice, bob) = (Member::new(1), Member::new(2));
    let mut gas = Vec::new();
    let mut proven = None;
    for v in [verifier().clone(), accept_all_verifier()] {
        let mut w = World::new(&v);
        w.fund(&alice);
        w.fund(&bob);
        let mut logs = Vec::new();
        for (m, amount) in [(&alice, 5_000), (&bob, 3_000)] {
            logs.extend(w.rollup.create_account(&mut w.evm, m.l1, &m.key.public_key(), amount).unwrap().logs);
        }
        let deposits: Vec<Deposit> = crate::flow::deposits(&w.rollup.queue_entries(&logs).unwrap());
        let submission = proven.get_or_insert_with(|| {
            let mut batch = BatchBuilder::new(&w.state);
            for d in &deposits {
                batch.push(&mut w.state, &Tx::Deposit(d.clone())).unwrap();
            }
            let t = transfer(&w.state, &alice.key, 0, 1, 1_000);
            batch.push(&mut w.state, &t).unwrap();
            let x = exit(&w.state, &bob.key, 1, 2_500);
            batch.push(&mut w.state, &x).unwrap();
            let witness = batch.finish_from(&w.state);
            let (proof, _) = prove_batch(prover(), witness.clone(), &mut rng(30)).unwrap();
            BatchSubmission::new(&witness, 2, &proof)
        });
        gas.push(w.rollup.submit_batch(&mut w.evm, operator(), submission).unwrap().gas_used);
    }
    (gas[0], gas[1])
}

/// `submitBatch` gas against the stand-in for `n` slots of `kind` (transfers, exits or forced
/// exits; exits and forced exits each from their own account and L1 owner).
fn synthetic(n: usize, kind: TxKind) -> u64 {
    let params = RollupParams::new(24, n, PARAMS.domain).unwrap();
    let mut w = World::with_params(&accept_all_verifier(), params);
    let own_accounts = matches!(kind, TxKind::Exit | TxKind::ForcedExit);
    let accounts = if own_accounts { n } else { 2 };
    for i in 0..accounts {
        let owner = Address::left_padding_from(&(i as u64 + 1000).to_be_bytes());
        w.evm.set_balance(owner, gwei(1_000_000));
        let pk = Member::new(1).key.public_key();
        w.rollup.create_account(&mut w.evm, owner, &pk, 100).unwrap();
        if kind == TxKind::ForcedExit {
            w.rollup.force_exit(&mut w.evm, owner, i as u32, 7).unwrap();
        }
    }
    let amount = Float40::encode(7).unwrap();
    let tx_data: Vec<u8> = (0..n)
        .flat_map(|i| {
            let (from, to) =
                if own_accounts { (i as u32, 0) } else { ((i % 2) as u32, ((i + 1) % 2) as u32) };
            EncodedSlot { kind, from, to, amount }.to_bytes()
        })
        .collect();
    // The account creations are not consumed (the stand-in verifier accepts any range): only the
    // forced-exit slots count as queue-consuming.
    let consumed = if kind == TxKind::ForcedExit { n as u64 } else { 0 };
    let submission = BatchSubmission {
        new_root: w.state.root(),
        deposits_consumed_after: consumed,
        epoch: 0,
        tx_data,
        proof: [U256::from(1); 8],
        credits: Default::default(),
    };
    w.rollup.submit_batch(&mut w.evm, operator(), &submission).unwrap().gas_used
}

#[test]
fn submit_batch_gas_by_batch_size() {
    let (real, stand_in) = real_and_stand_in();
    let verifier_cost = real - stand_in;
    println!("submitBatch, real batch of 4 (2 deposits, 1 transfer, 1 exit): {real} gas");
    println!(
        "  of which the Groth16 verification (ecMul, ecAdd, 4-pair ecPairing, call): {verifier_cost} gas"
    );
    println!("submitBatch by batch size (synthetic data, stand-in verifier + {verifier_cost}):");
    println!("| slots | transfers only | per transfer | exits only | per exit | forced exits only | per forced exit |");
    println!("| --- | --- | --- | --- | --- | --- | --- |");
    let mut per_transfer = Vec::new();
    for n in [4usize, 16, 64, 256] {
        let t = synthetic(n, TxKind::Transfer) + verifier_cost;
        let x = synthetic(n, TxKind::Exit) + verifier_cost;
        let f = synthetic(n, TxKind::ForcedExit) + verifier_cost;
        let k = n as u64;
        println!("| {n} | {t} | {} | {x} | {} | {f} | {} |", t / k, x / k, f / k);
        per_transfer.push(t / k);
    }
    // Regression guards (the EVM's gas schedule, not timings).
    assert!((185_000..200_000).contains(&verifier_cost), "verification costs {verifier_cost} gas");
    assert!(real < 400_000, "a batch of 4 costs {real} gas");
    assert!(per_transfer[2] < 5_000, "a transfer slot in a batch of 64 costs {} gas", per_transfer[2]);
    assert!(per_transfer[3] < 2_000, "a transfer slot in a batch of 256 costs {} gas", per_transfer[3]);
}

/// Gas of the deployments and of the L1 entry points members use.
#[test]
fn deposit_and_withdraw_gas() {
    let mut evm = ccr_verifier_contracts::Evm::new();
    let config = ccr_verifier_contracts::DeployConfig::eth();
    // One eligibility key (one policy shape); each further key adds its VkStore contract.
    let keys = [crate::common::stand_in_eligibility_key(0)];
    let (rollup, deployed) = ccr_verifier_contracts::RollupContracts::deploy(
        &mut evm,
        operator(),
        verifier(),
        &keys,
        &PARAMS,
        &config,
    )
    .unwrap();
    println!(
        "deploy: PoseidonT6 {} gas, PoseidonT5 {} gas, PoseidonT3 {} gas, Groth16Verifier {} gas, Rollup {} gas",
        deployed.poseidon5, deployed.poseidon4, deployed.poseidon2, deployed.verifier, deployed.rollup
    );
    // A second shape's key: its 44 words in calldata and its VkStore data contract.
    let two = [keys[0].clone(), crate::common::stand_in_eligibility_key(1)];
    let (_, deployed_two) = ccr_verifier_contracts::RollupContracts::deploy(
        &mut evm,
        operator(),
        verifier(),
        &two,
        &PARAMS,
        &config,
    )
    .unwrap();
    let per_key = deployed_two.rollup - deployed.rollup;
    println!("deploy: Rollup with 2 eligibility keys {} gas ({per_key} gas per key)", deployed_two.rollup);
    assert!((300_000..450_000).contains(&per_key), "an eligibility key costs {per_key} gas to deploy");
    let (alice, bob) = (Member::new(1), Member::new(2));
    for m in [&alice, &bob] {
        evm.set_balance(m.l1, gwei(1_000_000));
    }
    let first = rollup.create_account(&mut evm, alice.l1, &alice.key.public_key(), 5_000).unwrap();
    let second = rollup.create_account(&mut evm, bob.l1, &bob.key.public_key(), 3_000).unwrap();
    let top_up = rollup.deposit(&mut evm, alice.l1, 1, 10).unwrap();
    let forced = rollup.force_exit(&mut evm, alice.l1, 0, 1_000).unwrap();
    println!(
        "createAccount {} gas (first) / {} gas (next); deposit (top-up) {} gas; forceExit {} gas; \
         of which Poseidon(5) ~{} gas",
        first.gas_used,
        second.gas_used,
        top_up.gas_used,
        forced.gas_used,
        poseidon_call_gas(&mut evm, rollup.poseidon5)
    );
    // Regression guards: circomlibjs's Poseidon(5) contract (full MDS products, ~97k gas) dominates.
    assert!(
        second.gas_used < 220_000 && top_up.gas_used < 190_000,
        "{} / {}",
        second.gas_used,
        top_up.gas_used
    );
}

/// A Poseidon(5) call's execution gas (transaction gas minus the 21,000 base and calldata).
fn poseidon_call_gas(evm: &mut ccr_verifier_contracts::Evm, poseidon: Address) -> u64 {
    use alloy_sol_types::SolCall;
    let call = ccr_verifier_contracts::bindings::IPoseidon5::poseidonCall { input: [U256::from(1); 5] };
    let data = call.abi_encode();
    let calldata_gas: u64 = data.iter().map(|b| if *b == 0 { 4 } else { 16 }).sum();
    evm.call(operator(), poseidon, data.into()).unwrap().gas_used - 21_000 - calldata_gas
}
