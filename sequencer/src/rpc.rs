//! The JSON-RPC server: [`CcrApiServer`] over the [`Sequencer`], and the conversion of
//! [`SequencerError`] to JSON-RPC error objects (codes from [`SequencerError::code`]).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use alloy_primitives::U256;
use ark_bn254::Fr;
use ccr_circuits::babyjubjub::Point;
use ccr_circuits::credit::AccountLeaf;
use ccr_circuits::state::loan::{Loan, LoanTerms};
use ccr_circuits::state::tx::{CreditTx, LoanUpkeep, TxKind};
use ccr_circuits::vote::cipher::is_valid_public_key;
use ccr_circuits::vote::Message;
use ccr_l1::client::L1Client;
use ccr_l1::poll::PollClient;
use ccr_l1::L1Error;
use ccr_prover::eligibility::verify_eligibility;
use ccr_rpc_api::bank_files::{parse_bank_file_name, BankFileChunk, BANK_FILE_CHUNK};
use ccr_rpc_api::health::{BankHealth, FundView, HealthReportInput, HealthReportReceipt};
use ccr_verifier_contracts::bindings::Poll::PollErrors;
use ccr_verifier_contracts::poll::{PollInfo, PollPhase};
use ccr_verifier_contracts::rollup::u256_to_fr;
use jsonrpsee::core::{async_trait, RpcResult};
use jsonrpsee::server::{Server, ServerHandle};
use jsonrpsee::types::ErrorObjectOwned;
use tracing::{debug, warn};

use crate::api::{
    AccountInfo, AccountProofFile, BatchInfo, BatchState, CcrApiServer, CreditContext, DecU64,
    EligibilityProofFile, ErrorCode, Health, LoanInfo, PollView, TxId, TxInput, TxReceipt, TxState,
    TxStatusInfo, UpkeepInput, VoteInput, VoteReceipt, ELIGIBILITY_MAX_AGE, MAX_CREDIT_PROOF_AGE,
};
use crate::error::SequencerError;
use crate::health_reports::{HealthBook, HealthConfig};
use crate::metrics as m;
use crate::records::{BatchRecord, CreditProofRecord, TxRecord, TxStatus};
use crate::sequencer::{AccountView, CreditSubmission, Sequencer};
use crate::vote_relay::{VoteRelayLimiter, VoteRelayLimits};
use crate::wire::{decode_signed, fr_to_hex, from_hex, signed_from_fields, to_hex, WireError};

impl From<SequencerError> for ErrorObjectOwned {
    fn from(e: SequencerError) -> Self {
        let code = e.code();
        if code == ErrorCode::Internal {
            warn!(target: "sequencer::rpc", error = %e, "internal error");
        }
        ErrorObjectOwned::owned(code.code(), e.client_message(), e.data())
    }
}

/// The API implementation.
#[derive(Debug, Clone)]
pub struct RpcServer {
    seq: Arc<Sequencer>,
    proving: bool,
    insecure_dev_keys: bool,
    l1: Option<L1Client>,
    poll: Option<PollClient>,
    relay: VoteRelayLimiter,
    bank_files: Option<PathBuf>,
    health: Arc<HealthBook>,
}

impl RpcServer {
    /// An API over `seq`; `proving` and `insecure_dev_keys` are reported by `ccr_health`.
    pub fn new(seq: Arc<Sequencer>, proving: bool, insecure_dev_keys: bool) -> Self {
        let relay = VoteRelayLimiter::new(VoteRelayLimits::default());
        let health = Arc::new(HealthBook::new(HealthConfig::default()));
        Self { seq, proving, insecure_dev_keys, l1: None, poll: None, relay, bank_files: None, health }
    }

    /// Takes health reports and serves scores under the network's health configuration
    /// (without it: no attester, so every report is refused, and no bank has a bioregion).
    pub fn with_health(self, config: HealthConfig) -> Self {
        Self { health: Arc::new(HealthBook::new(config)), ..self }
    }

    /// Mirrors the banks' published files in `dir` (`ccr_getBankFile`): only well-formed bank
    /// file names ([`ccr_rpc_api::bank_files`]) are served, straight from the directory, so
    /// files published while the node runs are served at once.
    pub fn with_bank_files(self, dir: PathBuf) -> Self {
        Self { bank_files: Some(dir), ..self }
    }

