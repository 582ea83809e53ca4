//! Remote provers: the sequencer hands sealed batches to a fleet of worker processes.
//!
//! With `--prover-api ADDR` the node proves nothing itself: it serves the job API
//! ([`api`]) on `ADDR`, separate from the public API, and workers (`ccr-prover-worker`) lease
//! batches from it, prove them with the same code as the in-process prover and hand the proofs
//! back.
//!
//! - **Jobs are the sealed batches without a proof** (the sequencer's database); a job is
//!   *pending* until a worker leases it.
//! - **Leases expire.** A worker renews its lease while it proves (every third of the lease);
//!   a lease not renewed within `--prover-lease` is dropped and the job goes to the next worker
//!   that asks, so a worker that dies or stalls delays its batch by one lease at most. A worker
//!   that stops (SIGTERM: a scale-down, a rolling update) gives its job back at once.
//! - **Every proof is checked** under the batch key against the batch's commitment before it is
//!   stored. A proof that does not verify is refused and its job re-issued. A proof that does is
//!   stored whoever sent it, so a late proof for a re-issued job is harmless: the first valid
//!   proof wins, the other is answered `alreadyProven`.
//! - **Settlement stays in batch order**: the settlement task submits the lowest unsettled
//!   batch once it is proven, whatever order the proofs arrive in.
//! - **Leases live with the batches.** The lease table is written to the database on every
//!   change; a restarted sequencer gives each recorded lease one more lease period (a worker
//!   still proving keeps its job) and re-issues it after that.
//! - **Authenticated.** Every request carries `Authorization: Bearer <secret>`; the secret
//!   comes from a file. The API carries witnesses: keep it off the public network (the
//!   Kubernetes manifests give it its own Service and a NetworkPolicy that admits only
//!   provers); across untrusted networks put it behind TLS (a mesh's mTLS, or a proxy).

pub mod api;
mod auth;
pub mod board;
pub mod codec;
pub mod worker;

use std::net::SocketAddr;
use std::path::Path;
use std::time::Duration;

use crate::prover::BatchVerifier;
pub use auth::{AuthLayer, ProverSecret};
pub use board::JobBoard;

/// The shortest secret accepted, in bytes.
pub const MIN_SECRET_LEN: usize = 16;

/// How the node serves the job API.
#[derive(Debug, Clone)]
pub struct FleetConfig {
    /// Listen address of the job API.
    pub addr: SocketAddr,
    /// The shared secret workers present.
    pub secret: ProverSecret,
    /// How long a lease lasts without a renewal.
    pub lease: Duration,
    /// The batch key every proof is checked under.
    pub verifier: BatchVerifier,
}

/// Errors of the secret file.
#[derive(Debug, thiserror::Error)]
pub enum SecretError {
    /// The file does not read.
    #[error("reading the prover secret {path}: {source}")]
    Read {
        /// The file.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// Too short to resist guessing.
    #[error("the prover secret in {0} is shorter than {MIN_SECRET_LEN} bytes (generate one with `openssl rand -hex 32`)")]
    TooShort(String),
}

impl ProverSecret {
    /// Reads the secret from `path` (surrounding whitespace is not part of it).
    pub fn from_file(path: &Path) -> Result<Self, SecretError> {
        let text = std::fs::read_to_string(path)
            .map_err(|source| SecretError::Read { path: path.display().to_string(), source })?;
        let secret = text.trim();
        if secret.len() < MIN_SECRET_LEN {
            return Err(SecretError::TooShort(path.display().to_string()));
        }
        Ok(Self::new(secret))
    }
}
