//! The solidarity fund's moves in the rollup (issue 11: "the transfers are carried out in the
//! rollup, authorised by the verified table, refused anywhere else"), on revm: the fund's L2
//! account opened by `SolidarityFund`'s constructor with the pinned key; a settlement queues
//! exactly `ccr_circuits::health::fund::moves` of the proven lines; L1 refuses lines other than
//! the proven ones, a settlement while moves are pending, and every batch whose fund slots are
//! not the next queued moves (an extra one, a skipped one, another amount or recipient), or
//! that reach the fund from anyone but the rollup; a shortfall is booked in `fundBalance`; moves
//! span batches; and, with real batch proofs of the test-size key, the fund's L2 balance ends
//! where `fundBalance` says, paid or short. Gas of `settleEpoch` by bank slots and of a fund
//! slot in `submitBatch` is printed.

use std::sync::OnceLock;

use alloy_primitives::{Address, U256};
use ark_bn254::Fr;
use ccr_circuits::batch::BatchBuilder;
use ccr_circuits::health::fund::{fund_account_key, moves, pack_line, padding, FundMember};
use ccr_circuits::state::amount::Float40;
use ccr_circuits::state::encoding::EncodedSlot;
use ccr_circuits::state::tx::{Deposit, FundMove, QueueEntry, Tx, TxKind};
use ccr_prover::batch::prove_batch;
use ccr_verifier_contracts::bindings::Rollup::{self, RollupErrors};
use ccr_verifier_contracts::bindings::SolidarityFund::{self, SolidarityFundErrors};
use ccr_verifier_contracts::fund::{fund_slot_word, pack_move, queued_moves, FundConfig, FundContracts};
use ccr_verifier_contracts::rollup::{fr_to_u256, BatchSubmission};
use ccr_verifier_contracts::Receipt;
use rand::{Rng, SeedableRng};

use crate::common::{accept_all_verifier, operator, prover, rng, verifier, Member, World};
use crate::flow::{contract_error, events};
use crate::governance::stranger;
use crate::solidarity_fund::{
    accept_all_epoch_verifier, epoch_key, fund_error, fund_params, invalid_proof, lender, payer,
    prove_members, registry, FundWorld, Proven, EPOCH,
};

/// Bank slots of the key of most tests here: three banks and a padding line.
pub const BANKS: usize = 4;

/// A lender (pool 10, receives), and two payers (11 and 12): three moves, each exact.
pub fn plain() -> Vec<FundMember> {
    vec![lender(10, 1_000_000), payer(11, 2_000_000), payer(12, 500_000)]
}

/// As [`plain`], with pool 11 paying `2^35 + 3` (no exact Float40 encoding: two moves).
fn split() -> Vec<FundMember> {
    vec![lender(10, 1_000_000), payer(11, ((1 << 35) + 3) * 50), payer(12, 500_000)]
}

/// Epoch [`EPOCH`] of [`plain`] from an empty fund.
pub fn p20() -> &'static Proven {
    static P: OnceLock<Proven> = OnceLock::new();
    P.get_or_init(|| prove_members(BANKS, EPOCH, 0, &fund_params(), 3, &plain()))
}

/// Epoch [`EPOCH`] + 1 of [`split`] from the fund [`p20`] leaves.
fn p21() -> &'static Proven {
    static P: OnceLock<Proven> = OnceLock::new();
    P.get_or_init(|| prove_members(BANKS, EPOCH + 1, p20().statement.fund_after, &fund_params(), 3, &split()))
}

/// A fund of the [`BANKS`]-slot key on an accept-all rollup, with the banks of [`plain`] and
/// [`split`] (pools 10, 11, 12; bioregions 0, 1, 1) admitted.
fn world(settle_window: u64) -> FundWorld {
    let mut fw = FundWorld::with_verifier(&epoch_key(BANKS).verifier, settle_window);
    fw.admit(&plain());
    fw
}

fn packed(moves: &[FundMove]) -> Vec<U256> {
    moves.iter().map(pack_move).collect()
}

fn mismatch(position: u64, expected: &FundMove, got: &FundMove) -> SolidarityFundErrors {
    SolidarityFundErrors::MoveMismatch(SolidarityFund::MoveMismatch {
        position: U256::from(position),
        expected: pack_move(expected),
        got: pack_move(got),
    })
}

fn none_pending(position: u64) -> SolidarityFundErrors {
    SolidarityFundErrors::NoMovePending(SolidarityFund::NoMovePending { position: U256::from(position) })
}

fn paid(moves: &[FundMove]) -> Vec<(TxKind, FundMove)> {
    moves.iter().map(|m| (TxKind::FundMove, *m)).collect()
}

fn consumed(receipt: &Receipt) -> Vec<(U256, U256, U256)> {
    events::<SolidarityFund::MovesConsumed>(receipt)
        .into_iter()
        .map(|e| (e.batchNumber, e.next, e.end))
        .collect()
}

