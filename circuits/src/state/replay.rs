//! Replay of a settled batch from L1 data alone: its 12-byte slots and the queue entries
//! it consumed.
//!
//! Signatures and nonces are not in the data: the batch proof L1 verified vouches for
//! them, so replay checks only what the data determines (accounts exist, no overspend or
//! overflow, the queue entries match the slots, forced exits pay what the rule says).
//! The auditor rebuilds the state this way and compares the roots with L1's.

use ark_bn254::Fr;

use super::account::Account;
use super::encoding::{self, DecodeError, EncodedSlot};
use super::loan::{self, LoanSlot};
use super::tx::{QueueEntry, TxKind};
use super::RollupState;
use crate::babyjubjub::Point;
use crate::health::fund::fund_move_limit;

/// What a replayed batch did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Replayed {
    /// Root before the batch.
    pub old_root: Fr,
    /// Root after the batch (L1's `rootAt` of the batch, if the batch is honest).
    pub new_root: Fr,
    /// Queue hash consumed before the batch.
    pub queue_before: Fr,
    /// Queue hash consumed after the batch.
    pub queue_after: Fr,
    /// Queue entries (deposits and forced exits) the batch consumed.
    pub entries_consumed: u64,
    /// Queue entries consumed in all, after the batch (L1's `depositsConsumed`).
    pub deposits_consumed_after: u64,
    /// Every exit slot (signed exits and forced exits), in slot order, as
    /// `(account index, amount paid)`; a nullified forced exit appears with amount 0.
    pub exits: Vec<(u32, u64)>,
    /// Every fund slot, in slot order ([`TxKind::FundMove`] or [`TxKind::FundShortfall`]):
    /// what the auditor compares with the moves L1 queued.
    pub fund_slots: Vec<EncodedSlot>,
}

