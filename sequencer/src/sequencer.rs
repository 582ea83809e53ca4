//! The sequencer core: the log, the mempool, sealing and proof recording.
//!
//! # Concurrency and durability
//!
//! - **Signatures are verified once, outside every lock**, on the caller's thread (the RPC
//!   server's blocking pool: in parallel). The verification
//!   ([`CheckedSignature`](ccr_circuits::state::CheckedSignature)) travels
//!   with the transaction into the mempool, so applying it to the pending state, again behind
//!   a deposit, and to the sealed state when sealing, does not verify it again.
//! - **One lock (`inner`) orders acceptance**: the mempool, the counters, the indexes. Under
//!   it an operation validates against the pending state, applies its change in memory and
//!   *stages* its RocksDB writes in the open commit group; then it releases the lock.
//! - **Group commit.** The operation then waits until its group is durable: the first waiter
//!   writes every group staged so far in one synced RocksDB write, and the others find their
//!   group written (as PostgreSQL's and RocksDB's own group commit). Nothing is answered
//!   before it is durable. Groups are written in staging order, so a crash at any point
//!   leaves a prefix of the operations: the log replays to a state the node went through.
//! - **Sealing holds the sealed state's lock (`sealed`), not `inner`, while it builds the
//!   batch's witness** (the costly part: two tree updates per transaction): it takes the
//!   batch's transactions under `inner`, builds, then takes `inner` again to stage the batch.
//!   Only L2 transactions can arrive meanwhile, at the back of the mempool; deposits (which go
//!   ahead of them) take the sealed state's lock first. Lock order: `sealed`, then `groups`
//!   (the commit leader), then `inner`.
//!
//! If the in-memory state cannot follow what was validated, or a group's write fails, the
//! sequencer *halts* (fail-stop): it refuses further work with `Unavailable`, and a restart
//! rebuilds the state from the database (see [`crate::invariants`]).

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::path::PathBuf;
use std::sync::{Mutex, MutexGuard};
use std::time::Instant;

use ark_bn254::Fr;
use ccr_circuits::batch::{BatchBuilder, BatchWitness};
use ccr_circuits::merkle::MerkleProof;
use ccr_circuits::state::account::Account;
use ccr_circuits::state::tx::{CreditTx, Deposit, FundMove, LoanUpkeep, QueueEntry, SignedTx, Tx, TxKind};
use ccr_circuits::state::{CheckedSignature, RollupParams, RollupState, TxError};
use tokio::sync::Notify;
use tracing::{debug, error, info, warn};

use crate::credit_flows::{self, CreditFlow};
use crate::error::SequencerError;
use crate::invariants::{recover_with, StartupReport};
use crate::mempool::{DepositPlan, Mempool, PendingTx};
use crate::metrics as m;
use crate::records::{
    tx_hash, BatchRecord, CreditProofRecord, FundMoveRecord, FundOutcome, L1Settlement, TxRecord, TxStatus,
};
use crate::store::{Counters, Snapshot, Store, StoreError, StoreWrite};
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
    /// Rebuild the state by replaying the whole log even when the snapshot is sound: an audit
    /// of every stored batch, at a cost linear in history (see [`crate::invariants`]).
    pub full_replay: bool,
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
    /// Pending L2 transactions evicted because the deposit (or fund move) went ahead of them.
    pub evicted: Vec<u64>,
}

/// The most moves [`Sequencer::fund_progress`] lists (a table moves at most two per bank).
pub const MAX_FUND_MOVES_SHOWN: usize = 4096;

/// The solidarity fund's move log on L1, as the fund watcher last read it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FundCursor {
    /// The first position not yet carried out by a batch settled on L1.
    pub next: u64,
    /// The log's end (moves `next..end` are pending on L1).
    pub end: u64,
    /// The fund's balance on L1 (`fundBalance`): the next table's `fund_before`.
    pub balance: u64,
}

/// The solidarity fund's members as this node knows them: the banks its fund table covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FundMembership {
    /// The node carries out no fund's moves: the table's banks are the health configuration's.
    NoFund,
    /// The node carries out a fund's moves, whose members the fund watcher has not read yet.
    NotRead,
    /// The fund's members on L1 (pool → bioregion), as the fund watcher last read them.
    Read(ccr_verifier_contracts::fund::Members),
}

/// A fund move of the last table this node took moves of, with where it stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FundMoveStatus {
    /// Its position in the fund's log.
    pub position: u64,
    /// The record.
    pub record: FundMoveRecord,
    /// Its batch is settled on L1.
    pub settled: bool,
}

/// The moves of the last settled table this node took moves of, and the fund's cursors.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FundProgress {
    /// Moves of the fund's log taken into the log (positions `0..taken`).
    pub taken: u64,
    /// The fund's log on L1 as last read (`None`: not read by this process, or no fund).
    pub l1: Option<FundCursor>,
    /// The last table's moves taken, in log order.
    pub moves: Vec<FundMoveStatus>,
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
    /// Each pending credit (by sequence number): the bank version it was accepted under (a
    /// batch keeps credits of one version: one eligibility key) and its nullifier (freed if
    /// the credit is evicted).
    pending_credits: HashMap<u64, PendingCredit>,
    /// The bank pools' account indices (accounts that have lent, or that a pending credit
    /// makes pools): whose gauges [`update_gauges`] sets.
    pools: BTreeSet<u32>,
    /// Each pending fund move (by sequence number): its log position and record, rewritten
    /// with its outcome when its batch is sealed.
    pending_funds: HashMap<u64, (u64, FundMoveRecord)>,
    /// The writes of the open commit group, in staging order.
    staged: StoreWrite,
    /// Operations staged in the open group.
    staged_ops: u64,
    /// Number of the open commit group (the first is 1).
    group: u64,
}

