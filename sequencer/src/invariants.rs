//! Start-up: load the in-memory state from the snapshot, or rebuild it from the log, checking
//! the database's invariants.
//!
//! # Snapshot or replay
//!
//! Each sealed batch writes, in the same write batch, the accounts it changed, the batch's
//! witness (until its proof), its new root, and what the snapshot covers
//! ([`Snapshot`](crate::store::Snapshot)). Start-up loads that: it rebuilds the tree from the
//! accounts (one hash per non-empty node), compares the root with the last batch's
//! `new_root` (which checks every account at once), and reads only the log's unsealed tail,
//! so its time does not grow with history. When the snapshot fails a check it is not trusted:
//! start-up logs the reason and **replays** the whole accepted-transaction log through the
//! native transition function (`RollupState::apply`, the specification the circuit is tested
//! against), batch by batch, then the tail, and writes a fresh snapshot. The replay is also an
//! audit of every stored batch, at a cost linear in history; `--full-replay` asks for it.
//!
//! # What the replay checks (start-up refuses to run on a violation)
//!
//! 1. The schema version is [`SCHEMA_VERSION`](crate::store::SCHEMA_VERSION) and the stored rollup parameters equal the
//!    configured ones (a new database records them).
//! 2. Sequence numbers are gapless: the `txs` keys are exactly `0..next_seq`; batch numbers
//!    are exactly `0..next_batch`; deposit queue positions exactly `0..deposits_seen`, each
//!    pointing to a log entry holding that deposit; the solidarity fund's log positions taken
//!    exactly `0..fund_moves`, each pointing to a log entry holding that move.
//! 3. Each batch replays: its `old_root` and `queue_before` are the replayed state's, its
//!    transactions (each with status *in batch n*, each in one batch only) apply, and the
//!    replayed `new_root`, `queue_after`, `tx_data` and commitment equal the stored ones. So
//!    the replayed root equals the last sealed batch's `new_root`.
//! 4. Settled batches are exactly `0..batches_settled`, each with its proof.
//! 5. Every log entry *in batch n* is in batch n's list; pending deposits are exactly the
//!    queue positions not consumed by sealed batches, in order; pending fund moves are the
//!    last positions taken, in order.
//!
//! # What is repaired (and reported)
//!
//! - The unsealed tail of the log (status pending) is put back in the mempool in order:
//!   nothing accepted is lost.
//! - Sealed batches without a proof are handed to the prover again, with their witness
//!   recomputed by the replay.
//! - A pending L2 transaction that no longer applies (it cannot happen without a bug, since
//!   the mempool evicts such transactions when they arise) is marked rejected, in one write.
//! - A new database gets its schema version and parameters.

use std::collections::{BTreeMap, HashSet};
use std::time::{Duration, Instant};

use ark_bn254::Fr;
use ccr_circuits::batch::{BatchBuilder, BatchError, BatchWitness};
use ccr_circuits::state::{RollupParams, RollupState};
use tracing::{info, warn};

use crate::mempool::{Mempool, MempoolError, PendingTx};
use crate::records::TxStatus;
use crate::store::{
    Counters, Snapshot, Store, StoreError, CF_BATCHES, CF_DEPOSITS, CF_FUND_MOVES, CF_TXS, SCHEMA_VERSION,
    UPGRADABLE_SCHEMA_VERSION,
};
use crate::wire::fr_to_hex;