#[test]
fn fund_account_is_opened_with_the_pinned_key_at_the_next_index() {
    let mut w = World::new(&accept_all_verifier());
    for n in [1, 2] {
        let m = Member::new(n);
        w.fund(&m);
        w.rollup.create_account(&mut w.evm, m.l1, &m.key.public_key(), 5).unwrap();
    }
    let config =
        FundConfig { registry_root: registry(3).root(), params_hash: Fr::from(5u64), settle_window: 1 };
    let (fund, receipt) = FundContracts::deploy(
        &mut w.evm,
        operator(),
        w.rollup.rollup,
        &accept_all_epoch_verifier(1),
        &config,
    )
    .unwrap();
    assert_eq!(fund.fund_account, 2, "the next index");
    let key = fund_account_key();
    assert_eq!(
        events::<Rollup::AccountCreated>(&receipt),
        [Rollup::AccountCreated {
            accountIndex: 2,
            owner: fund.fund,
            ax: fr_to_u256(&key.x),
            ay: fr_to_u256(&key.y)
        }]
    );
    // A queue entry the next batches consume: the account with the fund's key and nothing in it.
    assert_eq!(
        w.rollup.queue_entries(&receipt.logs).unwrap(),
        [(2, QueueEntry::Deposit(Deposit { index: 2, pubkey: Some(key), amount: 0 }))]
    );
    let owner: Address =
        w.evm.call_sol(w.rollup.rollup, &Rollup::accountOwnerCall { accountIndex: U256::from(2) }).unwrap();
    assert_eq!(owner, fund.fund, "the fund contract owns it on L1 (nobody can sign for it on L2)");
    assert_eq!(w.rollup.fund(&mut w.evm).unwrap(), Some(fund.fund));
    assert_eq!(w.rollup.l2_supply(&mut w.evm).unwrap(), U256::from(10));
    // The fund is set once, by the rollup's deployer.
    assert_eq!(
        contract_error(w.rollup.set_fund(&mut w.evm, stranger(), stranger())),
        RollupErrors::NotDeployer(Rollup::NotDeployer { deployer: operator() })
    );
    assert_eq!(
        contract_error(w.rollup.set_fund(&mut w.evm, operator(), stranger())),
        RollupErrors::FundAlreadySet(Rollup::FundAlreadySet {})
    );

    // A token rollup: an account of 0 needs no allowance.
    let mut t = World::with_token(&accept_all_verifier());
    let (fund, _) = FundContracts::deploy(
        &mut t.evm,
        operator(),
        t.rollup.rollup,
        &accept_all_epoch_verifier(1),
        &config,
    )
    .unwrap();
    assert_eq!(fund.fund_account, 0);
    t.check_balance_invariant();
    // A verifier without the dynamic interface is refused.
    let err = FundContracts::deploy(&mut t.evm, operator(), t.rollup.rollup, &accept_all_verifier(), &config)
        .expect_err("a fixed-input verifier");
    assert!(matches!(err.fund_error(), Some(SolidarityFundErrors::BadValue(_))), "{err}");
}

#[test]
fn fund_settlement_queues_exactly_the_tables_moves() {
    let mut fw = world(2);
    let fund = fw.fund.fund_account;
    assert_eq!(fw.fund.bank_slots(&mut fw.w.evm).unwrap(), BANKS as u32);
    fw.advance_to(EPOCH + 1);
    let (a, b) = (p20(), p21());
    let a_moves = a.moves(fund);
    assert_eq!(a_moves.len(), 3, "{a_moves:?}");
    assert_eq!(a_moves[2].from, fund, "payers first, then the grant");
    let receipt = fw.settle(&a.settlement()).unwrap();
    let queued = events::<SolidarityFund::MovesQueued>(&receipt);
    assert_eq!(queued.len(), 1);
    assert_eq!((queued[0].epoch, queued[0].first), (U256::from(EPOCH), U256::ZERO));
    assert_eq!(queued[0].moves, packed(&a_moves));
    assert_eq!(queued_moves(&queued[0]).unwrap(), a_moves);
    assert_eq!(fw.fund.pending_moves(&mut fw.w.evm).unwrap(), (0, a_moves.clone()));
    assert_eq!(fw.fund.moves_pending(&mut fw.w.evm).unwrap(), (0, 3));
    fw.carry_out();

    // The next table (from an odd position: two moves share a storage slot across tables),
    // with a contribution split in two exact parts.
    fw.advance_to(EPOCH + 2);
    let b_moves = b.moves(fund);
    assert_eq!(b_moves.len(), 4, "{b_moves:?}");
    assert_eq!((b_moves[0].amount, b_moves[1].amount), ((1 << 35) + 2, 1));
    let receipt = fw.settle(&b.settlement()).unwrap();
    let queued = events::<SolidarityFund::MovesQueued>(&receipt);
    assert_eq!((queued[0].first, queued[0].moves.clone()), (U256::from(3), packed(&b_moves)));
    assert_eq!(fw.fund.moves_pending(&mut fw.w.evm).unwrap(), (3, 7));
    for (i, m) in a_moves.iter().chain(&b_moves).enumerate() {
        assert_eq!(&fw.fund.move_at(&mut fw.w.evm, i as u64).unwrap(), m, "move {i}");
    }
    assert_eq!(
        fund_error(fw.fund.move_at(&mut fw.w.evm, 7).map(|_| unreachable!())),
        SolidarityFundErrors::NoSuchMove(SolidarityFund::NoSuchMove {
            position: U256::from(7),
            end: U256::from(7)
        })
    );
}

