//! [`PollClient`]: the quadratic-voting `Poll` contract over JSON-RPC, with the provider, signer
//! and send lock of an [`L1Client`] (see `verifier-contracts/src/Poll.sol` for the contract and
//! `ccr_verifier_contracts::poll` for the same calls on revm).
//!
//! As with the rollup, every transaction is estimated first: a call the contract refuses fails
//! before it is sent, with the poll contract's custom error decoded ([`L1Error::PollContract`],
//! its name in [`L1Error::contract_error_name`]).
//!
//! [`PollClient`]: crate::poll::PollClient
//! [`L1Client`]: crate::client::L1Client

use alloy::providers::Provider;
use alloy::rpc::types::{Filter, Log};
use alloy_primitives::{Address, Bytes, B256, U256};
use alloy_sol_types::{SolCall, SolConstructor, SolEvent, SolInterface};
use ark_bn254::{Bn254, Fr};
use ark_groth16::{Proof, VerifyingKey};
use ccr_circuits::babyjubjub::Point;
use ccr_circuits::vote::{Message, OptionResult};
use ccr_verifier_contracts::bindings::Poll::{self, PollErrors};
use ccr_verifier_contracts::bindings::Rollup;
use ccr_verifier_contracts::poll::{
    poll_artifact, poseidon_t4, poseidon_t5, publish_message_call, publish_results_call, NewPoll, PollInfo,
    PollOutcome, PollPhase, PollProposal, PollSetup,
};
use ccr_verifier_contracts::rollup::{fr_to_u256, proof_words};
use ccr_verifier_contracts::Artifact;

use crate::client::{fr_of, rpc_error, u64_of, L1Client, TxOutcome, VerifierKey};
use crate::error::L1Error;

/// The contracts of a deployment by [`PollClient::deploy`] (beside the rollup, whose Poseidon(2)
/// and Poseidon(5) it reuses).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PollDeployment {
    /// circomlib Poseidon over 3 inputs (the results commitment).
    pub poseidon3: Address,
    /// circomlib Poseidon over 4 inputs (the message hash).
    pub poseidon4: Address,
    /// The Groth16 verifier of the processing circuit.
    pub process_verifier: Address,
    /// The Groth16 verifier of the tally circuit.
    pub tally_verifier: Address,
    /// `Poll`.
    pub poll: Address,
    /// Block of `Poll`'s deployment: where reading its logs starts.
    pub block: u64,
}

/// A `PollCreated` event: the poll as its bank's owner opened it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CreatedPoll {
    /// The poll's id.
    pub poll_id: u64,
    /// Every argument of `createPoll` (`initial_sb` and `proposal` included).
    pub poll: NewPoll,
    /// The L1 block of its creation.
    pub block: u64,
}

/// A `MessagePublished` event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PublishedMessage {
    /// The message's position in the poll (0-based).
    pub index: u64,
    /// The message as published.
    pub message: Message,
    /// The poll's message chain after it.
    pub chain: Fr,
    /// The L1 block it was published in.
    pub block: u64,
}

/// The `Poll` contract at one address, driven by the account of an [`L1Client`] (see the
/// [module documentation](self)).
#[derive(Debug, Clone)]
pub struct PollClient {
    l1: L1Client,
    poll: Address,
}

/// The poll contract's custom error in revert `data`, else the rollup's (a poll call that reached
/// the rollup), else the raw data.
fn poll_revert(data: Bytes) -> L1Error {
    match PollErrors::abi_decode(&data) {
        Ok(error) => {
            let name = PollErrors::name_by_selector(error.selector()).unwrap_or("unknown error");
            L1Error::PollContract { name, error: Box::new(error) }
        }
        Err(_) => crate::client::revert_error(data),
    }
}

fn u32_of(what: &str, x: U256) -> Result<u32, L1Error> {
    u32::try_from(x).map_err(|_| L1Error::Data(format!("{what} {x} does not fit 32 bits")))
}

