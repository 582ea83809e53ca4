//! Batch proving, the stock arkworks path against the project's, on the same batch witness in
//! one process.
//!
//! - **stock**: `Groth16::<Bn254>::prove`, which synthesizes the whole constraint system (every
//!   linear combination, inlined into matrices) for each proof: how the prover worked before.
//! - **before**: what `ccr_prover::prove` did until the matrices were cached: the same full
//!   synthesis, arkworks' own satisfaction check (`which_is_unsatisfied`), then the Groth16
//!   arithmetic over the freshly built matrices.
//! - **cached**: [`ccr_prover::Prover`], whose matrices are synthesized once per key (timed
//!   apart: a node pays it once at start) and which computes only the witness per proof, checks
//!   it against the matrices and verifies its own proof.
//!
//! Peak memory is the process's resident high-water mark (`VmHWM`), reset before each
//! measurement through `/proc/self/clear_refs`; it includes the proving key.

use std::time::Instant;

use anyhow::{ensure, Context, Result};
use ark_ff::UniformRand;
use ark_groth16::{Groth16, Proof, ProvingKey};
use ark_relations::gr1cs::{
    ConstraintSynthesizer, ConstraintSystem, OptimizationGoal, SynthesisMode, R1CS_PREDICATE_LABEL,
};
use ark_snark::SNARK;
use ccr_circuits::batch::constraints::BatchCircuit;
use ccr_prover::{Bn254, Fr, ProofTimings, Prover};

use crate::Scenario;

/// Options of one run.
#[derive(Clone, Debug)]
pub struct ProveBench {
    /// Account tree depth.
    pub depth: usize,
    /// Batch sizes.
    pub sizes: Vec<usize>,
    /// Also run arkworks' stock prover (skip it at sizes where it would only cost time).
    pub stock: bool,
}

/// Figures of one batch size.
#[derive(Clone, Debug)]
pub struct ProveRow {
    /// Transfers in the batch.
    pub batch: usize,
    /// Constraints of the circuit.
    pub constraints: usize,
    /// Development setup, seconds.
    pub setup_secs: f64,
    /// Stock proof, seconds, and the peak resident memory while it ran (MiB).
    pub stock: Option<(f64, u64)>,
    /// The project's proof before the matrices were cached, seconds, and its peak (MiB).
    pub before: Option<(f64, u64)>,
    /// The matrices' synthesis (once per key), seconds, and their size in memory (MiB).
    pub matrices: (f64, usize),
    /// The cached-matrix proof, and the peak resident memory while it ran (MiB).
    pub cached: (ProofTimings, u64),
}

impl ProveRow {
    /// Cached-matrix proof, seconds.
    pub fn cached_secs(&self) -> f64 {
        self.cached.0.total().as_secs_f64()
    }
}

/// Runs the benchmark, reporting each size on `say` as it finishes.
///
/// # Errors
///
/// A failed setup or proof, or a proof that does not verify.
pub fn run(config: &ProveBench, say: &mut dyn FnMut(&ProveRow)) -> Result<Vec<ProveRow>> {
    let mut rows = Vec::new();
    for &n in &config.sizes {
        let circuit = Scenario::transfers(config.depth, n, n)?.circuit;
        let public = circuit.witness.public_commitment();

        let t = Instant::now();
        let keys = ccr_prover::dev_setup(circuit.clone(), [7; 32])?;
        let setup_secs = t.elapsed().as_secs_f64();

        let stock = if config.stock {
            reset_peak();
            let t = Instant::now();
            let proof = Groth16::<Bn254>::prove(&keys.pk, circuit.clone(), &mut rand::thread_rng())
                .context("stock prover")?;
            let secs = t.elapsed().as_secs_f64();
            ensure!(ccr_prover::verify(&keys.vk, &[public], &proof)?, "the stock proof did not verify");
            Some((secs, peak_mib()))
        } else {
            None
        };
        let before = if config.stock {
            reset_peak();
            let t = Instant::now();
            let proof = prove_before(&keys.pk, circuit.clone())?;
            let secs = t.elapsed().as_secs_f64();
            ensure!(
                ccr_prover::verify(&keys.vk, &[public], &proof)?,
                "the earlier path's proof did not verify"
            );
            Some((secs, peak_mib()))
        } else {
            None
        };

        let t = Instant::now();
        let prover = Prover::new(keys.pk, circuit.clone())?;
        let matrices = (t.elapsed().as_secs_f64(), prover.matrices().heap_bytes() >> 20);
        let constraints = prover.matrices().num_constraints();

        reset_peak();
        let (proof, inputs, timings) = prover.prove_timed(circuit, &mut rand::thread_rng())?;
        let peak = peak_mib();
        ensure!(inputs == [public], "the cached prover's public input is not the batch commitment");
        ensure!(ccr_prover::verify(&keys.vk, &[public], &proof)?, "the cached proof did not verify");

        let row =
            ProveRow { batch: n, constraints, setup_secs, stock, before, matrices, cached: (timings, peak) };
        say(&row);
        rows.push(row);
    }
    Ok(rows)
}

