//! The test circuit, fresh valid fixtures, and the JS tools.

use std::{
    ffi::OsStr,
    path::{Path, PathBuf},
    process::{Command, Output},
};

use ark_r1cs_std::{fields::fp::FpVar, prelude::*};
use ark_relations::gr1cs::{ConstraintSynthesizer, ConstraintSystemRef, SynthesisError};
use ccr_prover::{dev_setup, prove_with_public_inputs, Bn254, Fr, Keypair, Proof};
use rand_chacha::{rand_core::SeedableRng, ChaCha20Rng};

/// Seed of the development setup used by the tests.
pub const SEED: [u8; 32] = [7; 32];

/// Knowledge of `x != 0` and `y` with `x * y = z` and `(x + y)^2 + x = w`; `z`, `w` public
/// (in that order).
#[derive(Clone, Debug, Default)]
pub struct TestCircuit {
    pub x: Option<Fr>,
    pub y: Option<Fr>,
    pub z: Option<Fr>,
    pub w: Option<Fr>,
}

impl TestCircuit {
    /// A satisfied instance.
    pub fn new(x: u64, y: u64) -> Self {
        let (x, y) = (Fr::from(x), Fr::from(y));
        let s = x + y;
        Self { x: Some(x), y: Some(y), z: Some(x * y), w: Some(s * s + x) }
    }

    /// The public inputs `[z, w]`.
    pub fn public_inputs(&self) -> Vec<Fr> {
        vec![self.z.unwrap(), self.w.unwrap()]
    }
}

impl ConstraintSynthesizer<Fr> for TestCircuit {
    fn generate_constraints(self, cs: ConstraintSystemRef<Fr>) -> Result<(), SynthesisError> {
        let value = |v: Option<Fr>| move || v.ok_or(SynthesisError::AssignmentMissing);
        let z = FpVar::new_input(cs.clone(), value(self.z))?;
        let w = FpVar::new_input(cs.clone(), value(self.w))?;
        let x = FpVar::new_witness(cs.clone(), value(self.x))?;
        let y = FpVar::new_witness(cs, value(self.y))?;
        // x * y = z
        (&x * &y).enforce_equal(&z)?;
        // (x + y)^2 + x = w
        ((&x + &y).square()? + &x).enforce_equal(&w)?;
        // x != 0
        x.enforce_not_equal(&FpVar::zero())?;
        Ok(())
    }
}

/// Another circuit shape (one public input): `x^2 = y`.
#[derive(Clone, Debug, Default)]
pub struct SquareCircuit {
    pub x: Option<Fr>,
}

impl ConstraintSynthesizer<Fr> for SquareCircuit {
    fn generate_constraints(self, cs: ConstraintSystemRef<Fr>) -> Result<(), SynthesisError> {
        let y =
            FpVar::new_input(cs.clone(), || self.x.map(|x| x * x).ok_or(SynthesisError::AssignmentMissing))?;
        let x = FpVar::new_witness(cs, || self.x.ok_or(SynthesisError::AssignmentMissing))?;
        // x * x = y
        x.square()?.enforce_equal(&y)
    }
}

/// The development keys of [`TestCircuit`] under [`SEED`].
pub fn keys() -> Keypair {
    dev_setup(TestCircuit::default(), SEED).unwrap()
}

/// A deterministic RNG for proving (tests only: real proofs use the OS RNG).
pub fn rng(seed: u8) -> ChaCha20Rng {
    ChaCha20Rng::from_seed([seed; 32])
}

/// A fresh valid proof of `TestCircuit::new(3, 5)` and its public inputs.
pub fn fresh_proof(keys: &Keypair) -> (Proof<Bn254>, Vec<Fr>) {
    prove_with_public_inputs(&keys.pk, TestCircuit::new(3, 5), &mut rng(1)).unwrap()
}

/// `tools/js`, where the pinned snarkjs and circomlibjs are installed.
pub fn js_tools_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tools/js")
}

const INSTALL_HINT: &str = "run `npm ci --prefix tools/js` from the repository root \
                            (needs Node.js >= 18); these interop tests do not skip";

/// The snarkjs command-line entry point; fails the test when the JS tools are missing.
pub fn snarkjs_cli() -> PathBuf {
    let cli = js_tools_dir().join("node_modules/snarkjs/cli.js");
    assert!(cli.is_file(), "snarkjs not found at {}: {INSTALL_HINT}", cli.display());
    cli
}

/// Runs `node` with `args` in `tools/js`; fails the test when node cannot be started.
pub fn node<I, S>(args: I) -> Output
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    let dir = js_tools_dir();
    assert!(dir.join("node_modules").is_dir(), "{} has no node_modules: {INSTALL_HINT}", dir.display());
    Command::new("node")
        .args(args)
        .current_dir(&dir)
        .output()
        .unwrap_or_else(|e| panic!("cannot run `node` ({e}): {INSTALL_HINT}"))
}

/// stdout and stderr of a finished process, for assertion messages.
pub fn show(out: &Output) -> String {
    format!(
        "status {:?}\n--- stdout\n{}\n--- stderr\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}
