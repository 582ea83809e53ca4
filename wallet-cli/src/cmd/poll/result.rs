//! `poll result`: a poll's published result; `--verify` checks it against L1's commitments
//! ([`crate::poll::result`]).

use clap::Args;

use super::roster::PollFileArg;
use crate::cli::{Output, Settings};
use crate::error::WalletError;
use crate::poll::{poll_client, result, results_text};
use crate::vote::PollFile;

/// `poll result`'s options.
#[derive(Debug, Clone, Args)]
#[command(after_help = "Example:
  ccr-wallet --network .devnet/network.json poll result --poll-file poll-1.json --verify
Exit code 11: a check failed (the roster is not the poll's, or the results do not open the tally).")]
pub struct ResultArgs {
    /// The roster file.
    #[command(flatten)]
    pub file: PollFileArg,
    /// Recompute initialSb from the roster and open the tally commitment with the results.
    #[arg(long)]
    pub verify: bool,
}

impl ResultArgs {
    /// Reads (and with `--verify` checks) the published result.
    ///
    /// # Errors
    ///
    /// As [`result`].
    pub async fn run(self, s: &Settings) -> Result<Output, WalletError> {
        let file = PollFile::load(&self.file.path(s)?)?;
        let l1 = s.l1_reader().await?;
        let polls = poll_client(&l1.client, file.poll_contract);
        let r = result(&l1, &polls, &file, self.verify).await?;
        let mut text = format!(
            "poll {}: winner option {}, {} voice credits spent\n{}",
            r.poll,
            r.winner,
            r.total_spent,
            results_text(&r.results, r.passed.is_some())
        );
        if let Some(p) = r.passed {
            text.push_str(if p {
                "\nthe proposal PASSED: `ccr-wallet poll execute` adopts it"
            } else {
                "\nthe proposal did not pass"
            });
        }
        for v in &r.verified {
            text.push_str(&format!("\nverified: {v}"));
        }
        Ok(Output::new(text, serde_json::to_value(&r).unwrap_or_default()))
    }
}
