//! `key`: create or show the wallet's keys.

use clap::Subcommand;

use crate::cli::{Output, Settings};
use crate::error::WalletError;

pub mod new;
pub mod show;

/// `key` subcommands.
#[derive(Debug, Subcommand)]
pub enum KeyCommand {
    /// Create a keystore with a fresh L2 key and an L1 key (fresh, or a devnet account's).
    New(new::NewArgs),
    /// Show the public keys: L2 public key (x, y) and L1 address.
    Show(show::ShowArgs),
}

impl KeyCommand {
    /// Runs the subcommand.
    ///
    /// # Errors
    ///
    /// As the subcommand's `run`.
    pub fn run(self, s: &Settings) -> Result<Output, WalletError> {
        match self {
            Self::New(a) => a.run(s),
            Self::Show(a) => a.run(s),
        }
    }
}
