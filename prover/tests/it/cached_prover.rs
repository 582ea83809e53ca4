//! The cached-matrix prover (issue 13): matrices synthesized once from the circuit's shape,
//! witness-only proving, the satisfaction check over the cached matrices, and matrices refused
//! when they are not the key's.

use ark_groth16::Groth16;
use ark_r1cs_std::{fields::fp::FpVar, prelude::*};
use ark_relations::gr1cs::{ConstraintSynthesizer, ConstraintSystem, ConstraintSystemRef, SynthesisError};
use ark_snark::SNARK;
use ccr_prover::{dev_setup, prove, verify, Bn254, ConstraintMatrices, Fr, Prover, ProverError};

use crate::common::{keys, rng, SquareCircuit, TestCircuit, SEED};

/// `x * y = z` and `(x + y)^2 + k·x = w` (`z`, `w` public): for every `k` the same shape as
/// [`TestCircuit`] without its `x != 0`, and for each `k` another circuit.
#[derive(Clone)]
struct Affine {
    k: u64,
    x: Option<Fr>,
    y: Option<Fr>,
}

impl Affine {
    fn new(k: u64, x: u64, y: u64) -> Self {
        Self { k, x: Some(Fr::from(x)), y: Some(Fr::from(y)) }
    }

    fn public_inputs(&self) -> Vec<Fr> {
        let (x, y) = (self.x.unwrap(), self.y.unwrap());
        vec![x * y, (x + y) * (x + y) + Fr::from(self.k) * x]
    }
}

impl ConstraintSynthesizer<Fr> for Affine {
    fn generate_constraints(self, cs: ConstraintSystemRef<Fr>) -> Result<(), SynthesisError> {
        let (x, y, k) = (self.x, self.y, Fr::from(self.k));
        let missing = || SynthesisError::AssignmentMissing;
        let z = FpVar::new_input(cs.clone(), || Ok(x.ok_or_else(missing)? * y.ok_or_else(missing)?))?;
        let w = FpVar::new_input(cs.clone(), || {
            let (x, y) = (x.ok_or_else(missing)?, y.ok_or_else(missing)?);
            Ok((x + y) * (x + y) + k * x)
        })?;
        let x = FpVar::new_witness(cs.clone(), || x.ok_or_else(missing))?;
        let y = FpVar::new_witness(cs, || y.ok_or_else(missing))?;
        (&x * &y).enforce_equal(&z)?;
        ((&x + &y).square()? + &x * k).enforce_equal(&w)
    }
}

/// The full assignment (constant one first) arkworks computes for `circuit`.
fn assignment<C: ConstraintSynthesizer<Fr>>(circuit: C) -> Vec<Fr> {
    let cs = ConstraintSystem::<Fr>::new_ref();
    circuit.generate_constraints(cs.clone()).unwrap();
    let cs = cs.borrow().unwrap();
    [cs.assignments.instance_assignment.clone(), cs.assignments.witness_assignment.clone()].concat()
}

#[test]
fn cached_one_shot_and_stock_proofs_all_verify() {
    let keys = keys();
    let circuit = TestCircuit::new(3, 5);
    let public = circuit.public_inputs();

    let prover = Prover::new(keys.pk.clone(), TestCircuit::default()).unwrap();
    let (cached, inputs, timings) = prover.prove_timed(circuit.clone(), &mut rng(1)).unwrap();
    assert_eq!(inputs, public);
    assert!(verify(&keys.vk, &public, &cached).unwrap());
    assert!(timings.total() >= timings.msm);

    let one_shot = prove(&keys.pk, circuit.clone(), &mut rng(2)).unwrap();
    assert!(verify(&keys.vk, &public, &one_shot).unwrap());
    let stock = Groth16::<Bn254>::prove(&keys.pk, circuit.clone(), &mut rng(3)).unwrap();
    assert!(verify(&keys.vk, &public, &stock).unwrap());

    // With the same blinding, the cached path computes arkworks' proof exactly.
    let same_rng = prove(&keys.pk, circuit.clone(), &mut rng(4)).unwrap();
    assert_eq!(prover.prove(circuit.clone(), &mut rng(4)).unwrap(), same_rng);
    let mut r = rng(4);
    let (r_, s_) = (<Fr as ark_std::UniformRand>::rand(&mut r), <Fr as ark_std::UniformRand>::rand(&mut r));
    assert_eq!(Groth16::<Bn254>::create_proof_with_reduction(circuit, &keys.pk, r_, s_).unwrap(), same_rng);

    // The prover is reused: a second statement of the same circuit.
    let other = TestCircuit::new(7, 11);
    let proof = prover.prove(other.clone(), &mut rng(5)).unwrap();
    assert!(verify(&keys.vk, &other.public_inputs(), &proof).unwrap());
}

