//! `health fund`: the solidarity fund's table for an epoch.

use ccr_rpc_api::health::FundTable;
use clap::Args;

use crate::cli::{Output, Settings};
use crate::error::WalletError;

/// `health fund`'s options.
#[derive(Debug, Clone, Args)]
#[command(after_help = "Examples:\n  \
        ccr-wallet health fund\n  \
        ccr-wallet health fund --epoch 12 --json\n\
        Every bank with a bioregion pays a share of its pool's free balance (never its receivables)\n\
        and receives a grant weighted by its region's need and its credit flows, capped at a share\n\
        of its money. This is the sequencer's native computation of the table; the proof comes\n\
        with the redistribution circuit. Amounts are raw L2 units.")]
pub struct FundArgs {
    /// The epoch [default: the sequencer's current one].
    #[arg(long)]
    pub epoch: Option<u32>,
}

impl FundArgs {
    /// Asks the sequencer (`ccr_getFund`).
    ///
    /// # Errors
    ///
    /// The sequencer's errors; [`WalletError::Config`] when the table lapses.
    pub async fn run(self, s: &Settings) -> Result<Output, WalletError> {
        let seq = s.sequencer()?;
        let t = seq.fund(self.epoch).await?.ok_or_else(|| {
            WalletError::Config(
                "no fund table for this epoch: it lapses (see `ccr-wallet health score --bank N` for why)"
                    .into(),
            )
        })?;
        Ok(Output::new(fund_text(&t), serde_json::to_value(&t).unwrap_or_default()))
    }
}

fn fund_text(t: &FundTable) -> String {
    let mut out = format!(
        "epoch {}: fund {} + collected {} - granted {} = {} (distributable {})\n\n",
        t.epoch, t.fund_before.0, t.collected.0, t.granted.0, t.fund_after.0, t.distributable.0
    );
    out += &format!(
        "{:>6} {:>9} {:>7} {:>7} {:>14} {:>14} {:>14}\n",
        "bank", "bioregion", "score", "need", "contribution", "cap", "grant"
    );
    for l in &t.lines {
        out += &format!(
            "{:>6} {:>9} {:>7} {:>7} {:>14} {:>14} {:>14}\n",
            l.pool,
            l.bioregion,
            format!("{}.{:02}", l.score / 100, l.score % 100),
            format!("{}.{:02}", l.need / 100, l.need % 100),
            l.contribution.0,
            l.cap.0,
            l.grant.0
        );
    }
    out.trim_end().to_owned()
}
