//! The wallet's L1 operations through [`ccr_l1::client::L1Client`]: deposits, claims, forced
//! exits and the escape hatch. Library functions shared by the CLI and scripted devnets.

use std::path::Path;
use std::time::{Duration, Instant};

use alloy_primitives::{Address, U256};
use ark_bn254::Bn254;
use ark_groth16::VerifyingKey;
use ccr_circuits::state::RollupParams;
use ccr_l1::client::{L1Client, TxOutcome};
use ccr_l1::L1Error;
use ccr_rpc_api::wire::fr_to_hex;
use serde::Serialize;

use crate::audit::{self, AuditReport};
use crate::error::WalletError;
use crate::keys::WalletKeys;
use crate::ops::POLL_INTERVAL;
use crate::sequencer::SequencerClient;

/// An L1 client with the URL it talks to (for error messages).
#[derive(Debug, Clone)]
pub struct L1 {
    /// The client, signing with the wallet's L1 key.
    pub client: L1Client,
    /// The node's URL.
    pub url: String,
}

impl L1 {
    /// Connects to the rollup at `rollup` on the node at `url`, signing with the wallet's L1
    /// key; logs are read from `deploy_block` on.
    ///
    /// # Errors
    ///
    /// [`WalletError::L1`]: the node unreachable, no contract at `rollup`.
    pub async fn connect(
        url: &str,
        keys: &WalletKeys,
        rollup: Address,
        deploy_block: u64,
    ) -> Result<Self, WalletError> {
        let client = L1Client::connect(url, keys.l1.expose_b256(), rollup)
            .await
            .map_err(|source| WalletError::l1(url, source))?;
        Ok(Self { client: client.with_start_block(deploy_block), url: url.to_owned() })
    }

    /// Wraps an L1 error with this node's URL.
    pub fn err(&self, source: L1Error) -> WalletError {
        WalletError::l1(&self.url, source)
    }
}

/// The rollup's solidarity fund (`Rollup.fund()`: the `SolidarityFund` contract whose settled
/// tables' moves the fund slots carry out), `None` before `setFund`. The audit needs it to check
/// the fund slots against the moves the fund queued.
///
/// # Errors
///
/// [`WalletError::L1`] when L1 cannot be read.
pub async fn rollup_fund(l1: &L1) -> Result<Option<Address>, WalletError> {
    use alloy::network::TransactionBuilder;
    use alloy::providers::{Provider, ProviderBuilder};
    use alloy::rpc::types::TransactionRequest;
    use alloy::sol_types::SolCall;
    use ccr_verifier_contracts::bindings::Rollup;
    let url =
        l1.url.parse().map_err(|e| l1.err(L1Error::Url { url: l1.url.clone(), reason: format!("{e}") }))?;
    let http = ccr_l1::tls::http_client().map_err(|e| l1.err(e))?;
    let provider = ProviderBuilder::new().connect_reqwest(http, url);
    let tx = TransactionRequest::default()
        .with_to(l1.client.rollup())
        .with_input(Rollup::fundCall {}.abi_encode());
    let out = provider.call(tx).await.map_err(|e| l1.err(L1Error::Rpc(format!("Rollup.fund(): {e}"))))?;
    let fund = Rollup::fundCall::abi_decode_returns(&out)
        .map_err(|e| l1.err(L1Error::Data(format!("return data of Rollup.fund(): {e}"))))?;
    Ok((fund != Address::ZERO).then_some(fund))
}

/// An L1 transaction, as the wallet reports it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct L1Tx {
    /// Hash (`0x` hex).
    pub hash: String,
    /// Block.
    pub block: u64,
    /// Gas used.
    pub gas_used: u64,
}

impl From<TxOutcome> for L1Tx {
    fn from(o: TxOutcome) -> Self {
        Self { hash: format!("{:#x}", o.hash), block: o.block, gas_used: o.gas_used }
    }
}

/// What [`deposit`] did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Deposited {
    /// The account credited.
    pub index: u32,
    /// Whether the deposit created the account.
    pub created: bool,
    /// Amount in L2 units.
    pub amount: u64,
    /// Queue entries on L1 right after the deposit (the deposit is at a position below).
    pub queue_length: u64,
    /// The L1 transaction.
    pub l1_tx: L1Tx,
}

/// Deposits `amount` (L2 units) from the wallet's L1 address: `createAccount` with the
/// wallet's L2 key when `account` is `None`, else `deposit` to `account`.
///
/// # Errors
///
/// [`WalletError::L1`] with the contract's error (`ZeroDeposit`, `WrongValue`, `TreeFull`, ...).
pub async fn deposit(
    l1: &L1,
    keys: &WalletKeys,
    account: Option<u32>,
    amount: u64,
) -> Result<Deposited, WalletError> {
    let (index, created, outcome) = match account {
        None => {
            let (index, o) =
                l1.client.create_account(&keys.l2_public(), amount).await.map_err(|e| l1.err(e))?;
            (index, true, o)
        }
        Some(index) => (index, false, l1.client.deposit(index, amount).await.map_err(|e| l1.err(e))?),
    };
    let queue_length = l1.client.deposit_count().await.map_err(|e| l1.err(e))?;
    Ok(Deposited { index, created, amount, queue_length, l1_tx: outcome.into() })
}

