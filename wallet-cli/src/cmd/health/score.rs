//! `health score`: a bank's health score and its components, as a table.

use ccr_rpc_api::health::{BankHealth, IndicatorView};
use clap::Args;

use crate::cli::{Output, Settings};
use crate::error::WalletError;

/// `health score`'s options.
#[derive(Debug, Clone, Args)]
#[command(after_help = "Examples:\n  \
        ccr-wallet health score --bank 3\n  \
        ccr-wallet health score --bank 3 --epoch 12 --json\n\
        Values are the indicators' own units (medians of the attesters' reports for the bank's\n\
        bioregion; the bank's ratios on the rollup), each normalised to 0-100 against the\n\
        network's frozen bounds. A missing value scores 0: missing data never raises a score.\n\
        What the sequencer cannot derive (e.g. a past epoch's pool balance) is listed as absent.")]
pub struct ScoreArgs {
    /// The bank: its pool's account index.
    #[arg(long, value_name = "POOL")]
    pub bank: u32,
    /// The epoch [default: the sequencer's current one].
    #[arg(long)]
    pub epoch: Option<u32>,
}

impl ScoreArgs {
    /// Asks the sequencer (`ccr_getHealth`).
    ///
    /// # Errors
    ///
    /// The sequencer's errors; [`WalletError::Config`] when the bank has no bioregion.
    pub async fn run(self, s: &Settings) -> Result<Output, WalletError> {
        let seq = s.sequencer()?;
        let h = seq.bank_health(self.bank, self.epoch).await?.ok_or_else(|| {
            WalletError::Config(format!(
                "bank {} has no bioregion in the sequencer's health configuration, so no health score",
                self.bank
            ))
        })?;
        Ok(Output::new(score_text(&h), serde_json::to_value(&h).unwrap_or_default()))
    }
}

/// `value × 10⁴` as a decimal, or `missing`.
fn value(v: &IndicatorView) -> String {
    match v.value {
        Some(d) => {
            let (sign, a) = if d.0 < 0 { ("-", d.0.unsigned_abs()) } else { ("", d.0.unsigned_abs()) };
            format!("{sign}{}.{:02}", a / 10_000, a % 10_000 / 100)
        }
        None => "missing".into(),
    }
}

/// `0..=10000` on the 0-100 scale.
fn pct(x: u64) -> String {
    format!("{}.{:02}", x / 100, x % 100)
}

fn score_text(h: &BankHealth) -> String {
    let mut out = format!(
        "bank {} in bioregion {}{}, epoch {} (current {})\n",
        h.pool,
        h.bioregion,
        h.bioregion_name.as_deref().map(|n| format!(" ({n})")).unwrap_or_default(),
        h.epoch,
        h.current_epoch
    );
    out += &format!("reports counted: {}\n", h.reports.len());
    for r in &h.reports {
        out += &format!(
            "  {}  epoch {}  data year {}  source {}\n",
            r.attester, r.epoch, r.data_year, r.source_digest
        );
    }
    out += &format!("\n{:<30} {:<26} {:>12} {:>7}\n", "indicator", "component", "value", "score");
    for v in h.regional.iter().chain(&h.rollup) {
        out += &format!("{:<30} {:<26} {:>12} {:>7}\n", v.name, v.component, value(v), pct(v.normalised));
    }
    match &h.score {
        Some(sc) => {
            out += &format!("\n{:<26} {:>6} {:>7}\n", "component", "weight", "score");
            for c in &sc.components {
                out += &format!("{:<26} {:>6} {:>7}\n", c.name, pct(c.weight), pct(c.value));
            }
            out += &format!("\nhealth score {} / 100\n", sc.score100);
        }
        None => {
            out += &format!("\nno score: {}\n", h.score_unavailable.as_deref().unwrap_or("unavailable"));
        }
    }
    for a in &h.activity.absent {
        out += &format!("absent: {a}\n");
    }
    match &h.fund {
        Some(l) => {
            out += &format!(
                "fund (native table): contribution {}, grant {} (cap {}), need {}\n",
                l.contribution.0,
                l.grant.0,
                l.cap.0,
                pct(l.need)
            )
        }
        None => out += &format!("fund: {}\n", h.fund_unavailable.as_deref().unwrap_or("no table")),
    }
    out.trim_end().to_owned()
}
