//! `ccr-benches rpc`: how fast a sequencer node accepts transfers over JSON-RPC on loopback,
//! with concurrent clients.
//!
//! A real [`Node`] runs in this process (RocksDB in a temporary directory, every acceptance a
//! synced write; no prover, no L1). Accounts are opened with [`Sequencer::ingest_deposit`] and
//! sealed before anything is measured. For each client count `K`, the transfers are signed
//! first (signing is **not** measured), then `K` tasks, each with its own HTTP client and its
//! own senders (so each sender's nonces arrive in order), send their share with
//! `ccr_sendTransaction`, one request in flight per client. The batcher seals full batches of
//! `batch_size` while the clients send (sealing is part of what is measured: it shares the
//! two cores, and briefly the acceptance lock); the batch timeout is long so that no partial
//! batch is sealed.
//! A last run sends the same number of transfers through `Sequencer::submit` directly, in
//! process, as the baseline without JSON-RPC.
//!
//! With `mempool`, the node's mempool holds that many transactions at most: clients that
//! outrun sealing are refused with `MempoolFull` (and the same sender's next transfers with a
//! nonce gap), and the refusals' latency is reported apart from the acceptances'.
//!
//! [`Sequencer::ingest_deposit`]: ccr_sequencer::Sequencer::ingest_deposit
//! [`Node`]: ccr_sequencer::Node

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{ensure, Context, Result};
use ccr_circuits::babyjubjub::eddsa::PrivateKey;
use ccr_circuits::state::tx::{Deposit, SignedTx, UnsignedTx};
use ccr_circuits::state::RollupParams;
use ccr_sequencer::api::TxInput;
use ccr_sequencer::wire::{encode_signed, to_hex};
use ccr_sequencer::{CcrApiClient, Node, NodeConfig, SequencerConfig};
use jsonrpsee::core::client::Error as ClientError;
use jsonrpsee_http_client::HttpClientBuilder;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha20Rng;
use tokio::sync::Barrier;

use crate::{Latency, DOMAIN};

/// What to measure.
#[derive(Debug, Clone)]
pub struct RpcBench {
    /// Account tree depth.
    pub depth: usize,
    /// Slots per batch: the batcher seals whenever this many transactions are pending.
    pub batch_size: usize,
    /// Accounts opened (at indices `0..accounts`), each sending and receiving.
    pub accounts: usize,
    /// Transfers sent per client count.
    pub txs: usize,
    /// Client counts, one run each (in order, on the same node).
    pub clients: Vec<usize>,
    /// The node's mempool capacity; `None`: room for every transfer of every run (acceptance
    /// is measured, not back-pressure).
    pub mempool: Option<usize>,
}

/// One run: `clients` concurrent clients sending `txs` transfers.
#[derive(Debug, Clone)]
pub struct RpcRun {
    /// Concurrent clients.
    pub clients: usize,
    /// Through JSON-RPC; `false`: the in-process baseline (`Sequencer::submit`, one caller).
    pub rpc: bool,
    /// Transfers sent.
    pub txs: usize,
    /// Accepted (a receipt came back).
    pub accepted: usize,
    /// Rejected with a JSON-RPC error, by error code.
    pub rejected: Vec<(i32, usize)>,
    /// From the start of sending to the last receipt.
    pub secs: f64,
    /// Latency of one accepted `ccr_sendTransaction` request, as its client saw it.
    pub latency: Latency,
    /// Latency of the refused requests.
    pub refused: Latency,
    /// Batches the batcher sealed during the run.
    pub batches_sealed: u64,
    /// Seconds signing this run's transfers took (before the run; not measured in it).
    pub signing_secs: f64,
}

impl RpcRun {
    /// Accepted transfers per second.
    pub fn rate(&self) -> f64 {
        self.accepted as f64 / self.secs
    }

    /// Rejections, all codes together.
    pub fn rejected_total(&self) -> usize {
        self.rejected.iter().map(|(_, n)| n).sum()
    }
}