/// Checks `setup` as `Poll`'s constructor does, before anything is deployed.
fn check_setup(s: &PollSetup) -> Result<(), L1Error> {
    let bad = |what: String| Err(L1Error::Deploy(format!("poll setup: {what}")));
    if !(1..=32).contains(&s.state_depth) {
        return bad(format!("state depth {} is not in 1..=32", s.state_depth));
    }
    if !(1..=10).contains(&s.vote_depth) {
        return bad(format!("vote depth {} is not in 1..=10", s.vote_depth));
    }
    if !(1..=1 << 16).contains(&s.batch_size) {
        return bad(format!("message batch size {} is not in 1..=65536", s.batch_size));
    }
    if !s.tally_batch_size.is_power_of_two() || u64::from(s.tally_batch_size) > 1u64 << s.state_depth {
        return bad(format!(
            "tally batch size {} is not a power of two up to 2^{} (the state tree's leaves)",
            s.tally_batch_size, s.state_depth
        ));
    }
    Ok(())
}

/// The message of a `MessagePublished` event's fields.
fn message_of(data: &[U256; 10], enc_x: U256, enc_y: U256) -> Result<Message, L1Error> {
    let mut fields = [Fr::from(0u64); 10];
    for (f, d) in fields.iter_mut().zip(data) {
        *f = fr_of("message element", *d)?;
    }
    Ok(Message {
        data: fields,
        enc_pubkey: Point::new_unchecked(fr_of("ephemeral key x", enc_x)?, fr_of("ephemeral key y", enc_y)?),
    })
}

impl PollClient {
    /// Deploys the polls of the rollup of `l1` with verifiers of the processing and tally keys
    /// `process` and `tally` (compiled here with solc-js, `notice` in their NatSpec), after
    /// checking that keys of their provenance `key` may go to this chain
    /// ([`VerifierKey::check_keys`]: development keys, and any key whose hash is a known
    /// development key's, only on development chains or with the opt-in). Then as
    /// [`PollClient::deploy`].
    ///
    /// # Errors
    ///
    /// [`L1Error::InsecureDevKey`] before anything is sent; a verifier that does not compile
    /// ([`L1Error::Deploy`]); as [`PollClient::deploy`].
    pub async fn deploy_with_keys(
        l1: &L1Client,
        process: &VerifyingKey<Bn254>,
        tally: &VerifyingKey<Bn254>,
        key: VerifierKey,
        notice: &str,
        setup: PollSetup,
    ) -> Result<(PollClient, PollDeployment), L1Error> {
        check_setup(&setup)?;
        let chain_id = l1.chain_id().await?;
        key.check_keys(chain_id, &[process.clone(), tally.clone()])?;
        let compile = |vk: &VerifyingKey<Bn254>, name: &str, what: &str| {
            ccr_verifier_contracts::poll::poll_verifier_artifact(
                vk,
                name,
                &format!("{what} verifier of the polls ({notice})"),
            )
            .map_err(|e| L1Error::Deploy(format!("compiling {name} with solc-js: {e}")))
        };
        let pv = compile(process, "ProcessVerifier", "Message-processing")?;
        let tv = compile(tally, "TallyVerifier", "Tally")?;
        Self::deploy(l1, &pv, &tv, setup).await
    }

