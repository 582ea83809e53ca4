//! In-circuit Merkle path: membership and root update share one path.

use ark_bn254::Fr;
use ark_r1cs_std::alloc::AllocVar;
use ark_r1cs_std::boolean::Boolean;
use ark_r1cs_std::fields::fp::FpVar;
use ark_relations::gr1cs::{ConstraintSystemRef, SynthesisError};

use super::MerkleProof;
use crate::poseidon::constraints::hash2;

/// A Merkle path in the circuit: the leaf index's bits (little-endian, level 0 first)
/// and the siblings. The bits are supplied by the caller, so that they can be the same
/// bits the transaction data commits to.
#[derive(Clone, Debug)]
pub struct MerklePathVar {
    /// Bit `l` set when the path node at level `l` is a right child.
    pub index_bits: Vec<Boolean<Fr>>,
    /// `siblings[l]` is the sibling at level `l`.
    pub siblings: Vec<FpVar<Fr>>,
}

impl MerklePathVar {
    /// Allocates the siblings of `proof` as witnesses, with the given index bits.
    ///
    /// # Panics
    /// When `index_bits` and the proof's siblings differ in length (a wiring error).
    pub fn new_witness(
        cs: ConstraintSystemRef<Fr>,
        index_bits: Vec<Boolean<Fr>>,
        proof: Option<&MerkleProof>,
        depth: usize,
    ) -> Result<Self, SynthesisError> {
        assert_eq!(index_bits.len(), depth, "index bits must match the tree depth");
        let siblings = (0..depth)
            .map(|l| {
                FpVar::new_witness(cs.clone(), || {
                    proof.and_then(|p| p.siblings.get(l).copied()).ok_or(SynthesisError::AssignmentMissing)
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Self { index_bits, siblings })
    }

    /// The root reached by hashing `leaf` up this path.
    ///
    /// Relation: `root = H(…H(H(leaf, s₀) or H(s₀, leaf)…)` choosing order by the index bits.
    /// Cost: 241 constraints per level (one selection, one `Poseidon(2)`), assuming the
    /// index bits are already constrained boolean by whoever allocated them.
    pub fn root(&self, leaf: &FpVar<Fr>) -> Result<FpVar<Fr>, SynthesisError> {
        let mut node = leaf.clone();
        for (bit, sibling) in self.index_bits.iter().zip(&self.siblings) {
            // d = bit · (sibling − node); left = node + d, right = sibling − d.
            // bit = 0: (node, sibling); bit = 1: (sibling, node).
            let d = FpVar::from(bit.clone()) * (sibling - &node);
            let left = &node + &d;
            let right = sibling - &d;
            node = hash2(&left, &right)?;
        }
        Ok(node)
    }
}
