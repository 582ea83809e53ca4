//! The fund's members on L1: governance admits registered banks of the rollup with their
//! bioregions, governance or a bank's owner removes one, and `settleEpoch` checks every line
//! against them (a member's line carries its bioregion, member lines come in ascending pool
//! order once each, every member has one, any other line moves nothing). The `attack_` tests
//! are tables with valid proofs that a settler could bring without the check: each takes money
//! from, or pays it to, an account that is no member, or changes what a member gets; L1
//! refuses them. The contract's check is [`Members::check_lines`] on random tables.

use alloy_primitives::{Address, U256};
use alloy_sol_types::SolCall;
use ark_bn254::Fr;
use ccr_circuits::health::fund::{pack_line, padding};
use ccr_verifier_contracts::bindings::SolidarityFund::{self, SolidarityFundErrors};
use ccr_verifier_contracts::fund::{Members, MembershipError, Settlement};
use ccr_verifier_contracts::RollupError;
use rand::{Rng, SeedableRng};

use crate::common::operator;
use crate::flow::events;
use crate::fund_moves::{p20, plain, BANKS};
use crate::governance::stranger;
use crate::solidarity_fund::{
    accept_all_epoch_verifier, bank_owner, epoch_key, fund_error, payer, FundWorld, EPOCH,
};

/// A fund of the real [`BANKS`]-slot key, nobody admitted, the clock where [`p20`] settles.
fn real_world() -> FundWorld {
    let mut fw = FundWorld::with_verifier(&epoch_key(BANKS).verifier, 1);
    fw.advance_to(EPOCH + 1);
    fw
}

/// A fund whose stand-in verifier of `slots` bank slots accepts every proof.
fn stand_in_world(slots: usize) -> FundWorld {
    FundWorld::with_verifier(&accept_all_epoch_verifier(slots), 1)
}

fn members(fw: &mut FundWorld) -> Members {
    fw.fund.members(&mut fw.w.evm).unwrap()
}

fn members_of(pairs: &[(u32, u32)]) -> Members {
    Members(pairs.iter().copied().collect())
}

/// `settleEpoch` of `s` by the settler, run without committing it: its membership error, or
/// `Ok` when it would settle.
fn simulate(fw: &mut FundWorld, s: &Settlement) -> Result<(), SolidarityFundErrors> {
    let data = s.call().abi_encode().into();
    match fw.w.evm.call(operator(), fw.fund.fund, data) {
        Ok(_) => Ok(()),
        Err(e) => Err(fund_error(Err(RollupError::from(e)))),
    }
}

/// A settlement of `lines` `(pool, contribution, grant, bioregion)` for the stand-in verifier.
fn stand_in(lines: &[(u32, u64, u64, u32, u64)]) -> Settlement {
    Settlement {
        epoch: EPOCH,
        fund_after: 0,
        table_hash: Fr::from(1u64),
        lines: lines.iter().map(|&(p, c, g, b, f)| pack_line(p, c, g, b, f)).collect(),
        proof: [U256::from(1); 8],
    }
}

fn not_member(line: u64, pool: u32) -> SolidarityFundErrors {
    SolidarityFundErrors::NotMember(SolidarityFund::NotMember { line: U256::from(line), pool })
}

fn out_of_order(line: u64, pool: u32) -> SolidarityFundErrors {
    SolidarityFundErrors::MembersOutOfOrder(SolidarityFund::MembersOutOfOrder {
        line: U256::from(line),
        pool,
    })
}

fn not_governance() -> SolidarityFundErrors {
    SolidarityFundErrors::NotGovernance(SolidarityFund::NotGovernance { governance: operator() })
}

/// Nothing settled and nothing queued.
fn nothing_moved(fw: &mut FundWorld) {
    assert_eq!(fw.fund.table_hash_of(&mut fw.w.evm, EPOCH).unwrap(), None);
    assert_eq!(fw.fund.moves_pending(&mut fw.w.evm).unwrap(), (0, 0));
    assert_eq!(fw.balance(), 0);
}

