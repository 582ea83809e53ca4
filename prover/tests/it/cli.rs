//! The `ccr-prover` binary: exit codes, warnings, formats.

use std::{
    path::{Path, PathBuf},
    process::{Command, Output},
};

use ccr_prover::{
    bundle::PROOF_BIN,
    export::{
        snarkjs::SnarkjsVerifyingKey, write_snarkjs_files, CALLDATA_HEX, CALLDATA_TXT, PROOF_JSON,
        PUBLIC_JSON, VERIFICATION_KEY_JSON,
    },
    key_hash, ProofBundle,
};

use crate::common::{fresh_proof, keys, show};

/// A directory with `test.vk`, `test.pk`, a proof bundle (`proof.bin`, `public.json`) and the
/// same proof as snarkjs JSON under `snarkjs/`.
struct Fixture {
    dir: tempfile::TempDir,
}

impl Fixture {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let keys = keys();
        let (proof, public_inputs) = fresh_proof(&keys);
        let (pk, vk) = keys.clone().into_key_files("test-circuit");
        pk.save(&dir.path().join("test.pk")).unwrap();
        vk.save(&dir.path().join("test.vk")).unwrap();
        ProofBundle { proof: proof.clone(), public_inputs: public_inputs.clone() }.save(dir.path()).unwrap();
        let snarkjs = dir.path().join("snarkjs");
        std::fs::create_dir(&snarkjs).unwrap();
        write_snarkjs_files(&snarkjs, &SnarkjsVerifyingKey::from_vk(&keys.vk), &proof, &public_inputs)
            .unwrap();
        Self { dir }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }
}

fn ccr_prover<I, S>(args: I) -> Output
where
    I: IntoIterator<Item = S>,
    S: AsRef<std::ffi::OsStr>,
{
    Command::new(env!("CARGO_BIN_EXE_ccr-prover")).args(args).output().unwrap()
}

