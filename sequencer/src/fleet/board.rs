//! The job board: leases of sealed batches to workers, and the job API's server.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use ccr_prover::batch::batch_circuit_name;
use ccr_prover::{proof_from_bytes, verify_prepared, Bn254, PreparedVerifyingKey};
use jsonrpsee::core::{async_trait, RpcResult};
use jsonrpsee::server::{Server, ServerHandle};
use jsonrpsee::types::ErrorObjectOwned;
use serde::{Deserialize, Serialize};
use tokio::sync::watch;
use tracing::{info, warn};

use super::api::{Job, ProverJobApiServer, Submitted, PROOF_REFUSED, WRONG_CIRCUIT};
use super::codec::encode_witness;
use super::{AuthLayer, FleetConfig};
use crate::error::SequencerError;
use crate::metrics as m;
use crate::sequencer::Sequencer;
use crate::wire::{fr_to_hex, from_hex, to_hex};

/// The longest a `lease` call waits for a job.
pub const MAX_WAIT: Duration = Duration::from_secs(30);

/// Errors of the job API.
#[derive(Debug, thiserror::Error)]
pub enum FleetError {
    /// The proof does not verify for the batch.
    #[error("proof refused: {0}")]
    Refused(String),
    /// The worker's keys are for another circuit.
    #[error("the worker's keys are for circuit {worker:?}, the batches need {needed:?}")]
    WrongCircuit {
        /// The worker's.
        worker: String,
        /// The batches'.
        needed: String,
    },
    /// Malformed input.
    #[error("{0}")]
    Invalid(String),
    /// The sequencer refused.
    #[error(transparent)]
    Sequencer(#[from] SequencerError),
}

impl From<FleetError> for ErrorObjectOwned {
    fn from(e: FleetError) -> Self {
        match e {
            FleetError::Refused(_) => ErrorObjectOwned::owned(PROOF_REFUSED, e.to_string(), None::<()>),
            FleetError::WrongCircuit { .. } => {
                ErrorObjectOwned::owned(WRONG_CIRCUIT, e.to_string(), None::<()>)
            }
            FleetError::Invalid(m) => ErrorObjectOwned::owned(-32602, m, None::<()>),
            FleetError::Sequencer(e) => e.into(),
        }
    }
}

#[derive(Debug)]
struct Lease {
    id: u64,
    worker: String,
    issued: Instant,
    deadline: Instant,
    /// Restored at start-up: its issue time is not this process's.
    restored: bool,
}

#[derive(Debug, Default)]
struct Leases {
    by_batch: BTreeMap<u64, Lease>,
    next_id: u64,
}

/// The lease table as stored (JSON in the sequencer's database).
#[derive(Debug, Default, Serialize, Deserialize)]
struct StoredLeases {
    next_id: u64,
    leases: Vec<StoredLease>,
}

#[derive(Debug, Serialize, Deserialize)]
struct StoredLease {
    id: u64,
    batch: u64,
    worker: String,
}

/// The proof jobs of one sequencer and their leases.
pub struct JobBoard {
    seq: Arc<Sequencer>,
    pvk: Arc<PreparedVerifyingKey<Bn254>>,
    circuit: String,
    lease: Duration,
    state: Mutex<Leases>,
}

impl std::fmt::Debug for JobBoard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JobBoard")
            .field("circuit", &self.circuit)
            .field("lease", &self.lease)
            .finish_non_exhaustive()
    }
}

impl JobBoard {
    /// The board of `seq`'s unproven batches, checking proofs under `pvk`. Leases recorded by
    /// an earlier run get one more lease period from now.
    pub fn open(
        seq: Arc<Sequencer>,
        pvk: Arc<PreparedVerifyingKey<Bn254>>,
        lease: Duration,
    ) -> Result<Self, SequencerError> {
        let stored: StoredLeases = match seq.store().prover_leases()? {
            Some(bytes) => serde_json::from_slice(&bytes)
                .map_err(|e| SequencerError::Halted(format!("the stored prover leases do not parse: {e}")))?,
            None => StoredLeases::default(),
        };
        let unproven = seq.unproven_batches();
        let now = Instant::now();
        let mut state = Leases { by_batch: BTreeMap::new(), next_id: stored.next_id };
        for l in stored.leases {
            if unproven.contains(&l.batch) {
                let lease =
                    Lease { id: l.id, worker: l.worker, issued: now, deadline: now + lease, restored: true };
                state.by_batch.insert(l.batch, lease);
            }
        }
        if !state.by_batch.is_empty() {
            let batches: Vec<u64> = state.by_batch.keys().copied().collect();
            info!(target: "sequencer::fleet", ?batches, lease_secs = lease.as_secs_f64(), "jobs leased before the restart: their workers have one lease period to go on, then they are re-issued");
        }
        let circuit = batch_circuit_name(seq.params());
        let board = Self { seq, pvk, circuit, lease, state: Mutex::new(state) };
        {
            let g = board.lock()?;
            board.update_gauges(&g);
        }
        Ok(board)
    }

