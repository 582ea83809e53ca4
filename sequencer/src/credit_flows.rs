//! Credit flows per bank, for the metrics: what each loan slot of a sealed batch lent, repaid,
//! wrote down and accrued as interest, in the rollup's base units.
//!
//! Counted when a batch is sealed (staged), from its slots' witnesses: every accepted loan
//! slot is sealed exactly once, and a start-up replay rebuilds state without sealing, so
//! nothing is counted twice. (Counting at acceptance would count credits that a deposit
//! going ahead of them later evicts, and interest the re-application behind it recomputes.)
//! The amounts come from the loan rule itself ([`ccr_circuits::state::loan::apply`]) on the
//! accounts before the slot, as the witness records them: no second copy of the rule.

use ccr_circuits::credit::{purpose_name, PURPOSE_NAMES};
use ccr_circuits::state::account::Account;
use ccr_circuits::state::loan::{self, LoanError, LoanSlot};
use ccr_circuits::state::tx::TxKind;
use ccr_circuits::state::SlotWitness;

use crate::metrics as m;

/// The `purpose` label of a credit whose proof states no purpose this build knows.
pub const UNKNOWN_PURPOSE: &str = "unknown";

/// What one loan slot moved between a borrower and its bank's pool.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct CreditFlow {
    /// The bank: its pool's account index.
    pub bank: u32,
    /// Principal lent (a credit).
    pub issued: u64,
    /// The credit's attested purpose code (0..=4), when it is a credit and known.
    pub purpose: Option<u8>,
    /// Repaid (a repayment, recoveries of written-down loans included).
    pub repaid: u64,
    /// Debt written down: the pool's receivable dropped it.
    pub written_down: u64,
    /// Interest accrued on the borrower's debt before the slot's own effect.
    pub interest: u64,
}

/// Why a slot's flow cannot be computed (the slot did not apply to the accounts its witness
/// records: a bug, since the slot was just applied).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FlowError {
    /// The slot's amount does not decode.
    #[error("slot amount: {0}")]
    Amount(#[from] ccr_circuits::state::amount::AmountError),
    /// The loan rule refuses the slot.
    #[error("loan rule: {0}")]
    Loan(#[from] LoanError),
}

impl CreditFlow {
    /// The flow of slot `w` of a batch at `epoch`, `purpose` being the credit's (ignored for
    /// other kinds); `None` for a slot that moves no credit (not a loan slot, or loan terms).
    pub fn of_slot(w: &SlotWitness, epoch: u32, purpose: Option<u8>) -> Result<Option<Self>, FlowError> {
        let kind = w.encoded.kind;
        if !matches!(kind, TxKind::Credit | TxKind::Repay | TxKind::Accrue | TxKind::Writedown) {
            return Ok(None);
        }
        let amount = w.encoded.amount.decode()?;
        let slot = LoanSlot { kind, borrower: w.encoded.from, to: w.encoded.to, amount };
        let effect = loan::apply(&slot, &w.sender, w.receiver.as_ref(), epoch)?;
        let mut flow = Self { bank: slot.to, ..Self::default() };
        match kind {
            TxKind::Credit => (flow.issued, flow.purpose) = (amount, purpose),
            TxKind::Repay => flow.repaid = amount,
            // A writedown leaves the borrower's debt (interest included) owed and drops it
            // from the pool's receivable.
            TxKind::Writedown => flow.written_down = effect.borrower.debt,
            _ => {}
        }
        // The borrower's debt after = before + interest + principal − repayment.
        let after = i128::from(effect.borrower.debt) + i128::from(flow.repaid) - i128::from(flow.issued);
        flow.interest = u64::try_from(after - i128::from(w.sender.debt)).unwrap_or(0);
        Ok(Some(flow))
    }

    /// Adds the flow to the per-bank counters.
    pub fn record(&self) {
        let bank = self.bank.to_string();
        if self.issued > 0 {
            let purpose = self.purpose.and_then(purpose_name).unwrap_or(UNKNOWN_PURPOSE);
            metrics::counter!(m::CREDIT_ISSUED, "bank" => bank.clone(), "purpose" => purpose)
                .increment(self.issued);
        }
        if self.repaid > 0 {
            metrics::counter!(m::CREDIT_REPAID, "bank" => bank.clone()).increment(self.repaid);
        }
        if self.written_down > 0 {
            metrics::counter!(m::CREDIT_WRITTEN_DOWN, "bank" => bank.clone()).increment(self.written_down);
        }
        if self.interest > 0 {
            metrics::counter!(m::CREDIT_INTEREST, "bank" => bank).increment(self.interest);
        }
    }
}

/// Sets bank pool `bank`'s gauges from its account, and makes its flow counters exist (at 0
/// until a flow) so that Prometheus sees each bank's first flow as an increase.
pub fn record_pool(bank: u32, pool: &Account) {
    let label = bank.to_string();
    metrics::gauge!(m::POOL_BALANCE, "bank" => label.clone()).set(pool.balance as f64);
    metrics::gauge!(m::POOL_RECEIVABLE, "bank" => label.clone()).set(pool.debt as f64);
    for purpose in PURPOSE_NAMES {
        metrics::counter!(m::CREDIT_ISSUED, "bank" => label.clone(), "purpose" => purpose).increment(0);
    }
    for name in [m::CREDIT_REPAID, m::CREDIT_WRITTEN_DOWN, m::CREDIT_INTEREST] {
        metrics::counter!(name, "bank" => label.clone()).increment(0);
    }
}
