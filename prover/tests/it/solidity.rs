//! EVM calldata: the same text snarkjs prints, the same bytes ethers encodes.

use ccr_prover::export::{
    snarkjs::SnarkjsVerifyingKey, solidity::SolidityCalldata, write_snarkjs_files, PROOF_JSON, PUBLIC_JSON,
};
use serde_json::Value;

use crate::common::{fresh_proof, keys, node, show, snarkjs_cli};

#[test]
fn calldata_text_is_what_snarkjs_prints() {
    let keys = keys();
    let (proof, public) = fresh_proof(&keys);
    let dir = tempfile::tempdir().unwrap();
    write_snarkjs_files(dir.path(), &SnarkjsVerifyingKey::from_vk(&keys.vk), &proof, &public).unwrap();
    let out = node([
        snarkjs_cli().as_os_str(),
        "zkey".as_ref(),
        "export".as_ref(),
        "soliditycalldata".as_ref(),
        dir.path().join(PUBLIC_JSON).as_os_str(),
        dir.path().join(PROOF_JSON).as_os_str(),
    ]);
    assert!(out.status.success(), "{}", show(&out));
    let ours = SolidityCalldata::new(&proof, &public).to_snarkjs_string();
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim_end(), ours);
}

#[test]
fn g2_words_are_imaginary_part_first() {
    let keys = keys();
    let (proof, public) = fresh_proof(&keys);
    let calldata = SolidityCalldata::new(&proof, &public);
    let json = ccr_prover::export::snarkjs::SnarkjsProof::from_proof(&proof);
    let dec = |w: &[u8; 32]| num_bigint::BigUint::from_bytes_be(w).to_string();
    assert_eq!(dec(&calldata.b[0][0]), json.pi_b[0][1]);
    assert_eq!(dec(&calldata.b[0][1]), json.pi_b[0][0]);
    assert_eq!(dec(&calldata.b[1][0]), json.pi_b[1][1]);
    assert_eq!(dec(&calldata.b[1][1]), json.pi_b[1][0]);
    assert_eq!(dec(&calldata.a[0]), json.pi_a[0]);
    assert_eq!(dec(&calldata.c[1]), json.pi_c[1]);
    assert_eq!(calldata.input.iter().map(dec).collect::<Vec<_>>(), ["15", "67"]);
}

/// The ABI encoding and the call (with the selector of our signature) equal ethers v5's.
#[test]
fn abi_encoding_matches_ethers() {
    let keys = keys();
    let (proof, public) = fresh_proof(&keys);
    let calldata = SolidityCalldata::new(&proof, &public);
    let hex_words = calldata.hex_words();
    assert_eq!(hex_words.len(), 10);
    assert!(hex_words.iter().all(|w| w.len() == 66 && w.starts_with("0x")));

    let script = r#"
        const { utils } = require("ethers");
        const [sig, words] = [process.argv[1], JSON.parse(process.argv[2])];
        const args = [words.slice(0, 2), [words.slice(2, 4), words.slice(4, 6)], words.slice(6, 8), words.slice(8)];
        const iface = new utils.Interface([`function verifyProof(uint[2] _pA, uint[2][2] _pB, uint[2] _pC, uint[${words.length - 8}] _pubSignals) view returns (bool)`]);
        const types = ["uint256[2]", "uint256[2][2]", "uint256[2]", `uint256[${words.length - 8}]`];
        console.log(JSON.stringify({
            selector: utils.id(sig).slice(0, 10),
            sighash: iface.getSighash("verifyProof"),
            args: utils.defaultAbiCoder.encode(types, args),
            call: iface.encodeFunctionData("verifyProof", args),
        }));
    "#;
    let words = serde_json::to_string(&hex_words).unwrap();
    let out = node(["-e", script, &calldata.function_signature(), &words]);
    assert!(out.status.success(), "{}", show(&out));
    let ethers: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(ethers["selector"], ethers["sighash"], "our function signature is not canonical");
    assert_eq!(ethers["args"], format!("0x{}", hex::encode(calldata.abi_encode())));
    let selector: [u8; 4] =
        hex::decode(&ethers["selector"].as_str().unwrap()[2..]).unwrap().try_into().unwrap();
    assert_eq!(ethers["call"], format!("0x{}", hex::encode(calldata.encode_call(selector))));
}
