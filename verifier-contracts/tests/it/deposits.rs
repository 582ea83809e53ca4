//! The L1 entry points refuse every deposit the L2 could not consume (a stuck queue) or that
//! could overflow a balance, each with its exact error.

use alloy_primitives::{Address, U256};
use alloy_sol_types::SolEvent;
use ccr_circuits::state::RollupParams;
use ccr_verifier_contracts::bindings::Rollup;
use ccr_verifier_contracts::bindings::Rollup::RollupErrors;
use ccr_verifier_contracts::rollup::{fr_to_u256, DeployConfig, ETH_UNIT};
use ccr_verifier_contracts::{Receipt, RollupError};

use crate::common::{
    accept_all_verifier, gwei, stand_in_eligibility_key, stand_in_eligibility_keys, Member, World,
};

fn contract_error(result: Result<Receipt, RollupError>) -> RollupErrors {
    let err = result.expect_err("the contract accepted it");
    err.contract_error().unwrap_or_else(|| panic!("not a contract error: {err}"))
}

fn create(w: &mut World, m: &Member, ax: U256, ay: U256, amount: u64) -> Result<Receipt, RollupError> {
    let call = Rollup::createAccountCall { ax, ay, amount };
    Ok(w.evm.transact_sol(m.l1, w.rollup.rollup, gwei(amount), &call)?)
}

#[test]
fn accounts_get_consecutive_indices_and_owners() {
    let mut w = World::new(&accept_all_verifier());
    for n in 1..=3u8 {
        let m = Member::new(n);
        w.fund(&m);
        let r = w.rollup.create_account(&mut w.evm, m.l1, &m.key.public_key(), 1).unwrap();
        let created: Vec<_> =
            r.logs.iter().filter_map(|l| Rollup::AccountCreated::decode_log_data(&l.data).ok()).collect();
        let pk = m.key.public_key();
        assert_eq!(
            created,
            [Rollup::AccountCreated {
                accountIndex: u32::from(n - 1),
                owner: m.l1,
                ax: fr_to_u256(&pk.x),
                ay: fr_to_u256(&pk.y)
            }]
        );
        let owner =
            w.evm.call_sol(w.rollup.rollup, &Rollup::accountOwnerCall { accountIndex: U256::from(n - 1) });
        assert_eq!(owner.unwrap(), m.l1);
    }
    // A zero-value opening is allowed (the account starts empty).
    let m = Member::new(9);
    w.fund(&m);
    w.rollup.create_account(&mut w.evm, m.l1, &m.key.public_key(), 0).unwrap();
}

#[test]
fn keys_the_circuit_cannot_open_are_refused() {
    let mut w = World::new(&accept_all_verifier());
    let m = Member::new(1);
    w.fund(&m);
    let pk = m.key.public_key();
    let (x, y) = (fr_to_u256(&pk.x), fr_to_u256(&pk.y));
    let r = U256::from_str_radix(&<ark_bn254::Fr as ark_ff::PrimeField>::MODULUS.to_string(), 10).unwrap();
    let bad = [
        (U256::ZERO, U256::ZERO),    // would read as a top-up
        (U256::ZERO, U256::from(1)), // the identity: on the curve, but ax = 0 reads as a top-up
        (x, y + U256::from(1)),      // off the curve
        (x + r, y),                  // not canonical
        (x, y + r),                  // not canonical
    ];
    for (ax, ay) in bad {
        assert_eq!(
            contract_error(create(&mut w, &m, ax, ay, 1)),
            RollupErrors::InvalidPublicKey(Rollup::InvalidPublicKey { ax, ay }),
            "({ax}, {ay})"
        );
    }
    assert_eq!(w.rollup.deposit_counts(&mut w.evm).unwrap().0, U256::ZERO);
}

