//! A running node: the sequencer core, the RPC server, the batcher, the prover and the
//! metrics endpoint, with graceful shutdown.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use jsonrpsee::server::ServerHandle;
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tracing::info;

use ccr_circuits::state::Domain;

use crate::error::SequencerError;
use crate::fleet::{FleetConfig, JobBoard};
use crate::health::{HealthReport, TaskHealth};
use crate::invariants::StartupReport;
use crate::l1_client::ContractL1;
use crate::metrics::{self, MetricsError};
use crate::prover::BatchKeys;
use crate::rpc::RpcServer;
use crate::sequencer::{Sequencer, SequencerConfig};

/// Everything a node needs.
#[derive(Debug, Clone)]
pub struct NodeConfig {
    /// Database, parameters, mempool capacity.
    pub sequencer: SequencerConfig,
    /// JSON-RPC listen address (port 0: any free port).
    pub rpc_addr: SocketAddr,
    /// Prometheus listen address; `None`: no endpoint (metrics are still recorded).
    pub metrics_addr: Option<SocketAddr>,
    /// The batcher seals a partial batch after the oldest pending transaction waited this long.
    pub batch_timeout: Duration,
    /// Keys of the batch circuit for the in-process prover; `None`: this node does not prove
    /// itself (batches stay sealed, or go to the fleet).
    pub keys: Option<BatchKeys>,
    /// Serve the prover job API to remote workers instead of proving in process (`keys` is then
    /// not used for proving).
    pub fleet: Option<FleetConfig>,
    /// The rollup contract on L1; `None`: no L1 (deposits come through
    /// [`Sequencer::ingest_queue_entry`], batches are not settled).
    pub l1: Option<L1Config>,
    /// The banks' published files this node mirrors (`ccr_getBankFile`); `None`: none.
    pub bank_files: Option<std::path::PathBuf>,
    /// The network's health configuration (`ccr_sendHealthReport`, `ccr_getHealth`,
    /// `ccr_getFund`); the default has no attester, bioregion or bank.
    pub health: crate::health_reports::HealthConfig,
}

/// How the node reaches L1.
#[derive(Debug, Clone)]
pub struct L1Config {
    /// The rollup contract, driven by the account that submits batches.
    pub client: ccr_l1::client::L1Client,
    /// Blocks a queue entry must be buried under before it is ingested (0 on a dev chain).
    pub confirmations: u64,
    /// How often the contract's queue is polled, and the retry delay of a failed settlement.
    pub poll: Duration,
    /// The `Poll` contract votes are relayed to (`ccr_sendVote`) from `client`'s account;
    /// `None`: the node relays no votes.
    pub poll_contract: Option<alloy_primitives::Address>,
    /// The limits of that relay (per poll, per encryption key, global).
    pub vote_relay: crate::vote_relay::VoteRelayLimits,
    /// The `SolidarityFund` contract whose settled tables' moves the batches carry out (the
    /// rollup's `fund()`); `None`: the node takes no move.
    pub fund_contract: Option<alloy_primitives::Address>,
}

