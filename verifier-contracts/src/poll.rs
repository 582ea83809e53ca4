//! Quadratic-voting polls on L1 (`src/Poll.sol`) on an [`Evm`]: deployment beside a rollup,
//! the poll's life (create, publish messages, close, process, tally, publish results), views,
//! and the public inputs of the processing and tally proofs as the contract computes them.
//!
//! The public inputs (one per proof, SHA-256 of 32-byte words, reduced mod r):
//!
//! ```text
//! process batch j: sha256(pollId ‖ coordinatorHash ‖ options ‖ voiceCredits ‖ chainStart ‖ chainEnd ‖ sbBefore ‖ sbAfter)
//! tally batch k:   sha256(pollId ‖ sbFinal ‖ k ‖ tallyBefore ‖ tallyAfter)
//! ```
//!
//! with `coordinatorHash = Poseidon2(coord.x, coord.y)` ([`coordinator_hash`]), `chainStart` the
//! message chain after `j·B` messages and `chainEnd` after `(j+1)·B` (padding included).

use alloy_primitives::{Address, U256};
use alloy_sol_types::{SolCall, SolConstructor, SolInterface};
use ark_bn254::Fr;
use ccr_circuits::babyjubjub::Point;
use ccr_circuits::vote::{Message, OptionResult};

use crate::artifacts::Artifact;
use crate::bindings::Poll;
use crate::error::{ArtifactError, EvmError, RollupError};
use crate::evm::{Evm, Receipt};
use crate::rollup::{fr_to_u256, u256_to_fr, RollupContracts};

/// `artifacts/Poll.json`.
pub const POLL_JSON: &str = include_str!("../artifacts/Poll.json");
/// `src/Poll.sol`.
pub const POLL_SOURCE: &str = include_str!("Poll.sol");
/// `artifacts/PoseidonT4.json`: circomlib's Poseidon over 3 inputs (circomlibjs
/// `poseidonContract.createCode(3)`), the results commitment.
pub const POSEIDON_T4_JSON: &str = include_str!("../artifacts/PoseidonT4.json");
/// `artifacts/PoseidonT5.json`: circomlib's Poseidon over 4 inputs (circomlibjs
/// `poseidonContract.createCode(4)`), the message hash.
pub const POSEIDON_T5_JSON: &str = include_str!("../artifacts/PoseidonT5.json");

/// The committed `Poll`.
///
/// # Errors
///
/// As [`Artifact::from_json`] (only if the committed file is broken).
pub fn poll_artifact() -> Result<Artifact, ArtifactError> {
    Artifact::from_json("Poll", POLL_JSON)
}

/// circomlib's Poseidon over 3 inputs.
///
/// # Errors
///
/// As [`Artifact::from_json`] (only if the committed file is broken).
pub fn poseidon_t4() -> Result<Artifact, ArtifactError> {
    Artifact::from_json("PoseidonT4", POSEIDON_T4_JSON)
}

/// circomlib's Poseidon over 4 inputs.
///
/// # Errors
///
/// As [`Artifact::from_json`] (only if the committed file is broken).
pub fn poseidon_t5() -> Result<Artifact, ArtifactError> {
    Artifact::from_json("PoseidonT5", POSEIDON_T5_JSON)
}

/// The processing proof's statement, its public input `uint256(sha256(pollId ‖ coordinatorHash ‖
/// options ‖ voiceCredits ‖ chainStart ‖ chainEnd ‖ sbBefore ‖ sbAfter)) mod r`
/// (`Poll.processInput`) and the coordinator's key hash: the circuit's own definitions.
pub use ccr_circuits::vote::witness::{
    coordinator_hash, process_public_input as process_input, ProcessPublic as ProcessStatement,
};

/// The public input of the tally proof of ballot batch `k`: `uint256(sha256(pollId ‖ sbFinal ‖ k
/// ‖ tallyBefore ‖ tallyAfter)) mod r` (`Poll.tallyInput`): the circuit's own definition,
/// `tally_input(poll_id, sb_final, k, tally_before, tally_after)`.
pub use ccr_circuits::vote::tally_witness::tally_public_input as tally_input;

