//! The prover worker: leases batches from a sequencer's job API, proves them with the same
//! code as the in-process prover, renews its lease while it proves, and hands the proof back.

use std::collections::HashMap;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use ccr_circuits::state::RollupParams;
use ccr_prover::batch::batch_circuit_name;
use ccr_prover::VerifyingKeyFile;
use jsonrpsee::core::client::Error as ClientError;
use jsonrpsee_http_client::{HeaderMap, HeaderValue, HttpClient, HttpClientBuilder};
use tokio::sync::watch;
use tracing::{error, info, warn};

use super::api::{Job, ProverJobApiClient, Submitted, WRONG_CIRCUIT};
use super::board::MAX_WAIT;
use super::codec::decode_witness;
use super::ProverSecret;
use crate::prover::{params_of_circuit, prove_checked, BatchKeys, KeyError, VERIFYING_KEY_FILE};
use crate::wire::{fr_to_hex, from_hex, to_hex};

/// Where the worker's keys come from.
#[derive(Debug, Clone)]
pub enum WorkerKeys {
    /// `batch.pk` and `batch.vk` in a directory (loaded at start).
    Dir(PathBuf),
    /// **INSECURE.** The development setup from `seed`, run for the first job's parameters.
    Dev([u8; 32]),
}

/// What a worker needs.
#[derive(Debug, Clone)]
pub struct WorkerConfig {
    /// The job API's URL (`http://sequencer-prover:8646`).
    pub url: String,
    /// The fleet's shared secret.
    pub secret: ProverSecret,
    /// This worker's name in the sequencer's logs and metrics (a pod's name).
    pub name: String,
    /// The batch keys.
    pub keys: WorkerKeys,
    /// How long one `lease` call waits for a job.
    pub wait: Duration,
    /// Delay before retrying after the sequencer could not be reached.
    pub retry: Duration,
}

/// Errors that stop a worker.
#[derive(Debug, thiserror::Error)]
pub enum WorkerError {
    /// The job API refused the secret.
    #[error("the job API at {0} refused this worker's secret (HTTP 401): check --secret-file")]
    Unauthorized(String),
    /// The keys do not load.
    #[error(transparent)]
    Keys(#[from] KeyError),
    /// The keys are for another circuit than the batches.
    #[error("{0}")]
    WrongCircuit(String),
    /// The client could not be built (a bad URL).
    #[error("job API client for {url}: {reason}")]
    Client {
        /// The URL.
        url: String,
        /// Why.
        reason: String,
    },
}

/// What a worker did, when it stops.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WorkerStats {
    /// Proofs the sequencer stored.
    pub accepted: u64,
    /// Proofs for batches proven already (another worker was first).
    pub already_proven: u64,
    /// Jobs dropped because the lease was lost while proving.
    pub abandoned: u64,
}

enum Outcome {
    Done(Submitted),
    Abandoned,
    Stopped,
}

/// The worker's keys, by circuit.
struct Keyring {
    source: WorkerKeys,
    by_circuit: HashMap<String, BatchKeys>,
}

impl Keyring {
    fn open(source: WorkerKeys) -> Result<Self, WorkerError> {
        let mut ring = Self { source, by_circuit: HashMap::new() };
        if let WorkerKeys::Dir(dir) = &ring.source {
            // The key's circuit name gives the parameters it was made for.
            let vk_path = dir.join(VERIFYING_KEY_FILE);
            let vk = VerifyingKeyFile::load(&vk_path)
                .map_err(|source| KeyError::Load { path: vk_path.display().to_string(), source })?;
            let params = params_of_circuit(&vk.metadata.circuit_name).ok_or_else(|| {
                WorkerError::WrongCircuit(format!(
                    "{} is for circuit {:?}, not a batch circuit",
                    vk_path.display(),
                    vk.metadata.circuit_name
                ))
            })?;
            let keys = BatchKeys::load(dir, &params)?;
            ring.by_circuit.insert(vk.metadata.circuit_name, keys);
        }
        Ok(ring)
    }

    /// The circuit this worker proves, once known.
    fn circuit(&self) -> Option<String> {
        match self.source {
            WorkerKeys::Dir(_) => self.by_circuit.keys().next().cloned(),
            WorkerKeys::Dev(_) => None,
        }
    }

