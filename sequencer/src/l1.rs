//! L1: the deposit watcher and settlement, as traits and the loops that drive them.
//!
//! [`watch_deposits`] feeds the contract's queue into [`Sequencer::ingest_deposit`], and the
//! solidarity fund's move log into [`Sequencer::ingest_fund_move`] ([`take_fund_moves`]);
//! [`settle_batches`] submits proven batches and records each settlement. The implementation
//! of both traits on the rollup contract is [`crate::l1_client`].
//!
//! [`watch_deposits`]: crate::l1::watch_deposits
//! [`take_fund_moves`]: crate::l1::take_fund_moves
//! [`settle_batches`]: crate::l1::settle_batches

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use ark_bn254::Fr;
use ccr_circuits::state::tx::{FundMove, QueueEntry};
use tokio::sync::watch;
use tracing::{error, info, warn};

use crate::metrics as m;
use crate::wire::fr_to_hex;

use crate::error::SequencerError;
use crate::records::{BatchRecord, CreditProofRecord, L1Settlement};
use crate::sequencer::{FundCursor, Sequencer};

/// A deposit in the L1 contract's queue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct L1Deposit {
    /// Position in the queue (0, 1, 2, ...): the order batches must consume deposits in.
    pub queue_index: u64,
    /// The entry: a deposit or a forced exit.
    pub entry: QueueEntry,
}

/// The solidarity fund's move log on L1, from a position on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FundLog {
    /// The log's cursor: `next`, the first move not carried out by a batch settled on L1;
    /// `end`, the log's end.
    pub cursor: FundCursor,
    /// The moves at positions `from..cursor.end` (`from` as asked), in log order.
    pub moves: Vec<FundMove>,
    /// The epoch of the settled table that queued them, when the source can tell (moves not
    /// yet carried out are all of the last settled table: a new table cannot settle while
    /// moves are pending).
    pub epoch: Option<u32>,
    /// The fund's members (pool → bioregion, `SolidarityFund.members()`), read with the log
    /// (`None`: the source does not read them).
    pub members: Option<ccr_verifier_contracts::fund::Members>,
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

    /// L1's current epoch (the contract's `currentEpoch()`), `None` if the source has no
    /// clock (the rollup then stays at its recorded epoch).
    fn epoch(&mut self) -> impl Future<Output = Result<Option<u32>, Self::Error>> + Send {
        std::future::ready(Ok(None))
    }

    /// The solidarity fund's move log from position `from` on (`None`: the rollup has no fund,
    /// or the source does not read it).
    fn fund_moves_from(
        &mut self,
        from: u64,
    ) -> impl Future<Output = Result<Option<FundLog>, Self::Error>> + Send {
        let _ = from;
        std::future::ready(Ok(None))
    }
}

/// A batch settled on L1.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SettlementReceipt {
    /// Batch number settled (the sequencer's numbering, from 0; the contract's is this + 1).
    pub batch: u64,
    /// Root the contract recorded after it.
    pub new_root: Fr,
    /// The settlement.
    pub settlement: L1Settlement,
}

/// Settlement of proven batches on L1: submit `tx_data` (calldata), the new root and the
/// proof to the rollup contract, which recomputes the commitment and verifies the proof.
pub trait Settlement: Send + Sync {
    /// The client's error.
    type Error: std::error::Error + Send + Sync + 'static;

    /// Number of batches the contract has accepted (batches `0..n`), to resume after a restart.
    fn settled_batches(&self) -> impl Future<Output = Result<u64, Self::Error>> + Send;

    /// How the contract settled batch `batch` (from its events), if it did: for a restart
    /// after L1 included a submission the database had not yet recorded.
    fn settlement_of(
        &self,
        batch: u64,
    ) -> impl Future<Output = Result<Option<SettlementReceipt>, Self::Error>> + Send;

    /// Submits a proven batch with the eligibility proofs of its credits (slot order);
    /// returns once the L1 transaction is included.
    fn submit_batch(
        &self,
        batch: &BatchRecord,
        credits: &[CreditProofRecord],
    ) -> impl Future<Output = Result<SettlementReceipt, Self::Error>> + Send;