/// The contract's `movesOf` is `ccr_circuits::health::fund::moves` on random lines: amounts
/// exact and not, nets of 0, the largest contributions and grants, any bioregion (the moves
/// ignore it), padding lines.
#[test]
fn fund_moves_of_lines_are_the_rust_moves() {
    let mut fw = world(1);
    let mut r = rand_chacha::ChaCha20Rng::seed_from_u64(11);
    let amount = |r: &mut rand_chacha::ChaCha20Rng| -> u64 {
        match r.gen_range(0..6) {
            0 => 0,
            1 => r.gen_range(0..1_000),
            2 => r.gen_range(0..1 << 35),
            3 => r.gen_range(1 << 35..1 << 45),
            4 => r.gen_range(0..=u64::MAX),
            _ => u64::MAX - r.gen_range(0..3),
        }
    };
    for case in 0..120 {
        let fund = r.gen_range(0..1 << 24);
        let n = r.gen_range(0..12);
        let lines: Vec<(u32, u64, u64, u32)> = (0..n)
            .map(|i| {
                if r.gen_range(0..5) == 0 {
                    let pad = padding(i);
                    (pad.pool, 0, 0, pad.bioregion)
                } else {
                    let c = amount(&mut r);
                    let g = if r.gen_range(0..4) == 0 { c } else { amount(&mut r) };
                    let b = match r.gen_range(0..3) {
                        0 => 0,
                        1 => r.gen_range(0..64),
                        _ => r.gen_range(0..=u32::MAX),
                    };
                    (r.gen_range(0..1 << 24), c, g, b)
                }
            })
            .collect();
        let packed_lines: Vec<Fr> = lines.iter().map(|&(p, c, g, b)| pack_line(p, c, g, b, 0)).collect();
        assert_eq!(
            fw.fund.moves_of(&mut fw.w.evm, &packed_lines, fund).unwrap(),
            moves(lines.iter().map(|&(p, c, g, _)| (p, c, g)), fund),
            "case {case}: {lines:?}"
        );
    }
}

#[test]
fn fund_refuses_lines_other_than_the_proven_ones() {
    let mut fw = world(1);
    fw.advance_to(EPOCH + 1);
    let a = p20();
    let good = a.settlement();
    let with_lines = |lines: Vec<Fr>| {
        let mut s = good.clone();
        s.lines = lines;
        s
    };
    // A grant one more, a contribution one less: the moves would differ; the proof does not
    // verify.
    let mut more = good.lines.clone();
    more[0] += Fr::from(1u128 << 96);
    assert_eq!(fund_error(fw.settle(&with_lines(more))), invalid_proof(EPOCH));
    let mut less = good.lines.clone();
    less[1] -= Fr::from(1u128 << 32);
    assert_eq!(fund_error(fw.settle(&with_lines(less))), invalid_proof(EPOCH));
    // Two members swapped, or a member in another bioregion: refused as such before the proof.
    let mut swapped = good.lines.clone();
    swapped.swap(1, 2);
    assert_eq!(
        fund_error(fw.settle(&with_lines(swapped))),
        SolidarityFundErrors::MembersOutOfOrder(SolidarityFund::MembersOutOfOrder {
            line: U256::from(2),
            pool: 11
        })
    );
    let mut moved = good.lines.clone();
    moved[2] += Fr::from(1u128 << 64) * Fr::from(1u128 << 96);
    assert_eq!(
        fund_error(fw.settle(&with_lines(moved))),
        SolidarityFundErrors::BioregionMismatch(SolidarityFund::BioregionMismatch {
            line: U256::from(2),
            pool: 12,
            expected: 1,
            got: 2
        })
    );
    // Fewer or more lines than the key's bank slots (e.g. a table of another key's size).
    for n in [3, 5, 1] {
        let mut lines = good.lines.clone();
        lines.resize(n, Fr::from(0u64));
        assert_eq!(
            fund_error(fw.settle(&with_lines(lines))),
            SolidarityFundErrors::LineCount(SolidarityFund::LineCount {
                got: U256::from(n),
                bankSlots: U256::from(BANKS),
            })
        );
    }
    // A line of 2^253 or more is no line.
    let mut call = good.call();
    call.lines[0] += U256::from(1) << 253;
    let bad = call.lines[0];
    let err = fw.w.evm.transact_sol(operator(), fw.fund.fund, U256::ZERO, &call).map_err(Into::into);
    assert_eq!(fund_error(err), SolidarityFundErrors::BadValue(SolidarityFund::BadValue { value: bad }));
    // A flow other than the rollup's (70,000 for pool 10) is refused before the proof.
    let mut call = good.call();
    call.lines[0] += U256::from(1) << 192;
    let err = fw.w.evm.transact_sol(operator(), fw.fund.fund, U256::ZERO, &call).map_err(Into::into);
    assert_eq!(
        fund_error(err),
        SolidarityFundErrors::FlowMismatch(SolidarityFund::FlowMismatch {
            line: U256::ZERO,
            pool: 10,
            expected: U256::from(70_000),
            got: U256::from(70_001)
        })
    );
    // Nothing queued; the proven lines settle.
    assert_eq!(fw.fund.moves_pending(&mut fw.w.evm).unwrap(), (0, 0));
    fw.settle(&good).unwrap();
    assert_eq!(fw.fund.moves_pending(&mut fw.w.evm).unwrap(), (0, 3));
}

