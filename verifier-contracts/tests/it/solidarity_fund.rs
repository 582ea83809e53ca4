//! The solidarity fund's epoch tables on L1 (issue 11, item 4): `SolidarityFund.sol` on revm
//! with real proofs of the epoch circuit (`EpochCircuit`, one bank slot, the insecure
//! development setup) and its generated verifier. A proven table settles and moves the fund;
//! L1 refuses a table that does not match (another fund after, table hash or fund before), a
//! second table for an epoch, an older epoch, a lapsed one, and a proof under a parameters'
//! hash or registry root that governance replaced. Gas of `settleEpoch` is printed. The
//! fixtures here (proofs, a chain with a rollup and the fund, carrying out the queued moves in
//! batches) also serve `fund_moves.rs`.

use std::sync::OnceLock;

use alloy_primitives::{Address, U256};
use ark_bn254::Fr;
use ccr_circuits::babyjubjub::eddsa::PrivateKey;
use ccr_circuits::health::constraints::{epoch_inputs, EpochCircuit, EpochStatement};
use ccr_circuits::health::fund::{params_hash, EpochTable, FundMember, FundParams};
use ccr_circuits::health::score::{BankActivity, HealthParams};
use ccr_circuits::health::{HealthAttesterRegistry, IndicatorReport, SignedReport, N_INDICATORS, SCALE};
use ccr_circuits::state::amount::Float40;
use ccr_circuits::state::encoding::EncodedSlot;
use ccr_circuits::state::tx::{FundMove, TxKind};
use ccr_prover::{Keypair, Proof};
use ccr_verifier_contracts::bindings::Rollup;
use ccr_verifier_contracts::bindings::SolidarityFund::{self, SolidarityFundErrors};
use ccr_verifier_contracts::fund::{
    epoch_verifier_artifact, EpochState, FundConfig, FundContracts, Settlement,
};
use ccr_verifier_contracts::rollup::{fr_to_u256, BatchSubmission};
use ccr_verifier_contracts::{solc, Artifact, Receipt, RollupError};

use crate::common::{accept_all_verifier, operator, rng, World, PARAMS};
use crate::flow::events;
use crate::governance::stranger;

/// Bank slots of the epoch circuit of the tests here (the contract reads the key's count).
pub const BANKS: usize = 1;
/// The epoch of the tables (reports of epochs up to 12 before count).
pub const EPOCH: u32 = 20;

/// Half of the fund (after contributions) granted per epoch, so that the fund keeps a balance.
pub fn fund_params() -> FundParams {
    FundParams { payout_bps: 5_000, ..FundParams::default() }
}

fn key(n: u8) -> PrivateKey {
    PrivateKey::from_bytes([n; 32])
}

/// Attesters 1..=`n` registered at indices 0..n.
pub fn registry(n: u8) -> HealthAttesterRegistry {
    let mut r = HealthAttesterRegistry::new();
    for a in 1..=n {
        r.add(u64::from(a - 1), &key(a).public_key()).unwrap();
    }
    r
}

/// Greece's totals in the shipped OECD and OWID files (a region with need).
const GREECE: [f64; N_INDICATORS] = [52.0, 19.5, 6.2, 18.0, 69.0, 73.0, 458.0, 83.0];

