//! `ccr-benches vote`: the poll's message-processing proof (issue 5) on the coordinator's
//! machine: constraints per message and per batch, and the insecure development setup, proving
//! and verifying time of one batch of `B` valid votes.
//!
//! Constraints per message are the difference between batches of 2 and 1 message (each
//! synthesized from [`ProcessBatchWitness::blank`]); the batch's fixed part (the coordinator's
//! key check, the `sb` hashes, the SHA-256 public input) is what a batch of 1 has beyond that.
//! The proven batch: `B` voters (or the whole state tree, if smaller) of a poll with every
//! option the votes tree holds, each message a signed vote encrypted to the coordinator,
//! every one applied (a voter sending several has them numbered so that the reverse-order
//! processing applies them all). An ignored message costs the same constraints.
//!
//! [`maci_comparison`] adds the tally circuit at `T = 32` ballots per proof (MACI v2's tally batch)
//! and sets both circuits' constraints per message and per ballot beside MACI's
//! figures, MACI v2's measured here with circom ([`MACI_FIGURES`], each with its source).
//!
//! [`ProcessBatchWitness::blank`]: ccr_circuits::vote::witness::ProcessBatchWitness::blank
//! [`maci_comparison`]: crate::vote::maci_comparison
//! [`MACI_FIGURES`]: crate::vote::MACI_FIGURES

use std::time::{Duration, Instant};

use anyhow::{ensure, Context, Result};
use ark_relations::gr1cs::{ConstraintSynthesizer, ConstraintSystem, SynthesisMode};
use ccr_circuits::babyjubjub::eddsa::PrivateKey;
use ccr_circuits::vote::constraints::{ProcessCircuit, TallyCircuit};
use ccr_circuits::vote::tally_witness::{TallyBatchWitness, TallyParams};
use ccr_circuits::vote::trees::VoteParams;
use ccr_circuits::vote::witness::{process_witnesses, ProcessBatchWitness};
use ccr_circuits::vote::{Command, Message, Outcome, Poll, VoterState, MAX_OPTIONS};
use ccr_circuits::Fr;
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;

use crate::{ms, Latency};

/// What to measure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VoteBench {
    /// Tree depths and the batch size `B` of the proven batch.
    pub params: VoteParams,
    /// Proofs to time (the median is reported).
    pub runs: usize,
}

/// Constraints of the processing circuit at some tree depths.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProcessConstraints {
    /// Each message of a batch (batch of 2 minus batch of 1).
    pub per_message: usize,
    /// The batch's fixed part: a batch of 1 minus one message.
    pub batch_overhead: usize,
}

impl ProcessConstraints {
    /// Constraints of a batch of `b` messages (every message costs the same, the public input's
    /// SHA-256 preimage has a fixed length).
    pub fn batch(&self, b: usize) -> usize {
        self.batch_overhead + b * self.per_message
    }
}

/// What the vote benchmark measured.
#[derive(Debug, Clone)]
pub struct VoteReport {
    /// Tree depths and batch size.
    pub params: VoteParams,
    /// Voters in the poll's state tree.
    pub voters: usize,
    /// Options of the poll.
    pub options: u32,
    /// Constraints per message and per batch at these depths.
    pub constraints: ProcessConstraints,
    /// Constraints of the proven batch, synthesized (equals `constraints.batch(B)`).
    pub batch_constraints: usize,
    /// The coordinator's native work for the batch: decryption, processing, trees and witness
    /// ([`process_witnesses`]).
    pub witness: Duration,
    /// Setup time (insecure development setup).
    pub setup: Duration,
    /// Proving times: synthesis, the satisfaction check and the Groth16 arithmetic.
    pub prove: Latency,
    /// Verification times.
    pub verify: Latency,
}

fn count(circuit: impl ConstraintSynthesizer<Fr>) -> Result<usize> {
    let cs = ConstraintSystem::<Fr>::new_ref();
    cs.set_mode(SynthesisMode::Setup);
    circuit.generate_constraints(cs.clone()).context("synthesis")?;
    cs.finalize();
    Ok(cs.num_constraints())
}

/// Depths the benchmark accepts: a state tree of at most 2³² voters, at most
/// [`MAX_OPTIONS`] options.
fn check_depths(params: &VoteParams) -> Result<()> {
    ensure!((1..=32).contains(&params.state_depth), "--state-depth must be 1 to 32");
    ensure!(
        (1..=MAX_OPTIONS.trailing_zeros() as usize).contains(&params.vote_depth),
        "--vote-depth must be 1 to {}",
        MAX_OPTIONS.trailing_zeros()
    );
    Ok(())
}

