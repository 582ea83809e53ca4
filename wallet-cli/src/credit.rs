//! Credit: attesters sign members' financial records, banks make the keys of their policy and
//! publish their attester registry, members prove eligibility on their own machine, lenders
//! and auditors verify the proofs.
//!
//! Files (JSON): an **attestation** (the record's features, the member's and the attester's
//! packed keys, the expiry, the purpose the record is attested for, the signature over the
//! record and that purpose: private to the member, written with mode 0600), a
//! **registry** (the bank's attesters and its root, public), an **account proof** (the
//! member's account leaf and path under a settled state root:
//! [`ccr_prover::eligibility::AccountProofFile`]), the **eligibility proof**
//! ([`ccr_prover::eligibility::EligibilityProofFile`]).

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use ccr_circuits::babyjubjub::eddsa::PrivateKey;
use ccr_circuits::babyjubjub::{pack_point, unpack_point, Point};
use ccr_circuits::credit::{
    Application, Attestation, AttesterRegistry, EligibilityStatement, EligibilityWitness, FinancialRecord,
};
use ccr_circuits::Fr;
use ccr_credit_policy::{Policy, Purpose};
use ccr_prover::eligibility::{
    dev_setup_eligibility, eligibility_circuit_name, prove_eligibility, AccountProofFile,
    EligibilityProofError, EligibilityProofFile,
};
use ccr_prover::{ProvingKeyFile, VerifyingKeyFile};
use ccr_rpc_api::wire::{fr_to_hex, pack_signature, unpack_signature};
use clap::Subcommand;
use rand::RngCore;
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::cli::{spinner, Output, Settings};
use crate::error::WalletError;
use crate::fsutil::write_private_atomic;
use crate::keystore;

/// Version of the registry file format.
pub const CREDIT_FILE_VERSION: u32 = 1;

/// Version of the attestation file format (2: the attester signs the credit's purpose with the
/// record; version 1 files carry no purpose and are refused).
pub const ATTESTATION_FILE_VERSION: u32 = 2;

/// File names `bank keygen` writes in its output directory.
pub const PK_FILE: &str = "eligibility.pk";
/// See [`PK_FILE`].
pub const VK_FILE: &str = "eligibility.vk";

/// `attester` subcommands.
#[derive(Debug, Subcommand)]
pub enum AttesterCommand {
    /// Sign a member's financial record (the policy's inputs, the member's key, an expiry) for
    /// the purpose of the credit.
    #[command(after_help = "Examples:\n  \
        ccr-wallet attester sign --key attester.json --policy german.json \\\n      \
        --row \"A11,6,A34,A43,1169,A65,A75,4,A93,A101,4,A121,67,A143,A152,2,A173,1,A192,A201\" \\\n      \
        --member 0x1d5ac1f31407018b7d413a4f52c8f74463b30e6ac2238220ad8b254de4eaa3a2 --expiry 1900000000 \\\n      \
        --purpose ecological_restoration --out att.json\n  \
        ccr-wallet attester sign --key attester.json --record record.json --member 0xX,0xY --expiry 1900000000 \\\n      \
        --purpose creative_project --out att.json\n\
        The member's key: packed (32 bytes hex), or `x,y` as `ccr-wallet key show` prints them.\n\
        The purpose is signed with the record: the member can apply for this purpose only (its\n\
        weight moves the tier), and the loan carries it on L1.\n\
        The attester keystore's password comes from --password-file or the prompt.")]
    Sign {
        /// The attester's keystore (its L2 key signs).
        #[arg(long, value_name = "FILE")]
        key: PathBuf,
        /// The record as JSON `{"features": [..]}`: the policy's integer inputs, in order.
        #[arg(long, value_name = "FILE", conflicts_with = "row", required_unless_present = "row")]
        record: Option<PathBuf>,
        /// The record as a CSV row of the policy's schema (encoded with the policy).
        #[arg(long, value_name = "CSV", requires = "policy")]
        row: Option<String>,
        /// The bank's policy: encodes --row, checks the features' bounds.
        #[arg(long, value_name = "FILE")]
        policy: Option<PathBuf>,
        /// The member's public key: packed hex, or `x,y` in hex.
        #[arg(long, value_name = "PUBKEY")]
        member: String,
        /// Unix time (seconds) after which the record is no longer valid.
        #[arg(long, value_name = "SECS")]
        expiry: u64,
        /// What the credit is for, as you verified it: productive_enterprise, creative_project,
        /// community_infrastructure, ecological_restoration, educational_initiative (or 0-4).
        #[arg(long, value_name = "PURPOSE")]
        purpose: String,
        /// Attestation file to write (mode 0600: it holds the member's features).
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
    },
}

