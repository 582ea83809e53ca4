//! The poll coordinator's prover (issue 5): development keys of the message-processing and tally
//! circuits, and [`coordinate`], which turns a closed poll's published messages into every proof
//! `Poll.sol` needs, in the order it takes them.
//!
//! The flow is the one `Poll.sol` checks (see `verifier-contracts/tests/it/poll_e2e.rs`):
//!
//! 1. The published messages are padded with [`PAD_MESSAGE`] to a positive multiple of the
//!    batch size `B`, exactly as `closePoll` pads the chain.
//! 2. [`process_witnesses`] runs the native processing (which decides every message's
//!    [`Outcome`]) and replays it batch by batch, the last batch first; each batch is proven
//!    against the processing key. `processMessages` takes them in that order.
//! 3. [`tally_after_processing`] splits the final ballots into batches of `T`; each is proven
//!    against the tally key, batch 0 first, as `tallyVotes` takes them.
//! 4. The results and the last tally salt are what `publishResults` takes.
//!
//! Every proof is checked against the proving key's own verifying key before it is returned.
//! Witnesses hold the coordinator's key and every decrypted vote: they never leave this module
//! and nothing here prints them.
//!
//! [`coordinate`]: crate::vote::coordinate
//! [`PAD_MESSAGE`]: ccr_circuits::vote::trees::PAD_MESSAGE
//! [`process_witnesses`]: ccr_circuits::vote::witness::process_witnesses
//! [`Outcome`]: ccr_circuits::vote::Outcome
//! [`tally_after_processing`]: ccr_circuits::vote::tally_witness::tally_after_processing

use std::fmt;

use ark_std::rand::{CryptoRng, RngCore};
use ark_std::UniformRand;
use ccr_circuits::babyjubjub::eddsa::PrivateKey;
use ccr_circuits::vote::constraints::{ProcessCircuit, TallyCircuit};
use ccr_circuits::vote::tally_witness::{
    tally_after_processing, TallyBatchWitness, TallyParams, TallyWitnessError,
};
use ccr_circuits::vote::trees::{VoteParams, PAD_MESSAGE};
use ccr_circuits::vote::witness::{process_witnesses, ProcessBatchWitness, WitnessError};
use ccr_circuits::vote::{Message, OptionResult, Outcome, Poll, VoterState};

use crate::{
    dev_setup, prove_with_matrices, Bn254, ConstraintMatrices, Fr, Keypair, Proof, ProverError, ProvingKey,
};

/// The circuit name written in key files of a processing circuit, e.g. `vote-process-s10-v3-b25`.
pub fn process_circuit_name(params: &VoteParams) -> String {
    format!("vote-process-s{}-v{}-b{}", params.state_depth, params.vote_depth, params.batch_size)
}

/// The circuit name written in key files of a tally circuit, e.g. `vote-tally-s10-v3-t32`.
pub fn tally_circuit_name(params: &TallyParams) -> String {
    format!("vote-tally-s{}-v{}-t{}", params.state_depth, params.vote_depth, params.batch_size)
}

/// **INSECURE — development only.** Deterministic keys for the message-processing circuit of
/// `params` (see [`dev_setup`]): anyone who knows `seed` can forge proofs.
///
/// # Errors
///
/// [`ProverError::Params`] for depths or a batch size the circuit refuses;
/// [`ProverError::Synthesis`] if the circuit cannot be synthesized.
pub fn dev_setup_process(params: VoteParams, seed: [u8; 32]) -> Result<Keypair, ProverError> {
    let blank =
        ProcessBatchWitness::blank(params).map_err(|e| ProverError::Params(format!("{params:?}: {e}")))?;
    dev_setup(ProcessCircuit::new(blank), seed)
}

/// **INSECURE — development only.** Deterministic keys for the tally circuit of `params` (see
/// [`dev_setup`]): anyone who knows `seed` can forge proofs.
///
/// # Errors
///
/// [`ProverError::Params`] for depths or a tally batch size the circuit refuses (`T` must be a
/// power of two at most `2^state_depth`); [`ProverError::Synthesis`] if the circuit cannot be
/// synthesized.
pub fn dev_setup_tally(params: TallyParams, seed: [u8; 32]) -> Result<Keypair, ProverError> {
    let blank =
        TallyBatchWitness::blank(params).map_err(|e| ProverError::Params(format!("{params:?}: {e}")))?;
    dev_setup(TallyCircuit::new(blank), seed)
}