#[test]
fn fund_admit_needs_a_registered_bank_and_governance() {
    let mut fw = stand_in_world(4);
    assert_eq!(fw.fund.member_count(&mut fw.w.evm).unwrap(), 0);
    let owner = fw.register_bank(10);
    // Only governance admits: not a stranger, nor the bank itself.
    for who in [stranger(), owner] {
        assert_eq!(fund_error(fw.fund.admit(&mut fw.w.evm, who, 10, 0)), not_governance());
    }
    // An open account that is no bank (11: opened on the way to 12), an account never opened, the
    // fund's own account, the padding lines' bioregion.
    fw.register_bank(12);
    for pool in [11, 200] {
        assert_eq!(
            fund_error(fw.fund.admit(&mut fw.w.evm, operator(), pool, 0)),
            SolidarityFundErrors::NotABank(SolidarityFund::NotABank { pool })
        );
    }
    let fund_account = fw.fund.fund_account;
    assert_eq!(
        fund_error(fw.fund.admit(&mut fw.w.evm, operator(), fund_account, 0)),
        SolidarityFundErrors::FundAccountNotMember(SolidarityFund::FundAccountNotMember {
            pool: fund_account
        })
    );
    assert_eq!(
        fund_error(fw.fund.admit(&mut fw.w.evm, operator(), 10, u32::MAX)),
        SolidarityFundErrors::BadValue(SolidarityFund::BadValue { value: U256::from(u32::MAX) })
    );
    assert_eq!(fw.fund.member_count(&mut fw.w.evm).unwrap(), 0);

    let receipt = fw.fund.admit(&mut fw.w.evm, operator(), 10, 3).unwrap();
    assert_eq!(
        events::<SolidarityFund::MemberAdmitted>(&receipt),
        [SolidarityFund::MemberAdmitted { pool: 10, bioregion: 3 }]
    );
    assert_eq!(fw.fund.member(&mut fw.w.evm, 10).unwrap(), Some(3));
    assert_eq!(fw.fund.member(&mut fw.w.evm, 11).unwrap(), None);
    // Admitted again: its bioregion changes, it is not counted twice.
    fw.fund.admit(&mut fw.w.evm, operator(), 10, 0).unwrap();
    fw.fund.admit(&mut fw.w.evm, operator(), 12, 1).unwrap();
    assert_eq!(fw.fund.member_count(&mut fw.w.evm).unwrap(), 2);
    assert_eq!(members(&mut fw), members_of(&[(10, 0), (12, 1)]));
    // As many members as the key has bank slots, not one more; an update still passes.
    fw.admit(&[payer(13, 0), payer(14, 0)]);
    fw.register_bank(15);
    assert_eq!(
        fund_error(fw.fund.admit(&mut fw.w.evm, operator(), 15, 1)),
        SolidarityFundErrors::TooManyMembers(SolidarityFund::TooManyMembers {
            members: U256::from(5),
            bankSlots: U256::from(4)
        })
    );
    fw.fund.admit(&mut fw.w.evm, operator(), 14, 7).unwrap();
    assert_eq!(members(&mut fw), members_of(&[(10, 0), (12, 1), (13, 1), (14, 7)]));
}