#[test]
fn eth_value_must_be_the_amount_and_top_ups_non_zero() {
    let mut w = World::new(&accept_all_verifier());
    let m = Member::new(1);
    w.fund(&m);
    let pk = m.key.public_key();
    let (ax, ay) = (fr_to_u256(&pk.x), fr_to_u256(&pk.y));
    for value in [gwei(5) + U256::from(1), gwei(5) - U256::from(1), gwei(6), U256::ZERO] {
        let call = Rollup::createAccountCall { ax, ay, amount: 5 };
        let result = w.evm.transact_sol(m.l1, w.rollup.rollup, value, &call).map_err(RollupError::from);
        assert_eq!(
            contract_error(result),
            RollupErrors::WrongValue(Rollup::WrongValue { value, expected: gwei(5) }),
            "{value} wei"
        );
    }
    w.rollup.create_account(&mut w.evm, m.l1, &pk, 5).unwrap();
    let top_up = Rollup::depositCall { index: 0, amount: 3 };
    let result = w.evm.transact_sol(m.l1, w.rollup.rollup, gwei(4), &top_up).map_err(RollupError::from);
    assert_eq!(
        contract_error(result),
        RollupErrors::WrongValue(Rollup::WrongValue { value: gwei(4), expected: gwei(3) })
    );
    assert_eq!(
        contract_error(w.rollup.deposit(&mut w.evm, m.l1, 0, 0)),
        RollupErrors::ZeroDeposit(Rollup::ZeroDeposit {})
    );
    assert_eq!(
        contract_error(w.rollup.deposit(&mut w.evm, m.l1, 1, 1)),
        RollupErrors::UnknownAccount(Rollup::UnknownAccount { accountIndex: U256::from(1) })
    );
    w.rollup.deposit(&mut w.evm, m.l1, 0, 1).unwrap();
    assert_eq!(w.rollup.deposit_counts(&mut w.evm).unwrap().0, U256::from(2));
    assert_eq!(w.evm.balance(w.rollup.rollup), gwei(6));
    w.check_balance_invariant();
}

/// The L2 supply stays below 2⁶³ units, so no 64-bit balance can overflow.
#[test]
fn supply_cap() {
    let mut w = World::new(&accept_all_verifier());
    let m = Member::new(1);
    let cap = (1u64 << 63) - 1;
    w.evm.set_balance(m.l1, gwei(u64::MAX) * U256::from(4));
    let pk = m.key.public_key();
    w.rollup.create_account(&mut w.evm, m.l1, &pk, cap - 10).unwrap();
    w.rollup.deposit(&mut w.evm, m.l1, 0, 10).unwrap();
    assert_eq!(
        contract_error(w.rollup.deposit(&mut w.evm, m.l1, 0, 1)),
        RollupErrors::SupplyCapExceeded(Rollup::SupplyCapExceeded {
            supply: U256::from(cap) + U256::from(1),
            cap: U256::from(cap)
        })
    );
    // A single deposit of the largest 64-bit amount is refused the same way.
    let mut w = World::new(&accept_all_verifier());
    w.evm.set_balance(m.l1, gwei(u64::MAX) * U256::from(4));
    assert_eq!(
        contract_error(w.rollup.create_account(&mut w.evm, m.l1, &pk, u64::MAX)),
        RollupErrors::SupplyCapExceeded(Rollup::SupplyCapExceeded {
            supply: U256::from(u64::MAX),
            cap: U256::from(cap)
        })
    );
}

/// No index beyond the tree: with depth 1, the third account is refused.
#[test]
fn tree_full() {
    let params = RollupParams::new(1, 4, ccr_circuits::state::Domain::NONE).unwrap();
    let mut w = World::with_params(&accept_all_verifier(), params);
    for n in 1..=2u8 {
        let m = Member::new(n);
        w.fund(&m);
        w.rollup.create_account(&mut w.evm, m.l1, &m.key.public_key(), 1).unwrap();
    }
    let m = Member::new(3);
    w.fund(&m);
    assert_eq!(
        contract_error(w.rollup.create_account(&mut w.evm, m.l1, &m.key.public_key(), 1)),
        RollupErrors::TreeFull(Rollup::TreeFull { maxAccounts: U256::from(2) })
    );
}

