//! The batcher: seals a batch as soon as `batch_size` transactions are pending, or when the
//! oldest pending transaction has waited `timeout` (the batch is then padded with no-ops).

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;
use tokio::time::Instant;
use tracing::{error, info};

use crate::sequencer::Sequencer;

/// Runs until `shutdown` turns true or the sequencer halts.
pub async fn run(seq: Arc<Sequencer>, timeout: Duration, mut shutdown: watch::Receiver<bool>) {
    info!(target: "sequencer::batcher", timeout_ms = timeout.as_millis() as u64, "batcher started");
    loop {
        // Seal every full batch, then a partial one if the oldest transaction waited enough.
        loop {
            let force = seq.pending_since().is_some_and(|t| t.elapsed() >= timeout);
            if !force && !seq.batch_full() {
                break;
            }
            let s = seq.clone();
            match tokio::task::spawn_blocking(move || s.seal(force)).await {
                Ok(Ok(Some(_))) => {}
                Ok(Ok(None)) => break,
                Ok(Err(e)) => {
                    error!(target: "sequencer::batcher", error = %e, "sealing failed; batcher stopped");
                    return;
                }
                Err(e) => {
                    error!(target: "sequencer::batcher", error = %e, "sealing task failed; batcher stopped");
                    return;
                }
            }
        }
        let deadline = seq.pending_since().map(|t| Instant::from_std(t) + timeout);
        tokio::select! {
            _ = seq.accepted_notified() => {}
            _ = sleep_until(deadline) => {}
            _ = shutdown.changed() => break,
        }
    }
    info!(target: "sequencer::batcher", "batcher stopped");
}

async fn sleep_until(deadline: Option<Instant>) {
    match deadline {
        Some(d) => tokio::time::sleep_until(d).await,
        None => std::future::pending().await,
    }
}
