//! `ccr-benches fleet`: proven batches per minute with the in-process prover and with 1, 2, 3…
//! remote workers, and the job hand-off's cost.
//!
//! Each run starts a fresh [`Node`] in this process (RocksDB in a temporary directory, no L1):
//! the baseline proves in process; the fleet runs serve the job API on loopback and start `W`
//! workers ([`ccr_sequencer::fleet::worker::run`], the code of `ccr-prover-worker`) as tasks of
//! this process, each with its own HTTP client and its own copy of the keys loaded from files.
//! Two accounts are opened and their batch proven first (outside the measurement); then
//! `batches` full batches of transfers are submitted at once and the clock runs until the last
//! is proven. Every worker shares this machine's cores, so more workers show the overhead of the
//! hand-off, not a scale-out.
//!
//! The hand-off is what the sequencer measures per job: the time from the lease to the stored
//! proof, less the proving time the worker reports (the witness's transfer and decoding, the
//! proof's transfer, its verification and the write).
//!
//! [`Node`]: ccr_sequencer::Node

use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::{ensure, Context, Result};
use ccr_circuits::babyjubjub::eddsa::PrivateKey;
use ccr_circuits::state::tx::{Deposit, UnsignedTx};
use ccr_circuits::state::RollupParams;
use ccr_prover::batch::batch_circuit_name;
use ccr_prover::{KeyFile, KeyMetadata};
use ccr_sequencer::fleet::worker::{WorkerConfig, WorkerKeys};
use ccr_sequencer::fleet::{FleetConfig, ProverSecret};
use ccr_sequencer::prover::{PROVING_KEY_FILE, VERIFYING_KEY_FILE};
use ccr_sequencer::{BatchKeys, Node, NodeConfig, SequencerConfig};

use crate::DOMAIN;

/// What to measure.
#[derive(Debug, Clone)]
pub struct FleetBench {
    /// Account tree depth.
    pub depth: usize,
    /// Slots per batch.
    pub batch_size: usize,
    /// Batches proven per run.
    pub batches: usize,
    /// Worker counts, one run each (after the in-process baseline).
    pub workers: Vec<usize>,
}

/// One run.
#[derive(Debug, Clone)]
pub struct FleetRun {
    /// Remote workers; 0: the in-process prover.
    pub workers: usize,
    /// Seconds from the submission to the last proof stored.
    pub secs: f64,
    /// Batches proven.
    pub batches: usize,
    /// Mean proving seconds per batch the workers reported (fleet runs).
    pub proving_secs: Option<f64>,
    /// Mean hand-off seconds per job (fleet runs).
    pub handoff_secs: Option<f64>,
}

impl FleetRun {
    /// Proven batches per minute.
    pub fn per_minute(&self) -> f64 {
        self.batches as f64 * 60.0 / self.secs
    }
}

/// The report.
#[derive(Debug, Clone)]
pub struct FleetReport {
    /// The configuration.
    pub config: FleetBench,
    /// Seconds of the development setup.
    pub setup_secs: f64,
    /// The baseline first, then one run per worker count.
    pub runs: Vec<FleetRun>,
}

/// Runs the benchmark in `dir`.
pub async fn run(config: &FleetBench, dir: &Path, say: &mut dyn FnMut(&str)) -> Result<FleetReport> {
    ensure!(config.batches > 0 && config.batch_size > 0, "--batches and --batch-size must be at least 1");
    ensure!(config.workers.iter().all(|&w| w > 0), "worker counts must be at least 1");
    let params = RollupParams::new(config.depth, config.batch_size, DOMAIN)?;
    say(&format!("development setup of {} (once)", batch_circuit_name(&params)));
    let t = Instant::now();
    let keys = tokio::task::spawn_blocking(move || BatchKeys::dev(&params, [7; 32])).await??;
    let setup_secs = t.elapsed().as_secs_f64();
    let keydir = dir.join("keys");
    std::fs::create_dir_all(&keydir)?;
    let metadata = KeyMetadata { circuit_name: batch_circuit_name(&params), insecure_dev_setup: true };
    let file = KeyFile { metadata, key: (*keys.pk).clone() };
    file.save(&keydir.join(PROVING_KEY_FILE))?;
    file.verifying_key_file().save(&keydir.join(VERIFYING_KEY_FILE))?;
    std::fs::write(dir.join("secret"), "benchmark-fleet-secret-0123456789")?;

    let mut runs = Vec::new();
    for (i, workers) in std::iter::once(0).chain(config.workers.iter().copied()).enumerate() {
        say(&format!(
            "run {}: {}",
            i + 1,
            if workers == 0 { "in-process prover".into() } else { format!("{workers} workers") }
        ));
        runs.push(one_run(config, params, &keys, dir, &dir.join(format!("run{i}")), workers).await?);
    }
    Ok(FleetReport { config: config.clone(), setup_secs, runs })
}

/// Sum and count of a histogram over all its label sets, from the process's recorder.
fn histogram(name: &str) -> (f64, f64) {
    let text = ccr_sequencer::metrics::install().map(|h| h.render()).unwrap_or_default();
    let total = |suffix: &str| -> f64 {
        text.lines()
            .filter(|l| {
                l.strip_prefix(name)
                    .and_then(|r| r.strip_prefix(suffix))
                    .is_some_and(|r| r.starts_with(' ') || r.starts_with('{'))
            })
            .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
            .sum()
    };
    (total("_sum"), total("_count"))
}

