//! Rollup state and its transition function: the specification.
//!
//! The sequencer runs this code, the wallet uses it to predict, the auditor replays it,
//! and the batch circuit is tested against it. There is no second copy.

pub mod account;
pub mod amount;
pub mod domain;
pub mod encoding;
pub mod loan;
pub mod replay;
pub mod tx;

use std::collections::HashMap;

use ark_bn254::Fr;
use ark_ff::Zero;

use crate::babyjubjub::eddsa::{self, Signature};
use crate::babyjubjub::Point;
use crate::merkle::{MerkleError, MerkleProof, SparseMerkleTree};
pub use account::Account;
use amount::{AmountError, Float40};
pub use domain::Domain;
use encoding::EncodedSlot;
use loan::{LoanError, LoanSlot};
pub use replay::{ReplayError, Replayed};
use tx::{CreditTx, Deposit, ForcedExit, FundMove, LoanUpkeep, QueueEntry, SignedTx, Tx, TxKind, INDEX_BITS};

/// Parameters fixed per deployment (and per circuit).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RollupParams {
    /// Depth of the account tree (production: 24).
    pub depth: usize,
    /// Transaction slots per batch.
    pub batch_size: usize,
    /// The deployment (L1 chain id and rollup address) every signed message binds, so
    /// signatures do not replay across deployments. Not part of the circuit's shape: the
    /// batch circuit takes its separator as a word of the public commitment.
    pub domain: Domain,
}

/// Errors of the parameters.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParamsError {
    /// Depth outside `1..=24` (indices are 24-bit in the encoding).
    #[error("tree depth must be 1..={INDEX_BITS}, got {0}")]
    Depth(usize),
    /// A batch of no slots.
    #[error("batch size must be at least 1")]
    BatchSize,
}

impl RollupParams {
    /// Checked parameters.
    pub fn new(depth: usize, batch_size: usize, domain: Domain) -> Result<Self, ParamsError> {
        if depth == 0 || depth > INDEX_BITS as usize {
            return Err(ParamsError::Depth(depth));
        }
        if batch_size == 0 {
            return Err(ParamsError::BatchSize);
        }
        Ok(Self { depth, batch_size, domain })
    }
}

