use std::time::Duration;

use ccr_circuits::state::RollupParams;
use ccr_devnet::{Devnet, DevnetConfig, L1Choice};

/// Test size: depth 8, 4 slots per batch (the devnet sets the domain of its deployment).
pub const PARAMS: RollupParams =
    RollupParams { depth: 8, batch_size: 4, domain: ccr_circuits::state::Domain::NONE };

pub fn config(dir: &std::path::Path, l1: L1Choice) -> DevnetConfig {
    DevnetConfig {
        params: PARAMS,
        l1,
        rpc: "127.0.0.1:0".parse().expect("addr"),
        metrics: Some("127.0.0.1:0".parse().expect("addr")),
        batch_timeout: Duration::from_millis(500),
        ..DevnetConfig::new(dir.to_path_buf())
    }
}

pub fn embedded() -> L1Choice {
    L1Choice::Embedded { listen: "127.0.0.1:0".parse().expect("addr") }
}

pub async fn start(config: DevnetConfig) -> Devnet {
    Devnet::start(config, &mut |line: &str| eprintln!("{line}")).await.expect("devnet starts")
}
