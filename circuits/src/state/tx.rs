//! Transactions and the message a member signs.

use ark_bn254::Fr;

use super::amount::{AmountError, Float40};
use crate::babyjubjub::eddsa::Signature;
use crate::babyjubjub::Point;

/// Account indices are 24-bit in the data-availability encoding: 2²⁴ accounts.
pub const INDEX_BITS: u32 = 24;

/// The kind of a transaction slot, as written in byte 0 of its encoding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum TxKind {
    /// An empty slot: changes nothing.
    Noop = 0,
    /// Consumes the next deposit of the L1 queue.
    Deposit = 1,
    /// A signed L2 transfer.
    Transfer = 2,
    /// A signed exit: the amount leaves L2 and becomes claimable on L1.
    Exit = 3,
    /// Consumes the next entry of the L1 queue, an exit the account's owner requested on
    /// L1 (no signature): the amount paid is the one requested, or 0 when the balance
    /// cannot cover it.
    ForcedExit = 4,
    /// A bank pool lends to a member (see [`super::loan`]): authorised on L1 by the member's
    /// eligibility proof, no signature.
    Credit = 5,
    /// The terms of the credit in the slot before: rate, term and the tier's maximum.
    LoanTerms = 6,
    /// A signed repayment from the borrower to its bank pool.
    Repay = 7,
    /// Interest accrual on a loan, by anyone.
    Accrue = 8,
    /// A loan past due plus grace is written down, by anyone.
    Writedown = 9,
    /// A solidarity-fund move ([`FundMove`]): `amount` from `from` to `to`, no signature, the
    /// nonce kept. Authorised on L1 by a settled epoch table of the fund, in the order L1
    /// queued the table's moves; refused anywhere else.
    FundMove = 10,
    /// A fund move above what `from` may pay (its balance, or a fifth of it for any account
    /// but the fund's: `health::fund::fund_move_limit`): nothing moves (the slot proves the
    /// amount above that limit), and L1 books the shortfall in the fund's balance.
    FundShortfall = 11,
}

impl TxKind {
    /// The kind for an encoded type byte.
    pub fn from_byte(b: u8) -> Option<Self> {
        match b {
            0 => Some(Self::Noop),
            1 => Some(Self::Deposit),
            2 => Some(Self::Transfer),
            3 => Some(Self::Exit),
            4 => Some(Self::ForcedExit),
            5 => Some(Self::Credit),
            6 => Some(Self::LoanTerms),
            7 => Some(Self::Repay),
            8 => Some(Self::Accrue),
            9 => Some(Self::Writedown),
            10 => Some(Self::FundMove),
            11 => Some(Self::FundShortfall),
            _ => None,
        }
    }

    /// Whether the slot carries the sender's signature (transfer, exit, repay).
    pub fn is_signed(self) -> bool {
        matches!(self, Self::Transfer | Self::Exit | Self::Repay)
    }

    /// Whether the slot carries a fund move (paid or short).
    pub fn is_fund(self) -> bool {
        matches!(self, Self::FundMove | Self::FundShortfall)
    }

    /// Whether the slot is a loan slot ([`super::loan`]).
    pub fn is_loan(self) -> bool {
        matches!(self, Self::Credit | Self::LoanTerms | Self::Repay | Self::Accrue | Self::Writedown)
    }
}

/// A deposit as queued by the L1 contract.
///
/// `pubkey = Some(_)` opens a new account at `index` (the contract hands out fresh
/// indices in order); `None` tops up an existing account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Deposit {
    /// Account credited.
    pub index: u32,
    /// Key of the account to create, or `None` for a top-up.
    pub pubkey: Option<Point>,
    /// Amount in L2 units.
    pub amount: u64,
}

impl Deposit {
    /// The deposit-queue chain step: `Poseidon([prev, index, pk.x, pk.y, amount])`, with
    /// `pk = (0, 0)` for a top-up. The L1 contract computes the same chain.
    pub fn chain(&self, prev: Fr) -> Fr {
        let (x, y) = self.pubkey.map_or((Fr::from(0u64), Fr::from(0u64)), |p| (p.x, p.y));
        crate::poseidon::hash_n(&[prev, Fr::from(self.index), x, y, Fr::from(self.amount)])
    }
}

/// An exit requested on L1 by the account's owner (the contract checked that `msg.sender`
/// owns account `index`), queued with the deposits and applied in queue order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ForcedExit {
    /// Account debited.
    pub index: u32,
    /// Amount requested, in L2 units (the contract admits only `Float40`-representable ones).
    pub amount: u64,
}