/// The circuits' sizes a `Poll` deployment is fixed to (its verifiers' keys).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PollSetup {
    /// Depth of the state and ballot trees: at most `2^state_depth` voters (1..=32).
    pub state_depth: u32,
    /// Depth of a ballot's vote tree: at most `2^vote_depth` options (1..=10).
    pub vote_depth: u32,
    /// Messages per processing proof, B (1..=2^16).
    pub batch_size: u32,
    /// Ballots per tally proof, T: a power of two up to 2^state_depth.
    pub tally_batch_size: u32,
}

/// The arguments of `Poll.createPoll`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NewPoll {
    /// The bank (its pool account index on the rollup) whose owner opens the poll.
    pub pool: u32,
    /// Number of options (1..=2^vote_depth).
    pub options: u32,
    /// Last second (unix time) at which messages are accepted.
    pub deadline: u64,
    /// Voice credits per voter (> 0).
    pub voice_credits: u64,
    /// The coordinator's Baby Jubjub key.
    pub coordinator: Point,
    /// `Poseidon3(stateRoot, ballotRoot, 0)` over the voters' state leaves and empty ballots.
    pub initial_sb: Fr,
    /// Number of voters (1..=2^state_depth).
    pub voters: u32,
}

/// Where a poll is (`Poll.Phase`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PollPhase {
    /// No such poll.
    None,
    /// Accepting messages (until the deadline, then until closed).
    Open,
    /// Message batches are being processed, last to first.
    Processing,
    /// Ballot batches are being tallied.
    Tallying,
    /// Tallied; results may be published.
    Tallied,
    /// Results published.
    Published,
}

impl PollPhase {
    fn from_u8(phase: u8) -> Result<Self, RollupError> {
        Ok(match phase {
            0 => Self::None,
            1 => Self::Open,
            2 => Self::Processing,
            3 => Self::Tallying,
            4 => Self::Tallied,
            5 => Self::Published,
            other => return Err(RollupError::OutOfRange { what: "poll phase", value: other.to_string() }),
        })
    }

    /// The contract's encoding (`uint8(Phase)`).
    pub fn to_u8(self) -> u8 {
        self as u8
    }
}

/// A poll as the contract stores it (`Poll.pollOf`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PollInfo {
    /// The bank that opened it.
    pub pool: u32,
    /// Number of options.
    pub options: u32,
    /// Number of voters.
    pub voters: u32,
    /// Last second at which messages are accepted.
    pub deadline: u64,
    /// Voice credits per voter.
    pub voice_credits: u64,
    /// Where it is.
    pub phase: PollPhase,
    /// Messages published (padding excluded).
    pub messages: u64,
    /// Message batches (0 until closed).
    pub batches: u64,
    /// The next message batch to process (counts down to 0).
    pub next_process_batch: u64,
    /// The next ballot batch to tally (counts up).
    pub next_tally_batch: u64,
    /// `Poseidon2(coord.x, coord.y)`.
    pub coordinator_hash: Fr,
    /// The coordinator's key.
    pub coordinator: Point,
    /// The message chain (padded once closed).
    pub chain: Fr,
    /// The state-and-ballot commitment.
    pub sb: Fr,
    /// The tally commitment (0 before the first tally proof).
    pub tally: Fr,
}

/// Published results (`Poll.resultOf`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PollOutcome {
    /// The option with the most votes (the lowest index among equals).
    pub winner: u32,
    /// Votes and spent voice credits per option.
    pub results: Vec<OptionResult>,
    /// Sum of the spent voice credits.
    pub total_spent: u128,
}

