//! `bank list` and `bank show`: the community banks as L1 records them (every version of each
//! bank's policy hash, eligibility key and attester registry root, with the time it came into
//! force), and whether the files a member was handed are the ones L1 holds.
//!
//! Everything here is read from L1 alone (no key, no sequencer): a member checks a bank's files
//! before proving against them, an auditor lists what every bank ever required.

use std::path::PathBuf;

use ccr_l1::client::BankVersion;
use serde_json::{json, Value};

use crate::cli::{Output, Settings};
use crate::credit::{load_policy, read_json, RegistryFile};
use crate::error::WalletError;

/// `bank show`'s options.
#[derive(Debug, Clone, clap::Args)]
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
    /// An eligibility verifying key to check against the key L1 stores.
    #[arg(long, value_name = "FILE")]
    pub vk: Option<PathBuf>,
}

fn version_json(v: &BankVersion) -> Result<Value, WalletError> {
    Ok(json!({
        "pool": v.pool,
        "version": v.version,
        "since": v.since,
        "policyHash": v.policy_hash.to_string(),
        "registryRoot": v.registry_root.to_string(),
        "vkHash": ccr_prover::key_hash(&v.vk).map_err(|e| WalletError::Config(e.to_string()))?,
        "vkStore": format!("{:#x}", v.vk_pointer),
    }))
}

fn version_text(v: &Value) -> String {
    format!(
        "  version {} since {} (unix time)\n    policy hash   {}\n    registry root {}\n    key hash      {} (stored at {})",
        v["version"],
        v["since"],
        v["policyHash"].as_str().unwrap_or_default(),
        v["registryRoot"].as_str().unwrap_or_default(),
        v["vkHash"].as_str().unwrap_or_default(),
        v["vkStore"].as_str().unwrap_or_default(),
    )
}

async fn versions(s: &Settings) -> Result<Vec<BankVersion>, WalletError> {
    let l1 = s.l1_reader().await?;
    l1.client.bank_versions().await.map_err(|e| l1.err(e))
}

/// `bank list`: every registered bank with its current version.
///
/// # Errors
///
/// L1's errors; the configuration's.
pub async fn run_list(s: &Settings) -> Result<Output, WalletError> {
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

/// `bank show POOL`: every version of one bank, and the given files checked against the
/// current one.
///
/// # Errors
///
/// [`WalletError::Config`] for an account that is not a registered bank, and
/// [`WalletError::Config`] naming each file that does not match L1.
pub async fn run_show(s: &Settings, a: ShowArgs) -> Result<Output, WalletError> {
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
        let hash = load_policy(path)?.circuit_params().map_err(|e| WalletError::Config(e.to_string()))?.hash;
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
        let why = "not the eligibility key L1 stores for this bank".to_owned();
        found.push((path, "eligibility key", vk == current.vk, why));
    }
    let checks: Vec<Value> = found
        .iter()
        .map(|(path, what, ok, _)| json!({ "file": path.display().to_string(), "what": what, "matches": ok }))
        .collect();
    let mismatches: Vec<String> =
        found.iter().filter(|f| !f.2).map(|(path, _, _, why)| format!("{}: {why}", path.display())).collect();
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
    Ok(Output::new(text.trim_end(), json!({ "pool": a.pool, "versions": json_versions, "checks": checks })))
}
