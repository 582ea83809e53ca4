//! Setup and proving for the rollup's batch circuit.

use ark_std::rand::{CryptoRng, RngCore};
use ccr_circuits::batch::constraints::BatchCircuit;
use ccr_circuits::batch::BatchWitness;
use ccr_circuits::state::RollupParams;

use crate::{dev_setup, prove, Bn254, Fr, Keypair, Proof, ProverError, ProvingKey};

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

/// **INSECURE — development only.** Deterministic keys for the batch circuit of `params`
/// (see [`dev_setup`]).
pub fn dev_setup_batch(params: RollupParams, seed: [u8; 32]) -> Result<Keypair, ProverError> {
    let blank = BatchWitness::blank(params).map_err(|e| ProverError::Params(format!("{params:?}: {e}")))?;
    dev_setup(BatchCircuit::new(blank), seed)
}

/// Proves `batch`; returns the proof and its single public input, the batch commitment.
pub fn prove_batch<R: RngCore + CryptoRng>(
    pk: &ProvingKey<Bn254>,
    batch: BatchWitness,
    rng: &mut R,
) -> Result<(Proof<Bn254>, Fr), ProverError> {
    let commitment = batch.public_commitment();
    let proof = prove(pk, BatchCircuit::new(batch), rng)?;
    Ok((proof, commitment))
}