/// What the sequencer keeps in memory about a pending credit.
#[derive(Debug, Clone, Copy)]
struct PendingCredit {
    version: u64,
    nullifier: Option<Fr>,
    /// The attested purpose its proof states (the `purpose` of its flow's metric).
    purpose: Option<u8>,
}

/// The group-commit leader's state (its mutex is the leader's lock).
#[derive(Debug, Default)]
struct Groups {
    /// The last group written durably.
    durable: u64,
    /// Why a group's write failed: every later group fails with it.
    failed: Option<String>,
}

/// A batch taken from the mempool, to be built without the acceptance lock.
struct SealPlan {
    number: u64,
    txs: Vec<PendingTx>,
}

/// A batch built on the sealed state.
struct Built {
    witness: BatchWitness,
    /// Queue entries consumed before it.
    deposits_from: u64,
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
    /// The state after the sealed batches (lock order: first).
    sealed: Mutex<RollupState>,
    /// The commit-group leader (lock order: second).
    groups: Mutex<Groups>,
    /// Everything acceptance touches (lock order: last).
    inner: Mutex<Inner>,
    batch_wake: Notify,
    proof_wake: Notify,
    settle_wake: Notify,
    /// The fund's log on L1 as last read (no lock order: held alone).
    fund_cursor: Mutex<Option<FundCursor>>,
    /// The fund's members (no lock order: held alone).
    fund_members: Mutex<FundMembership>,
}

impl Sequencer {
    /// Opens the database, checks its invariants and rebuilds the state by replay.
    pub fn open(config: &SequencerConfig) -> Result<(Self, StartupReport), SequencerError> {
        if config.mempool_capacity == 0 {
            return Err(SequencerError::Config("mempool capacity must be at least 1".into()));
        }
        let store = Store::open(&config.db)?;
        let r = recover_with(&store, config.params, config.mempool_capacity, config.full_replay)?;
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
        // Roots and nullifiers of earlier runs are read from the database when asked for;
        // these maps hold the genesis root and what this run adds.
        let roots = HashMap::from([(
            RollupState::new(config.params).map_err(|e| SequencerError::Config(e.to_string()))?.root(),
            0,
        )]);
        let nullifiers = HashSet::new();
        let mut pending_credits = HashMap::new();
        for p in r.mempool.iter().filter(|p| matches!(p.record.tx, Tx::Credit(_))) {
            let proof = store.credit(p.seq)?.ok_or_else(|| {
                SequencerError::Halted(format!("pending credit {} has no stored proof", p.seq))
            })?;
            pending_credits.insert(
                p.seq,
                PendingCredit {
                    version: proof.bank_version,
                    nullifier: proof.nullifier(),
                    purpose: proof.purpose(),
                },
            );
        }
        let mut pending_funds = HashMap::new();
        for p in r.mempool.iter().filter(|p| matches!(p.record.tx, Tx::Fund(_))) {
            let position = p.record.queue_index.ok_or_else(|| {
                SequencerError::Halted(format!("pending fund move {} has no log position", p.seq))
            })?;
            let rec = store.fund_move(position)?.filter(|f| f.seq == p.seq).ok_or_else(|| {
                SequencerError::Halted(format!(
                    "pending fund move {} (log position {position}) has no fund record",
                    p.seq
                ))
            })?;
            pending_funds.insert(p.seq, (position, rec));
        }
        let pools = r.mempool.state().accounts().filter(|(_, a)| a.is_pool()).map(|(i, _)| i).collect();
        let inner = Inner {
            mempool: r.mempool,
            counters: r.counters,
            unproven: r.unproven,
            proven: r.proven,
            halted: None,
            nullifiers,
            roots,
            pending_credits,
            pools,
            pending_funds,
            staged: StoreWrite::default(),
            staged_ops: 0,
            group: 1,
        };
        let seq = Self {
            store,
            params: config.params,
            sealed: Mutex::new(r.sealed),
            groups: Mutex::new(Groups::default()),
            inner: Mutex::new(inner),
            batch_wake: Notify::new(),
            proof_wake: Notify::new(),
            settle_wake: Notify::new(),
            fund_cursor: Mutex::new(None),
            fund_members: Mutex::new(FundMembership::NoFund),
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

    fn lock_sealed(&self) -> Result<MutexGuard<'_, RollupState>, SequencerError> {
        self.sealed.lock().map_err(|_| SequencerError::Halted("sealed-state lock poisoned by a panic".into()))
    }

    /// Stages `w` (the writes of `ops` operations) in the open commit group and returns the
    /// group's number, for [`Sequencer::durable`].
    fn stage(g: &mut Inner, w: StoreWrite, ops: u64) -> u64 {
        g.staged.append(w);
        g.staged_ops += ops;
        g.group
    }

    /// Returns once commit group `group` is durable. The first caller to get here writes
    /// every group staged so far in one synced write; callers whose group that write covered
    /// return without writing.
    fn durable(&self, group: u64) -> Result<(), SequencerError> {
        let mut leader = self.lock_leader()?;
        if leader.durable >= group {
            return Ok(());
        }
        if let Some(reason) = &leader.failed {
            return Err(SequencerError::Halted(reason.clone()));
        }
        let (w, ops, last) = {
            let mut g = self.lock()?;
            let last = g.group;
            g.group += 1;
            (std::mem::take(&mut g.staged), std::mem::take(&mut g.staged_ops), last)
        };
        crash_point("before-group-write");
        if !w.is_empty() {
            if let Err(e) = self.store.commit(w) {
                // Memory is ahead of the database: stop, and let a restart rebuild.
                let reason = format!("writing commit group {last}: {e}");
                leader.failed = Some(reason.clone());
                let mut g = self.lock()?;
                return Err(Self::halt(&mut g, reason));
            }
            metrics::histogram!(m::COMMIT_GROUP).record(ops as f64);
        }
        leader.durable = last;
        crash_point("after-group-write");
        Ok(())
    }

    fn lock_leader(&self) -> Result<MutexGuard<'_, Groups>, SequencerError> {
        self.groups.lock().map_err(|_| SequencerError::Halted("commit lock poisoned by a panic".into()))
    }

