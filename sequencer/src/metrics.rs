//! Metrics: the `metrics` facade (as reth), exported in Prometheus text format on a separate
//! port (loopback by default) by a small hyper server, which also answers the probes
//! `/healthz` (every task runs) and `/readyz` (and the node has not halted).
//!
//! The recorder is process-wide (installed once, [`install`](crate::metrics::install)); metric names are the constants
//! below. Histograms have explicit buckets so they render as Prometheus histograms.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use http_body_util::Full;
use hyper::body::Bytes;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use tokio::net::TcpListener;
use tokio::sync::watch;
use tracing::{debug, warn};

use crate::health::{HealthReport, TaskHealth};
use crate::sequencer::Sequencer;

/// Signed transactions and deposits accepted into the log (label `kind`: `deposit`, `transfer`, `exit`).
pub const TXS_ACCEPTED: &str = "ccr_sequencer_txs_accepted_total";
/// Submissions refused (label `reason`: the error code's label, e.g. `bad_signature`).
pub const TXS_REJECTED: &str = "ccr_sequencer_txs_rejected_total";
/// Accepted L2 transactions evicted when a deposit or a fund move went ahead of them.
pub const TXS_EVICTED: &str = "ccr_sequencer_txs_evicted_total";
/// Batches sealed.
pub const BATCHES_SEALED: &str = "ccr_sequencer_batches_sealed_total";
/// Real (non-padding) transactions per sealed batch.
pub const BATCH_TXS: &str = "ccr_sequencer_batch_txs";
/// Operations (acceptances, seals, proofs, settlements) made durable by one synced write: the
/// group commit's group size.
pub const COMMIT_GROUP: &str = "ccr_sequencer_commit_group_operations";
/// Batches proven.
pub const BATCHES_PROVEN: &str = "ccr_sequencer_batches_proven_total";
/// Batches settled on L1.
pub const BATCHES_SETTLED: &str = "ccr_sequencer_batches_settled_total";
/// Histogram: L1 gas used by each batch settlement.
pub const L1_GAS: &str = "ccr_sequencer_l1_gas_used";
/// Counter: failed L1 settlement attempts (retried).
pub const SETTLEMENT_FAILURES: &str = "ccr_sequencer_settlement_failures_total";
/// L1 queue entries read from the contract.
pub const DEPOSITS_SEEN_L1: &str = "ccr_sequencer_l1_queue_entries_total";
/// Gauge: L1 block of the last settlement.
pub const L1_BLOCK: &str = "ccr_sequencer_l1_settled_block";
/// Proving failures.
pub const PROVING_FAILURES: &str = "ccr_sequencer_proving_failures_total";
/// Seconds to prove a batch (witness synthesis, satisfaction check, Groth16, verification).
pub const PROVING_SECONDS: &str = "ccr_sequencer_proving_seconds";
/// Transactions in the mempool (label `kind`: `deposit` (L1 queue entries), `fund` (fund
/// moves), `l2`).
pub const MEMPOOL_TXS: &str = "ccr_sequencer_mempool_txs";
/// Accounts in the pending state (state size).
pub const ACCOUNTS: &str = "ccr_sequencer_accounts";
/// Entries in the transaction log.
pub const LOG_ENTRIES: &str = "ccr_sequencer_log_entries";
/// Sealed batches waiting for a proof.
pub const UNPROVEN_BATCHES: &str = "ccr_sequencer_unproven_batches";
/// 1 when the sequencer halted.
pub const HALTED: &str = "ccr_sequencer_halted";
/// Gauge: L2 transactions the mempool holds at most (`--mempool-capacity`).
pub const MEMPOOL_CAPACITY: &str = "ccr_sequencer_mempool_capacity";
/// Gauge: sealed batches not yet settled on L1 (from the database: survives restarts).
pub const UNSETTLED_BATCHES: &str = "ccr_sequencer_unsettled_batches";
/// Gauge: the L1 balance of the account that submits batches, in ether (read every minute).
pub const OPERATOR_BALANCE: &str = "ccr_sequencer_l1_operator_balance_eth";
/// Gauge: unix time of the last settlement this process recorded.
pub const LAST_SETTLEMENT: &str = "ccr_sequencer_last_settlement_timestamp_seconds";
/// Seconds the start-up replay took.
pub const REPLAY_SECONDS: &str = "ccr_sequencer_replay_seconds";
/// The epoch of pending transactions and of the next batch.
pub const EPOCH: &str = "ccr_sequencer_epoch";
/// Vote messages relayed to the poll contract (`ccr_sendVote`) and included on L1.
pub const VOTES_RELAYED: &str = "ccr_sequencer_votes_relayed_total";
/// Vote messages refused (label `reason`: the error code's label, e.g. `voting_closed`).
pub const VOTES_REJECTED: &str = "ccr_sequencer_votes_rejected_total";
/// Vote messages the relay's limits refused (label `limit`: `poll`, `key`, `global`); each is
/// also in [`VOTES_REJECTED`] with reason `vote_relay_limit`.
pub const VOTE_RELAY_REFUSED: &str = "ccr_sequencer_vote_relay_refused_total";