#[test]
fn fund_a_bank_may_leave_and_governance_may_remove_one() {
    let mut fw = stand_in_world(4);
    fw.admit(&[payer(10, 0), payer(11, 0), payer(12, 0), payer(13, 0)]);
    // Neither a stranger nor another bank's owner removes 11.
    let refused = SolidarityFundErrors::NotGovernanceOrOwner(SolidarityFund::NotGovernanceOrOwner {
        pool: 11,
        owner: bank_owner(11),
    });
    for who in [stranger(), bank_owner(12)] {
        assert_eq!(fund_error(fw.fund.remove(&mut fw.w.evm, who, 11)), refused);
    }
    // 11 leaves (its owner), then cannot leave twice.
    let receipt = fw.fund.remove(&mut fw.w.evm, bank_owner(11), 11).unwrap();
    assert_eq!(
        events::<SolidarityFund::MemberRemoved>(&receipt),
        [SolidarityFund::MemberRemoved { pool: 11 }]
    );
    assert_eq!(members(&mut fw), members_of(&[(10, 1), (12, 1), (13, 1)]));
    assert_eq!(
        fund_error(fw.fund.remove(&mut fw.w.evm, operator(), 11)),
        SolidarityFundErrors::UnknownMember(SolidarityFund::UnknownMember { pool: 11 })
    );
    // Governance removes the first (the last takes its place) and the last.
    fw.fund.remove(&mut fw.w.evm, operator(), 10).unwrap();
    assert_eq!(members(&mut fw), members_of(&[(12, 1), (13, 1)]));
    fw.fund.remove(&mut fw.w.evm, operator(), 12).unwrap();
    assert_eq!(members(&mut fw), members_of(&[(13, 1)]));
    assert_eq!(
        (fw.fund.member(&mut fw.w.evm, 10).unwrap(), fw.fund.member(&mut fw.w.evm, 13).unwrap()),
        (None, Some(1))
    );
    // A pool that is no bank has no owner who could remove it.
    assert_eq!(
        fund_error(fw.fund.remove(&mut fw.w.evm, stranger(), 200)),
        SolidarityFundErrors::NotGovernanceOrOwner(SolidarityFund::NotGovernanceOrOwner {
            pool: 200,
            owner: Address::ZERO
        })
    );
    // Admitted again, at the end.
    fw.fund.admit(&mut fw.w.evm, operator(), 10, 2).unwrap();
    assert_eq!(members(&mut fw), members_of(&[(10, 2), (13, 1)]));
    assert_eq!(fw.fund.member_count(&mut fw.w.evm).unwrap(), 2);
}

/// [`p20`]'s table grants to pool 10 (a lender); the settler names 10 although it is no member
/// (an account of its own, say): without the membership check the grant would be queued.
#[test]
fn attack_a_table_pays_a_grant_to_a_non_member() {
    let mut fw = real_world();
    fw.admit(&plain()[1..]);
    let a = p20();
    assert_eq!(a.moves(fw.fund.fund_account)[2].to, 10, "the grant goes to 10");
    assert_eq!(fund_error(fw.settle(&a.settlement())), not_member(0, 10));
    nothing_moved(&mut fw);
    // Once governance admits it, the table settles.
    fw.admit(&plain()[..1]);
    fw.settle(&a.settlement()).unwrap();
    assert_eq!(fw.fund.moves_pending(&mut fw.w.evm).unwrap(), (0, 3));
}

/// [`p20`]'s table takes a contribution from pool 11; 11 is no member (a member's personal
/// account, say): its money must not be taken.
#[test]
fn attack_a_table_takes_a_contribution_from_a_non_member() {
    let mut fw = real_world();
    let p = plain();
    fw.admit(&[p[0], p[2]]);
    assert_eq!(fund_error(fw.settle(&p20().settlement())), not_member(1, 11));
    nothing_moved(&mut fw);
}

/// [`p20`]'s table weighs pool 10's grant by its flow: 70,000 (50,000 lent, 20,000 repaid).
/// The rollup's batches of the epoch carry 50,000 of it; a table that states more effort than
/// the rollup saw is refused (before the check, the settler's figure weighed the grant).
#[test]
fn attack_a_table_states_more_flow_than_the_rollup_saw() {
    let mut fw = real_world();
    fw.admit(&plain());
    let s = p20().settlement();
    let mut tx_data = crate::solidarity_fund::repay_slot(10, 50_000).to_vec();
    tx_data.resize(crate::common::PARAMS.batch_size * 12, 0);
    fw.submit_at(EPOCH, tx_data).unwrap();
    assert_eq!(
        fund_error(fw.settle_only(&s)),
        SolidarityFundErrors::FlowMismatch(SolidarityFund::FlowMismatch {
            line: U256::ZERO,
            pool: 10,
            expected: U256::from(50_000),
            got: U256::from(70_000)
        })
    );
    nothing_moved(&mut fw);
    // The rest of its flow settles in the epoch's batches: the table settles.
    fw.settle(&s).unwrap();
    assert_eq!(fw.w.rollup.flow_of(&mut fw.w.evm, EPOCH, 10).unwrap(), U256::from(70_000));
}

