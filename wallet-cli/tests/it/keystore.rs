//! Keystore files: round trip, wrong password, redaction, permissions, no overwrite; the
//! state file and the network file.

use std::path::PathBuf;

use ccr_wallet::keystore::{self, WalletState};
use ccr_wallet::network::{NetworkFile, NetworkParams, PollNetwork};
use ccr_wallet::{L1Key, Password, WalletError, WalletKeys};

use crate::common::wallet;

#[test]
fn round_trip_restores_both_keys() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sub/dir/keystore.json");
    let keys = wallet(3);
    keystore::create(&path, &keys, &Password::new("pw one")).unwrap();
    let back = keystore::open(&path, &Password::new("pw one")).unwrap();
    assert_eq!(back.l2.expose_bytes(), keys.l2.expose_bytes());
    assert_eq!(back.l1, keys.l1);
    assert_eq!(back.l1_address(), keys.l1_address());
    assert_eq!(back.l2_public(), keys.l2_public());
    // The standard Web3 Secret Storage layout, and no plaintext in the file.
    let text = std::fs::read_to_string(&path).unwrap();
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(v["version"], 3);
    assert_eq!(v["crypto"]["kdf"], "scrypt");
    assert_eq!(v["crypto"]["cipher"], "aes-128-ctr");
    assert!(!text.contains(&hex::encode(keys.l2.expose_bytes())));
    assert!(!text.contains(&hex::encode(keys.l1.expose_b256())));
    // Nothing left over from the staging directory.
    let names: Vec<_> =
        std::fs::read_dir(path.parent().unwrap()).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(names, vec![std::ffi::OsString::from("keystore.json")]);
}

#[test]
fn wrong_password_is_its_own_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("k.json");
    keystore::create(&path, &wallet(1), &Password::new("right")).unwrap();
    let err = keystore::open(&path, &Password::new("wrong")).unwrap_err();
    assert!(matches!(&err, WalletError::WrongPassword { path: p } if *p == path), "{err:?}");
    assert_eq!(err.exit_code(), ccr_wallet::error::exit_code::KEYSTORE);
}

#[test]
fn missing_keystore_says_how_to_create_one() {
    let path = PathBuf::from("/nonexistent/ccr/keystore.json");
    let err = keystore::open(&path, &Password::new("x")).unwrap_err();
    assert!(matches!(err, WalletError::NoKeystore { .. }), "{err:?}");
    assert!(err.to_string().contains("ccr-wallet key new"), "{err}");
}

#[test]
fn corrupt_keystore_is_reported_not_panicking() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("k.json");
    keystore::create(&path, &wallet(1), &Password::new("pw")).unwrap();
    let mut v: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    v["crypto"]["cipherparams"]["iv"] = "00".into();
    std::fs::write(&path, v.to_string()).unwrap();
    let err = keystore::open(&path, &Password::new("pw")).unwrap_err();
    assert!(matches!(err, WalletError::KeystoreCorrupt { .. }), "{err:?}");
    std::fs::write(&path, "not json").unwrap();
    let err = keystore::open(&path, &Password::new("pw")).unwrap_err();
    assert!(matches!(err, WalletError::KeystoreCorrupt { .. }), "{err:?}");
}

#[test]
fn existing_keystore_is_never_overwritten() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("k.json");
    keystore::create(&path, &wallet(1), &Password::new("pw")).unwrap();
    let before = std::fs::read(&path).unwrap();
    let err = keystore::create(&path, &wallet(2), &Password::new("pw")).unwrap_err();
    assert!(matches!(err, WalletError::KeystoreExists { .. }), "{err:?}");
    assert_eq!(std::fs::read(&path).unwrap(), before);
}

#[cfg(unix)]
#[test]
fn keystore_and_state_files_are_private() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("k.json");
    keystore::create(&path, &wallet(1), &Password::new("pw")).unwrap();
    let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600, "keystore mode {mode:o}");
    let mut state = WalletState::default();
    state.set_account("default", 5);
    state.save(&path).unwrap();
    let mode = std::fs::metadata(WalletState::path_for(&path)).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600, "state mode {mode:o}");
}