/// Why a batch's data cannot be replayed: one variant per inconsistency.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReplayError {
    /// The data does not decode (length, kind byte, non-canonical slot, amount).
    #[error("batch data does not decode: {0}")]
    Decode(#[from] DecodeError),
    /// The batch's epoch is before the state's.
    #[error("the batch's epoch {got} is before the previous batch's {current}")]
    EpochBackwards {
        /// The state's epoch.
        current: u32,
        /// The batch's.
        got: u32,
    },
    /// A loan slot breaks a loan rule.
    #[error("slot {slot}: {source}")]
    Loan {
        /// Slot number.
        slot: usize,
        /// The rule.
        source: super::loan::LoanError,
    },
    /// The data holds another number of slots than the deployment's batch size.
    #[error("batch data holds {got} slots; this deployment's batches hold {expected}")]
    SlotCount {
        /// The deployment's batch size.
        expected: usize,
        /// Slots in the data.
        got: usize,
    },
    /// An account index outside the tree.
    #[error("slot {slot}: account index {index} is outside the tree (capacity {capacity})")]
    IndexOutOfRange {
        /// Slot number.
        slot: usize,
        /// Index named.
        index: u32,
        /// Accounts the tree can hold.
        capacity: u64,
    },
    /// A slot names an account that does not exist.
    #[error("slot {slot}: no account at index {index}")]
    UnknownAccount {
        /// Slot number.
        slot: usize,
        /// Index named.
        index: u32,
    },
    /// A deposit opens an account at an index already in use.
    #[error("slot {slot}: deposit opens account {index}, which already exists")]
    AccountExists {
        /// Slot number.
        slot: usize,
        /// Index named.
        index: u32,
    },
    /// A slot consumes a queue entry beyond those given.
    #[error("slot {slot} consumes queue entry {given} but only {given} entries were given; fetch more of the L1 queue")]
    QueueExhausted {
        /// Slot number.
        slot: usize,
        /// Entries given.
        given: usize,
    },
    /// The next queue entry is of the other kind than the slot.
    #[error("slot {slot} is a {slot_kind:?} slot but the next queue entry is a {entry_kind:?}")]
    QueueEntryKind {
        /// Slot number.
        slot: usize,
        /// Kind of the slot.
        slot_kind: TxKind,
        /// Kind of the entry.
        entry_kind: TxKind,
    },
    /// The slot names another account than the queue entry it consumes.
    #[error("slot {slot} names account {slot_index} but its queue entry is for account {entry_index}")]
    QueueEntryIndex {
        /// Slot number.
        slot: usize,
        /// Account in the slot.
        slot_index: u32,
        /// Account in the queue entry.
        entry_index: u32,
    },
    /// More queue entries were given than the batch consumes.
    #[error("the batch consumes {consumed} queue entries but {given} were given")]
    UnconsumedQueueEntries {
        /// Entries the batch consumed.
        consumed: usize,
        /// Entries given.
        given: usize,
    },
    /// A debit larger than the balance.
    #[error("slot {slot}: account {index} pays {amount} but holds {balance}")]
    InsufficientBalance {
        /// Slot number.
        slot: usize,
        /// Account debited.
        index: u32,
        /// Its balance.
        balance: u64,
        /// Amount debited.
        amount: u64,
    },
    /// A credit past 2⁶⁴ − 1.
    #[error("slot {slot}: crediting {amount} to account {index} (balance {balance}) overflows")]
    Overflow {
        /// Slot number.
        slot: usize,
        /// Account credited.
        index: u32,
        /// Its balance.
        balance: u64,
        /// Amount credited.
        amount: u64,
    },
    /// A signed slot from an account whose nonce is at its maximum.
    #[error("slot {slot}: account {index} has exhausted its nonces")]
    NonceExhausted {
        /// Slot number.
        slot: usize,
        /// Sender.
        index: u32,
    },
    /// A fund-shortfall slot whose move was within what the sender may pay (it had to be paid).
    #[error("slot {slot}: fund shortfall of account {index}, but its limit {limit} covers {amount}")]
    FundCovered {
        /// Slot number.
        slot: usize,
        /// Account that was to pay.
        index: u32,
        /// What it may pay ([`fund_move_limit`]).
        limit: u64,
        /// The move's amount.
        amount: u64,
    },
    /// A paid fund move above what the sender may pay (it had to be a shortfall).
    #[error("slot {slot}: fund move of {amount} from account {index}, above its limit {limit}")]
    FundOverLimit {
        /// Slot number.
        slot: usize,
        /// Account that paid.
        index: u32,
        /// What it may pay ([`fund_move_limit`]).
        limit: u64,
        /// The move's amount.
        amount: u64,
    },
    /// A forced exit paying another amount than the rule gives.
    #[error(
        "slot {slot}: forced exit of account {index} requested {requested} with balance {balance}, so pays \
         {expected}, but the data says {got}"
    )]
    ForcedExitAmount {
        /// Slot number.
        slot: usize,
        /// Account debited.
        index: u32,
        /// Amount requested on L1.
        requested: u64,
        /// Balance before the slot.
        balance: u64,
        /// What the rule pays ([`super::tx::ForcedExit::effective_amount`]).
        expected: u64,
        /// What the data claims.
        got: u64,
    },
}

