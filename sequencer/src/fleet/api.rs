//! The prover job API: the JSON-RPC methods workers call, their types and error codes.
//!
//! Methods live in the `ccrProver` namespace; parameters are positional. Every request carries
//! `Authorization: Bearer <secret>` (the fleet's shared secret); without it the server answers
//! HTTP 401 before any method runs.
//!
//! | method                | params                                   | result |
//! |-----------------------|------------------------------------------|--------|
//! | `ccrProver_lease`     | `worker`, `circuit` (or `null`), `waitMs` | a [`Job`], or `null` when none came within `waitMs` (at most 30 s) |
//! | `ccrProver_renew`     | `lease`                                  | `true` while the lease is held; `false`: drop the job (it was re-issued or proven) |
//! | `ccrProver_release`   | `lease`                                  | `true` when the job went back to the queue; `false`: the lease was no longer held |
//! | `ccrProver_submit`    | `lease`, `batch`, `proof` (hex), `provingMs` | [`Submitted`] |
//!
//! | code     | when |
//! |----------|------|
//! | `-32602` | malformed input (hex, a batch that is not sealed) |
//! | `-32011` | the sequencer halted |
//! | `-32030` | the proof does not verify under the batch key for that batch: refused, the job re-issued |
//! | `-32031` | the worker's keys are for another circuit than the batches |

use jsonrpsee::core::RpcResult;
use jsonrpsee::proc_macros::rpc;
use serde::{Deserialize, Serialize};

/// `-32030`: the proof does not verify.
pub const PROOF_REFUSED: i32 = -32030;
/// `-32031`: the worker's keys are for another circuit.
pub const WRONG_CIRCUIT: i32 = -32031;

/// A proof job: one sealed batch, leased to one worker.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Job {
    /// The lease (renew it, submit under it).
    pub lease: u64,
    /// The batch number.
    pub batch: u64,
    /// The batch circuit (`batch-d{depth}-n{size}`): the keys the worker needs.
    pub circuit: String,
    /// The batch commitment, the proof's public input (`0x` hex).
    pub commitment: String,
    /// The witness ([`super::codec`]), `0x` hex.
    pub witness: String,
    /// How long the lease lasts without a renewal, in milliseconds.
    pub lease_ms: u64,
}

impl std::fmt::Debug for Job {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Job")
            .field("lease", &self.lease)
            .field("batch", &self.batch)
            .field("circuit", &self.circuit)
            .field("commitment", &self.commitment)
            .field("witness", &format_args!("<{} hex chars>", self.witness.len()))
            .field("lease_ms", &self.lease_ms)
            .finish()
    }
}

/// What became of a submitted proof.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Submitted {
    /// The proof verified and is stored.
    Accepted,
    /// The batch was proven already (a late proof of a re-issued job): nothing changed.
    AlreadyProven,
}

/// The prover job API.
#[rpc(server, client, namespace = "ccrProver")]
pub trait ProverJobApi {
    /// Leases the lowest sealed batch that has no proof and no live lease, waiting up to
    /// `wait_ms` for one. `circuit`: the circuit of the worker's keys, if it has any yet.
    #[method(name = "lease")]
    async fn lease(&self, worker: String, circuit: Option<String>, wait_ms: u64) -> RpcResult<Option<Job>>;

    /// Extends the lease; `false` when it is no longer held.
    #[method(name = "renew")]
    async fn renew(&self, lease: u64) -> RpcResult<bool>;

    /// Gives the job back at once (a worker stopping mid-proof), so the next worker need not
    /// wait for the lease to lapse; `false` when the lease was no longer held.
    #[method(name = "release")]
    async fn release(&self, lease: u64) -> RpcResult<bool>;

    /// Hands back the proof of `batch`, proven in `proving_ms`. A proof that verifies is stored
    /// whatever became of its lease; one that does not is refused and its job re-issued.
    #[method(name = "submit")]
    async fn submit(&self, lease: u64, batch: u64, proof: String, proving_ms: u64) -> RpcResult<Submitted>;
}