/// The whole measurement.
#[derive(Debug, Clone)]
pub struct RpcReport {
    /// What was measured.
    pub config: RpcBench,
    /// Seconds opening the accounts took (deposits ingested and sealed; not measured).
    pub setup_secs: f64,
    /// One entry per client count, then the in-process baseline.
    pub runs: Vec<RpcRun>,
}

/// Runs the benchmark with the node's database under `dir`.
///
/// # Errors
///
/// Bad parameters (fewer accounts than clients, no transfers), a node that does not start, a
/// transport error (not a rejection: those are counted), or a sender whose nonce the node does
/// not agree with at the end.
pub async fn run(config: &RpcBench, dir: &Path) -> Result<RpcReport> {
    let max_clients = config.clients.iter().copied().max().unwrap_or(0);
    ensure!(config.clients.iter().all(|&k| k > 0), "client counts must be at least 1");
    ensure!(
        config.accounts >= max_clients.max(2),
        "--accounts {} is too few: each of {max_clients} clients needs its own senders, and transfers need two accounts",
        config.accounts
    );
    ensure!(config.txs >= max_clients, "--txs {} is fewer than the {max_clients} clients", config.txs);
    let params = RollupParams::new(config.depth, config.batch_size, DOMAIN)?;
    ensure!(
        config.depth >= usize::BITS as usize || config.accounts <= 1usize << config.depth,
        "--accounts {} does not fit a tree of depth {}",
        config.accounts,
        config.depth
    );
    let node = Node::launch(NodeConfig {
        sequencer: SequencerConfig {
            db: dir.join("db"),
            params,
            // Room for every transfer of every run: the benchmark measures acceptance, not
            // back-pressure (`MempoolFull` would count as a rejection). One run's worth is not
            // enough: the batcher may still be sealing the previous runs' batches, and each
            // run can leave a partial batch behind.
            mempool_capacity: config
                .mempool
                .unwrap_or(config.txs * (config.clients.len() + 1) + config.batch_size),
            full_replay: false,
        },
        rpc_addr: ([127, 0, 0, 1], 0).into(),
        metrics_addr: None,
        // Long: batches are sealed when full, never partial, during a run.
        batch_timeout: Duration::from_secs(3600),
        keys: None,
        fleet: None,
        l1: None,
        bank_files: None,
        health: Default::default(),
    })
    .await
    .context("starting the sequencer node")?;
    let result = measure(config, &node).await;
    node.shutdown().await;
    result
}

async fn measure(config: &RpcBench, node: &Node) -> Result<RpcReport> {
    let mut rng = ChaCha20Rng::seed_from_u64(44);
    let keys: Vec<PrivateKey> = (0..config.accounts).map(|_| PrivateKey::from_bytes(rng.gen())).collect();

    let t = Instant::now();
    let seq = node.sequencer.clone();
    let pubkeys: Vec<_> = keys.iter().map(PrivateKey::public_key).collect();
    tokio::task::spawn_blocking(move || -> Result<()> {
        for (i, pubkey) in pubkeys.into_iter().enumerate() {
            let deposit = Deposit { index: i as u32, pubkey: Some(pubkey), amount: 1_000_000_000 };
            seq.ingest_deposit(i as u64, deposit).with_context(|| format!("opening account {i}"))?;
        }
        // Seal the deposits now (the last batch partial), so no run starts behind them.
        while seq.seal(true)?.is_some() {}
        Ok(())
    })
    .await
    .context("deposit task")??;
    let setup_secs = t.elapsed().as_secs_f64();

    let mut nonces = vec![0u32; config.accounts];
    let mut runs = Vec::new();
    for &k in &config.clients {
        runs.push(one_run(config, node, &keys, &mut nonces, &mut rng, k).await?);
    }
    runs.push(in_process_run(config, node, &keys, &mut nonces, &mut rng).await?);

    // Every accepted transfer moved its sender's nonce: the node agrees with our count.
    let seq = node.sequencer.clone();
    let expected = nonces.clone();
    tokio::task::spawn_blocking(move || -> Result<()> {
        for (i, want) in expected.into_iter().enumerate() {
            let got = seq.account(i as u32)?.with_context(|| format!("account {i} vanished"))?.pending.nonce;
            ensure!(
                got == want,
                "account {i}: the node's pending nonce is {got}, {want} transfers were accepted"
            );
        }
        Ok(())
    })
    .await
    .context("nonce check task")??;
    Ok(RpcReport { config: config.clone(), setup_secs, runs })
}

