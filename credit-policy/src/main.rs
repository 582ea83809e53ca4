//! `ccr-policy`: train a bank's credit assessment policy and score applicants with it.

use std::io::Write;
use std::path::PathBuf;

use anyhow::{bail, Context, Result};
use ccr_credit_policy::{report, train, Policy, Purpose, Schema, Table, TrainConfig};
use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "ccr-policy",
    version,
    about = "Train and apply a community bank's credit assessment policy"
)]
struct Cli {
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Fit the logistic regression, quantize it, cross-validate both, write the policy file.
    Train {
        /// Labelled CSV with a header.
        #[arg(long)]
        data: PathBuf,
        /// Schema file (JSON) naming the features, their encoding and the label.
        #[arg(long)]
        schema: PathBuf,
        /// Policy file to write.
        #[arg(long)]
        out: PathBuf,
        /// Seed of the stratified cross-validation folds.
        #[arg(long, default_value_t = 0)]
        seed: u64,
    },
    /// Score applicants with the integer model (the eligibility circuit's native twin).
    Score {
        /// Policy file.
        #[arg(long)]
        policy: PathBuf,
        /// One applicant: the feature values, comma-separated, in the schema's order.
        #[arg(long, conflicts_with = "data", required_unless_present = "data")]
        row: Option<String>,
        /// A CSV of applicants with a header (extra columns, the label included, are ignored).
        #[arg(long)]
        data: Option<PathBuf>,
        /// Purpose of the credit: productive_enterprise, creative_project, community_infrastructure,
        /// ecological_restoration, educational_initiative (or its code 0-4).
        #[arg(long, default_value = "productive_enterprise")]
        purpose: String,
        /// Print JSON (one object per applicant).
        #[arg(long)]
        json: bool,
    },
    /// How many applicants each purpose's weight moves to another tier (against no bonus).
    /// The eligibility proof takes the weight of the purpose the attester signed.
    Purposes {
        /// Policy file.
        #[arg(long)]
        policy: PathBuf,
        /// A CSV of applicants with a header (extra columns, the label included, are ignored).
        #[arg(long)]
        data: PathBuf,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}

fn main() -> Result<()> {
    match Cli::parse().cmd {
        Cmd::Train { data, schema, out, seed } => {
            let schema = Schema::load(&schema)?;
            let table = Table::read(&data, &schema, true)?;
            let policy = train(&schema, &table, &TrainConfig { seed, ..TrainConfig::default() })?;
            policy.save(&out)?;
            print!("{}", report::summary(&policy));
            println!("written to {}", out.display());
        }
        Cmd::Score { policy, row, data, purpose, json } => {
            let policy = Policy::load(&policy)?;
            let Some(purpose) = Purpose::parse(&purpose) else {
                bail!("unknown purpose `{purpose}`: use one of productive_enterprise, creative_project, community_infrastructure, ecological_restoration, educational_initiative");
            };
            let rows: Vec<(u64, Vec<i64>)> = match (row, data) {
                (Some(row), _) => vec![(0, ccr_credit_policy::data::encode_row(&policy.schema, &row)?)],
                (None, Some(path)) => {
                    let t = Table::read(&path, &policy.schema, false)?;
                    t.lines.into_iter().zip(t.inputs).collect()
                }
                (None, None) => bail!("give --row or --data"),
            };
            let mut stdout = std::io::stdout().lock();
            for (line, x) in rows {
                let d = policy.decide(&x, purpose).with_context(|| format!("scoring line {line}"))?;
                let tier = d.tier.map(|t| &policy.tiers[t - 1]);
                let text = if json {
                    serde_json::json!({ "line": line, "score": d.score, "tier": d.tier, "terms": tier })
                        .to_string()
                } else {
                    let t = tier.map_or("declined".to_string(), |t| {
                        format!("max {} at {} bps for {} months", t.max_amount, t.rate_bps, t.term_months)
                    });
                    let at = if line > 0 { format!("line {line}: ") } else { String::new() };
                    let tier = d.tier.map_or("-".into(), |t| t.to_string());
                    format!("{at}score {} tier {tier} ({t})", d.score)
                };
                if writeln!(stdout, "{text}").is_err() {
                    break; // stdout closed (e.g. piped into `head`)
                }
            }
        }
        Cmd::Purposes { policy, data, json } => {
            let policy = Policy::load(&policy)?;
            let t = Table::read(&data, &policy.schema, false)?;
            let effects = report::purpose_effects(&policy, &t.inputs)?;
            if json {
                println!("{}", serde_json::to_string_pretty(&effects)?);
            } else {
                print!("{} applicants\n{}", t.inputs.len(), report::purpose_effects_table(&effects));
            }
        }
    }
    Ok(())
}
