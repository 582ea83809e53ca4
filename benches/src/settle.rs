//! `ccr-benches settle`: the time from submitting a batch of transfers to their root settled
//! on L1, on the whole system in one process.
//!
//! [`Devnet::start`] brings up the embedded L1 with the contracts, the sequencer (RocksDB in a
//! temporary directory), its prover (the insecure development keys) and its settlement loop.
//! `batch` members open accounts with L1 deposits through the wallet's library
//! ([`ccr_wallet::l1ops::deposit`]); the benchmark waits until the sequencer ingested them and
//! their batch settled. Then each member's transfer is signed (not measured) and all `batch`
//! transfers are sent at once, one concurrent request each; the clock starts at the first
//! submission. The stages are observed by polling `ccr_getTransactionStatus` every
//! [`POLL`], so each is late by at most that much.
//!
//! [`Devnet::start`]: ccr_devnet::Devnet::start
//! [`POLL`]: crate::settle::POLL

use std::time::{Duration, Instant};

use anyhow::{bail, ensure, Context, Result};
use ccr_circuits::state::{Domain, RollupParams};
use ccr_devnet::{Devnet, DevnetConfig, L1Choice};
use ccr_sequencer::api::{BatchState, TxId, TxState};
use ccr_wallet::keys::{L1Key, WalletKeys};
use ccr_wallet::l1ops::{self, L1};
use ccr_wallet::ops;
use ccr_wallet::sequencer::SequencerClient;
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;

/// How often the stages are polled.
pub const POLL: Duration = Duration::from_millis(10);
/// Deposited per member, in L2 units (gwei): 1 ETH.
const DEPOSIT: u64 = 1_000_000_000;
/// How long any stage may take before the benchmark gives up.
const STAGE_TIMEOUT: Duration = Duration::from_secs(1800);

/// What to measure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SettleBench {
    /// Account tree depth.
    pub depth: usize,
    /// Slots per batch, and transfers sent. With the devnet's parameters (depth 24, 16 slots)
    /// L1 gets the committed verifier; with any other, one generated for the development key
    /// and compiled with solc-js (`node`), same gas.
    pub batch: usize,
}

/// Seconds from the first submission to each stage.
#[derive(Debug, Clone, PartialEq)]
pub struct SettleReport {
    /// What was measured.
    pub config: SettleBench,
    /// Key setup of the batch circuit (before everything; not part of the latency).
    pub setup_secs: f64,
    /// Opening the members' accounts: deposits on L1, ingested, proven, settled (not measured).
    pub accounts_secs: f64,
    /// Every transfer accepted (the last receipt back).
    pub accepted: f64,
    /// The batch holding them sealed.
    pub sealed: f64,
    /// Its proof stored.
    pub proven: f64,
    /// Its settlement mined on L1 (status `settled`).
    pub settled: f64,
    /// The batch's number.
    pub batch_number: u64,
    /// The settlement's L1 gas.
    pub l1_gas: u64,
}

/// Runs the benchmark in `dir` (the devnet's database and files); `say` gets progress lines.
///
/// # Errors
///
/// A devnet that does not start, a deposit or transfer refused, a stage that times out, or a
/// batch that does not hold exactly the transfers sent.
pub async fn run(
    config: SettleBench,
    dir: &std::path::Path,
    say: &mut (dyn FnMut(&str) + Send),
) -> Result<SettleReport> {
    ensure!(config.batch >= 2, "--batch must be at least 2 (each member sends to another)");
    let params = RollupParams::new(config.depth, config.batch, Domain::NONE)?;
    let any: std::net::SocketAddr = ([127, 0, 0, 1], 0).into();
    let devnet = Devnet::start(
        DevnetConfig {
            params,
            l1: L1Choice::Embedded { listen: any },
            rpc: any,
            metrics: None,
            // Long: both batches here seal because they are full.
            batch_timeout: Duration::from_secs(3600),
            ..DevnetConfig::new(dir.to_path_buf())
        },
        say,
    )
    .await?;
    let result = measure(config, &devnet, say).await;
    devnet.stop().await;
    result
}

