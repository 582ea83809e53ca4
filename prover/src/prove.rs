//! Groth16 proving, with the witness checked against the circuit before any group operation.
//!
//! arkworks' own prover only `debug_assert!`s satisfaction: in a release build an unsatisfied
//! witness yields a proof that silently fails to verify. Here it is an error naming the first
//! failing constraint. The synthesis below is the one `Groth16::create_proof_with_reduction`
//! performs (same optimization goal, same mode), so proofs fit keys from [`crate::setup`].

use ark_bn254::{Bn254, Fr};
use ark_ff::UniformRand;
use ark_groth16::{Groth16, Proof, ProvingKey};
use ark_relations::gr1cs::{
    ConstraintSynthesizer, ConstraintSystem, OptimizationGoal, SynthesisError, SynthesisMode,
    R1CS_PREDICATE_LABEL,
};
use ark_serialize::{CanonicalDeserialize, CanonicalSerialize};
use ark_std::rand::{CryptoRng, RngCore};

use crate::error::ProverError;

/// Size in bytes of a proof in arkworks compressed form (A and C in G1, B in G2).
pub const PROOF_BYTES: usize = 32 + 64 + 32;

/// Proves that `circuit`'s witness satisfies it, under the proving key `pk`.
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
    if let Some(constraint) = cs.which_is_unsatisfied()? {
        return Err(ProverError::Unsatisfied { constraint });
    }

    let num_inputs = cs.num_instance_variables();
    let num_constraints = cs.num_constraints();
    let instance = cs.instance_assignment()?;
    let witness = cs.witness_assignment()?;
    check_len("gamma_abc_g1", pk.vk.gamma_abc_g1.len(), num_inputs)?;
    check_len("a_query", pk.a_query.len(), num_inputs + witness.len())?;
    check_len("l_query", pk.l_query.len(), witness.len())?;

    let matrices = cs.to_matrices()?;
    let r1cs = matrices.get(R1CS_PREDICATE_LABEL).ok_or(SynthesisError::PredicateNotFound)?;
    let public_inputs = instance.get(1..).unwrap_or_default().to_vec();
    let full_assignment = [instance, witness].concat();

    let r = Fr::rand(rng);
    let s = Fr::rand(rng);
    let proof = Groth16::<Bn254>::create_proof_with_reduction_and_matrices(
        pk,
        r,
        s,
        r1cs,
        num_inputs,
        num_constraints,
        &full_assignment,
    )?;
    Ok((proof, public_inputs))
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

fn check_len(what: &'static str, got: usize, expected: usize) -> Result<(), ProverError> {
    if got == expected {
        Ok(())
    } else {
        Err(ProverError::KeyShapeMismatch { what, got, expected })
    }
}
