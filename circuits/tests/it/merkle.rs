//! Sparse Merkle tree: native proofs and updates, in-circuit path, soundness, pinned cost.

use ark_bn254::Fr;
use ark_r1cs_std::alloc::AllocVar;
use ark_r1cs_std::boolean::Boolean;
use ark_r1cs_std::eq::EqGadget;
use ark_r1cs_std::fields::fp::FpVar;
use ark_r1cs_std::GR1CSVar;
use ark_std::UniformRand;
use ccr_circuits::merkle::constraints::MerklePathVar;
use ccr_circuits::merkle::{empty_hashes, MerkleError, MerkleProof, SparseMerkleTree};
use ccr_circuits::poseidon;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha20Rng;

use crate::common::{assert_satisfied, assert_snapshot, assert_unsatisfied, new_cs, MODES};

const DEPTH: usize = 8;

fn random_tree(rng: &mut ChaCha20Rng, leaves: usize) -> SparseMerkleTree {
    let mut tree = SparseMerkleTree::new(DEPTH).unwrap();
    for _ in 0..leaves {
        let i = rng.gen_range(0..tree.capacity());
        tree.update(i, Fr::rand(rng)).unwrap();
    }
    tree
}

/// Rebuilds the root from every leaf, the slow obvious way: the oracle for the sparse tree.
fn dense_root(tree: &SparseMerkleTree) -> Fr {
    let mut level: Vec<Fr> = (0..tree.capacity()).map(|i| tree.leaf(i).unwrap()).collect();
    while level.len() > 1 {
        level = level.chunks(2).map(|c| poseidon::hash2(c[0], c[1])).collect();
    }
    level[0]
}

#[test]
fn empty_tree_root_is_the_empty_hash_chain() {
    let tree = SparseMerkleTree::new(DEPTH).unwrap();
    assert_eq!(tree.root(), empty_hashes(DEPTH)[DEPTH]);
    assert_eq!(tree.root(), dense_root(&tree));
}

#[test]
fn sparse_tree_matches_dense_recomputation_and_proofs_verify() {
    let mut rng = ChaCha20Rng::seed_from_u64(10);
    let mut tree = random_tree(&mut rng, 40);
    assert_eq!(tree.root(), dense_root(&tree));
    for i in [0, 1, 77, tree.capacity() - 1] {
        let proof = tree.proof(i).unwrap();
        assert!(proof.verify(tree.root(), tree.leaf(i).unwrap()));
        assert!(!proof.verify(tree.root(), tree.leaf(i).unwrap() + Fr::from(1u64)));
    }
    // Clearing every leaf returns to the empty root and frees the nodes.
    for i in 0..tree.capacity() {
        tree.update(i, Fr::from(0u64)).unwrap();
    }
    assert_eq!(tree.root(), empty_hashes(DEPTH)[DEPTH]);
}

#[test]
fn update_proof_links_old_and_new_roots() {
    let mut rng = ChaCha20Rng::seed_from_u64(11);
    let mut tree = random_tree(&mut rng, 20);
    let old_root = tree.root();
    let old_leaf = tree.leaf(5).unwrap();
    let new_leaf = Fr::rand(&mut rng);
    let proof = tree.update(5, new_leaf).unwrap();
    assert!(proof.verify(old_root, old_leaf));
    assert!(proof.verify(tree.root(), new_leaf));
}

#[test]
fn native_errors_are_specific() {
    assert_eq!(SparseMerkleTree::new(0).unwrap_err(), MerkleError::Depth { got: 0, max: 63 });
    let mut tree = SparseMerkleTree::new(4).unwrap();
    assert_eq!(tree.proof(16).unwrap_err(), MerkleError::IndexOutOfRange { index: 16, depth: 4 });
    assert_eq!(
        tree.update(99, Fr::from(1u64)).unwrap_err(),
        MerkleError::IndexOutOfRange { index: 99, depth: 4 }
    );
}

fn path_var(cs: &ark_relations::gr1cs::ConstraintSystemRef<Fr>, proof: &MerkleProof) -> MerklePathVar {
    let bits = (0..DEPTH)
        .map(|l| Boolean::new_witness(cs.clone(), || Ok((proof.index >> l) & 1 == 1)).unwrap())
        .collect();
    MerklePathVar::new_witness(cs.clone(), bits, Some(proof), DEPTH).unwrap()
}