impl RollupState {
    /// Re-applies a settled batch of `epoch` from its data-availability bytes and the queue
    /// entries it consumes (exactly those, in queue order), without signatures: the batch
    /// proof vouches for them. On error the state is unchanged.
    ///
    /// The batch is replayed on a copy of the state, swapped in on success.
    pub fn replay_batch(
        &mut self,
        tx_data: &[u8],
        queue: &[QueueEntry],
        epoch: u32,
    ) -> Result<Replayed, ReplayError> {
        let slots = encoding::decode(tx_data)?;
        if slots.len() != self.params.batch_size {
            return Err(ReplayError::SlotCount { expected: self.params.batch_size, got: slots.len() });
        }
        let mut next = self.clone();
        next.set_epoch(epoch).map_err(|_| ReplayError::EpochBackwards { current: self.epoch, got: epoch })?;
        let mut entries = queue.iter();
        let mut exits = Vec::new();
        let fund_slots = slots.iter().filter(|s| s.kind.is_fund()).copied().collect();
        for (i, s) in slots.iter().enumerate() {
            if let Some(exit) = next.replay_slot(i, s, &mut entries, queue.len())? {
                exits.push(exit);
            }
        }
        let left = entries.len();
        if left != 0 {
            return Err(ReplayError::UnconsumedQueueEntries {
                consumed: queue.len() - left,
                given: queue.len(),
            });
        }
        let replayed = Replayed {
            old_root: self.root(),
            new_root: next.root(),
            queue_before: self.deposit_queue_hash,
            queue_after: next.deposit_queue_hash,
            entries_consumed: next.deposits_consumed - self.deposits_consumed,
            deposits_consumed_after: next.deposits_consumed,
            exits,
            fund_slots,
        };
        *self = next;
        Ok(replayed)
    }

    /// Applies slot `i`, taking its queue entry from `entries` (of `given` in all);
    /// returns `(index, amount)` for an exit.
    fn replay_slot(
        &mut self,
        i: usize,
        s: &EncodedSlot,
        entries: &mut std::slice::Iter<'_, QueueEntry>,
        given: usize,
    ) -> Result<Option<(u32, u64)>, ReplayError> {
        // The data decoded, so the amount is a valid encoding below 2⁶⁴.
        let amount = s.amount.decode().map_err(|source| DecodeError::Amount { slot: i, source })?;
        match s.kind {
            TxKind::Noop => return Ok(None),
            TxKind::Transfer => {
                self.replay_debit(i, s.from, amount, true)?;
                self.replay_credit(i, s.to, amount, None)?;
                return Ok(None);
            }
            TxKind::Exit => {
                self.replay_debit(i, s.from, amount, true)?;
                return Ok(Some((s.from, amount)));
            }
            TxKind::Credit | TxKind::LoanTerms | TxKind::Repay | TxKind::Accrue | TxKind::Writedown => {
                self.replay_loan(i, s, amount)?;
                return Ok(None);
            }
            TxKind::FundMove => {
                let limit = fund_move_limit(&self.replay_account(i, s.from)?);
                if amount > limit {
                    return Err(ReplayError::FundOverLimit { slot: i, index: s.from, limit, amount });
                }
                self.replay_debit(i, s.from, amount, false)?;
                self.replay_credit(i, s.to, amount, None)?;
                return Ok(None);
            }
            TxKind::FundShortfall => {
                let limit = fund_move_limit(&self.replay_account(i, s.from)?);
                self.replay_account(i, s.to)?;
                if amount <= limit {
                    return Err(ReplayError::FundCovered { slot: i, index: s.from, limit, amount });
                }
                return Ok(None);
            }
            TxKind::Deposit | TxKind::ForcedExit => {}
        }
        let entry = entries.next().ok_or(ReplayError::QueueExhausted { slot: i, given })?;
        match (s.kind, entry) {
            (TxKind::Deposit, QueueEntry::Deposit(d)) => {
                check_entry_index(i, s.to, d.index)?;
                self.replay_credit(i, d.index, d.amount, d.pubkey)?;
                self.consume(entry);
                Ok(None)
            }
            (TxKind::ForcedExit, QueueEntry::ForcedExit(f)) => {
                check_entry_index(i, s.from, f.index)?;
                let balance = self.replay_account(i, f.index)?.balance;
                let expected = f.effective_amount(balance);
                if amount != expected {
                    return Err(ReplayError::ForcedExitAmount {
                        slot: i,
                        index: f.index,
                        requested: f.amount,
                        balance,
                        expected,
                        got: amount,
                    });
                }
                self.replay_debit(i, f.index, amount, false)?;
                self.consume(entry);
                Ok(Some((f.index, amount)))
            }
            (slot_kind, e) => Err(ReplayError::QueueEntryKind { slot: i, slot_kind, entry_kind: e.kind() }),
        }
    }