/// Waits until the sequencer has ingested the L1 queue up to `queue_length` entries.
///
/// # Errors
///
/// [`WalletError::Timeout`], the sequencer's errors.
pub async fn wait_ingested(
    seq: &SequencerClient,
    queue_length: u64,
    timeout: Duration,
) -> Result<(), WalletError> {
    let start = Instant::now();
    loop {
        if seq.health().await?.deposits_seen >= queue_length {
            return Ok(());
        }
        if start.elapsed() >= timeout {
            return Err(WalletError::Timeout {
                what: format!("the sequencer to ingest L1 queue entry {}", queue_length.saturating_sub(1)),
                secs: timeout.as_secs(),
            });
        }
        tokio::time::sleep(POLL_INTERVAL).await;
    }
}

/// What [`claim`] paid.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Claimed {
    /// Amount paid, in the asset's base units (wei for ETH).
    pub amount: U256,
    /// The L1 transaction.
    pub l1_tx: L1Tx,
}

/// `Rollup.withdraw()`: pays the wallet's L1 address its pending withdrawals (settled exits).
///
/// # Errors
///
/// [`WalletError::L1`] (`NothingToWithdraw` when there is nothing to pay).
pub async fn claim(l1: &L1) -> Result<Claimed, WalletError> {
    let (amount, o) = l1.client.withdraw().await.map_err(|e| l1.err(e))?;
    Ok(Claimed { amount, l1_tx: o.into() })
}

/// The wallet's pending withdrawal on L1 (asset base units).
///
/// # Errors
///
/// [`WalletError::L1`].
pub async fn pending_withdrawal(l1: &L1) -> Result<U256, WalletError> {
    l1.client.pending_withdrawal(l1.client.address()).await.map_err(|e| l1.err(e))
}

/// `Rollup.forceExit(index, amount)`: an exit request through L1 that the sequencer must
/// include (or the escape hatch opens).
///
/// # Errors
///
/// [`WalletError::L1`] (`NotAccountOwner`, `AmountNotRepresentable`, `ExitModeActive`, ...).
pub async fn force_exit(l1: &L1, index: u32, amount: u64) -> Result<L1Tx, WalletError> {
    Ok(l1.client.force_exit(index, amount).await.map_err(|e| l1.err(e))?.into())
}

/// `Rollup.activateExitMode()`.
///
/// # Errors
///
/// [`WalletError::L1`] (`NothingOverdue`, `EscapeDelayNotOver`, `ExitModeActive`).
pub async fn activate_exit_mode(l1: &L1) -> Result<L1Tx, WalletError> {
    Ok(l1.client.activate_exit_mode().await.map_err(|e| l1.err(e))?.into())
}

/// What [`exit_mode_claim`] did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EscapeClaimed {
    /// The account.
    pub index: u32,
    /// Its balance in the last settled state.
    pub balance: u64,
    /// Its debt in the last settled state (a borrower's; 0 otherwise).
    pub debt: u64,
    /// What was credited to its L1 owner: the balance less what was netted.
    pub paid: u64,
    /// What was credited to the owner of its bank's pool against the debt: `min(balance, debt)`
    /// for a borrower, else 0.
    pub netted: u64,
    /// The audit that rebuilt the state.
    pub audit: AuditReport,
    /// The `exitWithProof` transaction.
    pub l1_tx: L1Tx,
}

/// The escape hatch: rebuilds the state from L1 alone (the full [`audit`]),
/// takes the Merkle proof of account `index` under the last settled root, and calls
/// `exitWithProof`. The balance is then credited to the account's L1 owner (`claim` pays it),
/// after a borrower's debt is netted: `min(balance, debt)` goes to its bank's pool owner.
///
/// # Errors
///
/// [`WalletError::Audit`] if L1's batches do not check out, [`WalletError::AccountNotFound`]
/// if the settled state has no account at `index`, [`WalletError::NotOurAccount`] if it holds
/// another L2 key, [`WalletError::L1`] (`ExitModeNotActive`, `AlreadyExited`, ...).
pub async fn exit_mode_claim(
    l1: &L1,
    keys: &WalletKeys,
    params: RollupParams,
    vk: &VerifyingKey<Bn254>,
    index: u32,
    progress: audit::Progress<'_>,
) -> Result<EscapeClaimed, WalletError> {
    let fund = rollup_fund(l1).await?;
    let (report, state) = audit::rebuild_with_fund(&l1.client, params, vk, fund, progress).await?;
    let account = state.account(index).cloned().ok_or(WalletError::AccountNotFound { index })?;
    if account.pubkey != keys.l2_public() {
        return Err(WalletError::NotOurAccount { index });
    }
    let proof = state.proof(index).map_err(|e| WalletError::Protocol {
        url: l1.url.clone(),
        reason: format!("no Merkle proof for account {index}: {e}"),
    })?;
    let o = l1.client.exit_with_proof(index, &account, &proof).await.map_err(|e| l1.err(e))?;
    let (paid, netted) = ccr_verifier_contracts::rollup::exit_payout(&account);
    Ok(EscapeClaimed {
        index,
        balance: account.balance,
        debt: account.debt,
        paid,
        netted,
        audit: report,
        l1_tx: o.into(),
    })
}

/// Reads the batch circuit's verifying key (a `ccr-prover` key file, a proving key file, or a
/// snarkjs `verification_key.json`).
///
/// # Errors
///
/// [`WalletError::VerifyingKey`].
pub fn load_verifying_key(path: &Path) -> Result<VerifyingKey<Bn254>, WalletError> {
    ccr_prover::bundle::load_verifying_key(path)
        .map(|k| k.vk)
        .map_err(|e| WalletError::VerifyingKey { path: path.to_path_buf(), reason: e.to_string() })
}

/// The settled root as hex, for reports.
pub async fn settled_root(l1: &L1) -> Result<String, WalletError> {
    Ok(fr_to_hex(&l1.client.state_root().await.map_err(|e| l1.err(e))?))
}