    /// The L1 balance (wei) of the account that submits batches, when the client knows it: for
    /// the gauge an operator is paged on before settlement runs out of gas money.
    fn operator_balance(&self) -> impl Future<Output = Result<Option<u128>, Self::Error>> + Send {
        async { Ok(None) }
    }
}

/// How often the settlement loop reads the operator's L1 balance.
const BALANCE_EVERY: Duration = Duration::from_secs(60);

/// Feeds deposits from `source` into the sequencer, polling every `interval`, until
/// `shutdown` turns true, then the fund's moves ([`take_fund_moves`]), and moves the rollup to
/// L1's epoch when it advances (see [`Sequencer::advance_epoch`]). Resumes at the sequencer's
/// `deposits_seen`; a deposit the sequencer refuses stops the loop (the contract must not
/// queue a deposit that cannot apply).
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
            let result = tokio::task::spawn_blocking(move || s.ingest_queue_entry(d.queue_index, d.entry))
                .await
                .map_err(|e| SequencerError::Halted(format!("deposit task failed: {e}")))?;
            if let Err(e) = result {
                error!(target: "sequencer::l1", error = %e, "deposit refused; watcher stopped");
                return Err(e);
            }
        }
        take_fund_moves(&mut source, &seq).await?;
        match source.epoch().await {
            Ok(Some(epoch)) if epoch > seq.epoch()? => {
                let s = seq.clone();
                tokio::task::spawn_blocking(move || s.advance_epoch(epoch))
                    .await
                    .map_err(|e| SequencerError::Halted(format!("epoch task failed: {e}")))??;
            }
            Ok(_) => {}
            Err(e) => warn!(target: "sequencer::l1", error = %e, "reading L1's epoch failed; retrying"),
        }
    }
}

/// Takes every move of the solidarity fund's log that the sequencer has not taken yet, in log
/// order, from the position it resumes at ([`Sequencer::fund_moves_taken`], durable with the
/// moves: a restart takes none twice and skips none); returns how many it took. A move that
/// does not apply yet (its account is not open: the deposit that opens it is behind) is
/// counted in [`m::FUND_MOVES_REFUSED`] and tried again at the next call, and no later move is
/// taken before it. A source that fails is retried at the next call.
///
/// # Errors
///
/// When L1 says moves were carried out that this node never took (another sequencer's
/// batches, or another fund: no retry can fix it), and when the sequencer fails.
pub async fn take_fund_moves<S: DepositSource>(
    source: &mut S,
    seq: &Arc<Sequencer>,
) -> Result<u64, SequencerError> {
    let from = seq.fund_moves_taken()?;
    let log = match source.fund_moves_from(from).await {
        Ok(Some(log)) => log,
        Ok(None) => return Ok(0),
        Err(e) => {
            warn!(target: "sequencer::l1", error = %e, from, "reading the fund's moves failed; retrying");
            return Ok(0);
        }
    };
    seq.set_fund_cursor(log.cursor);
    if let Some(members) = log.members {
        seq.set_fund_members(members);
    }
    if log.cursor.next > from {
        let reason = format!(
            "L1's fund carried out its moves up to position {} but this node took only {from}: another sequencer's batches, or another fund",
            log.cursor.next
        );
        error!(target: "sequencer::l1", %reason, "fund watcher stopped");
        return Err(SequencerError::Halted(reason));
    }
    let mut taken = 0;
    for (position, fund_move) in (from..).zip(log.moves) {
        let (s, epoch) = (seq.clone(), log.epoch);
        let result = tokio::task::spawn_blocking(move || s.ingest_fund_move(position, fund_move, epoch))
            .await
            .map_err(|e| SequencerError::Halted(format!("fund move task failed: {e}")))?;
        match result {
            Ok(_) => taken += 1,
            Err(e @ SequencerError::FundMoveRejected { .. }) => {
                metrics::counter!(m::FUND_MOVES_REFUSED).increment(1);
                warn!(target: "sequencer::l1", error = %e, "fund move not taken yet; retrying");
                break;
            }
            Err(e) => {
                error!(target: "sequencer::l1", error = %e, "fund move refused; watcher stopped");
                return Err(e);
            }
        }
    }
    Ok(taken)
}

