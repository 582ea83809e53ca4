//! The settlement loop against a scripted L1: a submission L1 included but whose answer was
//! lost (a crash or a dropped connection) is recovered from L1's events, never submitted
//! twice; a divergent L1 stops the loop; settlements survive a restart.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use ark_bn254::Fr;
use ccr_sequencer::l1::{settle_batches, Settlement, SettlementReceipt};
use ccr_sequencer::records::{BatchRecord, CreditProofRecord, L1Settlement};
use ccr_sequencer::{Sequencer, SequencerConfig};

use crate::common::*;

#[derive(Debug, thiserror::Error)]
#[error("{0}")]
struct Lost(String);

/// L1 as a list of (batch, root); the first submission is included but its answer is lost.
#[derive(Default)]
struct ScriptedL1 {
    settled: Mutex<Vec<(u64, Fr)>>,
    lose_first_answer: AtomicBool,
    submissions: AtomicU64,
    /// Report this root for every settled batch instead of the submitted one.
    foreign_root: Option<Fr>,
}

fn receipt(batch: u64, root: Fr) -> SettlementReceipt {
    SettlementReceipt {
        batch,
        new_root: root,
        settlement: L1Settlement { l1_tx: [batch as u8 + 1; 32], block: 100 + batch, gas_used: 0 },
    }
}

/// The loop owns its settlement layer; the test keeps a handle to inspect it.
#[derive(Clone)]
struct Shared(Arc<ScriptedL1>);

impl Settlement for Shared {
    type Error = Lost;

    async fn settled_batches(&self) -> Result<u64, Lost> {
        Ok(self.0.settled.lock().unwrap().len() as u64)
    }

    async fn settlement_of(&self, batch: u64) -> Result<Option<SettlementReceipt>, Lost> {
        let settled = self.0.settled.lock().unwrap();
        Ok(settled.get(batch as usize).map(|(n, root)| receipt(*n, self.0.foreign_root.unwrap_or(*root))))
    }

    async fn submit_batch(
        &self,
        batch: &BatchRecord,
        _credits: &[CreditProofRecord],
    ) -> Result<SettlementReceipt, Lost> {
        self.0.submissions.fetch_add(1, Ordering::SeqCst);
        self.0.settled.lock().unwrap().push((batch.number, batch.new_root));
        if self.0.lose_first_answer.swap(false, Ordering::SeqCst) {
            return Err(Lost("connection reset after the transaction was sent".into()));
        }
        let mut r = receipt(batch.number, batch.new_root);
        r.settlement.gas_used = 300_000;
        Ok(r)
    }
}

/// A sequencer with batch 0 sealed and (as far as settlement cares) proven.
fn proven_batch(dir: &std::path::Path) -> Sequencer {
    let config =
        SequencerConfig { db: dir.to_path_buf(), params: params(), mempool_capacity: 8, full_replay: false };
    let (seq, _) = Sequencer::open(&config).unwrap();
    let (a, b) = (member(0), member(1));
    seq.ingest_deposit(0, open_deposit(0, &a, 500)).unwrap();
    seq.ingest_deposit(1, open_deposit(1, &b, 5)).unwrap();
    seq.submit(transfer(&a, 0, 1, 25, 0)).unwrap();
    assert_eq!(seq.seal(true).unwrap(), Some(0));
    // The loop submits whatever proof bytes are stored; L1 is scripted here.
    seq.record_proof(0, vec![7; 128]).unwrap();
    seq
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_included_submission_whose_answer_was_lost_is_recovered_not_resubmitted() {
    let dir = tempfile::tempdir().unwrap();
    let seq = Arc::new(proven_batch(dir.path()));
    let l1 = Arc::new(ScriptedL1 { lose_first_answer: AtomicBool::new(true), ..Default::default() });
    let (stop, rx) = tokio::sync::watch::channel(false);
    let task = tokio::spawn(settle_batches(Shared(l1.clone()), seq.clone(), Duration::from_millis(20), rx));
    wait_until("batch 0 settled", Duration::from_secs(10), || async { seq.settled().unwrap() == 1 }).await;
    stop.send(true).unwrap();
    task.await.unwrap().unwrap();
    assert_eq!(l1.submissions.load(Ordering::SeqCst), 1, "submitted once");
    let record = seq.batch(0).unwrap().unwrap();
    assert_eq!(record.settlement, Some(receipt(0, record.new_root).settlement));

    // A restart keeps it (and the start-up invariants accept it).
    drop(seq);
    let config = SequencerConfig {
        db: dir.path().to_path_buf(),
        params: params(),
        mempool_capacity: 8,
        full_replay: false,
    };
    let (seq, _) = Sequencer::open(&config).unwrap();
    assert_eq!(seq.settled().unwrap(), 1);
    assert!(seq.batch(0).unwrap().unwrap().settlement.is_some());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_divergent_l1_stops_settlement() {
    let dir = tempfile::tempdir().unwrap();
    let seq = Arc::new(proven_batch(dir.path()));
    let l1 = Arc::new(ScriptedL1 {
        settled: Mutex::new(vec![(0, Fr::from(12345u64))]),
        foreign_root: Some(Fr::from(12345u64)),
        ..Default::default()
    });
    let (_stop, rx) = tokio::sync::watch::channel(false);
    let result = tokio::time::timeout(
        Duration::from_secs(10),
        settle_batches(Shared(l1.clone()), seq.clone(), Duration::from_millis(20), rx),
    )
    .await
    .expect("the loop stops by itself");
    let err = result.unwrap_err().to_string();
    assert!(err.contains("not this node's batch"), "{err}");
    assert_eq!(seq.settled().unwrap(), 0);
    assert_eq!(l1.submissions.load(Ordering::SeqCst), 0);
}