/// The figures as a Markdown table, with the per-phase split of the cached path below it.
pub fn render(depth: usize, rows: &[ProveRow]) -> String {
    let mut out = format!(
        "depth {depth}\n\n| batch | constraints | setup | stock prove | peak | before | cached prove | peak | \
         speed-up (vs stock) | µs/constraint (stock → cached) | s/transfer | matrices, once per key |\n\
         | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |\n"
    );
    for r in rows {
        let cached = r.cached_secs();
        let per = |secs: f64| secs * 1e6 / r.constraints as f64;
        let (stock, stock_peak, ratio, stock_per) = match r.stock {
            Some((secs, peak)) => (
                format!("{secs:.2} s"),
                format!("{:.1} GiB", peak as f64 / 1024.0),
                format!("{:.2}×", secs / cached),
                format!("{:.1} → ", per(secs)),
            ),
            None => ("—".into(), "—".into(), "—".into(), String::new()),
        };
        let before = r.before.map_or("—".into(), |(secs, _)| format!("{secs:.2} s"));
        out += &format!(
            "| {} | {} | {:.1} s | {stock} | {stock_peak} | {before} | {cached:.2} s | {:.1} GiB | {ratio} | \
             {stock_per}{:.1} | {:.2} | {:.1} s, {} MiB |\n",
            r.batch,
            r.constraints,
            r.setup_secs,
            r.cached.1 as f64 / 1024.0,
            per(cached),
            cached / r.batch as f64,
            r.matrices.0,
            r.matrices.1,
        );
    }
    out += "\ncached prove, by phase (witness synthesis / A·z, B·z, C·z and the check / FFTs / MSMs / self-verification):\n";
    for r in rows {
        let t = &r.cached.0;
        out += &format!(
            "  batch {}: {:.2} / {:.2} / {:.2} / {:.2} / {:.3} s\n",
            r.batch,
            t.witness.as_secs_f64(),
            t.check.as_secs_f64(),
            t.fft.as_secs_f64(),
            t.msm.as_secs_f64(),
            t.verify.as_secs_f64()
        );
    }
    out
}

/// The proof as `ccr_prover::prove` made it before the matrices were cached (kept here as the
/// benchmark's record of the earlier path).
fn prove_before(pk: &ProvingKey<Bn254>, circuit: BatchCircuit) -> Result<Proof<Bn254>> {
    let cs = ConstraintSystem::<Fr>::new_ref();
    cs.set_optimization_goal(OptimizationGoal::Constraints);
    cs.set_mode(SynthesisMode::Prove { construct_matrices: true, generate_lc_assignments: false });
    circuit.generate_constraints(cs.clone())?;
    cs.finalize();
    ensure!(cs.which_is_unsatisfied()?.is_none(), "the benchmark's batch is invalid");
    let (num_inputs, num_constraints) = (cs.num_instance_variables(), cs.num_constraints());
    let full = [cs.instance_assignment()?, cs.witness_assignment()?].concat();
    let matrices = cs.to_matrices()?;
    let r1cs = matrices.get(R1CS_PREDICATE_LABEL).context("no R1CS predicate")?;
    let mut rng = rand::thread_rng();
    let (r, s) = (Fr::rand(&mut rng), Fr::rand(&mut rng));
    Ok(Groth16::<Bn254>::create_proof_with_reduction_and_matrices(
        pk,
        r,
        s,
        r1cs,
        num_inputs,
        num_constraints,
        &full,
    )?)
}

/// Resets the resident-memory high-water mark (Linux; elsewhere the figure is the process's).
pub(crate) fn reset_peak() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

/// The resident-memory high-water mark, MiB (0 where `/proc` is absent).
pub(crate) fn peak_mib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .map_or(0, |kib| kib / 1024)
}
