//! `ccr-sequencer`: parse the options, bring up L1 (embedded, or an existing rollup over
//! JSON-RPC), start the node, stop it gracefully on SIGTERM (what Kubernetes and systemd send)
//! or Ctrl-C.

use std::time::Duration;

use anyhow::Context;
use ccr_l1::client::L1Client;
use ccr_l1::poll::PollClient;
use ccr_sequencer::cli::{Args, L1Mode, DEV_SEED};
use ccr_sequencer::{embedded, L1Config, Node};
use ccr_verifier_contracts::rollup::DeployConfig;

fn main() -> anyhow::Result<()> {
    let args: Args = ccr_sequencer::cli::parse_with_config();
    ccr_sequencer::logging::init("info").context("log filter")?;
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().context("tokio runtime")?;
    let result = rt.block_on(async {
        // Before anything starts: a SIGTERM during start-up stops the node gracefully too.
        let mut stop = ccr_sequencer::node::StopSignals::install().context("listening for SIGTERM and Ctrl-C")?;
        let a = args.clone();
        let mut config = tokio::task::spawn_blocking(move || a.node_config()).await??;
        let params = config.sequencer.params;
        let mut embedded_l1 = None;
        match args.l1_mode() {
            L1Mode::None => {}
            L1Mode::Embedded => {
                let keys = config
                    .keys
                    .as_ref()
                    .map(|k| k.verifier())
                    .or_else(|| config.fleet.as_ref().map(|f| f.verifier.clone()))
                    .context(
                        "the embedded L1 deploys the verifier of this node's key: run without --no-prover, or give --l1-rpc",
                    )?;
                let verifier = embedded::verifier_artifact(&keys, &params, DEV_SEED)?;
                // The development eligibility key of the production shape (INSECURE, like the
                // embedded L1 itself): the rollup holds it for every bank's credits.
                let depth = params.depth;
                let eligibility = tokio::task::spawn_blocking(move || {
                    ccr_prover::eligibility::dev_eligibility_key_file(depth)
                })
                .await??;
                let cfg = DeployConfig { escape_delay: args.escape_delay, ..DeployConfig::eth() };
                let up = embedded::start(
                    args.l1_listen,
                    &params,
                    &verifier,
                    std::slice::from_ref(&eligibility.key.vk),
                    &cfg,
                    args.l1_key()?,
                )
                .await?;
                eprintln!(
                    "embedded L1 on {} (chain id {}), rollup at {}",
                    up.node.url(),
                    ccr_dev_chain::node::CHAIN_ID,
                    up.deployment.rollup
                );
                config.l1 = Some(L1Config {
                    client: up.operator.clone(),
                    confirmations: args.l1_confirmations,
                    poll: args.l1_poll,
                    poll_contract: args.poll_contract()?,
                    fund_contract: args.fund_contract()?,
                    vote_relay: args.vote_relay_limits()?,
                });
                embedded_l1 = Some(up);
            }
            L1Mode::Rpc { url, rollup } => {
                if let Some(ca) = &args.l1_ca_file {
                    ccr_l1::tls::add_roots_from_file(ca).context("--l1-ca-file")?;
                }
                let address = rollup.parse().with_context(|| format!("--rollup {rollup} is not an address"))?;
                let client = L1Client::connect(&url, args.l1_key()?, address)
                    .await
                    .with_context(|| format!("connecting to L1 at {url}"))?
                    .with_start_block(args.l1_start_block);
                config.l1 = Some(L1Config {
                    client,
                    confirmations: args.l1_confirmations,
                    poll: args.l1_poll,
                    poll_contract: args.poll_contract()?,
                    fund_contract: args.fund_contract()?,
                    vote_relay: args.vote_relay_limits()?,
                });
            }
        }
        if let Some(l1) = &config.l1 {
            if let Some(poll) = l1.poll_contract {
                let setup = PollClient::connect(&l1.client, poll)
                    .setup()
                    .await
                    .with_context(|| format!("reading the poll contract at {poll} (--l1-poll-contract)"))?;
                eprintln!("relaying votes to the poll contract at {poll} ({setup:?})");
            }
        }
        let node = Node::launch(config).await.context("starting the node")?;
        let signal = stop.recv().await;
        tracing::info!(target: "sequencer::rpc", signal, "shutting down");
        node.shutdown().await;
        if let Some(up) = embedded_l1 {
            up.node.stop().await;
        }
        anyhow::Ok(())
    });
    // A proof in flight runs on a blocking thread: abandon it (it is redone at the next start).
    rt.shutdown_timeout(Duration::from_secs(1));
    result
}
