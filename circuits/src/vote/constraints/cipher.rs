//! Poseidon decryption of a vote message in circuit, with its checks as a bit: the ciphertext
//! is bound to the decrypted values, and an unreadable message yields `false`, not an
//! unsatisfiable system.

use ark_ff::Field;
use ark_r1cs_std::boolean::Boolean;
use ark_r1cs_std::eq::EqGadget;
use ark_r1cs_std::fields::fp::FpVar;
use ark_r1cs_std::fields::FieldVar;
use ark_relations::gr1cs::SynthesisError;

use crate::babyjubjub::constraints::PointVar;
use crate::poseidon::constraints::permute;
use crate::vote::command::PLAINTEXT_LEN;
use crate::vote::message::{MESSAGE_LEN, MESSAGE_NONCE};
use crate::vote::witness::DECRYPTED_LEN;
use crate::Fr;

/// Relation: with the sponge state `(0, k.x, k.y, nonce + 7·2¹²⁸)`, for each block `b` of
/// three: permute, `decrypted[3b+i] = c[3b+i] − state[1+i]`, `state[1+i] = c[3b+i]`; then
/// `ok = (decrypted[7] = 0) ∧ (decrypted[8] = 0) ∧ (permute(state)[1] = c[9])`, as
/// [`crate::vote::cipher::poseidon_decrypt`] accepts.
///
/// `decrypted` are witnesses the caller allocated; they are enforced equal to the difference
/// (9 constraints). Cost: 4 permutations of width 4 (1,056), 9, and 6 for the bit.
pub fn decrypt_bit(
    ciphertext: &[FpVar<Fr>; MESSAGE_LEN],
    key: &PointVar,
    decrypted: &[FpVar<Fr>; DECRYPTED_LEN],
) -> Result<Boolean<Fr>, SynthesisError> {
    let two_128 = Fr::from(u128::MAX) + Fr::ONE;
    let domain = Fr::from(MESSAGE_NONCE) + Fr::from(PLAINTEXT_LEN as u64) * two_128;
    let mut state = vec![FpVar::zero(), key.x.clone(), key.y.clone(), FpVar::constant(domain)];
    for b in 0..DECRYPTED_LEN / 3 {
        state = permute(&state)?;
        for i in 0..3 {
            let c = &ciphertext[3 * b + i];
            // decrypted = c − key stream
            decrypted[3 * b + i].enforce_equal(&(c - &state[1 + i]))?;
            state[1 + i] = c.clone();
        }
    }
    let padding_zero = Boolean::kary_and(&[
        decrypted[PLAINTEXT_LEN].is_eq(&FpVar::zero())?,
        decrypted[PLAINTEXT_LEN + 1].is_eq(&FpVar::zero())?,
    ])?;
    state = permute(&state)?;
    let tag_ok = state[1].is_eq(&ciphertext[MESSAGE_LEN - 1])?;
    Ok(&padding_zero & &tag_ok)
}