#[test]
fn gadget_matches_native_in_every_allocation_mode() {
    let mut rng = ChaCha20Rng::seed_from_u64(12);
    let tree = random_tree(&mut rng, 30);
    for index in [0u64, 3, 200, 255] {
        let proof = tree.proof(index).unwrap();
        let leaf = tree.leaf(index).unwrap();
        for mode in MODES {
            let cs = new_cs();
            let bits = (0..DEPTH)
                .map(|l| Boolean::new_variable(cs.clone(), || Ok((index >> l) & 1 == 1), mode).unwrap())
                .collect();
            let siblings = proof
                .siblings
                .iter()
                .map(|s| FpVar::new_variable(cs.clone(), || Ok(*s), mode).unwrap())
                .collect();
            let path = MerklePathVar { index_bits: bits, siblings };
            let leaf_var = FpVar::new_variable(cs.clone(), || Ok(leaf), mode).unwrap();
            assert_eq!(
                path.root(&leaf_var).unwrap().value().unwrap(),
                tree.root(),
                "index {index} mode {mode:?}"
            );
            assert_satisfied(&cs);
        }
    }
}

/// Synthesizes "leaf sits at proof.index under root" and returns the system.
fn membership(proof: &MerkleProof, leaf: Fr, root: Fr) -> ark_relations::gr1cs::ConstraintSystemRef<Fr> {
    let cs = new_cs();
    let path = path_var(&cs, proof);
    let leaf = FpVar::new_witness(cs.clone(), || Ok(leaf)).unwrap();
    let root_var = FpVar::new_input(cs.clone(), || Ok(root)).unwrap();
    path.root(&leaf).unwrap().enforce_equal(&root_var).unwrap();
    cs
}

#[test]
fn soundness_one_change_at_a_time() {
    let mut rng = ChaCha20Rng::seed_from_u64(13);
    let mut tree = random_tree(&mut rng, 30);
    let index = 0b1011_0110;
    // A non-empty leaf: with an empty leaf and an empty sibling, a flipped bit would
    // describe another true statement (empty leaf at the neighbouring index).
    tree.update(index, Fr::rand(&mut rng)).unwrap();
    let fresh = || (tree.proof(index).unwrap(), tree.leaf(index).unwrap(), tree.root());

    let (proof, leaf, root) = fresh();
    assert_satisfied(&membership(&proof, leaf, root));

    for level in 0..DEPTH {
        // A wrong sibling at each level.
        let (mut proof, leaf, root) = fresh();
        proof.siblings[level] += Fr::from(1u64);
        assert_unsatisfied(&membership(&proof, leaf, root));
        // A flipped index bit (the leaf claimed at another position).
        let (mut proof, leaf, root) = fresh();
        proof.index ^= 1 << level;
        assert_unsatisfied(&membership(&proof, leaf, root));
    }
    // A wrong leaf; a wrong root.
    let (proof, leaf, root) = fresh();
    assert_unsatisfied(&membership(&proof, leaf + Fr::from(1u64), root));
    let (proof, leaf, root) = fresh();
    assert_unsatisfied(&membership(&proof, leaf, root + Fr::from(1u64)));
}

#[test]
fn constraint_count_per_level_is_pinned() {
    let tree = SparseMerkleTree::new(DEPTH).unwrap();
    let cs = membership(&tree.proof(0).unwrap(), Fr::from(0u64), tree.root());
    // DEPTH booleanity checks + DEPTH × (1 selection + 240 Poseidon) + 1 equality.
    assert_eq!(cs.num_constraints(), DEPTH * 242 + 1);
    assert_snapshot("merkle_path_depth8_constraints", cs.num_constraints());
}

/// A tree built level by level from its leaves equals the one built by updates, node for
/// node (roots and every proof), for sparse, dense, repeated and empty leaf sets.
#[test]
fn from_leaves_equals_updates() {
    let mut rng = ChaCha20Rng::seed_from_u64(77);
    for count in [0usize, 1, 2, 3, 17, 100, 256, 300] {
        let mut updated = SparseMerkleTree::new(DEPTH).unwrap();
        let mut leaves = Vec::new();
        for k in 0..count {
            // Half consecutive from 0 (how accounts are numbered), half anywhere; some repeat.
            let i = if k % 2 == 0 { (k / 2) as u64 } else { rng.gen_range(0..updated.capacity()) };
            let leaf = if k % 7 == 3 { Fr::from(0u64) } else { Fr::rand(&mut rng) };
            updated.update(i, leaf).unwrap();
            leaves.push((i, leaf));
        }
        let built = SparseMerkleTree::from_leaves(DEPTH, leaves).unwrap();
        assert_eq!(built.root(), updated.root(), "{count} leaves");
        assert_eq!(built.root(), dense_root(&updated));
        for i in 0..updated.capacity() {
            assert_eq!(built.proof(i).unwrap(), updated.proof(i).unwrap(), "{count} leaves, proof {i}");
        }
    }
    assert!(matches!(
        SparseMerkleTree::from_leaves(DEPTH, [(1u64 << DEPTH, Fr::from(1u64))]),
        Err(MerkleError::IndexOutOfRange { .. })
    ));
}
