//! `ccr-sequencer`: parse the options, start the node, stop it on Ctrl-C.

use std::time::Duration;

use anyhow::Context;
use ccr_sequencer::cli::Args;
use ccr_sequencer::Node;
use clap::Parser;
use tracing_subscriber::EnvFilter;

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    // arkworks opens a span (target `gr1cs`) per gadget namespace: enabled, they make setup and
    // proving hundreds of times slower, so they stay off whatever RUST_LOG says.
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info"))
        .add_directive("gr1cs=off".parse().context("log filter")?);
    tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).init();
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().context("tokio runtime")?;
    let result = rt.block_on(async {
        let config = tokio::task::spawn_blocking(move || args.node_config()).await??;
        let node = Node::launch(config).await.context("starting the node")?;
        tokio::signal::ctrl_c().await.context("waiting for Ctrl-C")?;
        tracing::info!(target: "sequencer::rpc", "Ctrl-C: shutting down");
        node.shutdown().await;
        anyhow::Ok(())
    });
    // A proof in flight runs on a blocking thread: abandon it (it is redone at the next start).
    rt.shutdown_timeout(Duration::from_secs(1));
    result
}