/// `bank` subcommands.
#[derive(Debug, Subcommand)]
pub enum BankCommand {
    /// INSECURE development setup: the proving and verifying keys of the policy's eligibility circuit.
    #[command(
        after_help = "Example:\n  ccr-wallet bank keygen --policy credit-policy/policies/german.json --state-depth 24 --out-dir keys/\n\
        Writes DIR/eligibility.pk (members prove with it) and DIR/eligibility.vk (lenders verify with it).\n\
        The keys come from a single-party setup: whoever ran it can forge proofs. Production keys\n\
        come from a multi-party ceremony."
    )]
    Keygen {
        /// The bank's policy file.
        #[arg(long, value_name = "FILE")]
        policy: PathBuf,
        /// Depth of the rollup's state tree (the network's; 24 in production).
        #[arg(long, value_name = "N", default_value_t = ccr_circuits::merkle::PRODUCTION_DEPTH)]
        state_depth: usize,
        /// Directory for the key files (created if missing).
        #[arg(long, value_name = "DIR")]
        out_dir: PathBuf,
    },
    /// Register your account as a community bank pool on L1: its policy, eligibility key and registry.
    #[command(
        after_help = "Example:\n  ccr-wallet bank register --policy german.json --vk keys/eligibility.vk --registry registry.json\n\
        The wallet's account becomes the pool (its L1 address must own the account: the one that\n\
        created it). Registering again replaces the policy and key. Credits then need eligibility\n\
        proofs under this key, for this policy and registry."
    )]
    Register {
        /// The bank's policy file.
        #[arg(long, value_name = "FILE")]
        policy: PathBuf,
        /// The policy's eligibility verifying key (`bank keygen`).
        #[arg(long, value_name = "FILE")]
        vk: PathBuf,
        /// The bank's attester registry (`bank registry`).
        #[arg(long, value_name = "FILE")]
        registry: PathBuf,
    },
    /// The registered banks, as L1 records them: each one's current policy hash, key and registry.
    #[command(after_help = "Example:\n  ccr-wallet --network .devnet/network.json bank list")]
    List,
    /// One bank's every version on L1; with files, checks that they are its current ones.
    Show(crate::bank_info::ShowArgs),
    /// Write the bank's attester registry (public): attester keys at their slots, and its root.
    #[command(
        after_help = "Example:\n  ccr-wallet bank registry --attester 0=0x1d5a... --attester 1=0x0c3e... --out registry.json"
    )]
    Registry {
        /// `SLOT=PUBKEY` (packed hex, or `x,y`), repeated.
        #[arg(long = "attester", value_name = "SLOT=PUBKEY", required = true)]
        attesters: Vec<String>,
        /// Registry file to write.
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
    },
}

/// What a member applies for and the files proving takes (`credit apply` and `credit prove`).
#[derive(Debug, clap::Args)]
pub struct ApplicationArgs {
    /// The bank's policy file.
    #[arg(long, value_name = "FILE")]
    policy: PathBuf,
    /// The bank's proving key (`bank keygen`).
    #[arg(long, value_name = "FILE")]
    pk: PathBuf,
    /// Your attestation (`attester sign`).
    #[arg(long, value_name = "FILE")]
    attestation: PathBuf,
    /// The bank's attester registry (`bank registry`).
    #[arg(long, value_name = "FILE")]
    registry: PathBuf,
    /// The bank: its pool account.
    #[arg(long, value_name = "ID")]
    bank: u64,
    /// Principal asked for.
    #[arg(long, value_name = "N")]
    amount: u64,
    /// productive_enterprise, creative_project, community_infrastructure,
    /// ecological_restoration, educational_initiative (or 0-4): the purpose your attestation
    /// names.
    #[arg(long, value_name = "PURPOSE")]
    purpose: String,
}

/// [`ApplicationArgs`]' files read: everything but the proving key, which loads behind the
/// spinner.
struct LoadedApplication {
    policy: Policy,
    attestation: AttestationFile,
    registry: RegistryFile,
    purpose: Purpose,
}

impl ApplicationArgs {
    fn load(&self) -> Result<LoadedApplication, WalletError> {
        let purpose = parse_purpose(&self.purpose)?;
        let policy = load_policy(&self.policy)?;
        let attestation: AttestationFile = read_json(
            &self.attestation,
            "an attestation",
            "ask your attester for `ccr-wallet attester sign` output",
        )?;
        attestation.check_purpose(purpose)?;
        let registry: RegistryFile =
            read_json(&self.registry, "an attester registry", "get the bank's published registry")?;
        Ok(LoadedApplication { policy, attestation, registry, purpose })
    }

    fn proving_key(&self) -> Result<ProvingKeyFile, WalletError> {
        ProvingKeyFile::load(&self.pk)
            .map_err(|e| WalletError::Config(format!("proving key {}: {e}", self.pk.display())))
    }

