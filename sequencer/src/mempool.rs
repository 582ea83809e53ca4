//! The mempool: accepted transactions not yet sealed, and the *pending state* they lead to.
//!
//! The pending state is the sealed state with every pending deposit applied, then every
//! pending L2 transaction, each in acceptance order: exactly the order the batcher seals
//! them in (a batch takes deposits first, then L2 transactions, so each batch is a prefix
//! of this order and sealing never changes the pending state). A new L2 transaction is
//! validated against the pending state, so an accepted transaction stays valid when sealed.
//!
//! A deposit arriving while L2 transactions are pending goes *ahead* of them, so the pending
//! state is rebuilt: sealed state, then the deposits, then the L2 transactions again. An L2
//! transaction that no longer applies (only a balance overflow can do that: deposits only
//! credit) is evicted and marked rejected. Cost: one clone of the sealed state and one
//! application per pending transaction (≈ 2 ms each at depth 24), only when a deposit meets
//! pending L2 transactions.
//!
//! A move of the solidarity fund's log (a settled table's contribution or grant) is L1's too,
//! and goes ahead of pending L2 transactions the same way, in the fund's log order, behind the
//! L1 entries taken before it: the front of the pool holds L1's entries (queue entries and fund
//! moves) in the order they were taken. Behind a move that debits a pool, an L2 transaction
//! of that pool may no longer apply: it is evicted as behind a deposit.
//!
//! Transactions with a future nonce are **rejected** (`NonceTooHigh`), not parked: parking
//! needs per-account queues with their own eviction rules and lets anyone fill the pool with
//! transactions that may never become valid; a wallet reads `pendingNonce` from
//! `ccr_getAccount` instead.

use std::collections::VecDeque;
use std::time::Instant;

use ccr_circuits::state::tx::{QueueEntry, Tx};
use ccr_circuits::state::{CheckedSignature, Recorded, RollupState, TxError};

use crate::records::TxRecord;

/// A transaction in the mempool: its log sequence number and record.
#[derive(Debug, Clone, PartialEq)]
pub struct PendingTx {
    /// Sequence number in the log.
    pub seq: u64,
    /// The log record (status pending).
    pub record: TxRecord,
    /// Its signature, verified once (a signed transaction): applying it again, behind a
    /// deposit or when sealing, does not verify it again.
    pub checked: Option<CheckedSignature>,
    /// Its application to the pending state (slot witnesses and the change): sealing replays
    /// it on the sealed state without hashing again.
    pub recorded: Option<Recorded>,
}

impl PendingTx {
    /// A pending transaction whose signature (if any) is not verified yet.
    pub fn new(seq: u64, record: TxRecord) -> Self {
        Self { seq, record, checked: None, recorded: None }
    }

    /// Applies it to `state`, recording the step.
    fn apply(&mut self, state: &mut RollupState) -> Result<(), TxError> {
        self.recorded = Some(state.apply_recorded(&self.record.tx, self.checked.as_ref())?);
        Ok(())
    }

    /// Takes again, on a copy of the state it was applied to, the step it recorded.
    fn replay(&self, state: &mut RollupState) -> Result<(), TxError> {
        match &self.recorded {
            Some(r) if state.apply_diff(&r.diff) => Ok(()),
            _ => state.apply_checked(&self.record.tx, self.checked.as_ref()).map(|_| ()),
        }
    }
}

/// Why the mempool refuses something.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MempoolError {
    /// The L2 part of the pool holds `capacity` transactions.
    #[error("mempool is full ({capacity} transactions)")]
    Full {
        /// The configured capacity.
        capacity: usize,
    },
    /// The transaction is invalid in the pending state.
    #[error(transparent)]
    Invalid(#[from] TxError),
    /// A transaction validated earlier no longer applies in the same order: the in-memory
    /// state is not what the log says (a bug); the sequencer halts.
    #[error("pending transaction {seq} no longer applies: {source}")]
    Inconsistent {
        /// Its sequence number.
        seq: u64,
        /// Why.
        source: TxError,
    },
}