/// Everything the coordinator needs to prove a closed poll.
pub struct PollRun<'a> {
    /// The poll as created on L1 (id, options, deadline, voice credits, coordinator key).
    pub poll: Poll,
    /// The voters' starting states by state index: the ones `initialSb` commits to.
    pub voters: &'a [VoterState],
    /// The messages as published, in submission order; the padding is **not** included.
    pub messages: &'a [Message],
    /// The coordinator's private key (the poll's `coordinator` is its public key).
    pub coordinator: &'a PrivateKey,
}

impl fmt::Debug for PollRun<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PollRun")
            .field("poll", &self.poll)
            .field("voters", &self.voters.len())
            .field("messages", &self.messages.len())
            .field("coordinator", &"<redacted>")
            .finish()
    }
}

/// Which circuit a proof is of.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProofKind {
    /// A message-processing proof (`processMessages`).
    Process,
    /// A tally proof (`tallyVotes`).
    Tally,
}

impl fmt::Display for ProofKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Process => "processing",
            Self::Tally => "tally",
        })
    }
}

/// Where [`coordinate`] is, for a progress bar: reported when a proof starts and again when it is
/// done (proven and verified).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CoordinatorStep {
    /// The circuit.
    pub kind: ProofKind,
    /// The proof's position among the proofs of its kind, from 1 (in proving order).
    pub i: usize,
    /// The number of proofs of its kind.
    pub n: usize,
    /// The batch the proof covers (message batch or ballot batch index).
    pub batch: u64,
    /// `false` when the proof starts, `true` when it is done.
    pub done: bool,
    /// Proofs of both kinds in all: `processing + tally`.
    pub total: usize,
}

impl CoordinatorStep {
    /// Proofs finished so far over both kinds (processing first), this one included if `done`.
    pub fn completed(&self) -> usize {
        let before = match self.kind {
            ProofKind::Process => 0,
            ProofKind::Tally => self.total - self.n,
        };
        before + self.i - usize::from(!self.done)
    }
}

impl fmt::Display for CoordinatorStep {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = if self.done { "proved" } else { "proving" };
        write!(f, "{what} {} proof {} of {} (batch {})", self.kind, self.i, self.n, self.batch)
    }
}

/// One proof, with what the contract call that takes it needs.
#[derive(Clone, Debug, PartialEq)]
pub struct ProvenStep {
    /// The batch it covers (`Poll.sol`'s `nextProcessBatch` / `nextTallyBatch` when it is due).
    pub batch: u64,
    /// The new commitment the call claims: `sbAfter` (processing) or `tallyAfter` (tally).
    pub after: Fr,
    /// The proof's single public input, which the contract recomputes (`processInput` /
    /// `tallyInput`).
    pub public_input: Fr,
    /// The Groth16 proof.
    pub proof: Proof<Bn254>,
}

/// Every proof of a poll and the results they establish.
///
/// `Debug` leaves out the tally salt, which stays secret until `publishResults`, and shows only
/// the number of `outcomes`: what became of each message is the coordinator's secret for good
/// (published, it would be a vote receipt), so it is never printed, logged or written to a file.
#[derive(Clone, PartialEq)]
pub struct Coordinated {
    /// Processing proofs in **submission order**: the last message batch first.
    pub process: Vec<ProvenStep>,
    /// Tally proofs in submission order: ballot batch 0 first.
    pub tally: Vec<ProvenStep>,
    /// Per option, the votes and voice credits spent: what `publishResults` takes.
    pub results: Vec<OptionResult>,
    /// The voice credits spent over all options.
    pub total_spent: u128,
    /// The salt of the last tally commitment (`publishResults` takes it).
    pub salt: Fr,
    /// What became of each published message, in submission order (the padding left out).
    /// Secret: a vote receipt if it left the coordinator (see the type's documentation).
    pub outcomes: Vec<Outcome>,
}

