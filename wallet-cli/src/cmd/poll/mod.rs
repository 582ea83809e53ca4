//! `poll`: bank polls. Create (a proposal too), tally (the coordinator), result, execute,
//! show; the work is [`crate::poll`]'s. Members vote with `vote` ([`crate::cmd::vote`]).

use clap::Subcommand;

use crate::cli::{Output, Settings};
use crate::error::WalletError;

pub mod create;
pub mod execute;
pub mod result;
pub mod roster;
pub mod show;
pub mod tally;

/// `poll` subcommands.
#[derive(Debug, Subcommand)]
pub enum PollCommand {
    /// Banks: create a poll of the bank's members (a proposal to adopt a new policy with
    /// --proposal-policy/--proposal-registry), writing the roster file.
    Create(create::CreateArgs),
    /// Coordinators: close the poll after its deadline, prove the processing and the tally,
    /// submit the proofs and publish the results (records the salt in the roster file).
    Tally(tally::TallyArgs),
    /// Show a poll's published result; --verify checks it against L1's commitments.
    Result(result::ResultArgs),
    /// Adopt a passed proposal: the bank's policy, eligibility key and registry change on L1.
    Execute(execute::ExecuteArgs),
    /// Show a poll as L1 holds it: phase, messages, deadline, proposal.
    Show(show::ShowArgs),
}

impl PollCommand {
    /// Runs the subcommand.
    ///
    /// # Errors
    ///
    /// As the subcommand's `run`.
    pub async fn run(self, s: &Settings, json_mode: bool) -> Result<Output, WalletError> {
        match self {
            Self::Create(a) => a.run(s).await,
            Self::Tally(a) => a.run(s, json_mode).await,
            Self::Result(a) => a.run(s).await,
            Self::Execute(a) => a.run(s).await,
            Self::Show(a) => a.run(s).await,
        }
    }
}