    async fn for_params(&mut self, params: &RollupParams) -> Result<BatchKeys, WorkerError> {
        let circuit = batch_circuit_name(params);
        if let Some(k) = self.by_circuit.get(&circuit) {
            return Ok(k.clone());
        }
        match &self.source {
            WorkerKeys::Dir(dir) => Err(WorkerError::WrongCircuit(format!(
                "the keys in {} are for {:?}; the batch needs {circuit:?}",
                dir.display(),
                self.circuit().unwrap_or_default()
            ))),
            WorkerKeys::Dev(seed) => {
                let (params, seed) = (*params, *seed);
                let keys = tokio::task::spawn_blocking(move || BatchKeys::dev(&params, seed))
                    .await
                    .map_err(|e| WorkerError::WrongCircuit(format!("development setup task: {e}")))??;
                self.by_circuit.insert(circuit, keys.clone());
                Ok(keys)
            }
        }
    }
}

fn unauthorized(e: &ClientError) -> bool {
    match e {
        ClientError::Transport(t) => matches!(
            t.downcast_ref::<jsonrpsee_http_client::transport::Error>(),
            Some(jsonrpsee_http_client::transport::Error::Rejected { status_code: 401 })
        ),
        _ => false,
    }
}

fn call_error_code(e: &ClientError) -> Option<i32> {
    match e {
        ClientError::Call(obj) => Some(obj.code()),
        _ => None,
    }
}

/// Runs a worker until `shutdown` turns true (a job in flight is abandoned and given back, and
/// another worker takes it) or a fatal error.
pub async fn run(
    config: WorkerConfig,
    mut shutdown: watch::Receiver<bool>,
) -> Result<WorkerStats, WorkerError> {
    let mut headers = HeaderMap::new();
    let auth = HeaderValue::from_str(&config.secret.header_value()).map_err(|_| WorkerError::Client {
        url: config.url.clone(),
        reason: "the secret is not a valid HTTP header value".into(),
    })?;
    headers.insert(hyper::header::AUTHORIZATION, auth);
    let client = HttpClientBuilder::default()
        .set_headers(headers)
        .request_timeout(config.wait.min(MAX_WAIT) + Duration::from_secs(30))
        .max_response_size(64 << 20)
        .build(&config.url)
        .map_err(|e| WorkerError::Client { url: config.url.clone(), reason: e.to_string() })?;
    let keys_source = config.keys.clone();
    let mut ring = tokio::task::spawn_blocking(move || Keyring::open(keys_source))
        .await
        .map_err(|e| WorkerError::WrongCircuit(format!("key loading task: {e}")))??;
    info!(target: "prover::worker", url = %config.url, name = %config.name, circuit = ?ring.circuit(), "worker started");
    let mut stats = WorkerStats::default();
    let wait_ms = config.wait.min(MAX_WAIT).as_millis() as u64;
    loop {
        if *shutdown.borrow() {
            break;
        }
        let leased = tokio::select! {
            r = client.lease(config.name.clone(), ring.circuit(), wait_ms) => r,
            _ = shutdown.changed() => break,
        };
        let job = match leased {
            Ok(Some(job)) => job,
            Ok(None) => continue,
            Err(e) if unauthorized(&e) => return Err(WorkerError::Unauthorized(config.url.clone())),
            Err(e) if call_error_code(&e) == Some(WRONG_CIRCUIT) => {
                return Err(WorkerError::WrongCircuit(e.to_string()))
            }
            Err(e) => {
                warn!(target: "prover::worker", error = %e, retry_secs = config.retry.as_secs_f64(), "job API unreachable");
                if pause(config.retry, &mut shutdown).await {
                    break;
                }
                continue;
            }
        };
        match work(&client, &config, &mut ring, job, &mut shutdown).await? {
            Outcome::Done(Submitted::Accepted) => stats.accepted += 1,
            Outcome::Done(Submitted::AlreadyProven) => stats.already_proven += 1,
            Outcome::Abandoned => stats.abandoned += 1,
            Outcome::Stopped => break,
        }
    }
    info!(target: "prover::worker", ?stats, "worker stopped");
    Ok(stats)
}

/// Sleeps `d`; `true` if `shutdown` came first.
async fn pause(d: Duration, shutdown: &mut watch::Receiver<bool>) -> bool {
    tokio::select! {
        _ = tokio::time::sleep(d) => *shutdown.borrow(),
        _ = shutdown.changed() => true,
    }
}

