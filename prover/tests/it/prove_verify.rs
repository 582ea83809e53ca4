//! Setup, prove, verify, and the ways a proof must fail.

use ccr_prover::{dev_setup, proof_from_bytes, proof_to_bytes, prove, verify, Fr, ProverError, PROOF_BYTES};

use crate::common::{fresh_proof, keys, rng, SquareCircuit, TestCircuit, SEED};

#[test]
fn valid_proof_verifies() {
    let keys = keys();
    assert!(keys.insecure_dev_setup);
    let (proof, public) = fresh_proof(&keys);
    assert_eq!(public, TestCircuit::new(3, 5).public_inputs());
    assert!(verify(&keys.vk, &public, &proof).unwrap());
}

#[test]
fn each_tampered_public_input_is_rejected() {
    let keys = keys();
    for i in 0..2 {
        let (proof, mut public) = fresh_proof(&keys);
        public[i] += Fr::from(1u64);
        assert!(!verify(&keys.vk, &public, &proof).unwrap(), "input {i}");
    }
}

#[test]
fn swapped_public_inputs_are_rejected() {
    let keys = keys();
    let (proof, mut public) = fresh_proof(&keys);
    public.swap(0, 1);
    assert!(!verify(&keys.vk, &public, &proof).unwrap());
}

#[test]
fn wrong_number_of_public_inputs_is_an_error_not_a_zero_padding() {
    let keys = keys();
    let (proof, public) = fresh_proof(&keys);
    let err = verify(&keys.vk, &public[..1], &proof).unwrap_err();
    assert!(matches!(err, ProverError::PublicInputCount { got: 1, expected: 2 }), "{err:?}");
    let three = [public[0], public[1], Fr::from(0u64)];
    let err = verify(&keys.vk, &three, &proof).unwrap_err();
    assert!(matches!(err, ProverError::PublicInputCount { got: 3, expected: 2 }), "{err:?}");
}

#[test]
fn proof_bytes_round_trip() {
    let keys = keys();
    let (proof, public) = fresh_proof(&keys);
    let bytes = proof_to_bytes(&proof).unwrap();
    assert_eq!(bytes.len(), PROOF_BYTES);
    let back = proof_from_bytes(&bytes).unwrap();
    assert_eq!(back, proof);
    assert!(verify(&keys.vk, &public, &back).unwrap());
}

/// Every single-bit flip of the proof bytes is caught, by deserialization (not a point of the
/// curve / subgroup, bad flags) or by the pairing check.
#[test]
fn every_bit_flip_of_the_proof_bytes_is_rejected() {
    let keys = keys();
    let (proof, public) = fresh_proof(&keys);
    let bytes = proof_to_bytes(&proof).unwrap();
    let (mut malformed, mut invalid) = (0, 0);
    for byte in 0..bytes.len() {
        for bit in 0..8 {
            let mut tampered = bytes.clone();
            tampered[byte] ^= 1 << bit;
            match proof_from_bytes(&tampered) {
                Err(ProverError::ProofBytes(_)) => malformed += 1,
                Err(e) => panic!("byte {byte} bit {bit}: unexpected error {e:?}"),
                Ok(p) => {
                    assert!(!verify(&keys.vk, &public, &p).unwrap(), "byte {byte} bit {bit}");
                    invalid += 1;
                }
            }
        }
    }
    assert_eq!(malformed + invalid, 8 * PROOF_BYTES);
    assert!(malformed > 0 && invalid > 0, "{malformed} malformed, {invalid} invalid");
}

#[test]
fn proof_bytes_of_the_wrong_length_are_malformed() {
    let keys = keys();
    let (proof, _) = fresh_proof(&keys);
    let mut bytes = proof_to_bytes(&proof).unwrap();
    bytes.push(0);
    assert!(matches!(proof_from_bytes(&bytes), Err(ProverError::ProofBytes(_))));
    assert!(matches!(proof_from_bytes(&bytes[..PROOF_BYTES - 1]), Err(ProverError::ProofBytes(_))));
}

#[test]
fn unsatisfied_witness_is_an_error_naming_the_constraint() {
    let keys = keys();
    let mut circuit = TestCircuit::new(3, 5);
    circuit.z = Some(Fr::from(16u64));
    let err = prove(&keys.pk, circuit, &mut rng(2)).unwrap_err();
    assert!(matches!(err, ProverError::Unsatisfied { .. }), "{err:?}");

    // x = 0 satisfies the two equations but not `x != 0`.
    let err = prove(&keys.pk, TestCircuit::new(0, 5), &mut rng(2)).unwrap_err();
    assert!(matches!(err, ProverError::Unsatisfied { .. }), "{err:?}");
}

#[test]
fn missing_witness_is_a_synthesis_error() {
    let keys = keys();
    let err = prove(&keys.pk, TestCircuit::default(), &mut rng(2)).unwrap_err();
    assert!(matches!(err, ProverError::Synthesis(_)), "{err:?}");
}

#[test]
fn key_of_another_circuit_is_refused_by_the_prover() {
    let square = dev_setup(SquareCircuit::default(), SEED).unwrap();
    let err = prove(&square.pk, TestCircuit::new(3, 5), &mut rng(3)).unwrap_err();
    assert!(
        matches!(err, ProverError::KeyShapeMismatch { what: "gamma_abc_g1", got: 2, expected: 3 }),
        "{err:?}"
    );
}

#[test]
fn proof_under_another_setup_does_not_verify() {
    let keys = keys();
    let other = dev_setup(TestCircuit::default(), [8; 32]).unwrap();
    let (proof, public) = fresh_proof(&other);
    assert!(!verify(&keys.vk, &public, &proof).unwrap());
}

#[test]
fn proofs_are_randomized() {
    let keys = keys();
    let a = prove(&keys.pk, TestCircuit::new(3, 5), &mut rng(4)).unwrap();
    let b = prove(&keys.pk, TestCircuit::new(3, 5), &mut rng(5)).unwrap();
    assert_ne!(a, b);
}