    /// Deploys Poseidon(3), Poseidon(4), the two verifiers (artifacts the caller compiled for
    /// its processing and tally keys of `setup`'s sizes) and `Poll` beside the rollup of `l1`,
    /// then makes it the rollup's governance (`Rollup.setGovernance(poll)`): `l1`'s signer must
    /// be the rollup's deployer. No rule on the verifiers' keys applies here (contract tests
    /// deploy stand-ins): deployments of real keys go through [`PollClient::deploy_with_keys`].
    ///
    /// # Errors
    ///
    /// [`L1Error::Deploy`] for a `setup` `Poll` refuses or a broken artifact; a failed
    /// deployment; `NotDeployer`, `GovernanceAlreadySet` from the rollup; RPC errors.
    pub async fn deploy(
        l1: &L1Client,
        process_verifier: &Artifact,
        tally_verifier: &Artifact,
        setup: PollSetup,
    ) -> Result<(PollClient, PollDeployment), L1Error> {
        check_setup(&setup)?;
        let deploy_err = |e: &dyn std::fmt::Display| L1Error::Deploy(e.to_string());
        let poseidon2 = l1.view(&Rollup::poseidon2Call {}).await?;
        let poseidon5 = l1.view(&Rollup::poseidon5Call {}).await?;
        let (poseidon3, _) =
            l1.create_with(poseidon_t4().map_err(|e| deploy_err(&e))?.deploy_code(&[]), poll_revert).await?;
        let (poseidon4, _) =
            l1.create_with(poseidon_t5().map_err(|e| deploy_err(&e))?.deploy_code(&[]), poll_revert).await?;
        let (process, _) = l1.create_with(process_verifier.deploy_code(&[]), poll_revert).await?;
        let (tally, _) = l1.create_with(tally_verifier.deploy_code(&[]), poll_revert).await?;
        let args = Poll::constructorCall {
            rollup_: l1.rollup(),
            processVerifier_: process,
            tallyVerifier_: tally,
            poseidon2_: poseidon2,
            poseidon3_: poseidon3,
            poseidon4_: poseidon4,
            poseidon5_: poseidon5,
            batchSize_: U256::from(setup.batch_size),
            tallyBatchSize_: U256::from(setup.tally_batch_size),
            stateDepth: U256::from(setup.state_depth),
            voteDepth: U256::from(setup.vote_depth),
        }
        .abi_encode();
        let code = poll_artifact().map_err(|e| deploy_err(&e))?.deploy_code(&args);
        let (poll, outcome) = l1.create_with(code, poll_revert).await?;
        l1.transact_with(l1.rollup(), &Rollup::setGovernanceCall { poll }, poll_revert).await?;
        let deployment = PollDeployment {
            poseidon3,
            poseidon4,
            process_verifier: process,
            tally_verifier: tally,
            poll,
            block: outcome.block,
        };
        Ok((Self::connect(l1, poll), deployment))
    }

    /// The poll contract at `poll`, driven by `l1`'s account (sharing its send lock); logs are
    /// read from `l1`'s start block.
    pub fn connect(l1: &L1Client, poll: Address) -> PollClient {
        Self { l1: l1.clone(), poll }
    }

    /// The poll contract.
    pub fn address(&self) -> Address {
        self.poll
    }

    /// The L1 client it sends with.
    pub fn l1(&self) -> &L1Client {
        &self.l1
    }

    async fn view<C: alloy_sol_types::SolCall>(&self, call: &C) -> Result<C::Return, L1Error> {
        self.l1.call_with(self.poll, call, poll_revert).await
    }

    async fn transact<C: alloy_sol_types::SolCall>(
        &self,
        call: &C,
    ) -> Result<alloy::rpc::types::TransactionReceipt, L1Error> {
        self.l1.transact_with(self.poll, call, poll_revert).await
    }

    /// The circuits' sizes the contract was deployed for (read from it).
    ///
    /// # Errors
    ///
    /// RPC errors; [`L1Error::Data`] for sizes no `Poll` has.
    pub async fn setup(&self) -> Result<PollSetup, L1Error> {
        let log2 = |what: &str, x: U256| {
            let n = u64_of(what, x)?;
            if n.is_power_of_two() {
                Ok(n.trailing_zeros())
            } else {
                Err(L1Error::Data(format!("{what} {n} is not a power of two")))
            }
        };
        Ok(PollSetup {
            state_depth: log2("max voters", self.view(&Poll::maxVotersCall {}).await?)?,
            vote_depth: log2("max options", self.view(&Poll::maxOptionsCall {}).await?)?,
            batch_size: u32_of("batch size", self.view(&Poll::batchSizeCall {}).await?)?,
            tally_batch_size: u32_of("tally batch size", self.view(&Poll::tallyBatchSizeCall {}).await?)?,
        })
    }

