//! Credit-flow metrics: a credit, a repayment, an accrual and a writedown show up per bank in
//! `/metrics` (flows counted once, when their batch is sealed, never again by a restart's
//! replay), with the pool's balance and receivable.

use std::time::Duration;

use ark_bn254::Fr;
use ccr_circuits::state::loan::LoanTerms;
use ccr_circuits::state::tx::{CreditTx, LoanUpkeep, TxKind, UnsignedTx};
use ccr_sequencer::records::{CreditProofRecord, ACCOUNT_INPUT, NULLIFIER_INPUT, PURPOSE_INPUT};
use ccr_sequencer::sequencer::CreditSubmission;
use ccr_sequencer::Sequencer;

use crate::common::*;

const NEVER: Duration = Duration::from_secs(3600);
/// The bank's pool (account 0 is a member who neither lends nor borrows).
const POOL: u32 = 1;
/// Its borrower.
const BORROWER: u32 = 2;

/// A credit of `amount` at 12% a year for one epoch, with the purpose `purpose` attested;
/// the proof itself is not checked here (the RPC layer checks it against L1 before this).
fn credit(s: &Sequencer, amount: u64, purpose: u8) -> CreditSubmission {
    let sealed = s.sealed_account(BORROWER).unwrap().unwrap();
    let mut inputs = vec![Fr::from(0u64); ACCOUNT_INPUT + 1];
    inputs[PURPOSE_INPUT] = Fr::from(u64::from(purpose));
    inputs[NULLIFIER_INPUT] = Fr::from(0xc0ffee_u64);
    inputs[ACCOUNT_INPUT] = Fr::from(u64::from(BORROWER));
    CreditSubmission {
        tx: CreditTx {
            borrower: BORROWER,
            bank: POOL,
            amount,
            terms: LoanTerms { rate_bps: 1200, term_epochs: 1, max_amount: 20_000 },
        },
        epoch: s.epoch().unwrap(),
        state_root: sealed.root,
        proof: CreditProofRecord { state_batch: 0, bank_version: 0, proof: Vec::new(), inputs },
    }
}

fn upkeep(kind: TxKind) -> LoanUpkeep {
    LoanUpkeep { kind, borrower: BORROWER, bank: POOL }
}

/// Asserts the bank's series in a `/metrics` text: `(issued, repaid, written down, interest,
/// pool balance, receivable)`.
#[track_caller]
fn assert_bank(text: &str, expected: [u64; 6]) {
    let got = [
        metric(text, r#"ccr_sequencer_credit_issued_total{bank="1",purpose="ecological_restoration"}"#),
        metric(text, r#"ccr_sequencer_credit_repaid_total{bank="1"}"#),
        metric(text, r#"ccr_sequencer_credit_written_down_total{bank="1"}"#),
        metric(text, r#"ccr_sequencer_credit_interest_total{bank="1"}"#),
        metric(text, r#"ccr_sequencer_pool_balance{bank="1"}"#),
        metric(text, r#"ccr_sequencer_pool_receivable{bank="1"}"#),
    ];
    assert_eq!(got, expected, "(issued, repaid, written down, interest, balance, receivable) in\n{text}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn credit_flows_are_counted_per_bank_once() {
    let dir = tempfile::tempdir().unwrap();
    let borrower = member(2);
    let (node, _client) = launch(config(dir.path(), params(), None, NEVER)).await;
    let s = &node.sequencer;
    s.ingest_deposit(0, open_deposit(0, &member(0), 100)).unwrap();
    s.ingest_deposit(1, open_deposit(POOL, &member(1), 1_000_000)).unwrap();
    s.ingest_deposit(2, open_deposit(BORROWER, &borrower, 50)).unwrap();
    assert_eq!(s.seal(true).unwrap(), Some(0));
    let epoch = s.epoch().unwrap();

    // Epoch e: lends 10 000 for ecological restoration (purpose 3); 4 000 is repaid.
    s.submit_credit(credit(s, 10_000, 3)).unwrap();
    let repay = UnsignedTx::repay(BORROWER, POOL, 4_000, 0).unwrap();
    s.submit(repay.with_signature(borrower.sign_poseidon(repay.message(&DOMAIN)))).unwrap();
    let text = scrape(node.metrics_addr().unwrap());
    // Accepted, not yet sealed: the pool's gauges follow the pending state, the flows wait.
    assert_bank(&text, [0, 0, 0, 0, 994_000, 6_000]);
    assert_eq!(s.seal(true).unwrap(), Some(1));
    let text = scrape(node.metrics_addr().unwrap());
    assert_bank(&text, [10_000, 4_000, 0, 0, 994_000, 6_000]);
    // Every purpose's series exists for the bank, at 0 until a credit has it; account 0 is
    // no pool, so it has none.
    assert!(
        text.contains(r#"ccr_sequencer_credit_issued_total{bank="1",purpose="productive_enterprise"} 0"#),
        "{text}"
    );
    assert!(!text.contains(r#"bank="0""#), "{text}");

    // Epoch e + 2: accrual on 6 000 for 2 epochs, ⌊6 000 · 1 200 · 2 / 120 000⌋ = 120.
    assert!(s.advance_epoch(epoch + 2).unwrap());
    s.submit_upkeep(upkeep(TxKind::Accrue)).unwrap();
    assert_eq!(s.seal(true).unwrap(), Some(2));
    assert_bank(&scrape(node.metrics_addr().unwrap()), [10_000, 4_000, 0, 120, 994_000, 6_120]);

    // Epoch e + 5, past due (e + 1) and grace (3 epochs): the writedown accrues
    // ⌊6 120 · 1 200 · 3 / 120 000⌋ = 183 first, then writes down the whole 6 303.
    assert!(s.advance_epoch(epoch + 5).unwrap());
    s.submit_upkeep(upkeep(TxKind::Writedown)).unwrap();
    assert_eq!(s.seal(true).unwrap(), Some(3));
    let expected = [10_000, 4_000, 6_303, 303, 994_000, 0];
    assert_bank(&scrape(node.metrics_addr().unwrap()), expected);
    node.shutdown().await;

    // A restart replays the log without counting it again (the recorder is process-wide,
    // so the counters carry over as they are).
    let (node, _client) = launch(config(dir.path(), params(), None, NEVER)).await;
    assert_bank(&scrape(node.metrics_addr().unwrap()), expected);
    node.shutdown().await;
}
