//! Groth16 proving over constraint matrices synthesized once per key, with the witness checked
//! against them before any group operation.
//!
//! [`Prover`] holds a proving key and its circuit's [`ConstraintMatrices`]. Each proof then
//! synthesizes only the witness (arkworks' `SynthesisMode::Prove { construct_matrices: false }`:
//! no linear combination is built), evaluates `A·z`, `B·z`, `C·z` from the cached matrices,
//! refuses an assignment that fails a constraint (arkworks' own prover only `debug_assert!`s it,
//! so a release build would silently produce a proof that does not verify), and runs the
//! Groth16 arithmetic of arkworks' `LibsnarkReduction` over those evaluations. Every proof is
//! checked against the key's own verifying key before it is returned, which also catches
//! matrices of another circuit of the same shape.
//!
//! [`prove()`] is the one-shot form: it synthesizes the matrices and the witness together, as
//! arkworks' stock prover does, for a process that makes one proof.

use std::sync::Arc;
use std::time::{Duration, Instant};

use ark_bn254::{Bn254, Fr, G1Projective, G2Projective};
use ark_ec::VariableBaseMSM;
use ark_ff::{FftField, Field, PrimeField, UniformRand};
use ark_groth16::{PreparedVerifyingKey, Proof, ProvingKey};
use ark_poly::{EvaluationDomain, GeneralEvaluationDomain};
use ark_relations::gr1cs::{
    ConstraintSynthesizer, ConstraintSystem, ConstraintSystemRef, OptimizationGoal, SynthesisMode,
};
use ark_serialize::{CanonicalDeserialize, CanonicalSerialize};
use ark_std::rand::{CryptoRng, RngCore};
use rayon::prelude::*;

use crate::error::ProverError;
use crate::matrices::{check_len, constraint_name, ConstraintMatrices, Evaluations};
use crate::verify::{prepare_verifying_key, verify_prepared};

/// Size in bytes of a proof in arkworks compressed form (A and C in G1, B in G2).
pub const PROOF_BYTES: usize = 32 + 64 + 32;

type BigInt = <Fr as PrimeField>::BigInt;

/// A proving key with its circuit's constraint matrices: proves any number of statements of
/// that circuit, synthesizing only their witnesses.
pub struct Prover {
    pk: Arc<ProvingKey<Bn254>>,
    pvk: PreparedVerifyingKey<Bn254>,
    matrices: ConstraintMatrices,
}

impl std::fmt::Debug for Prover {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Prover").field("matrices", &self.matrices).finish_non_exhaustive()
    }
}

/// Where the time of one proof went.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct ProofTimings {
    /// Witness synthesis (the circuit's code computing every variable).
    pub witness: Duration,
    /// `A·z`, `B·z`, `C·z` and the satisfaction check.
    pub check: Duration,
    /// The QAP's FFTs (the quotient polynomial H).
    pub fft: Duration,
    /// The five multi-scalar multiplications and the proof's assembly.
    pub msm: Duration,
    /// The check of the proof against the key's verifying key.
    pub verify: Duration,
}

impl ProofTimings {
    /// The whole proof.
    pub fn total(&self) -> Duration {
        self.witness + self.check + self.fft + self.msm + self.verify
    }
}

impl Prover {
    /// Synthesizes the matrices of `shape` (any instance of the circuit, a blank witness will
    /// do: only its shape is read) and checks them against `pk`.
    ///
    /// # Errors
    ///
    /// [`ProverError::Synthesis`] if `shape` cannot be synthesized;
    /// [`ProverError::KeyShapeMismatch`] if `pk` was made for a circuit of another shape.
    pub fn new<C: ConstraintSynthesizer<Fr>>(
        pk: impl Into<Arc<ProvingKey<Bn254>>>,
        shape: C,
    ) -> Result<Self, ProverError> {
        Self::from_matrices(pk, ConstraintMatrices::synthesize(shape)?)
    }