    /// Relays votes to the poll contract of `poll` (`ccr_sendVote`, `ccr_getPoll`): without
    /// it, both refuse with `-32017`. Build it from the same [`L1Client`] as the settlement's
    /// (a clone), so that the two share its send lock and never race for a nonce. `limits`
    /// bound what the relay spends (see [`crate::vote_relay`]).
    pub fn with_poll(self, poll: PollClient, limits: VoteRelayLimits) -> Self {
        Self { poll: Some(poll), relay: VoteRelayLimiter::new(limits), ..self }
    }

    fn poll_client(&self) -> Result<&PollClient, SequencerError> {
        self.poll.as_ref().ok_or_else(|| {
            SequencerError::VoteRelay(if self.l1.is_none() {
                "this node has no L1, so it relays no votes".into()
            } else {
                "this node has no poll contract: start it with --l1-poll-contract ADDRESS".into()
            })
        })
    }

    /// The vote's message, checked as the poll contract checks it.
    fn vote_message(vote: &VoteInput) -> Result<Message, SequencerError> {
        let bad = SequencerError::MalformedVote;
        if vote.data.len() != ccr_circuits::vote::message::MESSAGE_LEN {
            return Err(bad(format!(
                "a message has {} elements, got {}",
                ccr_circuits::vote::message::MESSAGE_LEN,
                vote.data.len()
            )));
        }
        let mut data = [Fr::from(0u64); ccr_circuits::vote::message::MESSAGE_LEN];
        for (k, (d, s)) in data.iter_mut().zip(&vote.data).enumerate() {
            *d = vote_element(&format!("data[{k}]"), s)?;
        }
        let enc_pubkey = Point::new_unchecked(
            vote_element("encPubKey[0]", &vote.enc_pub_key[0])?,
            vote_element("encPubKey[1]", &vote.enc_pub_key[1])?,
        );
        if !is_valid_public_key(&enc_pubkey) {
            return Err(bad(
                "encPubKey is not a Baby Jubjub public key of the prime-order subgroup: the coordinator could not read the message"
                    .into(),
            ));
        }
        Ok(Message { data, enc_pubkey })
    }

    /// Poll `id` if it accepts a vote now; L1's latest block time.
    async fn open_poll(&self, pc: &PollClient, id: u64) -> Result<(PollInfo, u64), SequencerError> {
        let info = pc.poll(id).await.map_err(relay_error)?.ok_or(SequencerError::UnknownPoll(id))?;
        let now = pc.l1().latest_timestamp().await.map_err(relay_error)?;
        if info.phase != PollPhase::Open {
            return Err(SequencerError::VotingClosed {
                poll: id,
                reason: format!("it is closed (phase {})", phase_name(info.phase)),
            });
        }
        if info.deadline < now {
            return Err(SequencerError::VotingClosed {
                poll: id,
                reason: format!("its deadline {} is before L1's time {now}", info.deadline),
            });
        }
        Ok((info, now))
    }

    /// Checks credits against the rollup contract of `l1` (banks, nullifiers, L1's clock):
    /// without it, `ccr_sendCredit` refuses every credit.
    pub fn with_l1(self, l1: L1Client) -> Self {
        Self { l1: Some(l1), ..self }
    }

