//! Account leaves of the state tree.

use ark_bn254::Fr;
use ark_ff::Zero;

use crate::babyjubjub::Point;
use crate::poseidon;

/// An account of the rollup: the leaf layout is fixed now for every later feature.
///
/// `leaf = Poseidon([pk.x, pk.y, balance, nonce, ext])` with
/// `ext = Poseidon([bank, debt, voice_credits, loan])`. The extension fields belong to
/// credit (bank membership, debt, the commitment to the loan's terms) and governance
/// (voice credits); transfers carry `ext` through unchanged, so a transfer pays for one
/// 5-input hash per leaf and never opens the extension. An empty leaf is `0`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    /// Baby Jubjub public key (iden3 form) that signs for the account.
    pub pubkey: Point,
    /// Spendable balance, in the token's L2 unit.
    pub balance: u64,
    /// Number of signed transactions applied so far.
    pub nonce: u32,
    /// The account's role in credit, as the leaf encodes it: [`NO_BANK`] (0) for an account
    /// that neither borrows nor lends, `pool + 1` for a borrower of bank `pool` (so no real
    /// account index ever reads as "no bank"), [`POOL`] for a bank's pool, once it has lent.
    /// Read it with [`Account::lender`] and [`Account::is_pool`].
    pub bank: u32,
    /// A borrower's debt to its bank; for a pool, its receivable.
    pub debt: u64,
    /// Voice credits for quadratic voting.
    pub voice_credits: u64,
    /// Commitment to the terms of the open loan (0: none).
    pub loan: Fr,
}

/// The `bank` field of an account with no loan that has never lent.
pub const NO_BANK: u32 = 0;

/// The `bank` field of a bank's pool: above every `pool + 1` (indices are below 2²⁴), so a
/// pool can never stand where a borrower must, nor a borrower where a pool must.
pub const POOL: u32 = u32::MAX;

impl Account {
    /// The pool this account owes, if it is a borrower.
    pub fn lender(&self) -> Option<u32> {
        match self.bank {
            NO_BANK | POOL => None,
            b => Some(b - 1),
        }
    }

    /// Whether the account is a bank's pool (it has lent).
    pub fn is_pool(&self) -> bool {
        self.bank == POOL
    }

    /// The `bank` field of a borrower of `pool` (an account index, below 2²⁴).
    pub fn borrower_of(pool: u32) -> u32 {
        pool.wrapping_add(1)
    }

    /// A fresh account holding `balance`.
    pub fn new(pubkey: Point, balance: u64) -> Self {
        Self { pubkey, balance, nonce: 0, bank: 0, debt: 0, voice_credits: 0, loan: Fr::zero() }
    }

    /// `Poseidon([bank, debt, voice_credits, loan])`.
    pub fn ext_hash(&self) -> Fr {
        poseidon::hash_n(&[Fr::from(self.bank), Fr::from(self.debt), Fr::from(self.voice_credits), self.loan])
    }

    /// The leaf committed in the state tree.
    pub fn leaf(&self) -> Fr {
        leaf_hash(self.pubkey, self.balance, self.nonce, self.ext_hash())
    }
}

/// The extension hash of a fresh account: `Poseidon([0, 0, 0, 0])`.
pub fn empty_ext_hash() -> Fr {
    poseidon::hash_n(&[Fr::zero(); 4])
}

/// `Poseidon([pk.x, pk.y, balance, nonce, ext])`.
pub fn leaf_hash(pubkey: Point, balance: u64, nonce: u32, ext: Fr) -> Fr {
    poseidon::hash_n(&[pubkey.x, pubkey.y, Fr::from(balance), Fr::from(nonce), ext])
}
