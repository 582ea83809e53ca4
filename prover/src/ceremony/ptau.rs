//! A prepared powers-of-tau file (snarkjs's `.ptau`, version 1) made by **one party**, for
//! test-size ceremonies only.
//!
//! A production ceremony's phase 1 is a public one with many contributors, already prepared
//! for phase 2: the Perpetual Powers of Tau (the Hermez `powersOfTau28_hez_final_XX.ptau`
//! files every circom ceremony starts from). For tests and the devnet, [`test_ptau`] draws
//! τ, α and β itself and writes the file that `snarkjs powersoftau new`, `contribute` and
//! `prepare phase2` would make, in a second rather than hours (`prepare phase2` runs
//! a group FFT in JavaScript: over a minute at 2¹², hours at 2¹⁸). Whoever ran it could
//! forge proofs under any key made over it, whatever phase 2 adds: only the phase-2
//! machinery is tested with it.
//!
//! | section | content (points in LEM encoding, see [`super::zkey`])                   |
//! |---------|--------------------------------------------------------------------------|
//! | 1       | header: `n8 = 32`, q, power, ceremony power                              |
//! | 2       | τⁱ·G1, `i < 2^(power+1) − 1`                                             |
//! | 3, 4, 5 | τⁱ·G2, α·τⁱ·G1, β·τⁱ·G1, `i < 2^power`                                   |
//! | 6       | β·G2                                                                     |
//! | 7       | the contributions: none recorded                                        |
//! | 12–15   | the same four in Lagrange form over every domain `2^k`, `k ≤ power`,     |
//! |         | concatenated smallest first (domain `2^k` starts at point `2^k − 1`)     |

use ark_bn254::{Fq, Fr, G1Projective, G2Projective};
use ark_ec::{scalar_mul::BatchMulPreprocessing, CurveGroup, PrimeGroup};
use ark_ff::UniformRand;
use ark_poly::{EvaluationDomain, Radix2EvaluationDomain};
use ark_std::rand::{CryptoRng, RngCore};

use super::binfile::{g1_lem, g2_lem, modulus_le, BinWriter};
use crate::error::CeremonyError;

/// The largest power [`test_ptau`] makes (2²² constraints; larger is no test).
pub const MAX_TEST_POWER: u32 = 22;

/// **INSECURE, test size.** A prepared `.ptau` of `2^power` powers from one party's τ, α, β
/// (drawn from `rng`, then dropped): what `snarkjs zkey new` takes for circuits of up to
/// `2^(power−1)` constraints and public inputs.
///
/// # Errors
///
/// [`CeremonyError::Format`] for a power outside `1..=MAX_TEST_POWER`.
pub fn test_ptau<R: RngCore + CryptoRng>(power: u32, rng: &mut R) -> Result<Vec<u8>, CeremonyError> {
    Ok(TestPhase1::random(power, rng)?.ptau())
}

/// **INSECURE, test size.** One party's phase 1: its secrets τ, α, β kept, so that the
/// initial phase-2 key can be computed from them directly
/// ([`crate::ceremony::phase2::new_zkey`]: what `snarkjs zkey new` makes from [`Self::ptau`],
/// byte for byte, in seconds instead of minutes and without the file). Redacted in `Debug`.
pub struct TestPhase1 {
    /// The powers: `2^power`.
    pub power: u32,
    pub(crate) tau: Fr,
    pub(crate) alpha: Fr,
    pub(crate) beta: Fr,
}

impl std::fmt::Debug for TestPhase1 {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TestPhase1").field("power", &self.power).finish_non_exhaustive()
    }
}

impl Drop for TestPhase1 {
    /// Overwrites the secrets (a test phase 1 is insecure anyway; this keeps them from outliving
    /// their use in this process's memory).
    fn drop(&mut self) {
        use zeroize::Zeroize;
        self.tau.zeroize();
        self.alpha.zeroize();
        self.beta.zeroize();
    }
}

impl TestPhase1 {
    /// Draws τ, α and β from `rng` for `2^power` powers.
    ///
    /// # Errors
    ///
    /// [`CeremonyError::Format`] for a power outside `1..=MAX_TEST_POWER`.
    pub fn random<R: RngCore + CryptoRng>(power: u32, rng: &mut R) -> Result<Self, CeremonyError> {
        if !(1..=MAX_TEST_POWER).contains(&power) {
            return Err(CeremonyError::Format {
                file: "ptau",
                reason: format!("power {power}: a test phase 1 has 1 to {MAX_TEST_POWER}"),
            });
        }
        Ok(Self { power, tau: Fr::rand(rng), alpha: Fr::rand(rng), beta: Fr::rand(rng) })
    }

    /// The prepared `.ptau` file of this phase 1.
    pub fn ptau(&self) -> Vec<u8> {
        let (power, tau, alpha, beta) = (self.power, self.tau, self.alpha, self.beta);
        let n = 1usize << power;
        let powers: Vec<Fr> =
            std::iter::successors(Some(Fr::from(1u64)), |p| Some(*p * tau)).take(2 * n - 1).collect();
        let lagrange: Vec<Fr> = (0..=power)
            .flat_map(|k| {
                Radix2EvaluationDomain::<Fr>::new(1 << k)
                    .expect("a power of two below 2^28")
                    .evaluate_all_lagrange_coefficients(tau)
            })
            .collect();
        let scaled = |v: &[Fr], by: Fr| -> Vec<Fr> { v.iter().map(|x| *x * by).collect() };

        let g1 = BatchMulPreprocessing::new(G1Projective::generator(), 2 * n);
        let g2 = BatchMulPreprocessing::new(G2Projective::generator(), n);
        let g1_section = |scalars: &[Fr]| {
            let mut out = Vec::with_capacity(scalars.len() * 64);
            g1.batch_mul(scalars).iter().for_each(|p| g1_lem(p, &mut out));
            out
        };
        let g2_section = |scalars: &[Fr]| {
            let mut out = Vec::with_capacity(scalars.len() * 128);
            g2.batch_mul(scalars).iter().for_each(|p| g2_lem(p, &mut out));
            out
        };

        let mut header = Vec::with_capacity(44);
        header.extend_from_slice(&32u32.to_le_bytes());
        header.extend_from_slice(&modulus_le::<Fq>());
        header.extend_from_slice(&power.to_le_bytes());
        header.extend_from_slice(&power.to_le_bytes());

        let mut w = BinWriter::new("ptau", 1, 11);
        w.section(1, &header);
        w.section(2, &g1_section(&powers));
        w.section(3, &g2_section(&powers[..n]));
        w.section(4, &g1_section(&scaled(&powers[..n], alpha)));
        w.section(5, &g1_section(&scaled(&powers[..n], beta)));
        let mut beta_g2 = Vec::with_capacity(128);
        g2_lem(&(G2Projective::generator() * beta).into_affine(), &mut beta_g2);
        w.section(6, &beta_g2);
        w.section(7, &0u32.to_le_bytes());
        w.section(12, &g1_section(&lagrange));
        w.section(13, &g2_section(&lagrange));
        w.section(14, &g1_section(&scaled(&lagrange, alpha)));
        w.section(15, &g1_section(&scaled(&lagrange, beta)));
        w.finish()
    }
}