    fn request(&self, purpose: Purpose, epoch: u64, now: u64) -> CreditRequest {
        CreditRequest { bank: self.bank, amount: self.amount, purpose, epoch, now }
    }
}

/// `credit` subcommands.
#[derive(Debug, Subcommand)]
pub enum CreditCommand {
    /// Borrow: prove eligibility on this machine for your account, then submit the credit.
    #[command(
        after_help = "Example:\n  ccr-wallet credit apply --policy german.json --pk keys/eligibility.pk --attestation att.json \\\n      \
        --registry registry.json --bank 1 --amount 2000 --purpose ecological_restoration --wait\n\
        The sequencer supplies the epoch, L1's time and your account's proof under the sealed root;\n\
        the record never leaves the wallet. The bank's pool pays the amount into your account once the\n\
        batch is sealed; `ccr-wallet loan` shows the debt, `ccr-wallet repay` pays it back.\n\
        Exit code 10: not eligible (no proof, nothing sent); 6: the sequencer refused the credit (its code and reason)."
    )]
    Apply {
        /// What you apply for, and the files proving takes.
        #[command(flatten)]
        application: ApplicationArgs,
        /// Also keep the proof file here.
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
        /// Whether and how long to wait.
        #[command(flatten)]
        wait: crate::cli::WaitArgs,
    },
    /// Prove, on this machine, that the bank's policy grants your attested record the amount.
    #[command(
        after_help = "Example:\n  ccr-wallet credit prove --policy german.json --pk keys/eligibility.pk --attestation att.json \\\n      \
        --registry registry.json --bank 1 --amount 2000 --purpose ecological_restoration --epoch 3 \\\n      \
        --account-proof account.json --out proof.json\n\
        The record never leaves the wallet: only the statement (bank, amount, purpose, tier and terms,\n\
        policy hash, registry and state roots, nullifier, account, epoch, time) is public.\n\
        Exit code 10: not eligible (declined, expired, not your record or account); no proof is written."
    )]
    Prove {
        /// What you apply for, and the files proving takes.
        #[command(flatten)]
        application: ApplicationArgs,
        /// The epoch (one proof per member, bank and epoch: the nullifier).
        #[arg(long, value_name = "N")]
        epoch: u64,
        /// Your account's proof under a settled state root (index, leaf, path).
        #[arg(long, value_name = "FILE")]
        account_proof: PathBuf,
        /// The time the record's expiry is checked against [default: now].
        #[arg(long, value_name = "SECS")]
        now: Option<u64>,
        /// Proof file to write.
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
    },
    /// Verify an eligibility proof file and show its statement.
    #[command(
        after_help = "Example:\n  ccr-wallet credit verify --vk keys/eligibility.vk --proof proof.json --policy german.json\n\
        Exit code 0: valid; 11: the proof does not verify (or names another key or policy);\n\
        2: bad command line; 4: unreadable files."
    )]
    Verify {
        /// The bank's verifying key.
        #[arg(long, value_name = "FILE")]
        vk: PathBuf,
        /// The proof file.
        #[arg(long, value_name = "FILE")]
        proof: PathBuf,
        /// Also check that the proof is for this policy.
        #[arg(long, value_name = "FILE")]
        policy: Option<PathBuf>,
    },
}

/// An attester's signed statement about a member's record. Private to the member: `Debug`
/// hides the features.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AttestationFile {
    /// [`ATTESTATION_FILE_VERSION`].
    pub version: u32,
    /// The policy's integer inputs, in order.
    pub features: Vec<i64>,
    /// The member's packed public key (hex).
    pub member: String,
    /// Unix time after which the record is no longer valid.
    pub expiry: u64,
    /// The attester's packed public key (hex).
    pub attester: String,
    /// What the credit is for (the purpose's name): signed with the record. Absent in
    /// version 1 files, which are refused.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub purpose: Option<Purpose>,
    /// EdDSA-Poseidon signature of `Poseidon([record commitment, purpose code])`, packed
    /// (64 bytes hex).
    pub signature: String,
    /// The hash of the policy the features were checked against, if any (decimal).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy_hash: Option<String>,
}

impl fmt::Debug for AttestationFile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AttestationFile")
            .field("features", &format_args!("<{} redacted>", self.features.len()))
            .field("member", &self.member)
            .field("expiry", &self.expiry)
            .field("attester", &self.attester)
            .field("purpose", &self.purpose)
            .finish()
    }
}

impl AttestationFile {
    /// The purpose the record is attested for.
    ///
    /// # Errors
    ///
    /// [`WalletError::Config`] for a file without one (format version 1).
    pub fn attested_purpose(&self) -> Result<Purpose, WalletError> {
        self.purpose.ok_or_else(|| {
            WalletError::Config(format!(
                "the attestation (format version {}) does not name the purpose it is attested for: \
                 ask your attester to sign the record again with `ccr-wallet attester sign --purpose ...`",
                self.version
            ))
        })
    }

