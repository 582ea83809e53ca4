//! `key show`: the wallet's public keys.

use std::path::Path;

use ccr_rpc_api::wire::fr_to_hex;
use clap::Args;
use serde_json::json;

use crate::cli::{Output, Settings};
use crate::error::WalletError;
use crate::keys::WalletKeys;

/// `key show`'s options (none).
#[derive(Debug, Clone, Args)]
pub struct ShowArgs {}

impl ShowArgs {
    /// Decrypts the keystore and shows its public keys.
    ///
    /// # Errors
    ///
    /// The keystore's and the password's errors.
    pub fn run(self, s: &Settings) -> Result<Output, WalletError> {
        Ok(keys_output(&s.keys()?, &s.keystore))
    }
}

/// The public keys of `keys` (kept at `path`), as `key show` and `key new` print them.
pub(super) fn keys_output(keys: &WalletKeys, path: &Path) -> Output {
    let pk = keys.l2_public();
    let (x, y) = (fr_to_hex(&pk.x), fr_to_hex(&pk.y));
    let addr = format!("{:#x}", keys.l1_address());
    Output::new(
        format!("L2 public key x {x}\n              y {y}\nL1 address      {addr}"),
        json!({ "keystore": path.display().to_string(), "l2PublicKey": { "x": x, "y": y }, "l1Address": addr }),
    )
}
