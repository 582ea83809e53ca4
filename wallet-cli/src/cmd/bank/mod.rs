//! `bank`: eligibility keys for a policy (development setup), the attester registry,
//! registration on L1, and the banks as L1 records them (`list`, `show`).

use clap::Subcommand;

use crate::cli::{Output, Settings};
use crate::error::WalletError;

pub mod keygen;
pub mod list;
pub mod register;
pub mod registry;
pub mod show;

/// `bank` subcommands.
#[derive(Debug, Subcommand)]
pub enum BankCommand {
    /// INSECURE development setup: the proving and verifying keys of the policy's eligibility circuit.
    Keygen(keygen::KeygenArgs),
    /// Register your account as a community bank pool on L1: its policy, eligibility key and registry.
    Register(register::RegisterArgs),
    /// The registered banks, as L1 records them: each one's current policy hash, key and registry.
    List(list::ListArgs),
    /// One bank's every version on L1; with files, checks that they are its current ones.
    Show(show::ShowArgs),
    /// Write the bank's attester registry (public): attester keys at their slots, and its root.
    Registry(registry::RegistryArgs),
}

impl BankCommand {
    /// Runs the subcommand.
    ///
    /// # Errors
    ///
    /// As the subcommand's `run`.
    pub async fn run(self, s: &Settings) -> Result<Output, WalletError> {
        match self {
            Self::Keygen(a) => a.run(),
            Self::Register(a) => a.run(s).await,
            Self::List(a) => a.run(s).await,
            Self::Show(a) => a.run(s).await,
            Self::Registry(a) => a.run(),
        }
    }
}
