//! Verifiers for the deterministic, **insecure** development keys of the batch circuit.
//!
//! The committed `src/Groth16Verifier.sol` carries the key of [`COMMITTED_VERIFIER_KEY`];
//! regenerate it with
//!
//! ```text
//! cargo run --release -p ccr-verifier-contracts --example generate_verifier
//! node tools/js/build-contracts.js
//! ```

use ark_bn254::Bn254;
use ark_groth16::VerifyingKey;
use ccr_circuits::state::{Domain, RollupParams};
use ccr_prover::batch::{batch_circuit_name, dev_setup_batch};
use ccr_prover::{key_hash, Keypair, ProverError};

use crate::artifacts::Artifact;
use crate::error::{ArtifactError, GeneratorError, SolcError};
use crate::generator::solidity_verifier;

/// A development key of the batch circuit: its parameters and the seed of
/// [`ccr_prover::batch::dev_setup_batch`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DevKey {
    /// Tree depth and batch size of the circuit (its domain is [`Domain::NONE`]: keys do not
    /// depend on the deployment, whose separator is a witness of every batch).
    pub params: RollupParams,
    /// Seed of the insecure setup: anyone who knows it can forge proofs.
    pub seed: [u8; 32],
}

/// The key the committed `Groth16Verifier` carries: depth 24, 16 slots per batch,
/// seed `[0x42; 32]` (the seed of `ccr-prover demo`). **INSECURE: development only.**
pub const COMMITTED_VERIFIER_KEY: DevKey =
    DevKey { params: RollupParams { depth: 24, batch_size: 16, domain: Domain::NONE }, seed: [0x42; 32] };