#[test]
fn fund_refuses_a_settlement_while_moves_are_pending() {
    let mut fw = world(2);
    let (a, b) = (p20(), p21());
    fw.advance_to(EPOCH + 1);
    fw.settle(&a.settlement()).unwrap();
    fw.advance_to(EPOCH + 2);
    let pending = |next: u64, end: u64| {
        SolidarityFundErrors::MovesPending(SolidarityFund::MovesPending {
            next: U256::from(next),
            end: U256::from(end),
        })
    };
    assert_eq!(fund_error(fw.settle(&b.settlement())), pending(0, 3));
    let a_moves = a.moves(fw.fund.fund_account);
    fw.batch(&paid(&a_moves[..2])).unwrap();
    assert_eq!(fund_error(fw.settle(&b.settlement())), pending(2, 3));
    // A settled epoch is still refused as such, a second time.
    assert!(matches!(fund_error(fw.settle(&a.settlement())), SolidarityFundErrors::AlreadySettled(_)));
    fw.batch(&paid(&a_moves[2..])).unwrap();
    fw.settle(&b.settlement()).unwrap();
    assert_eq!(fw.balance(), b.statement.fund_after);
    assert_eq!(fw.fund.moves_pending(&mut fw.w.evm).unwrap(), (3, 7));
}

#[test]
fn fund_slots_must_be_the_next_queued_moves() {
    let mut fw = world(2);
    let fund = fw.fund.fund_account;
    let (a, b) = (p20(), p21());
    let m = a.moves(fund);
    // Nothing settled: a fund slot has no move to carry out.
    assert_eq!(fund_error(fw.batch(&paid(&m[..1]))), none_pending(0));
    fw.advance_to(EPOCH + 1);
    fw.settle(&a.settlement()).unwrap();

    // Another amount, another recipient, another payer, a skipped move.
    let more = FundMove { amount: m[0].amount + 1, ..m[0] };
    assert_eq!(fund_error(fw.batch(&paid(&[more]))), mismatch(0, &m[0], &more));
    let elsewhere = FundMove { to: 3, ..m[0] };
    assert_eq!(fund_error(fw.batch(&paid(&[elsewhere]))), mismatch(0, &m[0], &elsewhere));
    let other_payer = FundMove { from: m[1].from, ..m[0] };
    assert_eq!(fund_error(fw.batch(&paid(&[other_payer]))), mismatch(0, &m[0], &other_payer));
    assert_eq!(fund_error(fw.batch(&paid(&[m[1]]))), mismatch(0, &m[0], &m[1]));
    assert_eq!(fund_error(fw.batch(&paid(&[m[0], m[2]]))), mismatch(1, &m[1], &m[2]));
    // The moves in order, in two batches, beside other slots.
    let first = fw.batch(&paid(&m[..1])).unwrap();
    // (batch 1 carried the epoch's flows, `FundWorld::record_flows`)
    assert_eq!(consumed(&first), [(U256::from(2), U256::from(1), U256::from(3))]);
    assert_eq!(fw.fund.moves_pending(&mut fw.w.evm).unwrap(), (1, 3));
    let mut tx_data = vec![0u8; 12];
    tx_data[0] = TxKind::Transfer as u8;
    tx_data.extend(crate::solidarity_fund::fund_slot(TxKind::FundMove, &m[1]));
    tx_data.extend(
        EncodedSlot { kind: TxKind::Transfer, from: 1, to: 2, amount: Float40::encode(3).unwrap() }
            .to_bytes(),
    );
    tx_data.extend(crate::solidarity_fund::fund_slot(TxKind::FundMove, &m[2]));
    let second = fw.submit(tx_data).unwrap();
    assert_eq!(consumed(&second), [(U256::from(3), U256::from(3), U256::from(3))]);
    // All carried out: one more is refused.
    assert_eq!(fund_error(fw.batch(&paid(&m[..1]))), none_pending(3));

    // Beyond the end within a batch: the last move and one more.
    fw.advance_to(EPOCH + 2);
    fw.settle(&b.settlement()).unwrap();
    let n = b.moves(fund);
    fw.batch(&paid(&n[..3])).unwrap();
    assert_eq!(fund_error(fw.batch(&paid(&[n[3], n[3]]))), none_pending(7));
    assert_eq!(fw.fund.moves_pending(&mut fw.w.evm).unwrap(), (6, 7));
    // Only the rollup hands slots to the fund.
    let word = fund_slot_word(&n[3], false);
    assert_eq!(
        fund_error(fw.fund.consume_moves(&mut fw.w.evm, stranger(), 9, &[word])),
        SolidarityFundErrors::NotRollup(SolidarityFund::NotRollup { rollup: fw.w.rollup.rollup })
    );
    assert_eq!(
        fund_error(fw.fund.consume_moves(&mut fw.w.evm, operator(), 9, &[word])),
        SolidarityFundErrors::NotRollup(SolidarityFund::NotRollup { rollup: fw.w.rollup.rollup })
    );
    fw.batch(&paid(&n[3..])).unwrap();
    assert_eq!(fw.fund.moves_pending(&mut fw.w.evm).unwrap(), (7, 7));
}

