//! A circuit's R1CS matrices, synthesized once per key and kept for every proof.
//!
//! arkworks' stock prover synthesizes the whole constraint system for each proof: every linear
//! combination is built, interned, inlined and turned into matrix rows, only to be thrown away
//! after one use. The matrices depend on the circuit's shape alone (the tree depth, the batch
//! size), never on the witness, so [`ConstraintMatrices::synthesize`] builds them once, in
//! setup mode, and each proof then computes only the witness assignment
//! (see [`crate::prove::Prover`]).
//!
//! The layout is compressed sparse rows with interned coefficients: each entry is a variable
//! index and an index into a table of the distinct coefficients (a few thousand for the batch
//! circuit), 8 bytes instead of arkworks' 40, and the common coefficients 1 and −1 cost an
//! addition, not a multiplication.

use std::collections::HashMap;

use ark_bn254::{Bn254, Fr};
use ark_ff::{BigInteger, One, PrimeField, Zero};
use ark_groth16::ProvingKey;
use ark_poly::{EvaluationDomain, GeneralEvaluationDomain};
use ark_relations::gr1cs::{
    ConstraintSynthesizer, ConstraintSystem, Matrix, OptimizationGoal, SynthesisError, SynthesisMode,
    R1CS_PREDICATE_LABEL,
};
use rayon::prelude::*;
use sha2::{Digest, Sha256};

use crate::error::ProverError;

/// Index of the coefficient 1 in every coefficient table.
const ONE: u32 = 0;
/// Index of the coefficient −1 in every coefficient table.
const MINUS_ONE: u32 = 1;

/// One sparse matrix in compressed-row form.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Csr {
    /// Row `i` is `entries[row_start[i]..row_start[i + 1]]`; `num_constraints + 1` offsets.
    row_start: Vec<u32>,
    /// `(variable, coefficient index)` pairs.
    entries: Vec<(u32, u32)>,
}

impl Csr {
    fn row(&self, i: usize) -> &[(u32, u32)] {
        &self.entries[self.row_start[i] as usize..self.row_start[i + 1] as usize]
    }
}

/// The R1CS matrices A, B, C of a circuit, with its variable and constraint counts.
///
/// Variables are numbered as arkworks numbers them: `0` is the constant one, then the public
/// inputs, then the witness; a full assignment `z` lists them in that order.
#[derive(Clone, PartialEq, Eq)]
pub struct ConstraintMatrices {
    num_instance: usize,
    num_witness: usize,
    num_constraints: usize,
    coefficients: Vec<Fr>,
    a: Csr,
    b: Csr,
    c: Csr,
    digest: [u8; 32],
}

impl std::fmt::Debug for ConstraintMatrices {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConstraintMatrices")
            .field("num_instance", &self.num_instance)
            .field("num_witness", &self.num_witness)
            .field("num_constraints", &self.num_constraints)
            .field("non_zero", &self.non_zero())
            .field("digest", &hex::encode(self.digest))
            .finish()
    }
}

/// The evaluations `A·z`, `B·z` and `C·z`, one entry per constraint.
pub(crate) struct Evaluations {
    pub a: Vec<Fr>,
    pub b: Vec<Fr>,
    pub c: Vec<Fr>,
}

impl ConstraintMatrices {
    /// Synthesizes `circuit` in setup mode (no witness is computed, so a blank circuit of the
    /// right shape will do) with the optimization goal the setup and the prover use, and keeps
    /// its matrices.
    ///
    /// # Errors
    ///
    /// [`ProverError::Synthesis`] if the circuit cannot be synthesized;
    /// [`ProverError::Params`] for a circuit too large for 32-bit indices.
    pub fn synthesize<C: ConstraintSynthesizer<Fr>>(circuit: C) -> Result<Self, ProverError> {
        let cs = ConstraintSystem::<Fr>::new_ref();
        cs.set_optimization_goal(OptimizationGoal::Constraints);
        cs.set_mode(SynthesisMode::Setup);
        circuit.generate_constraints(cs.clone())?;
        cs.finalize();
        Self::from_constraint_system(&cs)
    }