/// What accepting a deposit does to the pool, computed before anything is written.
#[derive(Debug)]
pub struct DepositPlan {
    /// The rebuilt pending state, when L2 transactions were pending: the deposit's step, then
    /// the L2 transactions kept, re-recorded behind it.
    rebuilt: Option<(RollupState, Recorded, VecDeque<PendingTx>)>,
    /// L2 transactions that no longer apply behind the deposit, with the reason.
    pub evicted: Vec<(PendingTx, TxError)>,
}

/// The bounded mempool.
#[derive(Debug)]
pub struct Mempool {
    capacity: usize,
    deposits: VecDeque<PendingTx>,
    l2: VecDeque<PendingTx>,
    state: RollupState,
    since: Option<Instant>,
}

impl Mempool {
    /// An empty pool over `sealed`, holding at most `capacity` L2 transactions (deposits are
    /// never refused for room: L1 has them already and the next batches must consume them).
    pub fn new(capacity: usize, sealed: RollupState) -> Self {
        Self { capacity, deposits: VecDeque::new(), l2: VecDeque::new(), state: sealed, since: None }
    }

    /// How many L2 transactions the pool holds at most.
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// The pending state.
    pub fn state(&self) -> &RollupState {
        &self.state
    }

    /// Pending L1 entries (queue entries and fund moves).
    pub fn deposits_len(&self) -> usize {
        self.deposits.len()
    }

    /// Pending fund moves (among [`Mempool::deposits_len`]).
    pub fn fund_moves_len(&self) -> usize {
        self.deposits.iter().filter(|p| matches!(p.record.tx, Tx::Fund(_))).count()
    }

    /// Pending L2 transactions.
    pub fn l2_len(&self) -> usize {
        self.l2.len()
    }

    /// Every pending transaction.
    pub fn len(&self) -> usize {
        self.deposits.len() + self.l2.len()
    }

    /// Whether nothing is pending.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The lowest sequence number pending (`None`: nothing is).
    pub fn first_seq(&self) -> Option<u64> {
        self.deposits.front().map(|p| p.seq).into_iter().chain(self.l2.front().map(|p| p.seq)).min()
    }