/// A violated invariant: the database is not one this build can run on.
#[derive(Debug, thiserror::Error)]
pub enum InvariantError {
    /// The storage layer failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Another layout version.
    #[error("database schema version {found}, this build reads {supported}")]
    SchemaVersion {
        /// Version stored.
        found: u32,
        /// Version of this build.
        supported: u32,
    },
    /// Records exist but no schema version, or no parameters: not a database written by
    /// this sequencer.
    #[error("database has records but no schema version or parameters")]
    MissingSchema,
    /// The configured parameters differ from those the database was created with.
    #[error("database was created for {stored:?}, the configuration says {configured:?}")]
    ParamsMismatch {
        /// Parameters stored.
        stored: RollupParams,
        /// Parameters configured.
        configured: RollupParams,
    },
    /// Keys of a column family are not exactly `0..count`.
    #[error("`{cf}`: expected key {expected}, found {found:?} (counter says {count})")]
    Gap {
        /// Column family.
        cf: &'static str,
        /// The key expected next.
        expected: u64,
        /// The key found instead (`None`: the keys end early).
        found: Option<u64>,
        /// The counter in `meta`.
        count: u64,
    },
    /// A batch lists a transaction the log does not have.
    #[error("batch {batch} lists transaction {seq}, absent from the log")]
    MissingTx {
        /// Batch number.
        batch: u64,
        /// Sequence number.
        seq: u64,
    },
    /// A log entry's status disagrees with the batches.
    #[error("transaction {seq}: status {status:?} disagrees with batch {batch:?}")]
    Status {
        /// Sequence number.
        seq: u64,
        /// Stored status.
        status: TxStatus,
        /// Batch that lists it, if any.
        batch: Option<u64>,
    },
    /// A batch's transaction does not apply during replay.
    #[error("batch {batch}: transaction {seq} does not replay: {source}")]
    Replay {
        /// Batch number.
        batch: u64,
        /// Sequence number.
        seq: u64,
        /// Why.
        source: BatchError,
    },
    /// A stored batch field differs from the replayed one.
    #[error("batch {batch}: stored {field} {stored} differs from replayed {replayed}")]
    Mismatch {
        /// Batch number.
        batch: u64,
        /// Which field.
        field: &'static str,
        /// Stored value.
        stored: String,
        /// Replayed value.
        replayed: String,
    },
    /// The deposits column family and the log disagree.
    #[error("deposit at queue position {queue_index}: {reason}")]
    Deposit {
        /// Queue position.
        queue_index: u64,
        /// What disagrees.
        reason: String,
    },
    /// The fund moves column family and the log disagree.
    #[error("fund move at log position {position}: {reason}")]
    FundMove {
        /// Position in the fund's log.
        position: u64,
        /// What disagrees.
        reason: String,
    },
    /// A pending deposit does not apply (deposits cannot be dropped: the batch must consume
    /// them in queue order).
    #[error("pending deposit {seq} does not apply: {source}")]
    PendingDeposit {
        /// Sequence number.
        seq: u64,
        /// Why.
        source: MempoolError,
    },
}

/// What start-up found and repaired.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StartupReport {
    /// The database was new.
    pub fresh: bool,
    /// Log entries.
    pub txs: u64,
    /// Sealed batches.
    pub batches: u64,
    /// Batches with a proof.
    pub proven: u64,
    /// Sealed batches without a proof, handed to the prover again.
    pub unproven: Vec<u64>,
    /// Pending deposits put back in the mempool.
    pub pending_deposits: usize,
    /// Pending L2 transactions put back in the mempool.
    pub pending_l2: usize,
    /// Pending transactions marked rejected, with the reason.
    pub dropped: Vec<(u64, String)>,
    /// Root after the sealed batches (`0x` hex); the last batch's `new_root`.
    pub sealed_root: String,
    /// Root after the pending transactions too.
    pub pending_root: String,
    /// Time taken by start-up (loading the snapshot, or the replay).
    pub replay: Duration,
    /// Why the state was rebuilt by a full replay instead of loaded from the snapshot (`None`:
    /// loaded).
    pub rebuilt: Option<String>,
}

/// The state rebuilt at start-up.
#[derive(Debug)]
pub struct Recovered {
    /// State after the sealed batches.
    pub sealed: RollupState,
    /// The mempool, with the unsealed tail of the log.
    pub mempool: Mempool,
    /// Witnesses of sealed batches without a proof, by number.
    pub unproven: BTreeMap<u64, BatchWitness>,
    /// Number of batches with a proof.
    pub proven: u64,
    /// The counters.
    pub counters: Counters,
    /// What was found and repaired.
    pub report: StartupReport,
}