/// Credit lent by each bank, in the rollup's base units, counted when its batch is sealed
/// (labels `bank`: the pool's account index; `purpose`: the attested purpose's name, see
/// [`ccr_circuits::credit::PURPOSE_NAMES`]).
pub const CREDIT_ISSUED: &str = "ccr_sequencer_credit_issued_total";
/// Repayments to each bank (label `bank`), recoveries of written-down loans included.
pub const CREDIT_REPAID: &str = "ccr_sequencer_credit_repaid_total";
/// Debt each bank wrote down (label `bank`): what its receivable dropped.
pub const CREDIT_WRITTEN_DOWN: &str = "ccr_sequencer_credit_written_down_total";
/// Interest accrued on each bank's loans (label `bank`).
pub const CREDIT_INTEREST: &str = "ccr_sequencer_credit_interest_total";
/// Gauge: each bank pool's free balance (label `bank`), pending state.
pub const POOL_BALANCE: &str = "ccr_sequencer_pool_balance";
/// Gauge: what each bank pool's borrowers owe it, written-down loans excepted (label `bank`),
/// pending state.
pub const POOL_RECEIVABLE: &str = "ccr_sequencer_pool_receivable";

/// Gauge: each bank's health score, `0..=10000` (label `bank`), refreshed every
/// [`HEALTH_REFRESH`] from the current epoch's reports and activity; NaN while the score
/// cannot be computed.
pub const HEALTH_SCORE: &str = "ccr_sequencer_health_score";
/// Gauge: each bank's health components, `0..=10000` (labels `bank`, `component`).
pub const HEALTH_COMPONENT: &str = "ccr_sequencer_health_component";
/// Gauge: epochs since the newest counted report of each bioregion (label `bioregion`);
/// `max_report_age + 1` when none is fresh.
pub const HEALTH_REPORT_AGE: &str = "ccr_sequencer_health_report_age_epochs";
/// Gauge: each attester's largest deviation from its bioregion's median over the indicators it
/// reports, in normalised units (`10000` is an indicator's whole bound range; labels
/// `bioregion`, `attester`: its packed key's first 8 bytes in hex).
pub const HEALTH_ATTESTER_DEVIATION: &str = "ccr_sequencer_health_attester_deviation";
/// Gauge: the current epoch's fund table (computed natively, not yet settled): each bank's
/// contribution and grant in base units (labels `bank`, `flow`: `contribution`, `grant`).
pub const FUND_TABLE_FLOW: &str = "ccr_sequencer_fund_table_flow";
/// Gauge: 1 when the current epoch's fund table can be computed, 0 when it would lapse.
pub const FUND_TABLE_OK: &str = "ccr_sequencer_fund_table_ok";
/// Gauge: moves of settled fund tables queued on L1 and not yet carried out by a batch settled
/// there (`SolidarityFund.movesPending`: `end − next`), as the fund watcher last read it; a new
/// table cannot settle while it is above 0.
pub const FUND_MOVES_PENDING: &str = "ccr_sequencer_fund_moves_pending";
/// Gauge: moves of the fund's log taken into this node's log (the next position to take).
pub const FUND_MOVES_TAKEN: &str = "ccr_sequencer_fund_moves_taken";
/// Fund moves carried out by sealed batches (label `outcome`: `paid`, a fund-move slot;
/// `short`, a shortfall slot: above what the payer may pay, and L1 books it).
pub const FUND_MOVES_CARRIED: &str = "ccr_sequencer_fund_moves_carried_total";
/// Fund moves read from L1 that did not apply yet (an account not opened yet): retried.
pub const FUND_MOVES_REFUSED: &str = "ccr_sequencer_fund_moves_refused_total";
/// How often the health gauges are refreshed.
pub const HEALTH_REFRESH: Duration = Duration::from_secs(15);

