//! The committed artifacts are what the pinned solc-js makes of the committed sources (CI also
//! rebuilds them with `node tools/js/build-contracts.js` and diffs).

use ccr_verifier_contracts::artifacts::{GROTH16_VERIFIER_SOURCE, ROLLUP_SOURCE, TEST_TOKEN_SOURCE};
use ccr_verifier_contracts::batch_verify::{BATCH_VERIFIER_SOURCE, VK_STORE_SOURCE};
use ccr_verifier_contracts::fund::{solidarity_fund_artifact, SOLIDARITY_FUND_SOURCE};
use ccr_verifier_contracts::{solc, Artifact};

#[test]
fn committed_artifacts_are_the_compiled_sources() {
    let compiled = solc::compile(
        &solc::js_tools_dir(),
        &[
            ("Groth16Verifier.sol", GROTH16_VERIFIER_SOURCE),
            ("Rollup.sol", ROLLUP_SOURCE),
            ("SolidarityFund.sol", SOLIDARITY_FUND_SOURCE),
            ("TestToken.sol", TEST_TOKEN_SOURCE),
            // Rollup.sol's imports.
            ("BatchVerifier.sol", BATCH_VERIFIER_SOURCE),
            ("VkStore.sol", VK_STORE_SOURCE),
        ],
    )
    .unwrap_or_else(|e| panic!("{e}"));
    for committed in [
        Artifact::groth16_verifier().unwrap(),
        Artifact::rollup().unwrap(),
        Artifact::test_token().unwrap(),
        solidarity_fund_artifact().unwrap(),
    ] {
        let fresh = &compiled[&committed.contract_name];
        assert!(
            fresh == &committed,
            "artifacts/{}.json is stale: run `node tools/js/build-contracts.js`",
            committed.contract_name
        );
    }
    assert!(GROTH16_VERIFIER_SOURCE
        .contains(&format!("pragma solidity {};", ccr_verifier_contracts::SOLC_VERSION)));
    for source in [ROLLUP_SOURCE, TEST_TOKEN_SOURCE, SOLIDARITY_FUND_SOURCE] {
        assert!(source.contains(&format!("pragma solidity {};", ccr_verifier_contracts::SOLC_VERSION)));
    }
}

#[test]
fn poseidon_artifacts_are_circomlibjs_code() {
    for p in [Artifact::poseidon_t6().unwrap(), Artifact::poseidon_t3().unwrap()] {
        // The creation code copies the runtime that follows its 12-byte header.
        assert_eq!(&p.bytecode[12..], &p.deployed_bytecode[..], "{}", p.contract_name);
        assert!(
            p.deployed_bytecode.len() <= 24_576,
            "{} is above the EIP-170 code size limit",
            p.contract_name
        );
    }
    let rollup = Artifact::rollup().unwrap();
    assert!(rollup.deployed_bytecode.len() <= 24_576, "Rollup is above the EIP-170 code size limit");
}

/// The interfaces declared in `bindings.rs` have the selectors of the artifacts' ABIs.
#[test]
fn interface_selectors_match_the_artifacts() {
    use alloy_sol_types::SolCall;
    use ccr_verifier_contracts::bindings::{IPoseidon2, IPoseidon5};
    let selectors = |a: &Artifact| -> Vec<String> {
        a.abi
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["type"] == "function")
            .map(|f| {
                let inputs: Vec<String> = f["inputs"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|i| i["type"].as_str().unwrap().to_owned())
                    .collect();
                format!("{}({})", f["name"].as_str().unwrap(), inputs.join(","))
            })
            .collect()
    };
    assert!(selectors(&Artifact::poseidon_t6().unwrap())
        .contains(&IPoseidon5::poseidonCall::SIGNATURE.to_owned()));
    assert!(selectors(&Artifact::poseidon_t3().unwrap())
        .contains(&IPoseidon2::poseidonCall::SIGNATURE.to_owned()));
}