    /// The credit of an eligibility proof file, checked as L1 will check it at settlement
    /// (except the state root, which [`Sequencer::submit_credit`] checks against its batches),
    /// under the bank's current parameters (the latest version, which the credit record keeps
    /// for settlement). Nothing checked here can change before settlement: the version is fixed
    /// and L1 accepts it if it was in force during the credit's epoch (it came into force
    /// before the epoch's end, checked here; a later version comes after L1's time now, which
    /// is in or after the epoch, checked here); the proof's time is checked against the epoch's
    /// start; the nullifier is spent only by this rollup's own batches. Whether the borrower
    /// may borrow (a pool never does) is the loan rule's, checked against the pending state.
    async fn check_credit(&self, file: EligibilityProofFile) -> Result<CreditSubmission, SequencerError> {
        let credit = |m: String| SequencerError::Credit(m);
        let (st, proof) = file.parts().map_err(|e| credit(format!("malformed proof file: {e}")))?;
        let l1 = self.l1.as_ref().ok_or_else(|| {
            credit("this node has no L1: credits are checked against the banks registered there".into())
        })?;
        let fits = |what: &str, x: u64, bits: u32| {
            if x >> bits == 0 {
                Ok(())
            } else {
                Err(credit(format!("the statement's {what} {x} does not fit {bits} bits")))
            }
        };
        fits("bank", st.bank, 24)?;
        fits("account", st.account, 24)?;
        fits("epoch", st.epoch, 31)?;
        fits("rate", u64::from(st.rate_bps), 16)?;
        fits("term", u64::from(st.term_months), 8)?;
        let pool = st.bank as u32;
        let l1_err = |e: ccr_l1::L1Error| credit(format!("reading L1: {e}"));
        let bank = l1
            .bank(pool)
            .await
            .map_err(l1_err)?
            .ok_or_else(|| credit(format!("account {pool} is not a bank registered on L1")))?;
        if st.policy_hash != bank.policy_hash {
            return Err(credit(format!(
                "the proof is for policy {}, bank {pool}'s registered policy is {}: prove again with the bank's current policy",
                st.policy_hash, bank.policy_hash
            )));
        }
        if st.registry_root != bank.registry_root {
            return Err(credit(format!(
                "the proof's attester registry root {} is not bank {pool}'s current {}: fetch the bank's registry and prove again",
                st.registry_root, bank.registry_root
            )));
        }
        let now = l1.latest_timestamp().await.map_err(l1_err)?;
        if st.now > now || now - st.now > MAX_CREDIT_PROOF_AGE {
            return Err(credit(format!(
                "the proof's time {} is not within the {MAX_CREDIT_PROOF_AGE} s before L1's time {now}: prove again",
                st.now
            )));
        }
        let clock = l1.epoch_clock().await.map_err(l1_err)?;
        let start = clock.start(st.epoch as u32);
        if now < start || bank.since >= start.saturating_add(clock.epoch_seconds) {
            return Err(credit(format!(
                "the proof is for epoch {}, which is not L1's current epoch or not one bank {pool}'s current parameters (since {}) were in force in: prove again for the current epoch",
                st.epoch, bank.since
            )));
        }
        if st.now.saturating_add(ELIGIBILITY_MAX_AGE) < start {
            return Err(credit(format!(
                "the proof's time {} is more than {ELIGIBILITY_MAX_AGE} s before its epoch's start {start}: prove again",
                st.now
            )));
        }
        let vk = bank.vk;
        let inputs = st.public_inputs();
        let valid = tokio::task::spawn_blocking(move || verify_eligibility(&vk, &st, &proof))
            .await
            .map_err(|e| SequencerError::Halted(format!("verification task failed: {e}")))?
            .map_err(|e| credit(format!("the proof does not fit bank {pool}'s key: {e}")))?;
        if !valid {
            return Err(credit(format!("the eligibility proof does not verify under bank {pool}'s key")));
        }
        if l1.nullifier_used(st.nullifier).await.map_err(l1_err)? {
            return Err(SequencerError::NullifierUsed(fr_to_hex(&st.nullifier)));
        }
        let bytes = from_hex(&file.proof).map_err(SequencerError::from)?;
        Ok(CreditSubmission {
            tx: CreditTx {
                borrower: st.account as u32,
                bank: pool,
                amount: st.amount,
                terms: LoanTerms {
                    rate_bps: st.rate_bps as u16,
                    term_epochs: st.term_months as u8,
                    max_amount: st.max_amount,
                },
            },
            epoch: st.epoch as u32,
            state_root: st.state_root,
            proof: CreditProofRecord { state_batch: 0, bank_version: bank.version, proof: bytes, inputs },
        })
    }

    /// Binds `addr` and serves the API; returns the bound address and the server's handle.
    pub async fn start(self, addr: SocketAddr) -> std::io::Result<(SocketAddr, ServerHandle)> {
        let server = Server::builder().build(addr).await?;
        let bound = server.local_addr()?;
        Ok((bound, server.start(self.into_rpc())))
    }