#[test]
fn matrices_depend_on_the_shape_alone() {
    let blank = ConstraintMatrices::synthesize(TestCircuit::default()).unwrap();
    let filled = ConstraintMatrices::synthesize(TestCircuit::new(3, 5)).unwrap();
    assert_eq!(blank.digest(), filled.digest());
    assert_eq!(blank, filled);
    assert_eq!((blank.num_instance_variables(), blank.num_constraints()), (3, 5));
    assert!(blank.is_satisfied(&assignment(TestCircuit::new(3, 5))));

    // Same counts, another coefficient: another digest.
    let (one, two) = (
        ConstraintMatrices::synthesize(Affine::new(1, 0, 0)).unwrap(),
        ConstraintMatrices::synthesize(Affine::new(2, 0, 0)).unwrap(),
    );
    assert_eq!(
        (one.num_instance_variables(), one.num_witness_variables(), one.num_constraints()),
        (two.num_instance_variables(), two.num_witness_variables(), two.num_constraints())
    );
    assert_ne!(one.digest(), two.digest());
}

/// A witness that fails the circuit is refused over the cached matrices, naming the constraint
/// arkworks' own check names.
#[test]
fn unsatisfied_witness_is_refused_naming_the_constraint_arkworks_names() {
    let keys = keys();
    let prover = Prover::new(keys.pk.clone(), TestCircuit::default()).unwrap();
    let tampered = [
        TestCircuit { z: Some(Fr::from(16u64)), ..TestCircuit::new(3, 5) },
        TestCircuit { w: Some(Fr::from(1u64)), ..TestCircuit::new(3, 5) },
        TestCircuit::new(0, 5),
    ];
    for circuit in tampered {
        let cs = ConstraintSystem::<Fr>::new_ref();
        cs.set_optimization_goal(ark_relations::gr1cs::OptimizationGoal::Constraints);
        circuit.clone().generate_constraints(cs.clone()).unwrap();
        cs.finalize();
        let expected = cs.which_is_unsatisfied().unwrap().expect("the tampered witness fails");
        for err in [
            prover.prove(circuit.clone(), &mut rng(6)).unwrap_err(),
            prove(&keys.pk, circuit.clone(), &mut rng(6)).unwrap_err(),
        ] {
            match err {
                ProverError::Unsatisfied { constraint } => assert_eq!(constraint, expected),
                other => panic!("expected an unsatisfied constraint, got {other:?}"),
            }
        }
    }
}

#[test]
fn matrices_of_another_key_are_refused() {
    // Another shape: refused by the counts when the prover is built.
    let square = dev_setup(SquareCircuit::default(), SEED).unwrap();
    let err = Prover::new(square.pk, TestCircuit::default()).unwrap_err();
    assert!(
        matches!(err, ProverError::KeyShapeMismatch { what: "gamma_abc_g1", got: 2, expected: 3 }),
        "{err:?}"
    );

    // The same shape, another circuit: the counts agree, the satisfied witness is proven over
    // the wrong matrices, and the proof's check against the key refuses it.
    let keys = dev_setup(Affine::new(1, 0, 0), SEED).unwrap();
    let wrong = ConstraintMatrices::synthesize(Affine::new(2, 0, 0)).unwrap();
    let prover = Prover::from_matrices(keys.pk.clone(), wrong).unwrap();
    let err = prover.prove(Affine::new(2, 3, 5), &mut rng(7)).unwrap_err();
    assert!(matches!(err, ProverError::NotTheKeysCircuit), "{err:?}");

    // Its own matrices prove.
    let right = Prover::new(keys.pk, Affine::new(1, 0, 0)).unwrap();
    let proof = right.prove(Affine::new(1, 3, 5), &mut rng(8)).unwrap();
    assert!(verify(&keys.vk, &Affine::new(1, 3, 5).public_inputs(), &proof).unwrap());
}
