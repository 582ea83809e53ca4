//! `ccr-benches health`: the solidarity fund's epoch proof (issue 11) on the prover's machine:
//! constraints per bank and per epoch, the native table, the statement and witness, and the
//! insecure development setup, proving and verifying time of one epoch of `B` member banks.
//!
//! The epoch: `B` banks spread round-robin over four bioregions whose indicator values are the
//! shipped data's (the OECD Better Life Index and OWID CO₂ totals of Norway, Germany, Greece and
//! Spain), each region reported by three registered attesters who disagree by about 1 % (so the
//! medians have work to do), every report fresh and signed; each bank with its own credit
//! flows by purpose, repayments, writedowns, pool balance, receivable and poll turnout
//! (a seeded random draw). Every bank slot therefore verifies three signatures and three
//! registry paths, the most a slot holds: the circuit's cost does not depend on the values.
//!
//! Proofs go through [`ccr_prover::Prover`], the cached-matrix prover the batch benchmark
//! measures (`ccr-benches prove`, "cached"): the matrices synthesized once per key from
//! [`EpochCircuit::setup`](ccr_circuits::health::constraints::EpochCircuit::setup), then per proof only the witness, its check against the matrices,
//! the Groth16 arithmetic and the proof's check against the key. Verification is
//! [`ccr_prover::verify`](fn@ccr_prover::verify) over the statement's six public inputs.

use std::time::{Duration, Instant};

use anyhow::{ensure, Context, Result};
use ark_relations::gr1cs::{ConstraintSynthesizer, ConstraintSystem, SynthesisMode};
use ccr_circuits::babyjubjub::eddsa::PrivateKey;
use ccr_circuits::credit::N_PURPOSES;
use ccr_circuits::health::constraints::{epoch_inputs, EpochCircuit};
use ccr_circuits::health::fund::{FundMember, FundParams, MAX_REPORTS};
use ccr_circuits::health::score::{BankActivity, HealthParams};
use ccr_circuits::health::{HealthAttesterRegistry, IndicatorReport, SignedReport, N_INDICATORS, SCALE};
use ccr_circuits::Fr;
use ccr_prover::ProofTimings;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha20Rng;

use crate::prove::{peak_mib, reset_peak};
use crate::{ms, Latency};

/// The goal: constraints per bank.
pub const GOAL_CONSTRAINTS_PER_BANK: usize = 35_000;

/// The goal: banks of the epoch proven within [`GOAL_PROVE_SECS`].
pub const GOAL_BANKS: usize = 32;

/// The goal: seconds to prove a [`GOAL_BANKS`]-bank epoch on this machine.
pub const GOAL_PROVE_SECS: f64 = 60.0;

/// The epoch proven.
pub const EPOCH: u32 = 24;

/// The fund's balance before the epoch.
pub const FUND_BEFORE: u64 = 2_000_000;

/// Attesters reporting each bioregion (the circuit's report slots per bank).
pub const ATTESTERS_PER_REGION: usize = MAX_REPORTS;

/// The bioregions and their indicators, in `ccr_circuits::health::INDICATORS`' order
/// (employment %, long-term unemployment %, CO₂ t/person, PM2.5 µg/m³, satisfied with water
/// quality %, upper-secondary attainment %, PISA points, can count on someone %): the totals
/// of `shared/data/regional_indicators/oecd_bli_plus_owid_co2.csv` (OWID CO₂ of 2018), the
/// first three as the circuit tests have them.
pub const REGIONS: [(&str, [f64; N_INDICATORS]); 4] = [
    ("Norway", [75.0, 0.67, 8.3, 6.0, 98.0, 82.0, 504.0, 94.0]),
    ("Germany", [75.0, 1.57, 9.4, 14.0, 91.0, 87.0, 508.0, 90.0]),
    ("Greece", [52.0, 19.5, 6.2, 18.0, 69.0, 73.0, 458.0, 83.0]),
    ("Spain", [62.0, 7.66, 5.7, 11.0, 72.0, 59.0, 491.0, 93.0]),
];