/// Gas of each deployment transaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PollDeploymentGas {
    /// Poseidon(3).
    pub poseidon3: u64,
    /// Poseidon(4).
    pub poseidon4: u64,
    /// The processing verifier.
    pub process_verifier: u64,
    /// The tally verifier.
    pub tally_verifier: u64,
    /// `Poll`.
    pub poll: u64,
}

/// Addresses of a deployed `Poll` and the contracts it calls.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PollContracts {
    /// The rollup whose banks open polls.
    pub rollup: Address,
    /// circomlib Poseidon over 2 inputs (the rollup's).
    pub poseidon2: Address,
    /// circomlib Poseidon over 3 inputs.
    pub poseidon3: Address,
    /// circomlib Poseidon over 4 inputs.
    pub poseidon4: Address,
    /// circomlib Poseidon over 5 inputs (the rollup's).
    pub poseidon5: Address,
    /// Verifier of the processing circuit.
    pub process_verifier: Address,
    /// Verifier of the tally circuit.
    pub tally_verifier: Address,
    /// `Poll`.
    pub poll: Address,
    /// The sizes it was deployed for.
    pub setup: PollSetup,
}

fn u64_of(x: U256, what: &'static str) -> Result<u64, RollupError> {
    u64::try_from(x).map_err(|_| RollupError::OutOfRange { what, value: x.to_string() })
}

fn u128_of(x: U256, what: &'static str) -> Result<u128, RollupError> {
    u128::try_from(x).map_err(|_| RollupError::OutOfRange { what, value: x.to_string() })
}

impl PollContracts {
    /// Deploys Poseidon(3), Poseidon(4), the two verifiers and `Poll` from `deployer`, beside
    /// `rollup` (whose Poseidon(2) and Poseidon(5) it reuses and whose bank owners open polls).
    ///
    /// # Errors
    ///
    /// A failed deployment (`InvalidConfig` for a `setup` out of range).
    pub fn deploy(
        evm: &mut Evm,
        deployer: Address,
        rollup: &RollupContracts,
        process_verifier: &Artifact,
        tally_verifier: &Artifact,
        setup: &PollSetup,
    ) -> Result<(Self, PollDeploymentGas), RollupError> {
        let (poseidon3, p3) = evm.deploy(deployer, poseidon_t4()?.deploy_code(&[]))?;
        let (poseidon4, p4) = evm.deploy(deployer, poseidon_t5()?.deploy_code(&[]))?;
        let (process, pv) = evm.deploy(deployer, process_verifier.deploy_code(&[]))?;
        let (tally, tv) = evm.deploy(deployer, tally_verifier.deploy_code(&[]))?;
        let args = Poll::constructorCall {
            rollup_: rollup.rollup,
            processVerifier_: process,
            tallyVerifier_: tally,
            poseidon2_: rollup.poseidon2,
            poseidon3_: poseidon3,
            poseidon4_: poseidon4,
            poseidon5_: rollup.poseidon5,
            batchSize_: U256::from(setup.batch_size),
            tallyBatchSize_: U256::from(setup.tally_batch_size),
            stateDepth: U256::from(setup.state_depth),
            voteDepth: U256::from(setup.vote_depth),
        }
        .abi_encode();
        let (poll, pg) = evm.deploy(deployer, poll_artifact()?.deploy_code(&args))?;
        let contracts = Self {
            rollup: rollup.rollup,
            poseidon2: rollup.poseidon2,
            poseidon3,
            poseidon4,
            poseidon5: rollup.poseidon5,
            process_verifier: process,
            tally_verifier: tally,
            poll,
            setup: *setup,
        };
        let gas = PollDeploymentGas {
            poseidon3: p3.gas_used,
            poseidon4: p4.gas_used,
            process_verifier: pv.gas_used,
            tally_verifier: tv.gas_used,
            poll: pg.gas_used,
        };
        Ok((contracts, gas))
    }

    fn transact<C: SolCall>(&self, evm: &mut Evm, from: Address, call: &C) -> Result<Receipt, RollupError> {
        Ok(evm.transact_sol(from, self.poll, U256::ZERO, call)?)
    }