    /// `createPoll(...)` from the signer (the bank's owner); returns the new poll's id.
    ///
    /// # Errors
    ///
    /// `NotBankOwner`, `BadOptions`, `BadVoters`, `DeadlineInPast`, `ZeroVoiceCredits`,
    /// `InvalidPublicKey`, `NonCanonical`; RPC errors.
    pub async fn create_poll(&self, poll: &NewPoll) -> Result<(u64, TxOutcome), L1Error> {
        let receipt = self.transact(&ccr_verifier_contracts::poll::create_poll_call(poll)).await?;
        let created = self.events::<Poll::PollCreated>(&receipt);
        let id = created
            .first()
            .map(|e| e.pollId)
            .ok_or_else(|| L1Error::Data(format!("no PollCreated event in {}", receipt.transaction_hash)))?;
        Ok((u64_of("poll id", id)?, TxOutcome::of(&receipt)))
    }

    /// `publishMessage(pollId, data, encX, encY)` from the signer (anyone may: the voter's own
    /// L1 address need not appear); returns the message's index and the chain after it.
    ///
    /// # Errors
    ///
    /// `UnknownPoll`, `VotingClosed`, `NonCanonical`, `InvalidPublicKey`; RPC errors.
    pub async fn publish_message(
        &self,
        poll_id: u64,
        message: &Message,
    ) -> Result<(u64, Fr, TxOutcome), L1Error> {
        let receipt = self.transact(&publish_message_call(poll_id, message)).await?;
        let published = self.events::<Poll::MessagePublished>(&receipt);
        let ev = published.first().ok_or_else(|| {
            L1Error::Data(format!("no MessagePublished event in {}", receipt.transaction_hash))
        })?;
        Ok((u64_of("message index", ev.index)?, fr_of("message chain", ev.chain)?, TxOutcome::of(&receipt)))
    }

    /// `closePoll(pollId)` (anyone may, after the deadline): pads the chain and starts the
    /// processing.
    ///
    /// # Errors
    ///
    /// `UnknownPoll`, `WrongPhase`, `VotingNotOver`; RPC errors.
    pub async fn close_poll(&self, poll_id: u64) -> Result<TxOutcome, L1Error> {
        Ok(TxOutcome::of(&self.transact(&Poll::closePollCall { pollId: U256::from(poll_id) }).await?))
    }

    /// `processMessages(pollId, sbAfter, proof)`: the next message batch (the last first).
    ///
    /// # Errors
    ///
    /// `UnknownPoll`, `WrongPhase`, `NonCanonical`, `InvalidProof`; RPC errors.
    pub async fn process_messages(
        &self,
        poll_id: u64,
        sb_after: Fr,
        proof: &Proof<Bn254>,
    ) -> Result<TxOutcome, L1Error> {
        let call = Poll::processMessagesCall {
            pollId: U256::from(poll_id),
            sbAfter: fr_to_u256(&sb_after),
            proof: proof_words(proof),
        };
        Ok(TxOutcome::of(&self.transact(&call).await?))
    }

    /// `tallyVotes(pollId, tallyAfter, proof)`: the next ballot batch.
    ///
    /// # Errors
    ///
    /// `UnknownPoll`, `WrongPhase`, `NonCanonical`, `InvalidProof`; RPC errors.
    pub async fn tally_votes(
        &self,
        poll_id: u64,
        tally_after: Fr,
        proof: &Proof<Bn254>,
    ) -> Result<TxOutcome, L1Error> {
        let call = Poll::tallyVotesCall {
            pollId: U256::from(poll_id),
            tallyAfter: fr_to_u256(&tally_after),
            proof: proof_words(proof),
        };
        Ok(TxOutcome::of(&self.transact(&call).await?))
    }

