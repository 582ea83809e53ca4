//! snarkjs interop: what we export, snarkjs 0.7.5 (tools/js) verifies, and back.

use std::path::Path;

use ccr_prover::{
    export::{
        snarkjs::{public_inputs_from_json, public_inputs_to_json, SnarkjsProof, SnarkjsVerifyingKey},
        write_snarkjs_files, PROOF_JSON, PUBLIC_JSON, VERIFICATION_KEY_JSON,
    },
    key_hash, load_proof, load_public_inputs, load_verifying_key, verify, SnarkjsError,
};
use serde_json::Value;

use crate::common::{fresh_proof, keys, node, show, snarkjs_cli};

/// Exports a fresh proof with its key into `dir`.
fn export(dir: &Path) {
    let keys = keys();
    let (proof, public) = fresh_proof(&keys);
    let (_, vk_file) = keys.into_key_files("test-circuit");
    let vk = SnarkjsVerifyingKey::from_key_file(&vk_file);
    write_snarkjs_files(dir, &vk, &proof, &public).unwrap();
}

fn snarkjs_verify(dir: &Path) -> std::process::Output {
    node([
        snarkjs_cli().as_os_str(),
        "groth16".as_ref(),
        "verify".as_ref(),
        dir.join(VERIFICATION_KEY_JSON).as_os_str(),
        dir.join(PUBLIC_JSON).as_os_str(),
        dir.join(PROOF_JSON).as_os_str(),
    ])
}