    /// A prover over matrices synthesized elsewhere, checked against `pk`.
    ///
    /// # Errors
    ///
    /// [`ProverError::KeyShapeMismatch`] if the counts of `matrices` do not fit `pk`.
    pub fn from_matrices(
        pk: impl Into<Arc<ProvingKey<Bn254>>>,
        matrices: ConstraintMatrices,
    ) -> Result<Self, ProverError> {
        let pk = pk.into();
        matrices.check_key(&pk)?;
        let pvk = prepare_verifying_key(&pk.vk);
        Ok(Self { pk, pvk, matrices })
    }

    /// The proving key.
    pub fn proving_key(&self) -> &Arc<ProvingKey<Bn254>> {
        &self.pk
    }

    /// The key's verifying key, prepared.
    pub fn prepared_verifying_key(&self) -> &PreparedVerifyingKey<Bn254> {
        &self.pvk
    }

    /// The circuit's matrices.
    pub fn matrices(&self) -> &ConstraintMatrices {
        &self.matrices
    }

    /// Proves that `circuit`'s witness satisfies it.
    ///
    /// `rng` supplies the zero-knowledge blinding factors `r` and `s`: use a cryptographic RNG
    /// seeded from the OS (`rand::rngs::OsRng`), never a fixed seed outside tests.
    ///
    /// # Errors
    ///
    /// [`ProverError::Unsatisfied`] naming the first failing constraint;
    /// [`ProverError::KeyShapeMismatch`] if the circuit allocates another number of variables
    /// than the matrices; [`ProverError::NotTheKeysCircuit`] if the proof does not verify under
    /// the key (the matrices are another circuit's); [`ProverError::Synthesis`] if synthesis
    /// fails.
    pub fn prove<C, R>(&self, circuit: C, rng: &mut R) -> Result<Proof<Bn254>, ProverError>
    where
        C: ConstraintSynthesizer<Fr>,
        R: RngCore + CryptoRng,
    {
        self.prove_with_public_inputs(circuit, rng).map(|(proof, _)| proof)
    }

    /// As [`Prover::prove`], also returning the public inputs the circuit assigned, in the
    /// order the verifier takes them (without the leading constant 1).
    ///
    /// # Errors
    ///
    /// As [`Prover::prove`].
    pub fn prove_with_public_inputs<C, R>(
        &self,
        circuit: C,
        rng: &mut R,
    ) -> Result<(Proof<Bn254>, Vec<Fr>), ProverError>
    where
        C: ConstraintSynthesizer<Fr>,
        R: RngCore + CryptoRng,
    {
        self.prove_timed(circuit, rng).map(|(proof, public, _)| (proof, public))
    }

    /// As [`Prover::prove_with_public_inputs`], also returning where the time went.
    ///
    /// # Errors
    ///
    /// As [`Prover::prove`].
    pub fn prove_timed<C, R>(
        &self,
        circuit: C,
        rng: &mut R,
    ) -> Result<(Proof<Bn254>, Vec<Fr>, ProofTimings), ProverError>
    where
        C: ConstraintSynthesizer<Fr>,
        R: RngCore + CryptoRng,
    {
        prove_witness_only(&self.pk, Some(&self.pvk), &self.matrices, circuit, rng)
    }
}

/// Proves `circuit` under `pk` over `matrices` (its circuit's, from
/// [`ConstraintMatrices::synthesize`]), synthesizing only the witness: what [`Prover`] does,
/// for a caller that keeps the key and the matrices itself.
///
/// # Errors
///
/// As [`Prover::prove`], and [`ProverError::KeyShapeMismatch`] if the matrices' counts do not
/// fit `pk`.
pub fn prove_with_matrices<C, R>(
    pk: &ProvingKey<Bn254>,
    matrices: &ConstraintMatrices,
    circuit: C,
    rng: &mut R,
) -> Result<(Proof<Bn254>, Vec<Fr>, ProofTimings), ProverError>
where
    C: ConstraintSynthesizer<Fr>,
    R: RngCore + CryptoRng,
{
    matrices.check_key(pk)?;
    prove_witness_only(pk, None, matrices, circuit, rng)
}