impl Recovered {
    /// The recovered state with its report (`rebuilt`: `None`; the caller sets it).
    #[allow(clippy::too_many_arguments)] // the parts of one result, each computed apart
    fn new(
        sealed: RollupState,
        mempool: Mempool,
        unproven: BTreeMap<u64, BatchWitness>,
        proven: u64,
        counters: Counters,
        dropped: Vec<(u64, String)>,
        fresh: bool,
        started: Instant,
    ) -> Self {
        let report = StartupReport {
            fresh,
            txs: counters.next_seq,
            batches: counters.next_batch,
            proven,
            unproven: unproven.keys().copied().collect(),
            pending_deposits: mempool.deposits_len(),
            pending_l2: mempool.l2_len(),
            dropped,
            sealed_root: fr_to_hex(&sealed.root()),
            pending_root: fr_to_hex(&mempool.state().root()),
            replay: started.elapsed(),
            rebuilt: None,
        };
        Self { sealed, mempool, unproven, proven, counters, report }
    }
}

fn gap(cf: &'static str, keys: &[u64], count: u64) -> Result<(), InvariantError> {
    for expected in 0..count.max(keys.len() as u64) {
        let found = keys.get(expected as usize).copied();
        if found != Some(expected) || expected >= count {
            return Err(InvariantError::Gap { cf, expected, found, count });
        }
    }
    Ok(())
}

fn check_field(batch: u64, field: &'static str, stored: &Fr, replayed: &Fr) -> Result<(), InvariantError> {
    if stored != replayed {
        return Err(InvariantError::Mismatch {
            batch,
            field,
            stored: fr_to_hex(stored),
            replayed: fr_to_hex(replayed),
        });
    }
    Ok(())
}

/// Checks the database and returns the in-memory state: loaded from the snapshot when it
/// is sound, else rebuilt by a full replay (which then writes a fresh snapshot). See the
/// module docs.
pub fn recover(store: &Store, params: RollupParams, capacity: usize) -> Result<Recovered, InvariantError> {
    recover_with(store, params, capacity, false)
}

/// [`recover`]; with `full_replay`, replays the whole log even when the snapshot is sound (an
/// audit of every stored batch; `ccr-sequencer run --full-replay`).
pub fn recover_with(
    store: &Store,
    params: RollupParams,
    capacity: usize,
    full_replay: bool,
) -> Result<Recovered, InvariantError> {
    let started = Instant::now();
    let (fresh, upgrade) = match store.schema_version()? {
        Some(v) if v == SCHEMA_VERSION => (false, false),
        Some(UPGRADABLE_SCHEMA_VERSION) => (false, true),
        Some(found) => return Err(InvariantError::SchemaVersion { found, supported: SCHEMA_VERSION }),
        None => {
            if store.counters()? != Counters::default() || store.txs()?.next().is_some() {
                return Err(InvariantError::MissingSchema);
            }
            let mut w = store.write();
            w.init(&params);
            w.put_counters(&Counters::default());
            w.put_snapshot(&Snapshot { batches: 0, scan_from: 0 });
            store.commit(w)?;
            info!(target: "sequencer::store", ?params, "new database initialised");
            (true, false)
        }
    };
    match store.params()? {
        Some(stored) if stored != params => {
            return Err(InvariantError::ParamsMismatch { stored, configured: params })
        }
        Some(_) => {}
        None => return Err(InvariantError::MissingSchema),
    }
    let counters = store.counters()?;
    let why = if upgrade {
        format!("database schema {UPGRADABLE_SCHEMA_VERSION} has no snapshot: upgrading to {SCHEMA_VERSION}")
    } else if full_replay {
        "full replay asked for".to_owned()
    } else {
        let loaded = match store.snapshot() {
            Ok(Some(snapshot)) => load_snapshot(store, params, capacity, counters, snapshot, fresh, started),
            Ok(None) => Err("no snapshot".to_owned()),
            Err(e) => Err(e.to_string()),
        };
        match loaded {
            Ok(r) => return Ok(r),
            Err(why) => why,
        }
    };
    if !full_replay {
        warn!(target: "sequencer::store", reason = %why, "snapshot not used: rebuilding the state from the log");
    }
    let mut r = replay(store, params, capacity, counters, fresh, started)?;
    write_snapshot(store, &r)?;
    r.report.rebuilt = Some(why);
    Ok(r)
}

