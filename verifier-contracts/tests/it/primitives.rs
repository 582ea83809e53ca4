//! What the contract computes equals the Rust specification: the batch commitment, the
//! Poseidon deposit-queue chain, Float40 decoding, the Baby Jubjub curve check.

use alloy_primitives::{Bytes, U256};
use ark_bn254::Fr;
use ark_ff::{PrimeField, UniformRand};
use ccr_circuits::batch::public_commitment;
use ccr_circuits::state::amount::Float40;
use ccr_circuits::state::tx::{Deposit, QueueEntry};
use ccr_verifier_contracts::bindings::{IPoseidon5, Rollup};
use ccr_verifier_contracts::rollup::{fr_to_u256, u256_to_fr};
use ccr_verifier_contracts::Evm;
use rand::Rng;

use crate::common::{accept_all_verifier, rng, Member, World};

#[test]
fn batch_commitment_equals_public_commitment() {
    let mut w = World::new(&accept_all_verifier());
    let mut rng = rng(10);
    for len in [0usize, 1, 11, 12, 48, 55, 56, 64, 192, 12 * 64] {
        let roots: [Fr; 5] = std::array::from_fn(|_| Fr::rand(&mut rng));
        let data: Vec<u8> = (0..len).map(|_| rng.gen()).collect();
        let call = Rollup::batchCommitmentCall {
            oldRoot: fr_to_u256(&roots[0]),
            newRoot: fr_to_u256(&roots[1]),
            queueBefore: fr_to_u256(&roots[2]),
            queueAfter: fr_to_u256(&roots[3]),
            domain_: fr_to_u256(&roots[4]),
            epoch: U256::from(len as u32 * 7919),
            txData: Bytes::from(data.clone()),
        };
        let on_chain = w.evm.call_sol(w.rollup.rollup, &call).unwrap();
        let expected = public_commitment(
            &roots[0],
            &roots[1],
            &roots[2],
            &roots[3],
            &roots[4],
            len as u32 * 7919,
            &data,
        );
        assert_eq!(on_chain, fr_to_u256(&expected), "{len} bytes of data");
    }
}

/// The contract's `domain()` is the Rust separator of its chain id and address, on two chains.
#[test]
fn domain_separator_equals_the_native_one() {
    for chain_id in [1u64, 31_337] {
        let mut evm = Evm::with_chain_id(chain_id);
        let config = ccr_verifier_contracts::DeployConfig::eth();
        let params = crate::common::PARAMS;
        let (rollup, _) = ccr_verifier_contracts::RollupContracts::deploy(
            &mut evm,
            crate::common::operator(),
            &accept_all_verifier(),
            &crate::common::stand_in_eligibility_keys(),
            &params,
            &config,
        )
        .unwrap();
        let on_chain = evm.call_sol(rollup.rollup, &Rollup::domainCall {}).unwrap();
        let domain = rollup.domain(&evm);
        assert_eq!(domain.chain_id, chain_id);
        assert_eq!(on_chain, fr_to_u256(&domain.separator()), "chain {chain_id}");
        assert!(on_chain < U256::from(1u8) << 125, "a 125-bit separator");
    }
}

#[test]
fn poseidon_contract_equals_circomlib_poseidon() {
    let mut w = World::new(&accept_all_verifier());
    let mut rng = rng(11);
    let mut cases: Vec<[Fr; 5]> = vec![[Fr::from(0u64); 5], std::array::from_fn(|i| Fr::from(i as u64 + 1))];
    cases.extend((0..8).map(|_| std::array::from_fn(|_| Fr::rand(&mut rng))));
    for input in cases {
        let call = IPoseidon5::poseidonCall { input: input.map(|x| fr_to_u256(&x)) };
        let on_chain = w.evm.call_sol(w.rollup.poseidon5, &call).unwrap();
        assert_eq!(on_chain, fr_to_u256(&ccr_circuits::poseidon::hash_n(&input)));
    }
    // circomlibjs's known answer for [1, 2, 3, 4, 5].
    let known = IPoseidon5::poseidonCall { input: std::array::from_fn(|i| U256::from(i + 1)) };
    assert_eq!(
        w.evm.call_sol(w.rollup.poseidon5, &known).unwrap().to_string(),
        "6183221330272524995739186171720101788151706631170188140075976616310159254464"
    );
}