    /// `publishResults(...)`: `results` per option and the coordinator's `salt`, opening the
    /// proven tally commitment.
    ///
    /// # Errors
    ///
    /// `UnknownPoll`, `WrongPhase`, `ResultLength`, `ResultOutOfRange`, `TotalSpentMismatch`,
    /// `ResultsMismatch`, `NonCanonical`; RPC errors.
    pub async fn publish_results(
        &self,
        poll_id: u64,
        results: &[OptionResult],
        salt: Fr,
    ) -> Result<TxOutcome, L1Error> {
        Ok(TxOutcome::of(&self.transact(&publish_results_call(poll_id, results, salt)).await?))
    }

    /// Polls created so far (the last id).
    ///
    /// # Errors
    ///
    /// RPC errors.
    pub async fn poll_count(&self) -> Result<u64, L1Error> {
        u64_of("poll count", self.view(&Poll::pollCountCall {}).await?)
    }

    /// Poll `poll_id` as stored; `None` if there is no such poll.
    ///
    /// # Errors
    ///
    /// RPC errors; [`L1Error::Data`] for stored values out of their types.
    pub async fn poll(&self, poll_id: u64) -> Result<Option<PollInfo>, L1Error> {
        let p = self.view(&Poll::pollOfCall { pollId: U256::from(poll_id) }).await?;
        let info = PollInfo::from_poll_of(p).map_err(|e| L1Error::Data(format!("Poll.pollOf: {e}")))?;
        Ok((info.phase != PollPhase::None).then_some(info))
    }

    /// The message chain after `k · batchSize` messages (padding included; 0 for `k = 0` and for
    /// a batch not yet complete).
    ///
    /// # Errors
    ///
    /// RPC errors.
    pub async fn batch_chain(&self, poll_id: u64, k: u64) -> Result<Fr, L1Error> {
        let call = Poll::batchChainCall { pollId: U256::from(poll_id), k: U256::from(k) };
        fr_of("batch chain", self.view(&call).await?)
    }

    /// Poll `poll_id` as its `PollCreated` event has it.
    ///
    /// # Errors
    ///
    /// [`L1Error::PollContract`] `UnknownPoll` when no such poll was created (after the client's
    /// start block); [`L1Error::Data`] for a malformed event; RPC errors.
    pub async fn created(&self, poll_id: u64) -> Result<CreatedPoll, L1Error> {
        let logs = self.logs(Poll::PollCreated::SIGNATURE_HASH, poll_id).await?;
        let Some(log) = logs.first() else {
            let error = PollErrors::UnknownPoll(Poll::UnknownPoll { pollId: U256::from(poll_id) });
            return Err(L1Error::PollContract { name: "UnknownPoll", error: Box::new(error) });
        };
        let ev = Poll::PollCreated::decode_log_data(log.data())
            .map_err(|e| L1Error::Data(format!("PollCreated event: {e}")))?;
        Ok(CreatedPoll {
            poll_id,
            poll: NewPoll {
                pool: ev.pool,
                options: ev.options,
                deadline: ev.deadline,
                voice_credits: ev.voiceCredits,
                coordinator: Point::new_unchecked(
                    fr_of("coordinator key x", ev.coordX)?,
                    fr_of("coordinator key y", ev.coordY)?,
                ),
                initial_sb: fr_of("initial sb", ev.initialSb)?,
                voters: ev.voters,
                proposal: ev.proposal,
            },
            block: log.block_number.unwrap_or_default(),
        })
    }

    /// Every message published to poll `poll_id`, in index order (from its `MessagePublished`
    /// events).
    ///
    /// # Errors
    ///
    /// [`L1Error::Data`] for a malformed event or a gap in the indices; RPC errors.
    pub async fn messages(&self, poll_id: u64) -> Result<Vec<PublishedMessage>, L1Error> {
        let mut out = Vec::new();
        for log in self.logs(Poll::MessagePublished::SIGNATURE_HASH, poll_id).await? {
            let ev = Poll::MessagePublished::decode_log_data(log.data())
                .map_err(|e| L1Error::Data(format!("MessagePublished event: {e}")))?;
            out.push(PublishedMessage {
                index: u64_of("message index", ev.index)?,
                message: message_of(&ev.data, ev.encX, ev.encY)?,
                chain: fr_of("message chain", ev.chain)?,
                block: log.block_number.unwrap_or_default(),
            });
        }
        out.sort_by_key(|m| m.index);
        for (expected, m) in (0u64..).zip(&out) {
            if m.index != expected {
                return Err(L1Error::Data(format!(
                    "message {expected} of poll {poll_id} missing from the logs (got {})",
                    m.index
                )));
            }
        }
        Ok(out)
    }

