//! The sequencer core: the log, the mempool, sealing and proof recording, behind one lock.
//!
//! Every operation that changes state follows the same order: compute the change in memory
//! without applying it, commit it to RocksDB in one write batch, then apply it in memory.
//! If the in-memory state cannot follow what was committed (a bug), the sequencer *halts*
//! (fail-stop): it refuses further work with `Unavailable`, and a restart rebuilds the state
//! from the log (see [`crate::invariants`]).

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::PathBuf;
use std::sync::{Mutex, MutexGuard};
use std::time::Instant;

use ark_bn254::Fr;
use ccr_circuits::batch::{BatchBuilder, BatchWitness};
use ccr_circuits::merkle::MerkleProof;
use ccr_circuits::state::account::Account;
use ccr_circuits::state::tx::{CreditTx, Deposit, LoanUpkeep, QueueEntry, SignedTx, Tx};
use ccr_circuits::state::{RollupParams, RollupState, TxError};
use tokio::sync::Notify;
use tracing::{debug, error, info, warn};

use crate::error::SequencerError;
use crate::invariants::{recover, StartupReport};
use crate::mempool::{Mempool, PendingTx};
use crate::metrics as m;
use crate::records::{tx_hash, BatchRecord, CreditProofRecord, L1Settlement, TxRecord, TxStatus};
use crate::store::{Counters, Store};
use crate::wire::fr_to_hex;

/// What the sequencer core needs to open.
#[derive(Debug, Clone)]
pub struct SequencerConfig {
    /// Database directory.
    pub db: PathBuf,
    /// Rollup parameters (must match the database's).
    pub params: RollupParams,
    /// L2 transactions the mempool holds at most.
    pub mempool_capacity: usize,
}

/// A transaction accepted into the log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Accepted {
    /// Sequence number.
    pub seq: u64,
    /// Hash.
    pub hash: [u8; 32],
}

/// The result of ingesting a deposit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DepositIngested {
    /// Its log entry.
    pub accepted: Accepted,
    /// Already recorded (the watcher delivered it again): nothing changed.
    pub duplicate: bool,
    /// Pending L2 transactions evicted because the deposit went ahead of them.
    pub evicted: Vec<u64>,
}

/// An account in the sealed and pending states.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountView {
    /// Index.
    pub index: u32,
    /// After the last sealed batch, if it exists there.
    pub sealed: Option<Account>,
    /// After the pending transactions.
    pub pending: Account,
    /// The purpose code (0..=4) of the credit that opened its current loan (pending state):
    /// the attested purpose its eligibility proof states. `None` without a loan.
    pub loan_purpose: Option<u8>,
}

/// Progress counters, for `ccr_health`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Progress {
    /// Why the sequencer halted, if it did.
    pub halted: Option<String>,
    /// The counters.
    pub counters: Counters,
    /// Pending deposits.
    pub pending_deposits: usize,
    /// Pending L2 transactions.
    pub pending_l2: usize,
    /// Batches with a proof.
    pub proven: u64,
    /// Root after the sealed batches.
    pub sealed_root: String,
    /// Root after the pending transactions.
    pub pending_root: String,
    /// Accounts in the pending state.
    pub accounts: usize,
}

#[derive(Debug)]
struct Inner {
    sealed: RollupState,
    mempool: Mempool,
    counters: Counters,
    unproven: BTreeMap<u64, BatchWitness>,
    proven: u64,
    halted: Option<String>,
    /// Nullifiers of every credit in the log (pending, sealed or settled).
    nullifiers: HashSet<Fr>,
    /// State roots L1 holds or will hold, by L1 batch number (0: genesis; batch `n` here is
    /// `n + 1` there): the roots a credit's eligibility proof may be over.
    roots: HashMap<Fr, u64>,
    /// The bank version each pending credit (by sequence number) was accepted under: a batch
    /// keeps credits of one version (one eligibility key).
    credit_versions: HashMap<u64, u64>,
}

/// A credit whose eligibility proof was checked against L1 (the bank's key, policy and
/// registry, L1's clock and nullifiers): what [`Sequencer::submit_credit`] takes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreditSubmission {
    /// The credit, as the proof's statement states it.
    pub tx: CreditTx,
    /// The proof's epoch.
    pub epoch: u32,
    /// The proof's state root.
    pub state_root: Fr,
    /// The proof and its inputs (`state_batch` is filled in by the sequencer).
    pub proof: CreditProofRecord,
}