fn prove_witness_only<C, R>(
    pk: &ProvingKey<Bn254>,
    pvk: Option<&PreparedVerifyingKey<Bn254>>,
    matrices: &ConstraintMatrices,
    circuit: C,
    rng: &mut R,
) -> Result<(Proof<Bn254>, Vec<Fr>, ProofTimings), ProverError>
where
    C: ConstraintSynthesizer<Fr>,
    R: RngCore + CryptoRng,
{
    let t = Instant::now();
    let cs = ConstraintSystem::<Fr>::new_ref();
    cs.set_optimization_goal(OptimizationGoal::Constraints);
    cs.set_mode(SynthesisMode::Prove { construct_matrices: false, generate_lc_assignments: false });
    circuit.generate_constraints(cs.clone())?;
    let (instance, witness) = take_assignment(cs);
    let witness_time = t.elapsed();
    let (proof, public, mut timings) = prove_assignment(pk, pvk, matrices, instance, witness, rng)?;
    timings.witness = witness_time;
    Ok((proof, public, timings))
}

/// Proves that `circuit`'s witness satisfies it, under the proving key `pk`, in one pass: the
/// matrices and the witness are synthesized together, as arkworks' stock prover does. A
/// process that proves more than once should build a [`Prover`] instead.
///
/// `rng` supplies the zero-knowledge blinding factors `r` and `s`: use a cryptographic RNG
/// seeded from the OS (`rand::rngs::OsRng`), never a fixed seed outside tests.
///
/// # Errors
///
/// [`ProverError::Unsatisfied`] if the witness does not satisfy the circuit,
/// [`ProverError::KeyShapeMismatch`] if `pk` was made for another circuit,
/// [`ProverError::Synthesis`] if synthesis fails.
pub fn prove<C, R>(pk: &ProvingKey<Bn254>, circuit: C, rng: &mut R) -> Result<Proof<Bn254>, ProverError>
where
    C: ConstraintSynthesizer<Fr>,
    R: RngCore + CryptoRng,
{
    prove_with_public_inputs(pk, circuit, rng).map(|(proof, _)| proof)
}

/// As [`prove`], also returning the public inputs the circuit assigned, in the order the
/// verifier takes them (without the leading constant 1).
///
/// # Errors
///
/// As [`prove`].
pub fn prove_with_public_inputs<C, R>(
    pk: &ProvingKey<Bn254>,
    circuit: C,
    rng: &mut R,
) -> Result<(Proof<Bn254>, Vec<Fr>), ProverError>
where
    C: ConstraintSynthesizer<Fr>,
    R: RngCore + CryptoRng,
{
    let cs = ConstraintSystem::<Fr>::new_ref();
    cs.set_optimization_goal(OptimizationGoal::Constraints);
    cs.set_mode(SynthesisMode::Prove { construct_matrices: true, generate_lc_assignments: false });
    circuit.generate_constraints(cs.clone())?;
    cs.finalize();
    let matrices = ConstraintMatrices::from_constraint_system(&cs)?;
    matrices.check_key(pk)?;
    let (instance, witness) = take_assignment(cs);
    prove_assignment(pk, None, &matrices, instance, witness, rng).map(|(proof, public, _)| (proof, public))
}

/// The instance and witness assignments of a synthesized constraint system, moved out of it.
fn take_assignment(cs: ConstraintSystemRef<Fr>) -> (Vec<Fr>, Vec<Fr>) {
    match cs.borrow_mut() {
        Some(mut inner) => {
            let a = &mut inner.assignments;
            (std::mem::take(&mut a.instance_assignment), std::mem::take(&mut a.witness_assignment))
        }
        None => (Vec::new(), Vec::new()),
    }
}

