//! The solidarity fund's epoch tables on L1 (issue 11, item 4): `SolidarityFund.sol` on revm
//! with real proofs of the epoch circuit (`EpochCircuit`, one bank slot, the insecure
//! development setup) and its generated verifier. A proven table settles and moves the fund;
//! L1 refuses a table that does not match (another fund after, table hash or fund before), a
//! second table for an epoch, an older epoch, a lapsed one, and a proof under a parameters'
//! hash or registry root that governance replaced. Gas of `settleEpoch` is printed.

use std::sync::OnceLock;

use alloy_primitives::{Address, U256};
use ark_bn254::Fr;
use ccr_circuits::babyjubjub::eddsa::PrivateKey;
use ccr_circuits::health::constraints::{epoch_inputs, EpochCircuit, EpochStatement};
use ccr_circuits::health::fund::{params_hash, FundMember, FundParams};
use ccr_circuits::health::score::{BankActivity, HealthParams};
use ccr_circuits::health::{HealthAttesterRegistry, IndicatorReport, SignedReport, N_INDICATORS, SCALE};
use ccr_prover::{Keypair, Proof};
use ccr_verifier_contracts::bindings::Rollup;
use ccr_verifier_contracts::bindings::SolidarityFund::{self, SolidarityFundErrors};
use ccr_verifier_contracts::fund::{
    epoch_verifier_artifact, EpochState, FundConfig, FundContracts, Settlement,
};
use ccr_verifier_contracts::rollup::fr_to_u256;
use ccr_verifier_contracts::{Artifact, Receipt, RollupError};

use crate::common::{accept_all_verifier, operator, rng, World};
use crate::flow::events;
use crate::governance::stranger;

/// Bank slots of the epoch circuit here (the contract does not depend on it).
const BANKS: usize = 1;
/// The epoch of the tables (reports of epochs up to 12 before count).
const EPOCH: u32 = 20;

/// Half of the fund (after contributions) granted per epoch, so that the fund keeps a balance.
fn fund_params() -> FundParams {
    FundParams { payout_bps: 5_000, ..FundParams::default() }
}

fn key(n: u8) -> PrivateKey {
    PrivateKey::from_bytes([n; 32])
}

/// Attesters 1..=`n` registered at indices 0..n.
fn registry(n: u8) -> HealthAttesterRegistry {
    let mut r = HealthAttesterRegistry::new();
    for a in 1..=n {
        r.add(u64::from(a - 1), &key(a).public_key()).unwrap();
    }
    r
}

/// Greece's totals in the shipped OECD and OWID files (a region with need).
const GREECE: [f64; N_INDICATORS] = [52.0, 19.5, 6.2, 18.0, 69.0, 73.0, 458.0, 83.0];

/// Three attesters report bioregion 0 in epoch [`EPOCH`].
fn reports() -> Vec<SignedReport> {
    (1..=3u8)
        .map(|a| {
            let values = GREECE.map(|x| Some((x * SCALE as f64).round() as i64));
            let report = IndicatorReport {
                bioregion: 0,
                epoch: EPOCH,
                data_year: 2022,
                source_digest: [a; 32],
                values,
            };
            SignedReport::sign(&key(a), report).unwrap()
        })
        .collect()
}

/// One bank in bioregion 0 that lends and is repaid.
fn members() -> Vec<FundMember> {
    let activity = BankActivity {
        lent_by_purpose: [25_000, 12_500, 12_500, 0, 0],
        repaid: 20_000,
        written_down: 0,
        pool_balance: 1_000_000,
        receivable: 200_000,
        voted: 5,
        voters: 10,
    };
    vec![FundMember { pool: 10, bioregion: 0, activity }]
}

/// The development keys of the epoch circuit of [`BANKS`] slots (once per test binary).
fn keys() -> &'static Keypair {
    static KEYS: OnceLock<Keypair> = OnceLock::new();
    KEYS.get_or_init(|| ccr_prover::dev_setup(EpochCircuit::setup(BANKS), [0x11; 32]).expect("setup"))
}

/// The generated verifier of [`keys`], compiled by the pinned solc-js (once).
fn epoch_verifier() -> &'static Artifact {
    static VERIFIER: OnceLock<Artifact> = OnceLock::new();
    VERIFIER.get_or_init(|| {
        let notice = "Epoch circuit of the solidarity fund, 1 bank slot. INSECURE development key (tests).";
        epoch_verifier_artifact(&keys().vk, "EpochVerifier", notice).unwrap_or_else(|e| panic!("{e}"))
    })
}

