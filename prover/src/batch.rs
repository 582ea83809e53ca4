//! Setup and proving for the rollup's batch circuit.

use ark_std::rand::{CryptoRng, RngCore};
use ccr_circuits::batch::constraints::BatchCircuit;
use ccr_circuits::batch::BatchWitness;
use ccr_circuits::state::RollupParams;

use std::sync::Arc;

use crate::{dev_setup, Bn254, Fr, Keypair, Proof, Prover, ProverError, ProvingKey};

/// The circuit name written in key files of a batch circuit, e.g. `batch-d24-n16`.
pub fn batch_circuit_name(params: &RollupParams) -> String {
    format!("batch-d{}-n{}", params.depth, params.batch_size)
}

/// File name of the batch proving key in a keys directory (as `ccr-prover demo` writes it and
/// the sequencer's `--keys` reads it).
pub const PROVING_KEY_FILE: &str = "batch.pk";
/// File name of the batch verifying key in a keys directory.
pub const VERIFYING_KEY_FILE: &str = "batch.vk";

/// The parameters a batch circuit's name (`batch-d{depth}-n{size}`, as key files record it)
/// stands for, without a deployment; `None` for another circuit's name.
pub fn params_of_circuit(circuit: &str) -> Option<RollupParams> {
    let rest = circuit.strip_prefix("batch-d")?;
    let (d, n) = rest.split_once("-n")?;
    let params =
        RollupParams::new(d.parse().ok()?, n.parse().ok()?, ccr_circuits::state::Domain::NONE).ok()?;
    (batch_circuit_name(&params) == circuit).then_some(params)
}

fn blank(params: RollupParams) -> Result<BatchCircuit, ProverError> {
    let blank = BatchWitness::blank(params).map_err(|e| ProverError::Params(format!("{params:?}: {e}")))?;
    Ok(BatchCircuit::new(blank))
}

/// **INSECURE — development only.** Deterministic keys for the batch circuit of `params`
/// (see [`dev_setup`]).
pub fn dev_setup_batch(params: RollupParams, seed: [u8; 32]) -> Result<Keypair, ProverError> {
    dev_setup(blank(params)?, seed)
}

/// The prover of the batch circuit of `params` under `pk`: synthesizes the circuit's matrices
/// once (seconds at a production size), then proves each batch from its witness alone.
///
/// # Errors
///
/// [`ProverError::Params`] for parameters the circuit refuses;
/// [`ProverError::KeyShapeMismatch`] if `pk` is not a key of that circuit.
pub fn batch_prover(
    pk: impl Into<Arc<ProvingKey<Bn254>>>,
    params: RollupParams,
) -> Result<Prover, ProverError> {
    Prover::new(pk, blank(params)?)
}

/// Proves `batch` with `prover` (from [`batch_prover`]); returns the proof and its single public
/// input, the batch commitment.
///
/// # Errors
///
/// [`ProverError::Unsatisfied`] for an invalid batch; see [`Prover::prove`].
pub fn prove_batch<R: RngCore + CryptoRng>(
    prover: &Prover,
    batch: BatchWitness,
    rng: &mut R,
) -> Result<(Proof<Bn254>, Fr), ProverError> {
    let commitment = batch.public_commitment();
    let (proof, public) = prover.prove_with_public_inputs(BatchCircuit::new(batch), rng)?;
    if public != [commitment] {
        return Err(ProverError::Params(
            "the batch circuit's public input is not the batch's commitment".into(),
        ));
    }
    Ok((proof, commitment))
}