/// Checks `instance ‖ witness` against the matrices and proves it.
fn prove_assignment<R: RngCore + CryptoRng>(
    pk: &ProvingKey<Bn254>,
    pvk: Option<&PreparedVerifyingKey<Bn254>>,
    matrices: &ConstraintMatrices,
    instance: Vec<Fr>,
    witness: Vec<Fr>,
    rng: &mut R,
) -> Result<(Proof<Bn254>, Vec<Fr>, ProofTimings), ProverError> {
    let mut timings = ProofTimings::default();
    check_len("instance assignment", instance.len(), matrices.num_instance_variables())?;
    check_len("witness assignment", witness.len(), matrices.num_witness_variables())?;
    let num_instance = instance.len();
    let z = [instance, witness].concat();

    let t = Instant::now();
    let evaluations = matrices.evaluate(&z);
    if let Some(i) = ConstraintMatrices::first_unsatisfied(&evaluations) {
        return Err(ProverError::Unsatisfied { constraint: constraint_name(i) });
    }
    timings.check = t.elapsed();

    let t = Instant::now();
    let domain = matrices.domain()?;
    let h = match Qap::of_key(pk, domain.size()) {
        Qap::Arkworks => quotient(domain, evaluations, &z[..num_instance]),
        Qap::Snarkjs => quotient_snarkjs(domain, evaluations, &z[..num_instance]),
    };
    timings.fft = t.elapsed();

    let t = Instant::now();
    let r = Fr::rand(rng);
    let s = Fr::rand(rng);
    let proof = assemble(pk, r, s, &h, &z, num_instance);
    timings.msm = t.elapsed();

    let public = z[1..num_instance].to_vec();
    let t = Instant::now();
    let pvk = match pvk {
        Some(pvk) => std::borrow::Cow::Borrowed(pvk),
        None => std::borrow::Cow::Owned(prepare_verifying_key(&pk.vk)),
    };
    if !verify_prepared(&pvk, &public, &proof)? {
        return Err(ProverError::NotTheKeysCircuit);
    }
    timings.verify = t.elapsed();
    Ok((proof, public, timings))
}

/// The coefficients of the quotient `H = (A·B − C) / Z` over the coset, as arkworks'
/// `LibsnarkReduction::witness_map_from_matrices` computes them (the public inputs fill the
/// rows after the constraints of A), from evaluations already made for the satisfaction check.
fn quotient(domain: GeneralEvaluationDomain<Fr>, e: Evaluations, instance: &[Fr]) -> Vec<Fr> {
    let vanishing_inverse = domain
        .evaluate_vanishing_polynomial(Fr::GENERATOR)
        .inverse()
        .expect("the generator lies outside the domain");
    let (mut h, coset) = ab_minus_c_on_coset(domain, e, instance, Fr::GENERATOR);
    h.par_iter_mut().for_each(|h| *h *= vanishing_inverse);
    coset.ifft_in_place(&mut h);
    h
}

/// `A·B − C` evaluated on the coset `offset·H` of the domain `H` (the public inputs filling the
/// rows of A after the constraints), and that coset.
fn ab_minus_c_on_coset(
    domain: GeneralEvaluationDomain<Fr>,
    e: Evaluations,
    instance: &[Fr],
    offset: Fr,
) -> (Vec<Fr>, GeneralEvaluationDomain<Fr>) {
    let n = domain.size();
    let m = e.a.len();
    let Evaluations { mut a, mut b, mut c } = e;
    a.resize(n, Fr::from(0u64));
    a[m..m + instance.len()].copy_from_slice(instance);
    b.resize(n, Fr::from(0u64));
    c.resize(n, Fr::from(0u64));
    let coset = domain.get_coset(offset).expect("a coset of a power-of-two domain");
    for v in [&mut a, &mut b, &mut c] {
        domain.ifft_in_place(v);
        coset.fft_in_place(v);
    }
    a.par_iter_mut().zip(b.par_iter()).zip(c.par_iter()).for_each(|((a, b), c)| {
        *a *= b;
        *a -= c;
    });
    (a, coset)
}

/// The QAP reduction a proving key was made for: what its H query holds, and so how the prover
/// computes the quotient it is multiplied with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Qap {
    /// arkworks' (and libsnark's): `τⁱ·Z(τ)/δ` for `i < n − 1`; H's coefficients are computed
    /// over a coset of the domain. Keys from [`crate::dev_setup`].
    Arkworks,
    /// snarkjs's: the Lagrange basis of the domain of size `2n` at its odd points, over δ, `n`
    /// points; H is evaluated at those points, where `Z = −2` (folded into the key). Keys from
    /// a snarkjs ceremony ([`crate::ceremony`]), as ark-circom's `CircomReduction` proves them.
    Snarkjs,
}