    async fn blocking<T, F>(&self, f: F) -> Result<T, SequencerError>
    where
        T: Send + 'static,
        F: FnOnce(&Sequencer) -> Result<T, SequencerError> + Send + 'static,
    {
        let seq = self.seq.clone();
        tokio::task::spawn_blocking(move || f(&seq))
            .await
            .map_err(|e| SequencerError::Halted(format!("request task failed: {e}")))?
    }
}

/// A field element of a vote: a decimal (or `0x` hex) number below the field's order.
fn vote_element(what: &str, s: &str) -> Result<Fr, SequencerError> {
    let bad = SequencerError::MalformedVote;
    let t = s.trim();
    let parsed = match t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")) {
        Some(h) if !h.is_empty() => U256::from_str_radix(h, 16),
        None if !t.is_empty() => U256::from_str_radix(t, 10),
        _ => return Err(bad(format!("{what} is empty"))),
    };
    let x = parsed.map_err(|_| bad(format!("{what} {s:?} is not a decimal (or 0x hex) number")))?;
    u256_to_fr(x).map_err(|_| {
        bad(format!("{what} {x} is not canonical: field elements are below the BN254 scalar field's order"))
    })
}

/// The error of a failed poll read or relay: the contract's refusal by its meaning, anything
/// else a relay failure.
fn relay_error(e: L1Error) -> SequencerError {
    match e.poll_error() {
        Some(PollErrors::UnknownPoll(u)) => SequencerError::UnknownPoll(u.pollId.saturating_to()),
        Some(PollErrors::VotingClosed(c)) => SequencerError::VotingClosed {
            poll: c.pollId.saturating_to(),
            reason: format!("its deadline {} is before L1's time {}", c.deadline, c.blockTime),
        },
        Some(PollErrors::NonCanonical(_) | PollErrors::InvalidPublicKey(_)) => {
            SequencerError::MalformedVote(format!("the poll contract refused it: {e}"))
        }
        _ => SequencerError::VoteRelay(format!("L1: {e}")),
    }
}

fn phase_name(phase: PollPhase) -> &'static str {
    match phase {
        PollPhase::None => "none",
        PollPhase::Open => "open",
        PollPhase::Processing => "processing",
        PollPhase::Tallying => "tallying",
        PollPhase::Tallied => "tallied",
        PollPhase::Published => "published",
    }
}

fn poll_view(poll: u64, p: &PollInfo, l1_time: u64) -> PollView {
    PollView {
        poll,
        pool: p.pool,
        phase: phase_name(p.phase).to_owned(),
        accepting_votes: p.phase == PollPhase::Open && p.deadline >= l1_time,
        options: p.options,
        voters: p.voters,
        deadline: p.deadline,
        l1_time,
        voice_credits: DecU64(p.voice_credits),
        messages: p.messages,
        batches: p.batches,
        next_process_batch: p.next_process_batch,
        next_tally_batch: p.next_tally_batch,
        coordinator: [fr_to_hex(&p.coordinator.x), fr_to_hex(&p.coordinator.y)],
        coordinator_hash: fr_to_hex(&p.coordinator_hash),
        chain: fr_to_hex(&p.chain),
        sb: fr_to_hex(&p.sb),
        tally: fr_to_hex(&p.tally),
        proposal: to_hex(p.proposal.as_slice()),
    }
}

/// Decodes the hex or JSON form of a signed transaction.
pub fn decode_input(tx: &TxInput) -> Result<ccr_circuits::state::tx::SignedTx, WireError> {
    match tx {
        TxInput::Hex(h) => decode_signed(&from_hex(h)?),
        TxInput::Json(j) => signed_from_fields(&j.kind, j.from, j.to, j.amount.0, j.nonce, &j.signature),
    }
}

fn parse_hash(h: &str) -> Result<[u8; 32], WireError> {
    let bytes = from_hex(h)?;
    let got = bytes.len();
    bytes.try_into().map_err(|_| WireError::Length { what: "a transaction hash", expected: 32, got })
}