/// Constructor arguments out of range are refused.
#[test]
fn invalid_config() {
    let mut evm = ccr_verifier_contracts::Evm::new();
    let deployer = crate::common::operator();
    let err = ccr_verifier_contracts::rollup::RollupContracts::deploy(
        &mut evm,
        deployer,
        &accept_all_verifier(),
        &stand_in_eligibility_keys(),
        &RollupParams { depth: 25, batch_size: 4, domain: ccr_circuits::state::Domain::NONE },
        &DeployConfig::eth(),
    )
    .unwrap_err();
    // The Rust side refuses the parameters before deploying.
    assert!(matches!(err, RollupError::OutOfRange { what: "rollup parameters", .. }), "{err}");
    // And eligibility keys: none, more than 255, or one of another input count (the batch
    // circuit's key has 1 public input).
    let one = stand_in_eligibility_key(0);
    let short = ark_groth16::VerifyingKey { gamma_abc_g1: one.gamma_abc_g1[..2].to_vec(), ..one.clone() };
    for (what, keys) in
        [("none", vec![]), ("256", vec![one.clone(); 256]), ("1 input", vec![one.clone(), short])]
    {
        let Err(err) = ccr_verifier_contracts::rollup::rollup_constructor(
            Address::ZERO,
            Address::ZERO,
            Address::ZERO,
            Address::ZERO,
            &keys,
            &crate::common::PARAMS,
            &DeployConfig::eth(),
        ) else {
            panic!("{what}: accepted")
        };
        assert!(matches!(err, RollupError::OutOfRange { .. }), "{what}: {err}");
    }
    // A contract to stand in for the verifier, the Poseidon contracts and the token.
    let (code, _) = evm.deploy(deployer, accept_all_verifier().deploy_code(&[])).unwrap();
    let valid = Rollup::constructorCall {
        verifier_: code,
        poseidon5_: code,
        poseidon4_: code,
        poseidon2_: code,
        genesisRoot: U256::ZERO,
        batchSize_: U256::from(4),
        treeDepth_: U256::from(8),
        config_: Rollup::DeployConfig {
            token: Address::ZERO,
            unit: U256::from(ETH_UNIT),
            escapeDelay: U256::from(100),
            epochSeconds: U256::from(3600),
        },
        eligibilityKeys_: vec![vec![U256::from(1); 44]; 3],
    };
    let config = |c: Rollup::DeployConfig| Rollup::constructorCall { config_: c, ..valid.clone() };
    let rollup = ccr_verifier_contracts::Artifact::rollup().unwrap();
    let args =
        |c: &Rollup::constructorCall| rollup.deploy_code(&alloy_sol_types::SolConstructor::abi_encode(c));
    let (rollup_at, _) = evm.deploy(deployer, args(&valid)).unwrap();
    // Shape s's key is the s-th, as given.
    let shapes = evm.call_sol(rollup_at, &Rollup::eligibilityShapesCall {}).unwrap();
    assert_eq!(shapes, U256::from(3));
    let key = evm.call_sol(rollup_at, &Rollup::eligibilityKeyCall { shape: U256::from(2) }).unwrap();
    let stored: Vec<u8> = std::iter::once(0).chain(U256::from(1).to_be_bytes::<32>().repeat(44)).collect();
    assert_eq!(evm.code(key).to_vec(), stored, "shape 2's key in a VkStore data contract");
    let unknown = evm.call_sol(rollup_at, &Rollup::eligibilityKeyCall { shape: U256::from(3) }).unwrap_err();
    assert_eq!(
        RollupError::from(unknown).contract_error(),
        Some(RollupErrors::UnknownShape(Rollup::UnknownShape { shape: U256::from(3) }))
    );
    let token = Rollup::DeployConfig { token: code, ..valid.config_.clone() };
    evm.deploy(deployer, args(&config(token))).unwrap();
    let c = valid.config_.clone();
    let bad: [(&str, Rollup::constructorCall); 14] = [
        ("epoch of 0 s", config(Rollup::DeployConfig { epochSeconds: U256::ZERO, ..c.clone() })),
        (
            "epoch of 2^32 s",
            config(Rollup::DeployConfig { epochSeconds: U256::from(1u64 << 32), ..c.clone() }),
        ),
        ("depth 0", Rollup::constructorCall { treeDepth_: U256::ZERO, ..valid.clone() }),
        ("depth 25", Rollup::constructorCall { treeDepth_: U256::from(25), ..valid.clone() }),
        ("batch 0", Rollup::constructorCall { batchSize_: U256::ZERO, ..valid.clone() }),
        ("no poseidon2", Rollup::constructorCall { poseidon2_: Address::ZERO, ..valid.clone() }),
        ("no poseidon4", Rollup::constructorCall { poseidon4_: Address::ZERO, ..valid.clone() }),
        ("unit 0", config(Rollup::DeployConfig { unit: U256::ZERO, ..c.clone() })),
        (
            "unit 2^128 + 1",
            config(Rollup::DeployConfig { unit: (U256::from(1) << 128) + U256::from(1), ..c.clone() }),
        ),
        ("escape delay 0", config(Rollup::DeployConfig { escapeDelay: U256::ZERO, ..c.clone() })),
        (
            "escape delay 2^32",
            config(Rollup::DeployConfig { escapeDelay: U256::from(1u64 << 32), ..c.clone() }),
        ),
        ("token without code", config(Rollup::DeployConfig { token: Address::repeat_byte(7), ..c.clone() })),
        ("genesis root r", Rollup::constructorCall { genesisRoot: modulus(), ..valid.clone() }),
        ("no eligibility key", Rollup::constructorCall { eligibilityKeys_: vec![], ..valid.clone() }),
    ];
    for (what, c) in bad {
        let err = evm.deploy(deployer, args(&c)).unwrap_err();
        assert_eq!(
            RollupError::from(err).contract_error(),
            Some(RollupErrors::InvalidConfig(Rollup::InvalidConfig {})),
            "{what}"
        );
    }
    // An eligibility key of another input count than 14 (here 13 and 15).
    for words in [42, 46] {
        let mut keys = valid.eligibilityKeys_.clone();
        keys[1] = vec![U256::from(1); words];
        let c = Rollup::constructorCall { eligibilityKeys_: keys, ..valid.clone() };
        let err = evm.deploy(deployer, args(&c)).unwrap_err();
        assert_eq!(
            RollupError::from(err).contract_error(),
            Some(RollupErrors::BadEligibilityKey(Rollup::BadEligibilityKey { words: U256::from(words) })),
            "{words} words"
        );
    }
}