    fn view<C: SolCall>(&self, evm: &mut Evm, call: &C) -> Result<C::Return, RollupError> {
        Ok(evm.call_sol(self.poll, call)?)
    }

    /// `createPoll(...)` from `from` (the bank's owner); returns the new poll's id.
    ///
    /// # Errors
    ///
    /// The contract's error (see [`RollupError::poll_error`]).
    pub fn create_poll(
        &self,
        evm: &mut Evm,
        from: Address,
        poll: &NewPoll,
    ) -> Result<(u64, Receipt), RollupError> {
        let call = Poll::createPollCall {
            pool: poll.pool,
            options: poll.options,
            deadline: poll.deadline,
            voiceCredits: poll.voice_credits,
            coordX: fr_to_u256(&poll.coordinator.x),
            coordY: fr_to_u256(&poll.coordinator.y),
            initialSb: fr_to_u256(&poll.initial_sb),
            voters: poll.voters,
        };
        let receipt = self.transact(evm, from, &call)?;
        let id = Poll::createPollCall::abi_decode_returns(&receipt.output).map_err(EvmError::from)?;
        Ok((u64_of(id, "poll id")?, receipt))
    }

    /// `publishMessage(pollId, data, encX, encY)` from `from`.
    ///
    /// # Errors
    ///
    /// The contract's error (see [`RollupError::poll_error`]).
    pub fn publish_message(
        &self,
        evm: &mut Evm,
        from: Address,
        poll_id: u64,
        message: &Message,
    ) -> Result<Receipt, RollupError> {
        self.transact(evm, from, &publish_message_call(poll_id, message))
    }

    /// `closePoll(pollId)` from `from`.
    ///
    /// # Errors
    ///
    /// The contract's error (see [`RollupError::poll_error`]).
    pub fn close_poll(&self, evm: &mut Evm, from: Address, poll_id: u64) -> Result<Receipt, RollupError> {
        self.transact(evm, from, &Poll::closePollCall { pollId: U256::from(poll_id) })
    }

    /// `processMessages(pollId, sbAfter, proof)` from `from`: the next message batch.
    ///
    /// # Errors
    ///
    /// The contract's error (see [`RollupError::poll_error`]).
    pub fn process_messages(
        &self,
        evm: &mut Evm,
        from: Address,
        poll_id: u64,
        sb_after: Fr,
        proof: &[U256; 8],
    ) -> Result<Receipt, RollupError> {
        let call = Poll::processMessagesCall {
            pollId: U256::from(poll_id),
            sbAfter: fr_to_u256(&sb_after),
            proof: *proof,
        };
        self.transact(evm, from, &call)
    }

    /// `tallyVotes(pollId, tallyAfter, proof)` from `from`: the next ballot batch.
    ///
    /// # Errors
    ///
    /// The contract's error (see [`RollupError::poll_error`]).
    pub fn tally_votes(
        &self,
        evm: &mut Evm,
        from: Address,
        poll_id: u64,
        tally_after: Fr,
        proof: &[U256; 8],
    ) -> Result<Receipt, RollupError> {
        let call = Poll::tallyVotesCall {
            pollId: U256::from(poll_id),
            tallyAfter: fr_to_u256(&tally_after),
            proof: *proof,
        };
        self.transact(evm, from, &call)
    }

    /// `publishResults(pollId, votes, spent, totalSpent, salt)` from `from`: `results` per
    /// option and the coordinator's `salt`, with `totalSpent` their sum of spent credits.
    ///
    /// # Errors
    ///
    /// The contract's error (see [`RollupError::poll_error`]).
    pub fn publish_results(
        &self,
        evm: &mut Evm,
        from: Address,
        poll_id: u64,
        results: &[OptionResult],
        salt: Fr,
    ) -> Result<Receipt, RollupError> {
        self.transact(evm, from, &publish_results_call(poll_id, results, salt))
    }