/// Why a transaction is rejected. Each reason has its own variant, so the sequencer
/// can map it to its own error code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TxError {
    /// The account index does not fit the tree.
    #[error("account index {index} is outside the tree (capacity {capacity})")]
    IndexOutOfRange {
        /// Index given.
        index: u32,
        /// Accounts the tree can hold.
        capacity: u64,
    },
    /// No account at that index.
    #[error("no account at index {0}")]
    UnknownAccount(u32),
    /// A new account was asked for at an index already in use.
    #[error("account {0} already exists")]
    AccountExists(u32),
    /// Nonce differs from the account's.
    #[error("wrong nonce: account expects {expected}, transaction has {got}")]
    WrongNonce {
        /// The account's nonce.
        expected: u32,
        /// The transaction's.
        got: u32,
    },
    /// The signature does not verify under the sender's key.
    #[error("bad signature: {0}")]
    BadSignature(String),
    /// Balance below the amount.
    #[error("insufficient balance: {balance} available, {amount} requested")]
    InsufficientBalance {
        /// Sender's balance.
        balance: u64,
        /// Amount requested.
        amount: u64,
    },
    /// The recipient's balance would exceed 2⁶⁴ − 1.
    #[error("recipient balance would overflow: {balance} + {amount}")]
    Overflow {
        /// Recipient's balance.
        balance: u64,
        /// Amount credited.
        amount: u64,
    },
    /// The nonce would exceed 2³² − 1.
    #[error("account {0} has exhausted its nonces")]
    NonceExhausted(u32),
    /// A transaction with a kind its variant does not take.
    #[error("a {variant} cannot be of kind {kind:?}")]
    Kind {
        /// The transaction's variant ("signed transaction", "loan upkeep").
        variant: &'static str,
        /// The kind it carried.
        kind: TxKind,
    },
    /// A batch epoch before the state's, or past [`loan::MAX_EPOCH`].
    #[error("epoch {new} is before the state's epoch {current} or past 2^31 - 1: epochs never go back")]
    EpochBackwards {
        /// The state's epoch.
        current: u32,
        /// The epoch asked for.
        new: u32,
    },
    /// A loan rule refuses the transaction.
    #[error(transparent)]
    Loan(#[from] LoanError),
    /// An exit naming a recipient.
    #[error("an exit has no recipient (to must be 0, got {0})")]
    ExitRecipient(u32),
    /// The amount field is invalid.
    #[error(transparent)]
    Amount(#[from] AmountError),
    /// A fund move of nothing (L1 never queues one).
    #[error("a fund move moves a non-zero amount")]
    ZeroFundMove,
}

/// Everything the circuit needs about one slot, recorded while applying it.
#[derive(Debug, Clone, PartialEq)]
pub struct SlotWitness {
    /// The slot's encoding (public, in the data-availability bytes).
    pub encoded: EncodedSlot,
    /// Sender before the slot: the account paying a transfer, exit or forced exit (zeros
    /// otherwise).
    pub sender: Account,
    /// Sender's path before the slot.
    pub sender_proof: MerkleProof,
    /// Recipient before its update (after the sender's); `None` when the leaf was empty.
    pub receiver: Option<Account>,
    /// Recipient's path in the intermediate tree.
    pub receiver_proof: MerkleProof,
    /// Signature of a transfer or exit (zeros otherwise).
    pub signature: Signature,
    /// The deposit consumed (a zero deposit otherwise).
    pub deposit: Deposit,
    /// The forced exit consumed, with the amount *requested* (a zero request otherwise).
    pub forced_exit: ForcedExit,
}

impl SlotWitness {
    /// An empty slot in a tree of `depth`.
    pub fn noop(depth: usize) -> Self {
        let zero_proof = MerkleProof { index: 0, siblings: vec![Fr::zero(); depth] };
        let zero_point = Point::new_unchecked(Fr::zero(), Fr::zero());
        Self {
            encoded: EncodedSlot::NOOP,
            sender: Account::new(zero_point, 0),
            sender_proof: zero_proof.clone(),
            receiver: None,
            receiver_proof: zero_proof,
            signature: Signature { r8: zero_point, s: Fr::zero() },
            deposit: Deposit { index: 0, pubkey: None, amount: 0 },
            forced_exit: ForcedExit { index: 0, amount: 0 },
        }
    }
}

/// What applying a transaction changed in a state, recorded ([`RollupState::apply_recorded`])
/// so that another copy of the same state can take the same step without hashing again
/// ([`RollupState::apply_diff`]): the sequencer applies each transaction to its pending state
/// at acceptance and to its sealed state when sealing.
#[derive(Debug, Clone, PartialEq)]
pub struct StateDiff {
    root_before: Fr,
    queue_before: (Fr, u64),
    root_after: Fr,
    nodes: Vec<(usize, u64, Fr)>,
    accounts: Vec<(u32, Account)>,
    deposit_queue_hash: Fr,
    deposits_consumed: u64,
    epoch: u32,
}

/// A transaction applied with [`RollupState::apply_recorded`]: its slots' witnesses and what
/// it changed.
#[derive(Debug, Clone, PartialEq)]
pub struct Recorded {
    /// The slots' witnesses, as [`RollupState::apply`] returns them.
    pub slots: Vec<SlotWitness>,
    /// The change.
    pub diff: StateDiff,
}

/// A signed transaction whose EdDSA signature was verified under a public key: the proof of
/// work that lets [`RollupState::validate_checked`] and [`RollupState::apply_checked`] skip
/// verifying it again. Only [`CheckedSignature::verify`] makes one, so holding it means the
/// verification passed; it applies only to the same transaction, domain and key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckedSignature {
    tx: SignedTx,
    domain: Domain,
    pubkey: Point,
}

impl CheckedSignature {
    /// Verifies `tx`'s signature over its message in `domain` under `pubkey`.
    pub fn verify(tx: &SignedTx, domain: &Domain, pubkey: &Point) -> Result<Self, TxError> {
        eddsa::verify_poseidon(tx.unsigned().message(domain), &tx.signature, pubkey)
            .map_err(|e| TxError::BadSignature(e.to_string()))?;
        Ok(Self { tx: tx.clone(), domain: *domain, pubkey: *pubkey })
    }