/// Gauge: proof jobs (sealed batches without a proof) by state (`pending`, `leased`), with
/// `--prover-api`.
pub const FLEET_JOBS: &str = "ccr_sequencer_prover_jobs";
/// Leases issued to workers.
pub const FLEET_LEASES: &str = "ccr_sequencer_prover_leases_issued_total";
/// Leases that expired (the worker died or stalled); each job went back to pending.
pub const FLEET_EXPIRED: &str = "ccr_sequencer_prover_leases_expired_total";
/// Proofs from workers stored (label `worker`).
pub const FLEET_COMPLETED: &str = "ccr_sequencer_prover_jobs_completed_total";
/// Proofs from workers refused because they do not verify (label `worker`).
pub const FLEET_REFUSED: &str = "ccr_sequencer_prover_proofs_refused_total";
/// Histogram: seconds a worker reports proving a batch (label `worker`).
pub const FLEET_WORKER_SECONDS: &str = "ccr_sequencer_prover_worker_proving_seconds";
/// Histogram: a job's time from lease to stored proof, less the worker's proving time (the
/// hand-off: witness transfer, proof transfer, verification, the write).
pub const FLEET_HANDOFF: &str = "ccr_sequencer_prover_handoff_seconds";
/// Job API requests refused for want of the fleet's secret.
pub const FLEET_UNAUTHORIZED: &str = "ccr_sequencer_prover_unauthorized_total";

/// Counts a job API request refused for want of the secret.
pub fn fleet_unauthorized() {
    metrics::counter!(FLEET_UNAUTHORIZED).increment(1);
}

/// Errors of the metrics layer.
#[derive(Debug, thiserror::Error)]
pub enum MetricsError {
    /// The recorder could not be installed (another one is).
    #[error("cannot install the metrics recorder: {0}")]
    Install(String),
    /// The listener could not bind.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// Address.
        addr: SocketAddr,
        /// Why.
        source: std::io::Error,
    },
}

static HANDLE: OnceLock<Result<PrometheusHandle, String>> = OnceLock::new();

/// Installs the process-wide Prometheus recorder (once; later calls return the same handle).
pub fn install() -> Result<PrometheusHandle, MetricsError> {
    HANDLE
        .get_or_init(|| {
            let builder = PrometheusBuilder::new()
                .set_buckets_for_metric(
                    Matcher::Full(PROVING_SECONDS.to_owned()),
                    &[0.5, 1.0, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0, 200.0, 500.0],
                )
                .and_then(|b| {
                    b.set_buckets_for_metric(
                        Matcher::Full(FLEET_WORKER_SECONDS.to_owned()),
                        &[0.5, 1.0, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0, 200.0, 500.0],
                    )
                })
                .and_then(|b| {
                    b.set_buckets_for_metric(
                        Matcher::Full(FLEET_HANDOFF.to_owned()),
                        &[0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0],
                    )
                })
                .and_then(|b| {
                    b.set_buckets_for_metric(
                        Matcher::Full(COMMIT_GROUP.to_owned()),
                        &[1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 128.0, 256.0],
                    )
                })
                .and_then(|b| {
                    b.set_buckets_for_metric(
                        Matcher::Full(BATCH_TXS.to_owned()),
                        &[1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 128.0, 256.0],
                    )
                })
                .map_err(|e| e.to_string())?;
            let handle = builder.install_recorder().map_err(|e| e.to_string())?;
            describe();
            Ok(handle)
        })
        .clone()
        .map_err(MetricsError::Install)
}