/// A proven epoch table: its statement and proof.
struct Proven {
    statement: EpochStatement,
    proof: Proof<ark_bn254::Bn254>,
}

impl Proven {
    fn settlement(&self) -> Settlement {
        Settlement::new(&self.statement, &self.proof)
    }
}

/// Proves the table of `epoch` from `fund_before` under `fund` and the registry of `attesters`.
fn prove(epoch: u32, fund_before: u64, fund: &FundParams, attesters: u8) -> Proven {
    let (table, statement, witness) = epoch_inputs(
        &HealthParams::default(),
        fund,
        &registry(attesters),
        epoch,
        fund_before,
        &members(),
        &reports(),
        BANKS,
    )
    .unwrap();
    assert!(table.conserves());
    let proof =
        ccr_prover::prove(&keys().pk, EpochCircuit::new(statement, witness), &mut rng(u64::from(epoch)))
            .expect("prove");
    assert!(ccr_prover::verify(&keys().vk, &statement.public_inputs(), &proof).unwrap());
    Proven { statement, proof }
}

/// Epoch [`EPOCH`] from an empty fund, the default registry and parameters.
fn first() -> &'static Proven {
    static P: OnceLock<Proven> = OnceLock::new();
    P.get_or_init(|| prove(EPOCH, 0, &fund_params(), 3))
}

/// Epoch [`EPOCH`] + 1 from the fund [`first`] leaves.
fn second() -> &'static Proven {
    static P: OnceLock<Proven> = OnceLock::new();
    P.get_or_init(|| prove(EPOCH + 1, first().statement.fund_after, &fund_params(), 3))
}

/// Epoch [`EPOCH`] + 1 from an empty fund (as if [`EPOCH`] never settled).
fn second_from_empty() -> &'static Proven {
    static P: OnceLock<Proven> = OnceLock::new();
    P.get_or_init(|| prove(EPOCH + 1, 0, &fund_params(), 3))
}

/// A chain with a rollup (its epoch clock) and the fund deployed by [`operator`].
struct FundWorld {
    w: World,
    fund: FundContracts,
}

impl FundWorld {
    fn new(settle_window: u64) -> Self {
        Self::with_verifier(epoch_verifier(), settle_window)
    }

    fn with_verifier(verifier: &Artifact, settle_window: u64) -> Self {
        let mut w = World::new(&accept_all_verifier());
        let config = FundConfig {
            registry_root: registry(3).root(),
            params_hash: params_hash(&HealthParams::default(), &fund_params()),
            settle_window,
        };
        let (fund, _) =
            FundContracts::deploy(&mut w.evm, operator(), w.rollup.rollup, verifier, &config).unwrap();
        Self { w, fund }
    }

    /// Mines blocks until the rollup's clock reads `epoch`.
    fn advance_to(&mut self, epoch: u32) {
        let start: U256 = self
            .w
            .evm
            .call_sol(self.w.rollup.rollup, &Rollup::epochStartCall { epoch: U256::from(epoch) })
            .unwrap();
        let now = self.w.evm.timestamp();
        let start = u64::try_from(start).unwrap();
        assert!(start >= now, "the clock is past epoch {epoch}");
        self.w.evm.mine((start - now).div_ceil(12));
        let current: U256 = self.w.evm.call_sol(self.w.rollup.rollup, &Rollup::currentEpochCall {}).unwrap();
        assert_eq!(current, U256::from(epoch));
    }

    fn settle(&mut self, s: &Settlement) -> Result<Receipt, RollupError> {
        self.fund.settle_epoch(&mut self.w.evm, stranger(), s)
    }

    fn state(&mut self, epoch: u32) -> EpochState {
        self.fund.epoch_state(&mut self.w.evm, epoch).unwrap()
    }

    fn balance(&mut self) -> u64 {
        self.fund.fund_balance(&mut self.w.evm).unwrap()
    }
}

fn fund_error(result: Result<Receipt, RollupError>) -> SolidarityFundErrors {
    let err = result.expect_err("the fund accepted it");
    err.fund_error().unwrap_or_else(|| panic!("not a fund contract error: {err}"))
}

fn invalid_proof(epoch: u32) -> SolidarityFundErrors {
    SolidarityFundErrors::InvalidProof(SolidarityFund::InvalidProof { epoch: U256::from(epoch) })
}

