//! A bank's files from the network, so that no member needs them handed over by hand.
//!
//! A bank publishes its policy, attester registry and eligibility proving key under the names of
//! the commitments L1 holds for them ([`ccr_rpc_api::bank_files`]; [`publish`], `ccr-wallet
//! bank publish`); the sequencer mirrors that directory (`--bank-files DIR`). A member's wallet
//! reads the bank's current version on L1, fetches the three files by name ([`fetch`], `bank
//! fetch` and `credit apply` without `--policy/--registry/--pk`) and keeps them only if their
//! contents hash to what L1 holds: the mirror is not trusted. Checked files are kept in a
//! cache directory and checked again whenever they are read.

use std::path::{Path, PathBuf};

use ccr_credit_policy::Policy;
use ccr_l1::client::BankVersion;
use ccr_prover::ProvingKeyFile;
use ccr_rpc_api::bank_files::{
    eligibility_key_file_name, policy_file_name, registry_file_name, BankFileKind,
};

use crate::credit::RegistryFile;
use crate::error::WalletError;
use crate::fsutil::write_public_atomic;
use crate::sequencer::SequencerClient;

/// The three files of one version of a bank, read and checked against its commitments.
#[derive(Debug)]
pub struct BankFiles {
    /// The credit policy (its hash is the version's policy hash).
    pub policy: Policy,
    /// The attester registry (its root is the version's registry root).
    pub registry: RegistryFile,
    /// The eligibility proving key (it carries the verifying key L1 stores).
    pub proving_key: ProvingKeyFile,
    /// Where each is (policy, registry, key).
    pub paths: [PathBuf; 3],
}

/// Bank `pool`'s current version on L1 (its latest `BankVersionAdded`).
///
/// # Errors
///
/// [`WalletError::Config`] for an account that is not a registered bank; L1's errors.
pub async fn current_version(l1: &crate::l1ops::L1, pool: u32) -> Result<BankVersion, WalletError> {
    let versions = l1.client.bank_versions().await.map_err(|e| l1.err(e))?;
    versions.into_iter().filter(|v| v.pool == pool).max_by_key(|v| v.version).ok_or_else(|| {
        WalletError::Config(format!(
            "account {pool} is not a registered bank on this rollup (`ccr-wallet bank list` shows those that are)"
        ))
    })
}

/// The file names of a version, in the order policy, registry, key.
///
/// # Errors
///
/// [`WalletError::Config`] if the verifying key cannot be hashed (not expected).
pub fn file_names(version: &BankVersion) -> Result<[String; 3], WalletError> {
    names(&version.policy_hash, &version.registry_root, &version.vk)
}

/// The names of the files with these commitments.
fn names(
    policy_hash: &ark_bn254::Fr,
    registry_root: &ark_bn254::Fr,
    vk: &ark_groth16::VerifyingKey<ark_bn254::Bn254>,
) -> Result<[String; 3], WalletError> {
    let vk_hash = ccr_prover::key_hash(vk).map_err(|e| WalletError::Config(e.to_string()))?;
    Ok([
        policy_file_name(policy_hash),
        registry_file_name(registry_root),
        eligibility_key_file_name(&vk_hash),
    ])
}

/// `bytes` as a policy file (`origin` names it in errors).
fn parse_policy(bytes: &[u8], origin: &str) -> Result<Policy, String> {
    let text = std::str::from_utf8(bytes).map_err(|e| format!("not UTF-8 JSON: {e}"))?;
    Policy::from_json(text, origin).map_err(|e| e.to_string())
}

/// `bytes` as an attester registry file.
fn parse_registry(bytes: &[u8]) -> Result<RegistryFile, String> {
    serde_json::from_slice(bytes).map_err(|e| format!("not an attester registry: {e}"))
}

/// `bytes` as a proving key file.
fn parse_key(bytes: &[u8]) -> Result<ProvingKeyFile, String> {
    ProvingKeyFile::from_bytes(bytes).map_err(|e| format!("not a proving key file: {e}"))
}

