//! Batches: N transaction slots proven from an old root to a new root.
//!
//! The proof has one public input, the batch commitment
//!
//! ```text
//! c = uint256(SHA-256(old_root ‖ new_root ‖ queue_before ‖ queue_after ‖ domain ‖ epoch ‖ tx_data)) mod r
//! ```
//!
//! with each field element as 32 big-endian bytes, `domain` the deployment's separator
//! ([`crate::state::Domain::separator`], which every signed message binds; L1 computes it from
//! its chain id and its own address), `epoch` 4 big-endian bytes (the batch's
//! month, by which loans accrue and fall due) and `tx_data` the 12-byte slots of
//! [`crate::state::encoding`]. The L1 contract recomputes `c` from its stored roots, its
//! deposit-queue chain and the calldata, as Hermez, zkSync Lite and MACI do.

pub mod constraints;

use ark_bn254::Fr;
use ark_ff::{BigInteger, PrimeField};
use sha2::{Digest, Sha256};

use crate::state::encoding::SLOT_BYTES;
use crate::state::tx::Tx;
use crate::state::{CheckedSignature, Recorded, RollupParams, RollupState, SlotWitness, TxError};

/// Field element as 32 big-endian bytes (the EVM's `uint256`).
pub fn fr_to_be_bytes(x: &Fr) -> [u8; 32] {
    let mut out = [0u8; 32];
    out.copy_from_slice(&x.into_bigint().to_bytes_be());
    out
}

/// The batch commitment (the proof's single public input).
pub fn public_commitment(
    old_root: &Fr,
    new_root: &Fr,
    queue_before: &Fr,
    queue_after: &Fr,
    domain: &Fr,
    epoch: u32,
    tx_data: &[u8],
) -> Fr {
    let mut h = Sha256::new();
    for x in [old_root, new_root, queue_before, queue_after, domain] {
        h.update(fr_to_be_bytes(x));
    }
    h.update(epoch.to_be_bytes());
    h.update(tx_data);
    Fr::from_be_bytes_mod_order(&h.finalize())
}

/// A full batch: its public data and the per-slot witnesses.
#[derive(Debug, Clone)]
pub struct BatchWitness {
    /// Parameters the batch was built for.
    pub params: RollupParams,
    /// Root before the batch.
    pub old_root: Fr,
    /// Root after the batch.
    pub new_root: Fr,
    /// Deposit-queue hash consumed before the batch.
    pub queue_before: Fr,
    /// Deposit-queue hash consumed after it.
    pub queue_after: Fr,
    /// The batch's epoch.
    pub epoch: u32,
    /// Exactly `params.batch_size` slots, padded with no-ops.
    pub slots: Vec<SlotWitness>,
}

impl BatchWitness {
    /// The batch's data-availability bytes (12 per slot).
    pub fn tx_data(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.slots.len() * SLOT_BYTES);
        for s in &self.slots {
            out.extend_from_slice(&s.encoded.to_bytes());
        }
        out
    }

    /// The batch commitment.
    pub fn public_commitment(&self) -> Fr {
        public_commitment(
            &self.old_root,
            &self.new_root,
            &self.queue_before,
            &self.queue_after,
            &self.params.domain.separator(),
            self.epoch,
            &self.tx_data(),
        )
    }

    /// A batch of no-ops over the empty state: the shape used for key generation.
    pub fn blank(params: RollupParams) -> Result<Self, crate::merkle::MerkleError> {
        let state = RollupState::new(params)?;
        Ok(BatchBuilder::new(&state).finish_from(&state))
    }
}

/// Collects up to `batch_size` transactions, applying each to the state and recording
/// its witness. A rejected transaction leaves the state and the batch as they were.
#[derive(Debug)]
pub struct BatchBuilder {
    params: RollupParams,
    old_root: Fr,
    queue_before: Fr,
    epoch: u32,
    slots: Vec<SlotWitness>,
}

/// Errors of batch building.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BatchError {
    /// The batch has no room left for the transaction's slots.
    #[error("batch is full ({0} slots)")]
    Full(usize),
    /// The state's epoch moved while the batch was open.
    #[error("the batch was opened at epoch {opened} but the state is at epoch {now}")]
    EpochChanged {
        /// The batch's epoch.
        opened: u32,
        /// The state's.
        now: u32,
    },
    /// The transaction is invalid in the current state.
    #[error(transparent)]
    Tx(#[from] TxError),
}

impl BatchBuilder {
    /// Starts a batch on top of `state`.
    pub fn new(state: &RollupState) -> Self {
        Self {
            params: *state.params(),
            old_root: state.root(),
            queue_before: state.deposit_queue_hash(),
            epoch: state.epoch(),
            slots: Vec::with_capacity(state.params().batch_size),
        }
    }

    /// Transactions in the batch so far.
    pub fn len(&self) -> usize {
        self.slots.len()
    }

    /// Whether no transaction was added yet.
    pub fn is_empty(&self) -> bool {
        self.slots.is_empty()
    }

    /// Slots left.
    pub fn room(&self) -> usize {
        self.params.batch_size - self.slots.len()
    }

    /// Applies `tx` to `state` and records its slots (two for a credit).
    pub fn push(&mut self, state: &mut RollupState, tx: &Tx) -> Result<(), BatchError> {
        self.push_checked(state, tx, None)
    }

    /// [`BatchBuilder::push`] of a transaction whose signature was verified already (see
    /// [`RollupState::apply_checked`]).
    pub fn push_checked(
        &mut self,
        state: &mut RollupState,
        tx: &Tx,
        checked: Option<&CheckedSignature>,
    ) -> Result<(), BatchError> {
        if tx.slots() > self.room() {
            return Err(BatchError::Full(self.params.batch_size));
        }
        if state.epoch() != self.epoch {
            return Err(BatchError::EpochChanged { opened: self.epoch, now: state.epoch() });
        }
        self.slots.extend(state.apply_checked(tx, checked)?);
        Ok(())
    }

    /// [`BatchBuilder::push_checked`] of a transaction already applied to a copy of `state`
    /// ([`RollupState::apply_recorded`]): its step is replayed without hashing and its slots
    /// taken as recorded. If `recorded` is not a step from this state, the transaction is
    /// applied here instead, so the result is always `push_checked`'s.
    pub fn push_recorded(
        &mut self,
        state: &mut RollupState,
        tx: &Tx,
        checked: Option<&CheckedSignature>,
        recorded: Option<&Recorded>,
    ) -> Result<(), BatchError> {
        let Some(r) = recorded else { return self.push_checked(state, tx, checked) };
        if tx.slots() > self.room() {
            return Err(BatchError::Full(self.params.batch_size));
        }
        if state.epoch() != self.epoch {
            return Err(BatchError::EpochChanged { opened: self.epoch, now: state.epoch() });
        }
        if !state.apply_diff(&r.diff) {
            return self.push_checked(state, tx, checked);
        }
        self.slots.extend(r.slots.iter().cloned());
        Ok(())
    }

    /// Pads with no-ops and closes the batch at `state`'s current root.
    pub fn finish_from(mut self, state: &RollupState) -> BatchWitness {
        self.slots.resize_with(self.params.batch_size, || SlotWitness::noop(self.params.depth));
        BatchWitness {
            params: self.params,
            old_root: self.old_root,
            new_root: state.root(),
            queue_before: self.queue_before,
            queue_after: state.deposit_queue_hash(),
            epoch: self.epoch,
            slots: self.slots,
        }
    }
}