/// What to measure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HealthBench {
    /// Member banks of each proven epoch (the circuit's bank slots, all filled).
    pub banks: Vec<usize>,
    /// Proofs to time per bank count (the median is reported).
    pub runs: usize,
}

/// One synthetic epoch: the attester registry, the member banks and the signed reports.
#[derive(Debug, Clone)]
pub struct EpochScenario {
    /// The health attesters, three per bioregion.
    pub registry: HealthAttesterRegistry,
    /// The member banks, bank `i` in bioregion `i mod 4`.
    pub members: Vec<FundMember>,
    /// Three signed reports for each bioregion some bank is in.
    pub reports: Vec<SignedReport>,
}

/// Figures of one bank count.
#[derive(Debug, Clone)]
pub struct HealthRow {
    /// Member banks (and bank slots).
    pub banks: usize,
    /// Bioregions the banks are in.
    pub bioregions: usize,
    /// Signed reports of the epoch.
    pub reports: usize,
    /// Reports the circuit verifies (three per bank slot).
    pub slot_reports: usize,
    /// Constraints of the circuit, synthesized in setup mode.
    pub constraints: usize,
    /// The native table alone ([`FundParams::table`]).
    pub table: Duration,
    /// The statement and witness ([`epoch_inputs`]: the table again, the counted reports and
    /// the registry paths).
    pub inputs: Duration,
    /// Insecure development setup ([`ccr_prover::dev_setup`]).
    pub setup: Duration,
    /// The matrices' synthesis, once per key, and their size in memory (MiB).
    pub matrices: (Duration, usize),
    /// Proving times (witness synthesis to the proof checked against its key).
    pub prove: Latency,
    /// Where the median proof's time went.
    pub phases: ProofTimings,
    /// Peak resident memory while proving, proving key included (MiB; 0 without `/proc`).
    pub peak_mib: u64,
    /// Verification times.
    pub verify: Latency,
    /// Every proof verified against the statement.
    pub verified: bool,
    /// `Σ contributions`.
    pub collected: u64,
    /// `Σ grants`.
    pub granted: u64,
    /// The fund after the epoch.
    pub fund_after: u64,
}

/// What the health benchmark measured.
#[derive(Debug, Clone)]
pub struct HealthReport {
    /// Constraints of each bank slot (2 slots minus 1; a bank's share of the table hash varies
    /// by a permutation, so larger epochs run a little above `overhead + B × per_bank`).
    pub per_bank: usize,
    /// The epoch's fixed part (1 slot minus a bank).
    pub overhead: usize,
    /// One row per bank count.
    pub rows: Vec<HealthRow>,
}

impl HealthReport {
    /// Whether the per-bank constraints meet [`GOAL_CONSTRAINTS_PER_BANK`].
    pub fn constraints_goal_met(&self) -> bool {
        self.per_bank <= GOAL_CONSTRAINTS_PER_BANK
    }

    /// The median proving time of the [`GOAL_BANKS`]-bank epoch and whether it meets
    /// [`GOAL_PROVE_SECS`]; `None` when no such epoch was proven.
    pub fn prove_goal(&self) -> Option<(f64, bool)> {
        self.rows.iter().find(|r| r.banks == GOAL_BANKS).map(|r| {
            let secs = r.prove.p50.as_secs_f64();
            (secs, secs <= GOAL_PROVE_SECS)
        })
    }
}

fn count(circuit: impl ConstraintSynthesizer<Fr>) -> Result<usize> {
    let cs = ConstraintSystem::<Fr>::new_ref();
    cs.set_mode(SynthesisMode::Setup);
    circuit.generate_constraints(cs.clone()).context("synthesis")?;
    cs.finalize();
    Ok(cs.num_constraints())
}

/// Attester `a` (0, 1, 2) of bioregion `region`: registry index `3·region + a`.
fn attester(region: usize, a: usize) -> PrivateKey {
    PrivateKey::random(&mut ChaCha20Rng::seed_from_u64(1_000 + (region * ATTESTERS_PER_REGION + a) as u64))
}