    /// Refuses an application for another purpose than the attested one, before any proving.
    ///
    /// # Errors
    ///
    /// [`WalletError::Ineligible`] for another purpose, [`WalletError::Config`] for a file
    /// without a purpose.
    pub fn check_purpose(&self, purpose: Purpose) -> Result<(), WalletError> {
        let attested = self.attested_purpose()?;
        if attested != purpose {
            return Err(WalletError::Ineligible(
                ccr_circuits::credit::EligibilityError::PurposeNotAttested {
                    attested: attested.code(),
                    claimed: purpose.code(),
                }
                .to_string(),
            ));
        }
        Ok(())
    }

    /// The record and the attestation, parsed (the signature is not checked here).
    ///
    /// # Errors
    ///
    /// [`WalletError::Config`] for a malformed key or signature, or a file without a purpose.
    pub fn parts(&self) -> Result<(FinancialRecord, Attestation), WalletError> {
        let record = FinancialRecord {
            features: self.features.clone(),
            member: parse_pubkey(&self.member)?,
            expiry: self.expiry,
        };
        let sig = hex::decode(self.signature.trim_start_matches("0x"))
            .map_err(|e| WalletError::Config(format!("attestation signature is not hex: {e}")))?;
        let signature = unpack_signature(&sig)
            .map_err(|e| WalletError::Config(format!("attestation signature is malformed: {e}")))?;
        let purpose = self.attested_purpose()?.code();
        Ok((record, Attestation { attester: parse_pubkey(&self.attester)?, purpose, signature }))
    }
}

/// One attester of a registry file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegistryEntry {
    /// The attester's slot.
    pub slot: u64,
    /// Its packed public key (hex).
    pub key: String,
}

/// A bank's attester registry as published: the attesters and the root.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegistryFile {
    /// [`CREDIT_FILE_VERSION`].
    pub version: u32,
    /// The attesters.
    pub attesters: Vec<RegistryEntry>,
    /// The registry root (decimal).
    pub root: String,
}

impl RegistryFile {
    /// The registry of `attesters` (slot, key).
    ///
    /// # Errors
    ///
    /// [`WalletError::Config`] for a slot beyond the registry.
    pub fn new(attesters: &[(u64, Point)]) -> Result<Self, WalletError> {
        let mut registry = AttesterRegistry::new();
        for (slot, key) in attesters {
            registry
                .add(*slot, key)
                .map_err(|e| WalletError::Config(format!("attester slot {slot}: {e}")))?;
        }
        Ok(Self {
            version: CREDIT_FILE_VERSION,
            attesters: attesters
                .iter()
                .map(|(slot, key)| RegistryEntry { slot: *slot, key: packed_hex(key) })
                .collect(),
            root: registry.root().to_string(),
        })
    }

    /// The registry, checked against its stated root.
    ///
    /// # Errors
    ///
    /// [`WalletError::Config`] for a malformed file or a root that does not match.
    pub fn registry(&self) -> Result<AttesterRegistry, WalletError> {
        let mut registry = AttesterRegistry::new();
        for e in &self.attesters {
            registry
                .add(e.slot, &parse_pubkey(&e.key)?)
                .map_err(|err| WalletError::Config(format!("registry slot {}: {err}", e.slot)))?;
        }
        if registry.root().to_string() != self.root {
            return Err(WalletError::Config(format!(
                "the registry's attesters hash to {}, the file says {}: get the bank's current registry",
                registry.root(),
                self.root
            )));
        }
        Ok(registry)
    }

    /// The slot of `attester`.
    ///
    /// # Errors
    ///
    /// [`WalletError::Ineligible`] when the attester is not registered.
    pub fn slot_of(&self, attester: &Point) -> Result<u64, WalletError> {
        let key = packed_hex(attester);
        self.attesters.iter().find(|e| e.key == key).map(|e| e.slot).ok_or_else(|| {
            WalletError::Ineligible(format!(
                "your attester {key} is not in the bank's registry: ask an attester the bank registered"
            ))
        })
    }
}

/// A public key as `0x` + the packed point's 32 bytes in hex.
pub fn packed_hex(p: &Point) -> String {
    format!("0x{}", hex::encode(pack_point(p)))
}