    /// Writes the open group with `w` after it, now, holding both locks: for the rare updates
    /// (a proof, a settlement) that readers must see in memory only once they are durable.
    /// Nothing can be staged meanwhile, so no later group can carry older counters.
    fn commit_now(&self, leader: &mut Groups, g: &mut Inner, w: StoreWrite) -> Result<(), SequencerError> {
        if let Some(reason) = &leader.failed {
            return Err(SequencerError::Halted(reason.clone()));
        }
        let mut all = std::mem::take(&mut g.staged);
        all.append(w);
        let ops = std::mem::take(&mut g.staged_ops) + 1;
        let last = g.group;
        g.group += 1;
        if let Err(e) = self.store.commit(all) {
            let reason = format!("writing commit group {last}: {e}");
            leader.failed = Some(reason.clone());
            return Err(Self::halt(g, reason));
        }
        metrics::histogram!(m::COMMIT_GROUP).record(ops as f64);
        leader.durable = last;
        Ok(())
    }

    /// Makes every operation staged so far durable.
    fn flush(&self) -> Result<(), SequencerError> {
        let group = self.lock()?.group;
        self.durable(group)
    }

    /// The sender's key in the pending state, and the transaction's signature verified under
    /// it (outside the acceptance lock; `None` when the sender has no account, which
    /// validation then reports).
    fn check_signature(&self, tx: &SignedTx) -> Result<Option<CheckedSignature>, SequencerError> {
        let pubkey = self.lock_live()?.mempool.state().account(tx.from).map(|a| a.pubkey);
        match pubkey {
            Some(pk) => Ok(Some(CheckedSignature::verify(tx, &self.params.domain, &pk)?)),
            None => Ok(None),
        }
    }

    /// Waits for an accepted operation's group, then counts and announces it.
    fn settle_acceptance(
        &self,
        accepted: Accepted,
        group: u64,
        kind: &'static str,
    ) -> Result<Accepted, SequencerError> {
        self.durable(group)?;
        metrics::counter!(m::TXS_ACCEPTED, "kind" => kind).increment(1);
        self.batch_wake.notify_one();
        Ok(accepted)
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
        let kind = Tx::Signed(tx.clone()).name();
        let result = self.check_signature(&tx).and_then(|checked| {
            let (accepted, group) = self.accept(&mut self.lock_live()?, Tx::Signed(tx), checked, None)?;
            self.settle_acceptance(accepted, group, kind)
        });
        if let Ok(a) = &result {
            debug!(target: "sequencer::rpc", seq = a.seq, from, nonce, "transaction accepted");
        }
        self.count_rejection(result)
    }

    /// Appends a loan upkeep (interest accrual, or the writedown of a loan past due and grace)
    /// after validating it against the pending state.
    pub fn submit_upkeep(&self, upkeep: LoanUpkeep) -> Result<Accepted, SequencerError> {
        let tx = Tx::Upkeep(upkeep);
        let kind = tx.name();
        let result = self
            .lock_live()
            .and_then(|mut g| self.accept(&mut g, tx, None, None))
            .and_then(|(accepted, group)| self.settle_acceptance(accepted, group, kind));
        self.count_rejection(result)
    }

