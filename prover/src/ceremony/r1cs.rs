//! circom's `.r1cs` binary format (version 1), written from a circuit's
//! [`ConstraintMatrices`]: what `snarkjs zkey new` and `snarkjs zkey verify` read.
//!
//! | section | content                                                                  |
//! |---------|--------------------------------------------------------------------------|
//! | 1       | header: `n8 = 32`, the prime, wires, outputs, public inputs, private     |
//! |         | inputs, labels (`u64`), constraints                                      |
//! | 2       | constraints: per constraint the linear combinations A, B, C, each a term |
//! |         | count and `(wire u32, coefficient 32 bytes LE, normal form)` terms        |
//! | 3       | wire → label map, one `u64` per wire                                     |
//!
//! Wires are numbered as arkworks numbers variables: wire 0 is the constant one, wires
//! `1..=n` the public inputs (circom's public inputs; the rollup's circuits have no separate
//! public outputs), then the witness. So a `.zkey` made from this file has its points in the
//! order of our full assignment, and its `nPublic` is our public input count.

use ark_bn254::Fr;

use super::binfile::{field_le, modulus_le, BinWriter};
use crate::matrices::ConstraintMatrices;

/// The `.r1cs` bytes of `matrices`.
pub fn to_r1cs(matrices: &ConstraintMatrices) -> Vec<u8> {
    let wires = matrices.num_instance_variables() + matrices.num_witness_variables();
    let constraints = matrices.num_constraints();
    let mut header = Vec::with_capacity(64);
    header.extend_from_slice(&32u32.to_le_bytes());
    header.extend_from_slice(&modulus_le::<Fr>());
    for n in [wires, 0, matrices.num_instance_variables() - 1, 0] {
        header.extend_from_slice(&(n as u32).to_le_bytes());
    }
    header.extend_from_slice(&(wires as u64).to_le_bytes());
    header.extend_from_slice(&(constraints as u32).to_le_bytes());

    let mut body = Vec::with_capacity(matrices.non_zero() * 36 + constraints * 12);
    for i in 0..constraints {
        for which in 0..3 {
            let lc = matrices.linear_combination(which, i);
            body.extend_from_slice(&(lc.len() as u32).to_le_bytes());
            for (wire, coefficient) in lc {
                body.extend_from_slice(&wire.to_le_bytes());
                body.extend_from_slice(&field_le(&coefficient));
            }
        }
    }

    let mut labels = Vec::with_capacity(wires * 8);
    for wire in 0..wires as u64 {
        labels.extend_from_slice(&wire.to_le_bytes());
    }

    let mut w = BinWriter::new("r1cs", 1, 3);
    w.section(1, &header);
    w.section(2, &body);
    w.section(3, &labels);
    w.finish()
}