fn account_info(v: AccountView) -> AccountInfo {
    AccountInfo {
        index: v.index,
        pubkey_x: fr_to_hex(&v.pending.pubkey.x),
        pubkey_y: fr_to_hex(&v.pending.pubkey.y),
        balance: DecU64(v.sealed.as_ref().map_or(0, |a| a.balance)),
        nonce: v.sealed.as_ref().map_or(0, |a| a.nonce),
        sealed: v.sealed.is_some(),
        pending_balance: DecU64(v.pending.balance),
        pending_nonce: v.pending.nonce,
        bank: v.pending.lender(),
        pool: v.pending.is_pool(),
        debt: DecU64(v.pending.debt),
        loan: Loan::unpack(&v.pending.loan).filter(|_| v.pending.loan != ark_bn254::Fr::from(0u64)).map(
            |l| LoanInfo {
                rate_bps: l.rate_bps,
                due_epoch: l.due_epoch,
                accrued_epoch: l.accrued_epoch,
                written_down: l.written_down,
                purpose: v.loan_purpose.and_then(ccr_circuits::credit::purpose_name).map(String::from),
            },
        ),
    }
}

fn batch_info(b: BatchRecord) -> BatchInfo {
    BatchInfo {
        number: b.number,
        state: match (&b.proof, &b.settlement) {
            (_, Some(_)) => BatchState::Settled,
            (Some(_), None) => BatchState::Proven,
            (None, None) => BatchState::Sealed,
        },
        old_root: fr_to_hex(&b.old_root),
        new_root: fr_to_hex(&b.new_root),
        queue_before: fr_to_hex(&b.queue_before),
        queue_after: fr_to_hex(&b.queue_after),
        epoch: b.epoch,
        deposits_from: b.deposits_from,
        deposits: b.deposits,
        txs: b.seqs,
        tx_data: to_hex(&b.tx_data),
        commitment: fr_to_hex(&b.commitment),
        proof: b.proof.as_deref().map(to_hex),
        l1_tx: b.settlement.map(|s| to_hex(&s.l1_tx)),
        l1_block: b.settlement.map(|s| s.block),
        l1_gas_used: b.settlement.map(|s| s.gas_used),
    }
}

fn status_info(seq: &Sequencer, n: u64, rec: TxRecord) -> Result<TxStatusInfo, SequencerError> {
    let (status, batch, reason) = match rec.status {
        TxStatus::Pending => (TxState::Pending, None, None),
        TxStatus::InBatch(b) => {
            let state = match seq.batch(b)? {
                Some(r) if r.settlement.is_some() => TxState::Settled,
                Some(r) if r.proof.is_some() => TxState::Proven,
                _ => TxState::InBatch,
            };
            (state, Some(b), None)
        }
        TxStatus::Rejected(r) => (TxState::Rejected, None, Some(r)),
    };
    Ok(TxStatusInfo {
        seq: n,
        hash: to_hex(&rec.hash),
        kind: rec.tx.name().to_owned(),
        status,
        batch,
        reason,
    })
}

#[async_trait]
impl CcrApiServer for RpcServer {
    async fn send_transaction(&self, tx: TxInput) -> RpcResult<TxReceipt> {
        let signed = match decode_input(&tx) {
            Ok(s) => s,
            Err(e) => {
                let e = SequencerError::from(e);
                metrics::counter!(m::TXS_REJECTED, "reason" => e.code().label()).increment(1);
                debug!(target: "sequencer::rpc", error = %e, "transaction rejected");
                return Err(e.into());
            }
        };
        let accepted = self.blocking(move |s| s.submit(signed)).await.map_err(|e| {
            debug!(target: "sequencer::rpc", error = %e, code = e.code().code(), "transaction rejected");
            e
        })?;
        Ok(TxReceipt { seq: accepted.seq, hash: to_hex(&accepted.hash) })
    }

    async fn send_credit(&self, proof: EligibilityProofFile) -> RpcResult<TxReceipt> {
        let reject = |e: SequencerError| {
            metrics::counter!(m::TXS_REJECTED, "reason" => e.code().label()).increment(1);
            debug!(target: "sequencer::rpc", error = %e, "credit rejected");
            e
        };
        let credit = self.check_credit(proof).await.map_err(reject)?;
        let (borrower, bank, amount) = (credit.tx.borrower, credit.tx.bank, credit.tx.amount);
        let accepted = self.blocking(move |s| s.submit_credit(credit)).await.map_err(|e| {
            debug!(target: "sequencer::rpc", error = %e, code = e.code().code(), "credit rejected");
            e
        })?;
        tracing::info!(target: "sequencer::rpc", seq = accepted.seq, borrower, bank, amount, "credit accepted");
        Ok(TxReceipt { seq: accepted.seq, hash: to_hex(&accepted.hash) })
    }

