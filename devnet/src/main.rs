//! `ccr-devnet`: the whole rollup on one machine, a scripted scenario, a summary.

use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context;
use ccr_circuits::state::RollupParams;
use ccr_devnet::{scenario, Devnet, DevnetConfig, L1Choice, DEFAULT_PARAMS};
use clap::Parser;

/// Runs the community credit rollup on this machine — embedded L1 (revm) with the real
/// contracts, the sequencer, the Groth16 prover — and plays a scenario: three members and a
/// community bank deposit on L1, transfer on L2, one exits and claims on L1, the bank
/// registers its credit policy, a member borrows with a private eligibility proof and repays
/// part, and an audit rebuilds the state from L1 data alone and checks every proof.
///
/// Examples:
///
///   ccr-devnet                      # scenario, summary, exit
///
///   ccr-devnet --keep-running       # then use the wallet against it:
///
///   ccr-wallet --network .devnet/network.json --keystore .devnet/wallets/alice.json \
///     --password-file .devnet/wallets/password.txt balance
///
/// The keys come from an INSECURE deterministic setup: development only.
#[derive(Debug, Parser)]
#[command(name = "ccr-devnet", version, verbatim_doc_comment)]
struct Args {
    /// Directory for the database, `network.json`, `batch.vk`, the members' keystores
    /// (`wallets/`), bob's attestation (`attestations/bob.json`) and the banks' files.
    /// Emptied at start (the embedded L1 starts empty each run).
    #[arg(long, default_value = ".devnet")]
    dir: PathBuf,
    /// Keep everything running after the scenario (Ctrl-C stops).
    #[arg(long)]
    keep_running: bool,
    /// Skip the scenario (with --keep-running: an empty devnet to use by hand).
    #[arg(long)]
    no_scenario: bool,
    /// Depth of the account tree. Parameters other than the defaults need node's solc-js
    /// (`scripts/deps`) to compile their verifier.
    #[arg(long, default_value_t = DEFAULT_PARAMS.depth)]
    depth: usize,
    /// Transaction slots per batch.
    #[arg(long, default_value_t = DEFAULT_PARAMS.batch_size)]
    batch_size: usize,
    /// Use this Ethereum JSON-RPC node as L1 (e.g. anvil on http://127.0.0.1:8545, with its
    /// default development accounts) instead of the embedded one.
    #[arg(long, conflicts_with = "anvil")]
    l1_rpc: Option<String>,
    /// Use anvil as L1, started on a free loopback port (`scripts/deps` installs it).
    #[arg(long)]
    anvil: bool,
    /// Listen address of the embedded L1.
    #[arg(long, default_value = "127.0.0.1:8546")]
    l1_listen: SocketAddr,
    /// The sequencer's JSON-RPC address (not 8545, where L1 nodes such as anvil listen).
    #[arg(long, default_value = "127.0.0.1:8645")]
    rpc: SocketAddr,
    /// Prometheus /metrics address.
    #[arg(long, default_value = "127.0.0.1:9100")]
    metrics: SocketAddr,
    /// Print the summary as JSON on stdout.
    #[arg(long)]
    json: bool,
    /// Deploy the verifier of the INSECURE development key even on a chain that is not a
    /// development chain (chain ids 31337, 1337): only for a test network whose rollup will
    /// never hold value. Without it such a deployment is refused.
    #[arg(long)]
    insecure_dev_keys: bool,
    /// Make every key (the batch, eligibility, poll processing and tally circuits) by a
    /// test-size multi-party ceremony at start instead of the development setup: a one-party
    /// phase 1 (insecure), two contributions and a beacon in the Rust phase 2 (snarkjs's file
    /// format), each key verified and imported; keys and transcripts in DIR/ceremony/. A few
    /// minutes at the default sizes.
    #[arg(long)]
    ceremony: bool,
    /// After the scenario, the community-health step: the fund's governance admits the three
    /// banks to L1's SolidarityFund with their bioregions, three attesters sign reports of
    /// Norway, Germany and Greece from bioregion/data/, each bank's score and the epoch's fund
    /// table (over the fund's members) are read from the sequencer, the table is proven (epoch
    /// circuit, INSECURE development key) and settled on L1's SolidarityFund after moving L1's
    /// clock past the epoch's end; its moves are carried out by the next batches and settled on
    /// L1.
    #[arg(long)]
    health: bool,
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    ccr_sequencer::logging::init("warn").context("log filter")?;
    let params = RollupParams::new(args.depth, args.batch_size, DEFAULT_PARAMS.domain)
        .context("--depth/--batch-size")?;
    if args.dir.exists() {
        std::fs::remove_dir_all(&args.dir)
            .with_context(|| format!("emptying the devnet directory {}", args.dir.display()))?;
    }
    let config = DevnetConfig {
        params,
        l1: match (&args.l1_rpc, args.anvil) {
            (Some(url), _) => L1Choice::Rpc { url: url.clone() },
            (None, true) => L1Choice::Anvil,
            (None, false) => L1Choice::Embedded { listen: args.l1_listen },
        },
        rpc: args.rpc,
        metrics: Some(args.metrics),
        insecure_dev_keys: args.insecure_dev_keys,
        ceremony: args.ceremony,
        ..DevnetConfig::new(args.dir.clone())
    };
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().context("tokio runtime")?;
    let result = rt.block_on(async move {
        let mut say = |line: &str| {
            eprintln!("{line}");
            let _ = std::io::stderr().flush();
        };
        say(if args.ceremony {
            "devnet: starting (INSECURE test-size ceremony keys: a one-party phase 1; nothing here secures value)"
        } else {
            "devnet: starting (INSECURE development keys; nothing here secures value)"
        });
        let devnet = Devnet::start(config, &mut say).await?;
        if !args.no_scenario {
            let mut summary = scenario::run(&devnet, &mut say).await?;
            if args.health {
                say("8. community health: the fund admits three banks on L1; attesters report on three bioregions; \
                     each bank's score; the epoch's fund table proven and settled on L1 (SolidarityFund); its moves \
                     carried out by the rollup");
                summary.health = Some(ccr_devnet::health::run(&devnet, &mut say).await?);
            }
            if args.json {
                println!("{}", serde_json::to_string_pretty(&summary)?);
            } else {
                eprintln!("\n{}", scenario::render(&summary));
            }
        }
        if args.keep_running {
            eprintln!(
                "devnet running. Network file: {}\n  try: ccr-wallet --network {} --keystore {}/wallets/alice.json --password-file {}/wallets/password.txt balance\nCtrl-C stops.",
                devnet.network_path.display(),
                devnet.network_path.display(),
                devnet.dir().display(),
                devnet.dir().display(),
            );
            tokio::signal::ctrl_c().await.context("waiting for Ctrl-C")?;
        }
        devnet.stop().await;
        anyhow::Ok(())
    });
    rt.shutdown_timeout(Duration::from_secs(1));
    result
}