fn blank(params: VoteParams, batch_size: usize) -> Result<ProcessBatchWitness> {
    ProcessBatchWitness::blank(VoteParams { batch_size, ..params }).context("blank processing batch")
}

/// Constraints per message and per batch at the depths of `params` (its batch size is
/// ignored).
///
/// # Errors
///
/// A depth the trees refuse, or a failed synthesis.
pub fn process_constraints(params: &VoteParams) -> Result<ProcessConstraints> {
    check_depths(params)?;
    let one = count(ProcessCircuit::new(blank(*params, 1)?))?;
    let two = count(ProcessCircuit::new(blank(*params, 2)?))?;
    let per_message = two.checked_sub(one).context("a batch of 2 has fewer constraints than one of 1")?;
    let batch_overhead = one.checked_sub(per_message).context("negative batch overhead")?;
    Ok(ProcessConstraints { per_message, batch_overhead })
}

/// Voice credits per voter: more than any vote of the benchmark costs.
const CREDITS: u64 = 1_000_000;

/// One batch of `params.batch_size` valid votes and the poll they are for, with the
/// coordinator's time to build its witness. Returns the witness, the number of voters and
/// options, and that time.
///
/// # Errors
///
/// Depths the trees refuse or a batch size of 0.
pub fn batch_witness(params: &VoteParams) -> Result<(ProcessBatchWitness, usize, u32, Duration)> {
    check_depths(params)?;
    let b = params.batch_size;
    ensure!(b > 0, "--batch must be at least 1");
    let mut rng = ChaCha20Rng::seed_from_u64(51);
    let coordinator = PrivateKey::random(&mut rng);
    // At most 2¹⁰ (checked above).
    let options = u32::try_from(params.max_options()).unwrap_or(MAX_OPTIONS);
    let poll = Poll {
        id: 1,
        options,
        deadline: 2_000_000_000,
        voice_credits: CREDITS,
        coordinator: coordinator.public_key(),
    };
    let voters = b.min(params.max_voters());
    let keys: Vec<PrivateKey> = (0..voters).map(|_| PrivateKey::random(&mut rng)).collect();
    let states: Vec<VoterState> = keys.iter().map(|k| poll.voter(k.public_key())).collect();

    // Message m is voter m mod voters's (m / voters)-th; processed last first, so a voter's
    // later message carries the lower nonce.
    let per_voter = |v: usize| (b - v).div_ceil(voters) as u64;
    let mut messages = Vec::with_capacity(b);
    for m in 0..b {
        let v = m % voters;
        let command = Command {
            state_index: v as u64,
            new_pubkey: keys[v].public_key(),
            vote_option: (m % options as usize) as u64,
            new_vote_weight: 1 + (m % 9) as u64,
            nonce: per_voter(v) - (m / voters) as u64,
            poll_id: poll.id,
            salt: Fr::from(m as u64 + 1),
        };
        let ephemeral = PrivateKey::random(&mut rng);
        messages.push(Message::sign_and_encrypt(&command, &keys[v], &ephemeral, &poll.coordinator)?);
    }

    let t = Instant::now();
    let mut salts = std::iter::successors(Some(Fr::from(7u64)), |s| Some(*s + Fr::from(1u64)));
    let mut all = process_witnesses(&poll, &states, &messages, &coordinator, params, || {
        salts.next().unwrap_or_default()
    })?;
    let witness_time = t.elapsed();
    let applied = all.processed.outcomes.iter().filter(|o| **o == Outcome::Applied).count();
    ensure!(applied == b, "only {applied} of the benchmark's {b} votes are valid");
    ensure!(all.batches.len() == 1, "{} batches for {b} messages", all.batches.len());
    Ok((all.batches.swap_remove(0), voters, options, witness_time))
}