/// Writes the snapshot, the unproven witnesses, the roots and the nullifiers of a replayed
/// state, replacing whatever was there, with the current schema version: one write.
fn write_snapshot(store: &Store, r: &Recovered) -> Result<(), InvariantError> {
    let mut w = store.rewrite_indexes()?;
    for (index, account) in r.sealed.accounts() {
        w.put_account(index, account);
    }
    for (n, witness) in &r.unproven {
        w.put_witness(*n, witness);
    }
    for b in store.batches()? {
        let b = b?;
        w.put_root(&b.new_root, b.number + 1);
    }
    for c in store.credits()? {
        let (seq, c) = c?;
        let live = store.tx(seq)?.is_some_and(|t| !matches!(t.status, TxStatus::Rejected(_)));
        if let (true, Some(n)) = (live, c.nullifier()) {
            w.put_nullifier(&n, seq);
        }
    }
    let scan_from = r.mempool.first_seq().unwrap_or(r.counters.next_seq);
    w.put_snapshot(&Snapshot { batches: r.counters.next_batch, scan_from });
    w.put_schema_version();
    store.commit(w)?;
    info!(
        target: "sequencer::store",
        accounts = r.sealed.num_accounts(),
        batches = r.counters.next_batch,
        "snapshot written"
    );
    Ok(())
}

/// Loads the state from the snapshot; `Err` says why it cannot be trusted (the caller then
/// replays the log). What is checked, without reading the history:
/// - it covers every sealed batch, and the log, the batches and the deposits end where the
///   counters say;
/// - the tree rebuilt from its accounts has the last batch's `new_root`, and its queue
///   position and epoch are that batch's: the root commits to every account, so one
///   comparison checks them all;
/// - the log after `scan_from` is gapless and its pending entries are exactly the tail;
/// - each stored witness is of a sealed batch without a proof, with its roots, and every
///   unsettled batch without a proof has one.
fn load_snapshot(
    store: &Store,
    params: RollupParams,
    capacity: usize,
    counters: Counters,
    snapshot: Snapshot,
    fresh: bool,
    started: Instant,
) -> Result<Recovered, String> {
    let e = |e: StoreError| e.to_string();
    if snapshot.batches != counters.next_batch {
        return Err(format!(
            "the snapshot covers {} batches, the database has {}",
            snapshot.batches, counters.next_batch
        ));
    }
    for (cf, count) in [
        (CF_TXS, counters.next_seq),
        (CF_BATCHES, counters.next_batch),
        (CF_DEPOSITS, counters.deposits_seen),
        (CF_FUND_MOVES, counters.fund_moves),
    ] {
        let last = store.last_key(cf).map_err(e)?;
        if last != count.checked_sub(1) {
            return Err(format!("`{cf}` ends at {last:?}, its counter says {count} entries"));
        }
    }
    if counters.batches_settled > counters.next_batch || snapshot.scan_from > counters.next_seq {
        return Err("counters out of range".into());
    }
    let accounts = store.state_accounts().map_err(e)?;
    let (epoch, queue, consumed, root) = match counters.next_batch.checked_sub(1) {
        Some(last) => {
            let b = store.batch(last).map_err(e)?.ok_or("the last batch is missing")?;
            (b.epoch, b.queue_after, b.deposits_from + u64::from(b.deposits), b.new_root)
        }
        None => {
            let genesis = RollupState::new(params).map_err(|e| e.to_string())?;
            (0, genesis.deposit_queue_hash(), 0, genesis.root())
        }
    };
    let mut sealed = RollupState::from_snapshot(params, epoch, accounts, queue, consumed)
        .map_err(|e| format!("snapshot accounts: {e}"))?;
    if sealed.root() != root {
        return Err(format!(
            "the snapshot's root {} is not the last batch's {}",
            fr_to_hex(&sealed.root()),
            fr_to_hex(&root)
        ));
    }
    sealed.set_epoch(counters.epoch).map_err(|e| e.to_string())?;

    // The unsealed tail.
    let mut pending = Vec::new();
    let mut next = snapshot.scan_from;
    for item in store.txs_from(snapshot.scan_from).map_err(e)? {
        let (seq, rec) = item.map_err(e)?;
        if seq != next {
            return Err(format!("the log skips from {next} to {seq}"));
        }
        next += 1;
        match rec.status {
            TxStatus::Pending => pending.push(PendingTx::new(seq, rec)),
            TxStatus::InBatch(n) if n >= counters.next_batch => {
                return Err(format!("log entry {seq} is in batch {n}, which is not sealed"))
            }
            _ => {}
        }
    }
    if next != counters.next_seq {
        return Err(format!("the log ends at {next}, its counter says {}", counters.next_seq));
    }

    // Unproven batches: their stored witnesses.
    let mut unproven = BTreeMap::new();
    for (n, w) in store.witnesses().map_err(e)? {
        let b = store.batch(n).map_err(e)?.ok_or_else(|| format!("a witness of batch {n}, not sealed"))?;
        if b.proof.is_some() || w.old_root != b.old_root || w.new_root != b.new_root {
            return Err(format!("the stored witness of batch {n} does not match it"));
        }
        unproven.insert(n, w);
    }
    for n in counters.batches_settled..counters.next_batch {
        let b = store.batch(n).map_err(e)?.ok_or_else(|| format!("batch {n} is missing"))?;
        if b.proof.is_none() && !unproven.contains_key(&n) {
            return Err(format!("batch {n} has neither a proof nor a stored witness"));
        }
    }
    let proven = counters.next_batch - unproven.len() as u64;
    let (mempool, dropped) =
        refill(store, capacity, &sealed, counters, pending).map_err(|e| e.to_string())?;
    Ok(Recovered::new(sealed, mempool, unproven, proven, counters, dropped, fresh, started))
}