/// A bank's epoch: up to five purposes lent (some left out), part of it repaid, a little
/// written down, a pool of 0.2 to 5 million with 10 to 60 % of it lent out, a poll's turnout.
fn activity(rng: &mut ChaCha20Rng) -> BankActivity {
    let pool_balance = rng.gen_range(200_000..5_000_000u64);
    let receivable = pool_balance * rng.gen_range(10..60u64) / 100;
    let lent_by_purpose: [u64; N_PURPOSES] =
        std::array::from_fn(|_| if rng.gen_bool(0.7) { rng.gen_range(0..pool_balance / 20) } else { 0 });
    let lent: u64 = lent_by_purpose.iter().sum();
    let voters = rng.gen_range(20..200u32);
    BankActivity {
        lent_by_purpose,
        repaid: rng.gen_range(0..=lent),
        written_down: rng.gen_range(0..=receivable / 50),
        pool_balance,
        receivable,
        voted: rng.gen_range(0..=voters),
        voters,
    }
}

/// The epoch of `banks` member banks (see the module's documentation).
///
/// # Errors
///
/// `banks` is 0, or a report or the registry refuses a value.
pub fn scenario(banks: usize) -> Result<EpochScenario> {
    ensure!(banks > 0, "--banks must be at least 1");
    let regions = banks.min(REGIONS.len());
    let mut registry = HealthAttesterRegistry::new();
    let mut reports = Vec::new();
    for (region, (_, values)) in REGIONS.iter().enumerate().take(regions) {
        for a in 0..ATTESTERS_PER_REGION {
            let key = attester(region, a);
            registry.add((region * ATTESTERS_PER_REGION + a) as u64, &key.public_key())?;
            // The attesters disagree by about 1 %: −1 %, 0, +1 %.
            let jitter = 1.0 + (a as f64 - 1.0) / 100.0;
            let report = IndicatorReport {
                bioregion: region as u32,
                // Fresh: this epoch or up to two before.
                epoch: EPOCH - a as u32,
                data_year: 2022,
                source_digest: [(region * ATTESTERS_PER_REGION + a) as u8 + 1; 32],
                values: values.map(|v| Some((v * jitter * SCALE as f64).round() as i64)),
            };
            reports.push(SignedReport::sign(&key, report).context("signing a report")?);
        }
    }
    let mut rng = ChaCha20Rng::seed_from_u64(11);
    let members = (0..banks)
        .map(|i| FundMember {
            pool: 100 + i as u32,
            bioregion: (i % REGIONS.len()) as u32,
            activity: activity(&mut rng),
        })
        .collect();
    Ok(EpochScenario { registry, members, reports })
}

/// Constraints of each bank slot and of the epoch's fixed part.
///
/// # Errors
///
/// A failed synthesis.
pub fn epoch_constraints() -> Result<(usize, usize)> {
    let one = count(EpochCircuit::setup(1))?;
    let two = count(EpochCircuit::setup(2))?;
    let per_bank = two.checked_sub(one).context("two bank slots have fewer constraints than one")?;
    Ok((per_bank, one.checked_sub(per_bank).context("negative epoch overhead")?))
}