/// Runs the benchmark.
///
/// # Errors
///
/// Bad parameters, a failed setup or proof, or a proof that does not verify.
pub fn run(config: &VoteBench) -> Result<VoteReport> {
    let params = config.params;
    let constraints = process_constraints(&params)?;
    let (witness, voters, options, witness_time) = batch_witness(&params)?;
    let batch_constraints = count(ProcessCircuit::new(witness.clone()))?;

    let t = Instant::now();
    let keys = ccr_prover::dev_setup(ProcessCircuit::new(blank(params, params.batch_size)?), [5; 32])?;
    let setup = t.elapsed();
    // The coordinator's path: the matrices once per poll, then each batch's witness alone.
    let prover =
        ccr_prover::Prover::new(keys.pk.clone(), ProcessCircuit::new(blank(params, params.batch_size)?))?;

    let mut rng = rand::thread_rng();
    let (mut prove_times, mut verify_times) = (Vec::new(), Vec::new());
    for _ in 0..config.runs.max(1) {
        let t = Instant::now();
        let (proof, public) =
            prover.prove_with_public_inputs(ProcessCircuit::new(witness.clone()), &mut rng)?;
        prove_times.push(t.elapsed());
        ensure!(public == [witness.public_input()], "the proof's public input is not the batch's");
        let t = Instant::now();
        let ok = ccr_prover::verify(&keys.vk, &public, &proof)?;
        verify_times.push(t.elapsed());
        ensure!(ok, "the processing proof did not verify");
    }
    Ok(VoteReport {
        params,
        voters,
        options,
        constraints,
        batch_constraints,
        witness: witness_time,
        setup,
        prove: Latency::of(prove_times),
        verify: Latency::of(verify_times),
    })
}

/// The report as Markdown: the constraints, then the timings of the proven batch.
pub fn render(r: &VoteReport) -> String {
    let p = r.params;
    let c = r.constraints;
    let prod = VoteParams::PRODUCTION.batch_size;
    format!(
        "state depth {}, vote depth {} ({} voters, {} options)\n\n\
         | what | constraints |\n\
         | --- | --- |\n\
         | per message | {} |\n\
         | per batch, fixed (key check, sb, SHA-256 public input) | {} |\n\
         | batch of {} (proven below) | {} |\n\
         | batch of {prod} (computed) | {} |\n\n\
         | batch | witness (native) | setup | prove (median of {n}) | prove (max) | prove amortized per message | verify (median) |\n\
         | --- | --- | --- | --- | --- | --- | --- |\n\
         | {} | {} | {:.2} s | {:.2} s | {:.2} s | {:.2} s | {} |",
        p.state_depth,
        p.vote_depth,
        r.voters,
        r.options,
        c.per_message,
        c.batch_overhead,
        p.batch_size,
        r.batch_constraints,
        c.batch(prod),
        p.batch_size,
        ms(r.witness),
        r.setup.as_secs_f64(),
        r.prove.p50.as_secs_f64(),
        r.prove.max.as_secs_f64(),
        r.prove.p50.as_secs_f64() / p.batch_size as f64,
        ms(r.verify.p50),
        n = r.prove.count,
    )
}

/// The report as JSON (times in seconds).
pub fn to_json(r: &VoteReport) -> serde_json::Value {
    let prod = VoteParams::PRODUCTION.batch_size;
    serde_json::json!({
        "benchmark": "vote",
        "stateDepth": r.params.state_depth,
        "voteDepth": r.params.vote_depth,
        "batchSize": r.params.batch_size,
        "voters": r.voters,
        "options": r.options,
        "constraints": {
            "perMessage": r.constraints.per_message,
            "batchOverhead": r.constraints.batch_overhead,
            "batch": r.batch_constraints,
            "productionBatchSize": prod,
            "productionBatch": r.constraints.batch(prod),
        },
        "witnessS": r.witness.as_secs_f64(),
        "setupS": r.setup.as_secs_f64(),
        "proveS": { "runs": r.prove.count, "median": r.prove.p50.as_secs_f64(), "max": r.prove.max.as_secs_f64() },
        "verifyS": { "median": r.verify.p50.as_secs_f64(), "max": r.verify.max.as_secs_f64() },
    })
}

/// A MACI circuit's size, measured or published.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MaciFigure {
    /// The MACI circuit, version and compiler setting.
    pub circuit: &'static str,
    /// Its parameters, in MACI's notation and spelled out.
    pub params: &'static str,
    /// Constraints of one proof.
    pub constraints: u64,
    /// Messages or ballots per proof.
    pub per_proof: u64,
    /// "messages" or "ballots".
    pub unit: &'static str,
    /// Vote options each ballot holds.
    pub options: u64,
    /// Constraints of one more message or ballot (from a smaller batch of the same depths).
    pub marginal: Option<u64>,
    /// Where the figure comes from.
    pub source: &'static str,
}

