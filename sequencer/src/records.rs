//! The records stored in RocksDB and their binary encodings.
//!
//! Every value starts with a format byte ([`RECORD_VERSION`](crate::records::RECORD_VERSION)); integers are big-endian, field
//! elements 32 bytes big-endian (canonical), public keys circomlibjs-packed (32 bytes).
//! Decoding is strict (no trailing bytes, canonical field elements and points), so a corrupt
//! value is reported instead of replayed.

use ark_bn254::Fr;
use ccr_circuits::babyjubjub::{pack_point, unpack_point};
use ccr_circuits::batch::fr_to_be_bytes;
use ccr_circuits::state::loan::LoanTerms;
use ccr_circuits::state::tx::{CreditTx, Deposit, ForcedExit, FundMove, LoanUpkeep, QueueEntry, Tx, TxKind};
use sha2::{Digest, Sha256};

use crate::wire::{decode_signed, encode_signed, fr_from_be_canonical, signed_tx_hash, SIGNED_TX_BYTES};

/// Format byte of every record this build writes and reads (5: a credit's proof record names
/// its bank version). A fund move's log entry is a new transaction tag within it: records
/// written before fund moves existed decode unchanged.
pub const RECORD_VERSION: u8 = 5;

/// Why stored bytes do not decode.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CodecError {
    /// The value ends early.
    #[error("truncated: needed {needed} more bytes")]
    Truncated {
        /// Bytes missing.
        needed: usize,
    },
    /// Bytes follow the record.
    #[error("{0} trailing bytes")]
    Trailing(usize),
    /// An unknown format byte or tag.
    #[error("unknown {what} tag {tag}")]
    Tag {
        /// Which tag.
        what: &'static str,
        /// The byte found.
        tag: u8,
    },
    /// A field element or point that is not canonical, or a malformed transaction.
    #[error("invalid {0}")]
    Invalid(&'static str),
}

/// Where an accepted transaction stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TxStatus {
    /// In the mempool, not yet in a sealed batch.
    Pending,
    /// In sealed batch `n` (proven once that batch has a proof).
    InBatch(u64),
    /// Accepted, then dropped (see the reason); it will never be in a batch.
    Rejected(String),
}

/// An entry of the accepted-transaction log (column family `txs`, key: sequence number).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TxRecord {
    /// The transaction.
    pub tx: Tx,
    /// Position in its L1 log: the deposit queue for a deposit or forced exit, the solidarity
    /// fund's move log for a fund move; `None` for the rest.
    pub queue_index: Option<u64>,
    /// Its identifier ([`tx_hash`]).
    pub hash: [u8; 32],
    /// Where it stands.
    pub status: TxStatus,
}

/// The eligibility proof a credit was accepted with (column family `credits`, key: the
/// credit's sequence number): what L1 needs to settle the credit's batch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreditProofRecord {
    /// The L1 batch (contract numbering: 0 is genesis, sequencer batch `n` is `n + 1`) whose
    /// root is the proof's state root.
    pub state_batch: u64,
    /// The version of the bank's parameters (`Rollup.bankVersion`) the proof was checked
    /// against at acceptance: settlement names it (`Credits.versions`), and L1 checks the
    /// proof under it, however the bank's parameters changed since.
    pub bank_version: u64,
    /// The Groth16 proof, arkworks compressed.
    pub proof: Vec<u8>,
    /// Its public inputs, in the statement's order (the nullifier is `inputs[9]`).
    pub inputs: Vec<Fr>,
}

/// Index of the nullifier among an eligibility statement's public inputs.
pub const NULLIFIER_INPUT: usize = 9;

/// Index of the purpose (the code the attester signed with the record) among an eligibility
/// statement's public inputs.
pub const PURPOSE_INPUT: usize = 2;

/// Index of the borrower's account among an eligibility statement's public inputs.
pub const ACCOUNT_INPUT: usize = 10;

