//! `audit`: audit the rollup from L1 alone (every batch's commitment, proof and replayed root),
//! with a progress bar; [`crate::audit`] does the work.

use std::path::PathBuf;

use clap::Args;
use serde_json::{json, Value};

use crate::cli::{progress_bar, Output, Settings};
use crate::error::WalletError;

/// `audit`'s options.
#[derive(Debug, Clone, Args)]
#[command(
    after_help = "Example:\n  ccr-wallet --network .devnet/network.json audit\nExit code 8 names the first bad batch and the failed check."
)]
pub struct AuditArgs {
    /// The batch circuit's verifying key [default: the network file's]. It must be the key
    /// L1's verifier carries (checked), and a development key is reported as insecure.
    #[arg(long, value_name = "FILE")]
    pub verifying_key: Option<PathBuf>,
    /// Also write every batch's checks to FILE (a JSON array: batch, epoch, L1 transaction,
    /// roots, recomputed commitment, queue range, slots, checks passed).
    #[arg(long, value_name = "FILE")]
    pub report: Option<PathBuf>,
}

impl AuditArgs {
    /// Rebuilds the state from L1 and reports (writing the per-batch report with `--report`).
    ///
    /// # Errors
    ///
    /// [`WalletError::Audit`] naming the first bad batch; the configuration's and L1's errors.
    pub async fn run(self, s: &Settings, json_mode: bool) -> Result<Output, WalletError> {
        let Self { verifying_key, report: report_path } = self;
        let params = s.params()?;
        let (vk, insecure) = s.verifying_key_with_flag(verifying_key.as_deref())?;
        let l1 = s.l1_reader().await?;
        let bar = progress_bar(json_mode);
        let r = crate::audit::rebuild(&l1.client, params, &vk, &mut |done, total| {
            bar.set_length(total);
            bar.set_position(done);
        })
        .await;
        bar.finish_and_clear();
        let (report, _) = r?;
        if let Some(path) = &report_path {
            let mut json = serde_json::to_vec_pretty(&report.per_batch)
                .map_err(|e| WalletError::Config(format!("serializing the report: {e}")))?;
            json.push(b'\n');
            crate::fsutil::write_private_atomic(path, &json).map_err(|(p, e)| WalletError::io(&p, e))?;
        }
        let warning = if insecure {
            "WARNING: the verifying key comes from the INSECURE development setup: anyone who knows its \
             seed can forge batch proofs, so these checks prove nothing about the state. Never for value.\n"
        } else {
            ""
        };
        let text = warning.to_owned()
            + &format!(
                "OK: {} batches, {} proofs verified, {} eligibility proofs verified, {} transactions replayed ({} exits), \
                 {} of {} L1 queue entries consumed\n\
                 {} accounts; final root {} equals L1's stateRoot()",
                report.batches,
                report.proofs_verified,
                report.eligibility_proofs_verified,
                report.transactions,
                report.exits,
                report.queue_consumed,
                report.queue_total,
                report.accounts,
                report.final_root
            )
            + &format!("\nthe key is the one L1's batch verifier ({}) carries", report.verifier)
            + &report_path.as_ref().map(|p| format!("\nper-batch report: {}", p.display())).unwrap_or_default();
        let credits: String = report
            .credits
            .iter()
            .map(|c| {
                format!(
                    "\ncredit in batch {}: bank {} lent {} to account {} for {} (tier {}, {} bps, {} months)",
                    c.batch, c.bank, c.amount, c.borrower, c.purpose, c.tier, c.rate_bps, c.term_months
                )
            })
            .collect();
        let text = text + &credits;
        let mut json = serde_json::to_value(&report).unwrap_or(Value::Null);
        json["insecureDevKey"] = json!(insecure);
        Ok(Output::new(text, json))
    }
}