fn lapsed(epoch: u32) -> SolidarityFundErrors {
    SolidarityFundErrors::SettlementLapsed(SolidarityFund::SettlementLapsed { epoch: U256::from(epoch) })
}

#[test]
fn fund_a_proven_table_settles_and_moves_the_fund() {
    let mut fw = FundWorld::new(1);
    let (a, b) = (first(), second());
    assert!(a.statement.fund_after > 0, "half the fund stays");
    assert_ne!(a.statement.fund_after, b.statement.fund_after);
    assert_eq!(fw.balance(), 0);
    assert_eq!(fw.state(EPOCH), EpochState::Pending);
    fw.advance_to(EPOCH);
    assert_eq!(
        fund_error(fw.settle(&a.settlement())),
        SolidarityFundErrors::EpochNotEnded(SolidarityFund::EpochNotEnded {
            epoch: U256::from(EPOCH),
            currentEpoch: U256::from(EPOCH),
        })
    );
    fw.advance_to(EPOCH + 1);
    assert_eq!(fw.state(EPOCH), EpochState::Open);
    let receipt = fw.settle(&a.settlement()).unwrap();
    assert_eq!(
        events::<SolidarityFund::EpochSettled>(&receipt),
        vec![SolidarityFund::EpochSettled {
            epoch: U256::from(EPOCH),
            tableHash: fr_to_u256(&a.statement.table_hash),
            fundBefore: 0,
            fundAfter: a.statement.fund_after,
        }]
    );
    assert_eq!(fw.balance(), a.statement.fund_after);
    assert_eq!(fw.fund.table_hash_of(&mut fw.w.evm, EPOCH).unwrap(), Some(a.statement.table_hash));
    assert_eq!(fw.fund.next_epoch(&mut fw.w.evm).unwrap(), EPOCH + 1);
    assert_eq!(fw.state(EPOCH), EpochState::Settled);
    // The next epoch's table starts from the fund the first left.
    fw.advance_to(EPOCH + 2);
    fw.settle(&b.settlement()).unwrap();
    assert_eq!(fw.balance(), b.statement.fund_after);
    assert_eq!(fw.fund.table_hash_of(&mut fw.w.evm, EPOCH + 1).unwrap(), Some(b.statement.table_hash));
}

#[test]
fn fund_refuses_a_table_that_does_not_match_its_proof() {
    let mut fw = FundWorld::new(1);
    let a = first();
    fw.advance_to(EPOCH + 1);
    // Another fund after, or another table hash, with the same proof.
    let more = Settlement { fund_after: a.statement.fund_after + 1, ..a.settlement() };
    assert_eq!(fund_error(fw.settle(&more)), invalid_proof(EPOCH));
    let other = Settlement { table_hash: a.statement.table_hash + Fr::from(1u64), ..a.settlement() };
    assert_eq!(fund_error(fw.settle(&other)), invalid_proof(EPOCH));
    // A valid proof of a table from another fund before than L1's (0): the next epoch's, proven
    // from the first's fund after, presented as its own epoch.
    let b = second();
    let mut early = FundWorld::new(1);
    early.advance_to(EPOCH + 2);
    assert_eq!(fund_error(early.settle(&b.settlement())), invalid_proof(EPOCH + 1));
    // A table hash that is no field element, or 0 (the "not settled" mark).
    for bad in [U256::ZERO, fr_to_u256(&a.statement.table_hash) + field_order()] {
        let mut call = a.settlement().call();
        call.tableHash = bad;
        let err =
            fw.w.evm.transact_sol(stranger(), fw.fund.fund, U256::ZERO, &call).map_err(RollupError::from);
        assert_eq!(fund_error(err), SolidarityFundErrors::BadValue(SolidarityFund::BadValue { value: bad }));
    }
    // Nothing moved; the right table still settles.
    assert_eq!(fw.balance(), 0);
    fw.settle(&a.settlement()).unwrap();
    assert_eq!(fw.balance(), a.statement.fund_after);
}

/// The BN254 scalar field's order.
fn field_order() -> U256 {
    U256::from_str_radix("21888242871839275222246405745257275088548364400416034343698204186575808495617", 10)
        .unwrap()
}