/// Replays the whole log through the specification, checking every invariant.
fn replay(
    store: &Store,
    params: RollupParams,
    capacity: usize,
    counters: Counters,
    fresh: bool,
    started: Instant,
) -> Result<Recovered, InvariantError> {
    gap(CF_BATCHES, &store.keys(CF_BATCHES)?, counters.next_batch)?;
    if counters.batches_settled > counters.next_batch {
        return Err(InvariantError::Mismatch {
            batch: counters.batches_settled,
            field: "batches_settled",
            stored: counters.batches_settled.to_string(),
            replayed: format!("{} batches sealed", counters.next_batch),
        });
    }
    gap(CF_DEPOSITS, &store.keys(CF_DEPOSITS)?, counters.deposits_seen)?;
    gap(CF_FUND_MOVES, &store.keys(CF_FUND_MOVES)?, counters.fund_moves)?;

    // The log: gapless, deposits consistent with the deposits column family.
    let mut pending = Vec::new();
    let mut in_batches = 0u64;
    let mut next = 0u64;
    for item in store.txs()? {
        let (seq, rec) = item?;
        if seq != next || seq >= counters.next_seq {
            return Err(InvariantError::Gap {
                cf: crate::store::CF_TXS,
                expected: next,
                found: Some(seq),
                count: counters.next_seq,
            });
        }
        next += 1;
        if let (Some(d), Some(qi)) = (rec.tx.queue_entry(), rec.queue_index) {
            match store.queue_entry(qi)? {
                Some((s, stored)) if s == seq && stored == d => {}
                other => {
                    return Err(InvariantError::Deposit {
                        queue_index: qi,
                        reason: format!("log entry {seq} holds it, the deposits column family has {other:?}"),
                    })
                }
            }
        }
        if let (ccr_circuits::state::tx::Tx::Fund(m), position) = (&rec.tx, rec.queue_index) {
            let position = position.unwrap_or(u64::MAX);
            match store.fund_move(position)? {
                Some(f) if f.seq == seq && f.fund_move == *m => {}
                other => {
                    return Err(InvariantError::FundMove {
                        position,
                        reason: format!(
                            "log entry {seq} holds it, the fund moves column family has {other:?}"
                        ),
                    })
                }
            }
        }
        match rec.status {
            TxStatus::Pending => pending.push(PendingTx::new(seq, rec)),
            TxStatus::InBatch(_) => in_batches += 1,
            TxStatus::Rejected(_) => {}
        }
    }
    if next != counters.next_seq {
        return Err(InvariantError::Gap {
            cf: crate::store::CF_TXS,
            expected: next,
            found: None,
            count: counters.next_seq,
        });
    }

    // The batches, replayed through the specification.
    let mut state = RollupState::new(params).map_err(|e| InvariantError::Mismatch {
        batch: 0,
        field: "parameters",
        stored: format!("{params:?}"),
        replayed: e.to_string(),
    })?;
    let mut unproven = BTreeMap::new();
    let mut proven = 0u64;
    let mut listed = HashSet::new();
    for item in store.batches()? {
        let b = item?;
        let n = b.number;
        check_field(n, "old_root", &b.old_root, &state.root())?;
        check_field(n, "queue_before", &b.queue_before, &state.deposit_queue_hash())?;
        if b.deposits_from != state.deposits_consumed() {
            return Err(InvariantError::Mismatch {
                batch: n,
                field: "deposits_from",
                stored: b.deposits_from.to_string(),
                replayed: state.deposits_consumed().to_string(),
            });
        }
        if state.set_epoch(b.epoch).is_err() {
            return Err(InvariantError::Mismatch {
                batch: n,
                field: "epoch",
                stored: b.epoch.to_string(),
                replayed: format!("at least {}", state.epoch()),
            });
        }
        let mut builder = BatchBuilder::new(&state);
        for &seq in &b.seqs {
            let rec = store.tx(seq)?.ok_or(InvariantError::MissingTx { batch: n, seq })?;
            if rec.status != TxStatus::InBatch(n) || !listed.insert(seq) {
                return Err(InvariantError::Status { seq, status: rec.status, batch: Some(n) });
            }
            builder.push(&mut state, &rec.tx).map_err(|source| InvariantError::Replay {
                batch: n,
                seq,
                source,
            })?;
        }
        let witness = builder.finish_from(&state);
        check_field(n, "new_root", &b.new_root, &witness.new_root)?;
        check_field(n, "queue_after", &b.queue_after, &witness.queue_after)?;
        check_field(n, "commitment", &b.commitment, &witness.public_commitment())?;
        let deposits = state.deposits_consumed() - b.deposits_from;
        if witness.tx_data() != b.tx_data || deposits != u64::from(b.deposits) {
            return Err(InvariantError::Mismatch {
                batch: n,
                field: "tx_data",
                stored: hex::encode(&b.tx_data),
                replayed: hex::encode(witness.tx_data()),
            });
        }
        // Settled batches are the prefix 0..batches_settled, each proven.
        let settled = n < counters.batches_settled;
        if b.settlement.is_some() != settled || (settled && b.proof.is_none()) {
            return Err(InvariantError::Mismatch {
                batch: n,
                field: "settlement",
                stored: format!("settled: {}, proven: {}", b.settlement.is_some(), b.proof.is_some()),
                replayed: format!("{} batches settled on L1", counters.batches_settled),
            });
        }
        if b.proof.is_some() {
            proven += 1;
        } else {
            unproven.insert(n, witness);
        }
    }
    if in_batches != listed.len() as u64 {
        // Some entry says "in batch" but no batch lists it.
        if let Some(item) = store.txs()?.find(
            |i| matches!(i, Ok((s, r)) if matches!(r.status, TxStatus::InBatch(_)) && !listed.contains(s)),
        ) {
            let (seq, rec) = item?;
            return Err(InvariantError::Status { seq, status: rec.status, batch: None });
        }
    }
    // The epoch of the next batch and of the pending transactions (never before the last
    // batch's: the epoch only advances, with nothing pending).
    if state.set_epoch(counters.epoch).is_err() {
        return Err(InvariantError::Mismatch {
            batch: counters.next_batch,
            field: "epoch",
            stored: counters.epoch.to_string(),
            replayed: format!("at least {} (the last batch's)", state.epoch()),
        });
    }
    let sealed = state;
    let (mempool, dropped) = refill(store, capacity, &sealed, counters, pending)?;
    Ok(Recovered::new(sealed, mempool, unproven, proven, counters, dropped, fresh, started))
}