#[test]
fn fund_slots_without_a_fund_are_refused() {
    let mut fw = world(1);
    let m = FundMove { from: 1, to: 2, amount: 5 };
    // A rollup without a fund: its batches take no fund slot.
    let mut w = World::new(&accept_all_verifier());
    let mut tx_data = crate::solidarity_fund::fund_slot(TxKind::FundShortfall, &m).to_vec();
    tx_data.resize(48, 0);
    let submission = BatchSubmission {
        new_root: Fr::from(1u64),
        deposits_consumed_after: 0,
        epoch: 0,
        tx_data,
        proof: [U256::from(1); 8],
        credits: Default::default(),
    };
    assert_eq!(
        contract_error(w.rollup.submit_batch(&mut w.evm, operator(), &submission)),
        RollupErrors::NoFund(Rollup::NoFund {})
    );
    assert_eq!(w.rollup.fund(&mut w.evm).unwrap(), None);
    // With a fund, a shortfall slot is a fund slot as well.
    assert_eq!(fund_error(fw.batch(&[(TxKind::FundShortfall, m)])), none_pending(0));
}

/// Carries out `a`'s three moves (two contributions, then the grant) with `kinds`, and returns
/// the fund's balance once they are.
fn book(kinds: [TxKind; 3]) -> (u64, Vec<SolidarityFund::ShortfallsBooked>) {
    let mut fw = world(1);
    let a = p20();
    fw.advance_to(EPOCH + 1);
    fw.settle(&a.settlement()).unwrap();
    let m = a.moves(fw.fund.fund_account);
    let slots: Vec<_> = kinds.iter().zip(&m).map(|(k, m)| (*k, *m)).collect();
    // The contributions in one batch, the grant in the next: nothing is booked before the end.
    fw.batch(&slots[..2]).unwrap();
    assert_eq!(fw.balance(), a.statement.fund_after);
    let expected: i128 = slots[..2]
        .iter()
        .filter(|(k, _)| *k == TxKind::FundShortfall)
        .map(|(_, m)| -i128::from(m.amount))
        .sum();
    assert_eq!(fw.fund.pending_adjustment(&mut fw.w.evm).unwrap(), expected);
    let last = fw.batch(&slots[2..]).unwrap();
    assert_eq!(fw.fund.pending_adjustment(&mut fw.w.evm).unwrap(), 0);
    (fw.balance(), events(&last))
}

#[test]
fn fund_a_shortfall_is_booked_in_the_fund_balance() {
    let a = p20();
    let m = a.moves(0);
    // 70,000 in (20,000 of them netted against pool 10's grant of 35,000), 35,000 granted.
    let after = a.statement.fund_after;
    assert_eq!((after, m[0].amount, m[1].amount, m[2].amount), (35_000, 40_000, 10_000, 15_000));
    use TxKind::{FundMove as Paid, FundShortfall as Short};
    let booked = |adjustment: i128, balance: u64| {
        vec![SolidarityFund::ShortfallsBooked {
            adjustment: alloy_primitives::I256::try_from(adjustment).unwrap(),
            fundBalance: balance,
        }]
    };
    // Everything paid: the table's fund after (the fund account holds 40,000 + 10,000 − 15,000).
    assert_eq!(book([Paid, Paid, Paid]), (after, vec![]));
    // Pool 12 could not pay 10,000: the fund account holds 40,000 − 15,000.
    assert_eq!(book([Paid, Short, Paid]), (25_000, booked(-10_000, 25_000)));
    // Pool 11 could not pay 40,000, so the fund (10,000) could not grant 15,000: it holds 10,000.
    assert_eq!(book([Short, Paid, Short]), (10_000, booked(-25_000, 10_000)));
    // A short grant alone raises the balance by what stayed in the fund.
    assert_eq!(book([Paid, Paid, Short]), (after + 15_000, booked(15_000, after + 15_000)));
    // A grant paid although a contribution was short (the fund account held money from outside
    // the tables, e.g. a transfer to it): the booked balance stops at 0.
    assert_eq!(book([Short, Paid, Paid]), (0, booked(-40_000, 0)));
}