/// Errors of node start-up.
#[derive(Debug, thiserror::Error)]
pub enum NodeError {
    /// The sequencer core did not open.
    #[error(transparent)]
    Sequencer(#[from] SequencerError),
    /// The RPC server did not start.
    #[error("JSON-RPC server on {addr}: {source}")]
    Rpc {
        /// Address.
        addr: SocketAddr,
        /// Why.
        source: std::io::Error,
    },
    /// The metrics endpoint did not start.
    #[error(transparent)]
    Metrics(#[from] MetricsError),
    /// The start-up task failed.
    #[error("start-up task failed: {0}")]
    Task(String),
    /// L1's domain (chain id and rollup address) could not be read, or is not the configured one.
    #[error("the rollup's domain on L1: {0}")]
    Domain(String),
    /// The configured solidarity fund could not be read, or is not this rollup's.
    #[error("the solidarity fund on L1: {0}")]
    Fund(String),
}

/// A running node.
#[derive(Debug)]
pub struct Node {
    /// The core.
    pub sequencer: Arc<Sequencer>,
    /// What start-up found and repaired.
    pub report: StartupReport,
    rpc_addr: SocketAddr,
    metrics_addr: Option<SocketAddr>,
    prover_api_addr: Option<SocketAddr>,
    rpc: ServerHandle,
    prover_api: Option<ServerHandle>,
    board: Option<Arc<JobBoard>>,
    shutdown: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
    health: Arc<TaskHealth>,
    /// The L1 adapter the deposit watcher polls (with L1).
    contract: Option<ContractL1>,
}

impl Node {
    /// Opens the database (replaying it), then starts the API, the batcher, the prover (with
    /// keys) and the metrics endpoint.
    pub async fn launch(mut config: NodeConfig) -> Result<Self, NodeError> {
        // Every signed transaction binds L1's chain id and the rollup's address: with L1, the
        // parameters take its domain (a configured one must be the same).
        if let Some(l1) = &config.l1 {
            let domain = l1.client.domain().await.map_err(|e| NodeError::Domain(e.to_string()))?;
            let configured = &mut config.sequencer.params.domain;
            if *configured != Domain::NONE && *configured != domain {
                return Err(NodeError::Domain(format!(
                    "configured for chain {} and rollup 0x{}, but L1 is chain {} with the rollup at 0x{}",
                    configured.chain_id,
                    hex::encode(configured.rollup),
                    domain.chain_id,
                    hex::encode(domain.rollup)
                )));
            }
            *configured = domain;
        }
        // The L1 adapter, with the fund checked before anything starts.
        let mut contract = None;
        if let Some(l1) = &config.l1 {
            let c = ContractL1::new(l1.client.clone(), l1.confirmations);
            if let Some(fund) = l1.fund_contract {
                let account = c.with_fund(fund).await.map_err(|e| NodeError::Fund(e.to_string()))?;
                info!(target: "sequencer::l1", %fund, account, "carrying out the solidarity fund's moves");
            }
            contract = Some(c);
        }
        let handle = metrics::install()?;
        let seq_config = config.sequencer.clone();
        let (seq, report) = tokio::task::spawn_blocking(move || Sequencer::open(&seq_config))
            .await
            .map_err(|e| NodeError::Task(e.to_string()))??;
        let seq = Arc::new(seq);
        if config.l1.as_ref().is_some_and(|l1| l1.fund_contract.is_some()) {
            seq.expect_fund();
        }
        let (shutdown, rx) = watch::channel(false);
        let mut tasks = Vec::new();
        let health = Arc::new(TaskHealth::default());

        let metrics_addr = match config.metrics_addr {
            Some(addr) => {
                let listener = metrics::bind(addr).await?;
                let bound = listener.local_addr().map_err(|source| MetricsError::Bind { addr, source })?;
                let probes = metrics::Probes { health: health.clone(), sequencer: seq.clone() };
                tasks.push(tokio::spawn(metrics::serve(listener, handle, probes, rx.clone())));
                Some(bound)
            }
            None => None,
        };

        let insecure = config.keys.as_ref().is_some_and(|k| k.insecure_dev_setup)
            || config.fleet.as_ref().is_some_and(|f| f.verifier.insecure_dev_setup);
        let proving = config.keys.is_some() || config.fleet.is_some();
        let mut api = RpcServer::new(seq.clone(), proving, insecure);
        if let Some(dir) = &config.bank_files {
            api = api.with_bank_files(dir.clone());
        }
        api = api.with_health(config.health.clone());
        if let Some(l1) = &config.l1 {
            api = api.with_l1(l1.client.clone());
            if let Some(poll) = l1.poll_contract {
                // A clone of the settlement's client: one send lock for both.
                api = api.with_poll(ccr_l1::poll::PollClient::connect(&l1.client, poll), l1.vote_relay);
            }
        }
        let (rpc_addr, rpc) = api
            .start(config.rpc_addr)
            .await
            .map_err(|source| NodeError::Rpc { addr: config.rpc_addr, source })?;

        tasks.push(
            health.spawn("batcher", crate::batcher::run(seq.clone(), config.batch_timeout, rx.clone())),
        );
        if !config.health.bioregions.is_empty() {
            let book = Arc::new(crate::health_reports::HealthBook::new(config.health.clone()));
            let (s, mut r) = (seq.clone(), rx.clone());
            tasks.push(health.spawn("health-metrics", async move {
                let mut tick = tokio::time::interval(metrics::HEALTH_REFRESH);
                loop {
                    tokio::select! {
                        _ = r.changed() => break,
                        _ = tick.tick() => {
                            let (b, s) = (book.clone(), s.clone());
                            let refreshed = tokio::task::spawn_blocking(move || b.refresh_metrics(&s)).await;
                            if let Err(e) = refreshed.map_err(|e| e.to_string()).and_then(|r| r.map_err(|e| e.to_string())) {
                                tracing::warn!(target: "sequencer::health", error = %e, "health metrics not refreshed");
                            }
                        }
                    }
                }
            }));
        }
        let (mut prover_api, mut prover_api_addr, mut board) = (None, None, None);
        if let Some(fleet) = &config.fleet {
            let (s, pvk, lease) = (seq.clone(), fleet.verifier.pvk.clone(), fleet.lease);
            let opened = tokio::task::spawn_blocking(move || JobBoard::open(s, pvk, lease))
                .await
                .map_err(|e| NodeError::Task(e.to_string()))??;
            let opened = Arc::new(opened);
            board = Some(opened.clone());
            let (addr, handle, ticker) = crate::fleet::board::serve(opened, fleet, rx.clone())
                .await
                .map_err(|source| NodeError::Rpc { addr: fleet.addr, source })?;
            tasks.push(health.spawn("prover-api", ticker));
            prover_api = Some(handle);
            prover_api_addr = Some(addr);
        } else if let Some(keys) = config.keys {
            tasks.push(health.spawn("prover", crate::prover::run(seq.clone(), keys, rx.clone())));
        }
        if let (Some(l1), Some(contract)) = (config.l1, contract.clone()) {
            let (s, r, poll) = (seq.clone(), rx.clone(), l1.poll);
            let source = contract.clone();
            tasks.push(health.spawn("deposits", async move {
                if let Err(e) = crate::l1::watch_deposits(source, s, poll, r).await {
                    tracing::error!(target: "sequencer::l1", error = %e, "deposit watcher stopped");
                }
            }));
            let (s, r) = (seq.clone(), rx.clone());
            tasks.push(health.spawn("settlement", async move {
                if let Err(e) = crate::l1::settle_batches(contract, s, poll, r).await {
                    tracing::error!(target: "sequencer::l1", error = %e, "settlement stopped");
                }
            }));
        }
        info!(target: "sequencer::rpc", %rpc_addr, metrics = ?metrics_addr, "node running");
        Ok(Self {
            sequencer: seq,
            report,
            rpc_addr,
            metrics_addr,
            prover_api_addr,
            rpc,
            prover_api,
            board,
            shutdown,
            tasks,
            health,
            contract,
        })
    }

    /// Makes the running node carry out the moves of the `SolidarityFund` at `fund` (the
    /// rollup's `fund()`), as `--l1-fund-contract` does at start, once it is checked to be this
    /// rollup's (see [`ContractL1::with_fund`]): the deposit watcher's next poll takes them and
    /// reads the fund's members, over which the node's fund table is built from then on.
    /// Returns the fund's L2 account. For an operator that deploys the fund while the node runs.
    ///
    /// # Errors
    ///
    /// [`NodeError::Fund`] without L1, for a fund that is not this rollup's or when another is
    /// set; L1's errors.
    pub async fn carry_fund_moves(&self, fund: alloy_primitives::Address) -> Result<u32, NodeError> {
        let contract = self.contract.as_ref().ok_or_else(|| NodeError::Fund("the node has no L1".into()))?;
        let account = contract.with_fund(fund).await.map_err(|e| NodeError::Fund(e.to_string()))?;
        self.sequencer.expect_fund();
        info!(target: "sequencer::l1", %fund, account, "carrying out the solidarity fund's moves");
        Ok(account)
    }

    /// The bound JSON-RPC address.
    pub fn rpc_addr(&self) -> SocketAddr {
        self.rpc_addr
    }

    /// The JSON-RPC URL (`http://addr`).
    pub fn rpc_url(&self) -> String {
        format!("http://{}", self.rpc_addr)
    }

    /// The bound metrics address (also `/healthz` and `/readyz`).
    pub fn metrics_addr(&self) -> Option<SocketAddr> {
        self.metrics_addr
    }

    /// The bound address of the prover job API (with a fleet).
    pub fn prover_api_addr(&self) -> Option<SocketAddr> {
        self.prover_api_addr
    }

    /// The prover fleet's job board (with a fleet).
    pub fn fleet(&self) -> Option<Arc<JobBoard>> {
        self.board.clone()
    }

    /// What `/healthz` and `/readyz` report: each task, and whether the node halted.
    pub fn health(&self) -> HealthReport {
        metrics::Probes { health: self.health.clone(), sequencer: self.sequencer.clone() }.report()
    }

    /// Graceful shutdown: stop accepting requests, let the tasks finish their current step
    /// (a proof in flight is abandoned and redone at the next start), wait for them. When it
    /// returns the database is closed, so the same process may open it again.
    pub async fn shutdown(self) {
        self.health.stopping();
        stop_servers(&self.rpc, self.prover_api.as_ref()).await;
        let _ = self.shutdown.send(true);
        for t in self.tasks {
            let _ = t.await;
        }
        drop(self.board);
        release(self.sequencer).await;
        info!(target: "sequencer::rpc", "node stopped");
    }

    /// Stops everything at once, as a crash would (only what was committed survives; every
    /// commit is a synced write batch). For tests of crash safety. When it returns the
    /// database is closed.
    pub async fn kill(self) {
        self.health.stopping();
        for t in &self.tasks {
            t.abort();
        }
        stop_servers(&self.rpc, self.prover_api.as_ref()).await;
        for t in self.tasks {
            let _ = t.await;
        }
        drop(self.board);
        release(self.sequencer).await;
    }
}

/// SIGTERM (what Kubernetes and systemd send) and SIGINT (Ctrl-C), listened for from
/// [`StopSignals::install`] on: install before starting anything, so that a signal arriving
/// during start-up stops the process gracefully rather than by the default action.
#[derive(Debug)]
pub struct StopSignals {
    #[cfg(unix)]
    term: tokio::signal::unix::Signal,
    #[cfg(unix)]
    int: tokio::signal::unix::Signal,
}

impl StopSignals {
    /// Installs the handlers (inside a tokio runtime).
    ///
    /// # Errors
    ///
    /// When the signal handlers cannot be installed.
    pub fn install() -> std::io::Result<Self> {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{signal, SignalKind};
            Ok(Self { term: signal(SignalKind::terminate())?, int: signal(SignalKind::interrupt())? })
        }
        #[cfg(not(unix))]
        {
            Ok(Self {})
        }
    }

    /// Waits for the first signal; returns which.
    pub async fn recv(&mut self) -> &'static str {
        #[cfg(unix)]
        {
            tokio::select! {
                _ = self.term.recv() => "SIGTERM",
                _ = self.int.recv() => "SIGINT",
            }
        }
        #[cfg(not(unix))]
        {
            let _ = tokio::signal::ctrl_c().await;
            "Ctrl-C"
        }
    }
}

async fn stop_servers(rpc: &ServerHandle, prover_api: Option<&ServerHandle>) {
    for h in std::iter::once(rpc).chain(prover_api) {
        let _ = h.stop();
        h.clone().stopped().await;
    }
}

/// Drops the node's handle on the sequencer once it is the last one, so that RocksDB's lock
/// is released: connection tasks of the stopped API server may still hold theirs for a
/// moment after `stopped()` (seen as "lock hold by current process" on a quick restart).
/// Gives up after 10 s with a warning (a handle kept elsewhere keeps the database open).
async fn release(sequencer: Arc<Sequencer>) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while Arc::strong_count(&sequencer) > 1 && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    if Arc::strong_count(&sequencer) > 1 {
        tracing::warn!(
            target: "sequencer::rpc",
            handles = Arc::strong_count(&sequencer) - 1,
            "stopped, but other handles keep the database open"
        );
    }
}