/// Errors of generating a development verifier.
#[derive(Debug, thiserror::Error)]
pub enum DevKeyError {
    /// The setup or the key hash failed.
    #[error(transparent)]
    Prover(#[from] ProverError),
    /// The Solidity could not be generated.
    #[error(transparent)]
    Generator(#[from] GeneratorError),
    /// The committed verifier artifact does not load.
    #[error(transparent)]
    Artifact(#[from] ArtifactError),
    /// solc-js failed or is not installed.
    #[error("compiling the verifier of a development key (run `scripts/deps` to install node's solc): {0}")]
    Solc(#[from] SolcError),
}

impl DevKey {
    /// The test-size key the crate's tests use: depth 8, 4 slots, seed `[9; 32]`
    /// (the key whose hash `prover/tests/snapshots/batch_d8_n4_vk_hash.txt` pins).
    pub const TEST: Self =
        Self { params: RollupParams { depth: 8, batch_size: 4, domain: Domain::NONE }, seed: [9; 32] };

    /// Runs the development setup (seconds at test size, ~20 s in release at depth 24 with 16
    /// slots).
    ///
    /// # Errors
    ///
    /// [`ProverError::Params`] on invalid parameters.
    pub fn keypair(&self) -> Result<Keypair, ProverError> {
        dev_setup_batch(self.params, self.seed)
    }

    /// The NatSpec notice of a verifier for this key with verifying key `vk`: which circuit,
    /// which setup, the key's content hash.
    ///
    /// # Errors
    ///
    /// An arkworks serialization error of the key hash.
    pub fn notice(&self, vk: &VerifyingKey<Bn254>) -> Result<String, ProverError> {
        let seed = self.seed.iter().map(|b| format!("{b:02x}")).collect::<String>();
        Ok(format!(
            "@custom:key {circuit}, verifying-key hash {hash}\n\
             INSECURE development key: ccr_prover::batch::dev_setup_batch(depth {depth}, batch size\n\
             {batch}) with the public seed 0x{seed}.\n\
             Anyone who knows the seed can forge proofs: never secure value with it.",
            circuit = batch_circuit_name(&self.params),
            hash = key_hash(vk)?,
            depth = self.params.depth,
            batch = self.params.batch_size,
        ))
    }

    /// The compiled verifier of this key, whose verifying key is `vk` (from
    /// [`DevKey::keypair`]): the committed artifact for [`COMMITTED_VERIFIER_KEY`] (no
    /// compiler needed), otherwise generated and compiled with the pinned solc-js (needs
    /// `node` and `tools/js/node_modules`: `scripts/deps` installs them).
    ///
    /// # Errors
    ///
    /// As [`DevKey::verifier_source`]; [`DevKeyError::Solc`] when the compiler is missing or
    /// fails; [`DevKeyError::Artifact`] for a broken committed artifact.
    pub fn verifier_artifact(&self, vk: &VerifyingKey<Bn254>) -> Result<Artifact, DevKeyError> {
        // The committed artifact verifies the committed key only: another key of the same
        // parameters (a test-size ceremony's) gets its own verifier, or its proofs would be
        // refused on L1.
        if *self == COMMITTED_VERIFIER_KEY && key_hash(vk)? == KNOWN_DEV_KEYS[0].vk_hash {
            return Ok(Artifact::groth16_verifier()?);
        }
        let source = self.verifier_source(vk, "Groth16Verifier")?;
        Ok(crate::solc::compile_contract(&crate::solc::js_tools_dir(), "Groth16Verifier", &source)?)
    }

    /// The Solidity of a verifier `contract_name` for this key's verifying key `vk` (from
    /// [`DevKey::keypair`]), with [`DevKey::notice`].
    ///
    /// # Errors
    ///
    /// As [`DevKey::notice`] and [`solidity_verifier`].
    pub fn verifier_source(
        &self,
        vk: &VerifyingKey<Bn254>,
        contract_name: &str,
    ) -> Result<String, DevKeyError> {
        Ok(solidity_verifier(vk, contract_name, &self.notice(vk)?)?)
    }
}

/// **INSECURE — tests only.** A stand-in eligibility verifying key for shape `shape`: 14 public
/// inputs, every point a known multiple of the generator, so anyone can forge proofs under it.
/// For rollups that verify no credit (the constructor needs a key per shape); never deploy it
/// where a credit could be made.
pub fn stand_in_eligibility_key(shape: u8) -> VerifyingKey<Bn254> {
    use ark_ec::AffineRepr;
    let g1 = |k: u64| (ark_bn254::G1Affine::generator() * ark_bn254::Fr::from(k)).into();
    let g2 = |k: u64| (ark_bn254::G2Affine::generator() * ark_bn254::Fr::from(k)).into();
    let base = 100 * u64::from(shape);
    VerifyingKey {
        alpha_g1: g1(base + 1),
        beta_g2: g2(base + 2),
        gamma_g2: g2(base + 3),
        delta_g2: g2(base + 4),
        gamma_abc_g1: (0..15).map(|i| g1(base + 10 + i)).collect(),
    }
}

/// A development key: its circuit, the public seed it comes from, its verifying-key hash.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KnownDevKey {
    /// The circuit's name.
    pub circuit: &'static str,
    /// Where its toxic waste comes from.
    pub origin: &'static str,
    /// [`key_hash`] of its verifying key (empty for a [`stand_in_eligibility_key`], recognised
    /// by its points).
    pub vk_hash: &'static str,
}

/// The development keys this source tree deploys or tests with, by verifying-key hash: their
/// toxic waste is public, so a deployment that holds value refuses them, whatever a key file's
/// `insecure_dev_setup` flag says ([`known_dev_key`]). Pinned by a test that re-runs each setup.
pub const KNOWN_DEV_KEYS: [KnownDevKey; 6] = [
    KnownDevKey {
        circuit: "batch-d24-n16",
        origin: "dev_setup_batch, seed 0x42.. (the committed Groth16Verifier, ccr-prover demo, the devnet)",
        vk_hash: "62263da4590c08e0831a06269eb05d0d81972297f8c6b34123b6695780a0b767",
    },
    KnownDevKey {
        circuit: "batch-d8-n4",
        origin: "dev_setup_batch, seed 0x09.. (DevKey::TEST)",
        vk_hash: "82fd4813489c84dbf4086bf1739a9083d852da30d35e0cc07d0f43d317f5e2d8",
    },
    KnownDevKey {
        circuit: "eligibility-64x4-d24",
        origin: "dev_setup_eligibility, DEV_ELIGIBILITY_SEED (the devnet, the embedded L1)",
        vk_hash: "9bd5dc77a95e1de5e844f1e272dce74cc3ab0a9c07969af6ccdc2144ed56c793",
    },
    KnownDevKey {
        circuit: "eligibility-64x4-d8",
        origin: "dev_setup_eligibility, DEV_ELIGIBILITY_SEED at the test depth",
        vk_hash: "0cb1d6bf57688064a0227a21403d843be5b56954134bd513388aa42c0111e59f",
    },
    KnownDevKey {
        circuit: "vote-process-s3-v1-b4",
        origin: "dev_setup_process, seed 0x50.. (the devnet's polls)",
        vk_hash: "417131a3fb7c6a67a9a03a3f32fa21b7b64c2a8bd1c8bdb038463e528e730c7f",
    },
    KnownDevKey {
        circuit: "vote-tally-s3-v1-t8",
        origin: "dev_setup_tally, seed 0x7a.. (the devnet's polls)",
        vk_hash: "d3d1b372cab0774cdadc2b7ba6ad6b8acf4c524a28805ec2b0cf42633ed2c8bd",
    },
];

/// The known development key `vk` is, if it is one: a key of [`KNOWN_DEV_KEYS`] or a
/// [`stand_in_eligibility_key`].
///
/// # Errors
///
/// An arkworks serialization error of the key hash.
pub fn known_dev_key(vk: &VerifyingKey<Bn254>) -> Result<Option<KnownDevKey>, ProverError> {
    let hash = key_hash(vk)?;
    if let Some(known) = KNOWN_DEV_KEYS.iter().find(|k| k.vk_hash == hash) {
        return Ok(Some(*known));
    }
    let alpha = |shape: u8| -> ark_bn254::G1Affine {
        use ark_ec::AffineRepr;
        (ark_bn254::G1Affine::generator() * ark_bn254::Fr::from(100 * u64::from(shape) + 1)).into()
    };
    let stand_in = (0..=u8::MAX)
        .find(|&shape| vk.alpha_g1 == alpha(shape))
        .is_some_and(|shape| stand_in_eligibility_key(shape) == *vk);
    Ok(stand_in.then_some(KnownDevKey {
        circuit: "eligibility (any shape)",
        origin: "stand_in_eligibility_key: every point a known multiple of the generator",
        vk_hash: "",
    }))
}
