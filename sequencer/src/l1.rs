//! Interfaces to L1: the deposit watcher and settlement. **No implementation here**: both
//! come with the rollup contract (`verifier-contracts/`, a later issue). The sequencer takes
//! deposits through [`Sequencer::ingest_deposit`] and exposes proven batches through its
//! store and API; these traits say what an L1 client must provide, and [`watch_deposits`](crate::l1::watch_deposits) is
//! the loop that will drive a [`DepositSource`](crate::l1::DepositSource).

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use ccr_circuits::state::tx::Deposit;
use tokio::sync::watch;
use tracing::{error, warn};

use crate::error::SequencerError;
use crate::records::BatchRecord;
use crate::sequencer::Sequencer;

/// A deposit in the L1 contract's queue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct L1Deposit {
    /// Position in the queue (0, 1, 2, ...): the order batches must consume deposits in.
    pub queue_index: u64,
    /// The deposit.
    pub deposit: Deposit,
}

/// Where deposits come from: an L1 client reading the rollup contract's deposit events.
pub trait DepositSource: Send {
    /// The client's error.
    type Error: std::error::Error + Send + Sync + 'static;

    /// Deposits at queue positions `from` and after, in order, that are final on L1 (past the
    /// confirmation depth the implementation chooses). May return none.
    fn deposits_from(
        &mut self,
        from: u64,
    ) -> impl Future<Output = Result<Vec<L1Deposit>, Self::Error>> + Send;
}

/// What the contract answered to a settlement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SettlementReceipt {
    /// Batch number settled.
    pub batch: u64,
    /// L1 transaction hash.
    pub l1_tx: [u8; 32],
}

/// Settlement of proven batches on L1: submit `tx_data` (calldata), the new root and the
/// proof to the rollup contract, which recomputes the commitment and verifies the proof.
pub trait Settlement: Send + Sync {
    /// The client's error.
    type Error: std::error::Error + Send + Sync + 'static;

    /// Number of batches the contract has accepted (batches `0..n`), to resume after a restart.
    fn settled_batches(&self) -> impl Future<Output = Result<u64, Self::Error>> + Send;

    /// Submits a proven batch; returns once the L1 transaction is included.
    fn submit_batch(
        &self,
        batch: &BatchRecord,
    ) -> impl Future<Output = Result<SettlementReceipt, Self::Error>> + Send;
}

/// Feeds deposits from `source` into the sequencer, polling every `interval`, until
/// `shutdown` turns true. Resumes at the sequencer's `deposits_seen`; a deposit the sequencer
/// refuses stops the loop (the contract must not queue a deposit that cannot apply).
pub async fn watch_deposits<S: DepositSource>(
    mut source: S,
    seq: Arc<Sequencer>,
    interval: Duration,
    mut shutdown: watch::Receiver<bool>,
) -> Result<(), SequencerError> {
    let mut ticker = tokio::time::interval(interval);
    loop {
        tokio::select! {
            _ = ticker.tick() => {}
            _ = shutdown.changed() => return Ok(()),
        }
        let from = seq.progress()?.counters.deposits_seen;
        let deposits = match source.deposits_from(from).await {
            Ok(d) => d,
            Err(e) => {
                warn!(target: "sequencer::l1", error = %e, from, "reading deposits failed; retrying");
                continue;
            }
        };
        for d in deposits {
            let s = seq.clone();
            let result = tokio::task::spawn_blocking(move || s.ingest_deposit(d.queue_index, d.deposit))
                .await
                .map_err(|e| SequencerError::Halted(format!("deposit task failed: {e}")))?;
            if let Err(e) = result {
                error!(target: "sequencer::l1", error = %e, "deposit refused; watcher stopped");
                return Err(e);
            }
        }
    }
}