impl fmt::Debug for Coordinated {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Coordinated")
            .field("process", &self.process.len())
            .field("tally", &self.tally.len())
            .field("results", &self.results)
            .field("total_spent", &self.total_spent)
            .field("outcomes", &format_args!("<{} redacted>", self.outcomes.len()))
            .finish_non_exhaustive()
    }
}

impl Coordinated {
    /// `sb` after the last processing proof: the `sbFinal` the tally proofs open.
    pub fn final_sb(&self) -> Option<Fr> {
        self.process.last().map(|s| s.after)
    }

    /// The tally commitment after the last tally proof (the results' commitment).
    pub fn tally_commitment(&self) -> Option<Fr> {
        self.tally.last().map(|s| s.after)
    }
}

/// Why a poll could not be proven.
#[derive(Debug, thiserror::Error)]
pub enum VoteProverError {
    /// The processing witnesses could not be built (wrong coordinator key, more voters or options
    /// than the trees hold, a poll id too wide).
    #[error("cannot build the message-processing witnesses: {0}")]
    Process(#[from] WitnessError),
    /// The tally witnesses could not be built (a tally batch size that is not a power of two at
    /// most `2^state_depth`, a poll without voters).
    #[error("cannot build the tally witnesses: {0}")]
    Tally(#[from] TallyWitnessError),
    /// Proving failed: most often a proving key made for other circuit parameters.
    #[error("{kind} proof of batch {batch}: {source}")]
    Prove {
        /// The circuit.
        kind: ProofKind,
        /// The batch.
        batch: u64,
        /// What the prover said.
        #[source]
        source: ProverError,
    },
    /// A proof does not verify under its proving key's verifying key: the key is corrupt.
    #[error(
        "{kind} proof of batch {batch} does not verify under its own key: the proving key file is \
         corrupt, regenerate or re-download it"
    )]
    ProofRejected {
        /// The circuit.
        kind: ProofKind,
        /// The batch.
        batch: u64,
    },
    /// The circuit's public input is not the one the contract computes for the batch.
    #[error("{kind} proof of batch {batch}: the circuit's public input is not the batch's statement")]
    PublicInputMismatch {
        /// The circuit.
        kind: ProofKind,
        /// The batch.
        batch: u64,
    },
}

/// The published messages padded with [`PAD_MESSAGE`] as `closePoll` pads the chain: to a multiple
/// of `batch_size`, at least one batch.
pub fn pad_messages(messages: &[Message], batch_size: usize) -> Vec<Message> {
    let b = batch_size.max(1);
    let padded = if messages.is_empty() { b } else { messages.len().div_ceil(b) * b };
    let mut all = messages.to_vec();
    all.resize(padded, PAD_MESSAGE);
    all
}

/// Proves `circuit` under `pk` over the circuit's cached `matrices` (the proof is checked
/// against the key before it is returned) and checks that its public input is `expected`.
fn prove_step<C: ark_relations::gr1cs::ConstraintSynthesizer<Fr>, R: RngCore + CryptoRng>(
    pk: &ProvingKey<Bn254>,
    matrices: &ConstraintMatrices,
    circuit: C,
    expected: Fr,
    kind: ProofKind,
    batch: u64,
    rng: &mut R,
) -> Result<Proof<Bn254>, VoteProverError> {
    let (proof, public, _) =
        prove_with_matrices(pk, matrices, circuit, rng).map_err(|source| match source {
            ProverError::NotTheKeysCircuit => VoteProverError::ProofRejected { kind, batch },
            source => VoteProverError::Prove { kind, batch, source },
        })?;
    if public != [expected] {
        return Err(VoteProverError::PublicInputMismatch { kind, batch });
    }
    Ok(proof)
}

