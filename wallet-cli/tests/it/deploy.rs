//! `ccr-wallet deploy` against the embedded L1: the contracts deployed from the keystore's L1
//! account (with the eligibility key of the production shape: refused without it), the network
//! file written with the deployment block and the verifying key beside it,
//! the sequencer's client connecting from it; an existing network file is never overwritten.

use std::net::SocketAddr;

use ccr_dev_chain::node::EmbeddedL1;
use ccr_l1::client::L1Client;
use ccr_prover::batch::batch_circuit_name;
use ccr_prover::{KeyFile, KeyMetadata};
use ccr_verifier_contracts::DevKey;
use ccr_wallet::network::NetworkFile;
use ccr_wallet::{L1Key, WalletKeys};

use crate::common::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deploy_writes_a_network_file_members_can_use() {
    let dir = tempfile::tempdir().unwrap();
    let l1 = EmbeddedL1::start(SocketAddr::from(([127, 0, 0, 1], 0))).await.unwrap();
    // The operator's wallet holds a funded development account.
    let operator = WalletKeys { l1: L1Key::from_hex(ccr_l1::DEV_KEYS[3]).unwrap(), ..wallet(3) };
    let (ks, pw) = keystore_file(dir.path(), "operator", &operator);
    let key = DevKey::TEST;
    let keys = dir.path().join("keys");
    std::fs::create_dir(&keys).unwrap();
    let vk = key.keypair().unwrap().vk;
    let metadata = KeyMetadata { circuit_name: batch_circuit_name(&key.params), insecure_dev_setup: true };
    KeyFile { metadata, key: vk.clone() }.save(&keys.join("batch.vk")).unwrap();

    let out = dir.path().join("net").join("network.json");
    let deploy = || {
        let mut cmd = bin();
        cmd.arg("--keystore").arg(&ks).arg("--password-file").arg(&pw);
        cmd.args(["--l1-rpc", &l1.url(), "--json", "deploy", "--sequencer-rpc", "http://127.0.0.1:8645"]);
        cmd.arg("--keys").arg(&keys).arg("--out").arg(&out).args(["--escape-delay", "50"]);
        cmd.output().unwrap()
    };
    // Without the eligibility key of the production shape: refused, naming the file.
    let run = deploy();
    assert!(!run.status.success());
    let said = String::from_utf8_lossy(&run.stdout);
    assert!(said.contains("\"error\"") && said.contains("eligibility.vk"), "{said}");
    assert!(!out.exists());
    let eligibility = ccr_prover::eligibility::dev_eligibility_key_file(key.params.depth).unwrap();
    eligibility.verifying_key_file().save(&keys.join("eligibility.vk")).unwrap();
    let run = deploy();
    assert!(run.status.success(), "{}", String::from_utf8_lossy(&run.stderr));
    let said: serde_json::Value = serde_json::from_slice(&run.stdout).unwrap();
    assert_eq!(said["insecureDevKey"], true);

    let network = NetworkFile::load(&out).unwrap();
    assert_eq!(network.l1_chain_id, ccr_dev_chain::node::CHAIN_ID);
    assert_eq!((network.params.depth, network.params.batch_size), (key.params.depth, key.params.batch_size));
    assert_eq!(network.sequencer_rpc, "http://127.0.0.1:8645");
    assert_eq!(network.verifying_key, dir.path().join("net").join("batch.vk"));
    assert_eq!(std::fs::read(&network.verifying_key).unwrap(), std::fs::read(keys.join("batch.vk")).unwrap());
    assert_eq!(said["rollup"], format!("{:#x}", network.rollup));
    assert_eq!(said["block"], network.deploy_block);

    // The rollup is where the file says, deployed at its block, with the asked escape delay.
    let client = L1Client::connect(&network.l1_rpc, ccr_l1::DEV_KEYS[0].parse().unwrap(), network.rollup)
        .await
        .unwrap()
        .with_start_block(network.deploy_block);
    assert_eq!(client.config().escape_delay, 50);
    // The rollup holds the eligibility key of the production shape (shape 0), for good.
    assert_eq!(client.eligibility_shapes().await.unwrap(), 1);
    assert_eq!(client.eligibility_key(0).await.unwrap(), eligibility.key.vk);
    assert!(network.deploy_block > 0 && network.deploy_block <= client.block_number().await.unwrap());
    assert_eq!(client.domain().await.unwrap().chain_id, ccr_dev_chain::node::CHAIN_ID);
    assert_eq!(client.batch_count().await.unwrap(), 0);

    // A second deploy to the same file is refused before anything is sent.
    let before = client.block_number().await.unwrap();
    let again = deploy();
    assert_eq!(again.status.code(), Some(ccr_wallet::error::exit_code::CONFIG));
    assert!(String::from_utf8_lossy(&again.stdout).contains("never overwrites"));
    assert_eq!(client.block_number().await.unwrap(), before);
    l1.stop().await;
}