/// Parses a public key: packed (32 bytes hex), or `x,y` in hex (as `key show` prints them).
///
/// # Errors
///
/// [`WalletError::InvalidKey`] for anything else, or a point not in the key group.
pub fn parse_pubkey(s: &str) -> Result<Point, WalletError> {
    let bytes = |h: &str| hex::decode(h.trim().trim_start_matches("0x"));
    let bad = |why: &str| {
        WalletError::InvalidKey(format!(
            "public key {s:?}: {why}; give the packed key (32 bytes hex) or `x,y` as `ccr-wallet key show` prints them"
        ))
    };
    if let Some((x, y)) = s.split_once(',') {
        let coord = |h: &str| -> Result<Fr, WalletError> {
            let b = bytes(h).map_err(|_| bad("not hex"))?;
            ccr_rpc_api::wire::fr_from_be_canonical(&b)
                .ok_or_else(|| bad("a coordinate is not 32 bytes below the field modulus"))
        };
        let p = Point::new_unchecked(coord(x)?, coord(y)?);
        if !p.is_on_curve() || !p.is_in_correct_subgroup_assuming_on_curve() {
            return Err(bad("not a Baby Jubjub public key"));
        }
        return Ok(p);
    }
    let b: [u8; 32] = bytes(s).map_err(|_| bad("not hex"))?.try_into().map_err(|_| bad("not 32 bytes"))?;
    let p = unpack_point(&b).map_err(|e| bad(&e.to_string()))?;
    if !p.is_in_correct_subgroup_assuming_on_curve() {
        return Err(bad("not a Baby Jubjub public key"));
    }
    Ok(p)
}

pub(crate) fn read_json<T: for<'de> Deserialize<'de>>(
    path: &Path,
    what: &str,
    hint: &str,
) -> Result<T, WalletError> {
    let text = std::fs::read(path).map_err(|e| WalletError::io(path, e))?;
    serde_json::from_slice(&text)
        .map_err(|e| WalletError::Config(format!("{} is not {what} ({e}): {hint}", path.display())))
}

pub(crate) fn load_policy(path: &Path) -> Result<Policy, WalletError> {
    Policy::load(path).map_err(|e| WalletError::Config(format!("{e}")))
}

fn prover_err(e: EligibilityProofError) -> WalletError {
    match e {
        EligibilityProofError::Ineligible(e) => WalletError::Ineligible(e.to_string()),
        other => WalletError::Config(other.to_string()),
    }
}

/// The attester `attester` signs `features` for `member` until `expiry`, for a credit of
/// `purpose`; with `policy`, the features are checked against its bounds first.
///
/// # Errors
///
/// [`WalletError::Config`] when the features do not fit the policy.
pub fn sign_attestation(
    attester: &PrivateKey,
    features: Vec<i64>,
    member: Point,
    expiry: u64,
    purpose: Purpose,
    policy: Option<&Policy>,
) -> Result<AttestationFile, WalletError> {
    if let Some(p) = policy {
        let params = p.circuit_params().map_err(|e| WalletError::Config(e.to_string()))?;
        params
            .check_inputs(&features)
            .map_err(|e| WalletError::Config(format!("the record does not fit the policy: {e}")))?;
    }
    let record = FinancialRecord { features, member, expiry };
    let att = Attestation::sign(attester, &record, purpose.code());
    Ok(AttestationFile {
        version: ATTESTATION_FILE_VERSION,
        member: packed_hex(&member),
        expiry,
        attester: packed_hex(&att.attester),
        purpose: Some(purpose),
        signature: format!("0x{}", hex::encode(pack_signature(&att.signature))),
        policy_hash: policy.map(|p| p.hash.clone()),
        features: record.features,
    })
}

/// What a member asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CreditRequest {
    /// The bank.
    pub bank: u64,
    /// Principal.
    pub amount: u64,
    /// Purpose.
    pub purpose: Purpose,
    /// Epoch.
    pub epoch: u64,
    /// Unix time the expiry is checked against.
    pub now: u64,
}