    /// Polls created so far (the last id).
    ///
    /// # Errors
    ///
    /// A failed call.
    pub fn poll_count(&self, evm: &mut Evm) -> Result<u64, RollupError> {
        u64_of(self.view(evm, &Poll::pollCountCall {})?, "poll count")
    }

    /// Poll `poll_id` as stored (phase [`PollPhase::None`] and zeros for no such poll).
    ///
    /// # Errors
    ///
    /// A failed call, or stored values out of their types (not from this contract).
    pub fn poll(&self, evm: &mut Evm, poll_id: u64) -> Result<PollInfo, RollupError> {
        let p = self.view(evm, &Poll::pollOfCall { pollId: U256::from(poll_id) })?;
        Ok(PollInfo {
            pool: p.pool,
            options: p.options,
            voters: p.voters,
            deadline: p.deadline,
            voice_credits: p.voiceCredits,
            phase: PollPhase::from_u8(p.phase)?,
            messages: p.messages,
            batches: p.batches,
            next_process_batch: p.nextProcessBatch,
            next_tally_batch: p.nextTallyBatch,
            coordinator_hash: u256_to_fr(p.coordinatorHash)?,
            coordinator: Point::new_unchecked(u256_to_fr(p.coordX)?, u256_to_fr(p.coordY)?),
            chain: u256_to_fr(p.chain)?,
            sb: u256_to_fr(p.sb)?,
            tally: u256_to_fr(p.tally)?,
        })
    }

    /// The message chain after `k · batchSize` messages (padding included; 0 for `k = 0` and
    /// for a batch not yet complete).
    ///
    /// # Errors
    ///
    /// A failed call.
    pub fn batch_chain(&self, evm: &mut Evm, poll_id: u64, k: u64) -> Result<Fr, RollupError> {
        u256_to_fr(self.view(evm, &Poll::batchChainCall { pollId: U256::from(poll_id), k: U256::from(k) })?)
    }

    /// The statement the next `processMessages` of `poll_id` checks for `sb_after`: what the
    /// coordinator proves (its public input is [`process_input`]).
    ///
    /// # Errors
    ///
    /// A failed call; [`RollupError::OutOfRange`] when the poll is not in processing.
    pub fn next_process_statement(
        &self,
        evm: &mut Evm,
        poll_id: u64,
        sb_after: Fr,
    ) -> Result<ProcessStatement, RollupError> {
        let p = self.poll(evm, poll_id)?;
        if p.phase != PollPhase::Processing {
            return Err(RollupError::OutOfRange {
                what: "poll phase (not processing)",
                value: format!("{:?}", p.phase),
            });
        }
        let j = p.next_process_batch;
        Ok(ProcessStatement {
            poll_id,
            coordinator_hash: p.coordinator_hash,
            options: p.options,
            voice_credits: p.voice_credits,
            chain_start: self.batch_chain(evm, poll_id, j)?,
            chain_end: self.batch_chain(evm, poll_id, j + 1)?,
            sb_before: p.sb,
            sb_after,
        })
    }

    /// `processInput(...)` computed by the contract.
    ///
    /// # Errors
    ///
    /// A failed call.
    pub fn contract_process_input(&self, evm: &mut Evm, s: &ProcessStatement) -> Result<Fr, RollupError> {
        let call = Poll::processInputCall {
            pollId: U256::from(s.poll_id),
            coordinatorHash: fr_to_u256(&s.coordinator_hash),
            options: U256::from(s.options),
            voiceCredits: U256::from(s.voice_credits),
            chainStart: fr_to_u256(&s.chain_start),
            chainEnd: fr_to_u256(&s.chain_end),
            sbBefore: fr_to_u256(&s.sb_before),
            sbAfter: fr_to_u256(&s.sb_after),
        };
        u256_to_fr(self.view(evm, &call)?)
    }

