//! Key files for the configured circuit load, others are refused; the deposit-watcher loop
//! drives any `DepositSource` (here a scripted one: the real L1 client comes with the contracts).

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Duration;

use ccr_circuits::state::tx::QueueEntry;
use ccr_circuits::state::{Domain, RollupParams};
use ccr_prover::batch::batch_circuit_name;
use ccr_prover::{KeyFile, KeyMetadata};
use ccr_sequencer::l1::{watch_deposits, DepositSource, L1Deposit};
use ccr_sequencer::prover::{KeyError, PROVING_KEY_FILE, VERIFYING_KEY_FILE};
use ccr_sequencer::{BatchKeys, Sequencer, SequencerConfig};

use crate::common::*;

#[test]
fn key_files_must_be_for_the_configured_circuit() {
    let keys = keys();
    let dir = tempfile::tempdir().unwrap();
    let metadata = KeyMetadata { circuit_name: batch_circuit_name(&params()), insecure_dev_setup: true };
    let pk_file = KeyFile { metadata, key: (*keys.pk).clone() };
    pk_file.save(&dir.path().join(PROVING_KEY_FILE)).unwrap();
    pk_file.verifying_key_file().save(&dir.path().join(VERIFYING_KEY_FILE)).unwrap();

    let loaded = BatchKeys::load(dir.path(), &params()).unwrap();
    assert!(loaded.insecure_dev_setup);
    assert_eq!(*loaded.pk, *keys.pk);

    // Keys are the circuit's shape: another deployment loads them, another shape does not.
    let elsewhere = RollupParams::new(8, 4, Domain::new(1, [1; 20])).unwrap();
    assert!(BatchKeys::load(dir.path(), &elsewhere).is_ok());
    let other = RollupParams::new(8, 8, DOMAIN).unwrap();
    assert!(matches!(BatchKeys::load(dir.path(), &other), Err(KeyError::Circuit { .. })));
    let empty = tempfile::tempdir().unwrap();
    assert!(matches!(BatchKeys::load(empty.path(), &params()), Err(KeyError::Load { .. })));
}

/// Answers `deposits_from(n)` from a fixed queue, as an L1 client would from contract events.
struct Scripted(VecDeque<L1Deposit>);

#[derive(Debug, thiserror::Error)]
#[error("never")]
struct Never;

impl DepositSource for Scripted {
    type Error = Never;

    async fn deposits_from(&mut self, from: u64) -> Result<Vec<L1Deposit>, Never> {
        Ok(self.0.iter().filter(|d| d.queue_index >= from).cloned().collect())
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_watcher_loop_ingests_in_order_and_resumes() {
    let dir = tempfile::tempdir().unwrap();
    let config = SequencerConfig {
        db: dir.path().to_path_buf(),
        params: params(),
        mempool_capacity: 8,
        full_replay: false,
    };
    let (seq, _) = Sequencer::open(&config).unwrap();
    let seq = Arc::new(seq);
    seq.ingest_deposit(0, open_deposit(0, &member(0), 10)).unwrap();
    let queue = (0..3u8).map(|i| L1Deposit {
        queue_index: u64::from(i),
        entry: QueueEntry::Deposit(open_deposit(u32::from(i), &member(i), 10)),
    });
    let (stop, rx) = tokio::sync::watch::channel(false);
    let task =
        tokio::spawn(watch_deposits(Scripted(queue.collect()), seq.clone(), Duration::from_millis(20), rx));
    wait_until("three deposits", Duration::from_secs(10), || async {
        seq.progress().unwrap().counters.deposits_seen == 3
    })
    .await;
    stop.send(true).unwrap();
    task.await.unwrap().unwrap();
    let p = seq.progress().unwrap();
    assert_eq!((p.counters.next_seq, p.pending_deposits, p.accounts), (3, 3, 3));
}

/// A key flagged insecure that is not the development key of its parameters (a test-size
/// ceremony's) gets a verifier of its own, saying INSECURE, at the committed parameters too:
/// the committed artifact verifies the committed development key only. Before, any insecure key
/// at those parameters got the committed verifier, and every batch was refused on L1 with
/// `InvalidProof` (`scripts/devnet --ceremony`).
#[test]
fn an_insecure_key_other_than_the_development_key_gets_its_own_verifier() {
    use ccr_sequencer::embedded::verifier_artifact;
    use ccr_sequencer::prover::BatchVerifier;
    use ccr_verifier_contracts::{Artifact, COMMITTED_VERIFIER_KEY};
    // Any verifying key that is not the committed one: the stand-in eligibility key's shape does
    // not matter to the verifier generator.
    let vk = ccr_verifier_contracts::dev::stand_in_eligibility_key(7);
    let keys = BatchVerifier {
        pvk: Arc::new(ark_groth16::prepare_verifying_key(&vk)),
        vk: Arc::new(vk),
        insecure_dev_setup: true,
    };
    let committed = Artifact::groth16_verifier().unwrap();
    let own = verifier_artifact(&keys, &COMMITTED_VERIFIER_KEY.params, COMMITTED_VERIFIER_KEY.seed).unwrap();
    assert_ne!(own.deploy_code(&[]), committed.deploy_code(&[]), "the committed verifier for another key");
    // The development key's own path refuses the shortcut for another key as well.
    let dev_path = COMMITTED_VERIFIER_KEY.verifier_artifact(&keys.vk).unwrap();
    assert_ne!(dev_path.deploy_code(&[]), committed.deploy_code(&[]), "the development path's shortcut");
}