    /// Applies loan slot `s` by the loan rule; a repayment advances the borrower's nonce.
    fn replay_loan(&mut self, i: usize, s: &EncodedSlot, amount: u64) -> Result<(), ReplayError> {
        let slot = LoanSlot { kind: s.kind, borrower: s.from, to: s.to, amount };
        let a = self.replay_account(i, s.from)?;
        let b = match s.kind {
            TxKind::LoanTerms => None,
            _ => Some(self.replay_account(i, s.to)?),
        };
        let effect = loan::apply(&slot, &a, b.as_ref(), self.epoch)
            .map_err(|source| ReplayError::Loan { slot: i, source })?;
        let mut borrower = effect.borrower;
        if s.kind == TxKind::Repay {
            borrower.nonce =
                a.nonce.checked_add(1).ok_or(ReplayError::NonceExhausted { slot: i, index: s.from })?;
        }
        self.replay_write(i, s.from, borrower)?;
        if let Some(pool) = effect.pool {
            self.replay_write(i, s.to, pool)?;
        }
        Ok(())
    }

    /// The existing account at `index`.
    fn replay_account(&self, i: usize, index: u32) -> Result<Account, ReplayError> {
        let capacity = self.tree.capacity();
        if u64::from(index) >= capacity {
            return Err(ReplayError::IndexOutOfRange { slot: i, index, capacity });
        }
        self.accounts.get(&index).cloned().ok_or(ReplayError::UnknownAccount { slot: i, index })
    }

    /// Debits `amount` from `index`, incrementing its nonce for a signed slot.
    fn replay_debit(&mut self, i: usize, index: u32, amount: u64, signed: bool) -> Result<(), ReplayError> {
        let mut acc = self.replay_account(i, index)?;
        if signed {
            acc.nonce = acc.nonce.checked_add(1).ok_or(ReplayError::NonceExhausted { slot: i, index })?;
        }
        acc.balance = acc.balance.checked_sub(amount).ok_or(ReplayError::InsufficientBalance {
            slot: i,
            index,
            balance: acc.balance,
            amount,
        })?;
        self.replay_write(i, index, acc)
    }

    /// Credits `amount` to `index`, opening the account with `pubkey` if given.
    fn replay_credit(
        &mut self,
        i: usize,
        index: u32,
        amount: u64,
        pubkey: Option<Point>,
    ) -> Result<(), ReplayError> {
        let acc = match pubkey {
            Some(pk) => match self.replay_account(i, index) {
                Ok(_) => return Err(ReplayError::AccountExists { slot: i, index }),
                Err(ReplayError::UnknownAccount { .. }) => Account::new(pk, amount),
                Err(e) => return Err(e),
            },
            None => {
                let mut acc = self.replay_account(i, index)?;
                acc.balance = acc.balance.checked_add(amount).ok_or(ReplayError::Overflow {
                    slot: i,
                    index,
                    balance: acc.balance,
                    amount,
                })?;
                acc
            }
        };
        self.replay_write(i, index, acc)
    }

    fn replay_write(&mut self, i: usize, index: u32, account: Account) -> Result<(), ReplayError> {
        let capacity = self.tree.capacity();
        self.write(index, account).map(|_| ()).map_err(|_| ReplayError::IndexOutOfRange {
            slot: i,
            index,
            capacity,
        })
    }
}

fn check_entry_index(i: usize, slot_index: u32, entry_index: u32) -> Result<(), ReplayError> {
    if slot_index != entry_index {
        return Err(ReplayError::QueueEntryIndex { slot: i, slot_index, entry_index });
    }
    Ok(())
}