impl MaciFigure {
    /// Constraints per message or ballot, amortized over the proof.
    pub fn per_item(&self) -> u64 {
        self.constraints / self.per_proof
    }
}

/// How the MACI v2 figures were measured (MACI publishes no constraint count for its v2
/// ceremony circuits, only their parameters).
const MEASURED: &str =
    "measured on this machine (2026-11-22): npm maci-circuits 2.5.0 (its circom/ sources, \
     the public inputs of its circuits.json), circom2 0.2.23 (circom 2.2.3, WASM; MACI pins 2.1.6 with \
     optimization 2), circomlib 2.0.5, @zk-kit/circuits 0.4.0, `snarkjs r1cs info` \"# of Constraints\"";

/// MACI's circuit sizes: v2's production circuits measured here with circom's `--O2` (what MACI
/// builds with: every linear constraint substituted away) and `--O1` (linear constraints kept,
/// closer to how arkworks counts), and v1's published 12-3-5 tally.
pub const MACI_FIGURES: [MaciFigure; 5] = [
    MaciFigure {
        circuit: "ProcessMessages (MACI v2, circom --O2)",
        params: "14-9-2-3: 2^14 voters, 5^2 = 25 messages per proof, 5^3 = 125 options",
        constraints: 798_167,
        per_proof: 25,
        unit: "messages",
        options: 125,
        // (798,167 − 164,423 of 14-9-1-3) / 20
        marginal: Some(31_687),
        source: MEASURED,
    },
    MaciFigure {
        circuit: "ProcessMessages (MACI v2, circom --O1)",
        params: "14-9-2-3, as above",
        constraints: 1_795_120,
        per_proof: 25,
        unit: "messages",
        options: 125,
        // (1,795,120 − 373,695 of 14-9-1-3) / 20
        marginal: Some(71_071),
        source: MEASURED,
    },
    MaciFigure {
        circuit: "TallyVotes (MACI v2, circom --O2)",
        params: "14-5-3: 2^14 voters, 2^5 = 32 ballots per proof, 125 options",
        constraints: 386_155,
        per_proof: 32,
        unit: "ballots",
        options: 125,
        // (386,155 − 215,511 of 14-4-3) / 16
        marginal: Some(10_665),
        source: MEASURED,
    },
    MaciFigure {
        circuit: "TallyVotes (MACI v2, circom --O1)",
        params: "14-5-3, as above",
        constraints: 1_344_434,
        per_proof: 32,
        unit: "ballots",
        options: 125,
        // (1,344,434 − 749,391 of 14-4-3) / 16
        marginal: Some(37_190),
        source: MEASURED,
    },
    MaciFigure {
        circuit: "TallyVotes (MACI v1)",
        params: "12-3-5: state tree 5^12, 5^3 = 125 ballots per proof, 5^5 = 3,125 options",
        constraints: 33_265_305,
        per_proof: 125,
        unit: "ballots",
        options: 3_125,
        marginal: None,
        source: "github.com/privacy-ethereum/maci/issues/469 (also iden3/snarkjs#183): \"constrains: 33 M \
                 (33265305)\", zkey 32.8 GB",
    },
];

/// MACI v2's production tally batch (`TallyVotes_14-5-3`: `2^5` ballots per proof).
pub const MACI_V2_TALLY_BATCH: usize = 32;

/// MACI v2's production message batch (`ProcessMessages_14-9-2-3`: `5^2` messages per proof).
pub const MACI_V2_MESSAGE_BATCH: usize = 25;

/// Our circuits at the benchmark's depths beside MACI's figures.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MaciComparison {
    /// Tree depths of our circuits.
    pub params: VoteParams,
    /// Our processing circuit.
    pub process: ProcessConstraints,
    /// Ballots per tally proof ([`MACI_V2_TALLY_BATCH`], or the whole ballot tree if smaller).
    pub tally_batch: usize,
    /// Constraints of our tally proof of `tally_batch` ballots.
    pub tally_constraints: usize,
    /// Constraints of a tally proof of half as many ballots (its path to the root one level
    /// longer): the difference, over `tally_batch / 2`, is the marginal cost of a ballot.
    pub tally_half_constraints: usize,
}

