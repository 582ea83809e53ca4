//! `bank list`: the community banks as L1 records them (every version of each bank's policy
//! hash, shape (whose eligibility key is the rollup's) and attester registry root, with the time
//! it came into force).
//!
//! Everything here and in `bank show` is read from L1 alone (no key, no sequencer): a member
//! checks a bank's files before proving against them, an auditor lists what every bank ever
//! required.

use ccr_l1::client::BankVersion;
use clap::Args;
use serde_json::{json, Value};

use crate::cli::{Output, Settings};
use crate::error::WalletError;

/// `bank list`'s options (none).
#[derive(Debug, Clone, Args)]
#[command(after_help = "Example:\n  ccr-wallet --network .devnet/network.json bank list")]
pub struct ListArgs {}

impl ListArgs {
    /// Every registered bank with its current version.
    ///
    /// # Errors
    ///
    /// L1's errors; the configuration's.
    pub async fn run(self, s: &Settings) -> Result<Output, WalletError> {
        let all = versions(s).await?;
        let mut banks: Vec<(u32, Vec<&BankVersion>)> = Vec::new();
        for v in &all {
            match banks.iter_mut().find(|(p, _)| *p == v.pool) {
                Some((_, vs)) => vs.push(v),
                None => banks.push((v.pool, vec![v])),
            }
        }
        banks.sort_by_key(|(p, _)| *p);
        let mut json = Vec::new();
        let mut text =
            if banks.is_empty() { "no bank is registered on this rollup".to_owned() } else { String::new() };
        for (pool, vs) in &banks {
            let current = vs.iter().max_by_key(|v| v.version).map(|v| version_json(v)).transpose()?;
            if let Some(c) = &current {
                text.push_str(&format!(
                    "bank {pool} ({} version{})\n{}\n",
                    vs.len(),
                    if vs.len() == 1 { "" } else { "s" },
                    version_text(c)
                ));
            }
            json.push(json!({ "pool": pool, "versions": vs.len(), "current": current }));
        }
        Ok(Output::new(text.trim_end(), json!({ "banks": json })))
    }
}

/// One bank version as `bank list` and `bank show` print it in `--json`.
pub(super) fn version_json(v: &BankVersion) -> Result<Value, WalletError> {
    Ok(json!({
        "pool": v.pool,
        "version": v.version,
        "since": v.since,
        "policyHash": v.policy_hash.to_string(),
        "registryRoot": v.registry_root.to_string(),
        "shape": v.shape,
        "vkHash": ccr_prover::key_hash(&v.vk).map_err(|e| WalletError::Config(e.to_string()))?,
        "vkStore": format!("{:#x}", v.vk_pointer),
    }))
}

/// A [`version_json`] as text lines.
pub(super) fn version_text(v: &Value) -> String {
    format!(
        "  version {} since {} (unix time)\n    policy hash   {}\n    registry root {}\n    shape         {} (the rollup's key of this shape)\n    key hash      {} (stored at {})",
        v["version"],
        v["since"],
        v["policyHash"].as_str().unwrap_or_default(),
        v["registryRoot"].as_str().unwrap_or_default(),
        v["shape"],
        v["vkHash"].as_str().unwrap_or_default(),
        v["vkStore"].as_str().unwrap_or_default(),
    )
}

/// Every version of every bank, from L1.
///
/// # Errors
///
/// L1's errors; the configuration's.
pub async fn versions(s: &Settings) -> Result<Vec<BankVersion>, WalletError> {
    let l1 = s.l1_reader().await?;
    l1.client.bank_versions().await.map_err(|e| l1.err(e))
}