#[test]
fn secrets_redact_themselves_in_debug() {
    let keys = wallet(4);
    let l2_hex = hex::encode(keys.l2.expose_bytes());
    let l1_hex = hex::encode(keys.l1.expose_b256());
    let debug = format!("{keys:?} {:?} {:#?}", keys.l1, keys);
    assert!(debug.contains("redacted"), "{debug}");
    assert!(!debug.contains(&l2_hex) && !debug.contains(&l1_hex), "{debug}");
    // Nor as decimal byte lists.
    assert!(!debug.contains(&format!("{:?}", keys.l2.expose_bytes())), "{debug}");
    let pw = Password::new("hunter2-secret");
    assert!(!format!("{pw:?}").contains("hunter2"));
}

#[test]
fn l1_keys_are_checked_and_give_the_known_address() {
    // Hardhat/anvil docs' example: key 0x...01 has address 0x7e5f4552091a69125d5dfcb7b8c2659029395bdf.
    let mut one = [0u8; 32];
    one[31] = 1;
    let k = L1Key::from_bytes(one).unwrap();
    assert_eq!(format!("{:#x}", k.address()), "0x7e5f4552091a69125d5dfcb7b8c2659029395bdf");
    assert!(L1Key::from_bytes([0; 32]).is_none());
    assert!(L1Key::from_bytes([0xff; 32]).is_none(), "above the group order");
    assert!(matches!(L1Key::from_hex("0x1234"), Err(WalletError::InvalidKey(_))));
    let fresh = WalletKeys::generate(&mut rand::rngs::OsRng, None);
    assert_ne!(fresh.l1_address(), alloy_primitives::Address::ZERO);
}

#[test]
fn state_file_round_trip_per_network() {
    let dir = tempfile::tempdir().unwrap();
    let ks = dir.path().join("alice.json");
    assert_eq!(WalletState::load(&ks).unwrap(), WalletState::default());
    let mut s = WalletState::default();
    s.set_account("0xabc", 7);
    s.set_account("default", 2);
    s.save(&ks).unwrap();
    assert_eq!(WalletState::path_for(&ks), dir.path().join("alice.state.json"));
    let back = WalletState::load(&ks).unwrap();
    assert_eq!(back.account("0xabc"), Some(7));
    assert_eq!(back.account("default"), Some(2));
    assert_eq!(back.account("0xdef"), None);
    std::fs::write(WalletState::path_for(&ks), "{").unwrap();
    assert!(matches!(WalletState::load(&ks), Err(WalletError::State { .. })));
}

#[test]
fn network_file_round_trip_resolves_the_key_path() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("network.json");
    let file = NetworkFile {
        sequencer_rpc: "http://127.0.0.1:1234".into(),
        l1_rpc: "http://127.0.0.1:8545".into(),
        rollup: "0x5fbdb2315678afecb367f032d93f642f64180aa3".parse().unwrap(),
        l1_chain_id: 7,
        params: NetworkParams { depth: 8, batch_size: 4 },
        verifying_key: "keys/batch.vk".into(),
        deploy_block: 3,
        asset: Some(ccr_wallet::amount::Asset::eth(1_000_000_000)),
        poll: Some(PollNetwork {
            address: "0xe7f1725e7734ce288f8367e1bb143e90bb3f0512".parse().unwrap(),
            state_depth: 3,
            vote_depth: 1,
            batch_size: 4,
            tally_batch_size: 8,
        }),
    };
    file.save(&path).unwrap();
    let back = NetworkFile::load(&path).unwrap();
    assert_eq!(back.verifying_key, dir.path().join("keys/batch.vk"));
    assert_eq!(NetworkFile { verifying_key: file.verifying_key.clone(), ..back.clone() }, file);
    assert_eq!(
        back.params.rollup_params(crate::common::DOMAIN).unwrap().depth,
        crate::common::params().depth
    );
    // The documented field names.
    let v: serde_json::Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    for key in ["sequencerRpc", "l1Rpc", "rollup", "l1ChainId", "params", "verifyingKey"] {
        assert!(v.get(key).is_some(), "{key} missing in {v}");
    }
    let err = NetworkFile::load(&dir.path().join("missing.json")).unwrap_err();
    assert!(matches!(err, WalletError::Config(_)), "{err:?}");
}
