//! `vote`: vote in a bank poll through the sequencer ([`crate::poll::vote`]).

use clap::Args;

use super::poll::roster::PollFileArg;
use crate::cli::{Output, Settings};
use crate::error::WalletError;
use crate::vote::{PollFile, VoteChoice};

/// `vote`'s options.
#[derive(Debug, Clone, Args)]
#[command(after_help = "Examples:
  ccr-wallet --network .devnet/network.json vote --poll 1 --option 1 --weight 3
  ccr-wallet --network .devnet/network.json vote --poll 1 --option 0 --weight 2 --new-key
Each vote replaces your earlier votes in the poll (the newest message is processed first).
--new-key moves to a fresh vote key derived from your spending key: every message sent before
it becomes void. Your per-poll state (no secret) is kept beside the keystore.")]
pub struct VoteArgs {
    /// The roster file.
    #[command(flatten)]
    pub file: PollFileArg,
    /// The option (a proposal: 0 against, 1 for).
    #[arg(long, value_name = "N")]
    pub option: u64,
    /// The weight: votes on the option, costing weight² voice credits.
    #[arg(long, default_value_t = 1, value_name = "W")]
    pub weight: u64,
    /// Move to a new vote key (derived from your spending key): every message you sent before
    /// becomes void, even if someone replays a copy.
    #[arg(long)]
    pub new_key: bool,
}

impl VoteArgs {
    /// Votes with the wallet's key.
    ///
    /// # Errors
    ///
    /// As [`crate::poll::vote`].
    pub async fn run(self, s: &Settings) -> Result<Output, WalletError> {
        let args = self;
        let path = args.file.path(s)?;
        let file = PollFile::load(&path)?;
        let keys = s.keys()?;
        let seq = s.sequencer()?;
        let choice = VoteChoice { option: args.option, weight: args.weight, new_key: args.new_key };
        let sent =
            crate::poll::vote(&seq, &s.keystore, &file, &keys.l2, choice, &mut rand::rngs::OsRng).await?;
        let text = format!(
            "vote sent to poll {}: {} vote(s) on option {} (message {} in L1 block {}, relayed by the sequencer){}\n\
             it replaces your earlier votes in this poll",
            sent.poll,
            args.weight,
            args.option,
            sent.index,
            sent.block,
            if args.new_key { format!("\nnew vote key (generation {}): earlier messages are void", sent.key_generation) } else { String::new() }
        );
        Ok(Output::new(text, serde_json::to_value(&sent).unwrap_or_default()))
    }
}
