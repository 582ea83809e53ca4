//! Loans from community bank pools: credit, terms, repayment, interest and writedown.
//!
//! A **bank pool** is an ordinary account (its key is the bank's) registered as a bank on
//! L1; the bank's id is the pool's account index. In a pool's extension, `debt` is the
//! pool's **receivable**: the sum of the debts of its loans that are not written down.
//!
//! The leaf's `bank` field tells the roles apart ([`super::account::POOL`]): a pool is tagged
//! `POOL` from its first credit on and never borrows; a borrower holds `pool + 1`, so "no
//! bank" (0) is never a real account; an account that neither borrows nor has lent holds 0
//! and may become either. A pool slot names a pool where a pool must stand and a borrower
//! where a borrower must, or it is refused, here and in the circuit alike.
//!
//! A member holds at most one open loan, from one bank: `bank` is the pool's index plus one, `debt`
//! the principal plus accrued interest, and `loan` packs the terms
//! (`rate_bps + due·2¹⁶ + accrued·2⁴⁸ + written_down·2⁸⁰`, see [`Loan`]). A loan is open
//! while `debt > 0`; when a repayment brings it to 0 the fields return to 0.
//!
//! Every loan slot first **accrues** interest on the borrower's debt for the epochs since
//! the loan's last accrual, `⌊debt · rate_bps · elapsed / 120 000⌋` (an epoch is a month:
//! 10 000 basis points × 12 epochs a year), adds it to the pool's receivable, and moves
//! the accrual epoch to the batch's. Interest compounds when a loan is touched, as
//! Compound accrues on interaction; a written-down loan accrues nothing.
//!
//! | kind | from | to | amount | who authorises | effect |
//! |------|------|----|--------|----------------|--------|
//! | credit (5) | borrower | pool | principal | an eligibility proof checked on L1 | pool pays the borrower; debt and receivable grow |
//! | loan terms (6) | borrower | `rate_bps + term·2¹⁶` | tier's max amount | the same proof (L1: the slot after the credit) | sets rate and due epoch; total debt ≤ the tier's maximum |
//! | repay (7) | borrower | pool | amount | the borrower's signature | borrower pays the pool; debt (and receivable) shrink |
//! | accrue (8) | borrower | pool | 0 | anyone | accrues interest only |
//! | writedown (9) | borrower | pool | 0 | anyone, once `epoch > due + GRACE_EPOCHS` | the pool's receivable drops the loan's debt; the debt stays owed |
//!
//! Goldfinch writes a late loan down gradually after its grace period; here the whole
//! loan is written down once it is [`GRACE_EPOCHS`] epochs past due, and repayments of a
//! written-down loan are recoveries: they reach the pool's balance without touching its
//! receivable.

use ark_bn254::Fr;
use ark_ff::{BigInteger, PrimeField, Zero};

use super::account::{Account, NO_BANK, POOL};
use super::tx::TxKind;

/// Epochs per year: an epoch is a month.
pub const EPOCHS_PER_YEAR: u64 = 12;

/// Interest denominator: basis points per unit (10 000) times [`EPOCHS_PER_YEAR`].
pub const INTEREST_DENOMINATOR: u64 = 10_000 * EPOCHS_PER_YEAR;

/// The largest epoch (epochs are below 2³¹, so a due epoch, epoch plus a term below 2⁸,
/// fits 32 bits).
pub const MAX_EPOCH: u32 = (1 << 31) - 1;

/// Epochs past the due epoch before a loan can be written down.
pub const GRACE_EPOCHS: u32 = 3;

/// Bits of the packed terms in a loan-terms slot's `to` field: 16 for the rate, 8 for the term.
pub const TERMS_RATE_BITS: u32 = 16;

/// The unpacked `loan` field of a borrower's account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Loan {
    /// Yearly rate in basis points.
    pub rate_bps: u16,
    /// Epoch the loan falls due.
    pub due_epoch: u32,
    /// Epoch interest was last accrued.
    pub accrued_epoch: u32,
    /// Whether the loan was written down.
    pub written_down: bool,
}

impl Loan {
    /// `rate_bps + due·2¹⁶ + accrued·2⁴⁸ + written_down·2⁸⁰`.
    pub fn pack(&self) -> Fr {
        let v = u128::from(self.rate_bps)
            | u128::from(self.due_epoch) << 16
            | u128::from(self.accrued_epoch) << 48
            | u128::from(self.written_down) << 80;
        Fr::from(v)
    }