impl ForcedExit {
    /// The queue chain step: `Poseidon([prev, index, 0, 1, amount])`. The identity point
    /// `(0, 1)` in the key's place marks a forced exit: a top-up deposit has `(0, 0)`, an
    /// account creation a real key with `x ≠ 0`.
    pub fn chain(&self, prev: Fr) -> Fr {
        crate::poseidon::hash_n(&[
            prev,
            Fr::from(self.index),
            Fr::from(0u64),
            Fr::from(1u64),
            Fr::from(self.amount),
        ])
    }

    /// The amount actually paid out of an account holding `balance`: the amount requested
    /// when the balance covers it, else 0 (the request is consumed as a no-op exit, as
    /// Hermez nullifies L1 transactions that cannot be executed).
    pub fn effective_amount(&self, balance: u64) -> u64 {
        if balance >= self.amount {
            self.amount
        } else {
            0
        }
    }
}

/// One entry of the L1 queue: the batches consume it in order, each entry in one slot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum QueueEntry {
    /// A deposit (account creation or top-up): a [`TxKind::Deposit`] slot.
    Deposit(Deposit),
    /// A forced exit: a [`TxKind::ForcedExit`] slot.
    ForcedExit(ForcedExit),
}

impl QueueEntry {
    /// The queue chain step over this entry (what the L1 contract computes on enqueueing).
    pub fn chain(&self, prev: Fr) -> Fr {
        match self {
            Self::Deposit(d) => d.chain(prev),
            Self::ForcedExit(f) => f.chain(prev),
        }
    }

    /// The account the entry credits or debits.
    pub fn index(&self) -> u32 {
        match self {
            Self::Deposit(d) => d.index,
            Self::ForcedExit(f) => f.index,
        }
    }

    /// The slot kind that consumes this entry.
    pub fn kind(&self) -> TxKind {
        match self {
            Self::Deposit(_) => TxKind::Deposit,
            Self::ForcedExit(_) => TxKind::ForcedExit,
        }
    }
}

impl From<QueueEntry> for Tx {
    fn from(e: QueueEntry) -> Self {
        match e {
            QueueEntry::Deposit(d) => Tx::Deposit(d),
            QueueEntry::ForcedExit(f) => Tx::ForcedExit(f),
        }
    }
}

/// A transfer, an exit or a repayment: what the sender signs, and the signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedTx {
    /// [`TxKind::Transfer`], [`TxKind::Exit`] or [`TxKind::Repay`].
    pub kind: TxKind,
    /// Sender's account index.
    pub from: u32,
    /// Recipient's account index (0 for an exit).
    pub to: u32,
    /// Amount, in its 40-bit encoding (what the signature covers).
    pub amount: Float40,
    /// The sender's nonce before this transaction.
    pub nonce: u32,
    /// EdDSA-Poseidon signature over [`UnsignedTx::message`].
    pub signature: Signature,
}

/// The fields of a signed transaction, before signing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UnsignedTx {
    /// [`TxKind::Transfer`], [`TxKind::Exit`] or [`TxKind::Repay`].
    pub kind: TxKind,
    /// Sender's account index.
    pub from: u32,
    /// Recipient's account index (0 for an exit).
    pub to: u32,
    /// Amount, in its 40-bit encoding.
    pub amount: Float40,
    /// The sender's current nonce.
    pub nonce: u32,
}

impl UnsignedTx {
    /// A transfer of `amount` (which must have an exact [`Float40`] encoding).
    pub fn transfer(from: u32, to: u32, amount: u64, nonce: u32) -> Result<Self, AmountError> {
        Ok(Self { kind: TxKind::Transfer, from, to, amount: Float40::encode(amount)?, nonce })
    }

    /// A repayment of `amount` from borrower `from` to its bank pool `pool`.
    pub fn repay(from: u32, pool: u32, amount: u64, nonce: u32) -> Result<Self, AmountError> {
        Ok(Self { kind: TxKind::Repay, from, to: pool, amount: Float40::encode(amount)?, nonce })
    }

    /// An exit of `amount` from `from`.
    pub fn exit(from: u32, amount: u64, nonce: u32) -> Result<Self, AmountError> {
        Ok(Self { kind: TxKind::Exit, from, to: 0, amount: Float40::encode(amount)?, nonce })
    }

    /// The field element signed, binding every field and the deployment:
    /// `kind + from·2⁸ + to·2³² + amount40·2⁵⁶ + nonce·2⁹⁶ + separator·2¹²⁸`, with the
    /// 125-bit [`super::Domain::separator`] (253 bits in all, below the field's order, so the
    /// packing is injective). The circuit builds the same sum from the bits of the
    /// data-availability bytes and the commitment's domain word, at no constraint cost.
    pub fn message(&self, domain: &super::Domain) -> Fr {
        let low = u128::from(self.kind as u8)
            | u128::from(self.from) << 8
            | u128::from(self.to) << 32
            | u128::from(self.amount.raw()) << 56
            | u128::from(self.nonce) << 96;
        Fr::from(low) + domain.separator() * ark_ff::Field::pow(&Fr::from(2u64), [128u64])
    }

