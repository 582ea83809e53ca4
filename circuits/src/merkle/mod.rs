//! Fixed-depth binary sparse Merkle tree hashed with Poseidon.
//!
//! Leaves are field elements; an empty leaf is `0`. Level 0 holds the leaves and
//! `node(l+1, i) = Poseidon([node(l, 2i), node(l, 2i+1)])`. Bit `l` of a leaf's index
//! (little-endian) says whether the node on its path at level `l` is a right child.
//! Only non-empty subtrees are stored; an empty subtree of height `l` hashes to the
//! precomputed `empty[l]`.

pub mod constraints;

use std::collections::HashMap;

use ark_bn254::Fr;
use ark_ff::Zero;

use crate::poseidon;

/// Depth of the production account tree: 2²⁴ ≈ 16.7 million accounts.
pub const PRODUCTION_DEPTH: usize = 24;

/// Deepest tree supported (indices are `u64`).
pub const MAX_DEPTH: usize = 63;

/// Errors from the native tree.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MerkleError {
    /// The depth is 0 or above [`MAX_DEPTH`].
    #[error("tree depth must be 1..={max}, got {got}")]
    Depth {
        /// Depth asked for.
        got: usize,
        /// Largest depth supported.
        max: usize,
    },
    /// The index does not fit in the tree.
    #[error("leaf index {index} is outside a tree of depth {depth}")]
    IndexOutOfRange {
        /// Index asked for.
        index: u64,
        /// The tree's depth.
        depth: usize,
    },
}

/// Hashes of empty subtrees: `empty[0] = 0`, `empty[l+1] = H(empty[l], empty[l])`.
pub fn empty_hashes(depth: usize) -> Vec<Fr> {
    let mut out = Vec::with_capacity(depth + 1);
    out.push(Fr::zero());
    for l in 0..depth {
        out.push(poseidon::hash2(out[l], out[l]));
    }
    out
}

/// A membership (or update) proof: the siblings from the leaf's level up to the root's children.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MerkleProof {
    /// Leaf index; its bits select left/right at each level.
    pub index: u64,
    /// `siblings[l]` is the sibling of the path node at level `l`.
    pub siblings: Vec<Fr>,
}

impl MerkleProof {
    /// The root obtained by hashing `leaf` up this path.
    pub fn compute_root(&self, leaf: Fr) -> Fr {
        self.siblings.iter().enumerate().fold(leaf, |node, (l, sibling)| {
            if (self.index >> l) & 1 == 1 {
                poseidon::hash2(*sibling, node)
            } else {
                poseidon::hash2(node, *sibling)
            }
        })
    }

    /// Whether `leaf` sits at this proof's index under `root`.
    pub fn verify(&self, root: Fr, leaf: Fr) -> bool {
        self.compute_root(leaf) == root
    }
}

/// A sparse Merkle tree held in memory.
#[derive(Debug, Clone)]
pub struct SparseMerkleTree {
    depth: usize,
    empty: Vec<Fr>,
    /// Non-empty nodes by (level, index); level `depth` is the root.
    nodes: HashMap<(usize, u64), Fr>,
    /// While recording ([`SparseMerkleTree::record`]): every node written, in order.
    journal: Option<Vec<(usize, u64, Fr)>>,
}

impl SparseMerkleTree {
    /// An empty tree of the given depth.
    pub fn new(depth: usize) -> Result<Self, MerkleError> {
        if depth == 0 || depth > MAX_DEPTH {
            return Err(MerkleError::Depth { got: depth, max: MAX_DEPTH });
        }
        Ok(Self { depth, empty: empty_hashes(depth), nodes: HashMap::new(), journal: None })
    }

