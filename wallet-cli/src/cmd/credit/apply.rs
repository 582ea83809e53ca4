//! `credit apply`: borrow. Prove eligibility on this machine for the wallet's account (the
//! sequencer supplies the epoch, L1's time and the account's proof under the sealed root), then
//! submit the credit.

use std::path::PathBuf;

use clap::Args;

use super::application::{ApplicationArgs, LoadedApplication};
use crate::cli::{finish_sent, spinner, Output, Settings, WaitArgs};
use crate::credit::{now_secs, prove_credit, purpose_label, statement_output};
use crate::error::WalletError;

/// `credit apply`'s options.
#[derive(Debug, Clone, Args)]
#[command(
    after_help = "Example:\n  ccr-wallet --network .devnet/network.json --keystore .devnet/wallets/bob.json \\\n      \
    --password-file .devnet/wallets/password.txt credit apply --bank 3 \\\n      \
    --attestation .devnet/attestations/bob.json --amount 0.000001 --purpose ecological_restoration --wait\n\
    The bank's policy, registry and proving key come from the sequencer, checked against the\n\
    commitments L1 holds (or give all three: --policy, --registry, --pk). The sequencer supplies\n\
    the epoch, L1's time and your account's proof under the sealed root; the record never leaves\n\
    the wallet. The bank's pool pays the amount into your account once the\n\
    batch is sealed; `ccr-wallet loan` shows the debt, `ccr-wallet repay` pays it back.\n\
    Exit code 10: not eligible (no proof, nothing sent); 6: the sequencer refused the credit (its code and reason)."
)]
pub struct ApplyArgs {
    /// What you apply for, and the files proving takes.
    #[command(flatten)]
    pub application: ApplicationArgs,
    /// Also keep the proof file here.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Whether and how long to wait.
    #[command(flatten)]
    pub wait: WaitArgs,
}

impl ApplyArgs {
    /// Proves (behind a spinner) and submits the credit; with `--wait`, waits for its batch.
    ///
    /// # Errors
    ///
    /// [`WalletError::Ineligible`] (nothing is sent), the files', the keystore's and the
    /// sequencer's errors.
    pub async fn run(self, s: &Settings, json_mode: bool) -> Result<Output, WalletError> {
        let Self { application, out, wait } = self;
        let keys = s.keys()?;
        let seq = s.sequencer()?;
        let index = s.account_index()?;
        let bar = spinner(json_mode);
        let loaded = application.load(s, &bar).await;
        let loaded = match loaded {
            Ok(l) => l,
            Err(e) => {
                bar.finish_and_clear();
                return Err(e);
            }
        };
        bar.set_message("fetching your account's proof under the sealed state root");
        let ctx = match seq.credit_context(index).await {
            Ok(Some(c)) => c,
            Ok(None) => {
                bar.finish_and_clear();
                return Err(WalletError::Config(format!(
                    "account {index} is not in a sealed batch yet: wait for its first batch, then apply"
                )));
            }
            Err(e) => {
                bar.finish_and_clear();
                return Err(e);
            }
        };
        let request =
            application.request(&loaded, u64::from(ctx.epoch), ctx.l1_time.unwrap_or_else(now_secs));
        let LoadedApplication { policy, attestation, registry, proving_key, purpose, asset, .. } = loaded;
        bar.set_message("proving eligibility on this machine (the record stays here)");
        let proved = prove_credit(
            &keys.l2,
            &policy,
            &proving_key,
            &attestation,
            &registry,
            &ctx.account_proof,
            request,
        );
        let file = match proved {
            Ok(f) => f,
            Err(e) => {
                bar.finish_and_clear();
                return Err(e);
            }
        };
        if let Some(out) = &out {
            file.save(out).map_err(|e| WalletError::Config(e.to_string()))?;
        }
        bar.set_message("submitting the credit");
        let sent = seq.send_credit(&file).await;
        bar.finish_and_clear();
        let receipt = sent?;
        let (st, _) = file.parts().map_err(|e| WalletError::Config(e.to_string()))?;
        let text = format!(
            "credit of {} from bank {} for {} accepted (tier {}, {} bps a year, {} months, up to {})\nhash {}",
            asset.show(st.amount),
            application.bank,
            purpose_label(purpose),
            st.tier,
            st.rate_bps,
            st.term_months,
            asset.show(st.max_amount),
            receipt.hash
        );
        let sent = crate::ops::Sent { hash: receipt.hash, seq: receipt.seq, nonce: 0 };
        let mut o = finish_sent(&seq, sent, text, wait, json_mode).await?;
        o.json["statement"] = statement_output(&st, "", Some(&asset)).json;
        Ok(o)
    }
}
