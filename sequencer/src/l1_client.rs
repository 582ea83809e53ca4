//! The L1 traits on the rollup contract, through [`ccr_l1::client::L1Client`] (alloy over
//! Ethereum JSON-RPC): the same code drives the embedded L1 of the one-machine setup and any
//! node given by `--l1-rpc` (anvil in the tests).

use std::sync::{Arc, RwLock};

use alloy_primitives::Address;
use ccr_l1::client::L1Client;
use ccr_l1::fund::FundClient;
use ccr_l1::L1Error;
use ccr_prover::proof_from_bytes;
use ccr_verifier_contracts::fund::EpochState;
use ccr_verifier_contracts::rollup::{proof_words, BatchSubmission, CreditProofs};

use crate::l1::{DepositSource, FundLog, L1Deposit, Settlement, SettlementReceipt};
use crate::records::{BatchRecord, CreditProofRecord, L1Settlement};
use crate::sequencer::FundCursor;

/// Epochs before the rollup's current one searched for the last settled table (its moves'
/// epoch): a table settles within the fund's settle window after its epoch.
const SETTLED_EPOCH_SEARCH: u32 = 8;

/// The rollup contract as the sequencer's deposit source and settlement layer, and the
/// solidarity fund's move log once one is given ([`ContractL1::with_fund`]; clones share it).
#[derive(Debug, Clone)]
pub struct ContractL1 {
    client: L1Client,
    confirmations: u64,
    fund: Arc<RwLock<Option<FundClient>>>,
    /// The epoch found for the moves up to a log end (the last settled table's).
    settled_epoch: Option<(u64, Option<u32>)>,
    /// The fund's balance as read with the log's cursor `(next, end)`: it changes only when the
    /// cursor does (a table settles and queues its moves; the last move books the shortfalls).
    balance: Option<(u64, u64, u64)>,
}

impl ContractL1 {
    /// Reads queue entries once they are `confirmations` blocks deep (0 on a dev chain);
    /// submits batches from the client's account.
    pub fn new(client: L1Client, confirmations: u64) -> Self {
        Self { client, confirmations, fund: Arc::default(), settled_epoch: None, balance: None }
    }

    /// Reads the solidarity fund's move log from the `SolidarityFund` contract at `fund` (this
    /// adapter and its clones: the deposit watcher's next poll takes its moves), once it is
    /// checked to be this rollup's: its L2 account (`fundAccount`) is one it opened on this
    /// rollup (`AccountCreated` with the fund as owner). Returns that account.
    ///
    /// # Errors
    ///
    /// [`ContractL1Error::Fund`] when it is not this rollup's, or another fund is set already;
    /// RPC errors.
    pub async fn with_fund(&self, fund: Address) -> Result<u32, ContractL1Error> {
        let client = FundClient::connect(&self.client, fund);
        let account = client.fund_account().await?;
        let owned = self.client.accounts_of(fund).await?;
        if !owned.contains(&account) {
            return Err(ContractL1Error::Fund(format!(
                "{fund} says its L2 account is {account}, but it opened {owned:?} on the rollup at {}: the fund of another rollup",
                self.client.rollup()
            )));
        }
        let mut slot = self.fund.write().map_err(|_| ContractL1Error::Fund("fund lock poisoned".into()))?;
        match slot.as_ref().map(FundClient::address) {
            Some(set) if set != fund => {
                return Err(ContractL1Error::Fund(format!("the node carries out the moves of {set} already")))
            }
            _ => *slot = Some(client),
        }
        Ok(account)
    }

    /// The client.
    pub fn client(&self) -> &L1Client {
        &self.client
    }

    /// The epoch of the last table settled on `fund`: the highest epoch below the rollup's
    /// current one whose table is settled, within [`SETTLED_EPOCH_SEARCH`] epochs (`None`
    /// beyond). Remembered for the log's `end`: moves not yet carried out are all of that table.
    async fn settled_epoch(&mut self, fund: &FundClient, end: u64) -> Result<Option<u32>, L1Error> {
        if let Some((e, epoch)) = self.settled_epoch {
            if e == end {
                return Ok(epoch);
            }
        }
        let current = self.client.current_epoch().await?;
        let mut found = None;
        for epoch in (current.saturating_sub(SETTLED_EPOCH_SEARCH)..current).rev() {
            if fund.epoch_state(epoch).await? == EpochState::Settled {
                found = Some(epoch);
                break;
            }
        }
        self.settled_epoch = Some((end, found));
        Ok(found)
    }
}

