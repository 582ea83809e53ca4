//! A bank's files from the sequencer's mirror: kept only when they hash to the commitments L1
//! holds; a file the mirror lacks or serves wrong is named, and nothing wrong is cached.

use ccr_circuits::babyjubjub::eddsa::PrivateKey;
use ccr_credit_policy::german_policy;
use ccr_l1::client::BankVersion;
use ccr_wallet::bank_files::{fetch, file_names};
use ccr_wallet::credit::RegistryFile;
use ccr_wallet::sequencer::SequencerClient;
use ccr_wallet::WalletError;

use crate::common::{idle_node, params};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_mirror_is_checked_against_l1s_commitments() {
    let dir = tempfile::tempdir().unwrap();
    let mirror = dir.path().join("bank-files");
    std::fs::create_dir(&mirror).unwrap();
    let node = idle_node(&dir.path().join("db"), params(), Some(mirror.clone())).await;
    let seq = SequencerClient::new(&node.rpc_url()).unwrap();

    // What L1 would hold for bank 3: the German policy's hash, a one-attester registry's root
    // and a verifying key (whose proving key the bank has not published).
    let policy = german_policy().unwrap();
    let registry = RegistryFile::new(&[(0, PrivateKey::from_bytes([0xA7; 32]).public_key())]).unwrap();
    let version = BankVersion {
        pool: 3,
        version: 1,
        shape: 0,
        vk_pointer: alloy_primitives::Address::ZERO,
        vk: ark_groth16::VerifyingKey::default(),
        policy_hash: policy.circuit_params().unwrap().hash(),
        registry_root: registry.registry().unwrap().root(),
        since: 0,
    };
    let [policy_name, registry_name, key_name] = file_names(&version).unwrap();
    std::fs::write(mirror.join(&policy_name), serde_json::to_vec(&policy).unwrap()).unwrap();
    std::fs::write(mirror.join(&registry_name), serde_json::to_vec(&registry).unwrap()).unwrap();

    // The key is missing: the error names it and what to do; the two good files are kept.
    let cache = dir.path().join("cache");
    let err = fetch(&seq, &version, &cache, |_, _| {}).await.unwrap_err();
    assert!(
        matches!(&err, WalletError::Config(m) if m.contains("does not have bank 3's eligibility proving key") && m.contains(&key_name)),
        "{err}"
    );
    assert!(cache.join(&policy_name).exists() && cache.join(&registry_name).exists());

    // A mirror serving another policy under the commitment's name: refused, not cached.
    let mut other = policy.clone();
    other.tiers[0].rate_bps += 1;
    other.hash = ccr_credit_policy::hash::policy_hash(&other).to_string();
    std::fs::write(mirror.join(&policy_name), serde_json::to_vec(&other).unwrap()).unwrap();
    std::fs::remove_dir_all(&cache).unwrap();
    let err = fetch(&seq, &version, &cache, |_, _| {}).await.unwrap_err();
    assert!(
        matches!(&err, WalletError::Config(m) if m.contains("served bank 3's policy") && m.contains("L1 holds")),
        "{err}"
    );
    assert!(!cache.join(&policy_name).exists(), "a file that does not match L1 is not kept");

    // A corrupted cache entry is not trusted either: it is fetched again from the mirror (now
    // serving the right policy), checked, and replaces the bad one.
    let good = serde_json::to_vec(&policy).unwrap();
    std::fs::write(mirror.join(&policy_name), &good).unwrap();
    std::fs::write(cache.join(&policy_name), b"{ not a policy").unwrap();
    let err = fetch(&seq, &version, &cache, |_, _| {}).await.unwrap_err();
    assert!(matches!(&err, WalletError::Config(m) if m.contains("eligibility proving key")), "{err}");
    assert_eq!(std::fs::read(cache.join(&policy_name)).unwrap(), good);
    node.shutdown().await;
}

/// `bank publish` names a bank's real files by their commitments, and a wallet fetches all three
/// back through the mirror, checked.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn published_files_come_back_checked() {
    let dir = tempfile::tempdir().unwrap();
    let policy = german_policy().unwrap();
    let params = policy.circuit_params().unwrap();
    let depth = 4;
    let pk = ccr_prover::eligibility::dev_eligibility_key_file(depth).unwrap();
    let registry = RegistryFile::new(&[(2, PrivateKey::from_bytes([0xA7; 32]).public_key())]).unwrap();
    let (policy_file, registry_file, key_file) =
        (dir.path().join("policy.json"), dir.path().join("registry.json"), dir.path().join("eligibility.pk"));
    policy.save(&policy_file).unwrap();
    std::fs::write(&registry_file, serde_json::to_vec_pretty(&registry).unwrap()).unwrap();
    pk.save(&key_file).unwrap();

    let mirror = dir.path().join("bank-files");
    let publish = |json: bool, policy: &std::path::Path| {
        let mut cmd = crate::common::bin();
        if json {
            cmd.arg("--json");
        }
        cmd.args(["bank", "publish", "--policy"]).arg(policy).arg("--registry").arg(&registry_file);
        cmd.arg("--pk").arg(&key_file).arg("--out").arg(&mirror).output().unwrap()
    };
    let out = publish(true, &policy_file);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let version = BankVersion {
        pool: 5,
        version: 0,
        shape: 0,
        vk_pointer: alloy_primitives::Address::ZERO,
        vk: pk.key.vk.clone(),
        policy_hash: params.hash(),
        registry_root: registry.registry().unwrap().root(),
        since: 0,
    };
    let names = file_names(&version).unwrap();
    let printed: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    for (field, name) in ["policy", "registry", "provingKey"].iter().zip(&names) {
        assert!(printed[field].as_str().unwrap().ends_with(name.as_str()), "{printed}");
        assert!(mirror.join(name).exists(), "{name}");
    }
    // A file that is not what it claims is refused, naming it.
    let out = publish(false, &registry_file);
    assert_eq!(out.status.code(), Some(ccr_wallet::error::exit_code::CONFIG));
    assert!(String::from_utf8_lossy(&out.stderr).contains("registry.json"));

    let node = idle_node(&dir.path().join("db"), crate::common::params(), Some(mirror)).await;
    let seq = SequencerClient::new(&node.rpc_url()).unwrap();
    let mut progress = Vec::new();
    let files = fetch(&seq, &version, &dir.path().join("cache"), |done, total| progress.push((done, total)))
        .await
        .unwrap();
    assert_eq!(files.policy, policy);
    assert_eq!(files.registry, registry);
    assert!(files.proving_key.key == pk.key, "the key came back whole");
    assert!(progress.last().is_some_and(|(d, t)| d == t), "{progress:?}");
    node.shutdown().await;
}
