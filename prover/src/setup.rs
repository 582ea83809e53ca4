//! Groth16 key generation: the deterministic, **insecure** development setup.
//!
//! Production keys come from a multi-party ceremony (a Powers of Tau phase 1 and a
//! circuit-specific phase 2 with independent contributors and a public random beacon, as
//! `snarkjs powersoftau` / `snarkjs zkey contribute` run it): a proof is sound as long as one
//! contributor destroyed their randomness. Such keys are wrapped with
//! [`Keypair::from_ceremony`] and stored with `insecure_dev_setup: false`.

use ark_bn254::{Bn254, Fr};
use ark_groth16::{Groth16, ProvingKey, VerifyingKey};
use ark_relations::gr1cs::ConstraintSynthesizer;
use ark_snark::SNARK;
use rand_chacha::{rand_core::SeedableRng, ChaCha20Rng};

use crate::{
    error::ProverError,
    keys::{KeyFile, KeyMetadata, ProvingKeyFile, VerifyingKeyFile},
};

/// A proving key, its verifying key, and where they come from.
#[derive(Clone, Debug, PartialEq)]
pub struct Keypair {
    /// The proving key (it contains a copy of the verifying key).
    pub pk: ProvingKey<Bn254>,
    /// The verifying key.
    pub vk: VerifyingKey<Bn254>,
    /// Whether the keys come from [`dev_setup`] (anyone who knows the seed can forge proofs).
    pub insecure_dev_setup: bool,
}

impl Keypair {
    /// Wraps a proving key produced by a trusted-setup ceremony.
    pub fn from_ceremony(pk: ProvingKey<Bn254>) -> Self {
        let vk = pk.vk.clone();
        Self { pk, vk, insecure_dev_setup: false }
    }

    /// The two key files for this keypair, carrying `circuit_name` and the setup provenance.
    pub fn into_key_files(self, circuit_name: impl Into<String>) -> (ProvingKeyFile, VerifyingKeyFile) {
        let metadata =
            KeyMetadata { circuit_name: circuit_name.into(), insecure_dev_setup: self.insecure_dev_setup };
        let vk = KeyFile { metadata: metadata.clone(), key: self.vk };
        let pk = KeyFile { metadata, key: self.pk };
        (pk, vk)
    }
}

/// **INSECURE — development and tests only.** A deterministic Groth16 setup for `circuit`,
/// its toxic waste drawn from a ChaCha20 stream seeded with `seed`.
///
/// Anyone who knows the seed can recompute the toxic waste and forge proofs of false
/// statements: keys from this function must never secure real value. The returned
/// [`Keypair`] has `insecure_dev_setup: true`, key files written from it carry the flag, and
/// `ccr-prover verify` warns when it meets one. Production keys come from a ceremony (see the
/// [module documentation](self)).
///
/// The same circuit shape and seed always give the same keys, so verifying-key hashes can be
/// pinned in snapshots.
///
/// # Errors
///
/// [`ProverError::Synthesis`] if the circuit cannot be synthesized in setup mode.
pub fn dev_setup<C: ConstraintSynthesizer<Fr>>(circuit: C, seed: [u8; 32]) -> Result<Keypair, ProverError> {
    let mut rng = ChaCha20Rng::from_seed(seed);
    let (pk, vk) = Groth16::<Bn254>::circuit_specific_setup(circuit, &mut rng)?;
    Ok(Keypair { pk, vk, insecure_dev_setup: true })
}
