//! The audit's *fund* check on batches a real sequencer (RocksDB) sealed: the fund slots must be
//! the moves the solidarity fund queued, in its log order, continuing where the batches before
//! stopped; the first disagreement is named.

use ccr_circuits::health::fund::{fund_account_key, moves};
use ccr_circuits::state::tx::{Deposit, FundMove};
use ccr_sequencer::{Sequencer, SequencerConfig};
use ccr_wallet::audit::check_fund_slots;

use crate::common::*;

/// A sequencer that sealed batch 0 (three accounts, the fund's among them) and batch 1 (the
/// three moves of a table, the second short), and the moves L1 queued.
fn sealed_moves(dir: &std::path::Path) -> (Sequencer, Vec<FundMove>) {
    let config =
        SequencerConfig { db: dir.to_path_buf(), params: params(), mempool_capacity: 8, full_replay: false };
    let (seq, _) = Sequencer::open(&config).unwrap();
    let open = |i: u32, amount| Deposit { index: i, pubkey: Some(wallet(i as u8).l2.public_key()), amount };
    // 0 may pay 300 (a fund move takes at most a fifth of a pool's balance); 1 may not pay 40.
    seq.ingest_deposit(0, open(0, 1_500)).unwrap();
    seq.ingest_deposit(1, open(1, 20)).unwrap();
    seq.ingest_deposit(2, Deposit { index: 2, pubkey: Some(fund_account_key()), amount: 0 }).unwrap();
    assert_eq!(seq.seal(true).unwrap(), Some(0));
    let queued = moves([(0, 300, 0), (1, 40, 0), (0, 0, 0)], 2);
    for (p, m) in queued.iter().enumerate() {
        seq.ingest_fund_move(p as u64, *m, Some(4)).unwrap();
    }
    assert_eq!(seq.seal(true).unwrap(), Some(1));
    (seq, queued)
}

#[test]
fn the_audit_refuses_fund_slots_that_are_not_the_queued_moves() {
    let dir = tempfile::tempdir().unwrap();
    let (seq, queued) = sealed_moves(dir.path());
    let data = |n| seq.batch(n).unwrap().unwrap().tx_data;
    assert_eq!(queued.len(), 2);
    assert_eq!(check_fund_slots(&data(0), &[], 0), Ok((0, 0)), "no fund slot, nothing to compare");
    assert_eq!(check_fund_slots(&data(1), &queued, 0), Ok((1, 1)), "one paid, one short, in order");

    // Another amount at position 1.
    let mut other = queued.clone();
    other[1].amount = 41;
    let err = check_fund_slots(&data(1), &other, 0).unwrap_err();
    assert_eq!(
        err,
        "slot 1 is a fund shortfall of 40 from account 1 to account 2, but the fund queued 41 from account 1 to account 2 at log position 1"
    );
    // The moves in another order.
    let swapped = vec![queued[1], queued[0]];
    let err = check_fund_slots(&data(1), &swapped, 0).unwrap_err();
    assert!(
        err.starts_with("slot 0 is a fund move of 300 from account 0") && err.contains("position 0"),
        "{err}"
    );
    // A move L1 never queued (a log one move short), or a batch that does not start where the
    // last one stopped.
    let err = check_fund_slots(&data(1), &queued[..1], 0).unwrap_err();
    assert!(err.contains("the fund's log holds 1 moves: none queued at position 1"), "{err}");
    let err = check_fund_slots(&data(1), &[queued.clone(), queued.clone()].concat(), 1).unwrap_err();
    assert!(err.contains("at log position 1"), "{err}");
    // Without a fund, a fund slot is refused.
    let err = check_fund_slots(&data(1), &[], 0).unwrap_err();
    assert!(err.contains("none queued at position 0"), "{err}");
}