    /// The loan packed in `f`, `None` if `f` is not a packing (≥ 2⁸¹).
    pub fn unpack(f: &Fr) -> Option<Self> {
        let bytes = f.into_bigint().to_bytes_le();
        if bytes[11..].iter().any(|b| *b != 0) || bytes[10] > 1 {
            return None;
        }
        let mut low = [0u8; 16];
        low[..11].copy_from_slice(&bytes[..11]);
        let v = u128::from_le_bytes(low);
        Some(Self {
            rate_bps: (v & 0xffff) as u16,
            due_epoch: (v >> 16) as u32,
            accrued_epoch: (v >> 48) as u32,
            written_down: v >> 80 == 1,
        })
    }
}

/// The terms a credit carries: the eligibility proof's tier terms.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LoanTerms {
    /// Yearly rate in basis points.
    pub rate_bps: u16,
    /// Term in epochs (months).
    pub term_epochs: u8,
    /// The tier's maximum total debt.
    pub max_amount: u64,
}

impl LoanTerms {
    /// The 24-bit `to` field of a loan-terms slot: `rate_bps + term·2¹⁶`.
    pub fn packed(&self) -> u32 {
        u32::from(self.rate_bps) | u32::from(self.term_epochs) << TERMS_RATE_BITS
    }

    /// Terms from a loan-terms slot's `to` field and amount.
    pub fn from_packed(to: u32, max_amount: u64) -> Self {
        Self { rate_bps: (to & 0xffff) as u16, term_epochs: (to >> TERMS_RATE_BITS) as u8, max_amount }
    }
}

/// `⌊debt · rate_bps · elapsed / 120 000⌋`, `None` past 2⁶⁴ − 1.
pub fn interest(debt: u64, rate_bps: u16, elapsed: u32) -> Option<u64> {
    let p = u128::from(debt) * u128::from(rate_bps) * u128::from(elapsed);
    u64::try_from(p / u128::from(INTEREST_DENOMINATOR)).ok()
}

/// Why a loan slot cannot apply, one variant per rule.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LoanError {
    /// The slot is not a loan slot.
    #[error("a {0:?} slot is not a loan slot")]
    NotLoanKind(TxKind),
    /// Borrower and pool are the same account.
    #[error("account {0} cannot lend to itself")]
    SelfLoan(u32),
    /// A credit, loan terms or repayment of nothing.
    #[error("a {0:?} of amount 0 does nothing")]
    ZeroAmount(TxKind),
    /// The account's loan field is not a packing.
    #[error("account {0} holds a malformed loan field")]
    Malformed(u32),
    /// The borrower owes another bank.
    #[error("account {borrower} owes bank {owed_to}; repay it before borrowing from bank {bank}")]
    OtherBank {
        /// Borrower.
        borrower: u32,
        /// The bank owed.
        owed_to: u32,
        /// The bank asked.
        bank: u32,
    },
    /// A pool (an account that has lent) named as the borrower.
    #[error("account {0} is a bank's pool: a pool never borrows")]
    PoolAsBorrower(u32),
    /// The account named as the pool is not one: it borrows, or (outside a credit) has never lent.
    #[error("account {0} is not a bank's pool")]
    NotAPool(u32),
    /// The slot names another pool than the loan's.
    #[error("account {borrower}'s loan is from bank {owed_to}, not {named}")]
    WrongBank {
        /// Borrower.
        borrower: u32,
        /// The bank owed.
        owed_to: u32,
        /// The bank the slot names.
        named: u32,
    },
    /// No open loan.
    #[error("account {0} has no open loan")]
    NoLoan(u32),
    /// The loan was written down: it takes repayments only.
    #[error("account {0}'s loan was written down: it takes repayments only")]
    WrittenDown(u32),
    /// Loan terms not right after a credit in the same epoch.
    #[error("loan terms for account {0} must follow its credit in the same epoch")]
    TermsWithoutCredit(u32),
    /// Total debt above the tier's maximum.
    #[error("account {borrower} would owe {debt}, above its tier's maximum {max}")]
    DebtAboveTierLimit {
        /// Borrower.
        borrower: u32,
        /// Its debt after the credit.
        debt: u64,
        /// The tier's maximum.
        max: u64,
    },
    /// A repayment above the debt.
    #[error("account {borrower} repays {amount} but owes {debt}")]
    RepayAboveDebt {
        /// Borrower.
        borrower: u32,
        /// Amount repaid.
        amount: u64,
        /// Debt after accrual.
        debt: u64,
    },
    /// Writedown before due + grace.
    #[error("account {borrower}'s loan is due at epoch {due}: it can be written down from epoch {from}, not {epoch}")]
    NotOverdue {
        /// Borrower.
        borrower: u32,
        /// Due epoch.
        due: u32,
        /// First epoch a writedown is allowed.
        from: u64,
        /// The batch's epoch.
        epoch: u32,
    },
    /// The batch's epoch is before the loan's last accrual (epochs never go back).
    #[error("epoch {epoch} is before account {borrower}'s last accrual at epoch {accrued}")]
    EpochBehind {
        /// Borrower.
        borrower: u32,
        /// The batch's epoch.
        epoch: u32,
        /// Last accrual.
        accrued: u32,
    },
    /// The due epoch would pass 2³² − 1.
    #[error("due epoch past 2^32 - 1")]
    DueOverflow,
    /// A balance, debt or receivable past 2⁶⁴ − 1 or below 0.
    #[error("account {index}: {what} out of range")]
    OutOfRange {
        /// Account.
        index: u32,
        /// Which value.
        what: &'static str,
    },
    /// The pool cannot pay the principal.
    #[error("bank pool {pool} holds {balance}, cannot lend {amount}")]
    PoolBalance {
        /// Pool.
        pool: u32,
        /// Its balance.
        balance: u64,
        /// Principal asked.
        amount: u64,
    },
    /// A repayment above the borrower's balance.
    #[error("account {index} repays {amount} but holds {balance}")]
    Balance {
        /// Borrower.
        index: u32,
        /// Its balance.
        balance: u64,
        /// Amount repaid.
        amount: u64,
    },
}