/// A member's account under the sealed state: what an eligibility proof opens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SealedAccount {
    /// The sealed state root.
    pub root: Fr,
    /// Its L1 batch number (the credit's `stateBatch`).
    pub state_batch: u64,
    /// The epoch of the next batch.
    pub epoch: u32,
    /// The account.
    pub account: Account,
    /// Its Merkle path.
    pub proof: MerkleProof,
}

/// The sequencer core, shared (`Arc`) by the RPC server, the batcher and the prover.
#[derive(Debug)]
pub struct Sequencer {
    store: Store,
    params: RollupParams,
    inner: Mutex<Inner>,
    batch_wake: Notify,
    proof_wake: Notify,
    settle_wake: Notify,
}

impl Sequencer {
    /// Opens the database, checks its invariants and rebuilds the state by replay.
    pub fn open(config: &SequencerConfig) -> Result<(Self, StartupReport), SequencerError> {
        if config.mempool_capacity == 0 {
            return Err(SequencerError::Config("mempool capacity must be at least 1".into()));
        }
        let store = Store::open(&config.db)?;
        let r = recover(&store, config.params, config.mempool_capacity)?;
        let report = r.report;
        info!(
            target: "sequencer::store",
            fresh = report.fresh,
            txs = report.txs,
            batches = report.batches,
            proven = report.proven,
            unproven = ?report.unproven,
            pending_deposits = report.pending_deposits,
            pending_txs = report.pending_l2,
            dropped = report.dropped.len(),
            sealed_root = %report.sealed_root,
            replay_ms = report.replay.as_millis() as u64,
            "state rebuilt from the log"
        );
        if report.pending_deposits + report.pending_l2 > 0 {
            info!(
                target: "sequencer::store",
                deposits = report.pending_deposits,
                txs = report.pending_l2,
                "repair: unsealed tail of the log kept in the mempool"
            );
        }
        if !report.unproven.is_empty() {
            info!(target: "sequencer::store", batches = ?report.unproven, "repair: sealed batches without proof queued for proving");
        }
        metrics::gauge!(m::REPLAY_SECONDS).set(report.replay.as_secs_f64());
        let mut roots = HashMap::from([(
            RollupState::new(config.params).map_err(|e| SequencerError::Config(e.to_string()))?.root(),
            0,
        )]);
        for b in store.batches()? {
            let b = b?;
            roots.insert(b.new_root, b.number + 1);
        }
        let mut nullifiers = HashSet::new();
        let mut credit_versions = HashMap::new();
        for c in store.credits()? {
            let (seq, c) = c?;
            let status = store.tx(seq)?.map(|t| t.status);
            let live = status.as_ref().is_some_and(|s| !matches!(s, TxStatus::Rejected(_)));
            if let (true, Some(n)) = (live, c.nullifier()) {
                nullifiers.insert(n);
            }
            if matches!(status, Some(TxStatus::Pending)) {
                credit_versions.insert(seq, c.bank_version);
            }
        }
        let inner = Inner {
            sealed: r.sealed,
            mempool: r.mempool,
            counters: r.counters,
            unproven: r.unproven,
            proven: r.proven,
            halted: None,
            nullifiers,
            roots,
            credit_versions,
        };
        let seq = Self {
            store,
            params: config.params,
            inner: Mutex::new(inner),
            batch_wake: Notify::new(),
            proof_wake: Notify::new(),
            settle_wake: Notify::new(),
        };
        if let Ok(g) = seq.inner.lock() {
            update_gauges(&g);
        }
        Ok((seq, report))
    }

    /// The rollup parameters.
    pub fn params(&self) -> &RollupParams {
        &self.params
    }

    /// The database (read access for the API and for tests).
    pub fn store(&self) -> &Store {
        &self.store
    }