/// Three attesters report bioregion 0 in epoch [`EPOCH`].
pub fn reports() -> Vec<SignedReport> {
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

/// A bank in bioregion 0 (reported: it has need) that lends and is repaid: it receives a grant.
pub fn lender(pool: u32, pool_balance: u64) -> FundMember {
    let activity = BankActivity {
        lent_by_purpose: [25_000, 12_500, 12_500, 0, 0],
        repaid: 20_000,
        written_down: 0,
        pool_balance,
        receivable: 200_000,
        voted: 5,
        voters: 10,
    };
    FundMember { pool, bioregion: 0, activity }
}

/// A bank of bioregion 1 (no reports: no need, no grant) holding `pool_balance`: it only pays.
pub fn payer(pool: u32, pool_balance: u64) -> FundMember {
    FundMember { pool, bioregion: 1, activity: BankActivity { pool_balance, ..BankActivity::default() } }
}

/// One bank in bioregion 0 that lends and is repaid.
pub fn members() -> Vec<FundMember> {
    vec![lender(10, 1_000_000)]
}

/// The development keys of the epoch circuit of `banks` slots and their verifier (generated in
/// the dynamic input form, compiled by the pinned solc-js).
pub struct EpochKey {
    pub keys: Keypair,
    pub verifier: Artifact,
}

/// The [`EpochKey`] of `banks` bank slots, set up once per test binary (1, 4, 8 or 32).
pub fn epoch_key(banks: usize) -> &'static EpochKey {
    static KEYS: [OnceLock<EpochKey>; 4] =
        [OnceLock::new(), OnceLock::new(), OnceLock::new(), OnceLock::new()];
    let i = match banks {
        1 => 0,
        4 => 1,
        8 => 2,
        32 => 3,
        other => panic!("no epoch key of {other} bank slots in these tests"),
    };
    KEYS[i].get_or_init(|| {
        let keys = ccr_prover::dev_setup(EpochCircuit::setup(banks), [0x11; 32]).expect("setup");
        let notice = format!(
            "Epoch circuit of the solidarity fund, {banks} bank slots. INSECURE development key (tests)."
        );
        let verifier =
            epoch_verifier_artifact(&keys.vk, "EpochVerifier", &notice).unwrap_or_else(|e| panic!("{e}"));
        EpochKey { keys, verifier }
    })
}

/// The generated verifier of the one-slot key, compiled by the pinned solc-js (once).
fn epoch_verifier() -> &'static Artifact {
    &epoch_key(BANKS).verifier
}

/// A stand-in epoch verifier of `banks` bank slots that accepts every proof of the right input
/// count (the dynamic interface: `publicInputCount()` and `verifyProof(.., uint256[])`).
pub fn accept_all_epoch_verifier(banks: usize) -> Artifact {
    const SOURCE: &str = r#"// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity 0.8.28;

/// @notice Accepts every proof with `count` public inputs (tests).
contract AcceptAllEpoch {
    uint256 internal immutable count;

    constructor(uint256 count_) {
        count = count_;
    }

    function publicInputCount() external view returns (uint256) {
        return count;
    }

    function verifyProof(uint256[2] calldata, uint256[2][2] calldata, uint256[2] calldata, uint256[] calldata input)
        external
        view
        returns (bool)
    {
        return input.length == count;
    }
}
"#;
    static COMPILED: OnceLock<Artifact> = OnceLock::new();
    let artifact = COMPILED
        .get_or_init(|| solc::compile_contract(&solc::js_tools_dir(), "AcceptAllEpoch", SOURCE).unwrap());
    let count = U256::from(6 + banks);
    let mut code = artifact.bytecode.to_vec();
    code.extend_from_slice(&count.to_be_bytes::<32>());
    Artifact { bytecode: code.into(), ..artifact.clone() }
}

/// A proven epoch table: the table, its statement and proof.
pub struct Proven {
    pub table: EpochTable,
    pub statement: EpochStatement,
    pub proof: Proof<ark_bn254::Bn254>,
}

impl Proven {
    pub fn settlement(&self) -> Settlement {
        Settlement::new(&self.statement, &self.proof)
    }

    /// The moves the table implies with the fund's account `fund_account`.
    pub fn moves(&self, fund_account: u32) -> Vec<FundMove> {
        self.table.moves(fund_account)
    }
}

/// Proves the table of `epoch` of `members` from `fund_before` under `fund` and the registry of
/// `attesters`, with the key of `banks` slots.
pub fn prove_members(
    banks: usize,
    epoch: u32,
    fund_before: u64,
    fund: &FundParams,
    attesters: u8,
    members: &[FundMember],
) -> Proven {
    let (table, statement, witness) = epoch_inputs(
        &HealthParams::default(),
        fund,
        &registry(attesters),
        epoch,
        fund_before,
        members,
        &reports(),
        banks,
    )
    .unwrap();
    assert!(table.conserves());
    assert_eq!(statement.lines, table.packed_lines());
    let keys = &epoch_key(banks).keys;
    let proof = ccr_prover::prove(
        &keys.pk,
        EpochCircuit::new(statement.clone(), witness),
        &mut rng(u64::from(epoch) + 1000 * banks as u64),
    )
    .expect("prove");
    assert!(ccr_prover::verify(&keys.vk, &statement.public_inputs(), &proof).unwrap());
    Proven { table, statement, proof }
}

