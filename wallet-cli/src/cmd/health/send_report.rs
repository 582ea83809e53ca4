//! `health send-report`: send an attester's signed indicator report to the sequencer.

use std::path::PathBuf;

use ccr_rpc_api::health::HealthReportInput;
use clap::Args;

use crate::cli::{Output, Settings};
use crate::error::WalletError;
use crate::health::HealthReportFile;

/// `health send-report`'s options.
#[derive(Debug, Clone, Args)]
#[command(after_help = "Example:\n  \
        ccr-wallet health send-report report.json\n\
        The file is what `ccr-wallet attester health-report --out report.json` writes; the wallet\n\
        checks its signature first. The sequencer refuses a report of an attester outside the\n\
        network's health registry (-32019 unregistered_attester), a forged signature (-32001\n\
        bad_signature), an epoch in the future or more than max_report_age epochs old (-32020\n\
        stale_health_report), a second report of the attester for the bioregion and epoch\n\
        (-32021 duplicate_health_report) and a bioregion the network does not list (-32022\n\
        unknown_bioregion).")]
pub struct SendReportArgs {
    /// The signed report file (`ccr-wallet attester health-report --out FILE`).
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
}

impl SendReportArgs {
    /// Reads and verifies the file, sends it (`ccr_sendHealthReport`).
    ///
    /// # Errors
    ///
    /// [`WalletError::Config`] for a file that does not read or verify; the sequencer's
    /// refusals as [`WalletError::Rejected`].
    pub async fn run(self, s: &Settings) -> Result<Output, WalletError> {
        let bytes = std::fs::read(&self.file)
            .map_err(|e| WalletError::Config(format!("reading {}: {e}", self.file.display())))?;
        let file: HealthReportFile = serde_json::from_slice(&bytes).map_err(|e| {
            WalletError::Config(format!("{}: not a health report file: {e}", self.file.display()))
        })?;
        let signed = file.verify()?;
        let seq = s.sequencer()?;
        let receipt = seq.send_health_report(&HealthReportInput::from_signed(&signed)).await?;
        let text = format!(
            "report of {} for bioregion {} and epoch {} stored; it counts in epochs {}..={}",
            receipt.attester, receipt.bioregion, receipt.epoch, receipt.epoch, receipt.counts_until_epoch
        );
        Ok(Output::new(text, serde_json::to_value(&receipt).unwrap_or_default()))
    }
}