    async fn send_upkeep(&self, upkeep: UpkeepInput) -> RpcResult<TxReceipt> {
        let kind = match upkeep.kind.as_str() {
            "accrue" => TxKind::Accrue,
            "writedown" => TxKind::Writedown,
            other => {
                return Err(SequencerError::from(WireError::KindName(format!(
                    "{other} (an upkeep is \"accrue\" or \"writedown\")"
                )))
                .into())
            }
        };
        let u = LoanUpkeep { kind, borrower: upkeep.borrower, bank: upkeep.bank };
        let accepted = self.blocking(move |s| s.submit_upkeep(u)).await?;
        Ok(TxReceipt { seq: accepted.seq, hash: to_hex(&accepted.hash) })
    }

    async fn get_credit_context(&self, index: u32) -> RpcResult<Option<CreditContext>> {
        let Some(a) = self.blocking(move |s| s.sealed_account(index)).await? else { return Ok(None) };
        let l1_time = match &self.l1 {
            Some(l1) => Some(
                l1.latest_timestamp()
                    .await
                    .map_err(|e| SequencerError::Credit(format!("reading L1's time: {e}")))?,
            ),
            None => None,
        };
        let leaf =
            AccountLeaf { balance: a.account.balance, nonce: a.account.nonce, ext: a.account.ext_hash() };
        Ok(Some(CreditContext {
            epoch: a.epoch,
            l1_time,
            state_batch: a.state_batch,
            account_proof: AccountProofFile::new(a.root, &leaf, &a.proof),
        }))
    }

    async fn get_account(&self, index: u32) -> RpcResult<Option<AccountInfo>> {
        Ok(self.blocking(move |s| s.account(index)).await?.map(account_info))
    }

    async fn get_transaction_status(&self, id: TxId) -> RpcResult<Option<TxStatusInfo>> {
        let hash = match &id {
            TxId::Hash(h) => Some(parse_hash(h).map_err(SequencerError::from)?),
            TxId::Seq(_) => None,
        };
        let found = self
            .blocking(move |s| {
                let n = match (id, hash) {
                    (TxId::Seq(n), _) => Some(n),
                    (TxId::Hash(_), Some(h)) => s.seq_by_hash(&h)?,
                    (TxId::Hash(_), None) => None,
                };
                let Some(n) = n else { return Ok(None) };
                match s.tx(n)? {
                    Some(rec) => status_info(s, n, rec).map(Some),
                    None => Ok(None),
                }
            })
            .await?;
        Ok(found)
    }

    async fn get_batch(&self, n: u64) -> RpcResult<Option<BatchInfo>> {
        Ok(self.blocking(move |s| s.batch(n)).await?.map(batch_info))
    }

    async fn latest_batch(&self) -> RpcResult<Option<BatchInfo>> {
        let found = self
            .blocking(|s| match s.batches()?.checked_sub(1) {
                Some(n) => s.batch(n),
                None => Ok(None),
            })
            .await?;
        Ok(found.map(batch_info))
    }

    async fn send_vote(&self, vote: VoteInput) -> RpcResult<VoteReceipt> {
        let reject = |e: SequencerError| {
            metrics::counter!(m::VOTES_REJECTED, "reason" => e.code().label()).increment(1);
            debug!(target: "sequencer::rpc", error = %e, "vote refused");
            e
        };
        let pc = self.poll_client().map_err(reject)?;
        let id = vote.poll.0;
        let message = Self::vote_message(&vote).map_err(reject)?;
        let info = match self.open_poll(pc, id).await {
            Ok((info, _)) => info,
            Err(e) => {
                if matches!(e, SequencerError::VotingClosed { .. }) {
                    self.relay.forget(id);
                }
                return Err(reject(e).into());
            }
        };
        // The relay's limits (crate::vote_relay): the poll's message count is L1's, the
        // per-key counts are loaded from its published messages once per poll and process.
        if !self.relay.knows_poll(id) {
            let published = pc.messages(id).await.map_err(relay_error).map_err(reject)?;
            self.relay.seed(id, &published.iter().map(|p| p.message).collect::<Vec<_>>());
        }
        let permit = self
            .relay
            .admit(id, info.voters, info.messages, &message, std::time::Instant::now())
            .map_err(|e| {
                if let SequencerError::VoteRelayLimit { limit, .. } = &e {
                    metrics::counter!(m::VOTE_RELAY_REFUSED, "limit" => limit.label()).increment(1);
                }
                reject(e)
            })?;
        let (index, chain, outcome) =
            pc.publish_message(id, &message).await.map_err(relay_error).map_err(reject)?;
        permit.published(index);
        metrics::counter!(m::VOTES_RELAYED).increment(1);
        tracing::info!(target: "sequencer::rpc", poll = id, index, l1_block = outcome.block, "vote relayed to L1");
        Ok(VoteReceipt {
            poll: id,
            index,
            chain: fr_to_hex(&chain),
            l1_tx: to_hex(outcome.hash.as_slice()),
            block: outcome.block,
        })
    }