/// Proves the table of `epoch` from `fund_before` under `fund` and the registry of `attesters`.
fn prove(epoch: u32, fund_before: u64, fund: &FundParams, attesters: u8) -> Proven {
    prove_members(BANKS, epoch, fund_before, fund, attesters, &members())
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

/// A chain with a rollup (its epoch clock; an accept-all batch verifier, so that batches of
/// synthetic fund slots settle) and the fund deployed by [`operator`] and set as the rollup's.
pub struct FundWorld {
    pub w: World,
    pub fund: FundContracts,
}

impl FundWorld {
    pub fn new(settle_window: u64) -> Self {
        Self::with_verifier(epoch_verifier(), settle_window)
    }

    pub fn with_verifier(verifier: &Artifact, settle_window: u64) -> Self {
        Self::on(World::new(&accept_all_verifier()), verifier, settle_window)
    }

    /// The fund deployed on `w`'s rollup.
    pub fn on(mut w: World, verifier: &Artifact, settle_window: u64) -> Self {
        let config = FundConfig {
            registry_root: registry(3).root(),
            params_hash: params_hash(&HealthParams::default(), &fund_params()),
            settle_window,
        };
        let (fund, _) =
            FundContracts::deploy(&mut w.evm, operator(), w.rollup.rollup, verifier, &config).unwrap();
        Self { w, fund }
    }

    /// Makes `pool` a registered bank of the rollup: opens accounts up to it unless it is open
    /// (account `i` owned by [`bank_owner`]`(i)`), then registers it from its owner unless it
    /// is a bank already. Returns the owner.
    pub fn register_bank(&mut self, pool: u32) -> Address {
        let owner = |w: &mut World| -> Address {
            w.evm
                .call_sol(w.rollup.rollup, &Rollup::accountOwnerCall { accountIndex: U256::from(pool) })
                .unwrap()
        };
        if owner(&mut self.w) == Address::ZERO {
            loop {
                let count: U256 =
                    self.w.evm.call_sol(self.w.rollup.rollup, &Rollup::accountCountCall {}).unwrap();
                let index = u32::try_from(count).unwrap();
                assert!(index <= pool, "account {pool} is open");
                let opener = bank_owner(index);
                self.w.evm.set_balance(opener, crate::common::eth(1));
                self.w.rollup.create_account(&mut self.w.evm, opener, &key(7).public_key(), 0).unwrap();
                if index == pool {
                    break;
                }
            }
        }
        let owner = owner(&mut self.w);
        let bank =
            self.w.evm.call_sol(self.w.rollup.rollup, &Rollup::banksCall { pool: U256::from(pool) }).unwrap();
        if bank.owner == Address::ZERO {
            self.w
                .rollup
                .register_bank(&mut self.w.evm, owner, pool, 0, Fr::from(1u64), Fr::from(1u64))
                .unwrap();
        }
        owner
    }

    /// Registers each member's pool as a bank ([`FundWorld::register_bank`]) and admits it to the
    /// fund with its bioregion (governance: [`operator`]).
    pub fn admit(&mut self, members: &[FundMember]) {
        for m in members {
            self.register_bank(m.pool);
            self.fund.admit(&mut self.w.evm, operator(), m.pool, m.bioregion).unwrap();
        }
    }

    /// Mines blocks until the rollup's clock reads `epoch`.
    pub fn advance_to(&mut self, epoch: u32) {
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

    /// Settles as the fund's settler (the deployer, `operator()`).
    /// Records the flows `s`'s lines carry on the rollup ([`Self::record_flows`]), then settles
    /// `s` from the settler.
    pub fn settle(&mut self, s: &Settlement) -> Result<Receipt, RollupError> {
        self.record_flows(s);
        self.settle_only(s)
    }

    /// Settles `s` from the settler, as the rollup's flows are.
    pub fn settle_only(&mut self, s: &Settlement) -> Result<Receipt, RollupError> {
        self.fund.settle_epoch(&mut self.w.evm, operator(), s)
    }

    /// What the batches of `s`'s epoch would have done for its members' flows (`Rollup.flowOf`,
    /// which `settleEpoch` checks each member's line against): for each line whose pool's flow
    /// on the rollup is below the line's, a repayment slot of the difference to the pool, in
    /// batches (the accept-all verifier) of the table's epoch. The tables here are of synthetic
    /// activity; the devnet's come from real batches.
    pub fn record_flows(&mut self, s: &Settlement) {
        let mut slots = Vec::new();
        for line in &s.lines {
            let word = fr_to_u256(line);
            let (pool, flow): (u32, U256) =
                (u32::try_from(word & U256::from(u32::MAX)).unwrap(), word >> 192);
            if flow.is_zero() {
                continue;
            }
            let have = self.w.rollup.flow_of(&mut self.w.evm, s.epoch, pool).unwrap();
            if flow > have {
                slots.push(repay_slot(pool, u64::try_from(flow - have).unwrap()));
            }
        }
        for chunk in slots.chunks(PARAMS.batch_size) {
            let mut tx_data: Vec<u8> = chunk.concat();
            tx_data.resize(PARAMS.batch_size * 12, 0);
            self.submit_at(s.epoch, tx_data).unwrap();
        }
    }

    pub fn state(&mut self, epoch: u32) -> EpochState {
        self.fund.epoch_state(&mut self.w.evm, epoch).unwrap()
    }

    pub fn balance(&mut self) -> u64 {
        self.fund.fund_balance(&mut self.w.evm).unwrap()
    }

    /// Submits a batch (the accept-all verifier) whose slots are `slots` (`(kind, move)`), the
    /// rest no-ops, at the clock's epoch, consuming no queue entry.
    pub fn batch(&mut self, slots: &[(TxKind, FundMove)]) -> Result<Receipt, RollupError> {
        let mut tx_data: Vec<u8> = slots.iter().flat_map(|(kind, m)| fund_slot(*kind, m)).collect();
        tx_data.resize(PARAMS.batch_size * 12, 0);
        self.submit(tx_data)
    }

    /// Submits `tx_data` (the accept-all verifier) at the clock's epoch, consuming no queue entry.
    pub fn submit(&mut self, tx_data: Vec<u8>) -> Result<Receipt, RollupError> {
        let epoch: U256 = self.w.evm.call_sol(self.w.rollup.rollup, &Rollup::currentEpochCall {}).unwrap();
        self.submit_at(u32::try_from(epoch).unwrap(), tx_data)
    }

    /// Submits `tx_data` (the accept-all verifier) as a batch of `epoch`, consuming no queue
    /// entry.
    pub fn submit_at(&mut self, epoch: u32, tx_data: Vec<u8>) -> Result<Receipt, RollupError> {
        let consumed = self.w.rollup.deposit_counts(&mut self.w.evm).unwrap().1;
        let submission = BatchSubmission {
            new_root: Fr::from(7u64),
            deposits_consumed_after: u64::try_from(consumed).unwrap(),
            epoch,
            tx_data,
            proof: [U256::from(1); 8],
            credits: Default::default(),
        };
        self.w.rollup.submit_batch(&mut self.w.evm, operator(), &submission)
    }

    /// Carries out every pending move as paid, in batches of [`PARAMS`]' size.
    pub fn carry_out(&mut self) {
        let (_, moves) = self.fund.pending_moves(&mut self.w.evm).unwrap();
        for chunk in moves.chunks(PARAMS.batch_size) {
            let slots: Vec<_> = chunk.iter().map(|m| (TxKind::FundMove, *m)).collect();
            self.batch(&slots).unwrap();
        }
        let (next, end) = self.fund.moves_pending(&mut self.w.evm).unwrap();
        assert_eq!(next, end);
    }
}

/// The L1 owner of account `index` opened by [`FundWorld::register_bank`].
pub fn bank_owner(index: u32) -> Address {
    let mut bytes = [0xB0; 20];
    bytes[16..].copy_from_slice(&index.to_be_bytes());
    Address::from(bytes)
}

/// The 12 bytes of a fund slot of `kind` carrying `m`.
pub fn fund_slot(kind: TxKind, m: &FundMove) -> [u8; 12] {
    EncodedSlot { kind, from: m.from, to: m.to, amount: Float40::encode(m.amount).unwrap() }.to_bytes()
}

/// The 12 bytes of a repayment slot of `amount` to `pool` (by borrower 9): what adds to the
/// pool's flow on L1 (`Rollup.flowOf`).
pub fn repay_slot(pool: u32, amount: u64) -> [u8; 12] {
    EncodedSlot { kind: TxKind::Repay, from: 9, to: pool, amount: Float40::encode(amount).unwrap() }
        .to_bytes()
}

pub fn fund_error(result: Result<Receipt, RollupError>) -> SolidarityFundErrors {
    let err = result.expect_err("the fund accepted it");
    err.fund_error().unwrap_or_else(|| panic!("not a fund contract error: {err}"))
}

pub fn invalid_proof(epoch: u32) -> SolidarityFundErrors {
    SolidarityFundErrors::InvalidProof(SolidarityFund::InvalidProof { epoch: U256::from(epoch) })
}

pub fn lapsed(epoch: u32) -> SolidarityFundErrors {
    SolidarityFundErrors::SettlementLapsed(SolidarityFund::SettlementLapsed { epoch: U256::from(epoch) })
}

#[test]
fn fund_a_proven_table_settles_and_moves_the_fund() {
    let mut fw = FundWorld::new(1);
    fw.admit(&members());
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
    // The next epoch's table starts from the fund the first left, once the rollup carried out
    // the first's moves (its one bank pays in).
    assert_eq!(a.moves(fw.fund.fund_account).len(), 1);
    // (the next epoch's flows, in its batches, before those of the epoch after)
    fw.record_flows(&b.settlement());
    fw.advance_to(EPOCH + 2);
    fw.carry_out();
    fw.settle(&b.settlement()).unwrap();
    assert_eq!(fw.balance(), b.statement.fund_after);
    assert_eq!(fw.fund.table_hash_of(&mut fw.w.evm, EPOCH + 1).unwrap(), Some(b.statement.table_hash));
}

#[test]
fn fund_refuses_a_table_that_does_not_match_its_proof() {
    let mut fw = FundWorld::new(1);
    fw.admit(&members());
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
    early.admit(&members());
    early.advance_to(EPOCH + 2);
    assert_eq!(fund_error(early.settle(&b.settlement())), invalid_proof(EPOCH + 1));
    // A table hash that is no field element, or 0 (the "not settled" mark).
    for bad in [U256::ZERO, fr_to_u256(&a.statement.table_hash) + field_order()] {
        let mut call = a.settlement().call();
        call.tableHash = bad;
        let err =
            fw.w.evm.transact_sol(operator(), fw.fund.fund, U256::ZERO, &call).map_err(RollupError::from);
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
    fw.admit(&members());
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
    fw.admit(&members());
    fw.advance_to(EPOCH + 2);
    assert_eq!(fw.state(EPOCH), EpochState::Open);
    fw.settle(&second_from_empty().settlement()).unwrap();
    assert_eq!(
        fund_error(fw.settle_only(&first().settlement())),
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
    fw.admit(&members());
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
    // A lapsed epoch queues no move.
    assert_eq!(fw.fund.moves_pending(&mut fw.w.evm).unwrap(), (0, 0));
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
    fw.admit(&members());
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
    fw.admit(&members());
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

/// Only the settler settles: some of the table's activity figures are its statement (the
/// balances, receivables, writedowns and turnout: the proof checks the arithmetic over them,
/// not the figures against the rollup's state; the members, bioregions and flows L1 checks), so
/// a valid proof of someone else's figures moves nothing. Governance names another settler.
#[test]
fn fund_only_the_settler_settles_a_table() {
    let mut fw = FundWorld::new(1);
    fw.admit(&members());
    fw.advance_to(EPOCH + 1);
    assert_eq!(fw.fund.settler(&mut fw.w.evm).unwrap(), operator());
    let not_settler = |settler| SolidarityFundErrors::NotSettler(SolidarityFund::NotSettler { settler });
    let s = first().settlement();
    assert_eq!(fund_error(fw.fund.settle_epoch(&mut fw.w.evm, stranger(), &s)), not_settler(operator()));
    // Only governance names the settler, never address(0).
    let not_governance =
        SolidarityFundErrors::NotGovernance(SolidarityFund::NotGovernance { governance: operator() });
    assert_eq!(fund_error(fw.fund.set_settler(&mut fw.w.evm, stranger(), stranger())), not_governance);
    assert_eq!(
        fund_error(fw.fund.set_settler(&mut fw.w.evm, operator(), Address::ZERO)),
        SolidarityFundErrors::BadValue(SolidarityFund::BadValue { value: U256::ZERO })
    );
    fw.fund.set_settler(&mut fw.w.evm, operator(), stranger()).unwrap();
    assert_eq!(fund_error(fw.settle(&s)), not_settler(stranger()));
    fw.fund.settle_epoch(&mut fw.w.evm, stranger(), &s).unwrap();
    assert_eq!(fw.balance(), first().statement.fund_after);
}