    /// Whether this verification is of `tx` in `domain` under `pubkey`.
    pub fn covers(&self, tx: &SignedTx, domain: &Domain, pubkey: &Point) -> bool {
        self.tx == *tx && self.domain == *domain && self.pubkey == *pubkey
    }
}

/// The rollup's L2 state: the account tree and the deposit-queue position.
#[derive(Debug, Clone)]
pub struct RollupState {
    params: RollupParams,
    tree: SparseMerkleTree,
    accounts: HashMap<u32, Account>,
    deposit_queue_hash: Fr,
    deposits_consumed: u64,
    epoch: u32,
    /// While recording ([`RollupState::apply_recorded`]): the accounts written, in order.
    journal: Option<Vec<(u32, Account)>>,
}

impl RollupState {
    /// The genesis state: no accounts, nothing consumed from the deposit queue.
    pub fn new(params: RollupParams) -> Result<Self, MerkleError> {
        Ok(Self {
            params,
            tree: SparseMerkleTree::new(params.depth)?,
            accounts: HashMap::new(),
            deposit_queue_hash: Fr::zero(),
            deposits_consumed: 0,
            epoch: 0,
            journal: None,
        })
    }

    /// A state holding exactly `accounts` at `epoch`, nothing consumed from the queue: a
    /// snapshot to start from (the differential tests start from adversarial ones). The
    /// accounts are taken as they are: their fields are not checked against any rule.
    pub fn from_accounts(
        params: RollupParams,
        epoch: u32,
        accounts: impl IntoIterator<Item = (u32, Account)>,
    ) -> Result<Self, MerkleError> {
        let mut state = Self::new(params)?;
        state.epoch = epoch;
        for (index, account) in accounts {
            state.tree.update(u64::from(index), account.leaf())?;
            state.accounts.insert(index, account);
        }
        Ok(state)
    }

    /// The state a node saved after a batch: `accounts` at `epoch`, `deposits_consumed` queue
    /// entries consumed up to `deposit_queue_hash`. The tree is rebuilt from the accounts
    /// ([`SparseMerkleTree::from_leaves`]); the caller compares its root with the one it
    /// trusts (the batch's), which checks every account at once.
    pub fn from_snapshot(
        params: RollupParams,
        epoch: u32,
        accounts: HashMap<u32, Account>,
        deposit_queue_hash: Fr,
        deposits_consumed: u64,
    ) -> Result<Self, MerkleError> {
        let tree = SparseMerkleTree::from_leaves(
            params.depth,
            accounts.iter().map(|(i, a)| (u64::from(*i), a.leaf())),
        )?;
        Ok(Self { params, tree, accounts, deposit_queue_hash, deposits_consumed, epoch, journal: None })
    }

