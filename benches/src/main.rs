//! Benchmarks whose figures the README quotes.
//!
//! ```text
//! cargo run --release -p ccr-benches -- constraints --depth 24
//! cargo run --release -p ccr-benches -- native --depth 24 --txs 2000
//! cargo run --release -p ccr-benches -- prove --depth 24 --sizes 4,16,64
//! cargo run --release -p ccr-benches -- rpc --depth 24 --accounts 256 --txs 4096 --clients 1,4,16
//! cargo run --release -p ccr-benches -- settle --depth 24 --batch 16
//! cargo run --release -p ccr-benches -- fleet --depth 24 --batch-size 16 --batches 4 --workers 1,2,3
//! cargo run --release -p ccr-benches -- eligibility --depth 24 --runs 5
//! cargo run --release -p ccr-benches -- vote --state-depth 10 --vote-depth 3 --batch 5 --runs 3
//! cargo run --release -p ccr-benches -- health --banks 8,32 --runs 1
//! ```

use std::time::Instant;

use anyhow::{Context, Result};
use ark_relations::gr1cs::{ConstraintSynthesizer, ConstraintSystem, SynthesisMode};
use ccr_benches::Scenario;
use ccr_circuits::batch::constraints::BatchCircuit;
use ccr_circuits::merkle::PRODUCTION_DEPTH;
use ccr_circuits::vote::trees::VoteParams;
use ccr_circuits::Fr;
use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(about = "Benchmarks of the community credit rollup's circuits, prover and services")]
struct Cli {
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Constraints per transfer slot and per batch (no proving).
    Constraints {
        /// Account tree depth.
        #[arg(long, default_value_t = PRODUCTION_DEPTH)]
        depth: usize,
    },
    /// Native transfer application rate (signature check, validation, two tree updates).
    Native {
        /// Account tree depth.
        #[arg(long, default_value_t = PRODUCTION_DEPTH)]
        depth: usize,
        /// Transfers to apply.
        #[arg(long, default_value_t = 2000)]
        txs: usize,
    },
    /// Groth16 proving time and peak memory for batches of transfers: arkworks' stock prover
    /// and the cached-matrix prover on the same witness, side by side.
    Prove {
        /// Account tree depth.
        #[arg(long, default_value_t = PRODUCTION_DEPTH)]
        depth: usize,
        /// Batch sizes, comma-separated.
        #[arg(long, value_delimiter = ',', default_value = "4,16,64")]
        sizes: Vec<usize>,
        /// Skip arkworks' stock prover (at large sizes it only costs time).
        #[arg(long)]
        no_stock: bool,
    },
    /// Transfer acceptance rate and latency of a sequencer node over JSON-RPC on loopback,
    /// with concurrent clients (pre-signed transfers; no prover, no L1).
    Rpc {
        /// Account tree depth.
        #[arg(long, default_value_t = PRODUCTION_DEPTH)]
        depth: usize,
        /// Slots per batch: the batcher seals each full batch while the clients send.
        #[arg(long, default_value_t = 16)]
        batch_size: usize,
        /// Accounts opened by deposits before the runs; split among the clients as senders.
        #[arg(long, default_value_t = 256)]
        accounts: usize,
        /// Transfers sent per run.
        #[arg(long, default_value_t = 4096)]
        txs: usize,
        /// Concurrent clients, one run each, comma-separated.
        #[arg(long, value_delimiter = ',', default_value = "1,4,16")]
        clients: Vec<usize>,
        /// The node's mempool capacity (default: room for every transfer): with a small one,
        /// clients past capacity are refused with `MempoolFull`, reported apart.
        #[arg(long)]
        mempool: Option<usize>,
    },
    /// Start-up time of a sequencer node after 10k, 100k, … accepted transactions: loading
    /// the snapshot, and (with `--full-replay`) replaying the whole log.
    Restart {
        /// Account tree depth.
        #[arg(long, default_value_t = PRODUCTION_DEPTH)]
        depth: usize,
        /// Slots per batch.
        #[arg(long, default_value_t = 16)]
        batch_size: usize,
        /// Accounts the transfers go between.
        #[arg(long, default_value_t = 1000)]
        accounts: usize,
        /// History lengths, ascending, comma-separated.
        #[arg(long, value_delimiter = ',', default_value = "10000,100000,1000000")]
        sizes: Vec<usize>,
        /// Also time a full replay at each size.
        #[arg(long)]
        full_replay: bool,
    },
    /// Time from submitting one batch of transfers to their root settled on L1 (the devnet:
    /// embedded L1, sequencer, prover, settlement).
    Settle {
        /// Account tree depth.
        #[arg(long, default_value_t = PRODUCTION_DEPTH)]
        depth: usize,
        /// Slots per batch, and transfers sent.
        #[arg(long, default_value_t = 16)]
        batch: usize,
    },
    /// Proven batches per minute with the in-process prover, then with 1, 2, 3 remote workers
    /// (`ccr-prover-worker`'s code, over the job API on loopback), and the job hand-off's cost.
    Fleet {
        /// Account tree depth.
        #[arg(long, default_value_t = PRODUCTION_DEPTH)]
        depth: usize,
        /// Slots per batch.
        #[arg(long, default_value_t = 16)]
        batch_size: usize,
        /// Full batches of transfers proven per run.
        #[arg(long, default_value_t = 4)]
        batches: usize,
        /// Worker counts, one run each, comma-separated.
        #[arg(long, value_delimiter = ',', default_value = "1,2,3")]
        workers: Vec<usize>,
    },
    /// The member's eligibility proof: constraints, setup, proving and verifying time with a
    /// bank's policy (default: the committed German policy) over the state tree.
    Eligibility {
        /// State tree depth.
        #[arg(long, default_value_t = PRODUCTION_DEPTH)]
        depth: usize,
        /// Proofs to time (the median is reported).
        #[arg(long, default_value_t = 5)]
        runs: usize,
        /// Policy file [default: credit-policy/policies/german.json].
        #[arg(long)]
        policy: Option<std::path::PathBuf>,
        /// Applicants (CSV with a header, the policy's schema): the first one granted a tier
        /// is proven [default: the German credit data].
        #[arg(long)]
        data: Option<std::path::PathBuf>,
    },
    /// A poll's message-processing proof: constraints per message and per batch, setup,
    /// proving and verifying time of one batch of valid votes (table, then JSON).
    Vote {
        /// Depth of the state and ballot trees (2^depth voters).
        #[arg(long, default_value_t = VoteParams::PRODUCTION.state_depth)]
        state_depth: usize,
        /// Depth of a ballot's votes tree (2^depth options).
        #[arg(long, default_value_t = VoteParams::PRODUCTION.vote_depth)]
        vote_depth: usize,
        /// Messages in the proven batch (production: 25; the per-message constraints give the
        /// cost of any other size).
        #[arg(long, default_value_t = 5)]
        batch: usize,
        /// Proofs to time (the median is reported).
        #[arg(long, default_value_t = 3)]
        runs: usize,
    },
    /// The solidarity fund's epoch proof: constraints per bank and per epoch, the native table,
    /// the statement and witness, setup, proving and verifying time of epochs of B member banks
    /// over four bioregions (three attesters each), and the issue's goals (table, then JSON).
    Health {
        /// Member banks per epoch, one epoch each, comma-separated.
        #[arg(long, value_delimiter = ',', default_value = "8,32")]
        banks: Vec<usize>,
        /// Proofs to time per epoch (the median is reported).
        #[arg(long, default_value_t = 1)]
        runs: usize,
    },
}

fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread().enable_all().build().context("starting the tokio runtime")
}

fn count_constraints(circuit: BatchCircuit) -> Result<usize> {
    let cs = ConstraintSystem::<Fr>::new_ref();
    cs.set_mode(SynthesisMode::Setup);
    circuit.generate_constraints(cs.clone()).context("synthesis")?;
    cs.finalize();
    Ok(cs.num_constraints())
}

fn main() -> Result<()> {
    // The services' warnings and errors on stderr (`RUST_LOG` for more); arkworks'
    // constraint-synthesis spans stay off (they slow synthesis down by orders of magnitude).
    ccr_sequencer::logging::init("warn").context("log filter")?;
    match Cli::parse().cmd {
        Cmd::Constraints { depth } => {
            let one = count_constraints(Scenario::transfers(depth, 1, 1)?.circuit)?;
            let two = count_constraints(Scenario::transfers(depth, 2, 2)?.circuit)?;
            let slot = ccr_benches::slot_constraints(depth)?;
            println!("depth {depth}");
            println!("  one transfer slot (no commitment):  {slot} constraints");
            println!(
                "  batch of 1: {one}, batch of 2: {two} (marginal slot incl. SHA-256 bytes: {})",
                two - one
            );
            for n in [4usize, 16, 64] {
                let total = count_constraints(Scenario::transfers(depth, n, n)?.circuit)?;
                println!("  batch of {n}: {total} constraints, {:.0} per transfer", total as f64 / n as f64);
            }
        }
        Cmd::Native { depth, txs } => {
            let (state0, transfers) = ccr_benches::signed_transfers(depth, 1, txs)?;
            let mut state = state0.clone();
            let start = Instant::now();
            for tx in &transfers {
                state.apply(tx).context("apply")?;
            }
            let secs = start.elapsed().as_secs_f64();
            println!(
                "depth {depth}: applied {txs} transfers in {secs:.3} s: {:.0} transfers/s ({:.1} µs each)",
                txs as f64 / secs,
                secs * 1e6 / txs as f64
            );
            println!("{}", ccr_benches::native_breakdown(&state0, &transfers)?);
        }
        Cmd::Prove { depth, sizes, no_stock } => {
            let config = ccr_benches::prove::ProveBench { depth, sizes, stock: !no_stock };
            let rows = ccr_benches::prove::run(&config, &mut |row| {
                eprintln!("batch {}: {} constraints proven", row.batch, row.constraints);
            })?;
            println!("{}", ccr_benches::prove::render(depth, &rows));
        }
        Cmd::Rpc { depth, batch_size, accounts, txs, clients, mempool } => {
            let dir = tempfile::tempdir().context("creating a temporary directory")?;
            let config = ccr_benches::rpc::RpcBench { depth, batch_size, accounts, txs, clients, mempool };
            let report = runtime()?.block_on(ccr_benches::rpc::run(&config, dir.path()))?;
            println!("{}", ccr_benches::rpc::render(&report));
            let rejected: usize = report.runs.iter().map(|r| r.rejected_total()).sum();
            anyhow::ensure!(
                rejected == 0 || mempool.is_some(),
                "{rejected} transfers were rejected (see the table)"
            );
        }
        Cmd::Restart { depth, batch_size, accounts, sizes, full_replay } => {
            let dir = tempfile::tempdir().context("creating a temporary directory")?;
            let config =
                ccr_benches::restart::RestartBench { depth, batch_size, accounts, sizes, full_replay };
            let rows = ccr_benches::restart::run(&config, dir.path(), &mut |row| {
                eprintln!(
                    "{} transactions (grown in {:.0} s): start-up {:.3} s from the snapshot{}",
                    row.txs,
                    row.grow_secs,
                    row.snapshot.as_secs_f64(),
                    row.replay
                        .map_or(String::new(), |d| format!(", {:.2} s by full replay", d.as_secs_f64()))
                );
            })?;
            println!("{}", ccr_benches::restart::render(&config, &rows));
        }
        Cmd::Settle { depth, batch } => {
            let dir = tempfile::tempdir().context("creating a temporary directory")?;
            let config = ccr_benches::settle::SettleBench { depth, batch };
            let mut say = |line: &str| eprintln!("{line}");
            let report = runtime()?.block_on(ccr_benches::settle::run(config, dir.path(), &mut say))?;
            println!("{}", ccr_benches::settle::render(&report));
        }
        Cmd::Fleet { depth, batch_size, batches, workers } => {
            let dir = tempfile::tempdir().context("creating a temporary directory")?;
            let config = ccr_benches::fleet::FleetBench { depth, batch_size, batches, workers };
            let mut say = |line: &str| eprintln!("{line}");
            let report = runtime()?.block_on(ccr_benches::fleet::run(&config, dir.path(), &mut say))?;
            println!("{}", ccr_benches::fleet::render(&report));
        }
        Cmd::Eligibility { depth, runs, policy, data } => {
            let policy = policy.unwrap_or_else(ccr_credit_policy::german_policy_file);
            let data = data.unwrap_or_else(ccr_credit_policy::german_data_file);
            let report = ccr_benches::eligibility::run(&policy, &data, depth, runs)?;
            println!("{}", ccr_benches::eligibility::render(&report));
        }
        Cmd::Vote { state_depth, vote_depth, batch, runs } => {
            let params = VoteParams { state_depth, vote_depth, batch_size: batch };
            let report = ccr_benches::vote::run(&ccr_benches::vote::VoteBench { params, runs })?;
            println!("{}\n", ccr_benches::vote::render(&report));
            println!("{}\n", ccr_benches::vote::to_json(&report));
            let maci = ccr_benches::vote::maci_comparison(&params, report.constraints)?;
            println!("{}\n", ccr_benches::vote::render_maci(&maci));
            println!("{}", ccr_benches::vote::maci_to_json(&maci));
        }
        Cmd::Health { banks, runs } => {
            let config = ccr_benches::health::HealthBench { banks, runs };
            let report = ccr_benches::health::run(&config, &mut |row| {
                eprintln!(
                    "{} banks: {} constraints, setup {:.1} s, proven in {:.2} s (median), verified {}",
                    row.banks,
                    row.constraints,
                    row.setup.as_secs_f64(),
                    row.prove.p50.as_secs_f64(),
                    row.verified
                );
            })?;
            println!("{}\n", ccr_benches::health::render(&report));
            println!("{}", ccr_benches::health::to_json(&report));
        }
    }
    Ok(())
}