/// `bytes` as a file of `kind`, checked against `version`'s commitment.
fn check(kind: BankFileKind, bytes: &[u8], version: &BankVersion) -> Result<Checked, String> {
    match kind {
        BankFileKind::Policy => {
            let policy = parse_policy(bytes, "the fetched policy")?;
            let hash = policy.circuit_params().map_err(|e| e.to_string())?.hash();
            if hash != version.policy_hash {
                return Err(format!("its policy hash is {hash}, L1 holds {}", version.policy_hash));
            }
            if ccr_prover::eligibility::network_shape_index(policy.shape) != Some(version.shape) {
                return Err(format!(
                    "its shape ({}) is not the shape {} L1 registered the bank with",
                    policy.shape, version.shape
                ));
            }
            Ok(Checked::Policy(Box::new(policy)))
        }
        BankFileKind::Registry => {
            let registry = parse_registry(bytes)?;
            let root = registry.registry().map_err(|e| e.to_string())?.root();
            if root != version.registry_root {
                return Err(format!("its registry root is {root}, L1 holds {}", version.registry_root));
            }
            Ok(Checked::Registry(registry))
        }
        BankFileKind::EligibilityKey => {
            let pk = parse_key(bytes)?;
            if pk.key.vk != version.vk {
                return Err(
                    "it carries another verifying key than the rollup's key of the bank's shape".into()
                );
            }
            Ok(Checked::Key(Box::new(pk)))
        }
    }
}

enum Checked {
    Policy(Box<Policy>),
    Registry(RegistryFile),
    Key(Box<ProvingKeyFile>),
}

/// The largest bank file the wallet downloads (a proving key for a large policy is tens of MB):
/// a mirror announcing more is refused before it can fill the memory.
pub const MAX_BANK_FILE: u64 = 1 << 30;

const KINDS: [BankFileKind; 3] = [BankFileKind::Policy, BankFileKind::Registry, BankFileKind::EligibilityKey];

/// Copies a bank's files into `dir` under their commitments' names (the directory a sequencer
/// mirrors with `--bank-files`), after checking that each reads as what it claims to be.
/// Returns the names written, in the order policy, registry, key.
///
/// # Errors
///
/// [`WalletError::Config`] for a file that is not a policy, registry or proving key;
/// [`WalletError::Io`].
pub fn publish(dir: &Path, policy: &Path, registry: &Path, key: &Path) -> Result<[PathBuf; 3], WalletError> {
    let read = |p: &Path| std::fs::read(p).map_err(|e| WalletError::io(p, e));
    let (policy_bytes, registry_bytes, key_bytes) = (read(policy)?, read(registry)?, read(key)?);
    let bad = |p: &Path, e: String| WalletError::Config(format!("{}: {e}", p.display()));
    let parsed_policy =
        parse_policy(&policy_bytes, &policy.display().to_string()).map_err(|e| bad(policy, e))?;
    let parsed_registry = parse_registry(&registry_bytes).map_err(|e| bad(registry, e))?;
    let pk = parse_key(&key_bytes).map_err(|e| bad(key, e))?;
    let names = names(
        &parsed_policy.circuit_params().map_err(|e| bad(policy, e.to_string()))?.hash(),
        &parsed_registry.registry()?.root(),
        &pk.key.vk,
    )?;
    write_named(dir, &names, [&policy_bytes, &registry_bytes, &key_bytes])
}

/// [`publish`] for files already in memory (the devnet's bank).
///
/// # Errors
///
/// As [`publish`].
pub fn publish_loaded(
    dir: &Path,
    policy: &Policy,
    registry: &RegistryFile,
    key: &ProvingKeyFile,
) -> Result<[PathBuf; 3], WalletError> {
    let to_json =
        |v: serde_json::Result<String>| v.map(|s| s + "\n").map_err(|e| WalletError::Config(e.to_string()));
    let policy_bytes = to_json(serde_json::to_string_pretty(policy))?;
    let registry_bytes = to_json(serde_json::to_string_pretty(registry))?;
    let key_bytes = key.to_bytes().map_err(|e| WalletError::Config(e.to_string()))?;
    let names = names(
        &policy.circuit_params().map_err(|e| WalletError::Config(e.to_string()))?.hash(),
        &registry.registry()?.root(),
        &key.key.vk,
    )?;
    write_named(dir, &names, [policy_bytes.as_bytes(), registry_bytes.as_bytes(), &key_bytes])
}