    /// The live leases: `(batch, lease, worker)`, lowest batch first.
    pub fn leases(&self) -> Vec<(u64, u64, String)> {
        self.lock()
            .map(|g| g.by_batch.iter().map(|(b, l)| (*b, l.id, l.worker.clone())).collect())
            .unwrap_or_default()
    }

    /// The batch circuit the board's jobs are for.
    pub fn circuit(&self) -> &str {
        &self.circuit
    }

    fn lock(&self) -> Result<MutexGuard<'_, Leases>, SequencerError> {
        self.state.lock().map_err(|_| SequencerError::Halted("lease table lock poisoned by a panic".into()))
    }

    fn persist(&self, g: &Leases) -> Result<(), SequencerError> {
        let table = StoredLeases {
            next_id: g.next_id,
            leases: g
                .by_batch
                .iter()
                .map(|(b, l)| StoredLease { id: l.id, batch: *b, worker: l.worker.clone() })
                .collect(),
        };
        let bytes = serde_json::to_vec(&table).map_err(|e| SequencerError::Halted(e.to_string()))?;
        let mut w = self.seq.store().write();
        w.put_prover_leases(&bytes);
        Ok(self.seq.store().commit(w)?)
    }

    fn update_gauges(&self, g: &Leases) {
        let unproven = self.seq.unproven_batches();
        let leased = unproven.iter().filter(|b| g.by_batch.contains_key(b)).count();
        metrics::gauge!(m::FLEET_JOBS, "state" => "leased").set(leased as f64);
        metrics::gauge!(m::FLEET_JOBS, "state" => "pending").set((unproven.len() - leased) as f64);
    }

    /// Drops leases past their deadline and leases of batches proven meanwhile. Returns how
    /// many expired.
    pub fn expire(&self) -> Result<usize, SequencerError> {
        let mut g = self.lock()?;
        let expired = self.expire_locked(&mut g)?;
        self.update_gauges(&g);
        Ok(expired)
    }

    fn expire_locked(&self, g: &mut Leases) -> Result<usize, SequencerError> {
        let now = Instant::now();
        let unproven = self.seq.unproven_batches();
        let before = g.by_batch.len();
        let mut expired = 0;
        g.by_batch.retain(|batch, l| {
            if !unproven.contains(batch) {
                return false;
            }
            if l.deadline <= now {
                warn!(target: "sequencer::fleet", batch, lease = l.id, worker = %l.worker, "lease expired: the job goes to the next worker");
                metrics::counter!(m::FLEET_EXPIRED).increment(1);
                expired += 1;
                return false;
            }
            true
        });
        if g.by_batch.len() != before {
            self.persist(g)?;
        }
        Ok(expired)
    }

    /// Leases the lowest unproven batch without a live lease to `worker`, if there is one.
    pub fn try_lease(&self, worker: &str) -> Result<Option<Job>, SequencerError> {
        let mut g = self.lock()?;
        self.expire_locked(&mut g)?;
        let free = self.seq.unproven_batches().into_iter().find(|b| !g.by_batch.contains_key(b));
        let Some(batch) = free else { return Ok(None) };
        let Some(witness) = self.seq.unproven_witness(batch) else { return Ok(None) };
        let id = g.next_id;
        g.next_id += 1;
        let now = Instant::now();
        let lease =
            Lease { id, worker: worker.to_owned(), issued: now, deadline: now + self.lease, restored: false };
        g.by_batch.insert(batch, lease);
        if let Err(e) = self.persist(&g) {
            g.by_batch.remove(&batch);
            return Err(e);
        }
        self.update_gauges(&g);
        metrics::counter!(m::FLEET_LEASES).increment(1);
        info!(target: "sequencer::fleet", batch, lease = id, worker, "job leased");
        Ok(Some(Job {
            lease: id,
            batch,
            circuit: self.circuit.clone(),
            commitment: fr_to_hex(&witness.public_commitment()),
            witness: to_hex(&encode_witness(&witness)),
            lease_ms: self.lease.as_millis() as u64,
        }))
    }

    /// Leases a job, waiting up to `wait` for one.
    pub async fn lease(
        &self,
        worker: &str,
        circuit: Option<&str>,
        wait: Duration,
    ) -> Result<Option<Job>, FleetError> {
        if let Some(c) = circuit.filter(|c| *c != self.circuit) {
            return Err(FleetError::WrongCircuit { worker: c.to_owned(), needed: self.circuit.clone() });
        }
        let until = Instant::now() + wait.min(MAX_WAIT);
        loop {
            if let Some(job) = self.try_lease(worker)? {
                return Ok(Some(job));
            }
            if Instant::now() >= until {
                return Ok(None);
            }
            tokio::select! {
                _ = self.seq.sealed_notified() => {}
                _ = tokio::time::sleep(Duration::from_millis(50)) => {}
            }
        }
    }

    /// Extends lease `id`; `false` when it is no longer held (a lease past its deadline is not
    /// held, even before the next sweep re-issues its job).
    pub fn renew(&self, id: u64) -> Result<bool, SequencerError> {
        let mut g = self.lock()?;
        let now = Instant::now();
        Ok(match g.by_batch.values_mut().find(|l| l.id == id && l.deadline > now) {
            Some(l) => {
                l.deadline = now + self.lease;
                true
            }
            None => false,
        })
    }

    /// Gives up lease `id` (its worker stops): the job goes back to the queue at once.
    /// `false` when the lease is no longer held.
    pub fn give_back(&self, id: u64) -> Result<bool, SequencerError> {
        let mut g = self.lock()?;
        let Some(batch) = g.by_batch.iter().find(|(_, l)| l.id == id).map(|(b, _)| *b) else {
            return Ok(false);
        };
        let lease = g.by_batch.remove(&batch);
        if let Err(e) = self.persist(&g) {
            if let Some(l) = lease {
                g.by_batch.insert(batch, l);
            }
            return Err(e);
        }
        self.update_gauges(&g);
        info!(target: "sequencer::fleet", batch, lease = id, "job given back by its worker");
        Ok(true)
    }

    /// Takes the proof of `batch` sent under lease `id`: verified against the batch's
    /// commitment under the batch key, then stored (whatever became of the lease). A proof that
    /// does not verify is refused and the batch's lease dropped, so the job is re-issued.
    pub async fn submit(
        &self,
        id: u64,
        batch: u64,
        proof: Vec<u8>,
        proving: Duration,
    ) -> Result<Submitted, FleetError> {
        let record = self
            .seq
            .batch(batch)?
            .ok_or_else(|| FleetError::Invalid(format!("batch {batch} is not sealed")))?;
        let worker = {
            let g = self.lock()?;
            g.by_batch.get(&batch).filter(|l| l.id == id).map(|l| l.worker.clone())
        };
        let label = worker.clone().unwrap_or_else(|| "stale-lease".to_owned());
        if record.proof.is_some() {
            self.release(batch, id)?;
            info!(target: "sequencer::fleet", batch, lease = id, "proof for a batch proven already: ignored");
            return Ok(Submitted::AlreadyProven);
        }
        let pvk = self.pvk.clone();
        let commitment = record.commitment;
        let bytes = proof.clone();
        let verdict = tokio::task::spawn_blocking(move || -> Result<(), String> {
            let proof =
                proof_from_bytes(&bytes).map_err(|e| format!("the proof bytes do not decode: {e}"))?;
            match verify_prepared(&pvk, &[commitment], &proof) {
                Ok(true) => Ok(()),
                Ok(false) => Err(format!("it does not verify for batch {batch} under the batch key")),
                Err(e) => Err(e.to_string()),
            }
        })
        .await
        .map_err(|e| {
            FleetError::Sequencer(SequencerError::Halted(format!("verification task failed: {e}")))
        })?;
        if let Err(why) = verdict {
            metrics::counter!(m::FLEET_REFUSED, "worker" => label.clone()).increment(1);
            warn!(target: "sequencer::fleet", batch, lease = id, worker = %label, %why, "proof refused: the job is re-issued");
            self.release(batch, id)?;
            return Err(FleetError::Refused(why));
        }
        self.seq.record_proof(batch, proof)?;
        let issued = {
            let mut g = self.lock()?;
            let held = g.by_batch.remove(&batch);
            self.persist(&g)?;
            self.update_gauges(&g);
            held.filter(|l| l.id == id && !l.restored).map(|l| l.issued)
        };
        metrics::counter!(m::FLEET_COMPLETED, "worker" => label.clone()).increment(1);
        metrics::histogram!(m::FLEET_WORKER_SECONDS, "worker" => label.clone()).record(proving.as_secs_f64());
        metrics::histogram!(m::PROVING_SECONDS).record(proving.as_secs_f64());
        if let Some(issued) = issued {
            let handoff = issued.elapsed().saturating_sub(proving);
            metrics::histogram!(m::FLEET_HANDOFF).record(handoff.as_secs_f64());
        }
        info!(target: "sequencer::fleet", batch, lease = id, worker = %label, proving_secs = proving.as_secs_f64(), "batch proven by a worker");
        Ok(Submitted::Accepted)
    }

    /// Drops lease `id` on `batch` if it is the live one.
    fn release(&self, batch: u64, id: u64) -> Result<(), SequencerError> {
        let mut g = self.lock()?;
        if g.by_batch.get(&batch).is_some_and(|l| l.id == id) {
            g.by_batch.remove(&batch);
            self.persist(&g)?;
        }
        self.update_gauges(&g);
        Ok(())
    }
}