/// Accounts opened and topped up on L1: each `Deposited` event is the deposit the L2 applies,
/// and the contract's queue chain is `Deposit::chain` over them, in order.
#[test]
fn deposit_queue_chain_equals_deposit_chain() {
    let mut w = World::new(&accept_all_verifier());
    let members: Vec<Member> = (1..=3).map(Member::new).collect();
    let mut logs = Vec::new();
    for m in &members {
        w.fund(m);
        let r = w.rollup.create_account(&mut w.evm, m.l1, &m.key.public_key(), 1_000 + u64::from(m.l1[0]));
        logs.extend(r.unwrap().logs);
    }
    logs.extend(w.rollup.deposit(&mut w.evm, members[2].l1, 0, 77).unwrap().logs);
    logs.extend(w.rollup.deposit(&mut w.evm, members[0].l1, 2, 5).unwrap().logs);

    let deposits: Vec<(u64, Deposit)> = w
        .rollup
        .queue_entries(&logs)
        .unwrap()
        .into_iter()
        .map(|(n, e)| match e {
            QueueEntry::Deposit(d) => (n, d),
            QueueEntry::ForcedExit(f) => panic!("not a deposit: {f:?}"),
        })
        .collect();
    assert_eq!(deposits.iter().map(|(n, _)| *n).collect::<Vec<_>>(), [0, 1, 2, 3, 4]);
    let expected = [
        Deposit { index: 0, pubkey: Some(members[0].key.public_key()), amount: 1_001 },
        Deposit { index: 1, pubkey: Some(members[1].key.public_key()), amount: 1_002 },
        Deposit { index: 2, pubkey: Some(members[2].key.public_key()), amount: 1_003 },
        Deposit { index: 0, pubkey: None, amount: 77 },
        Deposit { index: 2, pubkey: None, amount: 5 },
    ];
    assert_eq!(deposits.iter().map(|(_, d)| d.clone()).collect::<Vec<_>>(), expected);

    let mut chain = Fr::from(0u64);
    assert_eq!(w.rollup.queue_hash(&mut w.evm, 0).unwrap(), chain);
    for (n, d) in expected.iter().enumerate() {
        chain = d.chain(chain);
        assert_eq!(w.rollup.queue_hash(&mut w.evm, n as u64 + 1).unwrap(), chain, "after deposit {n}");
    }
    // The events carry the same chain values.
    for log in &logs {
        if let Ok(ev) = <Rollup::Deposited as alloy_sol_types::SolEvent>::decode_log_data(&log.data) {
            let n = ev.depositIndex.to::<u64>() + 1;
            assert_eq!(u256_to_fr(ev.queueHash).unwrap(), w.rollup.queue_hash(&mut w.evm, n).unwrap());
        }
    }
    assert_eq!(w.rollup.deposit_counts(&mut w.evm).unwrap(), (U256::from(5), U256::ZERO));
}

/// `decodeFloat40` returns `Float40::decode`'s value where Rust decodes, and reverts with
/// `InvalidAmount` exactly where Rust refuses (not 40 bits, or 2⁶⁴ and above).
#[test]
fn float40_decoding_equals_rust() {
    let mut w = World::new(&accept_all_verifier());
    let mut rng = rng(12);
    let m_max = (1u64 << 35) - 1;
    let mut raws: Vec<u64> = vec![0, 1, m_max, 1 << 40, (1 << 40) - 1, u64::MAX];
    for e in 0..32u64 {
        for m in [0, 1, 9, 10, 1_844_674_407, 1_844_674_408, m_max] {
            raws.push(e << 35 | m);
        }
    }
    raws.extend((0..300).map(|_| rng.gen_range(0..1u64 << 40)));
    raws.extend((0..100).map(|_| rng.gen_range(0..20u64) << 35 | rng.gen_range(0..=m_max)));
    for amount in [0u64, 1, 999, 34_359_738_367, 34_359_738_370, 10u64.pow(19), u64::MAX / 10 * 10] {
        if let Ok(f) = Float40::encode(amount) {
            raws.push(f.raw());
        }
    }
    let mut accepted = 0;
    for raw in raws {
        let rust = Float40::from_raw(raw).and_then(|f| f.decode());
        let sol = w.evm.call_sol(w.rollup.rollup, &Rollup::decodeFloat40Call { raw: U256::from(raw) });
        match (rust, sol) {
            (Ok(v), Ok(s)) => {
                assert_eq!(s, v, "raw 0x{raw:x}");
                accepted += 1;
            }
            (Err(_), Err(e)) => {
                let err = ccr_verifier_contracts::RollupError::from(e);
                assert_eq!(
                    err.contract_error(),
                    Some(Rollup::RollupErrors::InvalidAmount(Rollup::InvalidAmount { raw: U256::from(raw) }))
                );
            }
            (r, s) => panic!("raw 0x{raw:x}: Rust {r:?}, Solidity {s:?}"),
        }
    }
    assert!(accepted > 200, "too few valid encodings exercised: {accepted}");
}

#[test]
fn curve_check_equals_baby_jubjub() {
    let mut w = World::new(&accept_all_verifier());
    let on_curve = |evm: &mut Evm, rollup, x: U256, y: U256| {
        evm.call_sol(rollup, &Rollup::isOnCurveCall { x, y }).unwrap()
    };
    for n in 1..=5u8 {
        let p = Member::new(n).key.public_key();
        let (x, y) = (fr_to_u256(&p.x), fr_to_u256(&p.y));
        assert!(p.is_on_curve());
        assert!(on_curve(&mut w.evm, w.rollup.rollup, x, y));
        assert!(!on_curve(&mut w.evm, w.rollup.rollup, x, y + U256::from(1)));
        assert!(!on_curve(&mut w.evm, w.rollup.rollup, y, x) || p.x == p.y);
    }
    // The identity (0, 1) is on the curve; the contract still refuses ax = 0 as a key.
    assert!(on_curve(&mut w.evm, w.rollup.rollup, U256::ZERO, U256::from(1)));
    let _ = Fr::MODULUS;
}