impl MaciComparison {
    /// Constraints per ballot, amortized over a tally proof.
    pub fn tally_per_ballot(&self) -> usize {
        self.tally_constraints / self.tally_batch
    }

    /// Marginal constraints per ballot: `(tally(T) − tally(T/2)) / (T/2)`.
    pub fn tally_marginal_per_ballot(&self) -> usize {
        let half = (self.tally_batch / 2).max(1);
        self.tally_constraints.saturating_sub(self.tally_half_constraints) / half
    }
}

/// Synthesizes the tally circuit of `T = 32` ballots (at most the whole ballot tree) at the depths
/// of `params` and pairs it with the processing figures.
///
/// # Errors
///
/// A depth the trees refuse, or a failed synthesis.
pub fn maci_comparison(params: &VoteParams, process: ProcessConstraints) -> Result<MaciComparison> {
    check_depths(params)?;
    let tally_batch = MACI_V2_TALLY_BATCH.min(params.max_voters());
    ensure!(tally_batch >= 2, "--state-depth must be at least 1 for a tally of 2 ballots");
    let tally = |t: usize| -> Result<usize> {
        let tally_params = TallyParams::new(params, t).context("tally parameters")?;
        count(TallyCircuit::new(TallyBatchWitness::blank(tally_params).context("blank tally batch")?))
    };
    Ok(MaciComparison {
        params: *params,
        process,
        tally_batch,
        tally_constraints: tally(tally_batch)?,
        tally_half_constraints: tally(tally_batch / 2)?,
    })
}

/// The comparison as a Markdown table, with the sources under it.
pub fn render_maci(c: &MaciComparison) -> String {
    let p = c.params;
    let options = p.max_options();
    let b = MACI_V2_MESSAGE_BATCH;
    let tally_per_ballot = c.tally_per_ballot();
    let mut out = format!(
        "| circuit | parameters | constraints per proof | per proof | per message or ballot | per ballot and option |\n\
         | --- | --- | --- | --- | --- | --- |\n\
         | processing (ours) | state depth {sd}, {options} options, B = {b} | {} | {b} messages | {} (marginal) | |\n\
         | tally (ours) | state depth {sd}, {options} options, T = {t} | {} | {t} ballots | {tally_per_ballot} \
         ({} marginal) | {} |\n",
        c.process.batch(b),
        c.process.per_message,
        c.tally_constraints,
        c.tally_marginal_per_ballot(),
        tally_per_ballot / options,
        sd = p.state_depth,
        t = c.tally_batch,
    );
    for m in &MACI_FIGURES {
        let marginal = m.marginal.map(|x| format!(" ({x} marginal)")).unwrap_or_default();
        let per_option =
            if m.unit == "ballots" { (m.per_item() / m.options).to_string() } else { String::new() };
        out.push_str(&format!(
            "| {} | {} | {} | {} {} | {}{marginal} | {per_option} |\n",
            m.circuit,
            m.params,
            m.constraints,
            m.per_proof,
            m.unit,
            m.per_item(),
        ));
    }
    out.push_str(
        "\ncircom --O2 substitutes every linear constraint away (MACI builds so); --O1 keeps them, \
         as arkworks keeps the linear constraints it cannot fold into linear combinations.\nSources:",
    );
    let mut seen = Vec::new();
    for m in &MACI_FIGURES {
        if !seen.contains(&m.source) {
            seen.push(m.source);
            out.push_str(&format!("\n- {}: {}", m.circuit, m.source));
        }
    }
    out
}

/// The comparison as JSON.
pub fn maci_to_json(c: &MaciComparison) -> serde_json::Value {
    serde_json::json!({
        "tallyBatch": c.tally_batch,
        "tallyConstraints": c.tally_constraints,
        "tallyPerBallot": c.tally_per_ballot(),
        "tallyMarginalPerBallot": c.tally_marginal_per_ballot(),
        "processPerMessage": c.process.per_message,
        "processBatch25": c.process.batch(MACI_V2_MESSAGE_BATCH),
        "maci": MACI_FIGURES.iter().map(|m| serde_json::json!({
            "circuit": m.circuit,
            "params": m.params,
            "constraints": m.constraints,
            "perProof": m.per_proof,
            "perItem": m.per_item(),
            "marginal": m.marginal,
            "source": m.source,
        })).collect::<Vec<_>>(),
    })
}