/// Proves the member's eligibility: native check first (a purpose other than the attested
/// one, a declined or expired record, an attester outside the registry, a stale account proof:
/// [`WalletError::Ineligible`], no proof), then Groth16 with the bank's proving key.
///
/// # Errors
///
/// [`WalletError::Ineligible`], [`WalletError::Config`] for a key of another policy or depth.
pub fn prove_credit(
    member: &PrivateKey,
    policy: &Policy,
    pk: &ProvingKeyFile,
    attestation: &AttestationFile,
    registry: &RegistryFile,
    account: &AccountProofFile,
    request: CreditRequest,
) -> Result<EligibilityProofFile, WalletError> {
    attestation.check_purpose(request.purpose)?;
    let params = policy.circuit_params().map_err(|e| WalletError::Config(e.to_string()))?;
    let (state_root, account_leaf, account_proof) =
        account.parts().map_err(|e| WalletError::Config(format!("account proof: {e}")))?;
    let depth = account_proof.siblings.len();
    let expected = eligibility_circuit_name(params.hash, depth);
    if pk.metadata.circuit_name != expected {
        return Err(WalletError::Config(format!(
            "the proving key is for `{}`, this policy and account proof (state depth {depth}) need `{expected}`: \
             use the bank's key for its current policy",
            pk.metadata.circuit_name
        )));
    }
    let (record, att) = attestation.parts()?;
    let reg = registry.registry()?;
    let slot = registry.slot_of(&att.attester)?;
    let registry_proof = reg.proof(slot).map_err(|e| WalletError::Config(format!("registry: {e}")))?;
    let witness = EligibilityWitness {
        record,
        attestation: att,
        registry_proof,
        member_key: member.clone(),
        application: Application {
            bank: request.bank,
            amount: request.amount,
            purpose: request.purpose.code(),
            epoch: request.epoch,
            account: account_proof.index,
            now: request.now,
        },
        account_leaf,
        account_proof,
    };
    let (proof, statement) =
        prove_eligibility(&pk.key, &params, depth, reg.root(), state_root, witness, &mut rand::rngs::OsRng)
            .map_err(prover_err)?;
    EligibilityProofFile::new(&statement, &proof, &pk.key.vk).map_err(|e| WalletError::Config(e.to_string()))
}

/// Verifies a proof file under the bank's verifying key (and, with `policy`, that it is for
/// that policy): the statement it proves.
///
/// # Errors
///
/// [`WalletError::ProofInvalid`] when it does not verify or names another key or policy,
/// [`WalletError::Config`] for a malformed file.
pub fn verify_credit(
    vk: &VerifyingKeyFile,
    proof: &EligibilityProofFile,
    policy: Option<&Policy>,
) -> Result<EligibilityStatement, WalletError> {
    let (statement, ok) = proof.verify(&vk.key).map_err(|e| match e {
        EligibilityProofError::VerifyingKeyMismatch { .. }
        | EligibilityProofError::PolicyHashMismatch { .. }
        | EligibilityProofError::Prover(ccr_prover::ProverError::ProofBytes(_)) => {
            WalletError::ProofInvalid(e.to_string())
        }
        other => WalletError::Config(other.to_string()),
    })?;
    if !ok {
        return Err(WalletError::ProofInvalid(
            "the proof does not verify for its statement under this key: do not grant the credit".into(),
        ));
    }
    if let Some(p) = policy {
        if statement.policy_hash.to_string() != p.hash {
            return Err(WalletError::ProofInvalid(format!(
                "the proof is for policy {}, not for the given policy {}",
                statement.policy_hash, p.hash
            )));
        }
    }
    Ok(statement)
}

/// The statement as human lines and JSON.
pub fn statement_output(st: &EligibilityStatement, head: &str) -> Output {
    let purpose = Purpose::from_code(st.purpose)
        .map_or_else(|| st.purpose.to_string(), |p| purpose_label(p).to_string());
    let text = format!(
        "{head}\n\
         bank          {}\n\
         amount        {}\n\
         purpose       {purpose}\n\
         tier          {} (max {}, {} bps, {} months)\n\
         account       {}\n\
         epoch         {}\n\
         checked at    {}\n\
         policy hash   {}\n\
         registry root {}\n\
         state root    {}\n\
         nullifier     {}",
        st.bank,
        st.amount,
        st.tier,
        st.max_amount,
        st.rate_bps,
        st.term_months,
        st.account,
        st.epoch,
        st.now,
        st.policy_hash,
        st.registry_root,
        fr_to_hex(&st.state_root),
        fr_to_hex(&st.nullifier),
    );
    let json = serde_json::to_value(ccr_prover::eligibility::StatementJson::from(st)).unwrap_or_default();
    Output { text, json }
}

/// A purpose's name as files and `--purpose` write it (`ecological_restoration`).
pub fn purpose_label(purpose: Purpose) -> &'static str {
    ccr_circuits::credit::purpose_name(purpose.code()).unwrap_or("unknown")
}

fn parse_purpose(purpose: &str) -> Result<Purpose, WalletError> {
    Purpose::parse(purpose).ok_or_else(|| {
        WalletError::Config(format!(
            "unknown purpose `{purpose}`: use productive_enterprise, creative_project, \
             community_infrastructure, ecological_restoration or educational_initiative"
        ))
    })
}

fn now_secs() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

