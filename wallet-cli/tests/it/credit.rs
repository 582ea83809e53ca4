//! Credit from the command line: a bank's registry (the eligibility key is the rollup's), an
//! attester signs a German credit record under the policy's schema, the member proves eligibility over a depth-4 state tree, a lender verifies;
//! tampered proofs, declined applicants and expired records fail with their exit codes.

use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::{SystemTime, UNIX_EPOCH};

use ccr_circuits::merkle::SparseMerkleTree;
use ccr_circuits::state::account::Account;
use ccr_credit_policy::{german_data_file, german_policy_file, Policy, Purpose};
use ccr_prover::eligibility::AccountProofFile;
use ccr_wallet::credit::packed_hex;
use ccr_wallet::error::exit_code;

use crate::common::{bin, keystore_file, wallet};

const DEPTH: usize = 4;
const ACCOUNT: u64 = 3;

fn now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs()
}

fn run(args: &[&str]) -> Output {
    let out = bin().args(args).output().unwrap();
    assert!(out.status.code().is_some(), "killed by a signal");
    out
}

fn ok(args: &[&str]) -> String {
    let out = run(args);
    assert!(
        out.status.success(),
        "{args:?} failed: {}\n{}",
        String::from_utf8_lossy(&out.stderr),
        String::from_utf8_lossy(&out.stdout)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// The CSV rows of the German data (features only) the committed policy grants a tier, and
/// those it declines, for an ecological restoration.
fn rows() -> (Vec<String>, Vec<String>) {
    let policy = Policy::load(&german_policy_file()).unwrap();
    let text = std::fs::read_to_string(german_data_file()).unwrap();
    let (mut good, mut bad) = (Vec::new(), Vec::new());
    for line in text.lines().skip(1).take(60) {
        let row = line.rsplit_once(',').unwrap().0.to_string();
        let d = policy.decide_row(&row, Purpose::EcologicalRestoration).unwrap();
        if d.tier.is_some() {
            good.push(row)
        } else {
            bad.push(row)
        }
    }
    (good, bad)
}

/// A bank (keys at depth 4, a registry with the attester at slot 1), the member's and the
/// attester's keystores, the member's account proof.
struct Bank {
    dir: tempfile::TempDir,
    member_ks: PathBuf,
    member_pw: PathBuf,
    attester_ks: PathBuf,
    attester_pw: PathBuf,
    member: String,
}

impl Bank {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let (member_ks, member_pw) = keystore_file(dir.path(), "member", &wallet(1));
        let (attester_ks, attester_pw) = keystore_file(dir.path(), "attester", &wallet(2));
        // The rollup's eligibility key of the production shape (the development one, as the
        // devnet deploys it): no bank makes a key. `bank keygen` is gone.
        let keys = dir.path().join("keys");
        std::fs::create_dir_all(&keys).unwrap();
        let pk = ccr_prover::eligibility::dev_eligibility_key_file(DEPTH).unwrap();
        pk.save(&keys.join("eligibility.pk")).unwrap();
        pk.verifying_key_file().save(&keys.join("eligibility.vk")).unwrap();
        let gone = run(&["bank", "keygen", "--policy", german_policy_file().to_str().unwrap()]);
        assert_eq!(gone.status.code(), Some(2), "bank keygen no longer exists");
        let attester = packed_hex(&wallet(2).l2_public());
        ok(&[
            "bank",
            "registry",
            "--attester",
            &format!("1={attester}"),
            "--out",
            dir.path().join("registry.json").to_str().unwrap(),
        ]);
        let mut state = SparseMerkleTree::new(DEPTH).unwrap();
        let account = Account::new(wallet(1).l2_public(), 500);
        state.update(ACCOUNT, account.leaf()).unwrap();
        state.update(7, Account::new(wallet(3).l2_public(), 9).leaf()).unwrap();
        let leaf = ccr_circuits::credit::AccountLeaf {
            balance: account.balance,
            nonce: account.nonce,
            ext: account.ext_hash(),
        };
        AccountProofFile::new(state.root(), &leaf, &state.proof(ACCOUNT).unwrap())
            .save(&dir.path().join("account.json"))
            .unwrap();
        let member = packed_hex(&wallet(1).l2_public());
        Self { dir, member_ks, member_pw, attester_ks, attester_pw, member }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn sign(&self, row: &str, expiry: u64, out: &Path) -> Output {
        self.sign_for(row, expiry, "ecological_restoration", out)
    }

    fn sign_for(&self, row: &str, expiry: u64, purpose: &str, out: &Path) -> Output {
        run(&[
            "--password-file",
            self.attester_pw.to_str().unwrap(),
            "attester",
            "sign",
            "--key",
            self.attester_ks.to_str().unwrap(),
            "--policy",
            german_policy_file().to_str().unwrap(),
            "--row",
            row,
            "--member",
            &self.member,
            "--expiry",
            &expiry.to_string(),
            "--purpose",
            purpose,
            "--out",
            out.to_str().unwrap(),
        ])
    }

    fn prove(&self, attestation: &Path, amount: u64, now: u64, out: &Path) -> Output {
        self.prove_for(attestation, amount, now, "ecological_restoration", out)
    }

    fn prove_for(&self, attestation: &Path, amount: u64, now: u64, purpose: &str, out: &Path) -> Output {
        run(&[
            "--keystore",
            self.member_ks.to_str().unwrap(),
            "--password-file",
            self.member_pw.to_str().unwrap(),
            // Offline, with no network file: the amount in raw L2 units.
            "--l2-units",
            "credit",
            "prove",
            "--policy",
            german_policy_file().to_str().unwrap(),
            "--pk",
            self.path("keys/eligibility.pk").to_str().unwrap(),
            "--attestation",
            attestation.to_str().unwrap(),
            "--registry",
            self.path("registry.json").to_str().unwrap(),
            "--bank",
            "1",
            "--amount",
            &amount.to_string(),
            "--purpose",
            purpose,
            "--epoch",
            "3",
            "--account-proof",
            self.path("account.json").to_str().unwrap(),
            "--now",
            &now.to_string(),
            "--out",
            out.to_str().unwrap(),
        ])
    }

    fn verify(&self, proof: &Path) -> Output {
        run(&[
            "--json",
            "credit",
            "verify",
            "--vk",
            self.path("keys/eligibility.vk").to_str().unwrap(),
            "--proof",
            proof.to_str().unwrap(),
            "--policy",
            german_policy_file().to_str().unwrap(),
        ])
    }
}

#[test]
fn sign_prove_verify_round_trip_and_a_tampered_proof_fails() {
    let bank = Bank::new();
    let (good, _) = rows();
    let att = bank.path("att.json");
    let out = bank.sign(&good[0], now() + 86_400, &att);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&att).unwrap().permissions().mode() & 0o777, 0o600);
    }
    let proof = bank.path("proof.json");
    let out = bank.prove(&att, 1_000, now(), &proof);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{}\n{stdout}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains("eligibility proof written") && stdout.contains("tier"), "{stdout}");

    let out = bank.verify(&proof);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["valid"], true);
    assert_eq!(v["statement"]["amount"], 1_000);
    assert_eq!(v["statement"]["account"], ACCOUNT);
    assert_eq!(v["statement"]["purpose"], Purpose::EcologicalRestoration.code());

    // The amount raised in the file: the proof no longer verifies (exit 11, not a usage error).
    let mut file: serde_json::Value = serde_json::from_slice(&std::fs::read(&proof).unwrap()).unwrap();
    file["statement"]["amount"] = serde_json::json!(1_001);
    let tampered = bank.path("tampered.json");
    std::fs::write(&tampered, serde_json::to_vec(&file).unwrap()).unwrap();
    let out = bank.verify(&tampered);
    assert_eq!(out.status.code(), Some(exit_code::INVALID_PROOF));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(v["error"].as_str().unwrap().contains("invalid eligibility proof"), "{v}");
    // A flipped proof byte: invalid too.
    let mut file: serde_json::Value = serde_json::from_slice(&std::fs::read(&proof).unwrap()).unwrap();
    let hex = file["proof"].as_str().unwrap().to_string();
    let flipped = format!("{}{}", if hex.starts_with('0') { "1" } else { "0" }, &hex[1..]);
    file["proof"] = serde_json::json!(flipped);
    std::fs::write(&tampered, serde_json::to_vec(&file).unwrap()).unwrap();
    assert_eq!(bank.verify(&tampered).status.code(), Some(exit_code::INVALID_PROOF));
    // A usage error stays a usage error.
    assert_eq!(run(&["credit", "verify", "--proof", "x.json"]).status.code(), Some(exit_code::USAGE));
}