/// Pool 10 is a member in bioregion 1 (no reports: no need, no grant); the table puts it in
/// bioregion 0 (in need), which earns it the grant.
#[test]
fn attack_a_table_claims_another_bioregion_for_a_member() {
    let mut fw = real_world();
    let mut p = plain();
    p[0].bioregion = 1;
    fw.admit(&p);
    assert_eq!(
        fund_error(fw.settle(&p20().settlement())),
        SolidarityFundErrors::BioregionMismatch(SolidarityFund::BioregionMismatch {
            line: U256::from(0),
            pool: 10,
            expected: 1,
            got: 0
        })
    );
    nothing_moved(&mut fw);
    // Governance corrects the bioregion: the table settles.
    fw.admit(&plain()[..1]);
    fw.settle(&p20().settlement()).unwrap();
}

/// Pool 13 is a member too; [`p20`]'s table leaves it out (its share of the grants, had it
/// need, would go to the others).
#[test]
fn attack_a_table_leaves_a_member_out() {
    let mut fw = real_world();
    fw.admit(&plain());
    fw.admit(&[payer(13, 0)]);
    assert_eq!(
        fund_error(fw.settle(&p20().settlement())),
        SolidarityFundErrors::MemberMissing(SolidarityFund::MemberMissing {
            counted: U256::from(3),
            members: U256::from(4)
        })
    );
    nothing_moved(&mut fw);
    // 13 leaves: the table covers the members again.
    fw.fund.remove(&mut fw.w.evm, bank_owner(13), 13).unwrap();
    fw.settle(&p20().settlement()).unwrap();
}

/// Member lines come in ascending pool order, once each; padding lines and other lines that
/// move nothing pass wherever they are; a member's line carries its bioregion even when it
/// moves nothing.
#[test]
fn fund_member_lines_come_in_order_once_each_and_other_lines_move_nothing() {
    let mut fw = stand_in_world(4);
    fw.admit(&plain());
    fw.advance_to(EPOCH + 1);
    let pad = |i: u32| (padding(i).pool, 0, 0, padding(i).bioregion, 0);
    let (l10, l11, l12) = ((10, 0, 5, 0, 0), (11, 5, 0, 1, 0), (12, 0, 0, 1, 0));
    // Out of order, twice.
    assert_eq!(simulate(&mut fw, &stand_in(&[l11, l10, l12, pad(0)])), Err(out_of_order(1, 10)));
    assert_eq!(simulate(&mut fw, &stand_in(&[l10, l11, l11, l12])), Err(out_of_order(2, 11)));
    assert_eq!(simulate(&mut fw, &stand_in(&[l10, l10, l11, l12])), Err(out_of_order(1, 10)));
    // Padding first, in the middle; a non-member that moves nothing, any bioregion.
    assert_eq!(simulate(&mut fw, &stand_in(&[pad(0), l10, l11, l12])), Ok(()));
    assert_eq!(simulate(&mut fw, &stand_in(&[l10, pad(1), l11, l12])), Ok(()));
    assert_eq!(simulate(&mut fw, &stand_in(&[l10, l11, (99, 0, 0, 5, 0), l12])), Ok(()));
    // A padding line that moves money, or weighs in the grants, is a non-member's.
    let moving_pad = (padding(0).pool, 0, 1, padding(0).bioregion, 0);
    assert_eq!(simulate(&mut fw, &stand_in(&[l10, l11, l12, moving_pad])), Err(not_member(3, u32::MAX)));
    let weighing_pad = (padding(0).pool, 0, 0, padding(0).bioregion, 1);
    assert_eq!(simulate(&mut fw, &stand_in(&[l10, l11, l12, weighing_pad])), Err(not_member(3, u32::MAX)));
    // A member line moving nothing, in another bioregion.
    assert_eq!(
        simulate(&mut fw, &stand_in(&[l10, l11, (12, 0, 0, 0, 0), pad(0)])),
        Err(SolidarityFundErrors::BioregionMismatch(SolidarityFund::BioregionMismatch {
            line: U256::from(2),
            pool: 12,
            expected: 1,
            got: 0
        }))
    );
    // The stand-in settles the good table; its moves are queued.
    fw.settle(&stand_in(&[l10, pad(0), l11, l12])).unwrap();
    assert_eq!(fw.fund.moves_pending(&mut fw.w.evm).unwrap(), (0, 2));
}

