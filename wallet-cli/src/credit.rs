//! Credit: attesters sign members' financial records under a bank's schema, banks publish their
//! policy and attester registry (the eligibility key is the rollup's, one per policy shape),
//! members prove eligibility on their own machine, lenders and auditors verify the proofs.
//!
//! Files (JSON): an **attestation** (the record's features, the member's and the attester's
//! packed keys, the expiry, the schema digest the features are encoded under, the purpose the
//! record is attested for, the signature over the record and that purpose: private to the
//! member, written with mode 0600), a
//! **registry** (the bank's attesters and its root, public), an **account proof** (the
//! member's account leaf and path under a settled state root:
//! [`ccr_prover::eligibility::AccountProofFile`]), the **eligibility proof**
//! ([`ccr_prover::eligibility::EligibilityProofFile`]).

use std::fmt;
use std::path::Path;
use std::time::{SystemTime, UNIX_EPOCH};

use ccr_circuits::babyjubjub::eddsa::PrivateKey;
use ccr_circuits::babyjubjub::{pack_point, unpack_point, Point};
use ccr_circuits::credit::{
    Application, Attestation, AttesterRegistry, EligibilityStatement, EligibilityWitness, FinancialRecord,
};
use ccr_circuits::Fr;
use ccr_credit_policy::{Policy, Purpose};
use ccr_prover::eligibility::{
    eligibility_circuit_name, prove_eligibility, AccountProofFile, EligibilityProofError,
    EligibilityProofFile,
};
use ccr_prover::{ProvingKeyFile, VerifyingKeyFile};
use ccr_rpc_api::wire::{fr_to_hex, pack_signature, unpack_signature};
use serde::{Deserialize, Serialize};

use crate::cli::Output;
use crate::error::WalletError;

/// Version of the registry file format.
pub const CREDIT_FILE_VERSION: u32 = 1;

/// Version of the attestation file format (3: the record is signed under its schema digest and
/// padded to the policy's shape; 2: the attester signs the credit's purpose with the record;
/// earlier files are refused).
pub const ATTESTATION_FILE_VERSION: u32 = 3;

/// The network's eligibility proving key file of the production shape, beside the batch keys
/// (`ccr-wallet deploy --keys DIR` reads its verifying key; banks publish the proving key).
pub const PK_FILE: &str = "eligibility.pk";
/// See [`PK_FILE`].
pub const VK_FILE: &str = "eligibility.vk";

/// An attester's signed statement about a member's record. Private to the member: `Debug`
/// hides the features.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AttestationFile {
    /// [`ATTESTATION_FILE_VERSION`].
    pub version: u32,
    /// The policy's integer inputs, in order, padded with zeros to the policy's shape.
    pub features: Vec<i64>,
    /// The member's packed public key (hex).
    pub member: String,
    /// Unix time after which the record is no longer valid.
    pub expiry: u64,
    /// The digest of the schema the features are encoded under (decimal): the record is
    /// signed under it and can only be scored by a policy of this schema. Absent before
    /// version 3; such files are refused.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schema: Option<String>,
    /// The attester's packed public key (hex).
    pub attester: String,
    /// What the credit is for (the purpose's name): signed with the record. Absent in
    /// version 1 files, which are refused.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub purpose: Option<Purpose>,
    /// EdDSA-Poseidon signature of `Poseidon([record commitment, purpose code])`, packed
    /// (64 bytes hex).
    pub signature: String,
    /// The hash of the policy the features were checked against (decimal).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy_hash: Option<String>,
}