    /// Appends a credit whose eligibility proof the caller checked against L1. Here: its
    /// nullifier is unused in the log, its epoch is the next batch's, its state root is one
    /// L1 holds or will hold before the credit's batch, and the loan applies to the pending
    /// state (the pool has the amount, the borrower has no other loan, the tier's maximum).
    pub fn submit_credit(&self, credit: CreditSubmission) -> Result<Accepted, SequencerError> {
        let kind = Tx::Credit(credit.tx).name();
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
            if g.nullifiers.contains(&nullifier) || self.store.nullifier(&nullifier)?.is_some() {
                return Err(SequencerError::NullifierUsed(fr_to_hex(&nullifier)));
            }
            if credit.epoch != g.counters.epoch {
                return Err(SequencerError::Credit(format!(
                    "the proof is for epoch {} and the rollup is at epoch {}: prove again for the current epoch",
                    credit.epoch, g.counters.epoch
                )));
            }
            let known = match g.roots.get(&credit.state_root) {
                Some(n) => Some(*n),
                None => self.store.root_batch(&credit.state_root)?,
            };
            let state_batch = known.ok_or_else(|| {
                SequencerError::Credit(format!(
                    "the proof's state root {} is not a root of this rollup: fetch a fresh account proof",
                    fr_to_hex(&credit.state_root)
                ))
            })?;
            let proof = CreditProofRecord { state_batch, ..credit.proof };
            let (version, purpose) = (proof.bank_version, proof.purpose());
            // Before acceptance, whose gauges then include the pool (a refused credit leaves
            // an index whose account is no pool: no gauge).
            g.pools.insert(credit.tx.bank);
            let (accepted, group) = self.accept(&mut g, Tx::Credit(credit.tx), None, Some((proof, nullifier)))?;
            g.nullifiers.insert(nullifier);
            g.pending_credits
                .insert(accepted.seq, PendingCredit { version, nullifier: Some(nullifier), purpose });
            Ok((accepted, group))
        });
        let result = result.and_then(|(accepted, group)| self.settle_acceptance(accepted, group, kind));
        self.count_rejection(result)
    }

    fn count_rejection(&self, result: Result<Accepted, SequencerError>) -> Result<Accepted, SequencerError> {
        if let Err(e) = &result {
            metrics::counter!(m::TXS_REJECTED, "reason" => e.code().label()).increment(1);
        }
        result
    }

    /// Validates an L2 transaction against the pending state (its signature `checked`
    /// already), appends it to the mempool, and stages its log entry (with a credit's proof)
    /// in the open commit group. Returns the group, which the caller waits for
    /// ([`Sequencer::durable`]) after releasing the lock.
    fn accept(
        &self,
        g: &mut MutexGuard<'_, Inner>,
        tx: Tx,
        checked: Option<CheckedSignature>,
        credit: Option<(CreditProofRecord, Fr)>,
    ) -> Result<(Accepted, u64), SequencerError> {
        g.mempool.check_l2(&tx, checked.as_ref())?;
        let seq = g.counters.next_seq;
        let hash = tx_hash(&tx, matches!(tx, Tx::Credit(_) | Tx::Upkeep(_)).then_some(seq));
        let record = TxRecord { tx, queue_index: None, hash, status: TxStatus::Pending };
        let mut w = self.store.write();
        w.put_tx(seq, &record);
        if let Some((c, nullifier)) = &credit {
            w.put_credit(seq, c);
            w.put_nullifier(nullifier, seq);
        }
        if let Err(e) = g.mempool.push_l2(PendingTx { seq, record, checked, recorded: None }) {
            return Err(Self::halt(g, e.to_string()));
        }
        g.counters.next_seq = seq + 1;
        w.put_counters(&g.counters);
        let group = Self::stage(g, w, 1);
        update_gauges(g);
        Ok((Accepted { seq, hash }, group))
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
        // A deposit goes ahead of pending L2 transactions: no batch may be being built.
        let sealed = self.lock_sealed()?;
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
        let plan = g.mempool.plan_deposit(&sealed, &deposit).map_err(|e| match e {
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
        let (group, evicted) =
            self.take_l1_entry(&mut g, plan, PendingTx::new(seq, record), counters, w, "a deposit")?;
        drop(sealed);
        if !evicted.is_empty() {
            warn!(target: "sequencer::batcher", ?evicted, queue_index, "pending transactions evicted behind a deposit");
        }
        let kind = Tx::from(deposit.clone()).name();
        update_gauges(&g);
        drop(g);
        self.settle_acceptance(Accepted { seq, hash }, group, kind)?;
        info!(target: "sequencer::batcher", seq, queue_index, index = deposit.index(), kind, "L1 queue entry ingested");
        Ok(DepositIngested { accepted: Accepted { seq, hash }, duplicate: false, evicted })
    }

    /// Takes the move at position `position` of the solidarity fund's log on L1 (a settled
    /// table's contribution or grant; `epoch`: the table's, when L1 said) into the log, ahead of
    /// pending L2 transactions and behind the L1 entries taken before it, as a deposit is. A
    /// batch then carries it as a fund slot: paid when it is within what the payer may pay when
    /// the slot applies (its balance, a fifth of it for a pool), else a shortfall
    /// ([`RollupState::apply`] decides). Positions must arrive in order; a position already taken with the same move is acknowledged again (`duplicate`),
    /// with another move it is an error. Durable when this returns, with the count of moves
    /// taken (the position a restart resumes from) in the same write.
    pub fn ingest_fund_move(
        &self,
        position: u64,
        fund_move: FundMove,
        epoch: Option<u32>,
    ) -> Result<DepositIngested, SequencerError> {
        let sealed = self.lock_sealed()?;
        let mut g = self.lock_live()?;
        let taken = g.counters.fund_moves;
        if position < taken {
            return match self.store.fund_move(position)? {
                Some(r) if r.fund_move == fund_move => Ok(DepositIngested {
                    accepted: Accepted { seq: r.seq, hash: tx_hash(&Tx::Fund(fund_move), Some(position)) },
                    duplicate: true,
                    evicted: Vec::new(),
                }),
                _ => Err(SequencerError::FundMoveConflict { position }),
            };
        }
        if position > taken {
            return Err(SequencerError::FundMoveOutOfOrder { expected: taken, got: position });
        }
        let tx = Tx::Fund(fund_move);
        let plan = g.mempool.plan_l1(&sealed, &tx).map_err(|e| match e {
            crate::mempool::MempoolError::Invalid(source) => {
                SequencerError::FundMoveRejected { position, source }
            }
            other => SequencerError::from(other),
        })?;
        let seq = g.counters.next_seq;
        let hash = tx_hash(&tx, Some(position));
        let record = TxRecord { tx, queue_index: Some(position), hash, status: TxStatus::Pending };
        let counters = Counters { next_seq: seq + 1, fund_moves: taken + 1, ..g.counters };
        let fund = FundMoveRecord { seq, epoch, fund_move, outcome: FundOutcome::Pending };
        let mut w = self.store.write();
        w.put_tx(seq, &record);
        w.put_fund_move(position, &fund);
        let (group, evicted) =
            self.take_l1_entry(&mut g, plan, PendingTx::new(seq, record), counters, w, "a fund move")?;
        g.pending_funds.insert(seq, (position, fund));
        drop(sealed);
        if !evicted.is_empty() {
            warn!(target: "sequencer::batcher", ?evicted, position, "pending transactions evicted behind a fund move");
        }
        update_gauges(&g);
        drop(g);
        self.settle_acceptance(Accepted { seq, hash }, group, "fundMove")?;
        info!(
            target: "sequencer::batcher",
            seq,
            position,
            from = fund_move.from,
            to = fund_move.to,
            amount = fund_move.amount,
            epoch,
            "fund move taken"
        );
        Ok(DepositIngested { accepted: Accepted { seq, hash }, duplicate: false, evicted })
    }

    /// The common part of taking an L1 entry ahead of the pending L2 transactions: marks the
    /// transactions the plan evicts rejected (freeing their credits' nullifiers), writes the
    /// counters, applies the plan and stages the writes `w` (which hold the entry's records).
    /// Returns the commit group and the evicted sequence numbers.
    fn take_l1_entry(
        &self,
        g: &mut MutexGuard<'_, Inner>,
        plan: DepositPlan,
        entry: PendingTx,
        counters: Counters,
        mut w: StoreWrite,
        ahead: &str,
    ) -> Result<(u64, Vec<u64>), SequencerError> {
        let mut freed = Vec::new();
        for (p, reason) in &plan.evicted {
            let reason = format!("evicted: {ahead} went ahead of it and then {reason}");
            w.set_status(p.seq, &p.record, TxStatus::Rejected(reason));
            // A credit dropped: its member may apply again.
            if let Some(n) = g.pending_credits.remove(&p.seq).and_then(|c| c.nullifier) {
                w.delete_nullifier(&n);
                freed.push(n);
            }
        }
        w.put_counters(&counters);
        let evicted: Vec<u64> = plan.evicted.iter().map(|(p, _)| p.seq).collect();
        if let Err(e) = g.mempool.commit_deposit(plan, entry) {
            return Err(Self::halt(g, e.to_string()));
        }
        g.counters = counters;
        for n in &freed {
            g.nullifiers.remove(n);
        }
        let group = Self::stage(g, w, 1);
        if !evicted.is_empty() {
            metrics::counter!(m::TXS_EVICTED).increment(evicted.len() as u64);
        }
        Ok((group, evicted))
    }

    /// Seals the next batch if the mempool holds a full one, or (with `force`) if it holds
    /// anything; pads with no-ops. Returns the batch number sealed, once it is durable.
    ///
    /// The witness is built holding the sealed state's lock only: acceptance goes on.
    pub fn seal(&self, force: bool) -> Result<Option<u64>, SequencerError> {
        let mut sealed = self.lock_sealed()?;
        let Some(plan) = self.plan_seal(&*self.lock_live()?, force) else { return Ok(None) };
        let number = plan.number;
        let built = self.build_batch(&mut sealed, &plan);
        let group = {
            let mut g = self.lock_live()?;
            match built {
                Ok(built) => self.stage_batch(&mut g, plan, built, &sealed)?,
                Err(reason) => return Err(Self::halt(&mut g, reason)),
            }
        };
        drop(sealed);
        self.durable(group)?;
        crash_point("after-seal");
        self.proof_wake.notify_one();
        Ok(Some(number))
    }

    /// Moves the rollup to L1's epoch `epoch` (a later one): every pending transaction is
    /// sealed first, in batches of the old epoch, so a batch never mixes epochs and the
    /// pending state is always at the recorded epoch. Returns whether the epoch changed.
    /// Acceptance waits meanwhile (epochs change monthly).
    pub fn advance_epoch(&self, epoch: u32) -> Result<bool, SequencerError> {
        let mut sealed = self.lock_sealed()?;
        let mut g = self.lock_live()?;
        if epoch <= g.counters.epoch {
            return Ok(false);
        }
        let old = g.counters.epoch;
        let mut batches = 0;
        while let Some(plan) = self.plan_seal(&g, true) {
            match self.build_batch(&mut sealed, &plan) {
                Ok(built) => self.stage_batch(&mut g, plan, built, &sealed)?,
                Err(reason) => return Err(Self::halt(&mut g, reason)),
            };
            batches += 1;
        }
        if !g.mempool.is_empty() {
            return Err(Self::halt(&mut g, "pending transactions left after sealing them all".into()));
        }
        if let Err(e) = sealed.set_epoch(epoch).and_then(|()| g.mempool.set_epoch(epoch)) {
            return Err(Self::halt(&mut g, format!("moving to epoch {epoch}: {e}")));
        }
        g.counters.epoch = epoch;
        let mut w = self.store.write();
        w.put_counters(&g.counters);
        let group = Self::stage(&mut g, w, 1);
        drop(g);
        drop(sealed);
        self.durable(group)?;
        info!(target: "sequencer::batcher", from = old, to = epoch, batches_sealed = batches, "epoch advanced");
        metrics::gauge!(m::EPOCH).set(f64::from(epoch));
        if batches > 0 {
            self.proof_wake.notify_one();
        }
        Ok(true)
    }

    /// Moves of the solidarity fund's log taken into the log: the position of the next to take.
    pub fn fund_moves_taken(&self) -> Result<u64, SequencerError> {
        Ok(self.lock()?.counters.fund_moves)
    }

    /// Records the fund's move log on L1 as the watcher read it (`ccr_getFund`, and the gauge of
    /// moves pending on L1).
    pub fn set_fund_cursor(&self, cursor: FundCursor) {
        if let Ok(mut c) = self.fund_cursor.lock() {
            *c = Some(cursor);
        }
        metrics::gauge!(m::FUND_MOVES_PENDING).set(cursor.end.saturating_sub(cursor.next) as f64);
    }

    /// The fund's move log on L1 as the watcher last read it (`None`: not read by this process).
    pub fn fund_cursor(&self) -> Option<FundCursor> {
        self.fund_cursor.lock().ok().and_then(|c| *c)
    }

    /// Marks that the node carries out a fund's moves (`--l1-fund-contract`,
    /// `Node::carry_fund_moves`): from now on its fund table covers the fund's members on L1,
    /// once the fund watcher has read them ([`Sequencer::set_fund_members`]).
    pub fn expect_fund(&self) {
        if let Ok(mut m) = self.fund_members.lock() {
            if *m == FundMembership::NoFund {
                *m = FundMembership::NotRead;
            }
        }
    }

    /// Records the fund's members on L1 as the fund watcher read them.
    pub fn set_fund_members(&self, members: ccr_verifier_contracts::fund::Members) {
        if let Ok(mut m) = self.fund_members.lock() {
            *m = FundMembership::Read(members);
        }
    }

    /// The fund's members as this node knows them.
    pub fn fund_membership(&self) -> FundMembership {
        self.fund_members.lock().map_or(FundMembership::NotRead, |m| m.clone())
    }

    /// The moves of the last table this node took moves of (the records of the highest log
    /// positions with one table epoch, at most [`MAX_FUND_MOVES_SHOWN`]), each with where it
    /// stands, and the fund's cursors.
    pub fn fund_progress(&self) -> Result<FundProgress, SequencerError> {
        // What memory shows taken must be readable.
        self.flush()?;
        let (taken, settled) = {
            let g = self.lock()?;
            (g.counters.fund_moves, g.counters.batches_settled)
        };
        let l1 = self.fund_cursor();
        let mut moves = Vec::new();
        let mut epoch = None;
        for item in self.store.fund_moves_rev()? {
            let (position, record) = item?;
            if position >= taken {
                // Taken after the counters were read: the next call shows it.
                continue;
            }
            match epoch {
                None => epoch = Some(record.epoch),
                Some(e) if e != record.epoch => break,
                Some(_) => {}
            }
            if moves.len() == MAX_FUND_MOVES_SHOWN {
                break;
            }
            let settled = record.outcome.batch().is_some_and(|b| b < settled);
            moves.push(FundMoveStatus { position, record, settled });
        }
        moves.reverse();
        Ok(FundProgress { taken, l1, moves })
    }

    /// The epoch of pending transactions and of the next batch.
    pub fn epoch(&self) -> Result<u32, SequencerError> {
        Ok(self.lock()?.counters.epoch)
    }

    /// The next batch's transactions, if a batch is due (`force`: any pending transaction).
    fn plan_seal(&self, g: &Inner, force: bool) -> Option<SealPlan> {
        let credits = &g.pending_credits;
        let (n, full) =
            g.mempool.batch_len(self.params.batch_size, |seq| credits.get(&seq).map_or(0, |c| c.version));
        if n == 0 || (!full && !force) {
            return None;
        }
        Some(SealPlan { number: g.counters.next_batch, txs: g.mempool.prefix(n) })
    }

    /// Applies the plan's transactions to the sealed state (their signatures verified at
    /// acceptance) and returns the batch's witness; `Err` (a reason to halt) if one fails,
    /// which cannot happen unless memory disagrees with what was validated.
    fn build_batch(&self, sealed: &mut RollupState, plan: &SealPlan) -> Result<Built, String> {
        let deposits_from = sealed.deposits_consumed();
        let mut builder = BatchBuilder::new(sealed);
        for p in &plan.txs {
            builder
                .push_recorded(sealed, &p.record.tx, p.checked.as_ref(), p.recorded.as_ref())
                .map_err(|e| format!("sealing batch {}: transaction {} fails: {e}", plan.number, p.seq))?;
        }
        Ok(Built { witness: builder.finish_from(sealed), deposits_from })
    }

    /// Removes a built batch's transactions from the mempool and stages the batch record and
    /// their statuses; returns the commit group.
    fn stage_batch(
        &self,
        g: &mut Inner,
        plan: SealPlan,
        built: Built,
        sealed: &RollupState,
    ) -> Result<u64, SequencerError> {
        let (SealPlan { number, txs }, Built { witness, deposits_from }) = (plan, built);
        if g.mempool.iter().take(txs.len()).map(|p| p.seq).ne(txs.iter().map(|p| p.seq)) {
            return Err(Self::halt(
                g,
                format!("sealing batch {number}: the mempool changed under the batch"),
            ));
        }
        let record = BatchRecord {
            number,
            old_root: witness.old_root,
            new_root: witness.new_root,
            queue_before: witness.queue_before,
            queue_after: witness.queue_after,
            epoch: witness.epoch,
            deposits_from,
            deposits: u32::try_from(sealed.deposits_consumed() - deposits_from).unwrap_or(u32::MAX),
            seqs: txs.iter().map(|p| p.seq).collect(),
            tx_data: witness.tx_data(),
            commitment: witness.public_commitment(),
            proof: None,
            settlement: None,
        };
        g.counters.next_batch = number + 1;
        let mut w = self.store.write();
        w.put_batch(&record);
        for p in &txs {
            w.set_status(p.seq, &p.record, TxStatus::InBatch(number));
        }
        let carried = record_fund_outcomes(&mut w, g, &witness, &txs, number);
        w.put_counters(&g.counters);
        // The snapshot moves with the batch: the accounts its slots touched, what it covers,
        // the witness until the proof comes, the new root for eligibility proofs.
        let touched: BTreeSet<u32> =
            witness.slots.iter().flat_map(|s| [s.encoded.from, s.encoded.to]).collect();
        for index in touched {
            if let Some(account) = sealed.account(index) {
                w.put_account(index, account);
            }
        }
        g.mempool.remove_prefix(txs.len());
        let scan_from = g.mempool.first_seq().unwrap_or(g.counters.next_seq);
        w.put_snapshot(&Snapshot { batches: number + 1, scan_from });
        w.put_witness(number, &witness);
        w.put_root(&record.new_root, number + 1);
        let group = Self::stage(g, w, 1);
        record_credit_flows(&witness, &txs, &g.pending_credits);
        for p in &txs {
            g.pending_credits.remove(&p.seq);
        }
        g.unproven.insert(number, witness);
        g.roots.insert(record.new_root, number + 1);
        info!(
            target: "sequencer::batcher",
            batch = number,
            txs = txs.len(),
            deposits = record.deposits,
            epoch = record.epoch,
            padding = self.params.batch_size - txs.iter().map(|p| p.record.tx.slots()).sum::<usize>(),
            new_root = %fr_to_hex(&record.new_root),
            "batch sealed"
        );
        metrics::counter!(m::BATCHES_SEALED).increment(1);
        metrics::histogram!(m::BATCH_TXS).record(txs.len() as f64);
        for (outcome, n) in [("paid", carried.0), ("short", carried.1)] {
            if n > 0 {
                metrics::counter!(m::FUND_MOVES_CARRIED, "outcome" => outcome).increment(n);
            }
        }
        update_gauges(g);
        Ok(group)
    }

    /// When the oldest transaction waiting for a batch arrived.
    pub fn pending_since(&self) -> Option<Instant> {
        self.lock().ok().and_then(|g| g.mempool.since())
    }

    /// Whether a full batch is waiting.
    pub fn batch_full(&self) -> bool {
        self.lock()
            .map(|g| {
                let credits = &g.pending_credits;
                g.mempool
                    .batch_len(self.params.batch_size, |seq| credits.get(&seq).map_or(0, |c| c.version))
                    .1
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
        // The batch record is read from the database: make its seal durable first.
        self.flush()?;
        let mut leader = self.lock_leader()?;
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
        w.delete_witness(n);
        self.commit_now(&mut leader, &mut g, w)?;
        g.unproven.remove(&n);
        g.proven += 1;
        update_gauges(&g);
        drop(g);
        metrics::counter!(m::BATCHES_PROVEN).increment(1);
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
        let sealed = self.lock_sealed()?;
        let g = self.lock()?;
        let Some(account) = sealed.account(index).cloned() else { return Ok(None) };
        Ok(Some(SealedAccount {
            root: sealed.root(),
            state_batch: g.counters.next_batch,
            epoch: g.counters.epoch,
            account,
            proof: sealed.proof(index)?,
        }))
    }

    /// Records that L1 settled batch `n`, the next unsettled one, in one atomic write.
    /// Recording the same settlement again is a no-op.
    pub fn record_settlement(&self, n: u64, settlement: L1Settlement) -> Result<(), SequencerError> {
        self.flush()?;
        let mut leader = self.lock_leader()?;
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
        self.commit_now(&mut leader, &mut g, w)?;
        g.counters = counters;
        update_gauges(&g);
        drop(g);
        metrics::counter!(m::BATCHES_SETTLED).increment(1);
        let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
        metrics::gauge!(m::LAST_SETTLEMENT).set(now.as_secs_f64());
        if settlement.gas_used > 0 {
            metrics::histogram!(m::L1_GAS).record(settlement.gas_used as f64);
        }
        Ok(())
    }

    /// The account at `index` (`None` if there is none in the pending state).
    pub fn account(&self, index: u32) -> Result<Option<AccountView>, SequencerError> {
        let capacity = 1u64 << self.params.depth;
        if u64::from(index) >= capacity {
            return Err(TxError::IndexOutOfRange { index, capacity }.into());
        }
        let sealed = self.lock_sealed()?;
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
            sealed: sealed.account(index).cloned(),
            pending: pending.clone(),
            loan_purpose,
        }))
    }

    /// Reads from the database; on a miss, makes what is staged durable and reads again, so
    /// that what memory already shows (a sealed batch, a log entry) is never missing.
    fn read<T>(
        &self,
        f: impl Fn(&Store) -> Result<Option<T>, StoreError>,
    ) -> Result<Option<T>, SequencerError> {
        if let Some(v) = f(&self.store)? {
            return Ok(Some(v));
        }
        self.flush()?;
        Ok(f(&self.store)?)
    }

    /// Log entry `seq`.
    pub fn tx(&self, seq: u64) -> Result<Option<TxRecord>, SequencerError> {
        self.read(|s| s.tx(seq))
    }

    /// The sequence number of a transaction hash.
    pub fn seq_by_hash(&self, hash: &[u8; 32]) -> Result<Option<u64>, SequencerError> {
        self.read(|s| s.seq_by_hash(hash))
    }

    /// Sealed batch `n`.
    pub fn batch(&self, n: u64) -> Result<Option<BatchRecord>, SequencerError> {
        self.read(|s| s.batch(n))
    }

    /// The number of sealed batches.
    pub fn batches(&self) -> Result<u64, SequencerError> {
        Ok(self.lock()?.counters.next_batch)
    }

    /// Progress counters.
    pub fn progress(&self) -> Result<Progress, SequencerError> {
        let sealed_root = self.lock_sealed()?.root();
        let g = self.lock()?;
        Ok(Progress {
            halted: g.halted.clone(),
            counters: g.counters,
            pending_deposits: g.mempool.deposits_len(),
            pending_l2: g.mempool.l2_len(),
            proven: g.proven,
            sealed_root: fr_to_hex(&sealed_root),
            pending_root: fr_to_hex(&g.mempool.state().root()),
            accounts: g.mempool.state().num_accounts(),
        })
    }
}