/// `settleEpoch`'s membership check is [`Members::check_lines`]: on random members (admitted,
/// readmitted in another bioregion, removed) and random tables (valid ones, then lines
/// swapped, dropped, duplicated, moved to another bioregion, non-members' lines moving money),
/// the contract refuses with the same error at the same line, or accepts when it does.
#[test]
fn fund_membership_check_is_the_rust_check() {
    const SLOTS: usize = 6;
    let mut fw = stand_in_world(SLOTS);
    for pool in 1..=8 {
        fw.register_bank(pool);
    }
    fw.advance_to(EPOCH + 1);
    let mut r = rand_chacha::ChaCha20Rng::seed_from_u64(12);
    let mut outcomes = [0usize; 6];
    for case in 0..150 {
        // Change the members a little.
        for _ in 0..r.gen_range(0..3) {
            let pool = r.gen_range(1..=8);
            let count = fw.fund.member_count(&mut fw.w.evm).unwrap() as usize;
            let is_member = fw.fund.member(&mut fw.w.evm, pool).unwrap().is_some();
            if is_member && r.gen_bool(0.5) {
                fw.fund.remove(&mut fw.w.evm, operator(), pool).unwrap();
            } else if is_member || count < SLOTS {
                fw.fund.admit(&mut fw.w.evm, operator(), pool, r.gen_range(0..3)).unwrap();
            }
        }
        let m = members(&mut fw);
        // A valid table: the members in order among padding lines.
        // (No batch settled: every flow on the rollup is 0.)
        let mut lines: Vec<(u32, u64, u64, u32, u64)> =
            m.0.iter().map(|(&p, &b)| (p, r.gen_range(0..3), r.gen_range(0..3), b, 0)).collect();
        while lines.len() < SLOTS {
            let at = r.gen_range(0..=lines.len());
            let pad = padding(lines.len() as u32);
            lines.insert(at, (pad.pool, 0, 0, pad.bioregion, 0));
        }
        // Then, often, a change.
        let (i, j) = (r.gen_range(0..SLOTS), r.gen_range(0..SLOTS));
        match r.gen_range(0..8) {
            0 => lines.swap(i, j),
            1 => lines[i].3 = r.gen_range(0..3),
            2 => {
                lines[i] = (
                    r.gen_range(1..=9),
                    r.gen_range(0..2),
                    r.gen_range(0..2),
                    r.gen_range(0..3),
                    r.gen_range(0..2),
                )
            }
            3 => lines[i] = lines[j],
            4 => lines[i] = (padding(i as u32).pool, 0, 0, padding(i as u32).bioregion, 0),
            5 => lines[i].4 = r.gen_range(1..1 << 61),
            _ => {}
        }
        let expected = m.check_lines(lines.iter().copied(), |_| 0);
        let got = simulate(&mut fw, &stand_in(&lines))
            .map_err(|e| MembershipError::of_fund_error(&e).unwrap_or_else(|| panic!("case {case}: {e:?}")));
        assert_eq!(got, expected, "case {case}: members {m:?}, lines {lines:?}");
        outcomes[match expected {
            Ok(()) => 0,
            Err(MembershipError::NotMember { .. }) => 1,
            Err(MembershipError::BioregionMismatch { .. }) => 2,
            Err(MembershipError::MembersOutOfOrder { .. }) => 3,
            Err(MembershipError::MemberMissing { .. }) => 4,
            Err(MembershipError::FlowMismatch { .. }) => 5,
        }] += 1;
    }
    assert!(outcomes.iter().all(|&n| n > 5), "every outcome, several times: {outcomes:?}");
}