/// Puts the unsealed tail of the log back into a mempool over `sealed`: L1's entries first
/// (deposits in queue order and fund moves in the fund's log order, as they were taken), then
/// L2 transactions; an L2 transaction that no longer applies is marked rejected (and a
/// credit's nullifier freed), in one write.
fn refill(
    store: &Store,
    capacity: usize,
    sealed: &RollupState,
    counters: Counters,
    pending: Vec<PendingTx>,
) -> Result<(Mempool, Vec<(u64, String)>), InvariantError> {
    let is_l1 = |p: &PendingTx| {
        p.record.tx.queue_entry().is_some() || matches!(p.record.tx, ccr_circuits::state::tx::Tx::Fund(_))
    };
    let (front, l2): (Vec<_>, Vec<_>) = pending.into_iter().partition(is_l1);
    let mut mempool = Mempool::new(capacity, sealed.clone());
    let (mut deposits, mut funds) = (0u64, Vec::new());
    for p in &front {
        if p.record.tx.queue_entry().is_some() {
            let expected = sealed.deposits_consumed() + deposits;
            if p.record.queue_index != Some(expected) {
                return Err(InvariantError::Deposit {
                    queue_index: expected,
                    reason: format!(
                        "pending log entry {} has queue position {:?}",
                        p.seq, p.record.queue_index
                    ),
                });
            }
            deposits += 1;
        } else {
            funds.push(p.record.queue_index.unwrap_or(u64::MAX));
        }
        let plan = mempool
            .plan_l1(sealed, &p.record.tx)
            .map_err(|source| InvariantError::PendingDeposit { seq: p.seq, source })?;
        mempool
            .commit_deposit(plan, p.clone())
            .map_err(|source| InvariantError::PendingDeposit { seq: p.seq, source })?;
    }
    // The pending fund moves are the last taken, in order.
    let first = counters.fund_moves.checked_sub(funds.len() as u64);
    if let Some((i, &position)) =
        funds.iter().enumerate().find(|(i, &p)| first.map(|f| f + *i as u64) != Some(p))
    {
        return Err(InvariantError::FundMove {
            position,
            reason: format!(
                "pending fund move {i} of {} has this position, but {} moves were taken",
                funds.len(),
                counters.fund_moves
            ),
        });
    }
    if sealed.deposits_consumed() + deposits != counters.deposits_seen {
        return Err(InvariantError::Deposit {
            queue_index: sealed.deposits_consumed() + deposits,
            reason: format!(
                "{} deposits recorded, sealed and pending account for fewer",
                counters.deposits_seen
            ),
        });
    }
    let mut dropped = Vec::new();
    let mut w = store.write();
    for p in l2 {
        let (seq, record) = (p.seq, p.record.clone());
        if let Err(e) = mempool.push_l2(p) {
            let reason = format!("dropped at start-up: {e}");
            warn!(target: "sequencer::store", seq, %reason, "pending transaction no longer applies");
            w.set_status(seq, &record, TxStatus::Rejected(reason.clone()));
            if let Some(n) = store.credit(seq)?.and_then(|c| c.nullifier()) {
                w.delete_nullifier(&n);
            }
            dropped.push((seq, reason));
        }
    }
    if !dropped.is_empty() {
        store.commit(w)?;
    }
    Ok((mempool, dropped))
}