fn read_json(path: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

#[test]
fn snarkjs_accepts_the_exported_proof() {
    let dir = tempfile::tempdir().unwrap();
    export(dir.path());
    let out = snarkjs_verify(dir.path());
    assert!(out.status.success(), "{}", show(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("OK!"), "{}", show(&out));
}

#[test]
fn snarkjs_rejects_a_tampered_public_input() {
    let dir = tempfile::tempdir().unwrap();
    export(dir.path());
    let path = dir.path().join(PUBLIC_JSON);
    let mut public: Vec<String> = serde_json::from_value(read_json(&path)).unwrap();
    public[0] = (public[0].parse::<u64>().unwrap() + 1).to_string();
    std::fs::write(&path, serde_json::to_vec(&public).unwrap()).unwrap();
    let out = snarkjs_verify(dir.path());
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("Invalid proof"), "{}", show(&out));
}

#[test]
fn exported_json_has_the_snarkjs_layout() {
    let dir = tempfile::tempdir().unwrap();
    export(dir.path());
    let proof = read_json(&dir.path().join(PROOF_JSON));
    assert_eq!(proof["protocol"], "groth16");
    assert_eq!(proof["curve"], "bn128");
    assert_eq!(proof["pi_a"][2], "1");
    assert_eq!(proof["pi_c"][2], "1");
    assert_eq!(proof["pi_b"][2], serde_json::json!(["1", "0"]));
    assert_eq!(proof["pi_b"][0].as_array().unwrap().len(), 2);

    let vk = read_json(&dir.path().join(VERIFICATION_KEY_JSON));
    assert_eq!(vk["protocol"], "groth16");
    assert_eq!(vk["curve"], "bn128");
    assert_eq!(vk["nPublic"], 2);
    assert_eq!(vk["IC"].as_array().unwrap().len(), 3);
    assert_eq!(vk["ccr_insecure_dev_setup"], true);
    let keys: Vec<&str> = vk.as_object().unwrap().keys().map(String::as_str).collect();
    for key in [
        "protocol",
        "curve",
        "nPublic",
        "vk_alpha_1",
        "vk_beta_2",
        "vk_gamma_2",
        "vk_delta_2",
        "vk_alphabeta_12",
        "IC",
    ] {
        assert!(keys.contains(&key), "{key} missing from {keys:?}");
    }
    assert_eq!(read_json(&dir.path().join(PUBLIC_JSON)), serde_json::json!(["15", "67"]));
}

/// `vk_alphabeta_12` is what ffjavascript's own pairing gives, in its layout.
#[test]
fn vk_alphabeta_12_matches_ffjavascript() {
    let dir = tempfile::tempdir().unwrap();
    export(dir.path());
    let script = r#"
        import fs from "fs";
        import { buildBn128, utils } from "ffjavascript";
        const vk = utils.unstringifyBigInts(JSON.parse(fs.readFileSync(process.argv[1], "utf8")));
        const curve = await buildBn128(true);
        const e = await curve.pairing(curve.G1.fromObject(vk.vk_alpha_1), curve.G2.fromObject(vk.vk_beta_2));
        console.log(JSON.stringify(utils.stringifyBigInts(curve.Gt.toObject(e))));
        await curve.terminate();
    "#;
    let vk_path = dir.path().join(VERIFICATION_KEY_JSON);
    let out = node(["--input-type=module".as_ref(), "-e".as_ref(), script.as_ref(), vk_path.as_os_str()]);
    assert!(out.status.success(), "{}", show(&out));
    let theirs: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(theirs, read_json(&vk_path)["vk_alphabeta_12"]);
}

#[test]
fn json_imports_back_to_the_same_values() {
    let keys = keys();
    let (proof, public) = fresh_proof(&keys);
    let json = SnarkjsProof::from_proof(&proof);
    assert_eq!(json.to_proof().unwrap(), proof);
    let vk_json = SnarkjsVerifyingKey::from_vk(&keys.vk);
    assert_eq!(vk_json.to_vk().unwrap(), keys.vk);
    assert_eq!(public_inputs_from_json(&public_inputs_to_json(&public)).unwrap(), public);
}

/// An auditor's path: snarkjs files on disk, read back, verified natively; the vk hash is
/// the same as the binary key's.
#[test]
fn exported_files_load_and_verify_natively() {
    let dir = tempfile::tempdir().unwrap();
    export(dir.path());
    let vk = load_verifying_key(&dir.path().join(VERIFICATION_KEY_JSON)).unwrap();
    assert_eq!(vk.insecure_dev_setup, Some(true));
    assert_eq!(vk.circuit_name, None);
    assert_eq!(key_hash(&vk.vk).unwrap(), key_hash(&keys().vk).unwrap());
    let proof = load_proof(&dir.path().join(PROOF_JSON)).unwrap();
    let public = load_public_inputs(&dir.path().join(PUBLIC_JSON)).unwrap();
    assert!(verify(&vk.vk, &public, &proof).unwrap());
}

#[test]
fn malformed_json_is_rejected_with_a_specific_error() {
    let keys = keys();
    let (proof, _) = fresh_proof(&keys);
    let good = SnarkjsProof::from_proof(&proof);

    let mut off_curve = good.clone();
    off_curve.pi_a[1] = "5".to_owned();
    assert!(matches!(off_curve.to_proof(), Err(SnarkjsError::InvalidPoint { what }) if what == "pi_a"));

    // The G2 coordinates in EVM order (imaginary first) are not a point of the curve.
    let mut swapped = good.clone();
    swapped.pi_b[0].swap(0, 1);
    swapped.pi_b[1].swap(0, 1);
    assert!(matches!(swapped.to_proof(), Err(SnarkjsError::InvalidPoint { .. })));

    let mut projective = good.clone();
    projective.pi_c[2] = "2".to_owned();
    assert!(matches!(projective.to_proof(), Err(SnarkjsError::NotAffine { .. })));

    let mut plonk = good.clone();
    plonk.protocol = "plonk".to_owned();
    assert!(matches!(plonk.to_proof(), Err(SnarkjsError::Protocol(_))));

    let mut bls = good;
    bls.curve = "bls12381".to_owned();
    assert!(matches!(bls.to_proof(), Err(SnarkjsError::Curve(_))));

    let vk = SnarkjsVerifyingKey::from_vk(&keys.vk);
    let mut n_public = vk.clone();
    n_public.n_public = 1;
    assert!(matches!(n_public.to_vk(), Err(SnarkjsError::NPublicMismatch { n_public: 1, ic: 3 })));
    let mut alphabeta = vk.clone();
    if let Some(ab) = alphabeta.vk_alphabeta_12.as_mut() {
        ab[0][0][0] = "1".to_owned();
    }
    assert!(matches!(alphabeta.to_vk(), Err(SnarkjsError::AlphaBetaMismatch)));
    let mut without = vk;
    without.vk_alphabeta_12 = None;
    assert_eq!(without.to_vk().unwrap(), keys.vk);

    let r_plus_one = "21888242871839275222246405745257275088548364400416034343698204186575808495618";
    assert!(matches!(
        public_inputs_from_json(&[r_plus_one.to_owned()]),
        Err(SnarkjsError::NotInField { field: "Fr", .. })
    ));
}