/// One client's pre-signed share.
struct Share {
    txs: Vec<SignedTx>,
    /// Sender of each transfer (to undo the local nonce of a rejected one).
    senders: Vec<usize>,
}

/// Signs `config.txs` transfers split among `clients`: client `c` sends from accounts `c`,
/// `c + K`, `c + 2K`, ... in turn, to random other accounts, with consecutive nonces.
fn sign_shares(
    config: &RpcBench,
    keys: &[PrivateKey],
    nonces: &mut [u32],
    rng: &mut ChaCha20Rng,
    clients: usize,
) -> Result<Vec<Share>> {
    let mut shares = Vec::with_capacity(clients);
    for c in 0..clients {
        let senders: Vec<usize> = (c..config.accounts).step_by(clients).collect();
        let count = config.txs / clients + usize::from(c < config.txs % clients);
        let mut share = Share { txs: Vec::with_capacity(count), senders: Vec::with_capacity(count) };
        for j in 0..count {
            let from = senders[j % senders.len()];
            let to = (from + rng.gen_range(1..config.accounts)) % config.accounts;
            let u = UnsignedTx::transfer(from as u32, to as u32, 1, nonces[from])?;
            nonces[from] += 1;
            share.txs.push(u.with_signature(keys[from].sign_poseidon(u.message(&DOMAIN))));
            share.senders.push(from);
        }
        shares.push(share);
    }
    Ok(shares)
}

/// Counts rejections by code and takes each back from its sender's local nonce (the node
/// refuses that sender's later transfers too, as nonce gaps, each counted once).
fn tally(rejections: Vec<(usize, i32)>, nonces: &mut [u32], by_code: &mut Vec<(i32, usize)>) {
    for (sender, code) in rejections {
        nonces[sender] -= 1;
        match by_code.iter_mut().find(|(c, _)| *c == code) {
            Some((_, n)) => *n += 1,
            None => by_code.push((code, 1)),
        }
    }
}

/// The baseline: the same work through [`ccr_sequencer::Sequencer::submit`] in this process,
/// one caller, no JSON-RPC (no HTTP, no hex, no JSON).
async fn in_process_run(
    config: &RpcBench,
    node: &Node,
    keys: &[PrivateKey],
    nonces: &mut [u32],
    rng: &mut ChaCha20Rng,
) -> Result<RpcRun> {
    let t = Instant::now();
    let share = sign_shares(config, keys, nonces, rng, 1)?.pop().context("one share")?;
    let signing_secs = t.elapsed().as_secs_f64();
    let seq = node.sequencer.clone();
    let batches_before = seq.batches()?;
    let (secs, latencies, rejections) = tokio::task::spawn_blocking(move || {
        let start = Instant::now();
        let mut latencies = Vec::with_capacity(share.txs.len());
        let mut rejections = Vec::new();
        for (tx, sender) in share.txs.into_iter().zip(share.senders) {
            let t = Instant::now();
            let r = seq.submit(tx);
            latencies.push((t.elapsed(), r.is_ok()));
            if let Err(e) = r {
                rejections.push((sender, e.code().code()));
            }
        }
        (start.elapsed().as_secs_f64(), latencies, rejections)
    })
    .await
    .context("in-process submit task")?;
    let mut rejected = Vec::new();
    tally(rejections, nonces, &mut rejected);
    let accepted = config.txs - rejected.iter().map(|(_, n)| n).sum::<usize>();
    let (latency, refused) = split(latencies);
    Ok(RpcRun {
        clients: 1,
        rpc: false,
        txs: config.txs,
        accepted,
        rejected,
        secs,
        latency,
        refused,
        batches_sealed: node.sequencer.batches()? - batches_before,
        signing_secs,
    })
}