/// A public input that is a `u64` (`None` for a larger field element).
fn small_input(x: &Fr) -> Option<u64> {
    use ark_ff::{BigInteger, PrimeField};
    let bytes = x.into_bigint().to_bytes_le();
    if bytes[8..].iter().any(|&b| b != 0) {
        return None;
    }
    let mut low = [0u8; 8];
    low.copy_from_slice(&bytes[..8]);
    Some(u64::from_le_bytes(low))
}

impl CreditProofRecord {
    /// The proof's nullifier.
    pub fn nullifier(&self) -> Option<Fr> {
        self.inputs.get(NULLIFIER_INPUT).copied()
    }

    /// The credit's purpose code (0..=4: the attested purpose the proof was made for).
    pub fn purpose(&self) -> Option<u8> {
        self.inputs.get(PURPOSE_INPUT).and_then(small_input).and_then(|v| u8::try_from(v).ok())
    }

    /// The borrower's account the proof was made for.
    pub fn account(&self) -> Option<u64> {
        self.inputs.get(ACCOUNT_INPUT).and_then(small_input)
    }

    /// The stored bytes.
    pub fn encode(&self) -> Vec<u8> {
        let mut w = Writer::default();
        w.u8(RECORD_VERSION);
        w.u64(self.state_batch);
        w.u64(self.bank_version);
        w.var(&self.proof);
        w.u32(u32::try_from(self.inputs.len()).unwrap_or(u32::MAX));
        for x in &self.inputs {
            w.fr(x);
        }
        w.0
    }

    /// Parses stored bytes.
    pub fn decode(bytes: &[u8]) -> Result<Self, CodecError> {
        let mut r = Reader(bytes);
        r.version()?;
        let state_batch = r.u64()?;
        let bank_version = r.u64()?;
        let proof = r.var()?.to_vec();
        let n = r.u32()? as usize;
        if n > 64 {
            return Err(CodecError::Invalid("public input count"));
        }
        let inputs = (0..n).map(|_| r.fr()).collect::<Result<Vec<_>, _>>()?;
        r.end()?;
        Ok(Self { state_batch, bank_version, proof, inputs })
    }
}

/// A sealed batch (column family `batches`, key: batch number): everything but the witness,
/// which replay recomputes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BatchRecord {
    /// Batch number, from 0.
    pub number: u64,
    /// State root before the batch.
    pub old_root: Fr,
    /// State root after the batch.
    pub new_root: Fr,
    /// Deposit-queue hash consumed before the batch.
    pub queue_before: Fr,
    /// Deposit-queue hash consumed after it.
    pub queue_after: Fr,
    /// The batch's epoch.
    pub epoch: u32,
    /// L1 queue position of the first deposit consumed (the number consumed before).
    pub deposits_from: u64,
    /// Deposits consumed by the batch (positions `deposits_from..deposits_from + deposits`).
    pub deposits: u32,
    /// Sequence numbers of the batch's transactions, in slot order (padding not included).
    pub seqs: Vec<u64>,
    /// Data-availability bytes (12 per slot, padding included).
    pub tx_data: Vec<u8>,
    /// The proof's public input.
    pub commitment: Fr,
    /// Proof bytes (arkworks compressed), once proven.
    pub proof: Option<Vec<u8>>,
    /// Where L1 settled it, once settled.
    pub settlement: Option<L1Settlement>,
}

/// A batch's settlement on L1: the `submitBatch` transaction that included it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct L1Settlement {
    /// L1 transaction hash.
    pub l1_tx: [u8; 32],
    /// L1 block that included it.
    pub block: u64,
    /// Gas it used (0 when recovered from the contract's events after a restart).
    pub gas_used: u64,
}