#[test]
fn fund_refuses_a_second_table_for_an_epoch() {
    let mut fw = FundWorld::new(2);
    let a = first();
    fw.advance_to(EPOCH + 1);
    fw.settle(&a.settlement()).unwrap();
    let already = SolidarityFundErrors::AlreadySettled(SolidarityFund::AlreadySettled {
        epoch: U256::from(EPOCH),
        tableHash: fr_to_u256(&a.statement.table_hash),
    });
    // The same table again, or another one, even within the window.
    assert_eq!(fund_error(fw.settle(&a.settlement())), already);
    let other = Settlement { fund_after: 0, table_hash: Fr::from(5u64), ..a.settlement() };
    assert_eq!(fund_error(fw.settle(&other)), already);
    fw.advance_to(EPOCH + 2);
    assert_eq!(fund_error(fw.settle(&a.settlement())), already);
    // Nor does a settled epoch lapse.
    fw.advance_to(EPOCH + 3);
    assert_eq!(fund_error(fw.fund.lapse(&mut fw.w.evm, stranger(), EPOCH)), already);
    assert_eq!(fw.balance(), a.statement.fund_after);
}

#[test]
fn fund_refuses_an_epoch_not_after_the_last_settled() {
    // A window of two epochs: epoch EPOCH could still settle by the clock in EPOCH + 2.
    let mut fw = FundWorld::new(2);
    fw.advance_to(EPOCH + 2);
    assert_eq!(fw.state(EPOCH), EpochState::Open);
    fw.settle(&second_from_empty().settlement()).unwrap();
    assert_eq!(
        fund_error(fw.settle(&first().settlement())),
        SolidarityFundErrors::EpochTooOld(SolidarityFund::EpochTooOld {
            epoch: U256::from(EPOCH),
            nextEpoch: U256::from(EPOCH + 2),
        })
    );
    assert_eq!(fw.state(EPOCH), EpochState::Lapsed, "below a settled epoch it never settles");
    assert_eq!(fw.balance(), second_from_empty().statement.fund_after);
}

#[test]
fn fund_an_epoch_past_its_window_lapses_and_moves_nothing() {
    let mut fw = FundWorld::new(1);
    let a = first();
    fw.advance_to(EPOCH + 1);
    // Within its window it cannot be lapsed.
    assert_eq!(
        fund_error(fw.fund.lapse(&mut fw.w.evm, stranger(), EPOCH)),
        SolidarityFundErrors::SettlementOpen(SolidarityFund::SettlementOpen {
            epoch: U256::from(EPOCH),
            lapsesAt: U256::from(EPOCH + 2),
        })
    );
    fw.advance_to(EPOCH + 2);
    assert_eq!(fw.state(EPOCH), EpochState::Lapsed);
    // Past its window a valid proof no longer settles it, marked or not.
    assert_eq!(fund_error(fw.settle(&a.settlement())), lapsed(EPOCH));
    let receipt = fw.fund.lapse(&mut fw.w.evm, stranger(), EPOCH).unwrap();
    assert_eq!(
        events::<SolidarityFund::EpochLapsed>(&receipt),
        vec![SolidarityFund::EpochLapsed { epoch: U256::from(EPOCH), fundBalance: 0 }]
    );
    assert_eq!(fund_error(fw.fund.lapse(&mut fw.w.evm, stranger(), EPOCH)), lapsed(EPOCH));
    assert_eq!(fund_error(fw.settle(&a.settlement())), lapsed(EPOCH));
    assert_eq!(fw.state(EPOCH), EpochState::Lapsed);
    assert_eq!((fw.balance(), fw.fund.table_hash_of(&mut fw.w.evm, EPOCH).unwrap()), (0, None));
    // The next epoch settles from the fund the lapsed one left untouched.
    fw.settle(&second_from_empty().settlement()).unwrap();
    assert_eq!(fw.balance(), second_from_empty().statement.fund_after);
}

