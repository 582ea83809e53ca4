//! `audit`: audit the rollup from L1 alone (every batch's commitment, proof and replayed root,
//! its fund slots against the solidarity fund's queued moves,
//! and every published poll's results against its proven tally commitment, with the salt L1's
//! `publishResults` carried), with a progress bar; [`crate::audit`] does the batches.

use std::path::PathBuf;

use clap::Args;
use serde_json::{json, Value};

use crate::cli::{progress_bar, Output, Settings};
use crate::error::WalletError;

/// `audit`'s options.
#[derive(Debug, Clone, Args)]
#[command(
    after_help = "Example:\n  ccr-wallet --network .devnet/network.json audit\nExit code 8 names the first bad batch and the failed check; 11 a poll whose published results do not\nopen its proven tally commitment."
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
        let fund = crate::l1ops::rollup_fund(&l1).await?;
        let bar = progress_bar(json_mode);
        let r = crate::audit::rebuild_with_fund(&l1.client, params, &vk, fund, &mut |done, total| {
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
            + &fund.map_or_else(
                || "\nno solidarity fund on the rollup: no fund slot".to_owned(),
                |f| {
                    format!(
                        "\nsolidarity fund {f:#x}: {} of its {} queued moves carried out in order ({} paid, {} short), as it counts",
                        report.fund.carried, report.fund.queued, report.fund.paid, report.fund.short
                    )
                },
            )
            + &report_path.as_ref().map(|p| format!("\nper-batch report: {}", p.display())).unwrap_or_default();
        let asset = s.asset_from(&l1).await?;
        let credits: String = report
            .credits
            .iter()
            .map(|c| {
                format!(
                    "\ncredit in batch {}: bank {} lent {} to account {} for {} (tier {}, {} bps, {} months)",
                    c.batch,
                    c.bank,
                    asset.show(c.amount),
                    c.borrower,
                    c.purpose,
                    c.tier,
                    c.rate_bps,
                    c.term_months
                )
            })
            .collect();
        let mut text = text + &credits;
        let polls = match s.network.as_ref().and_then(|n| n.poll) {
            Some(p) => audit_polls(&l1, p.address).await?,
            None => Vec::new(),
        };
        for p in &polls {
            let checks: Vec<&str> = p["checks"]
                .as_array()
                .map(|c| c.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            text.push_str(&format!("\npoll {}: {}", p["poll"], checks.join("; ")));
        }
        let mut json = serde_json::to_value(&report).unwrap_or(Value::Null);
        json["insecureDevKey"] = json!(insecure);
        json["polls"] = Value::Array(polls);
        Ok(Output::new(text, json))
    }
}

/// Every poll with published results on the network's poll contract, checked from L1 alone
/// ([`crate::poll::verify_published`]: the results open the proven tally commitment with the
/// salt `publishResults` carried, and L1's verdict agrees).
async fn audit_polls(
    l1: &crate::l1ops::L1,
    address: alloy_primitives::Address,
) -> Result<Vec<Value>, WalletError> {
    let polls = crate::poll::poll_client(&l1.client, address);
    let count = polls.poll_count().await.map_err(|e| l1.err(e))?;
    let mut out = Vec::new();
    for id in 0..=count {
        if let Some(checks) = crate::poll::verify_published(l1, &polls, id).await? {
            out.push(json!({ "poll": id, "checks": checks }));
        }
    }
    Ok(out)
}
