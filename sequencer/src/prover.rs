//! The proof pipeline: a task that proves sealed batches in order with `ccr_prover` (on the
//! blocking thread pool), checks each proof against the verifying key, and stores it.

use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

use ccr_circuits::batch::BatchWitness;
use ccr_circuits::state::RollupParams;
use ccr_prover::batch::{batch_circuit_name, batch_prover, dev_setup_batch, prove_batch};
use ccr_prover::{
    prepare_verifying_key, proof_to_bytes, Bn254, PreparedVerifyingKey, Prover, ProverError, ProvingKey,
    ProvingKeyFile, VerifyingKey, VerifyingKeyFile,
};
use tokio::sync::watch;
use tracing::{error, info, warn};

use crate::metrics as m;
use crate::sequencer::Sequencer;

pub use ccr_prover::batch::{params_of_circuit, PROVING_KEY_FILE, VERIFYING_KEY_FILE};

/// Errors of key loading.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    /// A key file does not load.
    #[error("{path}: {source}")]
    Load {
        /// The file.
        path: String,
        /// Why.
        source: ProverError,
    },
    /// The key was made for another circuit.
    #[error("{path} is for circuit {found:?}, the parameters need {expected:?}")]
    Circuit {
        /// The file.
        path: String,
        /// Circuit in the file.
        found: String,
        /// Circuit of the configured parameters.
        expected: String,
    },
    /// The verifying key is not the proving key's.
    #[error("the verifying key in {0} does not belong to the proving key")]
    Mismatch(String),
    /// The development setup failed.
    #[error("development setup: {0}")]
    DevSetup(ProverError),
    /// The circuit's constraint matrices could not be synthesized, or do not fit the key.
    #[error("the batch circuit's constraint matrices: {0}")]
    Matrices(ProverError),
}

/// The batch circuit's keys, and its constraint matrices (synthesized once, when the keys are
/// loaded: each proof then computes only its witness).
#[derive(Clone)]
pub struct BatchKeys {
    /// Proving key.
    pub pk: Arc<ProvingKey<Bn254>>,
    /// The proving key with the circuit's matrices.
    pub prover: Arc<Prover>,
    /// Prepared verifying key (every proof is checked before it is stored).
    pub pvk: Arc<PreparedVerifyingKey<Bn254>>,
    /// The keys come from the insecure development setup.
    pub insecure_dev_setup: bool,
}

impl std::fmt::Debug for BatchKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BatchKeys")
            .field("insecure_dev_setup", &self.insecure_dev_setup)
            .finish_non_exhaustive()
    }
}

/// The batch circuit's verifying key alone: what a node that leaves proving to a fleet needs
/// (the proving key of the production circuit is large).
#[derive(Clone)]
pub struct BatchVerifier {
    /// The verifying key (the embedded L1 deploys its verifier).
    pub vk: Arc<VerifyingKey<Bn254>>,
    /// Prepared for checking proofs.
    pub pvk: Arc<PreparedVerifyingKey<Bn254>>,
    /// The key comes from the insecure development setup.
    pub insecure_dev_setup: bool,
}

impl std::fmt::Debug for BatchVerifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BatchVerifier")
            .field("insecure_dev_setup", &self.insecure_dev_setup)
            .finish_non_exhaustive()
    }
}

impl BatchVerifier {
    /// Loads `batch.vk` from `dir`, checking that it is for `params`' circuit.
    pub fn load(dir: &Path, params: &RollupParams) -> Result<Self, KeyError> {
        let expected = batch_circuit_name(params);
        let vk_path = dir.join(VERIFYING_KEY_FILE);
        let show = |p: &Path| p.display().to_string();
        let vk = VerifyingKeyFile::load(&vk_path)
            .map_err(|source| KeyError::Load { path: show(&vk_path), source })?;
        if vk.metadata.circuit_name != expected {
            return Err(KeyError::Circuit {
                path: show(&vk_path),
                found: vk.metadata.circuit_name,
                expected,
            });
        }
        if vk.metadata.insecure_dev_setup {
            warn!(target: "sequencer::prover", dir = %dir.display(), "INSECURE: the verifying key comes from the development setup; proofs prove nothing");
        }
        let pvk = prepare_verifying_key(&vk.key);
        Ok(Self {
            vk: Arc::new(vk.key),
            pvk: Arc::new(pvk),
            insecure_dev_setup: vk.metadata.insecure_dev_setup,
        })
    }
}

impl BatchKeys {
    /// The verifying half.
    pub fn verifier(&self) -> BatchVerifier {
        BatchVerifier {
            vk: Arc::new(self.pk.vk.clone()),
            pvk: self.pvk.clone(),
            insecure_dev_setup: self.insecure_dev_setup,
        }
    }