/// The matrices of one of the poll's two circuits, synthesized once from the first batch to
/// prove (`batch`) for all the batches of the poll, and checked against `pk`.
fn step_matrices<C: ark_relations::gr1cs::ConstraintSynthesizer<Fr>>(
    pk: &ProvingKey<Bn254>,
    first: Option<(u64, C)>,
    kind: ProofKind,
) -> Result<Option<ConstraintMatrices>, VoteProverError> {
    let Some((batch, first)) = first else { return Ok(None) };
    let prove_err = |source| VoteProverError::Prove { kind, batch, source };
    let matrices = ConstraintMatrices::synthesize(first).map_err(prove_err)?;
    matrices.check_key(pk).map_err(prove_err)?;
    Ok(Some(matrices))
}

/// Proves a closed poll: pads `run.messages` as `closePoll` does, builds every witness, and proves
/// every message batch under `process_pk` (made for `params`) and every ballot batch of
/// `tally_batch` ballots under `tally_pk` (made for the same depths and `T = tally_batch`).
///
/// Fresh `sb` and tally salts are drawn from `rng`, as are the proofs' blinding factors.
/// `progress` hears of each proof as it starts and as it is done.
///
/// # Errors
///
/// [`VoteProverError`]: the coordinator key is not the poll's, the poll does not fit the trees,
/// `tally_batch` is invalid, there is no voter, or a key does not fit its circuit.
pub fn coordinate(
    run: &PollRun<'_>,
    process_pk: &ProvingKey<Bn254>,
    params: VoteParams,
    tally_pk: &ProvingKey<Bn254>,
    tally_batch: usize,
    rng: &mut (impl RngCore + CryptoRng),
    progress: &mut dyn FnMut(CoordinatorStep),
) -> Result<Coordinated, VoteProverError> {
    let padded = pad_messages(run.messages, params.batch_size);
    let processing =
        process_witnesses(&run.poll, run.voters, &padded, run.coordinator, &params, || Fr::rand(&mut *rng))?;
    let tally = tally_after_processing(&run.poll, &processing, tally_batch, || Fr::rand(&mut *rng))?;

    let (n_process, n_tally) = (processing.batches.len(), tally.batches.len());
    let total = n_process + n_tally;
    let first_process =
        processing.batches.first().map(|b| (b.batch_index as u64, ProcessCircuit::new(b.clone())));
    let process_matrices = step_matrices(process_pk, first_process, ProofKind::Process)?;
    let first_tally = tally.batches.first().map(|b| (b.batch_index, TallyCircuit::new(b.clone())));
    let tally_matrices = step_matrices(tally_pk, first_tally, ProofKind::Tally)?;
    let mut process = Vec::with_capacity(n_process);
    for (i, batch) in processing.batches.iter().enumerate() {
        let b = batch.batch_index as u64;
        let step = CoordinatorStep {
            kind: ProofKind::Process,
            i: i + 1,
            n: n_process,
            batch: b,
            done: false,
            total,
        };
        progress(step);
        let public_input = batch.public_input();
        let matrices = process_matrices.as_ref().expect("a processing batch exists");
        let circuit = ProcessCircuit::new(batch.clone());
        let proof = prove_step(process_pk, matrices, circuit, public_input, ProofKind::Process, b, rng)?;
        process.push(ProvenStep { batch: b, after: batch.sb_after(), public_input, proof });
        progress(CoordinatorStep { done: true, ..step });
    }

    let mut tally_steps = Vec::with_capacity(n_tally);
    for (i, batch) in tally.batches.iter().enumerate() {
        let b = batch.batch_index;
        let step =
            CoordinatorStep { kind: ProofKind::Tally, i: i + 1, n: n_tally, batch: b, done: false, total };
        progress(step);
        let public_input = batch.public_input();
        let matrices = tally_matrices.as_ref().expect("a tally batch exists");
        let circuit = TallyCircuit::new(batch.clone());
        let proof = prove_step(tally_pk, matrices, circuit, public_input, ProofKind::Tally, b, rng)?;
        tally_steps.push(ProvenStep { batch: b, after: batch.tally_after(), public_input, proof });
        progress(CoordinatorStep { done: true, ..step });
    }

    let mut outcomes = processing.processed.outcomes;
    outcomes.truncate(run.messages.len());
    Ok(Coordinated {
        process,
        tally: tally_steps,
        results: tally.results,
        total_spent: tally.total_spent,
        salt: tally.salt,
        outcomes,
    })
}
