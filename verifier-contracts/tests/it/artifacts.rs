//! The committed artifacts are what the pinned solc-js makes of the committed sources (CI also
//! rebuilds them with `node tools/js/build-contracts.js` and diffs).

use ccr_verifier_contracts::artifacts::{GROTH16_VERIFIER_SOURCE, ROLLUP_SOURCE};
use ccr_verifier_contracts::{solc, Artifact};

#[test]
fn committed_artifacts_are_the_compiled_sources() {
    let compiled = solc::compile(
        &solc::js_tools_dir(),
        &[("Groth16Verifier.sol", GROTH16_VERIFIER_SOURCE), ("Rollup.sol", ROLLUP_SOURCE)],
    )
    .unwrap_or_else(|e| panic!("{e}"));
    for committed in [Artifact::groth16_verifier().unwrap(), Artifact::rollup().unwrap()] {
        let fresh = &compiled[&committed.contract_name];
        assert!(
            fresh == &committed,
            "artifacts/{}.json is stale: run `node tools/js/build-contracts.js`",
            committed.contract_name
        );
    }
    assert!(GROTH16_VERIFIER_SOURCE
        .contains(&format!("pragma solidity {};", ccr_verifier_contracts::SOLC_VERSION)));
    assert!(ROLLUP_SOURCE.contains(&format!("pragma solidity {};", ccr_verifier_contracts::SOLC_VERSION)));
}

#[test]
fn poseidon_artifact_is_circomlibjs_code() {
    let p = Artifact::poseidon_t6().unwrap();
    // The creation code copies the runtime that follows its 12-byte header.
    assert_eq!(&p.bytecode[12..], &p.deployed_bytecode[..]);
    assert!(p.deployed_bytecode.len() <= 24_576, "above the EIP-170 code size limit");
}
