//! `ccr_getBankFile`: the node mirrors a directory of bank files, a chunk at a time, and serves
//! nothing but well-formed bank file names.

use std::time::Duration;

use ccr_rpc_api::bank_files::{eligibility_key_file_name, policy_file_name, BANK_FILE_CHUNK};
use ccr_sequencer::{CcrApiClient, ErrorCode, NodeConfig};
use jsonrpsee::core::client::Error as ClientError;

use crate::common::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bank_files_are_served_in_chunks_and_only_by_their_names() {
    let dir = tempfile::tempdir().unwrap();
    let files = dir.path().join("bank-files");
    std::fs::create_dir(&files).unwrap();
    // A key-sized file over two chunks, and a small one.
    let key: Vec<u8> = (0..(2 * BANK_FILE_CHUNK + 12_345)).map(|i| (i % 251) as u8).collect();
    let key_name = eligibility_key_file_name(&"ab".repeat(32));
    std::fs::write(files.join(&key_name), &key).unwrap();
    let policy_name = policy_file_name(&ccr_circuits::Fr::from(42u64));
    std::fs::write(files.join(&policy_name), b"{}").unwrap();
    // Something else in the directory is never served.
    std::fs::write(dir.path().join("secret.txt"), b"no").unwrap();

    let config = NodeConfig {
        bank_files: Some(files.clone()),
        ..config(&dir.path().join("db"), params(), None, Duration::from_secs(3600))
    };
    let (node, client) = launch(config).await;

    let mut got = Vec::new();
    let mut chunks = 0;
    loop {
        let chunk = client.get_bank_file(key_name.clone(), got.len() as u64).await.unwrap().expect("served");
        assert_eq!(chunk.size, key.len() as u64);
        assert_eq!(chunk.offset, got.len() as u64);
        let bytes = hex::decode(chunk.data.trim_start_matches("0x")).unwrap();
        assert!(bytes.len() as u64 <= BANK_FILE_CHUNK);
        if bytes.is_empty() {
            break;
        }
        chunks += 1;
        got.extend(bytes);
    }
    assert_eq!(got, key, "the chunks are the file");
    assert_eq!(chunks, 3);

    let small = client.get_bank_file(policy_name, 0).await.unwrap().expect("served");
    assert_eq!((small.size, small.data.as_str()), (2, "0x7b7d"));
    // A name the node does not have: null, not an error.
    let absent = policy_file_name(&ccr_circuits::Fr::from(43u64));
    assert_eq!(client.get_bank_file(absent, 0).await.unwrap(), None);
    // Anything that is not a bank file's name is refused: no path leaves the directory.
    for bad in ["../secret.txt", "secret.txt", "policy-42.json/../../secret.txt", "/etc/passwd"] {
        match client.get_bank_file(bad.into(), 0).await {
            Err(ClientError::Call(e)) => assert_eq!(e.code(), ErrorCode::InvalidParams.code(), "{bad}"),
            other => panic!("{bad}: {other:?}"),
        }
    }
    node.shutdown().await;

    // A node without the directory serves none.
    let (node, client) = launch(config_without_files(dir.path())).await;
    assert_eq!(client.get_bank_file(key_name, 0).await.unwrap(), None);
    node.shutdown().await;
}

fn config_without_files(dir: &std::path::Path) -> NodeConfig {
    config(&dir.join("db"), params(), None, Duration::from_secs(3600))
}
