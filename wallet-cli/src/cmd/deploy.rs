//! `ccr-wallet deploy`: the operator deploys the rollup's contracts (Poseidon, the verifier of
//! the batch key, the rollup with the eligibility key of each policy shape) to L1 from the
//! wallet's L1 account and writes the network file that members, auditors and the sequencer's
//! operator use, with the deployment block (so log scans start there, not at block 0) and the
//! verifying key beside it.

use std::path::PathBuf;

use ccr_l1::client::{L1Client, VerifierKey};
use ccr_prover::batch::{params_of_circuit, VERIFYING_KEY_FILE};
use ccr_verifier_contracts::rollup::DeployConfig;
use ccr_verifier_contracts::{solc, solidity_verifier};
use clap::Args;
use serde_json::json;

use crate::cli::{Output, Settings};
use crate::error::WalletError;
use crate::fsutil::parent_dir;
use crate::network::NetworkFile;

/// `deploy`'s options.
#[derive(Debug, Clone, Args)]
pub struct DeployArgs {
    /// Directory holding the batch circuit's `batch.vk` (from the setup ceremony; its circuit
    /// name gives the tree depth and the batch size) and the eligibility circuit's
    /// `eligibility.vk` of the production shape at that depth (the rollup holds it for every
    /// bank's credits, for good).
    #[arg(long, value_name = "DIR")]
    pub keys: PathBuf,
    /// The sequencer's public JSON-RPC URL, written into the network file for members.
    #[arg(long, value_name = "URL")]
    pub sequencer_rpc: String,
    /// Where to write the network file (never overwritten); `batch.vk` is copied beside it.
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
    /// Blocks a deposit or forced exit may wait unprocessed before anyone may start exit mode.
    #[arg(long, default_value_t = ccr_verifier_contracts::rollup::DEFAULT_ESCAPE_DELAY)]
    pub escape_delay: u64,
    /// Allow a key from the INSECURE development setup on a chain that is not a development
    /// chain (a public test network whose rollup will never hold value).
    #[arg(long)]
    pub insecure_dev_keys: bool,
}