/// The job API's server.
#[derive(Debug, Clone)]
pub struct FleetServer {
    board: Arc<JobBoard>,
}

#[async_trait]
impl ProverJobApiServer for FleetServer {
    async fn lease(&self, worker: String, circuit: Option<String>, wait_ms: u64) -> RpcResult<Option<Job>> {
        let worker = worker.trim();
        if worker.is_empty() || worker.len() > 128 {
            return Err(FleetError::Invalid("the worker's name must be 1 to 128 bytes".into()).into());
        }
        Ok(self.board.lease(worker, circuit.as_deref(), Duration::from_millis(wait_ms)).await?)
    }

    async fn renew(&self, lease: u64) -> RpcResult<bool> {
        Ok(self.board.renew(lease).map_err(FleetError::from)?)
    }

    async fn release(&self, lease: u64) -> RpcResult<bool> {
        Ok(self.board.give_back(lease).map_err(FleetError::from)?)
    }

    async fn submit(&self, lease: u64, batch: u64, proof: String, proving_ms: u64) -> RpcResult<Submitted> {
        let bytes = from_hex(&proof).map_err(|e| FleetError::Invalid(format!("proof: {e}")))?;
        Ok(self.board.submit(lease, batch, bytes, Duration::from_millis(proving_ms)).await?)
    }
}