async fn measure(
    config: SettleBench,
    devnet: &Devnet,
    say: &mut (dyn FnMut(&str) + Send),
) -> Result<SettleReport> {
    let net = &devnet.network;
    let seq = SequencerClient::new(&net.sequencer_rpc)?;
    let t = Instant::now();
    // One funded development account pays every deposit (account 0 is the operator's,
    // which settles); each member has its own L2 key.
    let funder = WalletKeys::generate(
        &mut ChaCha20Rng::seed_from_u64(1),
        Some(L1Key::from_hex(ccr_l1::DEV_KEYS.get(1).context("development key 1")?)?),
    );
    let l1 = L1::connect(&net.l1_rpc, &funder, net.rollup, net.deploy_block).await?;
    let mut rng = ChaCha20Rng::seed_from_u64(45);
    let members: Vec<WalletKeys> = (0..config.batch).map(|_| WalletKeys::generate(&mut rng, None)).collect();
    let mut index = Vec::with_capacity(config.batch);
    let mut queue_length = 0;
    for m in &members {
        let d = l1ops::deposit(&l1, m, None, DEPOSIT).await?;
        index.push(d.index);
        queue_length = d.queue_length;
    }
    l1ops::wait_ingested(&seq, queue_length, STAGE_TIMEOUT).await?;
    say(&format!(
        "{} accounts opened on L1 and ingested; waiting for their batch to settle ...",
        config.batch
    ));
    loop {
        let h = seq.health().await?;
        if h.batches > 0 && h.settled == h.batches && h.pending_deposits == 0 && h.pending_txs == 0 {
            break;
        }
        ensure!(t.elapsed() < STAGE_TIMEOUT, "the deposits' batch did not settle in {STAGE_TIMEOUT:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let accounts_secs = t.elapsed().as_secs_f64();
    say(&format!("accounts ready in {accounts_secs:.1} s; sending {} transfers", config.batch));

    // Member i sends to member i + 1; signed before the clock starts.
    let mut signed = Vec::with_capacity(config.batch);
    for (i, m) in members.iter().enumerate() {
        let to = index[(i + 1) % index.len()];
        signed.push(ops::sign_transfer(m, &devnet.config.params.domain, index[i], to, 1000, 0)?);
    }

    let start = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for tx in signed {
        let seq = seq.clone();
        tasks.spawn(async move { seq.send(&tx).await });
    }
    let mut receipts = Vec::with_capacity(config.batch);
    while let Some(r) = tasks.join_next().await {
        receipts.push(r.context("send task")??);
    }
    let accepted = start.elapsed().as_secs_f64();

    let last = receipts.iter().max_by_key(|r| r.seq).context("no transfer sent")?.hash.clone();
    let (mut sealed, mut proven) = (None, None);
    let (settled, batch_number) = loop {
        let st = seq.status(TxId::Hash(last.clone())).await?.context("the sequencer lost a transfer")?;
        let now = start.elapsed().as_secs_f64();
        // A stage skipped between two polls counts as reached at the later one.
        match st.status {
            TxState::Pending => {}
            TxState::InBatch => {
                sealed.get_or_insert(now);
            }
            TxState::Proven => {
                sealed.get_or_insert(now);
                proven.get_or_insert(now);
            }
            TxState::Settled => {
                sealed.get_or_insert(now);
                proven.get_or_insert(now);
                break (now, st.batch.context("a settled transaction without batch")?);
            }
            TxState::Rejected => bail!("transfer {last} was dropped: {:?}", st.reason),
        }
        ensure!(start.elapsed() < STAGE_TIMEOUT, "the transfers did not settle in {STAGE_TIMEOUT:?}");
        tokio::time::sleep(POLL).await;
    };

    let batch = seq.batch(batch_number).await?.context("the settled batch is missing")?;
    ensure!(batch.state == BatchState::Settled, "batch {batch_number} is {:?}", batch.state);
    let mut seqs: Vec<u64> = receipts.iter().map(|r| r.seq).collect();
    seqs.sort_unstable();
    ensure!(
        batch.txs == seqs,
        "batch {batch_number} holds {:?}, not exactly the {} transfers sent {seqs:?}",
        batch.txs,
        config.batch
    );
    Ok(SettleReport {
        config,
        setup_secs: devnet.setup_secs,
        accounts_secs,
        accepted,
        sealed: sealed.unwrap_or(settled),
        proven: proven.unwrap_or(settled),
        settled,
        batch_number,
        l1_gas: batch.l1_gas_used.context("settled batch without L1 gas")?,
    })
}

/// The report as a markdown table, with the setup on the lines before it.
pub fn render(r: &SettleReport) -> String {
    let n = r.config.batch;
    let ms = |s: f64| format!("{:.0} ms", s * 1e3);
    let mut out = format!(
        "depth {}, batch {n}: key setup {:.1} s, {n} accounts opened and settled in {:.1} s \
         (neither measured below)\n\n",
        r.config.depth, r.setup_secs, r.accounts_secs
    );
    out.push_str(&format!("| {n} transfers, from the first submission to | time | stage alone |\n"));
    out.push_str("| --- | --- | --- |\n");
    let stages = [
        ("all accepted", r.accepted, r.accepted),
        ("batch sealed", r.sealed, r.sealed - r.accepted),
        ("proven", r.proven, r.proven - r.sealed),
        ("settled on L1 (status `settled`)", r.settled, r.settled - r.proven),
    ];
    for (what, at, alone) in stages {
        out.push_str(&format!("| {what} | {} | {} |\n", ms(at), ms(alone)));
    }
    out.push_str(&format!(
        "\nbatch {}: settlement gas on L1 {} ({:.0} per transfer); stages polled every {} ms\n",
        r.batch_number,
        r.l1_gas,
        r.l1_gas as f64 / n as f64,
        POLL.as_millis()
    ));
    out
}