fn describe() {
    use metrics::{describe_counter, describe_gauge, describe_histogram, Unit};
    describe_counter!(TXS_ACCEPTED, "transactions accepted into the log, by kind");
    describe_counter!(TXS_REJECTED, "submissions refused, by reason");
    describe_counter!(VOTES_RELAYED, "vote messages relayed to the poll contract and included on L1");
    describe_counter!(VOTES_REJECTED, "vote messages refused, by reason");
    describe_counter!(
        VOTE_RELAY_REFUSED,
        "vote messages refused by the relay's limits, by limit (poll, key, global)"
    );
    describe_counter!(TXS_EVICTED, "accepted transactions evicted behind a deposit or a fund move");
    describe_counter!(BATCHES_SEALED, "batches sealed");
    describe_histogram!(BATCH_TXS, Unit::Count, "real transactions per sealed batch");
    describe_histogram!(
        COMMIT_GROUP,
        Unit::Count,
        "operations made durable by one synced write (group commit)"
    );
    describe_counter!(BATCHES_PROVEN, "batches proven");
    describe_counter!(PROVING_FAILURES, "proving failures");
    describe_histogram!(PROVING_SECONDS, Unit::Seconds, "time to prove one batch");
    describe_gauge!(MEMPOOL_TXS, "transactions in the mempool, by kind");
    describe_gauge!(ACCOUNTS, "accounts in the pending state");
    describe_gauge!(LOG_ENTRIES, "entries in the transaction log");
    describe_gauge!(UNPROVEN_BATCHES, "sealed batches waiting for a proof");
    describe_gauge!(HALTED, "1 when the sequencer halted");
    describe_gauge!(MEMPOOL_CAPACITY, "L2 transactions the mempool holds at most");
    describe_gauge!(UNSETTLED_BATCHES, "sealed batches not yet settled on L1");
    describe_gauge!(LAST_SETTLEMENT, Unit::Seconds, "unix time of the last settlement recorded");
    describe_gauge!(OPERATOR_BALANCE, "L1 balance of the account that submits batches, in ether");
    describe_counter!(BATCHES_SETTLED, "batches settled on L1");
    describe_histogram!(L1_GAS, "L1 gas used by each batch settlement");
    describe_counter!(SETTLEMENT_FAILURES, "failed L1 settlement attempts (retried)");
    describe_gauge!(L1_BLOCK, "L1 block of the last settlement");
    describe_counter!(DEPOSITS_SEEN_L1, "L1 queue entries (deposits, forced exits) read from the contract");
    describe_gauge!(REPLAY_SECONDS, Unit::Seconds, "duration of the start-up replay");
    describe_gauge!(FLEET_JOBS, "proof jobs (sealed batches without a proof) by state: pending, leased");
    describe_counter!(FLEET_LEASES, "proof job leases issued to workers");
    describe_counter!(
        FLEET_EXPIRED,
        "proof job leases expired (worker dead or stalled); the job is re-issued"
    );
    describe_counter!(FLEET_COMPLETED, "proofs from workers stored, by worker");
    describe_counter!(FLEET_REFUSED, "proofs from workers refused (they do not verify), by worker");
    describe_histogram!(
        FLEET_WORKER_SECONDS,
        Unit::Seconds,
        "seconds a worker reports proving a batch, by worker"
    );
    describe_histogram!(
        FLEET_HANDOFF,
        Unit::Seconds,
        "lease to stored proof, less the worker's proving time"
    );
    describe_counter!(FLEET_UNAUTHORIZED, "job API requests refused for want of the fleet's secret");
    describe_counter!(CREDIT_ISSUED, "credit lent, in base units, by bank and purpose (counted at sealing)");
    describe_counter!(CREDIT_REPAID, "credit repaid, in base units, by bank (counted at sealing)");
    describe_counter!(CREDIT_WRITTEN_DOWN, "debt written down, in base units, by bank (counted at sealing)");
    describe_counter!(CREDIT_INTEREST, "interest accrued, in base units, by bank (counted at sealing)");
    describe_gauge!(POOL_BALANCE, "free balance of each bank pool, in base units (pending state)");
    describe_gauge!(POOL_RECEIVABLE, "what each bank pool's borrowers owe it, in base units (pending state)");
    describe_gauge!(EPOCH, "epoch of the pending transactions and the next batch (L1's clock)");
    describe_gauge!(HEALTH_SCORE, "each bank's health score, 0..=10000 (current epoch)");
    describe_gauge!(HEALTH_COMPONENT, "each bank's health components, 0..=10000 (current epoch)");
    describe_gauge!(HEALTH_REPORT_AGE, "epochs since each bioregion's newest counted report");
    describe_gauge!(
        HEALTH_ATTESTER_DEVIATION,
        "each attester's largest deviation from its bioregion's median, 10000 = a bound range"
    );
    describe_gauge!(FUND_TABLE_FLOW, "the current epoch's fund table: contribution and grant per bank");
    describe_gauge!(FUND_TABLE_OK, "1 when the current epoch's fund table can be computed, 0 when it lapses");
    describe_gauge!(
        FUND_MOVES_PENDING,
        "moves of settled fund tables queued on L1 and not yet carried out by a settled batch"
    );
    describe_gauge!(FUND_MOVES_TAKEN, "moves of the fund's log taken into the log");
    describe_counter!(
        FUND_MOVES_CARRIED,
        "fund moves carried out by sealed batches, by outcome (paid, short)"
    );
    describe_counter!(FUND_MOVES_REFUSED, "fund moves read from L1 that did not apply yet (retried)");
}