/// Identifier of a transaction: `SHA-256` of the signed wire bytes for a transfer, repayment
/// or exit (see [`crate::wire`]); for an L1 queue entry (deposit or forced exit)
/// `SHA-256("ccr-deposit" ‖ queue index ‖ entry bytes)` ([`encode_entry`]); for a credit or a
/// loan upkeep, which carry no signature, `SHA-256("ccr-loan" ‖ log sequence number ‖ fields)`;
/// for a fund move `SHA-256("ccr-fund" ‖ move log position ‖ from ‖ to ‖ amount)` (`position`
/// is the queue index, the sequence number for loans, the fund's log position for a fund move).
pub fn tx_hash(tx: &Tx, position: Option<u64>) -> [u8; 32] {
    let queue_index = position;
    let entry_hash = |e: &QueueEntry| -> [u8; 32] {
        let mut w = Writer::default();
        w.bytes(b"ccr-deposit");
        w.u64(queue_index.unwrap_or(0));
        write_entry(&mut w, e);
        Sha256::digest(&w.0).into()
    };
    let loan_hash = |tx: &Tx| -> [u8; 32] {
        let mut w = Writer::default();
        w.bytes(b"ccr-loan");
        w.u64(position.unwrap_or(0));
        write_loan(&mut w, tx);
        Sha256::digest(&w.0).into()
    };
    match tx {
        Tx::Signed(s) => signed_tx_hash(s),
        Tx::Deposit(d) => entry_hash(&QueueEntry::Deposit(d.clone())),
        Tx::ForcedExit(f) => entry_hash(&QueueEntry::ForcedExit(*f)),
        Tx::Credit(_) | Tx::Upkeep(_) => loan_hash(tx),
        Tx::Fund(m) => {
            let mut w = Writer::default();
            w.bytes(b"ccr-fund");
            w.u64(position.unwrap_or(0));
            write_move(&mut w, m);
            Sha256::digest(&w.0).into()
        }
    }
}

/// A fund move's fields: from, to, amount.
fn write_move(w: &mut Writer, m: &FundMove) {
    w.u32(m.from);
    w.u32(m.to);
    w.u64(m.amount);
}

fn read_move(r: &mut Reader<'_>) -> Result<FundMove, CodecError> {
    Ok(FundMove { from: r.u32()?, to: r.u32()?, amount: r.u64()? })
}

/// A credit or loan upkeep: its tag, then its fields (nothing for other transactions).
fn write_loan(w: &mut Writer, tx: &Tx) {
    match tx {
        Tx::Credit(c) => {
            w.u8(TX_CREDIT);
            w.u32(c.borrower);
            w.u32(c.bank);
            w.u64(c.amount);
            w.u32(c.terms.packed());
            w.u64(c.terms.max_amount);
        }
        Tx::Upkeep(u) => {
            w.u8(TX_UPKEEP);
            w.u8(u.kind as u8);
            w.u32(u.borrower);
            w.u32(u.bank);
        }
        Tx::Signed(_) | Tx::Deposit(_) | Tx::ForcedExit(_) | Tx::Fund(_) => {}
    }
}

#[derive(Default)]
struct Writer(Vec<u8>);

impl Writer {
    fn bytes(&mut self, b: &[u8]) {
        self.0.extend_from_slice(b);
    }
    fn u8(&mut self, x: u8) {
        self.0.push(x);
    }
    fn u32(&mut self, x: u32) {
        self.bytes(&x.to_be_bytes());
    }
    fn u64(&mut self, x: u64) {
        self.bytes(&x.to_be_bytes());
    }
    fn fr(&mut self, x: &Fr) {
        self.bytes(&fr_to_be_bytes(x));
    }
    fn var(&mut self, b: &[u8]) {
        // Values are far below 4 GiB (a batch's tx_data is 12 bytes per slot).
        self.u32(u32::try_from(b.len()).unwrap_or(u32::MAX));
        self.bytes(b);
    }
}

struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], CodecError> {
        if self.0.len() < n {
            return Err(CodecError::Truncated { needed: n - self.0.len() });
        }
        let (head, tail) = self.0.split_at(n);
        self.0 = tail;
        Ok(head)
    }
    fn array<const N: usize>(&mut self) -> Result<[u8; N], CodecError> {
        let mut out = [0u8; N];
        out.copy_from_slice(self.take(N)?);
        Ok(out)
    }
    fn u8(&mut self) -> Result<u8, CodecError> {
        Ok(self.array::<1>()?[0])
    }
    fn u32(&mut self) -> Result<u32, CodecError> {
        Ok(u32::from_be_bytes(self.array()?))
    }
    fn u64(&mut self) -> Result<u64, CodecError> {
        Ok(u64::from_be_bytes(self.array()?))
    }
    fn fr(&mut self) -> Result<Fr, CodecError> {
        fr_from_be_canonical(self.take(32)?).ok_or(CodecError::Invalid("field element"))
    }
    fn var(&mut self) -> Result<&'a [u8], CodecError> {
        let n = self.u32()? as usize;
        self.take(n)
    }
    fn version(&mut self) -> Result<(), CodecError> {
        match self.u8()? {
            RECORD_VERSION => Ok(()),
            tag => Err(CodecError::Tag { what: "record version", tag }),
        }
    }
    fn end(&self) -> Result<(), CodecError> {
        match self.0.len() {
            0 => Ok(()),
            n => Err(CodecError::Trailing(n)),
        }
    }
}

const TX_QUEUE: u8 = 1;
const TX_SIGNED: u8 = 2;
const TX_CREDIT: u8 = 3;
const TX_UPKEEP: u8 = 4;
const TX_FUND: u8 = 5;
const STATUS_PENDING: u8 = 0;
const STATUS_IN_BATCH: u8 = 1;
const STATUS_REJECTED: u8 = 2;

fn write_deposit(w: &mut Writer, d: &Deposit) {
    w.u32(d.index);
    match d.pubkey {
        Some(pk) => {
            w.u8(1);
            w.bytes(&pack_point(&pk));
        }
        None => w.u8(0),
    }
    w.u64(d.amount);
}

fn read_deposit(r: &mut Reader<'_>) -> Result<Deposit, CodecError> {
    let index = r.u32()?;
    let pubkey = match r.u8()? {
        0 => None,
        1 => Some(unpack_point(&r.array()?).map_err(|_| CodecError::Invalid("public key"))?),
        tag => return Err(CodecError::Tag { what: "deposit key", tag }),
    };
    let amount = r.u64()?;
    Ok(Deposit { index, pubkey, amount })
}

fn write_entry(w: &mut Writer, e: &QueueEntry) {
    match e {
        QueueEntry::Deposit(d) => {
            w.u8(TxKind::Deposit as u8);
            write_deposit(w, d);
        }
        QueueEntry::ForcedExit(f) => {
            w.u8(TxKind::ForcedExit as u8);
            w.u32(f.index);
            w.u64(f.amount);
        }
    }
}

fn read_entry(r: &mut Reader<'_>) -> Result<QueueEntry, CodecError> {
    match r.u8()? {
        k if k == TxKind::Deposit as u8 => Ok(QueueEntry::Deposit(read_deposit(r)?)),
        k if k == TxKind::ForcedExit as u8 => {
            Ok(QueueEntry::ForcedExit(ForcedExit { index: r.u32()?, amount: r.u64()? }))
        }
        tag => Err(CodecError::Tag { what: "queue entry kind", tag }),
    }
}

/// Encoding of an L1 queue entry alone: kind byte, then its fields.
pub fn encode_entry(e: &QueueEntry) -> Vec<u8> {
    let mut w = Writer::default();
    write_entry(&mut w, e);
    w.0
}