/// Runs an `attester` command.
///
/// # Errors
///
/// Any [`WalletError`].
pub fn run_attester(s: &Settings, cmd: AttesterCommand) -> Result<Output, WalletError> {
    match cmd {
        AttesterCommand::Sign { key, record, row, policy, member, expiry, purpose, out } => {
            let purpose = parse_purpose(&purpose)?;
            let policy = policy.as_deref().map(load_policy).transpose()?;
            let features = match (record, row, &policy) {
                (_, Some(row), Some(p)) => ccr_credit_policy::data::encode_row(&p.schema, &row)
                    .map_err(|e| WalletError::Config(format!("--row: {e}")))?,
                (Some(path), _, _) => {
                    #[derive(Deserialize)]
                    struct Record {
                        features: Vec<i64>,
                    }
                    read_json::<Record>(
                        &path,
                        "a record",
                        "write {\"features\": [..]} with the policy's inputs",
                    )?
                    .features
                }
                _ => {
                    return Err(WalletError::Config(
                        "give --record FILE, or --row CSV with --policy FILE".into(),
                    ))
                }
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
            let file = sign_attestation(&attester.l2, features, member, expiry, purpose, policy.as_ref())?;
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
}

/// Runs a `bank` command.
///
/// # Errors
///
/// Any [`WalletError`].
pub async fn run_bank(s: &Settings, cmd: BankCommand) -> Result<Output, WalletError> {
    match cmd {
        BankCommand::Register { policy, vk, registry } => {
            let policy = load_policy(&policy)?;
            let params = policy.circuit_params().map_err(|e| WalletError::Config(e.to_string()))?;
            let vk_file = VerifyingKeyFile::load(&vk)
                .map_err(|e| WalletError::VerifyingKey { path: vk.clone(), reason: e.to_string() })?;
            let expected = format!("-policy-{}", params.hash);
            if !vk_file.metadata.circuit_name.ends_with(&expected) {
                return Err(WalletError::Config(format!(
                    "the verifying key is for `{}`, not for this policy (hash {}): run `bank keygen` for it",
                    vk_file.metadata.circuit_name, params.hash
                )));
            }
            let registry: RegistryFile =
                read_json(&registry, "an attester registry", "write it with `ccr-wallet bank registry`")?;
            let root = registry.registry()?.root();
            let keys = s.keys()?;
            let pool = s.account_index()?;
            let l1 = s.l1(&keys).await?;
            let tx = l1
                .client
                .register_bank(pool, &vk_file.key, params.hash, root)
                .await
                .map_err(|e| l1.err(e))?;
            let text = format!(
                "account {pool} is a community bank on L1 (tx {:#x}, block {}, gas {})\npolicy hash {}\nregistry root {}{}",
                tx.hash,
                tx.block,
                tx.gas_used,
                params.hash,
                root,
                if vk_file.metadata.insecure_dev_setup {
                    "\nWARNING: the eligibility key comes from an insecure development setup"
                } else {
                    ""
                }
            );
            Ok(Output::new(
                text,
                json!({
                    "pool": pool,
                    "l1Tx": format!("{:#x}", tx.hash),
                    "gasUsed": tx.gas_used,
                    "policyHash": params.hash.to_string(),
                    "registryRoot": root.to_string(),
                    "insecureDevSetup": vk_file.metadata.insecure_dev_setup,
                }),
            ))
        }
        BankCommand::List => crate::bank_info::run_list(s).await,
        BankCommand::Show(a) => crate::bank_info::run_show(s, a).await,
        BankCommand::Keygen { policy, state_depth, out_dir } => {
            let policy = load_policy(&policy)?;
            let params = policy.circuit_params().map_err(|e| WalletError::Config(e.to_string()))?;
            let mut seed = [0u8; 32];
            rand::rngs::OsRng.fill_bytes(&mut seed);
            let keys = dev_setup_eligibility(&params, state_depth, seed)
                .map_err(|e| WalletError::Config(format!("setup: {e}")))?;
            std::fs::create_dir_all(&out_dir).map_err(|e| WalletError::io(&out_dir, e))?;
            let name = eligibility_circuit_name(params.hash, state_depth);
            let (pk, vk) = keys.into_key_files(name.clone());
            let (pk_path, vk_path) = (out_dir.join(PK_FILE), out_dir.join(VK_FILE));
            let save = |r: Result<(), ccr_prover::ProverError>, p: &Path| {
                r.map_err(|e| WalletError::Config(format!("writing {}: {e}", p.display())))
            };
            save(pk.save(&pk_path), &pk_path)?;
            save(vk.save(&vk_path), &vk_path)?;
            let vk_hash = vk.key_hash().map_err(|e| WalletError::Config(e.to_string()))?;
            Ok(Output {
                text: format!(
                    "INSECURE DEVELOPMENT KEYS: a single-party setup, whoever ran it can forge proofs;\n\
                     production keys come from a multi-party ceremony.\n\
                     circuit {name}\nproving key   {} (members prove with it)\nverifying key {} (lenders verify with it; hash {vk_hash})",
                    pk_path.display(),
                    vk_path.display()
                ),
                json: json!({
                    "insecureDevSetup": true,
                    "circuit": name,
                    "provingKey": pk_path.display().to_string(),
                    "verifyingKey": vk_path.display().to_string(),
                    "vkHash": vk_hash,
                }),
            })
        }
        BankCommand::Registry { attesters, out } => {
            let entries = attesters
                .iter()
                .map(|a| {
                    let (slot, key) = a
                        .split_once('=')
                        .ok_or_else(|| WalletError::Config(format!("--attester {a:?}: write SLOT=PUBKEY")))?;
                    let slot = slot.trim().parse::<u64>().map_err(|_| {
                        WalletError::Config(format!("--attester {a:?}: the slot must be a number"))
                    })?;
                    Ok((slot, parse_pubkey(key)?))
                })
                .collect::<Result<Vec<_>, WalletError>>()?;
            let file = RegistryFile::new(&entries)?;
            let json = serde_json::to_vec_pretty(&file).map_err(|e| WalletError::Config(e.to_string()))?;
            ccr_prover::atomic::write_atomic(&out, &json)
                .map_err(|e| WalletError::Config(format!("writing {}: {e}", out.display())))?;
            Ok(Output {
                text: format!(
                    "registry of {} attesters, root {}\nwritten to {}",
                    entries.len(),
                    file.root,
                    out.display()
                ),
                json: json!({ "root": file.root, "attesters": entries.len(), "out": out.display().to_string() }),
            })
        }
    }
}

/// Runs a `credit` command.
///
/// # Errors
///
/// Any [`WalletError`].
pub async fn run_credit(s: &Settings, cmd: CreditCommand, json_mode: bool) -> Result<Output, WalletError> {
    match cmd {
        CreditCommand::Apply { application, out, wait } => {
            let LoadedApplication { policy, attestation, registry, purpose } = application.load()?;
            let keys = s.keys()?;
            let seq = s.sequencer()?;
            let index = s.account_index()?;
            let bar = spinner(json_mode);
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
            bar.set_message("loading the proving key");
            let pk = application.proving_key();
            let request =
                application.request(purpose, u64::from(ctx.epoch), ctx.l1_time.unwrap_or_else(now_secs));
            let proved = pk.and_then(|pk| {
                bar.set_message("proving eligibility on this machine (the record stays here)");
                prove_credit(&keys.l2, &policy, &pk, &attestation, &registry, &ctx.account_proof, request)
            });
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
                application.amount,
                application.bank,
                purpose_label(purpose),
                st.tier,
                st.rate_bps,
                st.term_months,
                st.max_amount,
                receipt.hash
            );
            let sent = crate::ops::Sent { hash: receipt.hash, seq: receipt.seq, nonce: 0 };
            let mut o = crate::cli::finish_sent(&seq, sent, text, wait, json_mode).await?;
            o.json["statement"] = statement_output(&st, "").json;
            Ok(o)
        }
        CreditCommand::Prove { application, epoch, account_proof, now, out } => {
            let LoadedApplication { policy, attestation, registry, purpose } = application.load()?;
            let account =
                AccountProofFile::load(&account_proof).map_err(|e| WalletError::Config(e.to_string()))?;
            let keys = s.keys()?;
            let bar = spinner(json_mode);
            bar.set_message("loading the proving key");
            let request = application.request(purpose, epoch, now.unwrap_or_else(now_secs));
            let result = application.proving_key().and_then(|pk| {
                bar.set_message("proving eligibility on this machine (the record stays here)");
                prove_credit(&keys.l2, &policy, &pk, &attestation, &registry, &account, request)
            });
            bar.finish_and_clear();
            let file = result?;
            file.save(&out).map_err(|e| WalletError::Config(e.to_string()))?;
            let (st, _) = file.parts().map_err(|e| WalletError::Config(e.to_string()))?;
            let mut o = statement_output(&st, &format!("eligibility proof written to {}", out.display()));
            o.json = json!({ "out": out.display().to_string(), "statement": o.json, "vkHash": file.vk_hash });
            Ok(o)
        }
        CreditCommand::Verify { vk, proof, policy } => {
            let vk_file = VerifyingKeyFile::load(&vk)
                .map_err(|e| WalletError::VerifyingKey { path: vk.clone(), reason: e.to_string() })?;
            let file = EligibilityProofFile::load(&proof).map_err(|e| WalletError::Config(e.to_string()))?;
            let policy = policy.as_deref().map(load_policy).transpose()?;
            let st = verify_credit(&vk_file, &file, policy.as_ref())?;
            let head = if vk_file.metadata.insecure_dev_setup {
                "VALID eligibility proof (WARNING: the verifying key comes from an insecure development setup)"
            } else {
                "VALID eligibility proof"
            };
            let mut o = statement_output(&st, head);
            o.json = json!({ "valid": true, "insecureDevSetup": vk_file.metadata.insecure_dev_setup, "statement": o.json });
            Ok(o)
        }
    }
}