impl DeployArgs {
    /// Deploys and writes the network file.
    ///
    /// # Errors
    ///
    /// [`WalletError::Config`] for an existing `--out`, a missing or foreign key file, or no
    /// `--l1-rpc`; the keystore's errors; L1's (a development key off a development chain is
    /// refused before anything is sent).
    pub async fn run(self, s: &Settings) -> Result<Output, WalletError> {
        let a = self;
        if a.out.exists() {
            return Err(WalletError::Config(format!(
                "{} exists: deploy writes a new network file and never overwrites one",
                a.out.display()
            )));
        }
        let l1_url = s.l1_url()?;
        let vk_path = a.keys.join(VERIFYING_KEY_FILE);
        let vk_file = ccr_prover::VerifyingKeyFile::load(&vk_path)
            .map_err(|e| WalletError::Config(format!("{}: {e}", vk_path.display())))?;
        let circuit = vk_file.metadata.circuit_name;
        let params = params_of_circuit(&circuit).ok_or_else(|| {
            WalletError::Config(format!(
                "{} is for circuit {circuit:?}, not a batch circuit",
                vk_path.display()
            ))
        })?;
        let elig_path = a.keys.join(crate::credit::VK_FILE);
        let elig = ccr_prover::VerifyingKeyFile::load(&elig_path)
            .map_err(|e| WalletError::Config(format!("{}: {e}", elig_path.display())))?;
        let shape = ccr_prover::eligibility::NETWORK_SHAPES[0];
        let expected = ccr_prover::eligibility::eligibility_circuit_name(shape, params.depth);
        if elig.metadata.circuit_name != expected {
            return Err(WalletError::Config(format!(
                "{} is for circuit {:?}; the rollup needs the eligibility key {expected:?} (shape {shape}, \
                 the batch key's depth)",
                elig_path.display(),
                elig.metadata.circuit_name
            )));
        }
        // A key whose hash is a known development key's is one, whatever its file's flag says.
        let known = |vk| {
            ccr_verifier_contracts::dev::known_dev_key(vk)
                .map_err(|e| WalletError::Config(format!("hashing a verifying key: {e}")))
        };
        let insecure = vk_file.metadata.insecure_dev_setup
            || elig.metadata.insecure_dev_setup
            || known(&vk_file.key)?.is_some()
            || known(&elig.key)?.is_some();
        // The verifier of this very key, generated and compiled (the pinned solc-js: `node` and
        // `tools/js`, as `scripts/deps` installs them). Not the committed artifact, even for a
        // development key of its shape: a key file does not say which seed made it.
        let notice = if insecure {
            "INSECURE development key: anyone who knows its seed can forge proofs. Never for value."
        } else {
            "Verifier of the operator's batch key."
        };
        let vk = vk_file.key;
        let artifact = tokio::task::spawn_blocking(move || -> Result<_, String> {
            let source = solidity_verifier(&vk, "Groth16Verifier", notice).map_err(|e| e.to_string())?;
            solc::compile_contract(&solc::js_tools_dir(), "Groth16Verifier", &source)
                .map_err(|e| e.to_string())
        })
        .await
        .map_err(|e| WalletError::Config(format!("verifier task: {e}")))?
        .map_err(|e| WalletError::Config(format!("the verifier contract: {e}")))?;
        let keys = s.keys()?;
        let cfg = DeployConfig { escape_delay: a.escape_delay, ..DeployConfig::eth() };
        let key = VerifierKey::from_flag(insecure, a.insecure_dev_keys);
        let (client, deployment) = L1Client::deploy_with_key(
            &l1_url,
            keys.l1.expose_b256(),
            &artifact,
            key,
            &[elig.key],
            &params,
            &cfg,
        )
        .await
        .map_err(|e| WalletError::l1(&l1_url, e))?;
        let chain_id = client.chain_id().await.map_err(|e| WalletError::l1(&l1_url, e))?;
        let asset = crate::amount::asset_of(&client).await.map_err(|e| WalletError::l1(&l1_url, e))?;

        let dir = parent_dir(&a.out);
        std::fs::create_dir_all(&dir).map_err(|e| WalletError::io(&dir, e))?;
        let vk_copy = dir.join(VERIFYING_KEY_FILE);
        let same = vk_copy.canonicalize().ok().zip(vk_path.canonicalize().ok()).is_some_and(|(x, y)| x == y);
        if !same {
            std::fs::copy(&vk_path, &vk_copy).map_err(|e| WalletError::io(&vk_copy, e))?;
        }
        let network = NetworkFile {
            sequencer_rpc: a.sequencer_rpc,
            l1_rpc: l1_url,
            rollup: deployment.rollup,
            l1_chain_id: chain_id,
            params: params.into(),
            verifying_key: PathBuf::from(VERIFYING_KEY_FILE),
            deploy_block: deployment.block,
            poll: None,
            asset: Some(asset),
        };
        network.save(&a.out)?;
        let text = format!(
            "deployed on chain {chain_id} at block {block}{warn}\n  rollup    {rollup:#x}\n  verifier  {verifier:#x} ({circuit})\n  \
             network file {out} (give it and {vk} to members and auditors)\n\
             Run the sequencer with:\n  ccr-sequencer --l1-rpc {url} --rollup {rollup:#x} --l1-start-block {block} --keys {keys} --l1-key-file FILE …",
            block = deployment.block,
            warn = if insecure { " — INSECURE development key: never for value" } else { "" },
            rollup = deployment.rollup,
            verifier = deployment.verifier,
            out = a.out.display(),
            vk = vk_copy.display(),
            url = network.l1_rpc,
            keys = a.keys.display(),
        );
        let json = json!({
            "chainId": chain_id,
            "block": deployment.block,
            "rollup": format!("{:#x}", deployment.rollup),
            "verifier": format!("{:#x}", deployment.verifier),
            "circuit": circuit,
            "insecureDevKey": insecure,
            "network": a.out,
        });
        Ok(Output::new(text, json))
    }
}
