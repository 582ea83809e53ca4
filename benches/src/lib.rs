//! Workloads shared by the benchmark binary: random members, deposits and signed transfers;
//! the service benchmarks ([`rpc`]: acceptance over JSON-RPC, [`settle`]: submission to
//! settled root); the poll's message-processing proof ([`vote`]); the solidarity fund's
//! epoch proof ([`health`]).

/// Constraints, setup, proving and verifying time of the member's eligibility proof.
pub mod eligibility;
/// Proven batches per minute with remote workers, and the job hand-off.
pub mod fleet;
/// Constraints, setup, proving and verifying time of the solidarity fund's epoch proof.
pub mod health;
/// Batch proving: arkworks' stock prover against the cached-matrix prover.
pub mod prove;
/// Start-up time of a sequencer node against the length of its history.
pub mod restart;
/// Acceptance rate and latency of a sequencer node over JSON-RPC with concurrent clients.
pub mod rpc;
/// Time from submitting a batch of transfers to their root settled on L1.
pub mod settle;
/// Constraints, setup, proving and verifying time of a poll's message-processing proof.
pub mod vote;

use std::time::Duration;

use anyhow::{Context, Result};
use ark_relations::gr1cs::ConstraintSystem;
use ccr_circuits::babyjubjub::eddsa::{sign_poseidon, PrivateKey};
use ccr_circuits::batch::constraints::BatchCircuit;
use ccr_circuits::batch::BatchBuilder;
use ccr_circuits::state::tx::{Deposit, Tx, UnsignedTx};
use ccr_circuits::state::{Domain, RollupParams, RollupState};
use ccr_circuits::Fr;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha20Rng;

/// Chain id used by the benchmarks.
pub const DOMAIN: Domain = Domain::NONE;

/// A state with funded members, and a batch circuit of transfers between them.
pub struct Scenario {
    /// The batch proven.
    pub circuit: BatchCircuit,
}

/// `members` funded accounts (opened by deposits, applied outside any measured batch).
pub fn funded_state(
    depth: usize,
    batch_size: usize,
    members: usize,
) -> Result<(RollupState, Vec<PrivateKey>)> {
    let mut rng = ChaCha20Rng::seed_from_u64(42);
    let params = RollupParams::new(depth, batch_size, DOMAIN)?;
    let mut state = RollupState::new(params)?;
    let mut keys = Vec::with_capacity(members);
    for i in 0..members {
        let key = PrivateKey::from_bytes(rng.gen());
        let pubkey = key.public_key();
        state.apply(&Tx::Deposit(Deposit { index: i as u32, pubkey: Some(pubkey), amount: 1_000_000 }))?;
        keys.push(key);
    }
    Ok((state, keys))
}

/// `count` valid signed transfers between random members, in order.
pub fn signed_transfers(depth: usize, batch_size: usize, count: usize) -> Result<(RollupState, Vec<Tx>)> {
    let members = 64.min(1usize << depth.min(20));
    let (state, keys) = funded_state(depth, batch_size, members)?;
    let mut scratch = state.clone();
    let mut rng = ChaCha20Rng::seed_from_u64(43);
    let mut txs = Vec::with_capacity(count);
    for _ in 0..count {
        let from = rng.gen_range(0..members) as u32;
        let to = rng.gen_range(0..members) as u32;
        let nonce = scratch.account(from).context("member")?.nonce;
        let unsigned = UnsignedTx::transfer(from, to, rng.gen_range(1..100), nonce)?;
        let sig = sign_poseidon(&keys[from as usize], unsigned.message(&DOMAIN));
        let tx = Tx::Signed(unsigned.with_signature(sig));
        scratch.apply(&tx)?;
        txs.push(tx);
    }
    Ok((state, txs))
}

impl Scenario {
    /// A batch of `transfers` transfers in `batch_size` slots.
    pub fn transfers(depth: usize, batch_size: usize, transfers: usize) -> Result<Self> {
        let (mut state, txs) = signed_transfers(depth, batch_size, transfers)?;
        let mut builder = BatchBuilder::new(&state);
        for tx in &txs {
            builder.push(&mut state, tx)?;
        }
        Ok(Self { circuit: BatchCircuit::new(builder.finish_from(&state)) })
    }
}

/// Constraints of one transfer slot alone (no commitment), at `depth`.
pub fn slot_constraints(depth: usize) -> Result<usize> {
    let scenario = Scenario::transfers(depth, 1, 1)?;
    let cs = ConstraintSystem::<Fr>::new_ref();
    ccr_circuits::batch::constraints::synthesize_slots_only(cs.clone(), &scenario.circuit.witness)?;
    Ok(cs.num_constraints())
}

/// Percentiles of request latencies (nearest rank).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Latency {
    /// Requests measured.
    pub count: usize,
    /// Median.
    pub p50: Duration,
    /// 90th percentile.
    pub p90: Duration,
    /// 99th percentile.
    pub p99: Duration,
    /// Slowest.
    pub max: Duration,
}

impl Latency {
    /// The percentiles of `samples` (all zero when there are none).
    pub fn of(mut samples: Vec<Duration>) -> Self {
        samples.sort_unstable();
        let rank = |p: f64| -> Duration {
            // Nearest rank: the smallest sample with at least p of all samples at or below it.
            let r = (p * samples.len() as f64).ceil() as usize;
            samples.get(r.clamp(1, samples.len().max(1)) - 1).copied().unwrap_or_default()
        };
        Self {
            count: samples.len(),
            p50: rank(0.50),
            p90: rank(0.90),
            p99: rank(0.99),
            max: samples.last().copied().unwrap_or_default(),
        }
    }
}

/// A duration in milliseconds with two decimals (`"1.25 ms"`).
pub fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1e3)
}

/// Where a native transfer's time goes: the per-operation cost of its parts, each timed
/// alone over the same transfers (`ccr-benches native`).
pub fn native_breakdown(state: &RollupState, transfers: &[Tx]) -> Result<String> {
    use ccr_circuits::babyjubjub::eddsa::verify_poseidon;
    use ccr_circuits::poseidon;
    use std::time::Instant;
    let domain = state.params().domain;
    let n = transfers.len().max(1);
    let mut sink = Fr::from(0u64);
    let t = Instant::now();
    for i in 0..n * 50 {
        sink = poseidon::hash2(sink, Fr::from(i as u64));
    }
    let hash2 = t.elapsed().as_secs_f64() * 1e6 / (n * 50) as f64;
    let t = Instant::now();
    for i in 0..n * 4 {
        sink = poseidon::hash_n(&[sink, Fr::from(i as u64), sink, sink, sink]);
    }
    let hash5 = t.elapsed().as_secs_f64() * 1e6 / (n * 4) as f64;
    let t = Instant::now();
    for tx in transfers {
        let Tx::Signed(s) = tx else { continue };
        let pk = state.account(s.from).context("sender")?.pubkey;
        verify_poseidon(s.unsigned().message(&domain), &s.signature, &pk).context("signature")?;
    }
    let eddsa = t.elapsed().as_secs_f64() * 1e6 / n as f64;
    std::hint::black_box(sink);
    Ok(format!(
        "  Poseidon(2) {hash2:.1} µs, Poseidon(5) {hash5:.1} µs, EdDSA-Poseidon verification {eddsa:.1} µs\n  \
         a transfer: 2 × {depth} node hashes + 4 leaf hashes + 1 verification ≈ {:.0} µs",
        2.0 * state.params().depth as f64 * hash2 + 4.0 * hash5 + eddsa,
        depth = state.params().depth
    ))
}