async fn one_run(
    config: &FleetBench,
    params: RollupParams,
    keys: &BatchKeys,
    shared: &Path,
    dir: &Path,
    workers: usize,
) -> Result<FleetRun> {
    let secret = ProverSecret::from_file(&shared.join("secret"))?;
    let fleet = (workers > 0).then(|| FleetConfig {
        addr: ([127, 0, 0, 1], 0).into(),
        secret: secret.clone(),
        lease: Duration::from_secs(600),
        verifier: keys.verifier(),
    });
    let node = Node::launch(NodeConfig {
        sequencer: SequencerConfig {
            db: dir.join("db"),
            params,
            mempool_capacity: config.batches * config.batch_size + 2,
            full_replay: false,
        },
        rpc_addr: ([127, 0, 0, 1], 0).into(),
        metrics_addr: None,
        batch_timeout: Duration::from_secs(3600),
        keys: (workers == 0).then(|| keys.clone()),
        fleet,
        l1: None,
        bank_files: None,
        health: Default::default(),
    })
    .await
    .context("starting the sequencer node")?;
    let (stop, rx) = tokio::sync::watch::channel(false);
    let mut tasks = Vec::new();
    if let Some(addr) = node.prover_api_addr() {
        for w in 0..workers {
            let cfg = WorkerConfig {
                url: format!("http://{addr}"),
                secret: secret.clone(),
                name: format!("bench-{w}"),
                keys: WorkerKeys::Dir(shared.join("keys")),
                wait: Duration::from_secs(20),
                retry: Duration::from_millis(200),
            };
            tasks.push(tokio::spawn(ccr_sequencer::fleet::worker::run(cfg, rx.clone())));
        }
    }
    let result = measure(config, &node, workers).await;
    let _ = stop.send(true);
    for t in tasks {
        t.await.context("worker task")?.context("worker")?;
    }
    node.shutdown().await;
    result
}

async fn measure(config: &FleetBench, node: &Node, workers: usize) -> Result<FleetRun> {
    let seq = node.sequencer.clone();
    let (a, b) = (PrivateKey::from_bytes([1; 32]), PrivateKey::from_bytes([2; 32]));
    seq.ingest_deposit(0, Deposit { index: 0, pubkey: Some(a.public_key()), amount: 1 << 40 })?;
    seq.ingest_deposit(1, Deposit { index: 1, pubkey: Some(b.public_key()), amount: 1 })?;
    seq.seal(true)?;
    wait_proven(node, 1).await?;
    let txs: Vec<_> = (0..config.batches * config.batch_size)
        .map(|n| {
            let u = UnsignedTx::transfer(0, 1, 1, n as u32)?;
            Ok(u.with_signature(a.sign_poseidon(u.message(&DOMAIN))))
        })
        .collect::<Result<_>>()?;
    let (proving0, handoff0) = (
        histogram("ccr_sequencer_prover_worker_proving_seconds"),
        histogram("ccr_sequencer_prover_handoff_seconds"),
    );
    let t = Instant::now();
    for tx in txs {
        seq.submit(tx)?;
    }
    wait_proven(node, 1 + config.batches as u64).await?;
    let secs = t.elapsed().as_secs_f64();
    let (proving1, handoff1) = (
        histogram("ccr_sequencer_prover_worker_proving_seconds"),
        histogram("ccr_sequencer_prover_handoff_seconds"),
    );
    let mean = |before: (f64, f64), after: (f64, f64)| {
        let n = after.1 - before.1;
        (workers > 0 && n > 0.0).then(|| (after.0 - before.0) / n)
    };
    Ok(FleetRun {
        workers,
        secs,
        batches: config.batches,
        proving_secs: mean(proving0, proving1),
        handoff_secs: mean(handoff0, handoff1),
    })
}

async fn wait_proven(node: &Node, n: u64) -> Result<()> {
    loop {
        let p = node.sequencer.progress()?;
        ensure!(p.halted.is_none(), "the sequencer halted: {:?}", p.halted);
        if p.proven >= n {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// The report as a Markdown table.
pub fn render(r: &FleetReport) -> String {
    let base = r.runs.first().map_or(f64::NAN, FleetRun::per_minute);
    let mut out = format!(
        "depth {}, batch {}: {} batches per run (development setup {:.1} s)\n\n\
         | prover | batches/min | vs in-process | mean proving | mean hand-off | hand-off / proving |\n\
         | --- | --- | --- | --- | --- | --- |\n",
        r.config.depth, r.config.batch_size, r.config.batches, r.setup_secs
    );
    for run in &r.runs {
        let who = match run.workers {
            0 => "in process".to_owned(),
            1 => "1 worker".to_owned(),
            w => format!("{w} workers"),
        };
        let secs = |x: Option<f64>| x.map_or_else(|| "–".to_owned(), |s| format!("{s:.2} s"));
        let handoff = run.handoff_secs.map_or_else(|| "–".to_owned(), |s| format!("{:.1} ms", s * 1e3));
        let ratio = match (run.handoff_secs, run.proving_secs) {
            (Some(h), Some(p)) => format!("{:.2} %", 100.0 * h / p),
            _ => "–".to_owned(),
        };
        out += &format!(
            "| {who} | {:.2} | {:.2} | {} | {handoff} | {ratio} |\n",
            run.per_minute(),
            run.per_minute() / base,
            secs(run.proving_secs),
        );
    }
    out
}