/// Measures one epoch of `banks` banks, `runs` proofs.
///
/// # Errors
///
/// As [`run`].
pub fn run_one(banks: usize, runs: usize) -> Result<HealthRow> {
    let s = scenario(banks)?;
    let (health, fund) = (HealthParams::default(), FundParams::default());
    let constraints = count(EpochCircuit::setup(banks))?;

    let t = Instant::now();
    let table = fund
        .table(&health, &s.registry, EPOCH, FUND_BEFORE, &s.members, &s.reports)
        .context("the native table")?;
    let table_time = t.elapsed();
    ensure!(table.conserves(), "the native table does not conserve");

    let t = Instant::now();
    let (inputs_table, statement, witness) =
        epoch_inputs(&health, &fund, &s.registry, EPOCH, FUND_BEFORE, &s.members, &s.reports, banks)
            .context("the epoch's inputs")?;
    let inputs_time = t.elapsed();
    ensure!(inputs_table == table, "the inputs' table is not the native table");
    let slot_reports = witness.reports.iter().map(Vec::len).sum();

    let t = Instant::now();
    let keys = ccr_prover::dev_setup(EpochCircuit::setup(banks), [13; 32])?;
    let setup = t.elapsed();
    let t = Instant::now();
    let prover = ccr_prover::Prover::new(keys.pk, EpochCircuit::setup(banks))?;
    let matrices = (t.elapsed(), prover.matrices().heap_bytes() >> 20);
    ensure!(prover.matrices().num_constraints() == constraints, "the matrices' count is not the synthesis'");

    let mut rng = rand::thread_rng();
    let public = statement.public_inputs();
    let (mut proofs, mut verify_times, mut peak, mut verified) = (Vec::new(), Vec::new(), 0, true);
    for _ in 0..runs.max(1) {
        reset_peak();
        let (proof, inputs, timings) =
            prover.prove_timed(EpochCircuit::new(statement.clone(), witness.clone()), &mut rng)?;
        peak = peak.max(peak_mib());
        ensure!(inputs == public, "the proof's public inputs are not the statement's");
        let t = Instant::now();
        let ok = ccr_prover::verify(&keys.vk, &public, &proof)?;
        verify_times.push(t.elapsed());
        verified &= ok;
        ensure!(ok, "the epoch proof did not verify");
        proofs.push(timings);
    }
    proofs.sort_by_key(ProofTimings::total);
    let phases = proofs[(proofs.len() - 1) / 2];
    Ok(HealthRow {
        banks,
        bioregions: table.medians.len(),
        reports: s.reports.len(),
        slot_reports,
        constraints,
        table: table_time,
        inputs: inputs_time,
        setup,
        matrices,
        prove: Latency::of(proofs.iter().map(ProofTimings::total).collect()),
        phases,
        peak_mib: peak,
        verify: Latency::of(verify_times),
        verified,
        collected: table.collected,
        granted: table.granted,
        fund_after: table.fund_after,
    })
}

/// Runs the benchmark, reporting each bank count on `say` as it finishes.
///
/// # Errors
///
/// No bank count, a bank count of 0, a table that lapses, a failed setup or proof, or a proof
/// that does not verify.
pub fn run(config: &HealthBench, say: &mut dyn FnMut(&HealthRow)) -> Result<HealthReport> {
    ensure!(!config.banks.is_empty(), "--banks needs at least one bank count");
    ensure!(config.banks.iter().all(|&b| b > 0), "--banks must be at least 1");
    let (per_bank, overhead) = epoch_constraints()?;
    let mut rows = Vec::new();
    for &banks in &config.banks {
        let row = run_one(banks, config.runs)?;
        say(&row);
        rows.push(row);
    }
    Ok(HealthReport { per_bank, overhead, rows })
}

fn met(ok: bool) -> &'static str {
    if ok {
        "met"
    } else {
        "NOT met"
    }
}