/// Binds the metrics listener (warning when the address is not loopback).
pub async fn bind(addr: SocketAddr) -> Result<TcpListener, MetricsError> {
    if !addr.ip().is_loopback() {
        warn!(target: "sequencer::metrics", %addr, "metrics endpoint is not on a loopback address");
    }
    TcpListener::bind(addr).await.map_err(|source| MetricsError::Bind { addr, source })
}

/// What the probes read.
#[derive(Debug, Clone)]
pub struct Probes {
    /// The node's tasks.
    pub health: Arc<TaskHealth>,
    /// The core (whether it halted).
    pub sequencer: Arc<Sequencer>,
}

impl Probes {
    /// The report `/healthz` and `/readyz` answer with.
    pub fn report(&self) -> HealthReport {
        let halted = self.sequencer.progress().map_or_else(|e| Some(e.to_string()), |p| p.halted);
        self.health.report(halted)
    }
}

/// Serves `GET /metrics`, `/healthz` and `/readyz` (anything else: 404) until `shutdown` turns
/// true; runs the recorder's upkeep every 5 seconds. A probe answers 200 or 503 with the
/// report as JSON: `{"tasks": [{"name": "batcher", "alive": true}, ...], "halted": null}`.
pub async fn serve(
    listener: TcpListener,
    handle: PrometheusHandle,
    probes: Probes,
    mut shutdown: watch::Receiver<bool>,
) {
    let mut upkeep = tokio::time::interval(Duration::from_secs(5));
    loop {
        tokio::select! {
            _ = shutdown.changed() => break,
            _ = upkeep.tick() => handle.run_upkeep(),
            accepted = listener.accept() => {
                let (stream, peer) = match accepted {
                    Ok(x) => x,
                    Err(e) => {
                        warn!(target: "sequencer::metrics", error = %e, "accept failed");
                        continue;
                    }
                };
                let handle = handle.clone();
                let probes = probes.clone();
                tokio::spawn(async move {
                    let service = service_fn(move |req: Request<hyper::body::Incoming>| {
                        let handle = handle.clone();
                        let probes = probes.clone();
                        async move { Ok::<_, Infallible>(respond(&req, &handle, &probes)) }
                    });
                    if let Err(e) = http1::Builder::new().serve_connection(TokioIo::new(stream), service).await {
                        debug!(target: "sequencer::metrics", %peer, error = %e, "connection ended");
                    }
                });
            }
        }
    }
}

fn respond<B>(req: &Request<B>, handle: &PrometheusHandle, probes: &Probes) -> Response<Full<Bytes>> {
    let path = req.uri().path();
    if path == "/healthz" || path == "/readyz" {
        let report = probes.report();
        let ok = if path == "/healthz" { report.live() } else { report.ready() };
        let body = serde_json::to_vec(&report).unwrap_or_default();
        let mut r = Response::new(Full::new(Bytes::from(body)));
        if !ok {
            *r.status_mut() = StatusCode::SERVICE_UNAVAILABLE;
        }
        r.headers_mut()
            .insert(hyper::header::CONTENT_TYPE, hyper::header::HeaderValue::from_static("application/json"));
        return r;
    }
    let mut resp = if path == "/metrics" {
        Response::new(Full::new(Bytes::from(handle.render())))
    } else {
        let mut r =
            Response::new(Full::new(Bytes::from_static(b"not found; try /metrics, /healthz or /readyz\n")));
        *r.status_mut() = StatusCode::NOT_FOUND;
        r
    };
    resp.headers_mut().insert(
        hyper::header::CONTENT_TYPE,
        hyper::header::HeaderValue::from_static("text/plain; version=0.0.4"),
    );
    resp
}