    /// `tallyInput(...)` computed by the contract.
    ///
    /// # Errors
    ///
    /// A failed call.
    pub fn contract_tally_input(
        &self,
        evm: &mut Evm,
        poll_id: u64,
        sb_final: Fr,
        batch: u64,
        tally_before: Fr,
        tally_after: Fr,
    ) -> Result<Fr, RollupError> {
        let call = Poll::tallyInputCall {
            pollId: U256::from(poll_id),
            sbFinal: fr_to_u256(&sb_final),
            k: U256::from(batch),
            tallyBefore: fr_to_u256(&tally_before),
            tallyAfter: fr_to_u256(&tally_after),
        };
        u256_to_fr(self.view(evm, &call)?)
    }

    /// `messageHash(data, encX, encY)` computed by the contract (with its Poseidon contracts).
    ///
    /// # Errors
    ///
    /// A failed call.
    pub fn contract_message_hash(&self, evm: &mut Evm, message: &Message) -> Result<Fr, RollupError> {
        let call = Poll::messageHashCall {
            data: message.data.map(|d| fr_to_u256(&d)),
            encX: fr_to_u256(&message.enc_pubkey.x),
            encY: fr_to_u256(&message.enc_pubkey.y),
        };
        u256_to_fr(self.view(evm, &call)?)
    }

    /// Tally proofs a poll of `voters` voters needs.
    ///
    /// # Errors
    ///
    /// A failed call.
    pub fn tally_batches(&self, evm: &mut Evm, voters: u32) -> Result<u64, RollupError> {
        u64_of(self.view(evm, &Poll::tallyBatchesCall { voters: U256::from(voters) })?, "tally batches")
    }

    /// The published results of `poll_id`.
    ///
    /// # Errors
    ///
    /// A failed call (`ResultsNotPublished` before they are).
    pub fn result_of(&self, evm: &mut Evm, poll_id: u64) -> Result<PollOutcome, RollupError> {
        let r = self.view(evm, &Poll::resultOfCall { pollId: U256::from(poll_id) })?;
        let results = r
            .votes
            .iter()
            .zip(&r.spent)
            .map(|(&v, &s)| Ok(OptionResult { votes: u128_of(v, "votes")?, spent: u128_of(s, "spent")? }))
            .collect::<Result<Vec<_>, RollupError>>()?;
        let winner = u64_of(r.winner, "winner")?;
        Ok(PollOutcome {
            winner: u32::try_from(winner)
                .map_err(|_| RollupError::OutOfRange { what: "winner", value: winner.to_string() })?,
            results,
            total_spent: u128_of(r.totalSpent, "total spent")?,
        })
    }
}

/// The `publishMessage` call of `message` to poll `poll_id`.
pub fn publish_message_call(poll_id: u64, message: &Message) -> Poll::publishMessageCall {
    Poll::publishMessageCall {
        pollId: U256::from(poll_id),
        data: message.data.map(|d| fr_to_u256(&d)),
        encX: fr_to_u256(&message.enc_pubkey.x),
        encY: fr_to_u256(&message.enc_pubkey.y),
    }
}

/// The `publishResults` call of `results` (per option) and `salt` for poll `poll_id`, with
/// `totalSpent` the sum of the spent credits.
pub fn publish_results_call(poll_id: u64, results: &[OptionResult], salt: Fr) -> Poll::publishResultsCall {
    Poll::publishResultsCall {
        pollId: U256::from(poll_id),
        votes: results.iter().map(|o| U256::from(o.votes)).collect(),
        spent: results.iter().map(|o| U256::from(o.spent)).collect(),
        totalSpent: results.iter().map(|o| U256::from(o.spent)).fold(U256::ZERO, |a, b| a + b),
        salt: fr_to_u256(&salt),
    }
}

impl RollupError {
    /// The poll contract's custom error, when a call to it reverted with one.
    pub fn poll_error(&self) -> Option<Poll::PollErrors> {
        match self {
            Self::Evm(EvmError::Revert { output, .. }) => Poll::PollErrors::abi_decode(output).ok(),
            _ => None,
        }
    }
}