fn verify(vk: &Path, proof: &Path, public: &Path) -> Output {
    ccr_prover([
        "verify".as_ref(),
        "--vk".as_ref(),
        vk.as_os_str(),
        "--proof".as_ref(),
        proof.as_os_str(),
        "--public".as_ref(),
        public.as_os_str(),
    ])
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn verify_good_proof_exits_0_and_warns_about_the_dev_setup() {
    let f = Fixture::new();
    let out = verify(&f.path("test.vk"), &f.path(PROOF_BIN), &f.path(PUBLIC_JSON));
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
    assert!(stdout(&out).starts_with("valid\n"), "{}", show(&out));
    assert!(stdout(&out).contains(&key_hash(&keys().vk).unwrap()), "{}", show(&out));
    assert!(stderr(&out).contains("INSECURE development setup"), "{}", show(&out));
}

#[test]
fn verify_bad_proof_exits_1() {
    let f = Fixture::new();
    let public = f.path(PUBLIC_JSON);
    std::fs::write(&public, br#"["16", "67"]"#).unwrap();
    let out = verify(&f.path("test.vk"), &f.path(PROOF_BIN), &public);
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    assert!(stdout(&out).starts_with("INVALID\n"), "{}", show(&out));
}

#[test]
fn verify_with_errors_exits_2() {
    let f = Fixture::new();
    // Corrupted verifying key file.
    let vk = f.path("test.vk");
    let mut bytes = std::fs::read(&vk).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 1;
    std::fs::write(&vk, bytes).unwrap();
    let out = verify(&vk, &f.path(PROOF_BIN), &f.path(PUBLIC_JSON));
    assert_eq!(out.status.code(), Some(2), "{}", show(&out));
    assert!(stderr(&out).contains("hash mismatch"), "{}", show(&out));

    // Wrong number of public inputs.
    let f = Fixture::new();
    let public = f.path(PUBLIC_JSON);
    std::fs::write(&public, br#"["15"]"#).unwrap();
    let out = verify(&f.path("test.vk"), &f.path(PROOF_BIN), &public);
    assert_eq!(out.status.code(), Some(2), "{}", show(&out));

    // Missing file.
    let out = verify(&f.path("absent.vk"), &f.path(PROOF_BIN), &public);
    assert_eq!(out.status.code(), Some(2), "{}", show(&out));
}

#[test]
fn verify_accepts_snarkjs_json_and_mixed_inputs() {
    let f = Fixture::new();
    let s = f.path("snarkjs");
    let out = verify(&s.join(VERIFICATION_KEY_JSON), &s.join(PROOF_JSON), &s.join(PUBLIC_JSON));
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
    // Plain snarkjs JSON carries no provenance: no warning.
    assert!(!stderr(&out).contains("INSECURE"), "{}", show(&out));
    let out = verify(&f.path("test.vk"), &s.join(PROOF_JSON), &f.path(PUBLIC_JSON));
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
    let out = verify(&f.path("test.pk"), &f.path(PROOF_BIN), &f.path(PUBLIC_JSON));
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
}

#[test]
fn export_writes_snarkjs_files_and_calldata_that_verify_again() {
    let f = Fixture::new();
    let out_dir = f.path("out");
    let out = ccr_prover([
        "export".as_ref(),
        "--vk".as_ref(),
        f.path("test.vk").as_os_str(),
        "--proof".as_ref(),
        f.path(PROOF_BIN).as_os_str(),
        "--public".as_ref(),
        f.path(PUBLIC_JSON).as_os_str(),
        "--out".as_ref(),
        out_dir.as_os_str(),
        "--solidity".as_ref(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
    for name in [VERIFICATION_KEY_JSON, PROOF_JSON, PUBLIC_JSON, CALLDATA_TXT, CALLDATA_HEX] {
        assert!(out_dir.join(name).is_file(), "{name} missing: {}", show(&out));
    }
    let again =
        verify(&out_dir.join(VERIFICATION_KEY_JSON), &out_dir.join(PROOF_JSON), &out_dir.join(PUBLIC_JSON));
    assert_eq!(again.status.code(), Some(0), "{}", show(&again));
    // The flag survives the export to JSON.
    assert!(stderr(&again).contains("INSECURE"), "{}", show(&again));
}

#[test]
fn export_refuses_an_invalid_proof() {
    let f = Fixture::new();
    let public = f.path(PUBLIC_JSON);
    std::fs::write(&public, br#"["16", "67"]"#).unwrap();
    let out_dir = f.path("out");
    let out = ccr_prover([
        "export".as_ref(),
        "--vk".as_ref(),
        f.path("test.vk").as_os_str(),
        "--proof".as_ref(),
        f.path(PROOF_BIN).as_os_str(),
        "--public".as_ref(),
        public.as_os_str(),
        "--out".as_ref(),
        out_dir.as_os_str(),
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    assert!(!out_dir.exists());
}

#[test]
fn vk_hash_is_the_same_for_every_form_of_the_key() {
    let f = Fixture::new();
    let expected = format!("{}\n", key_hash(&keys().vk).unwrap());
    for file in [f.path("test.vk"), f.path("test.pk"), f.path("snarkjs").join(VERIFICATION_KEY_JSON)] {
        let out = ccr_prover(["vk-hash".as_ref(), file.as_os_str()]);
        assert_eq!(out.status.code(), Some(0), "{}", show(&out));
        assert_eq!(stdout(&out), expected, "{}", file.display());
    }
}

#[test]
fn help_documents_formats_and_exit_codes() {
    for args in [&["--help"][..], &["verify", "--help"], &["export", "--help"], &["vk-hash", "--help"]] {
        let out = ccr_prover(args);
        assert_eq!(out.status.code(), Some(0), "{}", show(&out));
        let help = stdout(&out);
        assert!(help.contains("EXIT CODES") && help.contains("proof.bin"), "{args:?}: {help}");
    }
}