/// The real batch circuit (test-size key) carries out a settled table's moves: the fund's L2
/// balance ends at `fundBalance`, with the payer able to pay (`paid`) or not. (A grant needs a
/// flow, which this world's rollup cannot record without a real loan: the grant's side is the
/// devnet's, and the circuit tests', where the fund's account pays.)
fn real_batches(paid: bool) {
    let mut w = World::new(verifier());
    let config = FundConfig {
        registry_root: registry(3).root(),
        params_hash: ccr_circuits::health::fund::params_hash(
            &ccr_circuits::health::score::HealthParams::default(),
            &fund_params(),
        ),
        settle_window: 1,
    };
    let (fund, deployed) =
        FundContracts::deploy(&mut w.evm, operator(), w.rollup.rollup, &epoch_key(BANKS).verifier, &config)
            .unwrap();
    assert_eq!(fund.fund_account, 0);
    let mut logs = deployed.logs;
    // Pool 1 is a member with nothing to pay, pool 2 pays 200,000: it holds 1,000,000 (a fund
    // move may take a fifth of an account's balance: exactly 200,000), or 150,000.
    let (alice, bob) = (Member::new(1), Member::new(2));
    for (m, amount) in [(&alice, 1_000), (&bob, if paid { 1_000_000 } else { 150_000 })] {
        w.fund(m);
        logs.extend(w.rollup.create_account(&mut w.evm, m.l1, &m.key.public_key(), amount).unwrap().logs);
    }
    let deposits = crate::flow::deposits(&w.rollup.queue_entries(&logs).unwrap());
    assert_eq!(deposits.len(), 3);
    let mut batch = BatchBuilder::new(&w.state);
    for d in &deposits {
        batch.push(&mut w.state, &Tx::Deposit(d.clone())).unwrap();
    }
    let witness = batch.finish_from(&w.state);
    let (proof, _) = prove_batch(prover(), witness.clone(), &mut rng(40)).unwrap();
    w.rollup.submit_batch(&mut w.evm, operator(), &BatchSubmission::new(&witness, 3, &proof)).unwrap();
    assert_eq!(w.state.account(0).unwrap().pubkey, fund_account_key());

    let table = real_table();
    let mut fw = FundWorld { w, fund };
    // Alice's and Bob's accounts become banks, which governance admits.
    fw.admit(&[payer(1, 0), payer(2, 0)]);
    fw.advance_to(EPOCH + 1);
    fw.settle_only(&table.settlement()).unwrap();
    let (_, pending) = fw.fund.pending_moves(&mut fw.w.evm).unwrap();
    assert_eq!(pending, [FundMove { from: 2, to: 0, amount: 200_000 }]);
    for (i, group) in [&pending[..]].into_iter().enumerate() {
        let mut batch = BatchBuilder::new(&fw.w.state);
        for m in group {
            batch.push(&mut fw.w.state, &Tx::Fund(*m)).unwrap();
        }
        let witness = batch.finish_from(&fw.w.state);
        let kinds: Vec<_> = witness.slots.iter().map(|s| s.encoded.kind).take(group.len()).collect();
        let kind = if paid { TxKind::FundMove } else { TxKind::FundShortfall };
        assert!(kinds.iter().all(|k| *k == kind), "{kinds:?}");
        let (proof, _) = prove_batch(prover(), witness.clone(), &mut rng(41 + i as u64)).unwrap();
        let receipt =
            fw.w.rollup
                .submit_batch(&mut fw.w.evm, operator(), &BatchSubmission::new(&witness, 3, &proof))
                .unwrap();
        assert_eq!(consumed(&receipt).len(), 1);
    }
    assert_eq!(fw.w.rollup.state_root(&mut fw.w.evm).unwrap(), fw.w.state.root());
    assert_eq!(fw.fund.moves_pending(&mut fw.w.evm).unwrap(), (1, 1));
    let l2 = fw.w.state.account(0).unwrap().balance;
    assert_eq!(fw.balance(), l2, "fundBalance is the fund account's L2 balance");
    assert_eq!(l2, if paid { table.statement.fund_after } else { 0 });
    assert_eq!(fw.w.state.account(2).unwrap().balance, if paid { 800_000 } else { 150_000 });
    fw.w.check_balance_invariant();
}

/// Pool 1 (nothing to pay, no flow) and pool 2 (200,000 in), epoch [`EPOCH`], from an empty
/// fund: one move, 2 → fund 200,000; the fund after is 200,000 (no flow, no grant).
fn real_table() -> &'static Proven {
    static P: OnceLock<Proven> = OnceLock::new();
    P.get_or_init(|| {
        let p = prove_members(BANKS, EPOCH, 0, &fund_params(), 3, &[payer(1, 0), payer(2, 10_000_000)]);
        assert_eq!(p.statement.fund_after, 200_000);
        p
    })
}

#[test]
fn fund_moves_paid_in_real_batches() {
    real_batches(true);
}

#[test]
fn fund_moves_short_in_real_batches() {
    real_batches(false);
}

/// `settleEpoch` with a real proof and against the stand-in for `banks` slots, with `members`;
/// returns (real, stand-in, moves).
fn settle_gas(banks: usize, members: &[FundMember]) -> (u64, u64, usize) {
    let proven = prove_members(banks, EPOCH, 0, &fund_params(), 3, members);
    let mut gas = Vec::new();
    let mut n = 0;
    for verifier in [epoch_key(banks).verifier.clone(), accept_all_epoch_verifier(banks)] {
        let mut fw = FundWorld::with_verifier(&verifier, 1);
        fw.admit(members);
        fw.advance_to(EPOCH + 1);
        let receipt = fw.settle(&proven.settlement()).unwrap();
        n = events::<SolidarityFund::MovesQueued>(&receipt)[0].moves.len();
        gas.push(receipt.gas_used);
    }
    (gas[0], gas[1], n)
}