fn update_gauges(g: &Inner) {
    let funds = g.pending_funds.len();
    metrics::gauge!(m::MEMPOOL_TXS, "kind" => "deposit")
        .set(g.mempool.deposits_len().saturating_sub(funds) as f64);
    metrics::gauge!(m::MEMPOOL_TXS, "kind" => "fund").set(funds as f64);
    metrics::gauge!(m::FUND_MOVES_TAKEN).set(g.counters.fund_moves as f64);
    metrics::gauge!(m::MEMPOOL_TXS, "kind" => "l2").set(g.mempool.l2_len() as f64);
    metrics::gauge!(m::ACCOUNTS).set(g.mempool.state().num_accounts() as f64);
    metrics::gauge!(m::LOG_ENTRIES).set(g.counters.next_seq as f64);
    metrics::gauge!(m::UNPROVEN_BATCHES).set(g.unproven.len() as f64);
    metrics::gauge!(m::MEMPOOL_CAPACITY).set(g.mempool.capacity() as f64);
    metrics::gauge!(m::UNSETTLED_BATCHES)
        .set(g.counters.next_batch.saturating_sub(g.counters.batches_settled) as f64);
    let state = g.mempool.state();
    for &bank in &g.pools {
        if let Some(pool) = state.account(bank).filter(|a| a.is_pool()) {
            credit_flows::record_pool(bank, pool);
        }
    }
}

