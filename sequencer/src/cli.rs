//! Command-line options of `ccr-sequencer` and their translation into a [`NodeConfig`].

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use ccr_circuits::state::RollupParams;
use clap::Parser;

use crate::node::NodeConfig;
use crate::prover::{BatchKeys, KeyError};
use crate::sequencer::SequencerConfig;

/// Seed of the development setup used when no `--keys` are given. Public on purpose: keys
/// from it are insecure by construction.
pub const DEV_SEED: [u8; 32] = *b"ccr-sequencer insecure dev setup";

/// The sequencer of the community credit rollup.
///
/// Accepts signed transfers and exits over JSON-RPC, batches them with the L1 deposits, proves
/// every batch (Groth16/BN254) and keeps everything in RocksDB. Logs go to stderr; set
/// `RUST_LOG` (e.g. `RUST_LOG=sequencer=debug`) to change what is shown.
#[derive(Debug, Clone, Parser)]
#[command(name = "ccr-sequencer", version)]
pub struct Args {
    /// Database directory (created if missing).
    #[arg(long, env = "CCR_DB")]
    pub db: PathBuf,
    /// JSON-RPC listen address.
    #[arg(long, default_value = "127.0.0.1:8545", env = "CCR_RPC")]
    pub rpc: SocketAddr,
    /// Prometheus `/metrics` listen address (keep it on loopback).
    #[arg(long, default_value = "127.0.0.1:9100", env = "CCR_METRICS")]
    pub metrics: SocketAddr,
    /// Do not serve `/metrics`.
    #[arg(long)]
    pub no_metrics: bool,
    /// Depth of the account tree (the circuit's; production: 24).
    #[arg(long, default_value_t = 24)]
    pub depth: usize,
    /// Transactions per batch (the circuit's).
    #[arg(long, default_value_t = 16)]
    pub batch_size: usize,
    /// Chain id signed into every transaction.
    #[arg(long, default_value_t = 1)]
    pub chain_id: u32,
    /// Seal a partial batch once the oldest pending transaction waited this long
    /// (`500ms`, `2s`, `1m`; a bare number is seconds).
    #[arg(long, default_value = "2s", value_parser = parse_duration)]
    pub batch_timeout: Duration,
    /// L2 transactions the mempool holds at most.
    #[arg(long, default_value_t = 4096)]
    pub mempool_capacity: usize,
    /// Directory with `batch.pk` and `batch.vk` for these parameters. Without it the node runs
    /// an INSECURE deterministic development setup at start-up.
    #[arg(long)]
    pub keys: Option<PathBuf>,
    /// Do not prove (batches stay sealed; another node or a prover fleet proves them).
    #[arg(long, conflicts_with = "keys")]
    pub no_prover: bool,
}

/// Errors of the command line.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// Bad parameters.
    #[error("invalid rollup parameters: {0}")]
    Params(#[from] ccr_circuits::state::ParamsError),
    /// Keys do not load.
    #[error(transparent)]
    Keys(#[from] KeyError),
}

/// Parses `500ms`, `2s`, `1m` or a bare number of seconds.
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    let s = s.trim();
    let (num, unit) = match s.find(|c: char| !(c.is_ascii_digit() || c == '.')) {
        Some(i) => s.split_at(i),
        None => (s, "s"),
    };
    let x: f64 = num.parse().map_err(|_| format!("invalid duration {s:?}"))?;
    let secs = match unit {
        "ms" => x / 1000.0,
        "s" => x,
        "m" => x * 60.0,
        _ => return Err(format!("unknown unit {unit:?} in {s:?} (use ms, s or m)")),
    };
    Duration::try_from_secs_f64(secs).map_err(|e| format!("invalid duration {s:?}: {e}"))
}

impl Args {
    /// The node configuration; loads the keys or runs the development setup (slow: seconds
    /// to minutes depending on the parameters).
    pub fn node_config(&self) -> Result<NodeConfig, CliError> {
        let params = RollupParams::new(self.depth, self.batch_size, self.chain_id)?;
        let keys = match (&self.keys, self.no_prover) {
            (_, true) => None,
            (Some(dir), false) => Some(BatchKeys::load(dir, &params)?),
            (None, false) => Some(BatchKeys::dev(&params, DEV_SEED)?),
        };
        Ok(NodeConfig {
            sequencer: SequencerConfig {
                db: self.db.clone(),
                params,
                mempool_capacity: self.mempool_capacity,
            },
            rpc_addr: self.rpc,
            metrics_addr: (!self.no_metrics).then_some(self.metrics),
            batch_timeout: self.batch_timeout,
            keys,
        })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // tests: a panic is a failure with its location
mod tests {
    use super::*;

    #[test]
    fn durations_parse() {
        assert_eq!(parse_duration("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_duration("2s"), Ok(Duration::from_secs(2)));
        assert_eq!(parse_duration("3"), Ok(Duration::from_secs(3)));
        assert_eq!(parse_duration("1m"), Ok(Duration::from_secs(60)));
        assert!(parse_duration("1h").is_err());
        assert!(parse_duration("x").is_err());
    }
}