    /// The tree holding `leaves` (index, leaf), built level by level: one hash per non-empty
    /// node (about `2n` for `n` leaves at consecutive indices), where `n` updates would cost
    /// `n × depth`. A later leaf at the same index replaces an earlier one.
    pub fn from_leaves(
        depth: usize,
        leaves: impl IntoIterator<Item = (u64, Fr)>,
    ) -> Result<Self, MerkleError> {
        let mut tree = Self::new(depth)?;
        let mut level: Vec<(u64, Fr)> = Vec::new();
        for (index, leaf) in leaves {
            tree.check_index(index)?;
            level.push((index, leaf));
        }
        level.sort_by_key(|(i, _)| *i);
        level.dedup_by(|later, earlier| {
            let same = later.0 == earlier.0;
            if same {
                earlier.1 = later.1;
            }
            same
        });
        for l in 0..depth {
            let mut parents = Vec::with_capacity(level.len() / 2 + 1);
            let mut i = 0;
            while i < level.len() {
                let (index, node) = level[i];
                tree.set_node(l, index, node);
                let sibling = index ^ 1;
                let paired = level.get(i + 1).filter(|(j, _)| *j == sibling).map(|(_, v)| *v);
                if let Some(v) = paired {
                    tree.set_node(l, sibling, v);
                    i += 1;
                }
                let other = paired.unwrap_or(tree.empty[l]);
                let parent =
                    if index & 1 == 0 { poseidon::hash2(node, other) } else { poseidon::hash2(other, node) };
                parents.push((index >> 1, parent));
                i += 1;
            }
            level = parents;
        }
        if let Some((_, root)) = level.first() {
            tree.set_node(depth, 0, *root);
        }
        Ok(tree)
    }

    /// The tree's depth.
    pub fn depth(&self) -> usize {
        self.depth
    }

    /// Number of leaves the tree can hold, `2^depth`.
    pub fn capacity(&self) -> u64 {
        1u64 << self.depth
    }

    /// The current root.
    pub fn root(&self) -> Fr {
        self.node(self.depth, 0)
    }

    fn node(&self, level: usize, index: u64) -> Fr {
        self.nodes.get(&(level, index)).copied().unwrap_or(self.empty[level])
    }

    fn check_index(&self, index: u64) -> Result<(), MerkleError> {
        if index >= self.capacity() {
            return Err(MerkleError::IndexOutOfRange { index, depth: self.depth });
        }
        Ok(())
    }

    /// The leaf at `index` (0 when empty).
    pub fn leaf(&self, index: u64) -> Result<Fr, MerkleError> {
        self.check_index(index)?;
        Ok(self.node(0, index))
    }

    /// The proof of the leaf at `index` against the current root.
    pub fn proof(&self, index: u64) -> Result<MerkleProof, MerkleError> {
        self.check_index(index)?;
        let siblings = (0..self.depth).map(|l| self.node(l, (index >> l) ^ 1)).collect();
        Ok(MerkleProof { index, siblings })
    }

    /// Sets the leaf at `index` and rehashes its path; returns the proof that held before
    /// the update (its siblings are also valid for the new leaf).
    pub fn update(&mut self, index: u64, leaf: Fr) -> Result<MerkleProof, MerkleError> {
        let proof = self.proof(index)?;
        let mut node = leaf;
        for l in 0..self.depth {
            self.set_node(l, index >> l, node);
            let i = index >> l;
            node = if i & 1 == 1 {
                poseidon::hash2(proof.siblings[l], node)
            } else {
                poseidon::hash2(node, proof.siblings[l])
            };
        }
        self.set_node(self.depth, 0, node);
        Ok(proof)
    }

    /// Starts recording every node written, until [`SparseMerkleTree::take_journal`].
    pub fn record(&mut self) {
        self.journal = Some(Vec::new());
    }

    /// Stops recording and returns the nodes written since [`SparseMerkleTree::record`]
    /// (level, index, value), in order.
    pub fn take_journal(&mut self) -> Vec<(usize, u64, Fr)> {
        self.journal.take().unwrap_or_default()
    }

    /// Writes nodes a journal recorded, without hashing: the tree then is the one that wrote
    /// them, if it started from the same root (the caller checks).
    pub fn replay_journal(&mut self, journal: &[(usize, u64, Fr)]) {
        for &(level, index, value) in journal {
            self.set_node(level, index, value);
        }
    }

    fn set_node(&mut self, level: usize, index: u64, value: Fr) {
        if let Some(j) = &mut self.journal {
            j.push((level, index, value));
        }
        if value == self.empty[level] {
            self.nodes.remove(&(level, index));
        } else {
            self.nodes.insert((level, index), value);
        }
    }
}
