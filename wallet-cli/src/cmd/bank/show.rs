//! `bank show`: one bank's every version as L1 records it, and whether the files a member was
//! handed are the ones L1 holds (read from L1 alone, like `bank list`).

use std::path::PathBuf;

use ccr_l1::client::BankVersion;
use clap::Args;
use serde_json::{json, Value};

use super::list::{version_json, version_text, versions};
use crate::cli::{Output, Settings};
use crate::credit::{load_policy, read_json, RegistryFile};
use crate::error::WalletError;

/// `bank show`'s options.
#[derive(Debug, Clone, Args)]
#[command(after_help = "Examples:\n  ccr-wallet --network .devnet/network.json bank show 3\n  \
    ccr-wallet --network .devnet/network.json bank show 3 --policy german.json --registry registry.json \
    --vk eligibility.vk\nWith files, each is checked against the bank's current version on L1 (exit 4 on a mismatch).")]
pub struct ShowArgs {
    /// The bank's pool account.
    pub pool: u32,
    /// A policy file to check against the policy hash L1 holds.
    #[arg(long, value_name = "FILE")]
    pub policy: Option<PathBuf>,
    /// An attester registry file to check against L1's registry root.
    #[arg(long, value_name = "FILE")]
    pub registry: Option<PathBuf>,
    /// An eligibility verifying key to check against the rollup's key of the bank's shape.
    #[arg(long, value_name = "FILE")]
    pub vk: Option<PathBuf>,
}

impl ShowArgs {
    /// Every version of one bank, and the given files checked against the current one.
    ///
    /// # Errors
    ///
    /// [`WalletError::Config`] for an account that is not a registered bank, and
    /// [`WalletError::Config`] naming each file that does not match L1.
    pub async fn run(self, s: &Settings) -> Result<Output, WalletError> {
        let a = self;
        let all = versions(s).await?;
        let mut mine: Vec<&BankVersion> = all.iter().filter(|v| v.pool == a.pool).collect();
        mine.sort_by_key(|v| v.version);
        let Some(current) = mine.last().copied() else {
            return Err(WalletError::Config(format!(
                "account {} is not a registered bank on this rollup (`ccr-wallet bank list` shows those that are)",
                a.pool
            )));
        };
        let json_versions = mine.iter().map(|v| version_json(v)).collect::<Result<Vec<_>, _>>()?;
        let mut text =
            format!("bank {} ({} version{})\n", a.pool, mine.len(), if mine.len() == 1 { "" } else { "s" });
        for v in &json_versions {
            text.push_str(&version_text(v));
            text.push('\n');
        }
        // The files, each against the current version: (file, what, matches, why not).
        let mut found: Vec<(&PathBuf, &str, bool, String)> = Vec::new();
        if let Some(path) = &a.policy {
            let hash =
                load_policy(path)?.circuit_params().map_err(|e| WalletError::Config(e.to_string()))?.hash();
            let why = format!("policy hash {hash}, L1 holds {}", current.policy_hash);
            found.push((path, "policy", hash == current.policy_hash, why));
        }
        if let Some(path) = &a.registry {
            let registry: RegistryFile =
                read_json(path, "an attester registry", "write it with `ccr-wallet bank registry`")?;
            let root = registry.registry()?.root();
            let why = format!("registry root {root}, L1 holds {}", current.registry_root);
            found.push((path, "registry", root == current.registry_root, why));
        }
        if let Some(path) = &a.vk {
            let vk = crate::l1ops::load_verifying_key(path)?;
            let why = "not the rollup's eligibility key of this bank's shape".to_owned();
            found.push((path, "eligibility key", vk == current.vk, why));
        }
        let checks: Vec<Value> = found
            .iter()
            .map(|(path, what, ok, _)| json!({ "file": path.display().to_string(), "what": what, "matches": ok }))
            .collect();
        let mismatches: Vec<String> = found
            .iter()
            .filter(|f| !f.2)
            .map(|(path, _, _, why)| format!("{}: {why}", path.display()))
            .collect();
        if !mismatches.is_empty() {
            return Err(WalletError::Config(format!(
                "these files are not bank {}'s current (version {}) on L1: do not prove against them\n  {}",
                a.pool,
                current.version,
                mismatches.join("\n  ")
            )));
        }
        for c in &checks {
            text.push_str(&format!(
                "{} {}: matches L1 (version {})\n",
                c["what"].as_str().unwrap_or_default(),
                c["file"].as_str().unwrap_or_default(),
                current.version
            ));
        }
        Ok(Output::new(
            text.trim_end(),
            json!({ "pool": a.pool, "versions": json_versions, "checks": checks }),
        ))
    }
}