/// `banks` members, alternately lenders (receive) and payers (pay in), all moving.
fn many(banks: usize) -> Vec<FundMember> {
    (0..banks as u32)
        .map(
            |i| {
                if i % 2 == 0 {
                    lender(100 + i, 1_000_000 + u64::from(i))
                } else {
                    payer(100 + i, 3_000_000)
                }
            },
        )
        .collect()
}

fn report_settle_gas(banks: &[usize]) {
    println!("SolidarityFund.settleEpoch gas (real epoch proof; stand-in verifier; moves queued):");
    for &b in banks {
        let (real, stand_in, moves) = settle_gas(b, &many(b));
        println!(
            "  {b:>2} bank slots: {real:>9} ({stand_in:>9} stand-in, verification {:>7}), {moves} moves",
            real - stand_in
        );
        assert!(real > stand_in);
        assert!(stand_in < 80_000 + 40_000 * b as u64, "{b} bank slots: {stand_in} gas");
    }
}

#[test]
fn fund_settle_epoch_gas() {
    report_settle_gas(&[4]);
    let mut fw = world(1);
    fw.advance_to(EPOCH + 2);
    let lapse = fw.fund.lapse(&mut fw.w.evm, stranger(), EPOCH).unwrap().gas_used;
    let deploy = {
        let mut w = World::new(&accept_all_verifier());
        let config =
            FundConfig { registry_root: Fr::from(1u64), params_hash: Fr::from(2u64), settle_window: 1 };
        FundContracts::deploy(&mut w.evm, operator(), w.rollup.rollup, &epoch_key(BANKS).verifier, &config)
            .unwrap()
            .1
            .gas_used
    };
    // Members: a new one (a registered bank: the rollup's `banks` read), a bioregion changed,
    // the first of two removed (the last takes its place), by governance.
    let (admit, readmit, remove) = {
        let mut fw = FundWorld::with_verifier(&accept_all_epoch_verifier(BANKS), 1);
        for pool in [10, 11] {
            fw.register_bank(pool);
        }
        let admit = fw.fund.admit(&mut fw.w.evm, operator(), 10, 0).unwrap().gas_used;
        fw.fund.admit(&mut fw.w.evm, operator(), 11, 0).unwrap();
        let readmit = fw.fund.admit(&mut fw.w.evm, operator(), 10, 1).unwrap().gas_used;
        let remove = fw.fund.remove(&mut fw.w.evm, operator(), 10).unwrap().gas_used;
        (admit, readmit, remove)
    };
    println!("  lapse                               {lapse:>9}");
    println!("  deploy SolidarityFund (opens its account) {deploy:>9}");
    println!("  admit (a new member)                {admit:>9}");
    println!("  admit (a member's new bioregion)    {readmit:>9}");
    println!("  remove (the last member moves)      {remove:>9}");
    assert!((25_000..60_000).contains(&lapse), "lapse: {lapse}");
    assert!(admit < 130_000 && readmit < admit && remove < 60_000, "{admit} {readmit} {remove}");
}

/// 8 and 32 bank slots: their setups and proofs take about 2.5 minutes on 2 cores
/// (`cargo test -p ccr-verifier-contracts --test it -- --ignored fund_settle_epoch_gas_32
/// --nocapture`; the figures are in the README).
#[test]
#[ignore]
fn fund_settle_epoch_gas_32() {
    report_settle_gas(&[8, 32]);
}

/// The cost of fund slots in `submitBatch` (synthetic data, accept-all verifiers): a batch of
/// four transfers, of one fund slot and three transfers, of three fund slots and one transfer.
#[test]
fn fund_slot_gas() {
    let mut fw = FundWorld::with_verifier(&accept_all_epoch_verifier(BANKS), 1);
    fw.admit(&split());
    fw.advance_to(EPOCH + 1);
    let b = p21();
    // p21's table from an empty fund is another one; the stand-in accepts it: four moves.
    let mut s = b.settlement();
    s.epoch = EPOCH;
    fw.settle(&s).unwrap();
    let m = b.moves(fw.fund.fund_account);
    assert_eq!(m.len(), 4);
    let transfer =
        EncodedSlot { kind: TxKind::Transfer, from: 1, to: 2, amount: Float40::encode(3).unwrap() }
            .to_bytes();
    let data = |fund: &[FundMove]| {
        let mut d: Vec<u8> =
            fund.iter().flat_map(|m| crate::solidarity_fund::fund_slot(TxKind::FundMove, m)).collect();
        while d.len() < 48 {
            d.extend(transfer);
        }
        d
    };
    let g0 = fw.submit(data(&[])).unwrap().gas_used;
    let g1 = fw.submit(data(&m[..1])).unwrap().gas_used;
    let g3 = fw.submit(data(&m[1..])).unwrap().gas_used;
    let slope = (g3 - g1) / 2;
    println!("submitBatch with fund slots (stand-in verifiers, batch of 4):");
    println!("  4 transfers                         {g0:>9}");
    println!("  1 fund slot + 3 transfers           {g1:>9} (+{})", g1 - g0);
    println!("  3 fund slots + 1 transfer           {g3:>9}");
    println!("  a further fund slot over a transfer {slope:>9}");
    println!("  the first fund slot (fund call)     {:>9}", g1 - g0 - slope);
    assert!(slope < 6_000, "a fund slot costs {slope} gas more than a transfer");
    assert!(g1 - g0 < 30_000, "the first fund slot costs {} gas", g1 - g0);
}

