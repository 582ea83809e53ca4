//! The encrypted keystore: one Web3 Secret Storage (version 3) JSON file per wallet.
//!
//! The format is geth's and foundry's (scrypt `n = 2^13, r = 8, p = 1`, AES-128-CTR, keccak-256
//! MAC), written by the `eth-keystore` crate; the plaintext is 64 bytes, the L2 seed then the
//! L1 key. Files are written crash-safely (temporary file, fsync, rename) with mode 0600, and
//! never overwritten: `key new` refuses an existing path.
//!
//! Beside the keystore `NAME.json` lives `NAME.state.json` ([`WalletState`]): not secret, the
//! account index the wallet learnt when its first deposit created the account.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use eth_keystore::{EthKeystore, KdfparamsType};
use rand::rngs::OsRng;
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use crate::error::WalletError;
use crate::fsutil::{install_private, parent_dir, write_private_atomic};
use crate::keys::{Password, WalletKeys};

/// File name of the keystore inside the temporary directory it is first written to.
const STAGED_NAME: &str = "keystore.json";

/// Where the keystore lives when neither `--keystore` nor `CCR_KEYSTORE` says:
/// `$HOME/.ccr-wallet/keystore.json` (`./keystore.json` without `HOME`).
pub fn default_keystore_path() -> PathBuf {
    match std::env::var_os("HOME") {
        Some(home) => PathBuf::from(home).join(".ccr-wallet").join("keystore.json"),
        None => PathBuf::from("keystore.json"),
    }
}

/// Encrypts `keys` under `password` into a new keystore file at `path`.
///
/// Creates the parent directory (mode 0700) if needed.
///
/// # Errors
///
/// [`WalletError::KeystoreExists`] if `path` exists, [`WalletError::Io`],
/// [`WalletError::KeystoreCorrupt`] if encryption fails.
pub fn create(path: &Path, keys: &WalletKeys, password: &Password) -> Result<(), WalletError> {
    if path.exists() {
        return Err(WalletError::KeystoreExists { path: path.to_path_buf() });
    }
    let dir = parent_dir(path);
    if !dir.exists() {
        let mut b = std::fs::DirBuilder::new();
        b.recursive(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::DirBuilderExt;
            b.mode(0o700);
        }
        b.create(&dir).map_err(|e| WalletError::io(&dir, e))?;
    }
    // A private (0700) directory beside the target, so the ciphertext is never readable by
    // others and the final rename stays on one file system.
    let staging = tempfile::Builder::new()
        .prefix(".ccr-keystore-")
        .tempdir_in(&dir)
        .map_err(|e| WalletError::io(&dir, e))?;
    let plaintext = keys.to_plaintext();
    eth_keystore::encrypt_key(
        staging.path(),
        &mut OsRng,
        plaintext.as_slice(),
        password.as_bytes(),
        Some(STAGED_NAME),
    )
    .map_err(|e| WalletError::KeystoreCorrupt { path: path.to_path_buf(), reason: e.to_string() })?;
    if path.exists() {
        return Err(WalletError::KeystoreExists { path: path.to_path_buf() });
    }
    install_private(&staging.path().join(STAGED_NAME), path).map_err(|(p, e)| WalletError::io(&p, e))
}

/// Decrypts the keystore at `path`.
///
/// # Errors
///
/// [`WalletError::NoKeystore`] if there is no file, [`WalletError::WrongPassword`] if the MAC
/// does not match, [`WalletError::KeystoreCorrupt`] for a file that is not a keystore of ours.
pub fn open(path: &Path, password: &Password) -> Result<WalletKeys, WalletError> {
    let corrupt = |reason: String| WalletError::KeystoreCorrupt { path: path.to_path_buf(), reason };
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(WalletError::NoKeystore { path: path.to_path_buf() })
        }
        Err(e) => return Err(WalletError::io(path, e)),
    };
    // Checked here because eth-keystore panics on a short IV or derived key.
    let parsed: EthKeystore =
        serde_json::from_str(&text).map_err(|e| corrupt(format!("not a keystore: {e}")))?;
    if parsed.crypto.cipher != "aes-128-ctr" || parsed.crypto.cipherparams.iv.len() != 16 {
        return Err(corrupt("unsupported cipher (expected aes-128-ctr with a 16-byte IV)".into()));
    }
    let dklen = match &parsed.crypto.kdfparams {
        KdfparamsType::Scrypt { dklen, .. } | KdfparamsType::Pbkdf2 { dklen, .. } => *dklen,
    };
    if dklen != 32 {
        return Err(corrupt(format!("derived key length {dklen}, expected 32")));
    }
    let plaintext =
        Zeroizing::new(eth_keystore::decrypt_key(path, password.as_bytes()).map_err(|e| match e {
            eth_keystore::KeystoreError::MacMismatch => {
                WalletError::WrongPassword { path: path.to_path_buf() }
            }
            other => corrupt(other.to_string()),
        })?);
    WalletKeys::from_plaintext(&plaintext)
        .ok_or_else(|| corrupt("the decrypted content is not an L2 seed and an L1 key (64 bytes)".into()))
}

/// The wallet's remembered account indices, per rollup (`NAME.state.json` beside the keystore).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct WalletState {
    /// Account index by network: the rollup contract's address (lowercase hex), or `"default"`.
    pub accounts: BTreeMap<String, u32>,
}

impl WalletState {
    /// The state file of the keystore at `keystore`: `NAME.state.json` in the same directory.
    pub fn path_for(keystore: &Path) -> PathBuf {
        let stem = keystore.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
        parent_dir(keystore).join(format!("{stem}.state.json"))
    }

    /// Reads the state of the keystore at `keystore` (empty if there is no file yet).
    ///
    /// # Errors
    ///
    /// [`WalletError::Io`], or [`WalletError::State`] for a malformed file.
    pub fn load(keystore: &Path) -> Result<Self, WalletError> {
        let path = Self::path_for(keystore);
        match std::fs::read(&path) {
            Ok(bytes) => serde_json::from_slice(&bytes).map_err(|e| WalletError::State {
                path,
                reason: format!("{e}; fix or delete it (it only remembers account indices)"),
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Self::default()),
            Err(e) => Err(WalletError::io(&path, e)),
        }
    }

    /// Writes the state crash-safely.
    ///
    /// # Errors
    ///
    /// [`WalletError::Io`].
    pub fn save(&self, keystore: &Path) -> Result<(), WalletError> {
        let path = Self::path_for(keystore);
        let json = serde_json::to_vec_pretty(self)
            .map_err(|e| WalletError::State { path: path.clone(), reason: e.to_string() })?;
        write_private_atomic(&path, &json).map_err(|(p, e)| WalletError::io(&p, e))
    }

    /// The account index remembered for `network`.
    pub fn account(&self, network: &str) -> Option<u32> {
        self.accounts.get(network).copied()
    }

    /// Remembers `index` for `network`.
    pub fn set_account(&mut self, network: &str, index: u32) {
        self.accounts.insert(network.to_owned(), index);
    }
}