    fn lock(&self) -> Result<MutexGuard<'_, Inner>, SequencerError> {
        self.inner.lock().map_err(|_| SequencerError::Halted("state lock poisoned by a panic".into()))
    }

    fn lock_live(&self) -> Result<MutexGuard<'_, Inner>, SequencerError> {
        let g = self.lock()?;
        if let Some(reason) = &g.halted {
            return Err(SequencerError::Halted(reason.clone()));
        }
        Ok(g)
    }

    fn halt(g: &mut Inner, reason: String) -> SequencerError {
        error!(target: "sequencer::store", %reason, "sequencer halted: restart to rebuild the state from the log");
        metrics::gauge!(m::HALTED).set(1.0);
        g.halted = Some(reason.clone());
        SequencerError::Halted(reason)
    }

    /// Validates a signed transfer, repayment or exit against the pending state and appends it
    /// to the log. When this returns `Ok`, the transaction is durable and will be in a batch.
    pub fn submit(&self, tx: SignedTx) -> Result<Accepted, SequencerError> {
        let (from, nonce) = (tx.from, tx.nonce);
        let result = self.lock_live().and_then(|mut g| self.accept(&mut g, Tx::Signed(tx), None));
        if let Ok(a) = &result {
            debug!(target: "sequencer::rpc", seq = a.seq, from, nonce, "transaction accepted");
        }
        self.count_rejection(result)
    }

    /// Appends a loan upkeep (interest accrual, or the writedown of a loan past due and grace)
    /// after validating it against the pending state.
    pub fn submit_upkeep(&self, upkeep: LoanUpkeep) -> Result<Accepted, SequencerError> {
        let result = self.lock_live().and_then(|mut g| self.accept(&mut g, Tx::Upkeep(upkeep), None));
        self.count_rejection(result)
    }

    /// Appends a credit whose eligibility proof the caller checked against L1. Here: its
    /// nullifier is unused in the log, its epoch is the next batch's, its state root is one
    /// L1 holds or will hold before the credit's batch, and the loan applies to the pending
    /// state (the pool has the amount, the borrower has no other loan, the tier's maximum).
    pub fn submit_credit(&self, credit: CreditSubmission) -> Result<Accepted, SequencerError> {
        let result = self.lock_live().and_then(|mut g| {
            if self.params.batch_size < 2 {
                return Err(SequencerError::Credit(format!(
                    "a credit takes two slots and this rollup's batches have {}",
                    self.params.batch_size
                )));
            }
            let nullifier = credit.proof.nullifier().ok_or_else(|| {
                SequencerError::Credit("the proof's inputs hold no nullifier".into())
            })?;
            if g.nullifiers.contains(&nullifier) {
                return Err(SequencerError::NullifierUsed(fr_to_hex(&nullifier)));
            }
            if credit.epoch != g.counters.epoch {
                return Err(SequencerError::Credit(format!(
                    "the proof is for epoch {} and the rollup is at epoch {}: prove again for the current epoch",
                    credit.epoch, g.counters.epoch
                )));
            }
            let state_batch = *g.roots.get(&credit.state_root).ok_or_else(|| {
                SequencerError::Credit(format!(
                    "the proof's state root {} is not a root of this rollup: fetch a fresh account proof",
                    fr_to_hex(&credit.state_root)
                ))
            })?;
            let proof = CreditProofRecord { state_batch, ..credit.proof };
            let version = proof.bank_version;
            let accepted = self.accept(&mut g, Tx::Credit(credit.tx), Some(proof))?;
            g.nullifiers.insert(nullifier);
            g.credit_versions.insert(accepted.seq, version);
            Ok(accepted)
        });
        self.count_rejection(result)
    }

    fn count_rejection(&self, result: Result<Accepted, SequencerError>) -> Result<Accepted, SequencerError> {
        if let Err(e) = &result {
            metrics::counter!(m::TXS_REJECTED, "reason" => e.code().label()).increment(1);
        }
        result
    }

    /// Validates an L2 transaction against the pending state, then appends it (with a credit's
    /// proof) to the log in one write and to the mempool.
    fn accept(
        &self,
        g: &mut MutexGuard<'_, Inner>,
        tx: Tx,
        credit: Option<CreditProofRecord>,
    ) -> Result<Accepted, SequencerError> {
        g.mempool.check_l2(&tx)?;
        let seq = g.counters.next_seq;
        let hash = tx_hash(&tx, matches!(tx, Tx::Credit(_) | Tx::Upkeep(_)).then_some(seq));
        let record = TxRecord { tx, queue_index: None, hash, status: TxStatus::Pending };
        let counters = Counters { next_seq: seq + 1, ..g.counters };
        let mut w = self.store.write();
        w.put_tx(seq, &record);
        if let Some(c) = &credit {
            w.put_credit(seq, c);
        }
        w.put_counters(&counters);
        self.store.commit(w)?;
        g.counters = counters;
        let kind = record.tx.name();
        if let Err(e) = g.mempool.push_l2(PendingTx { seq, record }) {
            return Err(Self::halt(g, e.to_string()));
        }
        metrics::counter!(m::TXS_ACCEPTED, "kind" => kind).increment(1);
        update_gauges(g);
        self.batch_wake.notify_one();
        Ok(Accepted { seq, hash })
    }

    /// [`Sequencer::ingest_queue_entry`] of a deposit.
    pub fn ingest_deposit(
        &self,
        queue_index: u64,
        deposit: Deposit,
    ) -> Result<DepositIngested, SequencerError> {
        self.ingest_queue_entry(queue_index, QueueEntry::Deposit(deposit))
    }

    /// Records the L1 queue entry (a deposit or a forced exit) at queue position
    /// `queue_index` and queues it ahead of pending L2 transactions. Positions must arrive in
    /// order; a position already recorded with the same entry is acknowledged again
    /// (`duplicate`), with another entry it is an error.
    pub fn ingest_queue_entry(
        &self,
        queue_index: u64,
        deposit: QueueEntry,
    ) -> Result<DepositIngested, SequencerError> {
        let mut g = self.lock_live()?;
        let seen = g.counters.deposits_seen;
        if queue_index < seen {
            return match self.store.queue_entry(queue_index)? {
                Some((seq, d)) if d == deposit => Ok(DepositIngested {
                    accepted: Accepted { seq, hash: tx_hash(&Tx::from(d), Some(queue_index)) },
                    duplicate: true,
                    evicted: Vec::new(),
                }),
                _ => Err(SequencerError::DepositConflict { queue_index }),
            };
        }
        if queue_index > seen {
            return Err(SequencerError::DepositOutOfOrder { expected: seen, got: queue_index });
        }
        let plan = g.mempool.plan_deposit(&g.sealed, &deposit).map_err(|e| match e {
            crate::mempool::MempoolError::Invalid(source) => {
                SequencerError::DepositRejected { queue_index, source }
            }
            other => SequencerError::from(other),
        })?;
        let seq = g.counters.next_seq;
        let tx = Tx::from(deposit.clone());
        let hash = tx_hash(&tx, Some(queue_index));
        let record = TxRecord { tx, queue_index: Some(queue_index), hash, status: TxStatus::Pending };
        let counters = Counters { next_seq: seq + 1, deposits_seen: seen + 1, ..g.counters };
        let mut w = self.store.write();
        w.put_tx(seq, &record);
        w.put_queue_entry(queue_index, seq, &deposit);
        for (p, reason) in &plan.evicted {
            let reason = format!("evicted: a deposit went ahead of it and then {reason}");
            w.set_status(p.seq, &p.record, TxStatus::Rejected(reason));
        }
        w.put_counters(&counters);
        self.store.commit(w)?;
        g.counters = counters;
        let evicted: Vec<u64> = plan.evicted.iter().map(|(p, _)| p.seq).collect();
        if let Err(e) = g.mempool.commit_deposit(plan, PendingTx { seq, record }) {
            return Err(Self::halt(&mut g, e.to_string()));
        }
        if !evicted.is_empty() {
            warn!(target: "sequencer::batcher", ?evicted, queue_index, "pending transactions evicted behind a deposit");
            metrics::counter!(m::TXS_EVICTED).increment(evicted.len() as u64);
        }
        let kind = Tx::from(deposit.clone()).name();
        info!(target: "sequencer::batcher", seq, queue_index, index = deposit.index(), kind, "L1 queue entry ingested");
        metrics::counter!(m::TXS_ACCEPTED, "kind" => kind).increment(1);
        update_gauges(&g);
        drop(g);
        self.batch_wake.notify_one();
        Ok(DepositIngested { accepted: Accepted { seq, hash }, duplicate: false, evicted })
    }

    /// Seals the next batch if the mempool holds a full one, or (with `force`) if it holds
    /// anything; pads with no-ops. Returns the batch number sealed.
    pub fn seal(&self, force: bool) -> Result<Option<u64>, SequencerError> {
        let mut g = self.lock_live()?;
        let sealed = self.seal_locked(&mut g, force);
        drop(g);
        if matches!(sealed, Ok(Some(_))) {
            self.proof_wake.notify_one();
        }
        sealed
    }

    /// Moves the rollup to L1's epoch `epoch` (a later one): every pending transaction is
    /// sealed first, in batches of the old epoch, so a batch never mixes epochs and the
    /// pending state is always at the recorded epoch. Returns whether the epoch changed.
    pub fn advance_epoch(&self, epoch: u32) -> Result<bool, SequencerError> {
        let mut g = self.lock_live()?;
        if epoch <= g.counters.epoch {
            return Ok(false);
        }
        let old = g.counters.epoch;
        let mut sealed = 0;
        while self.seal_locked(&mut g, true)?.is_some() {
            sealed += 1;
        }
        let inner = &mut *g;
        if !inner.mempool.is_empty() {
            return Err(Self::halt(inner, "pending transactions left after sealing them all".into()));
        }
        let counters = Counters { epoch, ..inner.counters };
        let mut w = self.store.write();
        w.put_counters(&counters);
        self.store.commit(w)?;
        inner.counters = counters;
        if let Err(e) = inner.sealed.set_epoch(epoch).and_then(|()| inner.mempool.set_epoch(epoch)) {
            return Err(Self::halt(inner, format!("moving to epoch {epoch}: {e}")));
        }
        info!(target: "sequencer::batcher", from = old, to = epoch, batches_sealed = sealed, "epoch advanced");
        metrics::gauge!(m::EPOCH).set(f64::from(epoch));
        drop(g);
        if sealed > 0 {
            self.proof_wake.notify_one();
        }
        Ok(true)
    }

    /// The epoch of pending transactions and of the next batch.
    pub fn epoch(&self) -> Result<u32, SequencerError> {
        Ok(self.lock()?.counters.epoch)
    }

    fn seal_locked(&self, g: &mut MutexGuard<'_, Inner>, force: bool) -> Result<Option<u64>, SequencerError> {
        let versions = &g.credit_versions;
        let (n, full) =
            g.mempool.batch_len(self.params.batch_size, |seq| versions.get(&seq).copied().unwrap_or(0));
        if n == 0 || (!full && !force) {
            return Ok(None);
        }
        let txs = g.mempool.prefix(n);
        let number = g.counters.next_batch;
        let inner = &mut **g;
        let deposits_from = inner.sealed.deposits_consumed();
        let mut builder = BatchBuilder::new(&inner.sealed);
        for p in &txs {
            if let Err(e) = builder.push(&mut inner.sealed, &p.record.tx) {
                return Err(Self::halt(
                    inner,
                    format!("sealing batch {number}: transaction {} fails: {e}", p.seq),
                ));
            }
        }
        let used = self.params.batch_size - builder.room();
        let witness = builder.finish_from(&inner.sealed);
        let record = BatchRecord {
            number,
            old_root: witness.old_root,
            new_root: witness.new_root,
            queue_before: witness.queue_before,
            queue_after: witness.queue_after,
            epoch: witness.epoch,
            deposits_from,
            deposits: u32::try_from(inner.sealed.deposits_consumed() - deposits_from).unwrap_or(u32::MAX),
            seqs: txs.iter().map(|p| p.seq).collect(),
            tx_data: witness.tx_data(),
            commitment: witness.public_commitment(),
            proof: None,
            settlement: None,
        };
        let counters = Counters { next_batch: number + 1, ..inner.counters };
        let mut w = self.store.write();
        w.put_batch(&record);
        for p in &txs {
            w.set_status(p.seq, &p.record, TxStatus::InBatch(number));
        }
        w.put_counters(&counters);
        if let Err(e) = self.store.commit(w) {
            // The sealed state moved ahead of the database.
            return Err(Self::halt(inner, format!("sealing batch {number}: {e}")));
        }
        inner.counters = counters;
        inner.mempool.remove_prefix(txs.len());
        for p in &txs {
            inner.credit_versions.remove(&p.seq);
        }
        inner.unproven.insert(number, witness);
        inner.roots.insert(record.new_root, number + 1);
        info!(
            target: "sequencer::batcher",
            batch = number,
            txs = txs.len(),
            deposits = record.deposits,
            epoch = record.epoch,
            padding = self.params.batch_size - used,
            new_root = %fr_to_hex(&record.new_root),
            "batch sealed"
        );
        metrics::counter!(m::BATCHES_SEALED).increment(1);
        metrics::histogram!(m::BATCH_TXS).record(txs.len() as f64);
        update_gauges(inner);
        Ok(Some(number))
    }

    /// When the oldest transaction waiting for a batch arrived.
    pub fn pending_since(&self) -> Option<Instant> {
        self.lock().ok().and_then(|g| g.mempool.since())
    }

    /// Whether a full batch is waiting.
    pub fn batch_full(&self) -> bool {
        self.lock()
            .map(|g| {
                let versions = &g.credit_versions;
                g.mempool.batch_len(self.params.batch_size, |seq| versions.get(&seq).copied().unwrap_or(0)).1
            })
            .unwrap_or(false)
    }

    /// Waits until a transaction or deposit is accepted.
    pub async fn accepted_notified(&self) {
        self.batch_wake.notified().await;
    }

    /// Waits until a batch is sealed.
    pub async fn sealed_notified(&self) {
        self.proof_wake.notified().await;
    }

    /// The lowest sealed batch without a proof, with its witness.
    pub fn next_unproven(&self) -> Option<(u64, BatchWitness)> {
        let g = self.lock().ok()?;
        g.unproven.iter().next().map(|(n, w)| (*n, w.clone()))
    }

    /// The sealed batches without a proof, lowest first.
    pub fn unproven_batches(&self) -> Vec<u64> {
        self.lock().map(|g| g.unproven.keys().copied().collect()).unwrap_or_default()
    }

    /// The witness of sealed batch `n`, if it has no proof yet.
    pub fn unproven_witness(&self, n: u64) -> Option<BatchWitness> {
        self.lock().ok()?.unproven.get(&n).cloned()
    }

    /// Stores the proof of batch `n` (one atomic write) and marks it proven.
    pub fn record_proof(&self, n: u64, proof: Vec<u8>) -> Result<(), SequencerError> {
        let mut g = self.lock()?;
        let mut record = self
            .store
            .batch(n)?
            .ok_or_else(|| SequencerError::Halted(format!("proof for batch {n}, which is not stored")))?;
        if record.proof.is_some() {
            return Ok(());
        }
        record.proof = Some(proof);
        let mut w = self.store.write();
        w.put_batch(&record);
        self.store.commit(w)?;
        g.unproven.remove(&n);
        g.proven += 1;
        metrics::counter!(m::BATCHES_PROVEN).increment(1);
        update_gauges(&g);
        drop(g);
        self.settle_wake.notify_one();
        Ok(())
    }

    /// Waits until a batch is proven.
    pub async fn proven_notified(&self) {
        self.settle_wake.notified().await;
    }

    /// Batches settled on L1 (`0..n`).
    pub fn settled(&self) -> Result<u64, SequencerError> {
        Ok(self.lock()?.counters.batches_settled)
    }

    /// The next batch to settle, if it is proven.
    pub fn next_to_settle(&self) -> Result<Option<BatchRecord>, SequencerError> {
        let n = self.lock()?.counters.batches_settled;
        Ok(self.store.batch(n)?.filter(|b| b.proof.is_some()))
    }

    /// The eligibility proofs of `batch`'s credits, in slot order: what L1 needs with it.
    pub fn credit_proofs(&self, batch: &BatchRecord) -> Result<Vec<CreditProofRecord>, SequencerError> {
        let mut out = Vec::new();
        for &seq in &batch.seqs {
            let rec = self.store.tx(seq)?.ok_or_else(|| {
                SequencerError::Halted(format!(
                    "batch {} lists log entry {seq}, which is missing",
                    batch.number
                ))
            })?;
            if matches!(rec.tx, Tx::Credit(_)) {
                out.push(self.store.credit(seq)?.ok_or_else(|| {
                    SequencerError::Halted(format!(
                        "credit {seq} of batch {} has no stored proof",
                        batch.number
                    ))
                })?);
            }
        }
        Ok(out)
    }

    /// The account at `index` under the sealed state, with its Merkle path (`None` if the
    /// sealed state has no account there).
    pub fn sealed_account(&self, index: u32) -> Result<Option<SealedAccount>, SequencerError> {
        let capacity = 1u64 << self.params.depth;
        if u64::from(index) >= capacity {
            return Err(TxError::IndexOutOfRange { index, capacity }.into());
        }
        let g = self.lock()?;
        let Some(account) = g.sealed.account(index).cloned() else { return Ok(None) };
        Ok(Some(SealedAccount {
            root: g.sealed.root(),
            state_batch: g.counters.next_batch,
            epoch: g.counters.epoch,
            account,
            proof: g.sealed.proof(index)?,
        }))
    }

    /// Records that L1 settled batch `n`, the next unsettled one, in one atomic write.
    /// Recording the same settlement again is a no-op.
    pub fn record_settlement(&self, n: u64, settlement: L1Settlement) -> Result<(), SequencerError> {
        let mut g = self.lock()?;
        let mut record = self.store.batch(n)?.ok_or_else(|| {
            SequencerError::Halted(format!("L1 settled batch {n}, which is not sealed here"))
        })?;
        if n < g.counters.batches_settled {
            return Ok(());
        }
        if n != g.counters.batches_settled || record.proof.is_none() {
            return Err(SequencerError::Halted(format!(
                "L1 settled batch {n} but the next batch to settle here is {} (proven: {})",
                g.counters.batches_settled,
                record.proof.is_some()
            )));
        }
        record.settlement = Some(settlement);
        let counters = Counters { batches_settled: n + 1, ..g.counters };
        let mut w = self.store.write();
        w.put_batch(&record);
        w.put_counters(&counters);
        self.store.commit(w)?;
        g.counters = counters;
        metrics::counter!(m::BATCHES_SETTLED).increment(1);
        let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
        metrics::gauge!(m::LAST_SETTLEMENT).set(now.as_secs_f64());
        if settlement.gas_used > 0 {
            metrics::histogram!(m::L1_GAS).record(settlement.gas_used as f64);
        }
        update_gauges(&g);
        Ok(())
    }

    /// The account at `index` (`None` if there is none in the pending state).
    pub fn account(&self, index: u32) -> Result<Option<AccountView>, SequencerError> {
        let capacity = 1u64 << self.params.depth;
        if u64::from(index) >= capacity {
            return Err(TxError::IndexOutOfRange { index, capacity }.into());
        }
        let g = self.lock()?;
        let Some(pending) = g.mempool.state().account(index) else { return Ok(None) };
        // Read under the lock: a credit's proof record is written with its log entry.
        let loan_purpose = if pending.loan == Fr::from(0u64) {
            None
        } else {
            self.store.latest_credit_of(index)?.and_then(|(_, c)| c.purpose())
        };
        Ok(Some(AccountView {
            index,
            sealed: g.sealed.account(index).cloned(),
            pending: pending.clone(),
            loan_purpose,
        }))
    }

    /// Log entry `seq`.
    pub fn tx(&self, seq: u64) -> Result<Option<TxRecord>, SequencerError> {
        Ok(self.store.tx(seq)?)
    }

    /// The sequence number of a transaction hash.
    pub fn seq_by_hash(&self, hash: &[u8; 32]) -> Result<Option<u64>, SequencerError> {
        Ok(self.store.seq_by_hash(hash)?)
    }

    /// Sealed batch `n`.
    pub fn batch(&self, n: u64) -> Result<Option<BatchRecord>, SequencerError> {
        Ok(self.store.batch(n)?)
    }

    /// The number of sealed batches.
    pub fn batches(&self) -> Result<u64, SequencerError> {
        Ok(self.lock()?.counters.next_batch)
    }

    /// Progress counters.
    pub fn progress(&self) -> Result<Progress, SequencerError> {
        let g = self.lock()?;
        Ok(Progress {
            halted: g.halted.clone(),
            counters: g.counters,
            pending_deposits: g.mempool.deposits_len(),
            pending_l2: g.mempool.l2_len(),
            proven: g.proven,
            sealed_root: fr_to_hex(&g.sealed.root()),
            pending_root: fr_to_hex(&g.mempool.state().root()),
            accounts: g.mempool.state().num_accounts(),
        })
    }
}

fn update_gauges(g: &Inner) {
    metrics::gauge!(m::MEMPOOL_TXS, "kind" => "deposit").set(g.mempool.deposits_len() as f64);
    metrics::gauge!(m::MEMPOOL_TXS, "kind" => "l2").set(g.mempool.l2_len() as f64);
    metrics::gauge!(m::ACCOUNTS).set(g.mempool.state().num_accounts() as f64);
    metrics::gauge!(m::LOG_ENTRIES).set(g.counters.next_seq as f64);
    metrics::gauge!(m::UNPROVEN_BATCHES).set(g.unproven.len() as f64);
    metrics::gauge!(m::MEMPOOL_CAPACITY).set(g.mempool.capacity() as f64);
    metrics::gauge!(m::UNSETTLED_BATCHES)
        .set(g.counters.next_batch.saturating_sub(g.counters.batches_settled) as f64);
}