impl Qap {
    /// The reduction of `pk`, whose matrices have a QAP domain of `domain_size`, told by the
    /// length of its H query ([`ConstraintMatrices::check_key`] admits only these two).
    pub fn of_key(pk: &ProvingKey<Bn254>, domain_size: usize) -> Self {
        if pk.h_query.len() == domain_size {
            Self::Snarkjs
        } else {
            Self::Arkworks
        }
    }
}

/// The evaluations of `A·B − C` at the odd points `ω₂ₙ·ωₙⁱ` of the domain twice as large, as
/// snarkjs's prover (and ark-circom's `CircomReduction`) computes them: the evaluations on
/// the domain are interpolated and re-evaluated on the coset `ω₂ₙ·H`. Those are H's values up
/// to the constant `Z(ω₂ₙ·ωₙⁱ) = −2`, which a snarkjs key's H points already divide by.
fn quotient_snarkjs(domain: GeneralEvaluationDomain<Fr>, e: Evaluations, instance: &[Fr]) -> Vec<Fr> {
    let double = GeneralEvaluationDomain::<Fr>::new(2 * domain.size())
        .expect("the domain doubled fits BN254's 2-adicity");
    ab_minus_c_on_coset(domain, e, instance, double.element(1)).0
}

/// The Groth16 proof (A, B, C) for the full assignment `z` and the quotient `h`, blinded by
/// `r` and `s`: arkworks' `create_proof_with_assignment`, step for step.
fn assemble(pk: &ProvingKey<Bn254>, r: Fr, s: Fr, h: &[Fr], z: &[Fr], num_instance: usize) -> Proof<Bn254> {
    let bigints = |v: &[Fr]| -> Vec<BigInt> { v.par_iter().map(|x| x.into_bigint()).collect() };
    let h = bigints(h);
    let h_acc = G1Projective::msm_bigint(&pk.h_query, &h);
    drop(h);
    // Every variable but the constant one: the queries' first element is the constant's.
    let assignment = bigints(&z[1..]);
    let aux = &assignment[num_instance - 1..];
    let l_aux_acc = G1Projective::msm_bigint(&pk.l_query, aux);

    let delta_g1: G1Projective = pk.delta_g1.into();
    let g_a = delta_g1 * r
        + pk.a_query[0]
        + G1Projective::msm_bigint(&pk.a_query[1..], &assignment)
        + pk.vk.alpha_g1;
    let g1_b = delta_g1 * s
        + pk.b_g1_query[0]
        + G1Projective::msm_bigint(&pk.b_g1_query[1..], &assignment)
        + pk.beta_g1;
    let delta_g2: G2Projective = pk.vk.delta_g2.into();
    let g2_b = delta_g2 * s
        + pk.b_g2_query[0]
        + G2Projective::msm_bigint(&pk.b_g2_query[1..], &assignment)
        + pk.vk.beta_g2;
    let g_c = g_a * s + g1_b * r - delta_g1 * (r * s) + l_aux_acc + h_acc;
    Proof { a: g_a.into(), b: g2_b.into(), c: g_c.into() }
}

/// The proof in arkworks compressed form, [`PROOF_BYTES`] long.
///
/// # Errors
///
/// An arkworks serialization error (none for a well-formed proof).
pub fn proof_to_bytes(proof: &Proof<Bn254>) -> Result<Vec<u8>, ProverError> {
    let mut bytes = Vec::with_capacity(PROOF_BYTES);
    proof.serialize_compressed(&mut bytes)?;
    Ok(bytes)
}

/// Parses a proof in arkworks compressed form, checking that every point is on the curve and
/// in the prime-order subgroup, and that nothing follows it.
///
/// # Errors
///
/// [`ProverError::ProofBytes`] for malformed bytes.
pub fn proof_from_bytes(bytes: &[u8]) -> Result<Proof<Bn254>, ProverError> {
    if bytes.len() != PROOF_BYTES {
        return Err(ProverError::ProofBytes(ark_serialize::SerializationError::InvalidData));
    }
    Proof::deserialize_compressed(bytes).map_err(ProverError::ProofBytes)
}