    /// The matrices of a finalized constraint system that constructed them.
    pub(crate) fn from_constraint_system(
        cs: &ark_relations::gr1cs::ConstraintSystemRef<Fr>,
    ) -> Result<Self, ProverError> {
        let matrices = cs.to_matrices()?;
        let r1cs = matrices.get(R1CS_PREDICATE_LABEL).ok_or(SynthesisError::PredicateNotFound)?;
        let [a, b, c] = r1cs.as_slice() else {
            return Err(SynthesisError::PredicateNotFound.into());
        };
        Self::from_arkworks(cs.num_instance_variables(), cs.num_witness_variables(), [a, b, c])
    }

    fn from_arkworks(
        num_instance: usize,
        num_witness: usize,
        [a, b, c]: [&Matrix<Fr>; 3],
    ) -> Result<Self, ProverError> {
        let too_large = || ProverError::Params("the circuit is too large for 32-bit matrix indices".into());
        u32::try_from(num_instance + num_witness).map_err(|_| too_large())?;
        let mut coefficients = vec![Fr::one(), -Fr::one()];
        let mut index = HashMap::from([(Fr::one(), ONE), (-Fr::one(), MINUS_ONE)]);
        let mut convert = |m: &Matrix<Fr>| -> Result<Csr, ProverError> {
            let mut row_start = Vec::with_capacity(m.len() + 1);
            let mut entries = Vec::with_capacity(m.iter().map(Vec::len).sum());
            row_start.push(0);
            for row in m {
                for &(coefficient, variable) in row {
                    let k = *index.entry(coefficient).or_insert_with(|| {
                        coefficients.push(coefficient);
                        (coefficients.len() - 1) as u32
                    });
                    entries.push((variable as u32, k));
                }
                row_start.push(u32::try_from(entries.len()).map_err(|_| too_large())?);
            }
            Ok(Csr { row_start, entries })
        };
        let (a, b, c) = (convert(a)?, convert(b)?, convert(c)?);
        u32::try_from(coefficients.len()).map_err(|_| too_large())?;
        let num_constraints = a.row_start.len() - 1;
        let mut m =
            Self { num_instance, num_witness, num_constraints, coefficients, a, b, c, digest: [0; 32] };
        m.digest = m.compute_digest();
        Ok(m)
    }

    /// Public inputs, the constant one included.
    pub fn num_instance_variables(&self) -> usize {
        self.num_instance
    }

    /// Witness variables.
    pub fn num_witness_variables(&self) -> usize {
        self.num_witness
    }

    /// Constraints.
    pub fn num_constraints(&self) -> usize {
        self.num_constraints
    }

    /// Non-zero entries of A, B and C together.
    pub fn non_zero(&self) -> usize {
        self.a.entries.len() + self.b.entries.len() + self.c.entries.len()
    }

    /// Bytes the matrices take in memory (entries, offsets, coefficients).
    pub fn heap_bytes(&self) -> usize {
        let csr = |m: &Csr| m.entries.len() * 8 + m.row_start.len() * 4;
        csr(&self.a) + csr(&self.b) + csr(&self.c) + self.coefficients.len() * 32
    }

    /// SHA-256 of the counts, the coefficient table and the three matrices: equal digests mean
    /// equal constraint systems.
    pub fn digest(&self) -> [u8; 32] {
        self.digest
    }

    fn compute_digest(&self) -> [u8; 32] {
        let mut h = Sha256::new();
        h.update(b"ccr-r1cs-matrices-v1");
        for n in [self.num_instance, self.num_witness, self.num_constraints, self.coefficients.len()] {
            h.update((n as u64).to_le_bytes());
        }
        for c in &self.coefficients {
            h.update(c.into_bigint().to_bytes_le());
        }
        for m in [&self.a, &self.b, &self.c] {
            h.update((m.entries.len() as u64).to_le_bytes());
            for &offset in &m.row_start {
                h.update(offset.to_le_bytes());
            }
            for &(variable, k) in &m.entries {
                h.update(variable.to_le_bytes());
                h.update(k.to_le_bytes());
            }
        }
        h.finalize().into()
    }

    /// The evaluation domain of the QAP (the smallest one holding every constraint and one row
    /// per public input, as arkworks' `LibsnarkReduction` sizes it).
    pub(crate) fn domain(&self) -> Result<GeneralEvaluationDomain<Fr>, ProverError> {
        GeneralEvaluationDomain::new(self.num_constraints + self.num_instance)
            .ok_or_else(|| SynthesisError::PolynomialDegreeTooLarge.into())
    }

