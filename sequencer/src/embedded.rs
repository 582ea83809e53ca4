//! The one-machine L1: start the embedded L1 (revm behind Ethereum JSON-RPC), deploy the
//! rollup's contracts for the node's verifying key, and return the client the node settles
//! with. Used by `ccr-sequencer` without `--l1-rpc` and by the devnet.

use std::net::SocketAddr;

use alloy_primitives::B256;
use ccr_circuits::state::RollupParams;
use ccr_dev_chain::node::{EmbeddedL1, EmbeddedL1Handle};
use ccr_l1::client::{Deployment, L1Client};
use ccr_verifier_contracts::rollup::DeployConfig;
use ccr_verifier_contracts::{solidity_verifier, Artifact, DevKey};
use tracing::info;

use crate::prover::BatchVerifier;

/// Errors of bringing up the embedded L1.
#[derive(Debug, thiserror::Error)]
pub enum EmbeddedError {
    /// The node did not start, or a deployment failed.
    #[error("embedded L1: {0}")]
    L1(#[from] ccr_l1::L1Error),
    /// No verifier contract could be produced for the key.
    #[error("verifier contract for the batch key: {0}")]
    Verifier(String),
}

/// The verifier contract of `keys`' verifying key: for a known development key (from
/// `dev_seed`), the committed artifact when the parameters are the committed verifier's;
/// otherwise generated and compiled with solc-js (needs `node`: `scripts/deps`), its notice
/// saying INSECURE for any other key flagged `insecure_dev_setup` (a test-size ceremony's).
pub fn verifier_artifact(
    keys: &BatchVerifier,
    params: &RollupParams,
    dev_seed: [u8; 32],
) -> Result<Artifact, EmbeddedError> {
    let err = |e: &dyn std::fmt::Display| EmbeddedError::Verifier(e.to_string());
    let known = ccr_verifier_contracts::dev::known_dev_key(&keys.vk).map_err(|e| err(&e))?;
    if keys.insecure_dev_setup && known.is_some() {
        return DevKey { params: *params, seed: dev_seed }.verifier_artifact(&keys.vk).map_err(|e| err(&e));
    }
    let notice = if keys.insecure_dev_setup {
        "Verifier of an INSECURE batch key (flagged insecure_dev_setup: a development or test-size \
         ceremony setup whose trapdoor someone may know). Never secure value with it."
    } else {
        "Verifier of the operator's batch key."
    };
    let source = solidity_verifier(&keys.vk, "Groth16Verifier", notice).map_err(|e| err(&e))?;
    ccr_verifier_contracts::solc::compile_contract(
        &ccr_verifier_contracts::solc::js_tools_dir(),
        "Groth16Verifier",
        &source,
    )
    .map_err(|e| err(&e))
}

/// A running embedded L1 with the rollup deployed.
#[derive(Debug)]
pub struct EmbeddedRollup {
    /// The L1 node (stop it last).
    pub node: EmbeddedL1Handle,
    /// The contracts.
    pub deployment: Deployment,
    /// The rollup driven by the operator's account (`operator_key`).
    pub operator: L1Client,
}

/// Starts the embedded L1 on `listen` and deploys Poseidon, the verifier of `verifier` and the
/// rollup for `params` with `cfg` and the eligibility key of each policy shape
/// (`eligibility_keys[s]`), from the account of `operator_key`.
pub async fn start(
    listen: SocketAddr,
    params: &RollupParams,
    verifier: &Artifact,
    eligibility_keys: &[ccr_prover::VerifyingKey<ccr_prover::Bn254>],
    cfg: &DeployConfig,
    operator_key: B256,
) -> Result<EmbeddedRollup, EmbeddedError> {
    let node = EmbeddedL1::start(listen).await?;
    let url = node.url();
    let (operator, deployment) =
        L1Client::deploy(&url, operator_key, verifier, eligibility_keys, params, cfg).await?;
    info!(
        target: "sequencer::l1",
        l1_rpc = %url,
        rollup = %deployment.rollup,
        verifier = %deployment.verifier,
        chain_id = ccr_dev_chain::node::CHAIN_ID,
        "embedded L1 running; rollup deployed"
    );
    Ok(EmbeddedRollup { node, deployment, operator })
}