/// Rewrites the fund records of a sealed batch's fund moves with the outcome of their slots
/// (paid or short), in `w`, the batch's write; returns how many were paid and how many short.
fn record_fund_outcomes(
    w: &mut StoreWrite,
    g: &mut Inner,
    witness: &BatchWitness,
    txs: &[PendingTx],
    batch: u64,
) -> (u64, u64) {
    let (mut paid, mut short) = (0, 0);
    let mut slot = 0;
    for p in txs {
        if matches!(p.record.tx, Tx::Fund(_)) {
            let kind = witness.slots.get(slot).map(|s| s.encoded.kind);
            match g.pending_funds.remove(&p.seq) {
                Some((position, rec)) => {
                    let outcome = if kind == Some(TxKind::FundShortfall) {
                        short += 1;
                        FundOutcome::Short(batch)
                    } else {
                        paid += 1;
                        FundOutcome::Paid(batch)
                    };
                    w.put_fund_move(position, &FundMoveRecord { outcome, ..rec });
                }
                None => {
                    warn!(target: "sequencer::batcher", seq = p.seq, "a sealed fund move has no fund record")
                }
            }
        }
        slot += p.record.tx.slots();
    }
    (paid, short)
}

/// Counts the credit flows of a sealed batch's loan slots ([`CreditFlow`]): once per slot,
/// when the batch is sealed.
fn record_credit_flows(witness: &BatchWitness, txs: &[PendingTx], credits: &HashMap<u64, PendingCredit>) {
    let mut slot = 0;
    for p in txs {
        let purpose = credits.get(&p.seq).and_then(|c| c.purpose);
        if let Some(w) = witness.slots.get(slot) {
            match CreditFlow::of_slot(w, witness.epoch, purpose) {
                Ok(Some(flow)) => flow.record(),
                Ok(None) => {}
                Err(e) => {
                    warn!(target: "sequencer::metrics", seq = p.seq, error = %e, "credit flow not counted")
                }
            }
        }
        slot += p.record.tx.slots();
    }
}

/// A crash point for the crash tests: when the environment variable `CCR_CRASH_POINT` is
/// `point:n`, the process aborts the `n`-th time it gets here, as a power cut would (nothing
/// after it runs, nothing is flushed). Unset (always, outside those tests), it costs one load
/// of a cached value.
fn crash_point(point: &str) {
    use std::sync::atomic::{AtomicU64, Ordering};
    static TARGET: std::sync::OnceLock<Option<(String, u64)>> = std::sync::OnceLock::new();
    static REACHED: AtomicU64 = AtomicU64::new(0);
    let target = TARGET.get_or_init(|| {
        let v = std::env::var("CCR_CRASH_POINT").ok()?;
        let (name, n) = v.rsplit_once(':')?;
        Some((name.to_owned(), n.parse().ok()?))
    });
    if let Some((name, n)) = target {
        if name == point && REACHED.fetch_add(1, Ordering::SeqCst) + 1 == *n {
            eprintln!("CCR_CRASH_POINT={point}:{n}: aborting");
            std::process::abort();
        }
    }
}