impl TxRecord {
    /// The stored bytes.
    pub fn encode(&self) -> Vec<u8> {
        let mut w = Writer::default();
        w.u8(RECORD_VERSION);
        match &self.tx {
            Tx::Signed(s) => {
                w.u8(TX_SIGNED);
                w.bytes(&encode_signed(s));
            }
            tx @ (Tx::Credit(_) | Tx::Upkeep(_)) => write_loan(&mut w, tx),
            Tx::Fund(m) => {
                w.u8(TX_FUND);
                w.u64(self.queue_index.unwrap_or(0));
                write_move(&mut w, m);
            }
            tx => {
                w.u8(TX_QUEUE);
                w.u64(self.queue_index.unwrap_or(0));
                if let Some(e) = tx.queue_entry() {
                    write_entry(&mut w, &e);
                }
            }
        }
        w.bytes(&self.hash);
        match &self.status {
            TxStatus::Pending => w.u8(STATUS_PENDING),
            TxStatus::InBatch(n) => {
                w.u8(STATUS_IN_BATCH);
                w.u64(*n);
            }
            TxStatus::Rejected(reason) => {
                w.u8(STATUS_REJECTED);
                w.var(reason.as_bytes());
            }
        }
        w.0
    }

    /// Parses stored bytes.
    pub fn decode(bytes: &[u8]) -> Result<Self, CodecError> {
        let mut r = Reader(bytes);
        r.version()?;
        let (tx, queue_index) = match r.u8()? {
            TX_QUEUE => {
                let qi = r.u64()?;
                (Tx::from(read_entry(&mut r)?), Some(qi))
            }
            TX_SIGNED => {
                let s = decode_signed(r.take(SIGNED_TX_BYTES)?)
                    .map_err(|_| CodecError::Invalid("signed transaction"))?;
                (Tx::Signed(s), None)
            }
            TX_CREDIT => {
                let (borrower, bank, amount, packed, max) =
                    (r.u32()?, r.u32()?, r.u64()?, r.u32()?, r.u64()?);
                if packed >> 24 != 0 {
                    return Err(CodecError::Invalid("loan terms"));
                }
                let terms = LoanTerms::from_packed(packed, max);
                (Tx::Credit(CreditTx { borrower, bank, amount, terms }), None)
            }
            TX_UPKEEP => {
                let kind = match TxKind::from_byte(r.u8()?) {
                    Some(k @ (TxKind::Accrue | TxKind::Writedown)) => k,
                    _ => return Err(CodecError::Invalid("loan upkeep kind")),
                };
                (Tx::Upkeep(LoanUpkeep { kind, borrower: r.u32()?, bank: r.u32()? }), None)
            }
            TX_FUND => {
                let position = r.u64()?;
                (Tx::Fund(read_move(&mut r)?), Some(position))
            }
            tag => return Err(CodecError::Tag { what: "transaction kind", tag }),
        };
        let hash = r.array()?;
        let status = match r.u8()? {
            STATUS_PENDING => TxStatus::Pending,
            STATUS_IN_BATCH => TxStatus::InBatch(r.u64()?),
            STATUS_REJECTED => TxStatus::Rejected(
                String::from_utf8(r.var()?.to_vec()).map_err(|_| CodecError::Invalid("UTF-8 reason"))?,
            ),
            tag => return Err(CodecError::Tag { what: "transaction status", tag }),
        };
        r.end()?;
        Ok(Self { tx, queue_index, hash, status })
    }
}

impl BatchRecord {
    /// The stored bytes.
    pub fn encode(&self) -> Vec<u8> {
        let mut w = Writer::default();
        w.u8(RECORD_VERSION);
        w.u64(self.number);
        for x in [&self.old_root, &self.new_root, &self.queue_before, &self.queue_after] {
            w.fr(x);
        }
        w.u32(self.epoch);
        w.u64(self.deposits_from);
        w.u32(self.deposits);
        w.u32(u32::try_from(self.seqs.len()).unwrap_or(u32::MAX));
        for s in &self.seqs {
            w.u64(*s);
        }
        w.var(&self.tx_data);
        w.fr(&self.commitment);
        match &self.proof {
            Some(p) => {
                w.u8(1);
                w.var(p);
            }
            None => w.u8(0),
        }
        match &self.settlement {
            Some(st) => {
                w.u8(1);
                w.bytes(&st.l1_tx);
                w.u64(st.block);
                w.u64(st.gas_used);
            }
            None => w.u8(0),
        }
        w.0
    }