fn write_named(dir: &Path, names: &[String; 3], bytes: [&[u8]; 3]) -> Result<[PathBuf; 3], WalletError> {
    std::fs::create_dir_all(dir).map_err(|e| WalletError::io(dir, e))?;
    let mut out: [PathBuf; 3] = Default::default();
    for ((name, bytes), slot) in names.iter().zip(bytes).zip(&mut out) {
        let path = dir.join(name);
        write_public_atomic(&path, bytes).map_err(|(p, e)| WalletError::io(&p, e))?;
        *slot = path;
    }
    Ok(out)
}

/// Bank `version`'s three files: from `cache` where they are there and still check, otherwise
/// from the sequencer's mirror, kept in `cache` once checked against the version's commitments.
/// `progress(done, total)` follows the download in bytes.
///
/// # Errors
///
/// [`WalletError::Config`] when the sequencer does not mirror a file, or serves one that does
/// not match L1 (nothing is kept); the sequencer's errors; [`WalletError::Io`] for the cache.
pub async fn fetch(
    seq: &SequencerClient,
    version: &BankVersion,
    cache: &Path,
    mut progress: impl FnMut(u64, u64),
) -> Result<BankFiles, WalletError> {
    std::fs::create_dir_all(cache).map_err(|e| WalletError::io(cache, e))?;
    let names = file_names(version)?;
    let mut checked = Vec::with_capacity(3);
    let mut paths: [PathBuf; 3] = Default::default();
    for ((kind, name), path_slot) in KINDS.into_iter().zip(&names).zip(&mut paths) {
        let path = cache.join(name);
        let cached = match std::fs::read(&path) {
            Ok(bytes) => check(kind, &bytes, version).ok(),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => return Err(WalletError::io(&path, e)),
        };
        let file = match cached {
            Some(file) => file,
            None => {
                let bytes = download(seq, version.pool, kind, name, &mut progress).await?;
                let file = check(kind, &bytes, version).map_err(|why| {
                    WalletError::Config(format!(
                        "the sequencer at {} served bank {}'s {} {name}, but {why}: not used",
                        seq.url(),
                        version.pool,
                        kind.describe()
                    ))
                })?;
                write_public_atomic(&path, &bytes).map_err(|(p, e)| WalletError::io(&p, e))?;
                file
            }
        };
        checked.push(file);
        *path_slot = path;
    }
    let mut it = checked.into_iter();
    match (it.next(), it.next(), it.next()) {
        (Some(Checked::Policy(policy)), Some(Checked::Registry(registry)), Some(Checked::Key(key))) => {
            Ok(BankFiles { policy: *policy, registry, proving_key: *key, paths })
        }
        _ => unreachable!("KINDS is policy, registry, key"),
    }
}

async fn download(
    seq: &SequencerClient,
    pool: u32,
    kind: BankFileKind,
    name: &str,
    progress: &mut impl FnMut(u64, u64),
) -> Result<Vec<u8>, WalletError> {
    let mut bytes = Vec::new();
    loop {
        let Some(chunk) = seq.bank_file(name, bytes.len() as u64).await? else {
            return Err(WalletError::Config(format!(
                "the sequencer at {} does not have bank {pool}'s {} ({name}): ask the bank to publish it \
                 (`ccr-wallet bank publish`), or pass the file yourself",
                seq.url(),
                kind.describe()
            )));
        };
        let protocol = |reason: String| WalletError::Protocol { url: seq.url().to_owned(), reason };
        if chunk.size > MAX_BANK_FILE {
            return Err(protocol(format!(
                "{name} is announced at {} bytes, over the {MAX_BANK_FILE} the wallet takes",
                chunk.size
            )));
        }
        if chunk.offset != bytes.len() as u64 {
            return Err(protocol(format!(
                "asked {name} from byte {}, got byte {}",
                bytes.len(),
                chunk.offset
            )));
        }
        let data = hex::decode(chunk.data.strip_prefix("0x").unwrap_or(&chunk.data))
            .map_err(|e| protocol(format!("{name}: bad hex: {e}")))?;
        if data.is_empty() {
            if (bytes.len() as u64) < chunk.size {
                return Err(protocol(format!("{name} ended at byte {} of {}", bytes.len(), chunk.size)));
            }
            return Ok(bytes);
        }
        bytes.extend_from_slice(&data);
        if bytes.len() as u64 > chunk.size {
            return Err(protocol(format!("{name} is longer than the {} bytes announced", chunk.size)));
        }
        progress(bytes.len() as u64, chunk.size);
        if bytes.len() as u64 == chunk.size {
            return Ok(bytes);
        }
    }
}