    /// The published results of `poll_id`; `None` before they are published (or for no such
    /// poll).
    ///
    /// # Errors
    ///
    /// RPC errors; [`L1Error::Data`] for results out of range.
    pub async fn result_of(&self, poll_id: u64) -> Result<Option<PollOutcome>, L1Error> {
        let r = match self.view(&Poll::resultOfCall { pollId: U256::from(poll_id) }).await {
            Ok(r) => r,
            Err(e) if matches!(e.poll_error(), Some(PollErrors::ResultsNotPublished(_))) => return Ok(None),
            Err(e) => return Err(e),
        };
        PollOutcome::from_result_of(r).map(Some).map_err(|e| L1Error::Data(format!("Poll.resultOf: {e}")))
    }

    /// The salt with which the results of `poll_id` were published, read from L1 alone: the
    /// calldata of the transaction that emitted its `PollResult` event. `None` before the results
    /// are published, and when that transaction is not a direct `publishResults` call of this
    /// contract (published through another contract: the salt is not in its calldata; L1 still
    /// checked the opening when it stored the results).
    ///
    /// # Errors
    ///
    /// RPC errors; [`L1Error::Data`] for a log without its transaction or a salt that is not a
    /// field element.
    pub async fn published_salt(&self, poll_id: u64) -> Result<Option<Fr>, L1Error> {
        let logs = self.logs(Poll::PollResult::SIGNATURE_HASH, poll_id).await?;
        let Some(log) = logs.first() else { return Ok(None) };
        let hash =
            log.transaction_hash.ok_or_else(|| L1Error::Data("log without transaction hash".into()))?;
        let tx = self.l1.rpc().get_transaction_by_hash(hash).await.map_err(rpc_error)?.ok_or_else(|| {
            L1Error::Data(format!("transaction {hash} of poll {poll_id}'s results not found"))
        })?;
        if alloy::consensus::Transaction::to(&tx) != Some(self.poll) {
            return Ok(None);
        }
        let input = alloy::consensus::Transaction::input(&tx);
        match Poll::publishResultsCall::abi_decode(input) {
            Ok(call) if call.pollId == U256::from(poll_id) => fr_of("tally salt", call.salt).map(Some),
            _ => Ok(None),
        }
    }

    /// `proposalOf(pollId)`: the poll's bank, proposal hash and whether it passed.
    ///
    /// # Errors
    ///
    /// `UnknownPoll`; RPC errors.
    pub async fn proposal_of(&self, poll_id: u64) -> Result<PollProposal, L1Error> {
        let r = self.view(&Poll::proposalOfCall { pollId: U256::from(poll_id) }).await?;
        Ok(PollProposal { pool: r.pool, proposal: r.proposal, passed: r.passed })
    }

    /// The logs of event `signature` of poll `poll_id` (its first indexed field).
    async fn logs(&self, signature: B256, poll_id: u64) -> Result<Vec<Log>, L1Error> {
        let filter = Filter::new()
            .address(self.poll)
            .event_signature(signature)
            .topic1(B256::from(U256::from(poll_id)))
            .from_block(self.l1.start_block());
        self.l1.rpc().get_logs(&filter).await.map_err(rpc_error)
    }

    fn events<E: SolEvent>(&self, receipt: &alloy::rpc::types::TransactionReceipt) -> Vec<E> {
        receipt
            .inner
            .logs()
            .iter()
            .filter(|l| l.address() == self.poll && l.topics().first() == Some(&E::SIGNATURE_HASH))
            .filter_map(|l| E::decode_log_data(l.data()).ok())
            .collect()
    }
}