    /// Parses stored bytes.
    pub fn decode(bytes: &[u8]) -> Result<Self, CodecError> {
        let mut r = Reader(bytes);
        r.version()?;
        let number = r.u64()?;
        let (old_root, new_root, queue_before, queue_after) = (r.fr()?, r.fr()?, r.fr()?, r.fr()?);
        let epoch = r.u32()?;
        let deposits_from = r.u64()?;
        let deposits = r.u32()?;
        let n = r.u32()? as usize;
        let seqs = (0..n).map(|_| r.u64()).collect::<Result<Vec<_>, _>>()?;
        let tx_data = r.var()?.to_vec();
        let commitment = r.fr()?;
        let proof = match r.u8()? {
            0 => None,
            1 => Some(r.var()?.to_vec()),
            tag => return Err(CodecError::Tag { what: "proof presence", tag }),
        };
        let settlement = match r.u8()? {
            0 => None,
            1 => Some(L1Settlement { l1_tx: r.array()?, block: r.u64()?, gas_used: r.u64()? }),
            tag => return Err(CodecError::Tag { what: "settlement presence", tag }),
        };
        r.end()?;
        Ok(Self {
            number,
            old_root,
            new_root,
            queue_before,
            queue_after,
            epoch,
            deposits_from,
            deposits,
            seqs,
            tx_data,
            commitment,
            proof,
            settlement,
        })
    }
}

/// How a fund move's slot carried it out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FundOutcome {
    /// Taken into the log, not yet in a sealed batch.
    Pending,
    /// In sealed batch `n` as a [`TxKind::FundMove`] slot: within what the payer may pay.
    Paid(u64),
    /// In sealed batch `n` as a [`TxKind::FundShortfall`] slot: nothing moved, L1 books it.
    Short(u64),
}

impl FundOutcome {
    /// The batch that carried it, once sealed.
    pub fn batch(self) -> Option<u64> {
        match self {
            Self::Pending => None,
            Self::Paid(n) | Self::Short(n) => Some(n),
        }
    }
}

/// A move of the solidarity fund's log that this node took into its log (column family
/// `fund_moves`, key: the move's position in the fund's log, u64 BE): written with its log
/// entry, and again with its outcome when its batch is sealed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FundMoveRecord {
    /// Sequence number of its log entry.
    pub seq: u64,
    /// The epoch of the settled table that queued it, when L1 said which.
    pub epoch: Option<u32>,
    /// The move.
    pub fund_move: FundMove,
    /// How its slot carried it out.
    pub outcome: FundOutcome,
}

const OUTCOME_PENDING: u8 = 0;
const OUTCOME_PAID: u8 = 1;
const OUTCOME_SHORT: u8 = 2;

impl FundMoveRecord {
    /// The stored bytes.
    pub fn encode(&self) -> Vec<u8> {
        let mut w = Writer::default();
        w.u8(RECORD_VERSION);
        w.u64(self.seq);
        match self.epoch {
            Some(e) => {
                w.u8(1);
                w.u32(e);
            }
            None => w.u8(0),
        }
        write_move(&mut w, &self.fund_move);
        match self.outcome {
            FundOutcome::Pending => w.u8(OUTCOME_PENDING),
            FundOutcome::Paid(n) => {
                w.u8(OUTCOME_PAID);
                w.u64(n);
            }
            FundOutcome::Short(n) => {
                w.u8(OUTCOME_SHORT);
                w.u64(n);
            }
        }
        w.0
    }

