//! `attester sign`: the attester signs a member's financial record for the purpose of the
//! credit ([`crate::credit::sign_attestation`]), written for the member only (mode 0600).

use std::path::PathBuf;

use clap::Args;
use serde::Deserialize;
use serde_json::json;

use crate::cli::{Output, Settings};
use crate::credit::{
    load_policy, now_secs, parse_pubkey, parse_purpose, purpose_label, read_json, sign_attestation,
};
use crate::error::WalletError;
use crate::fsutil::write_private_atomic;
use crate::keystore;

/// `attester sign`'s options.
#[derive(Debug, Clone, Args)]
#[command(after_help = "Examples:\n  \
        ccr-wallet attester sign --key attester.json --policy german.json \\\n      \
        --row \"A11,6,A34,A43,1169,A65,A75,4,A93,A101,4,A121,67,A143,A152,2,A173,1,A192,A201\" \\\n      \
        --member 0x1d5ac1f31407018b7d413a4f52c8f74463b30e6ac2238220ad8b254de4eaa3a2 --expiry 1900000000 \\\n      \
        --purpose ecological_restoration --out att.json\n  \
        ccr-wallet attester sign --key attester.json --policy german.json --record record.json \\\n      \
        --member 0xX,0xY --expiry 1900000000 --purpose creative_project --out att.json\n\
        The member's key: packed (32 bytes hex), or `x,y` as `ccr-wallet key show` prints them.\n\
        The purpose is signed with the record: the member can apply for this purpose only (its\n\
        weight moves the tier), and the loan carries it on L1.\n\
        The attester keystore's password comes from --password-file or the prompt.")]
pub struct SignArgs {
    /// The attester's keystore (its L2 key signs).
    #[arg(long, value_name = "FILE")]
    pub key: PathBuf,
    /// The record as JSON `{"features": [..]}`: the policy's integer inputs, in order.
    #[arg(long, value_name = "FILE", conflicts_with = "row", required_unless_present = "row")]
    pub record: Option<PathBuf>,
    /// The record as a CSV row of the policy's schema (encoded with the policy).
    #[arg(long, value_name = "CSV")]
    pub row: Option<String>,
    /// The bank's policy: its schema is what the record is encoded and signed under (a policy
    /// change that keeps the schema keeps the attestation valid); encodes --row, checks the
    /// features' bounds.
    #[arg(long, value_name = "FILE")]
    pub policy: PathBuf,
    /// The member's public key: packed hex, or `x,y` in hex.
    #[arg(long, value_name = "PUBKEY")]
    pub member: String,
    /// Unix time (seconds) after which the record is no longer valid.
    #[arg(long, value_name = "SECS")]
    pub expiry: u64,
    /// What the credit is for, as you verified it: productive_enterprise, creative_project,
    /// community_infrastructure, ecological_restoration, educational_initiative (or 0-4).
    #[arg(long, value_name = "PURPOSE")]
    pub purpose: String,
    /// Attestation file to write (mode 0600: it holds the member's features).
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
}

impl SignArgs {
    /// Signs the record with the attester keystore's L2 key and writes the attestation.
    ///
    /// # Errors
    ///
    /// [`WalletError::Config`] for a bad purpose, record, key or expiry; the attester
    /// keystore's errors.
    pub fn run(self, s: &Settings) -> Result<Output, WalletError> {
        let Self { key, record, row, policy, member, expiry, purpose, out } = self;
        let purpose = parse_purpose(&purpose)?;
        let policy = load_policy(&policy)?;
        let features = match (record, row) {
            (_, Some(row)) => ccr_credit_policy::data::encode_row(&policy.schema, &row)
                .map_err(|e| WalletError::Config(format!("--row: {e}")))?,
            (Some(path), _) => {
                #[derive(Deserialize)]
                struct Record {
                    features: Vec<i64>,
                }
                read_json::<Record>(&path, "a record", "write {\"features\": [..]} with the policy's inputs")?
                    .features
            }
            _ => return Err(WalletError::Config("give --record FILE or --row CSV".into())),
        };
        let member = parse_pubkey(&member)?;
        if expiry <= now_secs() {
            return Err(WalletError::Config(format!(
                "--expiry {expiry} is in the past: give a future unix time"
            )));
        }
        if !key.exists() {
            return Err(WalletError::NoKeystore { path: key });
        }
        let attester = keystore::open(&key, &s.password(false)?)?;
        let file = sign_attestation(&attester.l2, features, member, expiry, purpose, &policy)?;
        let json = serde_json::to_vec_pretty(&file).map_err(|e| WalletError::Config(e.to_string()))?;
        write_private_atomic(&out, &json).map_err(|(p, e)| WalletError::io(&p, e))?;
        Ok(Output {
            text: format!(
                "signed a record of {} inputs for member {} valid until {expiry}, for {}\nwritten to {} (hand it to the member only: it holds their record)",
                file.features.len(),
                file.member,
                purpose_label(purpose),
                out.display()
            ),
            json: json!({ "out": out.display().to_string(), "member": file.member, "attester": file.attester, "expiry": expiry, "purpose": purpose }),
        })
    }
}
