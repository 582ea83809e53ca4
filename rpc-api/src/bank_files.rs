//! A bank's published files, named by the commitment L1 holds for them, so that anyone can
//! mirror them and nobody needs to trust the mirror: the reader recomputes the commitment from
//! the bytes it got and compares it with L1.
//!
//! | file                          | content                               | L1's commitment (`Rollup` bank version) |
//! |-------------------------------|---------------------------------------|-----------------------------------------|
//! | `policy-<hash>.json`          | the credit policy (`ccr-policy train`) | its Poseidon policy hash (decimal)      |
//! | `registry-<root>.json`        | the attester registry                 | its Merkle root (decimal)               |
//! | `eligibility-<vkHash>.pk`     | the rollup's eligibility proving key of the policy's shape | SHA-256 of the verifying key it carries, which L1 stores for the bank's shape (`Rollup.eligibilityKey`, a `VkStore`; 64 lowercase hex digits) |
//!
//! The sequencer serves a directory of such files (`--bank-files DIR`) through
//! `ccr_getBankFile`, [`BANK_FILE_CHUNK`](crate::bank_files::BANK_FILE_CHUNK) bytes at a time; `ccr-wallet bank publish` writes
//! them and `ccr-wallet bank fetch` (and `credit apply` without files) reads and checks them.

use ark_bn254::Fr;
use serde::{Deserialize, Serialize};

/// The largest chunk `ccr_getBankFile` answers (1 MiB: 2 MiB of hex in the response).
pub const BANK_FILE_CHUNK: u64 = 1 << 20;

/// Which of a bank's files.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BankFileKind {
    /// The credit policy.
    Policy,
    /// The attester registry.
    Registry,
    /// The rollup's eligibility proving key of the bank's shape.
    EligibilityKey,
}

impl BankFileKind {
    /// What the file is, in words.
    pub fn describe(self) -> &'static str {
        match self {
            Self::Policy => "policy",
            Self::Registry => "attester registry",
            Self::EligibilityKey => "eligibility proving key",
        }
    }
}

/// `policy-<hash>.json`.
pub fn policy_file_name(policy_hash: &Fr) -> String {
    format!("policy-{policy_hash}.json")
}

/// `registry-<root>.json`.
pub fn registry_file_name(registry_root: &Fr) -> String {
    format!("registry-{registry_root}.json")
}

/// `eligibility-<vkHash>.pk`, `vk_hash` being `ccr_prover::key_hash` of the verifying key.
pub fn eligibility_key_file_name(vk_hash: &str) -> String {
    format!("eligibility-{vk_hash}.pk")
}

/// The kind of a well-formed bank file name, `None` for anything else (a path, another
/// extension, a malformed commitment): the server serves nothing but these names.
pub fn parse_bank_file_name(name: &str) -> Option<BankFileKind> {
    let decimal = |s: &str| {
        !s.is_empty()
            && s.len() <= 78
            && s.bytes().all(|b| b.is_ascii_digit())
            && (s == "0" || !s.starts_with('0'))
    };
    if let Some(h) = name.strip_prefix("policy-").and_then(|r| r.strip_suffix(".json")) {
        return decimal(h).then_some(BankFileKind::Policy);
    }
    if let Some(r) = name.strip_prefix("registry-").and_then(|r| r.strip_suffix(".json")) {
        return decimal(r).then_some(BankFileKind::Registry);
    }
    if let Some(h) = name.strip_prefix("eligibility-").and_then(|r| r.strip_suffix(".pk")) {
        let hex = h.len() == 64 && h.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
        return hex.then_some(BankFileKind::EligibilityKey);
    }
    None
}

/// A chunk of a bank file (the answer of `ccr_getBankFile`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BankFileChunk {
    /// The whole file's size in bytes.
    pub size: u64,
    /// Where this chunk starts.
    pub offset: u64,
    /// The chunk's bytes (`0x` hex; empty at or past the end).
    pub data: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_nothing_else_is_a_name() {
        let h = Fr::from(12345u64);
        assert_eq!(parse_bank_file_name(&policy_file_name(&h)), Some(BankFileKind::Policy));
        assert_eq!(parse_bank_file_name(&registry_file_name(&Fr::from(0u64))), Some(BankFileKind::Registry));
        let vk = "ab".repeat(32);
        assert_eq!(parse_bank_file_name(&eligibility_key_file_name(&vk)), Some(BankFileKind::EligibilityKey));
        for bad in [
            "policy-.json",
            "policy-012.json",
            "policy-12.json/../x",
            "../policy-12.json",
            "policy-1a.json",
            "registry-12.txt",
            "eligibility-AB.pk",
            &format!("eligibility-{}.pk", "AB".repeat(32)),
            &format!("eligibility-{}.pk", "ab".repeat(31)),
            "network.json",
            "",
        ] {
            assert_eq!(parse_bank_file_name(bad), None, "{bad}");
        }
    }
}