    /// Parses stored bytes.
    pub fn decode(bytes: &[u8]) -> Result<Self, CodecError> {
        let mut r = Reader(bytes);
        r.version()?;
        let seq = r.u64()?;
        let epoch = match r.u8()? {
            0 => None,
            1 => Some(r.u32()?),
            tag => return Err(CodecError::Tag { what: "fund move epoch presence", tag }),
        };
        let fund_move = read_move(&mut r)?;
        let outcome = match r.u8()? {
            OUTCOME_PENDING => FundOutcome::Pending,
            OUTCOME_PAID => FundOutcome::Paid(r.u64()?),
            OUTCOME_SHORT => FundOutcome::Short(r.u64()?),
            tag => return Err(CodecError::Tag { what: "fund move outcome", tag }),
        };
        r.end()?;
        Ok(Self { seq, epoch, fund_move, outcome })
    }
}

/// Parses a queue entry stored by [`encode_entry`].
pub fn decode_entry(bytes: &[u8]) -> Result<QueueEntry, CodecError> {
    let mut r = Reader(bytes);
    let e = read_entry(&mut r)?;
    r.end()?;
    Ok(e)
}

/// Parses the value of the `deposits` column family (the L1 queue): log sequence number,
/// then the entry.
pub fn decode_queue_record(bytes: &[u8]) -> Result<(u64, QueueEntry), CodecError> {
    let mut r = Reader(bytes);
    let seq = r.u64()?;
    let e = read_entry(&mut r)?;
    r.end()?;
    Ok((seq, e))
}