async fn one_run(
    config: &RpcBench,
    node: &Node,
    keys: &[PrivateKey],
    nonces: &mut [u32],
    rng: &mut ChaCha20Rng,
    clients: usize,
) -> Result<RpcRun> {
    let t = Instant::now();
    let shares = sign_shares(config, keys, nonces, rng, clients)?;
    let signing_secs = t.elapsed().as_secs_f64();

    let batches_before = node.sequencer.batches()?;
    let barrier = Arc::new(Barrier::new(clients + 1));
    let mut tasks = Vec::with_capacity(clients);
    for share in shares {
        let client = HttpClientBuilder::default()
            .request_timeout(Duration::from_secs(120))
            .build(node.rpc_url())
            .context("building an HTTP client")?;
        let barrier = barrier.clone();
        let inputs: Vec<TxInput> =
            share.txs.iter().map(|tx| TxInput::Hex(to_hex(&encode_signed(tx)))).collect();
        tasks.push(tokio::spawn(async move {
            barrier.wait().await;
            let mut latencies = Vec::with_capacity(inputs.len());
            let mut rejected: Vec<(usize, i32)> = Vec::new();
            for (i, input) in inputs.into_iter().enumerate() {
                let t = Instant::now();
                let r = client.send_transaction(input).await;
                latencies.push((t.elapsed(), r.is_ok()));
                match r {
                    Ok(_) => {}
                    Err(ClientError::Call(obj)) => rejected.push((share.senders[i], obj.code())),
                    Err(e) => return Err(anyhow::anyhow!("ccr_sendTransaction failed: {e}")),
                }
            }
            Ok((latencies, rejected))
        }));
    }
    barrier.wait().await;
    let start = Instant::now();
    let mut latencies = Vec::with_capacity(config.txs);
    let mut rejected: Vec<(i32, usize)> = Vec::new();
    for task in tasks {
        let (l, r) = task.await.context("client task")??;
        latencies.extend(l);
        tally(r, nonces, &mut rejected);
    }
    let secs = start.elapsed().as_secs_f64();
    let batches_sealed = node.sequencer.batches()? - batches_before;
    let accepted = config.txs - rejected.iter().map(|(_, n)| n).sum::<usize>();
    let (latency, refused) = split(latencies);
    Ok(RpcRun {
        clients,
        rpc: true,
        txs: config.txs,
        accepted,
        rejected,
        secs,
        latency,
        refused,
        batches_sealed,
        signing_secs,
    })
}

/// The latencies of accepted requests, and of refused ones.
fn split(samples: Vec<(Duration, bool)>) -> (Latency, Latency) {
    let (ok, refused): (Vec<_>, Vec<_>) = samples.into_iter().partition(|(_, ok)| *ok);
    (
        Latency::of(ok.into_iter().map(|(d, _)| d).collect()),
        Latency::of(refused.into_iter().map(|(d, _)| d).collect()),
    )
}

/// The report as a markdown table, with the setup on the lines before it.
pub fn render(report: &RpcReport) -> String {
    let c = &report.config;
    let mut out = format!(
        "depth {}, batch size {}, {} accounts (opened in {:.1} s), {} pre-signed transfers per run\n\n",
        c.depth, c.batch_size, c.accounts, report.setup_secs, c.txs
    );
    out.push_str(
        "| clients | accepted | rejected | accepted tx/s | p50 | p90 | p99 | max | refused p99 | batches sealed |\n",
    );
    out.push_str("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |\n");
    for r in &report.runs {
        let l = &r.latency;
        let clients =
            if r.rpc { r.clients.to_string() } else { "1, in-process `Sequencer::submit` (no RPC)".into() };
        out.push_str(&format!(
            "| {clients} | {} | {} | {:.0} | {} | {} | {} | {} | {} | {} |\n",
            r.accepted,
            r.rejected_total(),
            r.rate(),
            crate::ms(l.p50),
            crate::ms(l.p90),
            crate::ms(l.p99),
            crate::ms(l.max),
            if r.refused.count == 0 { "–".to_owned() } else { crate::ms(r.refused.p99) },
            r.batches_sealed
        ));
    }
    for r in report.runs.iter().filter(|r| !r.rejected.is_empty()) {
        out.push_str(&format!("\n{} clients: rejections by code {:?}", r.clients, r.rejected));
    }
    out
}