/// Settles proven batches on L1 in order, until `shutdown` turns true.
///
/// Each round first reconciles with the contract: batches L1 holds that the database has not
/// recorded (a crash between inclusion and the write) are recorded from the contract's
/// events, after checking L1's root is this node's. Then the next proven batch is submitted.
/// A failed submission is counted and retried every `retry`; a divergence between L1 and
/// the database (L1 holds a different batch, or fewer batches than recorded) stops the loop
/// with an error, since no retry can fix it.
pub async fn settle_batches<S: Settlement>(
    settlement: S,
    seq: Arc<Sequencer>,
    retry: Duration,
    mut shutdown: watch::Receiver<bool>,
) -> Result<(), SequencerError> {
    info!(target: "sequencer::l1", "settlement started");
    let mut balance_read: Option<tokio::time::Instant> = None;
    loop {
        if *shutdown.borrow() {
            return Ok(());
        }
        if balance_read.is_none_or(|t| t.elapsed() >= BALANCE_EVERY) {
            balance_read = Some(tokio::time::Instant::now());
            match settlement.operator_balance().await {
                Ok(Some(wei)) => metrics::gauge!(m::OPERATOR_BALANCE).set(wei as f64 / 1e18),
                Ok(None) => {}
                Err(e) => {
                    warn!(target: "sequencer::l1", error = %e, "reading the operator's L1 balance failed")
                }
            }
        }
        match settle_round(&settlement, &seq).await {
            Ok(true) => continue,
            Ok(false) => {
                tokio::select! {
                    _ = seq.proven_notified() => {}
                    _ = tokio::time::sleep(retry) => {}
                    _ = shutdown.changed() => return Ok(()),
                }
            }
            Err(RoundError::Retry(e)) => {
                metrics::counter!(m::SETTLEMENT_FAILURES).increment(1);
                warn!(target: "sequencer::l1", error = %e, retry_in = ?retry, "settlement failed; retrying");
                tokio::select! {
                    _ = tokio::time::sleep(retry) => {}
                    _ = shutdown.changed() => return Ok(()),
                }
            }
            Err(RoundError::Fatal(e)) => {
                error!(target: "sequencer::l1", error = %e, "settlement stopped");
                return Err(e);
            }
        }
    }
}

enum RoundError {
    Retry(String),
    Fatal(SequencerError),
}

impl From<SequencerError> for RoundError {
    fn from(e: SequencerError) -> Self {
        Self::Fatal(e)
    }
}

/// One round: reconcile, then submit at most one batch. `Ok(true)`: something was settled.
async fn settle_round<S: Settlement>(s: &S, seq: &Sequencer) -> Result<bool, RoundError> {
    let on_l1 = s.settled_batches().await.map_err(|e| RoundError::Retry(e.to_string()))?;
    let local = seq.settled()?;
    if on_l1 < local {
        return Err(RoundError::Fatal(SequencerError::Halted(format!(
            "L1 holds {on_l1} batches but this node recorded {local} as settled: wrong contract or an L1 reorganisation"
        ))));
    }
    if on_l1 > local {
        let receipt = s
            .settlement_of(local)
            .await
            .map_err(|e| RoundError::Retry(e.to_string()))?
            .ok_or_else(|| RoundError::Retry(format!("L1 has batch {local} but no event for it yet")))?;
        let record = seq.batch(local)?;
        if record.as_ref().map(|r| r.new_root) != Some(receipt.new_root) {
            return Err(RoundError::Fatal(SequencerError::Halted(format!(
                "L1 settled batch {local} with root {}, which is not this node's batch",
                fr_to_hex(&receipt.new_root)
            ))));
        }
        seq.record_settlement(local, receipt.settlement)?;
        info!(target: "sequencer::l1", batch = local, "settlement recovered from L1 events");
        return Ok(true);
    }
    let Some(batch) = seq.next_to_settle()? else { return Ok(false) };
    let credits = seq.credit_proofs(&batch)?;
    let receipt = s.submit_batch(&batch, &credits).await.map_err(|e| RoundError::Retry(e.to_string()))?;
    seq.record_settlement(batch.number, receipt.settlement)?;
    metrics::gauge!(m::L1_BLOCK).set(receipt.settlement.block as f64);
    info!(
        target: "sequencer::l1",
        batch = batch.number,
        l1_block = receipt.settlement.block,
        gas = receipt.settlement.gas_used,
        "batch settled on L1"
    );
    Ok(true)
}