    async fn get_poll(&self, poll: DecU64) -> RpcResult<Option<PollView>> {
        let pc = self.poll_client()?;
        let Some(info) = pc.poll(poll.0).await.map_err(relay_error)? else { return Ok(None) };
        let now = pc.l1().latest_timestamp().await.map_err(relay_error)?;
        Ok(Some(poll_view(poll.0, &info, now)))
    }

    async fn get_bank_file(&self, name: String, offset: u64) -> RpcResult<Option<BankFileChunk>> {
        if parse_bank_file_name(&name).is_none() {
            return Err(SequencerError::BankFileName(name).into());
        }
        let Some(dir) = self.bank_files.clone() else { return Ok(None) };
        let path = dir.join(&name);
        let read = tokio::task::spawn_blocking(move || read_chunk(&path, offset))
            .await
            .unwrap_or_else(|e| Err(std::io::Error::other(e.to_string())));
        read.map_err(|source| SequencerError::BankFile { name, source }.into())
    }

    async fn send_health_report(&self, report: HealthReportInput) -> RpcResult<HealthReportReceipt> {
        let book = self.health.clone();
        let receipt = self.blocking(move |s| book.submit(s, &report)).await.map_err(|e| {
            debug!(target: "sequencer::rpc", error = %e, code = e.code().code(), "health report refused");
            e
        })?;
        Ok(receipt)
    }

    async fn get_health(&self, pool: u32, epoch: Option<u32>) -> RpcResult<Option<BankHealth>> {
        let book = self.health.clone();
        Ok(self.blocking(move |s| book.bank_health(s, pool, epoch)).await?)
    }

    async fn get_fund(&self, epoch: Option<u32>) -> RpcResult<FundView> {
        let book = self.health.clone();
        Ok(self.blocking(move |s| book.fund(s, epoch)).await?)
    }

    async fn health(&self) -> RpcResult<Health> {
        let p = self.blocking(|s| s.progress()).await?;
        Ok(Health {
            ok: p.halted.is_none(),
            halted: p.halted,
            next_seq: p.counters.next_seq,
            pending_deposits: p.pending_deposits,
            pending_txs: p.pending_l2,
            batches: p.counters.next_batch,
            proven: p.proven,
            settled: p.counters.batches_settled,
            deposits_seen: p.counters.deposits_seen,
            sealed_root: p.sealed_root,
            pending_root: p.pending_root,
            accounts: p.accounts,
            proving: self.proving,
            insecure_dev_keys: self.insecure_dev_keys,
            epoch: p.counters.epoch,
        })
    }
}

/// Up to [`BANK_FILE_CHUNK`] bytes of `path` from `offset`; `None` if there is no such file.
fn read_chunk(path: &std::path::Path, offset: u64) -> std::io::Result<Option<BankFileChunk>> {
    use std::io::{Read, Seek, SeekFrom};
    let mut file = match std::fs::File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e),
    };
    let size = file.metadata()?.len();
    let mut data = Vec::new();
    if offset < size {
        file.seek(SeekFrom::Start(offset))?;
        file.take(BANK_FILE_CHUNK).read_to_end(&mut data)?;
    }
    Ok(Some(BankFileChunk { size, offset, data: format!("0x{}", hex::encode(data)) }))
}