/// One loan slot to apply: its kind and data fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LoanSlot {
    /// [`TxKind::Credit`], [`TxKind::LoanTerms`], [`TxKind::Repay`], [`TxKind::Accrue`] or
    /// [`TxKind::Writedown`].
    pub kind: TxKind,
    /// The borrower.
    pub borrower: u32,
    /// The pool (or, for loan terms, the packed terms).
    pub to: u32,
    /// The decoded amount.
    pub amount: u64,
}

/// The accounts after a loan slot: the borrower's, and the pool's when the slot touches it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoanEffect {
    /// The borrower after the slot.
    pub borrower: Account,
    /// The pool after the slot (`None` for loan terms).
    pub pool: Option<Account>,
}

fn range(index: u32, what: &'static str) -> LoanError {
    LoanError::OutOfRange { index, what }
}

/// The loan rule: the accounts after slot `s` at `epoch`, given the borrower `a` and, for
/// every kind but loan terms, the pool `b` (the account at `s.to`). The nonce of a repayment
/// is the caller's (it is a signed slot); everything else is here, shared by the sequencer,
/// the replaying auditor and the circuit's tests.
pub fn apply(s: &LoanSlot, a: &Account, b: Option<&Account>, epoch: u32) -> Result<LoanEffect, LoanError> {
    let i = s.borrower;
    if !s.kind.is_loan() {
        return Err(LoanError::NotLoanKind(s.kind));
    }
    let loan = Loan::unpack(&a.loan).ok_or(LoanError::Malformed(i))?;
    let open = a.debt > 0;
    if s.kind != TxKind::LoanTerms && s.borrower == s.to {
        return Err(LoanError::SelfLoan(i));
    }
    // Roles: the borrower is no pool.
    if a.is_pool() {
        return Err(LoanError::PoolAsBorrower(i));
    }
    let owed_to = a.lender();
    // In every slot but loan terms `to` is the pool, an existing account (index < 2²⁴).
    let named = Account::borrower_of(s.to);
    match s.kind {
        TxKind::Credit | TxKind::LoanTerms | TxKind::Repay if s.amount == 0 => {
            return Err(LoanError::ZeroAmount(s.kind))
        }
        TxKind::Credit => {
            if open && a.bank != named {
                return Err(LoanError::OtherBank {
                    borrower: i,
                    owed_to: owed_to.unwrap_or(a.bank),
                    bank: s.to,
                });
            }
            // A written-down bit refuses a credit even with no debt left, as in the circuit
            // (a reachable leaf with no debt has no loan field at all, so only a leaf no
            // transition writes could tell the two rules apart).
            if loan.written_down {
                return Err(LoanError::WrittenDown(i));
            }
        }
        TxKind::LoanTerms => {
            if !open {
                return Err(LoanError::NoLoan(i));
            }
            if loan.accrued_epoch != epoch || loan.written_down {
                return Err(LoanError::TermsWithoutCredit(i));
            }
        }
        TxKind::Repay | TxKind::Accrue | TxKind::Writedown => {
            if !open {
                return Err(LoanError::NoLoan(i));
            }
            if a.bank != named {
                return Err(LoanError::WrongBank {
                    borrower: i,
                    owed_to: owed_to.unwrap_or(a.bank),
                    named: s.to,
                });
            }
            if s.kind == TxKind::Writedown {
                if loan.written_down {
                    return Err(LoanError::WrittenDown(i));
                }
                let from = u64::from(loan.due_epoch) + u64::from(GRACE_EPOCHS) + 1;
                if u64::from(epoch) < from {
                    return Err(LoanError::NotOverdue { borrower: i, due: loan.due_epoch, from, epoch });
                }
            }
        }
        _ => return Err(LoanError::NotLoanKind(s.kind)),
    }
    // …and the pool is one (a credit may make one of an account that has no role yet).
    if s.kind != TxKind::LoanTerms {
        let b = b.ok_or(range(s.to, "pool account"))?;
        let may_become_pool = s.kind == TxKind::Credit && b.bank == NO_BANK;
        if !b.is_pool() && !may_become_pool {
            return Err(LoanError::NotAPool(s.to));
        }
    }

    // Accrual (the epoch check holds for every loan slot, as in the circuit).
    let since = epoch.checked_sub(loan.accrued_epoch).ok_or(LoanError::EpochBehind {
        borrower: i,
        epoch,
        accrued: loan.accrued_epoch,
    })?;
    let elapsed = if open && !loan.written_down { since } else { 0 };
    let accrued = interest(a.debt, loan.rate_bps, elapsed).ok_or(range(i, "interest"))?;
    let debt1 = a.debt.checked_add(accrued).ok_or(range(i, "debt"))?;

    let mut borrower = a.clone();
    let mut next = Loan { accrued_epoch: epoch, ..loan };
    let (mut debt, mut bank) = (debt1, a.bank);
    let (mut pool_balance, mut receivable) = (0i128, i128::from(accrued));
    match s.kind {
        TxKind::Credit => {
            borrower.balance = a.balance.checked_add(s.amount).ok_or(range(i, "balance"))?;
            debt = debt1.checked_add(s.amount).ok_or(range(i, "debt"))?;
            bank = named;
            pool_balance = -i128::from(s.amount);
            receivable += i128::from(s.amount);
        }
        TxKind::LoanTerms => {
            let terms = LoanTerms::from_packed(s.to, s.amount);
            if debt1 > terms.max_amount {
                return Err(LoanError::DebtAboveTierLimit {
                    borrower: i,
                    debt: debt1,
                    max: terms.max_amount,
                });
            }
            next.rate_bps = terms.rate_bps;
            next.due_epoch = epoch.checked_add(u32::from(terms.term_epochs)).ok_or(LoanError::DueOverflow)?;
        }
        TxKind::Repay => {
            if s.amount > debt1 {
                return Err(LoanError::RepayAboveDebt { borrower: i, amount: s.amount, debt: debt1 });
            }
            borrower.balance = a.balance.checked_sub(s.amount).ok_or(LoanError::Balance {
                index: i,
                balance: a.balance,
                amount: s.amount,
            })?;
            debt = debt1 - s.amount;
            pool_balance = i128::from(s.amount);
            if !loan.written_down {
                receivable -= i128::from(s.amount);
            }
        }
        TxKind::Accrue => {}
        TxKind::Writedown => {
            next.written_down = true;
            receivable -= i128::from(debt1);
        }
        _ => return Err(LoanError::NotLoanKind(s.kind)),
    }
    borrower.debt = debt;
    if debt == 0 {
        borrower.bank = NO_BANK;
        borrower.loan = Fr::zero();
    } else {
        borrower.bank = bank;
        borrower.loan = next.pack();
    }

    let pool = match s.kind {
        TxKind::LoanTerms => None,
        _ => {
            let b = b.ok_or(range(s.to, "pool account"))?;
            let mut p = b.clone();
            p.bank = POOL;
            let balance = i128::from(b.balance) + pool_balance;
            if balance < 0 {
                return Err(LoanError::PoolBalance { pool: s.to, balance: b.balance, amount: s.amount });
            }
            p.balance = u64::try_from(balance).map_err(|_| range(s.to, "pool balance"))?;
            p.debt = u64::try_from(i128::from(b.debt) + receivable).map_err(|_| range(s.to, "receivable"))?;
            Some(p)
        }
    };
    Ok(LoanEffect { borrower, pool })
}