    /// Attaches a signature.
    pub fn with_signature(self, signature: Signature) -> SignedTx {
        SignedTx {
            kind: self.kind,
            from: self.from,
            to: self.to,
            amount: self.amount,
            nonce: self.nonce,
            signature,
        }
    }
}

impl SignedTx {
    /// The unsigned fields.
    pub fn unsigned(&self) -> UnsignedTx {
        UnsignedTx { kind: self.kind, from: self.from, to: self.to, amount: self.amount, nonce: self.nonce }
    }
}

/// A credit from a bank pool, as granted by an eligibility proof: two slots, the credit and
/// its terms (L1 checks both against the proof's public outputs).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CreditTx {
    /// The borrower's account (the proof's `account`).
    pub borrower: u32,
    /// The bank pool's account (the proof's `bank`).
    pub bank: u32,
    /// Principal (the proof's `amount`).
    pub amount: u64,
    /// The tier's terms (the proof's `rate_bps`, `term_months` and `max_amount`).
    pub terms: super::loan::LoanTerms,
}

/// A move of the solidarity fund between a bank pool and the fund's account, as a settled
/// epoch table implies it (`crate::health::fund::moves`): a [`TxKind::FundMove`] slot when
/// `amount` is within what `from` may pay ([`crate::health::fund::fund_move_limit`]), else a
/// [`TxKind::FundShortfall`] slot that moves nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct FundMove {
    /// The account paying: a contributing pool, or the fund's account for a grant.
    pub from: u32,
    /// The account paid.
    pub to: u32,
    /// The amount, `Float40`-exact (L1 splits a move into exact parts).
    pub amount: u64,
}

impl FundMove {
    /// The move as L1 stores it and `Rollup.sol` compares slots with it:
    /// `from + to·2³² + amount·2⁶⁴` (a `uint256` word).
    pub fn packed(&self) -> Fr {
        let low = u128::from(self.from) | u128::from(self.to) << 32 | u128::from(self.amount) << 64;
        Fr::from(low)
    }
}

/// An accrual or a writedown: unsigned loan upkeep anyone may ask for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LoanUpkeep {
    /// [`TxKind::Accrue`] or [`TxKind::Writedown`].
    pub kind: TxKind,
    /// The borrower.
    pub borrower: u32,
    /// The bank pool the loan is from.
    pub bank: u32,
}

/// A transaction entering a batch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Tx {
    /// The next deposit of the L1 queue.
    Deposit(Deposit),
    /// A transfer, exit or repayment signed by the sender.
    Signed(SignedTx),
    /// The next entry of the L1 queue, when it is a forced exit.
    ForcedExit(ForcedExit),
    /// A credit and its terms (two slots).
    Credit(CreditTx),
    /// An accrual or a writedown.
    Upkeep(LoanUpkeep),
    /// A move of a settled solidarity-fund table.
    Fund(FundMove),
}

impl Tx {
    /// The transaction's kind by its one name, everywhere a kind is named (the API's `kind`,
    /// the metrics' `kind` label, logs): `deposit`, `forcedExit`, `transfer`, `exit`, `repay`,
    /// `credit`, `accrue`, `writedown`, `fundMove`.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Deposit(_) => "deposit",
            Self::ForcedExit(_) => "forcedExit",
            Self::Signed(s) if s.kind == TxKind::Exit => "exit",
            Self::Signed(s) if s.kind == TxKind::Repay => "repay",
            Self::Signed(_) => "transfer",
            Self::Credit(_) => "credit",
            Self::Upkeep(u) if u.kind == TxKind::Writedown => "writedown",
            Self::Upkeep(_) => "accrue",
            Self::Fund(_) => "fundMove",
        }
    }

    /// The L1 queue entry this transaction consumes, if any.
    pub fn queue_entry(&self) -> Option<QueueEntry> {
        match self {
            Self::Deposit(d) => Some(QueueEntry::Deposit(d.clone())),
            Self::ForcedExit(f) => Some(QueueEntry::ForcedExit(*f)),
            Self::Signed(_) | Self::Credit(_) | Self::Upkeep(_) | Self::Fund(_) => None,
        }
    }

    /// Slots the transaction takes in a batch.
    pub fn slots(&self) -> usize {
        match self {
            Self::Credit(_) => 2,
            _ => 1,
        }
    }
}
