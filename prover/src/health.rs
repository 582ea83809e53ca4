//! The solidarity fund's epoch proof (issue 11): development keys of the epoch circuit
//! ([`ccr_circuits::health::constraints::EpochCircuit`]) and [`EpochProver`](crate::health::EpochProver), which proves a
//! table from the native inputs and checks the proof against its key before returning it.
//!
//! The witness holds the bank lines and the signed reports, all of which the table's hash
//! publishes anyway; nothing here is secret, but nothing is printed either.

use ark_std::rand::{CryptoRng, RngCore};
use ccr_circuits::health::constraints::{epoch_inputs, EpochCircuit, EpochStatement};
use ccr_circuits::health::fund::{EpochTable, FundError, FundMember, FundParams};
use ccr_circuits::health::score::HealthParams;
use ccr_circuits::health::{HealthAttesterRegistry, SignedReport};

use crate::{dev_setup, Bn254, Keypair, Proof, Prover, ProverError, ProvingKey};

/// The circuit name written in key files of an epoch circuit, e.g. `health-epoch-b8`.
pub fn epoch_circuit_name(banks: usize) -> String {
    format!("health-epoch-b{banks}")
}

/// **INSECURE — development only.** Deterministic keys for the epoch circuit of `banks` bank
/// slots (see [`dev_setup`]): anyone who knows `seed` can forge proofs.
///
/// # Errors
///
/// [`ProverError::Params`] for no bank slot; [`ProverError::Synthesis`] if the circuit cannot
/// be synthesized.
pub fn dev_setup_epoch(banks: usize, seed: [u8; 32]) -> Result<Keypair, ProverError> {
    if banks == 0 {
        return Err(ProverError::Params("an epoch circuit needs at least one bank slot".into()));
    }
    dev_setup(EpochCircuit::setup(banks), seed)
}

/// What the epoch's inputs are: the network's parameters, the registry, the fund and the
/// member banks with the reports sent for their bioregions.
#[derive(Debug, Clone, Copy)]
pub struct EpochRun<'a> {
    /// The frozen bounds.
    pub health: &'a HealthParams,
    /// The fund's parameters.
    pub fund: &'a FundParams,
    /// The health attester registry.
    pub registry: &'a HealthAttesterRegistry,
    /// The epoch.
    pub epoch: u32,
    /// The fund's balance before.
    pub fund_before: u64,
    /// The member banks.
    pub members: &'a [FundMember],
    /// The reports.
    pub reports: &'a [SignedReport],
}

/// Why an epoch cannot be proven.
#[derive(Debug, thiserror::Error)]
pub enum EpochProofError {
    /// The table cannot be computed: the epoch lapses.
    #[error("the epoch's table cannot be computed, the redistribution lapses: {0}")]
    Table(#[from] FundError),
    /// Proving failed.
    #[error(transparent)]
    Prover(#[from] ProverError),
}

/// A prover of one epoch circuit: the key and the circuit's matrices, synthesized once.
pub struct EpochProver {
    banks: usize,
    prover: Prover,
}

impl std::fmt::Debug for EpochProver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EpochProver").field("banks", &self.banks).finish_non_exhaustive()
    }
}

impl EpochProver {
    /// A prover for the epoch circuit of `banks` slots under `pk`.
    ///
    /// # Errors
    ///
    /// [`ProverError::KeyShapeMismatch`] if `pk` is another circuit's.
    pub fn new(pk: ProvingKey<Bn254>, banks: usize) -> Result<Self, ProverError> {
        Ok(Self { banks, prover: Prover::new(pk, EpochCircuit::setup(banks))? })
    }

    /// Bank slots.
    pub fn banks(&self) -> usize {
        self.banks
    }

    /// The epoch's table, its statement and a proof of it, checked against the key.
    ///
    /// # Errors
    ///
    /// [`EpochProofError::Table`] when the native table refuses the inputs (more members than
    /// slots included); [`EpochProofError::Prover`] as [`Prover::prove`].
    pub fn prove<R: RngCore + CryptoRng>(
        &self,
        run: &EpochRun<'_>,
        rng: &mut R,
    ) -> Result<(EpochTable, EpochStatement, Proof<Bn254>), EpochProofError> {
        let (table, statement, witness) = epoch_inputs(
            run.health,
            run.fund,
            run.registry,
            run.epoch,
            run.fund_before,
            run.members,
            run.reports,
            self.banks,
        )?;
        let (proof, public) =
            self.prover.prove_with_public_inputs(EpochCircuit::new(statement.clone(), witness), rng)?;
        debug_assert_eq!(public, statement.public_inputs());
        Ok((table, statement, proof))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ccr_circuits::babyjubjub::eddsa::PrivateKey;
    use ccr_circuits::health::fund::padding;
    use ccr_circuits::health::score::BankActivity;
    use ccr_circuits::health::{IndicatorReport, SCALE};
    use rand::SeedableRng;
    use rand_chacha::ChaCha20Rng;

    #[test]
    fn an_epoch_proves_and_verifies() {
        let keys = dev_setup_epoch(1, [7; 32]).expect("setup");
        let prover = EpochProver::new(keys.pk.clone(), 1).expect("prover");
        let attester = PrivateKey::from_bytes([3; 32]);
        let mut registry = HealthAttesterRegistry::new();
        assert!(registry.add(0, &attester.public_key()).is_ok());
        let report = IndicatorReport {
            bioregion: 0,
            epoch: 4,
            data_year: 2022,
            source_digest: [1; 32],
            values: [Some(60 * SCALE), None, Some(9 * SCALE), None, None, None, None, Some(90 * SCALE)],
        };
        let reports = [SignedReport::sign(&attester, report).expect("a valid report")];
        let activity = BankActivity {
            lent_by_purpose: [1_000, 0, 500, 0, 0],
            repaid: 300,
            pool_balance: 50_000,
            receivable: 1_200,
            ..BankActivity::default()
        };
        let members = [FundMember { pool: 3, bioregion: 0, activity }];
        let run = EpochRun {
            health: &HealthParams::default(),
            fund: &FundParams::default(),
            registry: &registry,
            epoch: 5,
            fund_before: 2_000,
            members: &members,
            reports: &reports,
        };
        let mut rng = ChaCha20Rng::seed_from_u64(1);
        let (table, statement, proof) = prover.prove(&run, &mut rng).expect("proof");
        assert!(table.conserves());
        assert!(crate::verify(&keys.vk, &statement.public_inputs(), &proof).expect("verify"));
        let mut other = statement;
        other.fund_after += 1;
        assert!(!crate::verify(&keys.vk, &other.public_inputs(), &proof).expect("verify"));
        // Two members do not fit one slot: the table refuses, nothing is proven.
        let two = [members[0], padding(0)];
        let err = prover.prove(&EpochRun { members: &two, ..run }, &mut rng).expect_err("two banks");
        assert!(matches!(err, EpochProofError::Table(FundError::TooManyBanks { .. })));
    }
}
