//! `ccr-prover-worker`: proves batches for a sequencer that serves the prover job API
//! (`ccr-sequencer --prover-api`). Run as many as you like; each proves one batch at a time.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context;
use ccr_sequencer::cli::{parse_duration, DEV_SEED};
use ccr_sequencer::fleet::worker::{run, WorkerConfig, WorkerKeys};
use ccr_sequencer::fleet::ProverSecret;
use clap::Parser;

/// A prover worker of the community credit rollup.
///
/// Leases sealed batches from the sequencer's prover job API, proves each (Groth16/BN254, the
/// same code as the sequencer's in-process prover), renews its lease while proving and hands
/// the proof back; the sequencer checks every proof before storing it. A worker that dies loses
/// its lease and the batch goes to another worker. Every option may come from the environment
/// (`CCR_…`), or from a file of such lines (`--config`). SIGTERM or Ctrl-C stops it (a proof in
/// flight is abandoned and its job given back).
#[derive(Debug, Parser)]
#[command(name = "ccr-prover-worker", version)]
struct Args {
    /// Print the shell completion script for SHELL and exit (e.g. `ccr-prover-worker --completions bash >
    /// ~/.local/share/bash-completion/completions/ccr-prover-worker`; zsh, fish, elvish, powershell).
    #[arg(long, value_name = "SHELL", exclusive = true)]
    #[allow(dead_code)] // answered by parse_with_config before parsing: here for --help
    completions: Option<clap_complete::Shell>,
    /// Print the manual page (roff) and exit: `ccr-prover-worker --man > ccr-prover-worker.1 && man ./ccr-prover-worker.1`.
    #[arg(long, exclusive = true)]
    #[allow(dead_code)] // answered by parse_with_config before parsing: here for --help
    man: bool,
    /// A configuration file of `CCR_NAME=value` lines (the environment names shown with each
    /// option); the command line and the environment win over it.
    #[arg(long, env = "CCR_CONFIG", value_name = "FILE")]
    config: Option<PathBuf>,
    /// URL of the sequencer's prover job API (its `--prover-api` address).
    #[arg(long, env = "CCR_PROVER_URL", default_value = "http://127.0.0.1:8646")]
    sequencer: String,
    /// File holding the fleet's shared secret (the sequencer's `--prover-secret-file`).
    #[arg(long, env = "CCR_PROVER_SECRET_FILE")]
    secret_file: PathBuf,
    /// Directory with `batch.pk` and `batch.vk` (the sequencer's circuit).
    #[arg(long, env = "CCR_KEYS", required_unless_present = "dev")]
    keys: Option<PathBuf>,
    /// INSECURE development keys (the sequencer's `--dev` keys), set up for the first job.
    #[arg(long, env = "CCR_DEV", conflicts_with = "keys")]
    dev: bool,
    /// This worker's name in the sequencer's logs and metrics (default: `$HOSTNAME`, a pod's
    /// name, or `worker-<pid>`).
    #[arg(long, env = "CCR_WORKER_NAME")]
    name: Option<String>,
    /// How long one lease request waits for a batch (at most 30s).
    #[arg(long, default_value = "20s", value_parser = parse_duration, env = "CCR_PROVER_WAIT")]
    wait: Duration,
    /// Delay before retrying when the sequencer cannot be reached.
    #[arg(long, default_value = "1s", value_parser = parse_duration, env = "CCR_PROVER_RETRY")]
    retry: Duration,
}

fn main() -> anyhow::Result<()> {
    let args: Args = ccr_sequencer::cli::parse_with_config();
    ccr_sequencer::logging::init("info").context("log filter")?;
    let secret = ProverSecret::from_file(&args.secret_file)?;
    let name = args
        .name
        .or_else(|| std::env::var("HOSTNAME").ok().filter(|h| !h.is_empty()))
        .unwrap_or_else(|| format!("worker-{}", std::process::id()));
    let keys = match args.keys {
        Some(dir) => WorkerKeys::Dir(dir),
        None => WorkerKeys::Dev(DEV_SEED),
    };
    let config = WorkerConfig { url: args.sequencer, secret, name, keys, wait: args.wait, retry: args.retry };
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().context("tokio runtime")?;
    let result = rt.block_on(async {
        let mut stop_signals =
            ccr_sequencer::node::StopSignals::install().context("listening for SIGTERM and Ctrl-C")?;
        let (stop, rx) = tokio::sync::watch::channel(false);
        let mut worker = tokio::spawn(run(config, rx));
        tokio::select! {
            signal = stop_signals.recv() => {
                tracing::info!(target: "prover::worker", signal, "stopping");
                let _ = stop.send(true);
                worker.await?.map(|_| ()).map_err(anyhow::Error::from)
            }
            // A fatal error (a refused secret, keys for another circuit) ends the worker.
            done = &mut worker => done?.map(|_| ()).map_err(anyhow::Error::from),
        }
    });
    // A proof in flight runs on a blocking thread: abandon it.
    rt.shutdown_timeout(Duration::from_secs(1));
    result
}
