//! The sequencer's JSON-RPC API as the wallet uses it: the generated [`CcrApiClient`] over a
//! jsonrpsee HTTP client, with errors turned into [`WalletError`]s that name the URL or the
//! API's error code and label.

use std::time::Duration;

use ccr_circuits::state::tx::SignedTx;
use ccr_rpc_api::api::{
    AccountInfo, BatchInfo, CreditContext, EligibilityProofFile, Health, TxId, TxInput, TxReceipt,
    TxStatusInfo, UpkeepInput,
};
use ccr_rpc_api::bank_files::BankFileChunk;
use ccr_rpc_api::health::{BankHealth, FundView, HealthReportInput, HealthReportReceipt};
use ccr_rpc_api::wire::{encode_signed, to_hex};
use ccr_rpc_api::{CcrApiClient, ErrorCode};
use jsonrpsee::core::client::Error as ClientError;
use jsonrpsee_http_client::{HttpClient, HttpClientBuilder};

use crate::error::WalletError;

/// A client of one sequencer.
#[derive(Debug, Clone)]
pub struct SequencerClient {
    url: String,
    client: HttpClient,
}

impl SequencerClient {
    /// A client of the sequencer at `url` (`http://host:port`); requests time out after 30 s.
    ///
    /// # Errors
    ///
    /// [`WalletError::Config`] for a URL the client cannot use.
    pub fn new(url: &str) -> Result<Self, WalletError> {
        let client = HttpClientBuilder::default()
            .request_timeout(Duration::from_secs(30))
            .build(url)
            .map_err(|e| WalletError::Config(format!("sequencer URL {url:?}: {e}")))?;
        Ok(Self { url: url.to_owned(), client })
    }

    /// The URL.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The JSON-RPC client, for methods the generated client does not have.
    pub fn raw(&self) -> &HttpClient {
        &self.client
    }

    /// The wallet's error for a failed call.
    pub fn map_err(&self, e: ClientError) -> WalletError {
        match e {
            ClientError::Call(obj) => {
                let code = obj.code();
                WalletError::Rejected {
                    code,
                    label: ErrorCode::from_code(code).map_or("unknown", ErrorCode::label),
                    message: obj.message().to_owned(),
                    data: obj.data().map(|d| d.get().to_owned()),
                }
            }
            ClientError::Transport(e) => {
                WalletError::SequencerUnreachable { url: self.url.clone(), reason: e.to_string() }
            }
            ClientError::RequestTimeout => WalletError::SequencerUnreachable {
                url: self.url.clone(),
                reason: "request timed out".into(),
            },
            other => WalletError::Protocol { url: self.url.clone(), reason: other.to_string() },
        }
    }

    /// `ccr_getAccount`.
    ///
    /// # Errors
    ///
    /// [`WalletError::SequencerUnreachable`], [`WalletError::Rejected`], [`WalletError::Protocol`].
    pub async fn account(&self, index: u32) -> Result<Option<AccountInfo>, WalletError> {
        self.client.get_account(index).await.map_err(|e| self.map_err(e))
    }

    /// `ccr_sendTransaction` with the 80-byte wire encoding.
    ///
    /// # Errors
    ///
    /// As [`Self::account`]; [`WalletError::Rejected`] carries the API's code and label
    /// (`nonce_too_low`, `insufficient_balance`, ...).
    pub async fn send(&self, tx: &SignedTx) -> Result<TxReceipt, WalletError> {
        let input = TxInput::Hex(to_hex(&encode_signed(tx)));
        self.client.send_transaction(input).await.map_err(|e| self.map_err(e))
    }

    /// `ccr_sendCredit`: a credit with its eligibility proof.
    ///
    /// # Errors
    ///
    /// As [`Self::account`]; [`WalletError::Rejected`] with `invalid_credit`,
    /// `nullifier_used` or a loan rule's `invalid_transaction`.
    pub async fn send_credit(&self, proof: &EligibilityProofFile) -> Result<TxReceipt, WalletError> {
        self.client.send_credit(proof.clone()).await.map_err(|e| self.map_err(e))
    }

    /// `ccr_sendUpkeep`: a loan's accrual or writedown.
    ///
    /// # Errors
    ///
    /// As [`Self::send_credit`].
    pub async fn send_upkeep(&self, kind: &str, borrower: u32, bank: u32) -> Result<TxReceipt, WalletError> {
        let u = UpkeepInput { kind: kind.to_owned(), borrower, bank };
        self.client.send_upkeep(u).await.map_err(|e| self.map_err(e))
    }

    /// `ccr_getCreditContext`: the epoch, L1's time and the account's proof under the sealed
    /// root (`None`: no account there in a sealed batch yet).
    ///
    /// # Errors
    ///
    /// As [`Self::account`].
    pub async fn credit_context(&self, index: u32) -> Result<Option<CreditContext>, WalletError> {
        self.client.get_credit_context(index).await.map_err(|e| self.map_err(e))
    }

    /// `ccr_getTransactionStatus`.
    ///
    /// # Errors
    ///
    /// As [`Self::account`].
    pub async fn status(&self, id: TxId) -> Result<Option<TxStatusInfo>, WalletError> {
        self.client.get_transaction_status(id).await.map_err(|e| self.map_err(e))
    }

    /// `ccr_getBatch`.
    ///
    /// # Errors
    ///
    /// As [`Self::account`].
    pub async fn batch(&self, n: u64) -> Result<Option<BatchInfo>, WalletError> {
        self.client.get_batch(n).await.map_err(|e| self.map_err(e))
    }

    /// `ccr_getBankFile`: a chunk of a bank's published file (`None`: the sequencer does not
    /// mirror it).
    ///
    /// # Errors
    ///
    /// As [`Self::account`].
    pub async fn bank_file(&self, name: &str, offset: u64) -> Result<Option<BankFileChunk>, WalletError> {
        self.client.get_bank_file(name.to_owned(), offset).await.map_err(|e| self.map_err(e))
    }

    /// `ccr_sendHealthReport`: an attester's signed indicator report.
    ///
    /// # Errors
    ///
    /// As [`Self::account`]; [`WalletError::Rejected`] with `unregistered_attester`,
    /// `bad_signature`, `stale_health_report`, `duplicate_health_report` or
    /// `unknown_bioregion`.
    pub async fn send_health_report(
        &self,
        report: &HealthReportInput,
    ) -> Result<HealthReportReceipt, WalletError> {
        self.client.send_health_report(report.clone()).await.map_err(|e| self.map_err(e))
    }

    /// `ccr_getHealth`: bank `pool`'s health (`None`: it has no bioregion).
    ///
    /// # Errors
    ///
    /// As [`Self::account`].
    pub async fn bank_health(
        &self,
        pool: u32,
        epoch: Option<u32>,
    ) -> Result<Option<BankHealth>, WalletError> {
        self.client.get_health(pool, epoch).await.map_err(|e| self.map_err(e))
    }

    /// `ccr_getFund`: the fund's native table of `epoch` (`table` is `None` when it lapses) and
    /// the moves of the last settled table as the sequencer carries them out.
    ///
    /// # Errors
    ///
    /// As [`Self::account`].
    pub async fn fund(&self, epoch: Option<u32>) -> Result<FundView, WalletError> {
        self.client.get_fund(epoch).await.map_err(|e| self.map_err(e))
    }

    /// `ccr_health`.
    ///
    /// # Errors
    ///
    /// As [`Self::account`].
    pub async fn health(&self) -> Result<Health, WalletError> {
        self.client.health().await.map_err(|e| self.map_err(e))
    }
}