fn modulus() -> U256 {
    U256::from_str_radix(&<ark_bn254::Fr as ark_ff::PrimeField>::MODULUS.to_string(), 10).unwrap()
}

/// EIP-3860 caps a creation's code, constructor arguments included, at 49,152 bytes: the
/// rollup's creation code and 15 eligibility keys (1,472 bytes each) fit, 16 do not.
#[test]
fn fifteen_eligibility_keys_fit_one_deployment() {
    let keys: Vec<_> = (0..16).map(stand_in_eligibility_key).collect();
    let deploy = |keys: &[ark_groth16::VerifyingKey<ark_bn254::Bn254>]| {
        let mut evm = ccr_verifier_contracts::Evm::new();
        let config = DeployConfig::eth();
        ccr_verifier_contracts::RollupContracts::deploy(
            &mut evm,
            crate::common::operator(),
            &accept_all_verifier(),
            keys,
            &crate::common::PARAMS,
            &config,
        )
        .map(|(rollup, gas)| (evm, rollup, gas))
    };
    let (mut evm, rollup, gas) = deploy(&keys[..15]).unwrap();
    assert_eq!(rollup.eligibility_shapes(&mut evm).unwrap(), 15);
    assert_eq!(rollup.eligibility_key(&mut evm, 14).unwrap(), keys[14]);
    println!("deploy: Rollup with 15 eligibility keys {} gas", gas.rollup);
    let err = deploy(&keys).map(|_| ()).unwrap_err();
    assert!(err.contract_error().is_none(), "refused by the EVM, not the contract: {err}");
}
