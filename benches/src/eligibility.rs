//! The eligibility proof on the member's machine: constraints, setup, proving and verifying
//! time of the eligibility circuit with a bank's policy (the committed German policy by
//! default) over the production state depth.

use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::{ensure, Context, Result};
use ark_relations::gr1cs::{ConstraintSynthesizer, ConstraintSystem, SynthesisMode};
use ccr_circuits::babyjubjub::eddsa::PrivateKey;
use ccr_circuits::credit::constraints::EligibilityCircuit;
use ccr_circuits::credit::{
    AccountLeaf, Application, Attestation, AttesterRegistry, EligibilityWitness, FinancialRecord,
    PolicyParams,
};
use ccr_circuits::merkle::SparseMerkleTree;
use ccr_circuits::state::account::Account;
use ccr_circuits::Fr;
use ccr_credit_policy::{Policy, Purpose, Table};
use ccr_prover::eligibility::{dev_setup_eligibility, prove_eligibility, verify_eligibility};
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;

use crate::{ms, Latency};

/// What the eligibility benchmark measured.
#[derive(Debug, Clone)]
pub struct EligibilityReport {
    /// State tree depth.
    pub depth: usize,
    /// Constraints of the circuit.
    pub constraints: usize,
    /// Model inputs of the policy.
    pub inputs: usize,
    /// Setup time (insecure development setup).
    pub setup: Duration,
    /// Proving times, native check and witness generation included.
    pub prove: Latency,
    /// Verification times.
    pub verify: Latency,
}

/// Number of accounts opened beside the member's in the benchmark's state tree.
const OTHER_ACCOUNTS: u64 = 64;

/// A valid witness for `policy`: the first applicant of `data` (CSV with a header, the
/// policy's schema) that the policy grants a tier for an ecological restoration, attested,
/// its account at index 3 of a state tree of `depth`. Returns the registry and state roots.
pub fn witness(
    policy: &Policy,
    params: &PolicyParams,
    data: &Path,
    depth: usize,
) -> Result<(EligibilityWitness, Fr, Fr)> {
    let table = Table::read(data, &policy.schema, false).context("reading the applicants")?;
    let purpose = Purpose::EcologicalRestoration;
    let (x, tier) = table
        .inputs
        .iter()
        .find_map(|x| policy.decide(x, purpose).ok().and_then(|d| d.tier).map(|t| (x.clone(), t)))
        .context("the policy grants no applicant of the data a tier")?;
    let key = |seed: u64| PrivateKey::random(&mut ChaCha20Rng::seed_from_u64(seed));
    let attester = key(1);
    let mut registry = AttesterRegistry::new();
    registry.add(0, &attester.public_key())?;
    let member_key = key(2);
    let account = Account::new(member_key.public_key(), 1_000);
    let mut state = SparseMerkleTree::new(depth)?;
    for i in 0..OTHER_ACCOUNTS {
        state.update(100 + i, Account::new(key(100 + i).public_key(), i).leaf())?;
    }
    state.update(3, account.leaf())?;
    let now = 1_800_000_000;
    let mut features = x;
    features.resize(params.shape.inputs, 0);
    let record = FinancialRecord {
        features,
        member: member_key.public_key(),
        expiry: now + 86_400,
        schema: params.schema,
    };
    let w = EligibilityWitness {
        attestation: Attestation::sign(&attester, &record, purpose.code()),
        record,
        registry_proof: registry.proof(0)?,
        member_key,
        application: Application {
            bank: 1,
            amount: params.tiers[tier - 1].max_amount,
            purpose: purpose.code(),
            epoch: 1,
            account: 3,
            now,
        },
        account_leaf: AccountLeaf { balance: account.balance, nonce: account.nonce, ext: account.ext_hash() },
        account_proof: state.proof(3)?,
    };
    Ok((w, registry.root(), state.root()))
}

/// Runs the benchmark: `runs` proofs (median reported) of the policy at `policy_path`, the
/// applicants taken from `data`.
pub fn run(policy_path: &Path, data: &Path, depth: usize, runs: usize) -> Result<EligibilityReport> {
    let policy = Policy::load(policy_path)?;
    let params = policy.circuit_params()?;
    let (w, registry_root, state_root) = witness(&policy, &params, data, depth)?;

    let cs = ConstraintSystem::<Fr>::new_ref();
    cs.set_mode(SynthesisMode::Setup);
    EligibilityCircuit::setup(params.shape, depth).generate_constraints(cs.clone()).context("synthesis")?;
    cs.finalize();
    let constraints = cs.num_constraints();

    let t = Instant::now();
    let keys = dev_setup_eligibility(params.shape, depth, [9; 32])?;
    let setup = t.elapsed();

    let mut rng = rand::thread_rng();
    let (mut prove_times, mut verify_times) = (Vec::new(), Vec::new());
    for _ in 0..runs.max(1) {
        let t = Instant::now();
        let (proof, statement) =
            prove_eligibility(&keys.pk, &params, depth, registry_root, state_root, w.clone(), &mut rng)?;
        prove_times.push(t.elapsed());
        let t = Instant::now();
        let ok = verify_eligibility(&keys.vk, &statement, &proof)?;
        verify_times.push(t.elapsed());
        ensure!(ok, "the eligibility proof did not verify");
    }
    Ok(EligibilityReport {
        depth,
        constraints,
        inputs: params.coefficients.len(),
        setup,
        prove: Latency::of(prove_times),
        verify: Latency::of(verify_times),
    })
}

/// The report as a Markdown table.
pub fn render(r: &EligibilityReport) -> String {
    format!(
        "| state depth | policy inputs | constraints | setup | prove (median of {n}) | prove (max) | verify (median) |\n\
         |---|---|---|---|---|---|---|\n\
         | {} | {} | {} | {:.2} s | {:.2} s | {:.2} s | {} |",
        r.depth,
        r.inputs,
        r.constraints,
        r.setup.as_secs_f64(),
        r.prove.p50.as_secs_f64(),
        r.prove.max.as_secs_f64(),
        ms(r.verify.p50),
        n = r.prove.count,
    )
}
