//! Range checks and bounded comparisons: native vs gadget, soundness, pinned cost.

use ark_bn254::Fr;
use ark_r1cs_std::alloc::AllocVar;
use ark_r1cs_std::fields::fp::FpVar;
use ark_r1cs_std::GR1CSVar;
use ccr_circuits::range::{enforce_bits, enforce_le, is_le, AMOUNT_BITS};
use proptest::prelude::*;

use crate::common::{assert_satisfied, assert_snapshot, assert_unsatisfied, new_cs, MODES};

fn fp(cs: &ark_relations::gr1cs::ConstraintSystemRef<Fr>, x: Fr) -> FpVar<Fr> {
    FpVar::new_witness(cs.clone(), || Ok(x)).unwrap()
}

#[test]
fn range_check_accepts_exactly_values_below_the_bound() {
    let max = Fr::from(u64::MAX);
    for (x, ok) in
        [(Fr::from(0u64), true), (max, true), (max + Fr::from(1u64), false), (-Fr::from(1u64), false)]
    {
        let cs = new_cs();
        enforce_bits(&fp(&cs, x), AMOUNT_BITS).unwrap();
        assert_eq!(cs.is_satisfied().unwrap(), ok, "{x}");
    }
}

#[test]
fn range_check_bits_match_native_in_every_mode() {
    let x = 0xdead_beef_0bad_f00du64;
    for mode in MODES {
        let cs = new_cs();
        let v = FpVar::new_variable(cs.clone(), || Ok(Fr::from(x)), mode).unwrap();
        let bits = enforce_bits(&v, AMOUNT_BITS).unwrap();
        let native: Vec<bool> = (0..64).map(|i| (x >> i) & 1 == 1).collect();
        assert_eq!(bits.iter().map(|b| b.value().unwrap()).collect::<Vec<_>>(), native);
        assert_satisfied(&cs);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]
    #[test]
    fn comparisons_match_native(a: u64, b: u64) {
        let cs = new_cs();
        let (av, bv) = (fp(&cs, Fr::from(a)), fp(&cs, Fr::from(b)));
        let bit = is_le(&av, &bv, AMOUNT_BITS).unwrap();
        prop_assert_eq!(bit.value().unwrap(), a <= b);
        prop_assert!(cs.is_satisfied().unwrap());

        let cs = new_cs();
        enforce_le(&fp(&cs, Fr::from(a)), &fp(&cs, Fr::from(b)), AMOUNT_BITS).unwrap();
        prop_assert_eq!(cs.is_satisfied().unwrap(), a <= b);
    }
}

#[test]
fn overspend_is_unsatisfied() {
    // balance 100, amount 101: new balance = 100 − 101 wraps and fails the 64-bit check.
    let cs = new_cs();
    enforce_le(&fp(&cs, Fr::from(101u64)), &fp(&cs, Fr::from(100u64)), AMOUNT_BITS).unwrap();
    assert_unsatisfied(&cs);
}

#[test]
fn costs_are_a_range_check_not_a_field_comparison() {
    let cs = new_cs();
    enforce_bits(&fp(&cs, Fr::from(7u64)), AMOUNT_BITS).unwrap();
    assert_eq!(cs.num_constraints(), 65);
    let cs = new_cs();
    let _ = is_le(&fp(&cs, Fr::from(1u64)), &fp(&cs, Fr::from(2u64)), AMOUNT_BITS).unwrap();
    assert_eq!(cs.num_constraints(), 66);
    assert_snapshot("range_check_64_constraints", 65);
}