#[test]
fn a_declined_applicant_gets_the_declined_error_and_no_proof_file() {
    let bank = Bank::new();
    let (_, bad) = rows();
    let att = bank.path("att.json");
    assert!(bank.sign(&bad[0], now() + 86_400, &att).status.success());
    let proof = bank.path("proof.json");
    let out = bank.prove(&att, 100, now(), &proof);
    assert_eq!(out.status.code(), Some(exit_code::INELIGIBLE));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("declined"), "{err}");
    assert!(!proof.exists());
}

#[test]
fn an_expired_record_gets_the_expiry_error() {
    let bank = Bank::new();
    let (good, _) = rows();
    let att = bank.path("att.json");
    let expiry = now() + 60;
    assert!(bank.sign(&good[0], expiry, &att).status.success());
    let proof = bank.path("proof.json");
    let out = bank.prove(&att, 100, expiry, &proof);
    assert_eq!(out.status.code(), Some(exit_code::INELIGIBLE));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("expired") && err.contains("fresh attestation"), "{err}");
    assert!(!proof.exists());
    // The attester refuses to sign an already expired record.
    let out = bank.sign(&good[0], now() - 1, &bank.path("old.json"));
    assert_eq!(out.status.code(), Some(exit_code::CONFIG));
}

#[test]
fn a_purpose_other_than_the_attested_one_is_refused_before_proving() {
    let bank = Bank::new();
    let (good, _) = rows();
    let policy = Policy::load(&german_policy_file()).unwrap();
    let row = good
        .iter()
        .find(|r| policy.decide_row(r, Purpose::CreativeProject).unwrap().tier.is_some())
        .expect("a row granted without a purpose bonus");
    let att = bank.path("att.json");
    let out = bank.sign_for(row, now() + 86_400, "creative_project", &att);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let file: serde_json::Value = serde_json::from_slice(&std::fs::read(&att).unwrap()).unwrap();
    assert_eq!((file["version"].as_u64(), file["purpose"].as_str()), (Some(3), Some("creative_project")));
    let schema = Policy::load(&german_policy_file()).unwrap().schema_digest().to_string();
    assert_eq!(file["schema"].as_str(), Some(schema.as_str()), "signed under the policy's schema digest");
    // Community infrastructure weighs +209,715: not attested, refused with no proof.
    let proof = bank.path("proof.json");
    let out = bank.prove_for(&att, 100, now(), "community_infrastructure", &proof);
    assert_eq!(out.status.code(), Some(exit_code::INELIGIBLE));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("attested for purpose 1 (creative_project)")
            && err.contains("claims 2 (community_infrastructure)"),
        "{err}"
    );
    assert!(!proof.exists());
    // The attested purpose proves, and the statement carries it.
    let out = bank.prove_for(&att, 100, now(), "creative_project", &proof);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{}\n{stdout}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains("purpose       creative_project"), "{stdout}");
    // The purpose relabelled in the file: refused natively (the signature covers the purpose).
    let mut edited = file.clone();
    edited["purpose"] = serde_json::json!("community_infrastructure");
    let forged = bank.path("forged.json");
    std::fs::write(&forged, serde_json::to_vec(&edited).unwrap()).unwrap();
    let out = bank.prove_for(&forged, 100, now(), "community_infrastructure", &bank.path("p2.json"));
    assert_eq!(out.status.code(), Some(exit_code::INELIGIBLE));
    assert!(String::from_utf8_lossy(&out.stderr).contains("signature does not verify"));
    // A version 2 attestation (no schema digest): a configuration error telling what to do.
    let mut v2 = file.clone();
    v2.as_object_mut().unwrap().remove("schema");
    v2["version"] = serde_json::json!(2);
    std::fs::write(&forged, serde_json::to_vec(&v2).unwrap()).unwrap();
    let out = bank.prove_for(&forged, 100, now(), "creative_project", &bank.path("p4.json"));
    assert_eq!(out.status.code(), Some(exit_code::CONFIG));
    assert!(String::from_utf8_lossy(&out.stderr).contains("schema digest"));
    // A version 1 attestation (no purpose): a configuration error telling what to do.
    let mut old = file;
    old.as_object_mut().unwrap().remove("purpose");
    old["version"] = serde_json::json!(1);
    std::fs::write(&forged, serde_json::to_vec(&old).unwrap()).unwrap();
    let out = bank.prove_for(&forged, 100, now(), "creative_project", &bank.path("p3.json"));
    assert_eq!(out.status.code(), Some(exit_code::CONFIG));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--purpose"));
}