    /// Checks that `pk` was made for a circuit with these counts: every query of the key has the
    /// length these matrices imply, and the key's H query spans their QAP domain (`n − 1`
    /// points for arkworks' QAP, `n` for snarkjs's: see [`crate::prove::Qap`]).
    ///
    /// # Errors
    ///
    /// [`ProverError::KeyShapeMismatch`] naming the first part of the key that differs.
    pub fn check_key(&self, pk: &ProvingKey<Bn254>) -> Result<(), ProverError> {
        let variables = self.num_instance + self.num_witness;
        check_len("gamma_abc_g1", pk.vk.gamma_abc_g1.len(), self.num_instance)?;
        check_len("a_query", pk.a_query.len(), variables)?;
        check_len("b_g1_query", pk.b_g1_query.len(), variables)?;
        check_len("b_g2_query", pk.b_g2_query.len(), variables)?;
        check_len("l_query", pk.l_query.len(), self.num_witness)?;
        let n = self.domain()?.size();
        match pk.h_query.len() {
            len if len == n || len == n - 1 => Ok(()),
            len => check_len("h_query", len, n - 1),
        }
    }

    /// `A·z`, `B·z` and `C·z` for the full assignment `z`, in parallel over constraints.
    pub(crate) fn evaluate(&self, z: &[Fr]) -> Evaluations {
        assert_eq!(z.len(), self.num_instance + self.num_witness, "assignment length");
        let eval = |m: &Csr| -> Vec<Fr> {
            (0..self.num_constraints).into_par_iter().map(|i| self.dot(m.row(i), z)).collect()
        };
        Evaluations { a: eval(&self.a), b: eval(&self.b), c: eval(&self.c) }
    }

    fn dot(&self, row: &[(u32, u32)], z: &[Fr]) -> Fr {
        let mut acc = Fr::zero();
        for &(variable, k) in row {
            let value = &z[variable as usize];
            match k {
                ONE => acc += value,
                MINUS_ONE => acc -= value,
                _ => acc += self.coefficients[k as usize] * value,
            }
        }
        acc
    }

    /// Row `i` of A (`which = 0`), B (`1`) or C (`2`) as `(variable, coefficient)` pairs sorted
    /// by variable, a repeated variable merged and zero coefficients dropped: the linear
    /// combination as circom's `.r1cs` and snarkjs's `.zkey` list it.
    pub(crate) fn linear_combination(&self, which: usize, i: usize) -> Vec<(u32, Fr)> {
        let m = [&self.a, &self.b, &self.c][which];
        let mut terms: Vec<(u32, Fr)> =
            m.row(i).iter().map(|&(variable, k)| (variable, self.coefficients[k as usize])).collect();
        terms.sort_by_key(|&(variable, _)| variable);
        let mut merged: Vec<(u32, Fr)> = Vec::with_capacity(terms.len());
        for (variable, coefficient) in terms {
            match merged.last_mut() {
                Some((last, sum)) if *last == variable => *sum += coefficient,
                _ => merged.push((variable, coefficient)),
            }
        }
        merged.retain(|(_, coefficient)| !coefficient.is_zero());
        merged
    }

    /// The index of the first constraint `(A·z)(B·z) = C·z` does not hold, if any.
    pub(crate) fn first_unsatisfied(e: &Evaluations) -> Option<usize> {
        (0..e.a.len()).into_par_iter().find_first(|&i| e.a[i] * e.b[i] != e.c[i])
    }

    /// Whether `z` (constant one first) satisfies every constraint: a test helper's view of
    /// what the prover checks.
    pub fn is_satisfied(&self, z: &[Fr]) -> bool {
        z.len() == self.num_instance + self.num_witness
            && z.first().is_some_and(|one| one.is_one())
            && Self::first_unsatisfied(&self.evaluate(z)).is_none()
    }
}

/// The name a failing constraint is reported under: arkworks' own (`R1CS - <index>`).
pub(crate) fn constraint_name(index: usize) -> String {
    format!("{R1CS_PREDICATE_LABEL} - {index}")
}

pub(crate) fn check_len(what: &'static str, got: usize, expected: usize) -> Result<(), ProverError> {
    if got == expected {
        Ok(())
    } else {
        Err(ProverError::KeyShapeMismatch { what, got, expected })
    }
}