impl fmt::Debug for AttestationFile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AttestationFile")
            .field("features", &format_args!("<{} redacted>", self.features.len()))
            .field("member", &self.member)
            .field("expiry", &self.expiry)
            .field("schema", &self.schema)
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
        let schema = match (&self.schema, self.version) {
            (Some(s), ATTESTATION_FILE_VERSION) => ccr_circuits::field::parse(s)
                .map_err(|e| WalletError::Config(format!("attestation schema digest: {e}")))?,
            _ => {
                return Err(WalletError::Config(format!(
                    "the attestation (format version {}) is not signed under a schema digest: ask your \
                     attester to sign the record again with `ccr-wallet attester sign --policy ...` \
                     (format version {ATTESTATION_FILE_VERSION})",
                    self.version
                )))
            }
        };
        let record = FinancialRecord {
            features: self.features.clone(),
            member: parse_pubkey(&self.member)?,
            expiry: self.expiry,
            schema,
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

/// The attester `attester` signs `features` (the policy's inputs, in order) for `member` until
/// `expiry`, for a credit of `purpose`, under `policy`'s schema: the features are padded to the
/// policy's shape and checked against its bounds and one-hot groups first (the circuit takes
/// them as the attester's statement).
///
/// # Errors
///
/// [`WalletError::Config`] when the features do not fit the policy.
pub fn sign_attestation(
    attester: &PrivateKey,
    mut features: Vec<i64>,
    member: Point,
    expiry: u64,
    purpose: Purpose,
    policy: &Policy,
) -> Result<AttestationFile, WalletError> {
    let params = policy.circuit_params().map_err(|e| WalletError::Config(e.to_string()))?;
    if features.len() != params.coefficients.len() && features.len() != params.shape.inputs {
        return Err(WalletError::Config(format!(
            "the record has {} inputs, the policy takes {}: encode it with the policy's schema",
            features.len(),
            params.coefficients.len()
        )));
    }
    features.resize(params.shape.inputs, 0);
    params
        .check_inputs(&features)
        .map_err(|e| WalletError::Config(format!("the record does not fit the policy: {e}")))?;
    let record = FinancialRecord { features, member, expiry, schema: params.schema };
    let att = Attestation::sign(attester, &record, purpose.code());
    Ok(AttestationFile {
        version: ATTESTATION_FILE_VERSION,
        member: packed_hex(&member),
        expiry,
        attester: packed_hex(&att.attester),
        purpose: Some(purpose),
        signature: format!("0x{}", hex::encode(pack_signature(&att.signature))),
        policy_hash: Some(policy.hash.clone()),
        schema: Some(params.schema.to_string()),
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
/// one, a record under another schema, a declined or expired record, an attester outside the
/// registry, a stale account proof: [`WalletError::Ineligible`], no proof), then Groth16 with
/// the rollup's proving key of the policy's shape.
///
/// # Errors
///
/// [`WalletError::Ineligible`], [`WalletError::Config`] for a key of another shape or depth.
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
    let expected = eligibility_circuit_name(params.shape, depth);
    if pk.metadata.circuit_name != expected {
        return Err(WalletError::Config(format!(
            "the proving key is for `{}`, this policy's shape and account proof (state depth {depth}) need \
             `{expected}`: use the rollup's eligibility key of that shape (`ccr-wallet bank fetch`)",
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

/// Verifies a proof file under the rollup's eligibility verifying key of the bank's shape
/// (and, with `policy`, that it is for that policy): the statement it proves.
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
/// `asset` prints the amounts (`None`: raw L2 units, as an offline `credit verify` knows them).
pub fn statement_output(
    st: &EligibilityStatement,
    head: &str,
    asset: Option<&crate::amount::Asset>,
) -> Output {
    let show = |units: u64| asset.map_or_else(|| format!("{units} L2 units"), |a| a.show(units));
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
        show(st.amount),
        st.tier,
        show(st.max_amount),
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

/// Parses `--purpose`: a purpose's name or its code (0-4).
///
/// # Errors
///
/// [`WalletError::Config`] naming the purposes.
pub(crate) fn parse_purpose(purpose: &str) -> Result<Purpose, WalletError> {
    Purpose::parse(purpose).ok_or_else(|| {
        WalletError::Config(format!(
            "unknown purpose `{purpose}`: use productive_enterprise, creative_project, \
             community_infrastructure, ecological_restoration or educational_initiative"
        ))
    })
}

/// The current unix time in seconds (0 before 1970).
pub(crate) fn now_secs() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}