async fn work(
    client: &HttpClient,
    config: &WorkerConfig,
    ring: &mut Keyring,
    job: Job,
    shutdown: &mut watch::Receiver<bool>,
) -> Result<Outcome, WorkerError> {
    let (lease, batch) = (job.lease, job.batch);
    let witness = match from_hex(&job.witness)
        .map_err(|e| e.to_string())
        .and_then(|b| decode_witness(&b).map_err(|e| e.to_string()))
    {
        Ok(w) => w,
        Err(e) => {
            // A sequencer of another version: let the lease lapse rather than loop on it.
            error!(target: "prover::worker", batch, lease, error = %e, "the job's witness does not decode; job dropped");
            return Ok(Outcome::Abandoned);
        }
    };
    let commitment = fr_to_hex(&witness.public_commitment());
    if commitment != job.commitment {
        error!(target: "prover::worker", batch, lease, "the witness is not the job's commitment; job dropped");
        return Ok(Outcome::Abandoned);
    }
    let keys = ring.for_params(&witness.params).await?;
    info!(target: "prover::worker", batch, lease, "proving");
    let started = Instant::now();
    let prover = keys.prover.clone();
    let mut task = tokio::task::spawn_blocking(move || prove_checked(&prover, witness));
    let every = Duration::from_millis(job.lease_ms.max(300) / 3);
    let mut renew = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
    let proof = loop {
        tokio::select! {
            r = &mut task => break r.map_err(|e| e.to_string()).and_then(|r| r),
            _ = renew.tick() => match client.renew(lease).await {
                Ok(true) => {}
                Ok(false) => {
                    // The blocking proof runs to its end; its result is dropped.
                    warn!(target: "prover::worker", batch, lease, "lease lost while proving (expired or re-issued); job abandoned");
                    return Ok(Outcome::Abandoned);
                }
                Err(e) if unauthorized(&e) => return Err(WorkerError::Unauthorized(config.url.clone())),
                Err(e) => warn!(target: "prover::worker", batch, lease, error = %e, "renewing the lease failed; proving on"),
            },
            _ = shutdown.changed() => {
                // Hand the job back now rather than let the lease lapse (a scale-down, a
                // rolling update): a moment only, the process is stopping.
                let back = tokio::time::timeout(Duration::from_secs(2), client.release(lease)).await;
                info!(target: "prover::worker", batch, lease, released = matches!(back, Ok(Ok(true))), "stopping mid-proof: job given back");
                return Ok(Outcome::Stopped);
            }
        }
    };
    let proving = started.elapsed();
    let proof = match proof {
        Ok(p) => p,
        Err(e) => {
            error!(target: "prover::worker", batch, lease, error = %e, "proving failed; job dropped (its lease lapses)");
            return Ok(Outcome::Abandoned);
        }
    };
    let hex = to_hex(&proof);
    let proving_ms = proving.as_millis() as u64;
    // The proof is worth retrying for: the sequencer may be restarting.
    loop {
        match client.submit(lease, batch, hex.clone(), proving_ms).await {
            Ok(outcome) => {
                info!(target: "prover::worker", batch, lease, ?outcome, proving_secs = proving.as_secs_f64(), "proof handed back");
                return Ok(Outcome::Done(outcome));
            }
            Err(e) if unauthorized(&e) => return Err(WorkerError::Unauthorized(config.url.clone())),
            Err(ClientError::Call(obj)) => {
                error!(target: "prover::worker", batch, lease, code = obj.code(), error = %obj.message(), "proof refused");
                return Ok(Outcome::Abandoned);
            }
            Err(e) => {
                warn!(target: "prover::worker", batch, lease, error = %e, "handing the proof back failed; retrying");
                if pause(config.retry, shutdown).await {
                    return Ok(Outcome::Stopped);
                }
            }
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // tests: a panic is a failure with its location
mod tests {
    use super::*;

    #[test]
    fn circuit_names_give_parameters() {
        let p = params_of_circuit("batch-d24-n16").unwrap();
        assert_eq!((p.depth, p.batch_size), (24, 16));
        assert_eq!(batch_circuit_name(&p), "batch-d24-n16");
        assert!(params_of_circuit("process-d4").is_none());
        assert!(params_of_circuit("batch-d99-n1").is_none());
    }
}