    /// Loads `batch.pk` and `batch.vk` from `dir`, checking that they are for `params`' circuit
    /// and belong together.
    pub fn load(dir: &Path, params: &RollupParams) -> Result<Self, KeyError> {
        let expected = batch_circuit_name(params);
        let pk_path = dir.join(PROVING_KEY_FILE);
        let vk_path = dir.join(VERIFYING_KEY_FILE);
        let show = |p: &Path| p.display().to_string();
        let pk = ProvingKeyFile::load(&pk_path)
            .map_err(|source| KeyError::Load { path: show(&pk_path), source })?;
        let vk = VerifyingKeyFile::load(&vk_path)
            .map_err(|source| KeyError::Load { path: show(&vk_path), source })?;
        for (path, name) in [(&pk_path, &pk.metadata.circuit_name), (&vk_path, &vk.metadata.circuit_name)] {
            if *name != expected {
                return Err(KeyError::Circuit { path: show(path), found: name.clone(), expected });
            }
        }
        if pk.key.vk != vk.key {
            return Err(KeyError::Mismatch(show(&vk_path)));
        }
        let insecure = pk.metadata.insecure_dev_setup || vk.metadata.insecure_dev_setup;
        if insecure {
            warn!(target: "sequencer::prover", dir = %dir.display(), "INSECURE: the key files come from the development setup; proofs prove nothing");
        }
        let keys = Self::new(pk.key, params, insecure)?;
        info!(target: "sequencer::prover", circuit = %expected, "batch keys loaded");
        Ok(keys)
    }

    /// **INSECURE.** The deterministic development setup for `params` (anyone who knows the
    /// seed can forge proofs); logs a loud warning.
    pub fn dev(params: &RollupParams, seed: [u8; 32]) -> Result<Self, KeyError> {
        warn!(
            target: "sequencer::prover",
            circuit = %batch_circuit_name(params),
            "INSECURE DEVELOPMENT KEYS: generating a deterministic Groth16 setup; anyone can forge proofs under these keys. Never use them to secure value."
        );
        let kp = dev_setup_batch(*params, seed).map_err(KeyError::DevSetup)?;
        Self::new(kp.pk, params, true)
    }

    /// Wraps a proving key of the batch circuit of `params` (the verifying key is the one inside
    /// it) and synthesizes the circuit's constraint matrices (seconds at a production size).
    ///
    /// # Errors
    ///
    /// [`KeyError::Matrices`] if the key is not of that circuit's shape.
    pub fn new(
        pk: ProvingKey<Bn254>,
        params: &RollupParams,
        insecure_dev_setup: bool,
    ) -> Result<Self, KeyError> {
        let started = Instant::now();
        let prover = batch_prover(pk, *params).map_err(KeyError::Matrices)?;
        let m = prover.matrices();
        info!(
            target: "sequencer::prover",
            constraints = m.num_constraints(),
            variables = m.num_instance_variables() + m.num_witness_variables(),
            matrices_mib = m.heap_bytes() >> 20,
            digest = %hex::encode(m.digest()),
            secs = started.elapsed().as_secs_f64(),
            "constraint matrices synthesized"
        );
        let pk = prover.proving_key().clone();
        let pvk = Arc::new(prover.prepared_verifying_key().clone());
        Ok(Self { pk, prover: Arc::new(prover), pvk, insecure_dev_setup })
    }
}

/// Proves `witness` with OS randomness and returns the proof's bytes (what the in-process
/// prover and the fleet's workers both run, on a blocking thread). The [`Prover`] checks every
/// proof against its key's verifying key before returning it, so a proof that would not verify
/// is an error here.
///
/// # Errors
///
/// The proving error (an invalid witness, a key that does not fit the circuit, a proof that
/// does not verify), as text for the log.
pub fn prove_checked(prover: &Prover, witness: BatchWitness) -> Result<Vec<u8>, String> {
    let (proof, _) = prove_batch(prover, witness, &mut rand::rngs::OsRng).map_err(|e| e.to_string())?;
    proof_to_bytes(&proof).map_err(|e| e.to_string())
}

/// Proves sealed batches in order until `shutdown` turns true. A failed proof is logged and
/// stops the task (retrying would fail the same way: the witness is deterministic); the
/// batch stays unproven and is retried at the next start.
pub async fn run(seq: Arc<Sequencer>, keys: BatchKeys, mut shutdown: watch::Receiver<bool>) {
    info!(target: "sequencer::prover", insecure_dev_keys = keys.insecure_dev_setup, "prover started");
    loop {
        let Some((n, witness)) = seq.next_unproven() else {
            tokio::select! {
                _ = seq.sealed_notified() => continue,
                _ = shutdown.changed() => break,
            }
        };
        let prover = keys.prover.clone();
        let started = Instant::now();
        // The blocking closure owns only the keys and the witness: if the node stops meanwhile,
        // the result is dropped and the batch is proven again at the next start.
        let job = tokio::task::spawn_blocking(move || prove_checked(&prover, witness));
        let result = tokio::select! {
            r = job => r.map_err(|e| e.to_string()).and_then(|r| r),
            _ = shutdown.changed() => break,
        };
        let secs = started.elapsed().as_secs_f64();
        match result.map(|bytes| seq.record_proof(n, bytes).map_err(|e| e.to_string())) {
            Ok(Ok(())) => {
                metrics::histogram!(m::PROVING_SECONDS).record(secs);
                info!(target: "sequencer::prover", batch = n, secs, "batch proven");
            }
            Ok(Err(e)) | Err(e) => {
                metrics::counter!(m::PROVING_FAILURES).increment(1);
                error!(target: "sequencer::prover", batch = n, error = %e, "proving failed; prover stopped");
                break;
            }
        }
    }
    info!(target: "sequencer::prover", "prover stopped");
}