/// The value of the `deposits` column family.
pub fn encode_queue_record(seq: u64, e: &QueueEntry) -> Vec<u8> {
    let mut w = Writer::default();
    w.u64(seq);
    write_entry(&mut w, e);
    w.0
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // tests: a panic is a failure with its location
mod tests {
    use ccr_circuits::babyjubjub::eddsa::PrivateKey;
    use ccr_circuits::state::tx::UnsignedTx;

    use super::*;

    #[test]
    fn records_round_trip() {
        let key = PrivateKey::from_bytes([3; 32]);
        let u = UnsignedTx::exit(4, 10, 2).unwrap();
        let signed =
            Tx::Signed(u.with_signature(key.sign_poseidon(u.message(&ccr_circuits::state::Domain::NONE))));
        let deposit = Tx::Deposit(Deposit { index: 4, pubkey: Some(key.public_key()), amount: u64::MAX });
        let forced = Tx::ForcedExit(ForcedExit { index: 7, amount: 1_000 });
        let credit = Tx::Credit(CreditTx {
            borrower: 4,
            bank: 1,
            amount: 500,
            terms: LoanTerms { rate_bps: 900, term_epochs: 12, max_amount: 5_000 },
        });
        let upkeep = Tx::Upkeep(LoanUpkeep { kind: TxKind::Writedown, borrower: 4, bank: 1 });
        let fund = Tx::Fund(FundMove { from: 3, to: 9, amount: 1_250 });
        assert_ne!(tx_hash(&credit, Some(1)), tx_hash(&upkeep, Some(1)));
        assert_ne!(tx_hash(&fund, Some(1)), tx_hash(&fund, Some(2)), "a move's position is in its hash");
        assert_ne!(tx_hash(&upkeep, Some(1)), tx_hash(&upkeep, Some(2)));
        let proof = CreditProofRecord {
            state_batch: 3,
            bank_version: 2,
            proof: vec![5; 128],
            inputs: (0..14u64).map(Fr::from).collect(),
        };
        assert_eq!(CreditProofRecord::decode(&proof.encode()).unwrap(), proof);
        assert_eq!(proof.nullifier(), Some(Fr::from(9u64)));
        assert_eq!((proof.purpose(), proof.account()), (Some(2), Some(10)));
        let odd = CreditProofRecord {
            inputs: vec![Fr::from(0u64), Fr::from(0u64), -Fr::from(1u64)],
            ..proof.clone()
        };
        assert_eq!((odd.purpose(), odd.account()), (None, None), "not a small value, no account input");
        assert_ne!(tx_hash(&forced, Some(3)), tx_hash(&forced, Some(4)));
        for e in [deposit.queue_entry().unwrap(), forced.queue_entry().unwrap()] {
            assert_eq!(decode_entry(&encode_entry(&e)).unwrap(), e);
            assert_eq!(decode_queue_record(&encode_queue_record(9, &e)).unwrap(), (9, e));
        }
        for (tx, qi, status) in [
            (signed, None, TxStatus::Rejected("gone".into())),
            (deposit, Some(17), TxStatus::InBatch(3)),
            (credit, None, TxStatus::Pending),
            (upkeep, None, TxStatus::InBatch(4)),
            (fund, Some(6), TxStatus::Pending),
            (Tx::Fund(FundMove { from: 9, to: 4, amount: u64::MAX }), Some(u64::MAX), TxStatus::InBatch(2)),
        ] {
            let rec = TxRecord { hash: tx_hash(&tx, qi), tx, queue_index: qi, status };
            assert_eq!(TxRecord::decode(&rec.encode()).unwrap(), rec);
            let mut long = rec.encode();
            long.push(0);
            assert_eq!(TxRecord::decode(&long), Err(CodecError::Trailing(1)));
        }
        let batch = BatchRecord {
            number: 2,
            old_root: Fr::from(1u64),
            new_root: Fr::from(2u64),
            queue_before: Fr::from(3u64),
            queue_after: Fr::from(4u64),
            epoch: 11,
            deposits_from: 5,
            deposits: 1,
            seqs: vec![7, 9],
            tx_data: vec![1; 48],
            commitment: Fr::from(6u64),
            proof: Some(vec![8; 128]),
            settlement: Some(L1Settlement { l1_tx: [9; 32], block: 77, gas_used: 358_000 }),
        };
        assert_eq!(BatchRecord::decode(&batch.encode()).unwrap(), batch);
        for outcome in [FundOutcome::Pending, FundOutcome::Paid(3), FundOutcome::Short(u64::MAX)] {
            for epoch in [None, Some(0), Some(u32::MAX)] {
                let rec = FundMoveRecord {
                    seq: 12,
                    epoch,
                    fund_move: FundMove { from: 1, to: 2, amount: 3 },
                    outcome,
                };
                assert_eq!(FundMoveRecord::decode(&rec.encode()).unwrap(), rec);
            }
        }
    }

    /// Log entries written before fund moves existed (the same format byte, bytes as that build
    /// wrote them) decode unchanged: fund moves only add a transaction tag.
    #[test]
    fn records_written_before_fund_moves_still_decode() {
        let hash = [0xAB; 32];
        // A writedown (tag 4) of borrower 4 at bank 1, in batch 4.
        let mut upkeep = vec![5, 4, 9, 0, 0, 0, 4, 0, 0, 0, 1];
        upkeep.extend_from_slice(&hash);
        upkeep.extend_from_slice(&[1, 0, 0, 0, 0, 0, 0, 0, 4]);
        assert_eq!(
            TxRecord::decode(&upkeep).unwrap(),
            TxRecord {
                tx: Tx::Upkeep(LoanUpkeep { kind: TxKind::Writedown, borrower: 4, bank: 1 }),
                queue_index: None,
                hash,
                status: TxStatus::InBatch(4),
            }
        );
        // A top-up deposit (tag 1, queue position 17) of 1000 to account 2, pending.
        let mut deposit = vec![5, 1, 0, 0, 0, 0, 0, 0, 0, 17, 1, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 3, 0xE8];
        deposit.extend_from_slice(&hash);
        deposit.push(0);
        assert_eq!(
            TxRecord::decode(&deposit).unwrap(),
            TxRecord {
                tx: Tx::Deposit(Deposit { index: 2, pubkey: None, amount: 1_000 }),
                queue_index: Some(17),
                hash,
                status: TxStatus::Pending,
            }
        );
        // And the encoding of such records is what it was.
        assert_eq!(TxRecord::decode(&upkeep).unwrap().encode(), upkeep);
        assert_eq!(TxRecord::decode(&deposit).unwrap().encode(), deposit);
    }
}
