//! The wallet's operations as library functions: the CLI calls them, and so can a devnet or a
//! test that scripts members' steps. L2 operations talk to the sequencer; L1 operations are in
//! [`crate::l1ops`].

use std::time::{Duration, Instant};

use ccr_circuits::babyjubjub::Point;
use ccr_circuits::state::tx::{SignedTx, UnsignedTx};
use ccr_circuits::state::Domain;
use ccr_rpc_api::api::{AccountInfo, TxId, TxReceipt, TxState, TxStatusInfo};
use ccr_rpc_api::wire::fr_to_hex;
use serde::Serialize;

use crate::error::WalletError;
use crate::keys::WalletKeys;
use crate::sequencer::SequencerClient;

/// How often waiting loops poll.
pub const POLL_INTERVAL: Duration = Duration::from_millis(200);

/// A transaction the sequencer accepted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Sent {
    /// Its hash (`0x` hex): the id for `status`.
    pub hash: String,
    /// Its sequence number in the sequencer's log.
    pub seq: u64,
    /// The nonce it carried.
    pub nonce: u32,
}

impl Sent {
    fn new(receipt: TxReceipt, nonce: u32) -> Self {
        Self { hash: receipt.hash, seq: receipt.seq, nonce }
    }
}

/// Signs a transfer of `amount` from account `from` to `to` with the wallet's L2 key.
///
/// # Errors
///
/// [`WalletError::Amount`] if `amount` has no exact Float40 encoding.
pub fn sign_transfer(
    keys: &WalletKeys,
    domain: &Domain,
    from: u32,
    to: u32,
    amount: u64,
    nonce: u32,
) -> Result<SignedTx, WalletError> {
    let u = UnsignedTx::transfer(from, to, amount, nonce).map_err(|_| WalletError::Amount { amount })?;
    Ok(u.with_signature(keys.l2.sign_poseidon(u.message(domain))))
}

/// Signs an L2 exit of `amount` from account `from`.
///
/// # Errors
///
/// [`WalletError::Amount`] if `amount` has no exact Float40 encoding.
pub fn sign_exit(
    keys: &WalletKeys,
    domain: &Domain,
    from: u32,
    amount: u64,
    nonce: u32,
) -> Result<SignedTx, WalletError> {
    let u = UnsignedTx::exit(from, amount, nonce).map_err(|_| WalletError::Amount { amount })?;
    Ok(u.with_signature(keys.l2.sign_poseidon(u.message(domain))))
}

/// Signs a repayment of `amount` from account `from` to the bank pool `pool`.
///
/// # Errors
///
/// [`WalletError::Amount`] if `amount` has no exact Float40 encoding.
pub fn sign_repay(
    keys: &WalletKeys,
    domain: &Domain,
    from: u32,
    pool: u32,
    amount: u64,
    nonce: u32,
) -> Result<SignedTx, WalletError> {
    let u = UnsignedTx::repay(from, pool, amount, nonce).map_err(|_| WalletError::Amount { amount })?;
    Ok(u.with_signature(keys.l2.sign_poseidon(u.message(domain))))
}

/// Whether the sequencer's account record holds `pubkey`.
pub fn holds_key(info: &AccountInfo, pubkey: &Point) -> bool {
    info.pubkey_x.eq_ignore_ascii_case(&fr_to_hex(&pubkey.x))
        && info.pubkey_y.eq_ignore_ascii_case(&fr_to_hex(&pubkey.y))
}

/// The account at `index`.
///
/// # Errors
///
/// [`WalletError::AccountNotFound`], and the sequencer's errors.
pub async fn account(seq: &SequencerClient, index: u32) -> Result<AccountInfo, WalletError> {
    seq.account(index).await?.ok_or(WalletError::AccountNotFound { index })
}

/// The account at `index`, checked to belong to the wallet's L2 key.
///
/// # Errors
///
/// [`WalletError::NotOurAccount`], [`WalletError::AccountNotFound`], the sequencer's errors.
pub async fn own_account(
    seq: &SequencerClient,
    keys: &WalletKeys,
    index: u32,
) -> Result<AccountInfo, WalletError> {
    let info = account(seq, index).await?;
    if holds_key(&info, &keys.l2_public()) {
        Ok(info)
    } else {
        Err(WalletError::NotOurAccount { index })
    }
}

/// Looks for an account holding the wallet's L2 key among the sequencer's accounts (indices
/// `0..=accounts` of `ccr_health`): for a wallet that lost its state file.
///
/// # Errors
///
/// The sequencer's errors.
pub async fn find_account(seq: &SequencerClient, keys: &WalletKeys) -> Result<Option<u32>, WalletError> {
    let count = seq.health().await?.accounts;
    let pubkey = keys.l2_public();
    for index in 0..=u32::try_from(count).unwrap_or(u32::MAX) {
        if let Some(info) = seq.account(index).await? {
            if holds_key(&info, &pubkey) {
                return Ok(Some(index));
            }
        }
    }
    Ok(None)
}