/// Starts the job API on `config.addr` behind the secret, and the task that expires leases
/// (every second) until `shutdown` turns true. Returns the bound address, the server and the
/// task.
pub async fn serve(
    board: Arc<JobBoard>,
    config: &FleetConfig,
    mut shutdown: watch::Receiver<bool>,
) -> std::io::Result<(SocketAddr, ServerHandle, impl std::future::Future<Output = ()> + Send + 'static)> {
    let middleware = tower::ServiceBuilder::new().layer(AuthLayer::new(config.secret.clone()));
    let server = Server::builder().set_http_middleware(middleware).build(config.addr).await?;
    let bound = server.local_addr()?;
    let handle = server.start(FleetServer { board: board.clone() }.into_rpc());
    info!(target: "sequencer::fleet", addr = %bound, circuit = board.circuit(), lease_secs = board.lease.as_secs_f64(), "prover job API listening");
    let ticker = async move {
        let mut tick = tokio::time::interval(Duration::from_secs(1));
        loop {
            tokio::select! {
                _ = shutdown.changed() => break,
                _ = tick.tick() => {
                    if let Err(e) = board.expire() {
                        warn!(target: "sequencer::fleet", error = %e, "expiring leases failed");
                    }
                }
            }
        }
    };
    Ok((bound, handle, ticker))
}