    /// The pending transactions, L1's entries first.
    pub fn iter(&self) -> impl Iterator<Item = &PendingTx> + '_ {
        self.deposits.iter().chain(self.l2.iter())
    }

    /// When the oldest transaction still waiting for a batch arrived (reset at each seal).
    pub fn since(&self) -> Option<Instant> {
        self.since
    }

    /// Checks an L2 transaction (signed, a credit or a loan upkeep) against capacity and the
    /// pending state, changing nothing; `checked` is its signature, verified by the caller.
    pub fn check_l2(&self, tx: &Tx, checked: Option<&CheckedSignature>) -> Result<(), MempoolError> {
        if self.l2.len() >= self.capacity {
            return Err(MempoolError::Full { capacity: self.capacity });
        }
        self.state.validate_checked(tx, checked)?;
        Ok(())
    }

    /// Appends an L2 transaction checked by [`Mempool::check_l2`]. A signed transaction
    /// without `checked` (put back from the log at start-up) has its signature verified here,
    /// once.
    pub fn push_l2(&mut self, mut p: PendingTx) -> Result<(), MempoolError> {
        if let (Tx::Signed(s), None) = (&p.record.tx, &p.checked) {
            let inconsistent = |source| MempoolError::Inconsistent { seq: p.seq, source };
            let sender =
                self.state.account(s.from).ok_or(TxError::UnknownAccount(s.from)).map_err(inconsistent)?;
            let checked = CheckedSignature::verify(s, &self.state.params().domain, &sender.pubkey)
                .map_err(inconsistent)?;
            p.checked = Some(checked);
        }
        p.apply(&mut self.state).map_err(|source| MempoolError::Inconsistent { seq: p.seq, source })?;
        self.l2.push_back(p);
        self.since.get_or_insert_with(Instant::now);
        Ok(())
    }

    /// Computes what accepting L1 queue entry `e` (a deposit or a forced exit) does, changing
    /// nothing: `sealed` is the state the pending transactions apply to.
    pub fn plan_deposit(&self, sealed: &RollupState, e: &QueueEntry) -> Result<DepositPlan, MempoolError> {
        self.plan_l1(sealed, &Tx::from(e.clone()))
    }

    /// Computes what taking L1's entry `tx` (a queue entry or a fund move) ahead of the pending
    /// L2 transactions does, changing nothing: `sealed` is the state the pending transactions
    /// apply to.
    pub fn plan_l1(&self, sealed: &RollupState, tx: &Tx) -> Result<DepositPlan, MempoolError> {
        let tx = tx.clone();
        if self.l2.is_empty() {
            self.state.validate(&tx)?;
            return Ok(DepositPlan { rebuilt: None, evicted: Vec::new() });
        }
        let mut state = sealed.clone();
        for p in &self.deposits {
            p.replay(&mut state).map_err(|source| MempoolError::Inconsistent { seq: p.seq, source })?;
        }
        let deposit = state.apply_recorded(&tx, None)?;
        let mut evicted = Vec::new();
        let mut kept = VecDeque::with_capacity(self.l2.len());
        for p in &self.l2 {
            let mut p = p.clone();
            match p.apply(&mut state) {
                Ok(()) => kept.push_back(p),
                Err(e) => evicted.push((p, e)),
            }
        }
        Ok(DepositPlan { rebuilt: Some((state, deposit, kept)), evicted })
    }

    /// Applies a plan from [`Mempool::plan_deposit`] or [`Mempool::plan_l1`] (after the entry
    /// was persisted).
    pub fn commit_deposit(&mut self, plan: DepositPlan, mut p: PendingTx) -> Result<(), MempoolError> {
        match plan.rebuilt {
            Some((state, deposit, kept)) => {
                self.state = state;
                p.recorded = Some(deposit);
                self.l2 = kept;
            }
            None => {
                p.apply(&mut self.state)
                    .map_err(|source| MempoolError::Inconsistent { seq: p.seq, source })?;
            }
        }
        self.deposits.push_back(p);
        self.since.get_or_insert_with(Instant::now);
        Ok(())
    }

    /// How many of the pending transactions (deposits first, then L2 in order) the next batch
    /// takes: as many as fill `slots` slots (a credit takes two), with credits of one bank and
    /// one version of its parameters only (L1 checks a batch's eligibility proofs with one
    /// pairing check, under one key; a version is one key). `version_of(seq)` is the bank
    /// version credit `seq` was accepted under. `full`: nothing more can join this batch (it is
    /// out of slots, or the next transaction cannot join it).
    pub fn batch_len(&self, slots: usize, version_of: impl Fn(u64) -> u64) -> (usize, bool) {
        let mut used = 0;
        let mut bank = None;
        for (n, p) in self.deposits.iter().chain(self.l2.iter()).enumerate() {
            let need = p.record.tx.slots();
            let credit_bank = match &p.record.tx {
                Tx::Credit(c) => Some((c.bank, version_of(p.seq))),
                _ => None,
            };
            if used + need > slots || credit_bank.is_some_and(|c| bank.is_some_and(|b| b != c)) {
                return (n, true);
            }
            bank = bank.or(credit_bank);
            used += need;
        }
        (self.len(), used == slots)
    }

    /// The next batch's transactions: the first `n` (from [`Mempool::batch_len`]).
    pub fn prefix(&self, n: usize) -> Vec<PendingTx> {
        self.deposits.iter().chain(self.l2.iter()).take(n).cloned().collect()
    }

    /// Moves the (empty) pool's state to a later epoch.
    pub fn set_epoch(&mut self, epoch: u32) -> Result<(), TxError> {
        debug_assert!(self.is_empty(), "the epoch moves only between batches");
        self.state.set_epoch(epoch)
    }

    /// Removes the first `n` of [`Mempool::prefix`] (they were sealed).
    pub fn remove_prefix(&mut self, n: usize) {
        let from_deposits = n.min(self.deposits.len());
        self.deposits.drain(..from_deposits);
        let from_l2 = (n - from_deposits).min(self.l2.len());
        self.l2.drain(..from_l2);
        self.since = if self.is_empty() { None } else { Some(Instant::now()) };
    }
}