    /// Every account, in no particular order.
    pub fn accounts(&self) -> impl Iterator<Item = (u32, &Account)> + '_ {
        self.accounts.iter().map(|(i, a)| (*i, a))
    }

    /// The current epoch (a month; L1 gives each batch its epoch): loans accrue and fall
    /// due by it.
    pub fn epoch(&self) -> u32 {
        self.epoch
    }

    /// Moves to `epoch`, which must not be before the current one. Call it between batches:
    /// a batch has one epoch.
    pub fn set_epoch(&mut self, epoch: u32) -> Result<(), TxError> {
        if epoch < self.epoch || epoch > loan::MAX_EPOCH {
            return Err(TxError::EpochBackwards { current: self.epoch, new: epoch });
        }
        self.epoch = epoch;
        Ok(())
    }

    /// The parameters.
    pub fn params(&self) -> &RollupParams {
        &self.params
    }

    /// The state root.
    pub fn root(&self) -> Fr {
        self.tree.root()
    }

    /// Hash of the L1 queue consumed so far (the L1 contract's chain value at
    /// [`RollupState::deposits_consumed`]).
    pub fn deposit_queue_hash(&self) -> Fr {
        self.deposit_queue_hash
    }

    /// Number of L1 queue entries (deposits and forced exits) consumed so far.
    pub fn deposits_consumed(&self) -> u64 {
        self.deposits_consumed
    }

    /// The account at `index`, if any.
    pub fn account(&self, index: u32) -> Option<&Account> {
        self.accounts.get(&index)
    }

    /// Number of accounts.
    pub fn num_accounts(&self) -> usize {
        self.accounts.len()
    }

    /// The Merkle proof of account `index` in the current state.
    pub fn proof(&self, index: u32) -> Result<MerkleProof, TxError> {
        self.check_index(index)?;
        self.tree.proof(u64::from(index)).map_err(|_| self.out_of_range(index))
    }

    fn out_of_range(&self, index: u32) -> TxError {
        TxError::IndexOutOfRange { index, capacity: self.tree.capacity() }
    }

    fn check_index(&self, index: u32) -> Result<(), TxError> {
        if u64::from(index) >= self.tree.capacity() {
            return Err(self.out_of_range(index));
        }
        Ok(())
    }

    fn existing(&self, index: u32) -> Result<&Account, TxError> {
        self.check_index(index)?;
        self.accounts.get(&index).ok_or(TxError::UnknownAccount(index))
    }

    /// Checks a transaction against the current state without changing it.
    pub fn validate(&self, tx: &Tx) -> Result<(), TxError> {
        self.validate_checked(tx, None)
    }

    /// [`RollupState::validate`], with the signature of a signed transaction already verified
    /// (`checked`, when it is this transaction's under the sender's current key): the
    /// sequencer verifies each signature once, outside its lock. A `checked` of another
    /// transaction or key is ignored and the signature verified here.
    pub fn validate_checked(&self, tx: &Tx, checked: Option<&CheckedSignature>) -> Result<(), TxError> {
        match tx {
            Tx::Deposit(d) => self.validate_deposit(d),
            Tx::Signed(s) => self.validate_signed(s, checked).map(|_| ()),
            Tx::ForcedExit(f) => self.validate_forced_exit(f).map(|_| ()),
            Tx::Credit(c) => self.credit_effects(c).map(|_| ()),
            Tx::Upkeep(u) => self.upkeep_effect(u).map(|_| ()),
            Tx::Fund(m) => self.validate_fund(m).map(|_| ()),
        }
    }

    /// Validates a fund move; returns whether it is within what `from` may pay,
    /// [`fund_move_limit`](crate::health::fund::fund_move_limit) (a [`TxKind::FundMove`]
    /// slot), or not (a [`TxKind::FundShortfall`] slot, which moves nothing). Both accounts must exist, the amount be non-zero and `Float40`-exact, and a
    /// paid move must not overflow the recipient.
    fn validate_fund(&self, m: &FundMove) -> Result<bool, TxError> {
        if m.amount == 0 {
            return Err(TxError::ZeroFundMove);
        }
        Float40::encode(m.amount)?;
        let sender = self.existing(m.from)?;
        let receiver = self.existing(m.to)?;
        if m.amount > crate::health::fund::fund_move_limit(sender) {
            return Ok(false);
        }
        // A move to itself leaves the balance as it is (as a self-transfer).
        let base = if m.to == m.from { sender.balance - m.amount } else { receiver.balance };
        base.checked_add(m.amount).ok_or(TxError::Overflow { balance: base, amount: m.amount })?;
        Ok(true)
    }

    /// The effect of loan slot `s` on the current state.
    fn loan_effect(&self, s: &LoanSlot) -> Result<loan::LoanEffect, TxError> {
        let a = self.existing(s.borrower)?;
        let b = match s.kind {
            TxKind::LoanTerms => None,
            _ => Some(self.existing(s.to)?),
        };
        Ok(loan::apply(s, a, b, self.epoch)?)
    }

    /// The two slots of a credit and their effects (the terms' on top of the credit's).
    fn credit_effects(&self, c: &CreditTx) -> Result<[(LoanSlot, loan::LoanEffect); 2], TxError> {
        Float40::encode(c.amount)?;
        Float40::encode(c.terms.max_amount)?;
        let credit = LoanSlot { kind: TxKind::Credit, borrower: c.borrower, to: c.bank, amount: c.amount };
        let first = self.loan_effect(&credit)?;
        let terms = LoanSlot {
            kind: TxKind::LoanTerms,
            borrower: c.borrower,
            to: c.terms.packed(),
            amount: c.terms.max_amount,
        };
        let second = loan::apply(&terms, &first.borrower, None, self.epoch)?;
        Ok([(credit, first), (terms, second)])
    }

    fn upkeep_effect(&self, u: &LoanUpkeep) -> Result<(LoanSlot, loan::LoanEffect), TxError> {
        if !matches!(u.kind, TxKind::Accrue | TxKind::Writedown) {
            return Err(TxError::Kind { variant: "loan upkeep", kind: u.kind });
        }
        let s = LoanSlot { kind: u.kind, borrower: u.borrower, to: u.bank, amount: 0 };
        Ok((s, self.loan_effect(&s)?))
    }

    /// Validates a forced exit; returns the effective amount
    /// ([`ForcedExit::effective_amount`] of the account's balance).
    fn validate_forced_exit(&self, f: &ForcedExit) -> Result<u64, TxError> {
        Float40::encode(f.amount)?;
        let account = self.existing(f.index)?;
        Ok(f.effective_amount(account.balance))
    }

    fn validate_deposit(&self, d: &Deposit) -> Result<(), TxError> {
        self.check_index(d.index)?;
        let target = self.accounts.get(&d.index);
        match (d.pubkey, target) {
            (Some(_), Some(_)) => Err(TxError::AccountExists(d.index)),
            (None, None) => Err(TxError::UnknownAccount(d.index)),
            (Some(_), None) => Ok(()),
            (None, Some(acc)) => acc
                .balance
                .checked_add(d.amount)
                .map(|_| ())
                .ok_or(TxError::Overflow { balance: acc.balance, amount: d.amount }),
        }
    }

    /// Validates a signed transaction; returns its decoded amount.
    fn validate_signed(&self, s: &SignedTx, checked: Option<&CheckedSignature>) -> Result<u64, TxError> {
        if !s.kind.is_signed() {
            return Err(TxError::Kind { variant: "signed transaction", kind: s.kind });
        }
        if s.kind == TxKind::Exit && s.to != 0 {
            return Err(TxError::ExitRecipient(s.to));
        }
        let amount = s.amount.decode()?;
        let sender = self.existing(s.from)?;
        if s.nonce != sender.nonce {
            return Err(TxError::WrongNonce { expected: sender.nonce, got: s.nonce });
        }
        if sender.nonce == u32::MAX {
            return Err(TxError::NonceExhausted(s.from));
        }
        if !checked.is_some_and(|c| c.covers(s, &self.params.domain, &sender.pubkey)) {
            CheckedSignature::verify(s, &self.params.domain, &sender.pubkey)?;
        }
        if s.kind == TxKind::Repay {
            self.loan_effect(&LoanSlot { kind: TxKind::Repay, borrower: s.from, to: s.to, amount })?;
            return Ok(amount);
        }
        if sender.balance < amount {
            return Err(TxError::InsufficientBalance { balance: sender.balance, amount });
        }
        if s.kind == TxKind::Transfer {
            let receiver = self.existing(s.to)?;
            // A self-transfer leaves the balance as it is.
            let base = if s.to == s.from { sender.balance - amount } else { receiver.balance };
            base.checked_add(amount).ok_or(TxError::Overflow { balance: base, amount })?;
        }
        Ok(amount)
    }

    /// Validates and applies `tx`; on error the state is unchanged. Returns the witnesses
    /// of its slots for the batch circuit ([`Tx::slots`] of them: two for a credit).
    pub fn apply(&mut self, tx: &Tx) -> Result<Vec<SlotWitness>, TxError> {
        self.apply_checked(tx, None)
    }

    /// [`RollupState::apply`], with the signature already verified (see
    /// [`RollupState::validate_checked`]).
    pub fn apply_checked(
        &mut self,
        tx: &Tx,
        checked: Option<&CheckedSignature>,
    ) -> Result<Vec<SlotWitness>, TxError> {
        match tx {
            Tx::Credit(c) => {
                let effects = self.credit_effects(c)?;
                let mut out = Vec::with_capacity(2);
                for (slot, effect) in effects {
                    out.push(self.write_loan(&slot, effect, None)?);
                }
                Ok(out)
            }
            Tx::Upkeep(u) => {
                let (slot, effect) = self.upkeep_effect(u)?;
                Ok(vec![self.write_loan(&slot, effect, None)?])
            }
            Tx::Signed(s) if s.kind == TxKind::Repay => {
                let amount = self.validate_signed(s, checked)?;
                let slot = LoanSlot { kind: TxKind::Repay, borrower: s.from, to: s.to, amount };
                let effect = self.loan_effect(&slot)?;
                Ok(vec![self.write_loan(&slot, effect, Some(s))?])
            }
            _ => Ok(vec![self.apply_one(tx, checked)?]),
        }
    }

    /// Writes a loan slot's effect (validated) and returns its witness; `signed` is the
    /// repayment's signed form, whose nonce the borrower's account advances.
    fn write_loan(
        &mut self,
        slot: &LoanSlot,
        effect: loan::LoanEffect,
        signed: Option<&SignedTx>,
    ) -> Result<SlotWitness, TxError> {
        let mut w = SlotWitness::noop(self.params.depth);
        let amount = Float40::encode(slot.amount)?;
        w.encoded = EncodedSlot { kind: slot.kind, from: slot.borrower, to: slot.to, amount };
        w.sender = self.existing(slot.borrower)?.clone();
        let mut borrower = effect.borrower;
        if let Some(s) = signed {
            w.signature = s.signature;
            w.encoded.amount = s.amount;
            borrower.nonce = w.sender.nonce.checked_add(1).ok_or(TxError::NonceExhausted(slot.borrower))?;
        }
        w.sender_proof = self.write(slot.borrower, borrower)?;
        if let Some(pool) = effect.pool {
            w.receiver = Some(self.existing(slot.to)?.clone());
            w.receiver_proof = self.write(slot.to, pool)?;
        }
        Ok(w)
    }

    /// [`RollupState::apply_checked`], recording what changed ([`Recorded`]); on error the state
    /// is unchanged and nothing is recorded.
    pub fn apply_recorded(
        &mut self,
        tx: &Tx,
        checked: Option<&CheckedSignature>,
    ) -> Result<Recorded, TxError> {
        let root_before = self.root();
        let queue_before = (self.deposit_queue_hash, self.deposits_consumed);
        self.tree.record();
        self.journal = Some(Vec::new());
        let result = self.apply_checked(tx, checked);
        let nodes = self.tree.take_journal();
        let accounts = self.journal.take().unwrap_or_default();
        let slots = result?;
        let diff = StateDiff {
            root_before,
            queue_before,
            root_after: self.root(),
            nodes,
            accounts,
            deposit_queue_hash: self.deposit_queue_hash,
            deposits_consumed: self.deposits_consumed,
            epoch: self.epoch,
        };
        Ok(Recorded { slots, diff })
    }

    /// Takes the step `diff` recorded, without hashing, if this state is the one it was
    /// recorded from (same root, queue position and epoch before). Returns whether it did; if
    /// not, nothing changed and the caller applies the transaction instead.
    pub fn apply_diff(&mut self, diff: &StateDiff) -> bool {
        let queue = (self.deposit_queue_hash, self.deposits_consumed);
        if self.root() != diff.root_before || queue != diff.queue_before || self.epoch != diff.epoch {
            return false;
        }
        self.tree.replay_journal(&diff.nodes);
        for (index, account) in &diff.accounts {
            self.accounts.insert(*index, account.clone());
        }
        self.deposit_queue_hash = diff.deposit_queue_hash;
        self.deposits_consumed = diff.deposits_consumed;
        debug_assert_eq!(self.root(), diff.root_after, "a diff replayed on its own root");
        true
    }

    /// Applies a one-slot transaction that is not a loan slot.
    fn apply_one(&mut self, tx: &Tx, checked: Option<&CheckedSignature>) -> Result<SlotWitness, TxError> {
        let mut w = SlotWitness::noop(self.params.depth);
        match tx {
            Tx::Deposit(d) => {
                self.validate_deposit(d)?;
                w.encoded =
                    EncodedSlot { kind: TxKind::Deposit, from: 0, to: d.index, amount: Float40::ZERO };
                w.deposit = d.clone();
                let (receiver, proof) = self.credit(d.index, d.amount, d.pubkey)?;
                w.receiver = receiver;
                w.receiver_proof = proof;
                self.consume(&QueueEntry::Deposit(d.clone()));
            }
            Tx::ForcedExit(f) => {
                let effective = self.validate_forced_exit(f)?;
                let amount = Float40::encode(effective)?;
                w.encoded = EncodedSlot { kind: TxKind::ForcedExit, from: f.index, to: 0, amount };
                w.forced_exit = *f;
                let mut sender = self.existing(f.index)?.clone();
                w.sender = sender.clone();
                // No signature and no nonce: L1 authorised the request.
                sender.balance -= effective;
                w.sender_proof = self.write(f.index, sender)?;
                self.consume(&QueueEntry::ForcedExit(*f));
            }
            Tx::Signed(s) => {
                let amount = self.validate_signed(s, checked)?;
                w.encoded = EncodedSlot { kind: s.kind, from: s.from, to: s.to, amount: s.amount };
                w.signature = s.signature;
                let mut sender = self.existing(s.from)?.clone();
                w.sender = sender.clone();
                sender.balance -= amount;
                sender.nonce += 1;
                w.sender_proof = self.write(s.from, sender)?;
                if s.kind == TxKind::Transfer {
                    let (receiver, proof) = self.credit(s.to, amount, None)?;
                    w.receiver = receiver;
                    w.receiver_proof = proof;
                }
            }
            Tx::Fund(m) => {
                let paid = self.validate_fund(m)?;
                let kind = if paid { TxKind::FundMove } else { TxKind::FundShortfall };
                w.encoded = EncodedSlot { kind, from: m.from, to: m.to, amount: Float40::encode(m.amount)? };
                let mut sender = self.existing(m.from)?.clone();
                w.sender = sender.clone();
                if paid {
                    // No signature and no nonce: L1 authorised the move.
                    sender.balance -= m.amount;
                    w.sender_proof = self.write(m.from, sender)?;
                    let (receiver, proof) = self.credit(m.to, m.amount, None)?;
                    w.receiver = receiver;
                    w.receiver_proof = proof;
                } else {
                    // The paths prove the amount above what `from` may pay and the
                    // recipient's existence; nothing changes.
                    w.sender_proof = self.proof(m.from)?;
                    w.receiver = Some(self.existing(m.to)?.clone());
                    w.receiver_proof = self.proof(m.to)?;
                }
            }
            Tx::Credit(_) => return Err(LoanError::NotLoanKind(TxKind::Credit).into()),
            Tx::Upkeep(u) => return Err(LoanError::NotLoanKind(u.kind).into()),
        }
        Ok(w)
    }

    /// Advances the queue position past `entry`.
    fn consume(&mut self, entry: &QueueEntry) {
        self.deposit_queue_hash = entry.chain(self.deposit_queue_hash);
        self.deposits_consumed += 1;
    }

    /// Credits `amount` to `index`, creating the account with `pubkey` if given.
    /// Returns the account before and its proof. Callers validated the operation.
    fn credit(
        &mut self,
        index: u32,
        amount: u64,
        pubkey: Option<Point>,
    ) -> Result<(Option<Account>, MerkleProof), TxError> {
        let before = self.accounts.get(&index).cloned();
        let after = match (&before, pubkey) {
            (None, Some(pk)) => Account::new(pk, amount),
            (Some(acc), _) => {
                let mut acc = acc.clone();
                acc.balance = acc
                    .balance
                    .checked_add(amount)
                    .ok_or(TxError::Overflow { balance: acc.balance, amount })?;
                acc
            }
            (None, None) => return Err(TxError::UnknownAccount(index)),
        };
        let proof = self.write(index, after)?;
        Ok((before, proof))
    }

    fn write(&mut self, index: u32, account: Account) -> Result<MerkleProof, TxError> {
        let proof =
            self.tree.update(u64::from(index), account.leaf()).map_err(|_| self.out_of_range(index))?;
        if let Some(j) = &mut self.journal {
            j.push((index, account.clone()));
        }
        self.accounts.insert(index, account);
        Ok(proof)
    }
}
