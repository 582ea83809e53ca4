//! Helpers shared by the tests: field parsing, allocation modes, snapshots.

use std::path::PathBuf;
use std::str::FromStr;

use ark_bn254::Fr;
use ark_r1cs_std::alloc::AllocationMode;
use ark_relations::gr1cs::{ConstraintSystem, ConstraintSystemRef};

/// Every way a gadget input can be allocated; native/gadget tests run over all of them.
pub const MODES: [AllocationMode; 3] =
    [AllocationMode::Constant, AllocationMode::Input, AllocationMode::Witness];

/// A decimal string as a field element.
pub fn fr(s: &str) -> Fr {
    Fr::from_str(s).unwrap_or_else(|_| panic!("not a field element: {s}"))
}

/// A fresh constraint system in proving mode.
pub fn new_cs() -> ConstraintSystemRef<Fr> {
    ConstraintSystem::<Fr>::new_ref()
}

/// Reads a JSON fixture from `tests/fixtures/`.
pub fn fixture(name: &str) -> serde_json::Value {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap()
}

/// Compares `value` with the pinned snapshot `tests/snapshots/<name>.txt`; with
/// `UPDATE_SNAPSHOTS=1` it writes the snapshot instead. CI runs without it, so a change of
/// constraint count or key hash must be committed on purpose.
pub fn assert_snapshot(name: &str, value: impl std::fmt::Display) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/snapshots").join(format!("{name}.txt"));
    let value = format!("{value}\n");
    if std::env::var_os("UPDATE_SNAPSHOTS").is_some() {
        std::fs::write(&path, &value).unwrap();
        return;
    }
    let pinned = std::fs::read_to_string(&path).unwrap_or_else(|_| {
        panic!("no snapshot {}: run with UPDATE_SNAPSHOTS=1 to create it", path.display())
    });
    assert_eq!(pinned, value, "snapshot {name} changed; rerun with UPDATE_SNAPSHOTS=1 if intended");
}

/// Asserts the system is satisfied, naming the first failing constraint otherwise.
pub fn assert_satisfied(cs: &ConstraintSystemRef<Fr>) {
    if !cs.is_satisfied().unwrap() {
        panic!("unsatisfied: {:?}", cs.which_is_unsatisfied().unwrap());
    }
}

/// Asserts the system is NOT satisfied (a soundness test's verdict).
pub fn assert_unsatisfied(cs: &ConstraintSystemRef<Fr>) {
    assert!(!cs.is_satisfied().unwrap(), "a tampered witness satisfied the constraint system");
}