/// Transfers `amount` from the wallet's account `from` to account `to`: reads the pending
/// nonce, signs, submits.
///
/// # Errors
///
/// [`WalletError::Amount`], [`WalletError::NotOurAccount`], [`WalletError::Rejected`] with the
/// sequencer's code (`insufficient_balance`, `unknown_account`, `nonce_too_low`, ...).
pub async fn transfer(
    seq: &SequencerClient,
    keys: &WalletKeys,
    domain: &Domain,
    from: u32,
    to: u32,
    amount: u64,
) -> Result<Sent, WalletError> {
    // Checked before any request: a typo'd amount should not need a running node to be caught.
    UnsignedTx::transfer(from, to, amount, 0).map_err(|_| WalletError::Amount { amount })?;
    let nonce = own_account(seq, keys, from).await?.pending_nonce;
    let tx = sign_transfer(keys, domain, from, to, amount, nonce)?;
    Ok(Sent::new(seq.send(&tx).await?, nonce))
}

/// Exits `amount` from the wallet's account `from` (L2 side; the amount becomes claimable on
/// L1 once the batch settles: `claim`).
///
/// # Errors
///
/// As [`transfer`].
pub async fn exit(
    seq: &SequencerClient,
    keys: &WalletKeys,
    domain: &Domain,
    from: u32,
    amount: u64,
) -> Result<Sent, WalletError> {
    UnsignedTx::exit(from, amount, 0).map_err(|_| WalletError::Amount { amount })?;
    let nonce = own_account(seq, keys, from).await?.pending_nonce;
    let tx = sign_exit(keys, domain, from, amount, nonce)?;
    Ok(Sent::new(seq.send(&tx).await?, nonce))
}

/// Repays `amount` of the loan of the wallet's account `from` to its bank's pool (`pool`, or
/// the bank the account owes when `None`).
///
/// # Errors
///
/// [`WalletError::Config`] when the account has no loan and no pool is given; as
/// [`transfer`], with the loan rules' `invalid_transaction` (a repayment above the debt, to
/// another pool).
pub async fn repay(
    seq: &SequencerClient,
    keys: &WalletKeys,
    domain: &Domain,
    from: u32,
    pool: Option<u32>,
    amount: u64,
) -> Result<(Sent, u32), WalletError> {
    UnsignedTx::repay(from, pool.unwrap_or(0), amount, 0).map_err(|_| WalletError::Amount { amount })?;
    let info = own_account(seq, keys, from).await?;
    let pool = match pool {
        Some(p) => p,
        None if info.loan.is_some() && info.bank.is_some() => info.bank.unwrap_or_default(),
        None => {
            return Err(WalletError::Config(format!(
                "account {from} has no open loan: nothing to repay (pass --bank to repay a written-down loan)"
            )))
        }
    };
    let tx = sign_repay(keys, domain, from, pool, amount, info.pending_nonce)?;
    Ok((Sent::new(seq.send(&tx).await?, info.pending_nonce), pool))
}

/// Parses a transaction id: a `0x` hash or a decimal sequence number.
///
/// # Errors
///
/// [`WalletError::Config`] for anything else.
pub fn parse_tx_id(id: &str) -> Result<TxId, WalletError> {
    if let Some(digits) = id.strip_prefix("0x") {
        if digits.len() == 64 && digits.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Ok(TxId::Hash(id.to_ascii_lowercase()));
        }
    } else if let Ok(seq) = id.parse::<u64>() {
        return Ok(TxId::Seq(seq));
    }
    Err(WalletError::Config(format!(
        "{id:?} is not a transaction id: give the 0x hash `transfer` printed (64 hex digits) or a sequence number"
    )))
}

/// The status of a transaction.
///
/// # Errors
///
/// [`WalletError::TxNotFound`], the sequencer's errors.
pub async fn status(seq: &SequencerClient, id: &str) -> Result<TxStatusInfo, WalletError> {
    seq.status(parse_tx_id(id)?).await?.ok_or_else(|| WalletError::TxNotFound { id: id.to_owned() })
}

/// How far `--wait` waits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum WaitTarget {
    /// In a proven batch (or further).
    Proven,
    /// In a batch settled on L1.
    Settled,
}

impl WaitTarget {
    fn reached(self, state: TxState) -> bool {
        match self {
            Self::Proven => matches!(state, TxState::Proven | TxState::Settled),
            Self::Settled => state == TxState::Settled,
        }
    }
}

/// Waits until the transaction `hash` reaches `target`, calling `progress` on each status
/// change.
///
/// # Errors
///
/// [`WalletError::Dropped`] if the sequencer drops it, [`WalletError::Timeout`] after `timeout`.
pub async fn wait_for(
    seq: &SequencerClient,
    hash: &str,
    target: WaitTarget,
    timeout: Duration,
    progress: &mut dyn FnMut(&TxStatusInfo),
) -> Result<TxStatusInfo, WalletError> {
    let start = Instant::now();
    let mut last: Option<TxState> = None;
    loop {
        let st = status(seq, hash).await?;
        if last != Some(st.status) {
            progress(&st);
            last = Some(st.status);
        }
        if target.reached(st.status) {
            return Ok(st);
        }
        if st.status == TxState::Rejected {
            return Err(WalletError::Dropped {
                hash: hash.to_owned(),
                reason: st.reason.unwrap_or_else(|| "no reason given".into()),
            });
        }
        if start.elapsed() >= timeout {
            let what = match target {
                WaitTarget::Proven => "proven",
                WaitTarget::Settled => "settled on L1",
            };
            return Err(WalletError::Timeout {
                what: format!("{hash} to be {what}"),
                secs: timeout.as_secs(),
            });
        }
        tokio::time::sleep(POLL_INTERVAL).await;
    }
}