/// The report as Markdown: the constraints, the timings per bank count, the proofs' phases and
/// the goals.
pub fn render(r: &HealthReport) -> String {
    let mut out = format!(
        "solidarity fund epoch proof: banks over {} bioregions, {ATTESTERS_PER_REGION} attesters each; \
         insecure development setup; cached-matrix prover (ccr_prover::Prover)\n\n\
         | what | constraints |\n\
         | --- | --- |\n\
         | per bank (2 slots − 1) | {} |\n\
         | per epoch, fixed (public inputs, parameters' hash, fund, table hash) | {} |\n\n\
         (the table hash absorbs each bank's line at 11 elements per Poseidon permutation, so a bank \
         adds two or three: the synthesized totals below run a little above fixed + B × per bank)\n\n\
         | banks | bioregions | reports (verified in slots) | constraints | per bank, amortized | native table | \
         statement + witness | setup | matrices, once per key | prove (median of {n}) | prove (max) | peak | \
         verify (median) | verified | collected / granted / fund after |\n\
         | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |\n",
        REGIONS.len(),
        r.per_bank,
        r.overhead,
        n = r.rows.first().map_or(0, |row| row.prove.count),
    );
    for row in &r.rows {
        out += &format!(
            "| {} | {} | {} ({}) | {} | {} | {} | {} | {:.2} s | {:.2} s, {} MiB | {:.2} s | {:.2} s | {:.1} GiB | {} | {} | \
             {} / {} / {} |\n",
            row.banks,
            row.bioregions,
            row.reports,
            row.slot_reports,
            row.constraints,
            row.constraints / row.banks,
            ms(row.table),
            ms(row.inputs),
            row.setup.as_secs_f64(),
            row.matrices.0.as_secs_f64(),
            row.matrices.1,
            row.prove.p50.as_secs_f64(),
            row.prove.max.as_secs_f64(),
            row.peak_mib as f64 / 1024.0,
            ms(row.verify.p50),
            row.verified,
            row.collected,
            row.granted,
            row.fund_after,
        );
    }
    out += "\nmedian proof, by phase (witness synthesis / A·z, B·z, C·z and the check / FFTs / MSMs / \
            self-verification):\n";
    for row in &r.rows {
        let t = &row.phases;
        out += &format!(
            "  {} banks: {:.2} / {:.2} / {:.2} / {:.2} / {:.3} s\n",
            row.banks,
            t.witness.as_secs_f64(),
            t.check.as_secs_f64(),
            t.fft.as_secs_f64(),
            t.msm.as_secs_f64(),
            t.verify.as_secs_f64()
        );
    }
    out += &format!(
        "\ngoal: <= {GOAL_CONSTRAINTS_PER_BANK} constraints per bank: {} ({})\n",
        r.per_bank,
        met(r.constraints_goal_met())
    );
    out += &match r.prove_goal() {
        Some((secs, ok)) => format!(
            "goal: {GOAL_BANKS}-bank epoch proven in <= {GOAL_PROVE_SECS:.0} s on this machine: {secs:.2} s ({})",
            met(ok)
        ),
        None => format!(
            "goal: {GOAL_BANKS}-bank epoch proven in <= {GOAL_PROVE_SECS:.0} s on this machine: not measured \
             (no {GOAL_BANKS}-bank run)"
        ),
    };
    out
}

/// The report as JSON (times in seconds).
pub fn to_json(r: &HealthReport) -> serde_json::Value {
    let secs = |d: Duration| d.as_secs_f64();
    serde_json::json!({
        "benchmark": "health",
        "setup": "insecure development setup",
        "prover": "ccr_prover::Prover (cached matrices)",
        "constraints": { "perBank": r.per_bank, "overhead": r.overhead },
        "goals": {
            "constraintsPerBank": { "limit": GOAL_CONSTRAINTS_PER_BANK, "value": r.per_bank, "met": r.constraints_goal_met() },
            "prove": {
                "banks": GOAL_BANKS,
                "limitS": GOAL_PROVE_SECS,
                "valueS": r.prove_goal().map(|(s, _)| s),
                "met": r.prove_goal().map(|(_, ok)| ok),
            },
        },
        "rows": r.rows.iter().map(|row| serde_json::json!({
            "banks": row.banks,
            "bioregions": row.bioregions,
            "reports": row.reports,
            "slotReports": row.slot_reports,
            "constraints": row.constraints,
            "tableS": secs(row.table),
            "inputsS": secs(row.inputs),
            "setupS": secs(row.setup),
            "matricesS": secs(row.matrices.0),
            "matricesMiB": row.matrices.1,
            "proveS": { "runs": row.prove.count, "median": secs(row.prove.p50), "max": secs(row.prove.max) },
            "phasesS": {
                "witness": secs(row.phases.witness),
                "check": secs(row.phases.check),
                "fft": secs(row.phases.fft),
                "msm": secs(row.phases.msm),
                "verify": secs(row.phases.verify),
            },
            "peakMiB": row.peak_mib,
            "verifyS": { "median": secs(row.verify.p50), "max": secs(row.verify.max) },
            "verified": row.verified,
            "collected": row.collected,
            "granted": row.granted,
            "fundAfter": row.fund_after,
        })).collect::<Vec<_>>(),
    })
}