alloy_sol_types::sol! {
    /// The dynamic-input verifier's interface (`SolidarityFund.sol`'s `IEpochVerifier`).
    interface IEpochVerifier {
        function publicInputCount() external view returns (uint256);
        function verifyProof(
            uint256[2] calldata a,
            uint256[2][2] calldata b,
            uint256[2] calldata c,
            uint256[] calldata input
        ) external view returns (bool);
    }
}

/// The generated verifier in the dynamic input form takes exactly its key's inputs: a real
/// proof verifies, and is refused (false, no revert) with an input left out, one more, or one
/// changed.
#[test]
fn fund_epoch_verifier_takes_exactly_its_keys_inputs() {
    let mut evm = ccr_verifier_contracts::Evm::new();
    let (verifier, _) = evm.deploy(operator(), epoch_key(BANKS).verifier.deploy_code(&[])).unwrap();
    let count = evm.call_sol(verifier, &IEpochVerifier::publicInputCountCall {}).unwrap();
    assert_eq!(count, U256::from(6 + BANKS));
    let a = p20();
    let inputs: Vec<U256> = a.statement.public_inputs().iter().map(fr_to_u256).collect();
    let w = ccr_verifier_contracts::rollup::proof_words(&a.proof);
    let mut verify = |input: Vec<U256>| {
        let call = IEpochVerifier::verifyProofCall {
            a: [w[0], w[1]],
            b: [[w[2], w[3]], [w[4], w[5]]],
            c: [w[6], w[7]],
            input,
        };
        evm.call_sol(verifier, &call).unwrap()
    };
    assert!(verify(inputs.clone()));
    assert!(!verify(inputs[..inputs.len() - 1].to_vec()));
    let mut more = inputs.clone();
    more.push(U256::ZERO);
    assert!(!verify(more));
    let mut changed = inputs.clone();
    changed[7] += U256::from(1);
    assert!(!verify(changed));
    assert!(!verify(Vec::new()));
}

/// Governance switches to a key of more bank slots: the fund reads its count, and the
/// settlements after it bring that many lines. The members need as many slots: a fourth
/// member in a key of three, or a key of fewer slots than members, is refused.
#[test]
fn fund_governance_switches_to_a_key_of_more_bank_slots() {
    let mut fw = FundWorld::with_verifier(&epoch_key(1).verifier, 1);
    fw.advance_to(EPOCH + 1);
    assert_eq!(fw.fund.bank_slots(&mut fw.w.evm).unwrap(), 1);
    fw.admit(&plain()[..1]);
    for m in &plain()[1..] {
        fw.register_bank(m.pool);
        assert_eq!(
            fund_error(fw.fund.admit(&mut fw.w.evm, operator(), m.pool, m.bioregion)),
            SolidarityFundErrors::TooManyMembers(SolidarityFund::TooManyMembers {
                members: U256::from(2),
                bankSlots: U256::from(1)
            })
        );
    }
    let a = p20();
    assert_eq!(
        fund_error(fw.settle(&a.settlement())),
        SolidarityFundErrors::LineCount(SolidarityFund::LineCount {
            got: U256::from(BANKS),
            bankSlots: U256::from(1)
        })
    );
    // Code that is no dynamic-input verifier: the rollup (no `publicInputCount`), a fixed-input
    // stand-in (its every answer is 1: no bank slot).
    for not_one in
        [fw.w.rollup.rollup, fw.w.evm.deploy(operator(), accept_all_verifier().deploy_code(&[])).unwrap().0]
    {
        assert_eq!(
            fund_error(fw.fund.set_verifier(&mut fw.w.evm, operator(), not_one)),
            SolidarityFundErrors::BadValue(SolidarityFund::BadValue {
                value: U256::from_be_slice(not_one.as_slice())
            })
        );
    }
    let one = fw.fund.verifier;
    let (four, _) = fw.w.evm.deploy(operator(), epoch_key(BANKS).verifier.deploy_code(&[])).unwrap();
    let receipt = fw.fund.set_verifier(&mut fw.w.evm, operator(), four).unwrap();
    assert_eq!(
        events::<SolidarityFund::VerifierSet>(&receipt),
        [SolidarityFund::VerifierSet { verifier: four, bankSlots: BANKS as u32 }]
    );
    assert_eq!(fw.fund.bank_slots(&mut fw.w.evm).unwrap(), BANKS as u32);
    fw.admit(&plain()[1..]);
    // Back to the one-slot key with three members: refused.
    assert_eq!(
        fund_error(fw.fund.set_verifier(&mut fw.w.evm, operator(), one)),
        SolidarityFundErrors::TooManyMembers(SolidarityFund::TooManyMembers {
            members: U256::from(3),
            bankSlots: U256::from(1)
        })
    );
    fw.settle(&a.settlement()).unwrap();
    assert_eq!(fw.fund.moves_pending(&mut fw.w.evm).unwrap(), (0, 3));
}
