//! `key new`: create a keystore with a fresh L2 key and an L1 key (fresh, or a devnet
//! account's).

use clap::Args;

use super::show::keys_output;
use crate::cli::{Output, Settings};
use crate::error::WalletError;
use crate::keys::{L1Key, WalletKeys};
use crate::keystore;

/// `key new`'s options.
#[derive(Debug, Clone, Args)]
#[command(
    after_help = "Examples:\n  ccr-wallet key new\n  ccr-wallet --keystore alice.json --password-file pw key new --l1-dev-account 1"
)]
pub struct NewArgs {
    /// Use the devnet's (anvil's) well-known funded account N (0-9) as the L1 key.
    /// Public keys: for development chains only.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u8).range(0..10))]
    pub l1_dev_account: Option<u8>,
}

impl NewArgs {
    /// Creates the keystore (never over an existing one).
    ///
    /// # Errors
    ///
    /// [`WalletError::KeystoreExists`], the password's and the keystore's errors.
    pub fn run(self, s: &Settings) -> Result<Output, WalletError> {
        if s.keystore.exists() {
            return Err(WalletError::KeystoreExists { path: s.keystore.clone() });
        }
        let l1 = self.l1_dev_account.map(dev_key).transpose()?;
        let keys = WalletKeys::generate(&mut rand::rngs::OsRng, l1);
        let password = s.password(true)?;
        keystore::create(&s.keystore, &keys, &password)?;
        let mut out = keys_output(&keys, &s.keystore);
        out.text = format!(
            "created {}\n{}\nkeep the password: without it the keys are lost",
            s.keystore.display(),
            out.text
        );
        Ok(out)
    }
}

/// The L1 key of the devnet's funded account `n`.
fn dev_key(n: u8) -> Result<L1Key, WalletError> {
    let hex = ccr_l1::DEV_KEYS.get(usize::from(n)).ok_or_else(|| {
        WalletError::Config(format!("--l1-dev-account {n}: there are 10 dev accounts (0-9)"))
    })?;
    L1Key::from_hex(hex)
}
