//! Start-up time against history length: a node's database is grown to each size by real
//! acceptance (signed transfers through `Sequencer::submit`, batches sealed as they fill),
//! then reopened twice: loading the snapshot (the default) and by a full replay of the log
//! (`--full-replay`, the audit).
//!
//! There is no prover and no L1 here, and start-up reads what waits for them (each unproven
//! batch's witness, each unsettled batch): that is bounded by how far the prover and L1 lag,
//! not by history. So the benchmark keeps them caught up, as a running node's would be: each
//! sealed batch is marked proven and settled at once, with **placeholder** proof bytes and L1
//! transaction (never checked here: nothing in this database goes to L1).

use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::{ensure, Context, Result};
use ccr_circuits::babyjubjub::eddsa::{sign_poseidon, PrivateKey};
use ccr_circuits::state::tx::{Deposit, SignedTx, UnsignedTx};
use ccr_circuits::state::RollupParams;
use ccr_sequencer::records::L1Settlement;
use ccr_sequencer::{Sequencer, SequencerConfig};

use crate::DOMAIN;

/// What to measure.
#[derive(Debug, Clone)]
pub struct RestartBench {
    /// Account tree depth.
    pub depth: usize,
    /// Slots per batch.
    pub batch_size: usize,
    /// Accounts (opened by deposits first).
    pub accounts: usize,
    /// History lengths (accepted transactions), ascending.
    pub sizes: Vec<usize>,
    /// Also time a full replay at each size (linear in history).
    pub full_replay: bool,
}

/// One history length.
#[derive(Debug, Clone)]
pub struct RestartRow {
    /// Accepted transactions in the log.
    pub txs: u64,
    /// Sealed batches.
    pub batches: u64,
    /// Seconds growing the database to this size (not measured).
    pub grow_secs: f64,
    /// Start-up loading the snapshot.
    pub snapshot: Duration,
    /// Start-up by a full replay, if measured.
    pub replay: Option<Duration>,
}

fn config(dir: &Path, params: RollupParams, full_replay: bool) -> SequencerConfig {
    SequencerConfig { db: dir.to_path_buf(), params, mempool_capacity: 1 << 20, full_replay }
}

fn reopen(dir: &Path, params: RollupParams, full_replay: bool) -> Result<Duration> {
    let start = Instant::now();
    let (seq, report) = Sequencer::open(&config(dir, params, full_replay)).context("reopening")?;
    let took = start.elapsed();
    ensure!(report.rebuilt.is_some() == full_replay, "start-up path: {:?}", report.rebuilt);
    drop(seq);
    Ok(took)
}

/// Grows one database through every size in turn, measuring start-up at each.
pub fn run(
    config_: &RestartBench,
    dir: &Path,
    progress: &mut dyn FnMut(&RestartRow),
) -> Result<Vec<RestartRow>> {
    ensure!(config_.accounts >= 2, "--accounts must be at least 2");
    let params = RollupParams::new(config_.depth, config_.batch_size, DOMAIN)?;
    let keys: Vec<PrivateKey> =
        (0..config_.accounts).map(|i| PrivateKey::from_bytes(blake_seed(i as u64))).collect();
    let mut nonces = vec![0u32; config_.accounts];
    let mut rows = Vec::new();
    let mut accepted = 0u64;
    let mut grow = Duration::ZERO;
    {
        let (seq, _) = Sequencer::open(&config(dir, params, false))?;
        let t = Instant::now();
        for (i, k) in keys.iter().enumerate() {
            let d = Deposit { index: i as u32, pubkey: Some(k.public_key()), amount: u64::from(u32::MAX) };
            seq.ingest_deposit(i as u64, d)?;
            accepted += 1;
        }
        while seq.seal(true)?.is_some() {}
        catch_up(&seq)?;
        grow += t.elapsed();
    }
    let mut next = 0usize;
    for &size in &config_.sizes {
        ensure!(size as u64 >= accepted, "sizes must grow, and exceed the {accepted} deposits");
        let (seq, _) = Sequencer::open(&config(dir, params, false))?;
        let t = Instant::now();
        while accepted < size as u64 {
            // Sign a chunk on every core, then submit it in order (signing is not the node's
            // work, but it is most of the time this takes).
            let chunk = ((size as u64 - accepted) as usize).min(4096);
            let plan: Vec<(usize, usize, u32)> = (0..chunk)
                .map(|j| {
                    let from = (next + j) % config_.accounts;
                    let to = (from + 1) % config_.accounts;
                    let nonce = nonces[from];
                    nonces[from] += 1;
                    (from, to, nonce)
                })
                .collect();
            next += chunk;
            let signed = sign_all(&keys, &plan)?;
            for tx in signed {
                seq.submit(tx)?;
                accepted += 1;
                if seq.batch_full() {
                    seq.seal(false)?;
                    catch_up(&seq)?;
                }
            }
        }
        grow += t.elapsed();
        let batches = seq.batches()?;
        drop(seq);
        let snapshot = reopen(dir, params, false)?;
        let replay = if config_.full_replay { Some(reopen(dir, params, true)?) } else { None };
        let row = RestartRow { txs: accepted, batches, grow_secs: grow.as_secs_f64(), snapshot, replay };
        progress(&row);
        rows.push(row);
    }
    Ok(rows)
}

/// Signs `(from, to, nonce)` transfers of 1 on every core, in order.
fn sign_all(keys: &[PrivateKey], plan: &[(usize, usize, u32)]) -> Result<Vec<SignedTx>> {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let per = plan.len().div_ceil(cores).max(1);
    std::thread::scope(|s| {
        let handles: Vec<_> = plan
            .chunks(per)
            .map(|part| {
                s.spawn(move || {
                    part.iter()
                        .map(|&(from, to, nonce)| {
                            let u = UnsignedTx::transfer(from as u32, to as u32, 1, nonce)?;
                            Ok(u.with_signature(sign_poseidon(&keys[from], u.message(&DOMAIN))))
                        })
                        .collect::<Result<Vec<_>>>()
                })
            })
            .collect();
        let mut out = Vec::with_capacity(plan.len());
        for h in handles {
            out.extend(h.join().map_err(|_| anyhow::anyhow!("a signing thread panicked"))??);
        }
        Ok(out)
    })
}

/// Marks every sealed batch proven and settled, with placeholders (see the module docs).
fn catch_up(seq: &Sequencer) -> Result<()> {
    for n in seq.unproven_batches() {
        seq.record_proof(n, b"placeholder: the restart benchmark proves nothing".to_vec())?;
    }
    for n in seq.settled()?..seq.batches()? {
        seq.record_settlement(n, L1Settlement { l1_tx: [0; 32], block: n, gas_used: 0 })?;
    }
    Ok(())
}

fn blake_seed(i: u64) -> [u8; 32] {
    let mut b = [7u8; 32];
    b[..8].copy_from_slice(&i.to_be_bytes());
    b
}

/// The table for the README.
pub fn render(config: &RestartBench, rows: &[RestartRow]) -> String {
    let mut out = format!(
        "depth {}, batch {}, {} accounts\n\n| accepted transactions | batches | start-up (snapshot) | start-up (full replay) |\n| --- | --- | --- | --- |\n",
        config.depth, config.batch_size, config.accounts
    );
    for r in rows {
        let replay = r.replay.map_or("–".to_owned(), |d| format!("{:.2} s", d.as_secs_f64()));
        out.push_str(&format!(
            "| {} | {} | {:.3} s | {replay} |\n",
            r.txs,
            r.batches,
            r.snapshot.as_secs_f64()
        ));
    }
    out
}