/// Errors of the contract adapter.
#[derive(Debug, thiserror::Error)]
pub enum ContractL1Error {
    /// The L1 client failed (RPC, revert, malformed data).
    #[error(transparent)]
    L1(#[from] L1Error),
    /// The configured solidarity fund is not this rollup's.
    #[error("{0}")]
    Fund(String),
    /// A batch to submit has no proof or an unreadable one.
    #[error("batch {batch}: {reason}")]
    Batch {
        /// Batch number (sequencer numbering).
        batch: u64,
        /// What is wrong.
        reason: String,
    },
}

impl DepositSource for ContractL1 {
    type Error = ContractL1Error;

    async fn deposits_from(&mut self, from: u64) -> Result<Vec<L1Deposit>, Self::Error> {
        let entries = self.client.queue_entries(from, self.confirmations).await?;
        if !entries.is_empty() {
            metrics::counter!(crate::metrics::DEPOSITS_SEEN_L1).increment(entries.len() as u64);
        }
        Ok(entries.into_iter().map(|(queue_index, entry)| L1Deposit { queue_index, entry }).collect())
    }

    async fn epoch(&mut self) -> Result<Option<u32>, Self::Error> {
        Ok(Some(self.client.current_epoch().await?))
    }

    /// The fund's pending moves (`pendingMoves`: the moves not yet carried out by a settled
    /// batch, and the first's position), those from `from` on, and its members (`members()`).
    /// Read at L1's latest block.
    async fn fund_moves_from(&mut self, from: u64) -> Result<Option<FundLog>, Self::Error> {
        let Some(fund) = self.fund.read().ok().and_then(|f| f.clone()) else { return Ok(None) };
        let (next, pending) = fund.pending_moves().await?;
        let end = next + pending.len() as u64;
        let skip = usize::try_from(from.saturating_sub(next)).unwrap_or(usize::MAX);
        let moves: Vec<_> = pending.into_iter().skip(skip).collect();
        let epoch = if moves.is_empty() { None } else { self.settled_epoch(&fund, end).await? };
        let balance = match self.balance {
            Some((n, e, b)) if (n, e) == (next, end) => b,
            _ => {
                let b = fund.fund_balance().await?;
                self.balance = Some((next, end, b));
                b
            }
        };
        // Governance admits and removes members at any time: read at every poll.
        let members = Some(fund.members().await?);
        Ok(Some(FundLog { cursor: FundCursor { next, end, balance }, moves, epoch, members }))
    }
}

fn settlement(hash: [u8; 32], block: u64, gas_used: u64) -> L1Settlement {
    L1Settlement { l1_tx: hash, block, gas_used }
}

impl Settlement for ContractL1 {
    type Error = ContractL1Error;

    async fn operator_balance(&self) -> Result<Option<u128>, Self::Error> {
        let wei = self.client.balance(self.client.address()).await?;
        Ok(Some(u128::try_from(wei).unwrap_or(u128::MAX)))
    }

    async fn settled_batches(&self) -> Result<u64, Self::Error> {
        Ok(self.client.batch_count().await?)
    }

    async fn settlement_of(&self, batch: u64) -> Result<Option<SettlementReceipt>, Self::Error> {
        // The contract numbers batches from 1.
        let settled = self.client.settled_batches(batch + 1).await?;
        Ok(settled.into_iter().find(|b| b.number == batch + 1).map(|b| SettlementReceipt {
            batch,
            new_root: b.new_root,
            settlement: settlement(b.l1_tx.0, b.block, b.gas_used),
        }))
    }

    async fn submit_batch(
        &self,
        batch: &BatchRecord,
        credits: &[CreditProofRecord],
    ) -> Result<SettlementReceipt, Self::Error> {
        let bad = |reason: String| ContractL1Error::Batch { batch: batch.number, reason };
        let bytes = batch.proof.as_deref().ok_or_else(|| bad("not proven".into()))?;
        let proof = proof_from_bytes(bytes).map_err(|e| bad(format!("stored proof unreadable: {e}")))?;
        let submission = BatchSubmission {
            new_root: batch.new_root,
            deposits_consumed_after: batch.deposits_from + u64::from(batch.deposits),
            epoch: batch.epoch,
            tx_data: batch.tx_data.clone(),
            proof: proof_words(&proof),
            credits: CreditProofs::default(),
        };
        let mut submission = submission;
        for (k, c) in credits.iter().enumerate() {
            let p =
                proof_from_bytes(&c.proof).map_err(|e| bad(format!("credit proof {k} unreadable: {e}")))?;
            submission.credits.push(&p, &c.inputs, c.state_batch, c.bank_version);
        }
        let outcome = self.client.submit_batch(&submission).await?;
        Ok(SettlementReceipt {
            batch: batch.number,
            new_root: batch.new_root,
            settlement: settlement(outcome.hash.0, outcome.block, outcome.gas_used),
        })
    }
}