#[test]
fn fund_governance_changes_apply_to_the_next_settlement() {
    // Other parameters: 60 % paid out instead of 50 %.
    let params = FundParams { payout_bps: 6_000, ..fund_params() };
    let under_params = prove(EPOCH, 0, &params, 3);
    // A fourth attester joins the registry.
    let under_registry = prove(EPOCH, 0, &fund_params(), 4);
    assert_ne!(under_params.statement.fund_after, first().statement.fund_after);

    let mut fw = FundWorld::new(1);
    fw.advance_to(EPOCH + 1);
    let not_governance =
        SolidarityFundErrors::NotGovernance(SolidarityFund::NotGovernance { governance: operator() });
    let new_hash = params_hash(&HealthParams::default(), &params);
    assert_eq!(fund_error(fw.fund.set_params_hash(&mut fw.w.evm, stranger(), new_hash)), not_governance);
    // Under the stored (old) parameters, the new parameters' proof is refused.
    assert_eq!(fund_error(fw.settle(&under_params.settlement())), invalid_proof(EPOCH));
    fw.fund.set_params_hash(&mut fw.w.evm, operator(), new_hash).unwrap();
    assert_eq!(fw.fund.params_hash(&mut fw.w.evm).unwrap(), new_hash);
    assert_eq!(fund_error(fw.settle(&first().settlement())), invalid_proof(EPOCH));
    fw.settle(&under_params.settlement()).unwrap();
    assert_eq!(fw.balance(), under_params.statement.fund_after);

    let mut fw = FundWorld::new(1);
    fw.advance_to(EPOCH + 1);
    let root = registry(4).root();
    assert_eq!(fund_error(fw.fund.set_registry_root(&mut fw.w.evm, stranger(), root)), not_governance);
    assert_eq!(fund_error(fw.settle(&under_registry.settlement())), invalid_proof(EPOCH));
    fw.fund.set_registry_root(&mut fw.w.evm, operator(), root).unwrap();
    assert_eq!(fw.fund.registry_root(&mut fw.w.evm).unwrap(), root);
    assert_eq!(fund_error(fw.settle(&first().settlement())), invalid_proof(EPOCH));
    fw.settle(&under_registry.settlement()).unwrap();

    // Governance hands over: the old one may no longer change anything; a verifier must be code.
    let next = Address::repeat_byte(0x66);
    fw.fund.transfer_governance(&mut fw.w.evm, operator(), next).unwrap();
    assert_eq!(fw.fund.governance(&mut fw.w.evm).unwrap(), next);
    assert_eq!(
        fund_error(fw.fund.set_verifier(&mut fw.w.evm, operator(), fw.fund.verifier)),
        SolidarityFundErrors::NotGovernance(SolidarityFund::NotGovernance { governance: next })
    );
    assert_eq!(
        fund_error(fw.fund.set_verifier(&mut fw.w.evm, next, stranger())),
        SolidarityFundErrors::BadValue(SolidarityFund::BadValue {
            value: U256::from_be_slice(stranger().as_slice())
        })
    );
    fw.fund.set_verifier(&mut fw.w.evm, next, fw.fund.verifier).unwrap();
}

#[test]
fn fund_settle_epoch_gas() {
    let a = first();
    let mut gas = Vec::new();
    for verifier in [epoch_verifier().clone(), accept_all_verifier()] {
        let mut fw = FundWorld::with_verifier(&verifier, 1);
        fw.advance_to(EPOCH + 1);
        gas.push(fw.settle(&a.settlement()).unwrap().gas_used);
    }
    let (settle, stand_in) = (gas[0], gas[1]);
    let verification = settle - stand_in;
    let mut fw = FundWorld::new(1);
    fw.advance_to(EPOCH + 2);
    let lapse = fw.fund.lapse(&mut fw.w.evm, stranger(), EPOCH).unwrap().gas_used;
    let deploy = {
        let mut w = World::new(&accept_all_verifier());
        let config =
            FundConfig { registry_root: Fr::from(1u64), params_hash: Fr::from(2u64), settle_window: 1 };
        FundContracts::deploy(&mut w.evm, operator(), w.rollup.rollup, epoch_verifier(), &config)
            .unwrap()
            .1
            .gas_used
    };
    println!("SolidarityFund gas (real epoch proof, 6 public inputs):");
    println!("  settleEpoch                         {settle:>9}");
    println!("  of which Groth16 verification       {verification:>9}");
    println!("  settleEpoch, stand-in verifier      {stand_in:>9}");
    println!("  lapse                               {lapse:>9}");
    println!("  deploy SolidarityFund               {deploy:>9}");
    let in_range = |gas: u64, lo: u64, hi: u64, what: &str| {
        assert!((lo..=hi).contains(&gas), "{what}: {gas} gas, expected {lo}..={hi}");
    };
    in_range(settle, 200_000, 320_000, "settleEpoch");
    in_range(stand_in, 40_000, 100_000, "settleEpoch with a stand-in verifier");
    in_range(lapse, 25_000, 60_000, "lapse");
}
