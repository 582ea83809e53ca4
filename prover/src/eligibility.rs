//! Groth16 for the eligibility circuit ([`EligibilityCircuit`]): one key per shape and state
//! depth (every bank's policy of that shape is proven under it: no bank makes a key), proving
//! after the native check, verification from a statement, and the portable proof file a member
//! hands to a lender.
//!
//! The native twin ([`evaluate`]) runs before any proving: a declined applicant, an expired
//! record or a stale account proof gets its specific [`EligibilityError`], never a proof.
//!
//! [`EligibilityCircuit`]: ccr_circuits::credit::constraints::EligibilityCircuit
//! [`evaluate`]: ccr_circuits::credit::evaluate
//! [`EligibilityError`]: ccr_circuits::credit::EligibilityError

use std::path::{Path, PathBuf};

use ark_std::rand::{CryptoRng, RngCore};
use ccr_circuits::credit::constraints::EligibilityCircuit;
use ccr_circuits::credit::{
    evaluate, AccountLeaf, EligibilityError, EligibilityShape, EligibilityStatement, EligibilityWitness,
    PolicyParams,
};
use ccr_circuits::merkle::{MerkleProof, MAX_DEPTH};
use serde::{Deserialize, Serialize};

use crate::atomic::write_atomic;
use crate::{
    dev_setup, key_hash, proof_from_bytes, proof_to_bytes, prove_with_matrices, verify, Bn254,
    ConstraintMatrices, Fr, Keypair, Proof, ProverError, ProvingKey, VerifyingKey,
};

/// Why no eligibility proof was produced or checked.
#[derive(Debug, thiserror::Error)]
pub enum EligibilityProofError {
    /// The native check refused the application (declined, expired, stale account proof...).
    #[error(transparent)]
    Ineligible(#[from] EligibilityError),
    /// Groth16 failed (wrong key for this shape or depth, unsatisfied witness, I/O).
    #[error(transparent)]
    Prover(#[from] ProverError),
    /// A proof or account-proof file is not what it should be.
    #[error("{}: {reason}", path.display())]
    File {
        /// The file.
        path: PathBuf,
        /// What is wrong and what to do.
        reason: String,
    },
    /// The proof file names another verifying key than the one given.
    #[error("the proof was made for verifying key {file}, not for the given key {given}: use the rollup's eligibility key of the bank's shape (`ccr-wallet bank show`)")]
    VerifyingKeyMismatch {
        /// The hash in the proof file.
        file: String,
        /// The hash of the given key.
        given: String,
    },
    /// The proof file's policy hash is not its statement's.
    #[error(
        "the proof file's policy hash {file} differs from its statement's {statement}: the file was edited"
    )]
    PolicyHashMismatch {
        /// `policy_hash` of the file.
        file: String,
        /// The statement's policy hash.
        statement: String,
    },
}

/// The circuit name written in the key files of an eligibility circuit:
/// `eligibility-{inputs}x{tiers}-d{state_depth}` (the production one: `eligibility-64x4-d24`).
pub fn eligibility_circuit_name(shape: EligibilityShape, state_depth: usize) -> String {
    format!("eligibility-{}x{}-d{state_depth}", shape.inputs, shape.tiers)
}

/// The policy shapes a rollup deployment holds eligibility keys for, in the order of L1's
/// shape numbers (`Rollup.eligibilityKey(shape)`): shape 0 is the production shape. A larger
/// shape, where a lender's data needs one, is appended here and deployed with its key.
pub const NETWORK_SHAPES: [EligibilityShape; 1] = [EligibilityShape::PRODUCTION];

/// L1's shape number of `shape` ([`NETWORK_SHAPES`]), `None` for a shape the network has no
/// key for.
pub fn network_shape_index(shape: EligibilityShape) -> Option<u8> {
    NETWORK_SHAPES.iter().position(|&s| s == shape).and_then(|i| u8::try_from(i).ok())
}

fn check_shape(shape: EligibilityShape, state_depth: usize) -> Result<(), ProverError> {
    shape.check().map_err(|e| ProverError::Params(e.to_string()))?;
    if state_depth == 0 || state_depth > MAX_DEPTH {
        return Err(ProverError::Params(EligibilityError::StateDepth(state_depth).to_string()));
    }
    Ok(())
}

/// The eligibility circuit's constraint matrices for `shape` and `state_depth`, synthesized
/// once: what a long-lived prover keeps beside the proving key.
///
/// # Errors
///
/// [`ProverError::Params`] for an invalid shape or depth, [`ProverError::Synthesis`].
pub fn eligibility_matrices(
    shape: EligibilityShape,
    state_depth: usize,
) -> Result<ConstraintMatrices, ProverError> {
    check_shape(shape, state_depth)?;
    ConstraintMatrices::synthesize(EligibilityCircuit::setup(shape, state_depth))
}

/// **INSECURE — development only.** Deterministic keys for the eligibility circuit of
/// `shape` over a state tree of depth `state_depth` (see [`dev_setup`]): anyone who knows
/// `seed` can forge proofs, for every bank's policy of the shape.
///
/// # Errors
///
/// [`ProverError::Params`] for an invalid shape or depth, [`ProverError::Synthesis`].
pub fn dev_setup_eligibility(
    shape: EligibilityShape,
    state_depth: usize,
    seed: [u8; 32],
) -> Result<Keypair, ProverError> {
    check_shape(shape, state_depth)?;
    dev_setup(EligibilityCircuit::setup(shape, state_depth), seed)
}

/// The seed of the development eligibility key the embedded L1 and the devnet deploy
/// ([`dev_eligibility_key_file`]). Public: anyone can forge proofs under that key.
pub const DEV_ELIGIBILITY_SEED: [u8; 32] = [0xE1; 32];

/// **INSECURE — development only.** The proving key file of the production shape's
/// eligibility circuit at `state_depth` from [`DEV_ELIGIBILITY_SEED`], flagged
/// `insecure_dev_setup` (what a development rollup deploys for every bank; the verifying key is
/// the one inside).
///
/// # Errors
///
/// As [`dev_setup_eligibility`].
pub fn dev_eligibility_key_file(state_depth: usize) -> Result<crate::ProvingKeyFile, ProverError> {
    let shape = NETWORK_SHAPES[0];
    let keys = dev_setup_eligibility(shape, state_depth, DEV_ELIGIBILITY_SEED)?;
    Ok(keys.into_key_files(eligibility_circuit_name(shape, state_depth)).0)
}

/// Checks `witness` natively against `params` (policy hash [`PolicyParams::hash`]), the
/// bank's `registry_root` and a settled `state_root`, then proves it in the circuit of
/// `params.shape` under `pk` (that shape's key). Returns the proof and the statement it proves.
///
/// `rng` supplies the zero-knowledge blinding: use `rand::rngs::OsRng` outside tests.
///
/// # Errors
///
/// [`EligibilityProofError::Ineligible`] with the native reason (no proof is attempted),
/// [`EligibilityProofError::Prover`] when `pk` is not the key of this shape and depth.
#[allow(clippy::too_many_arguments)]
pub fn prove_eligibility<R: RngCore + CryptoRng>(
    pk: &ProvingKey<Bn254>,
    params: &PolicyParams,
    state_depth: usize,
    registry_root: Fr,
    state_root: Fr,
    witness: EligibilityWitness,
    rng: &mut R,
) -> Result<(Proof<Bn254>, EligibilityStatement), EligibilityProofError> {
    let statement = evaluate(params, params.hash(), registry_root, state_root, state_depth, &witness)?;
    // One proof per process: the matrices are synthesized from the setup circuit, then only the
    // witness (the same two passes a long-lived prover makes, in one call).
    let matrices = eligibility_matrices(params.shape, state_depth)?;
    let circuit = EligibilityCircuit::new(params.clone(), state_depth, statement, witness);
    let (proof, public, _) = prove_with_matrices(pk, &matrices, circuit, rng)?;
    if public != statement.public_inputs() {
        return Err(ProverError::Params(
            "the eligibility circuit's public inputs are not the statement's".into(),
        )
        .into());
    }
    Ok((proof, statement))
}

/// Verifies `proof` of `statement` under `vk`.
///
/// # Errors
///
/// [`ProverError::PublicInputCount`] if `vk` is not an eligibility key.
pub fn verify_eligibility(
    vk: &VerifyingKey<Bn254>,
    statement: &EligibilityStatement,
    proof: &Proof<Bn254>,
) -> Result<bool, ProverError> {
    verify(vk, &statement.public_inputs(), proof)
}

/// An [`EligibilityStatement`] in JSON: integers as numbers, field elements as decimal strings.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StatementJson {
    /// The bank.
    pub bank: u64,
    /// Principal granted.
    pub amount: u64,
    /// Purpose code (0..=4).
    pub purpose: u8,
    /// 1-based tier.
    pub tier: u8,
    /// The tier's maximum amount.
    pub max_amount: u64,
    /// The tier's rate (basis points per year).
    pub rate_bps: u32,
    /// The tier's term (months).
    pub term_months: u32,
    /// The policy hash (decimal).
    pub policy_hash: String,
    /// The attester registry root (decimal).
    pub registry_root: String,
    /// The nullifier (decimal).
    pub nullifier: String,
    /// The member's account index.
    pub account: u64,
    /// The epoch.
    pub epoch: u64,
    /// The time the expiry was checked against (unix seconds).
    pub now: u64,
    /// The settled state root (decimal).
    pub state_root: String,
}

fn parse_fr(what: &str, s: &str) -> Result<Fr, String> {
    ccr_circuits::field::parse(s).map_err(|e| format!("{what}: {e}"))
}

impl From<&EligibilityStatement> for StatementJson {
    fn from(s: &EligibilityStatement) -> Self {
        Self {
            bank: s.bank,
            amount: s.amount,
            purpose: s.purpose,
            tier: s.tier,
            max_amount: s.max_amount,
            rate_bps: s.rate_bps,
            term_months: s.term_months,
            policy_hash: s.policy_hash.to_string(),
            registry_root: s.registry_root.to_string(),
            nullifier: s.nullifier.to_string(),
            account: s.account,
            epoch: s.epoch,
            now: s.now,
            state_root: s.state_root.to_string(),
        }
    }
}

impl StatementJson {
    /// The statement, its field elements parsed.
    ///
    /// # Errors
    ///
    /// The name of a field that is not a canonical decimal field element.
    pub fn to_statement(&self) -> Result<EligibilityStatement, String> {
        Ok(EligibilityStatement {
            bank: self.bank,
            amount: self.amount,
            purpose: self.purpose,
            tier: self.tier,
            max_amount: self.max_amount,
            rate_bps: self.rate_bps,
            term_months: self.term_months,
            policy_hash: parse_fr("policyHash", &self.policy_hash)?,
            registry_root: parse_fr("registryRoot", &self.registry_root)?,
            nullifier: parse_fr("nullifier", &self.nullifier)?,
            account: self.account,
            epoch: self.epoch,
            now: self.now,
            state_root: parse_fr("stateRoot", &self.state_root)?,
        })
    }
}

/// The portable eligibility proof: what a member hands to a lender or an auditor.
///
/// JSON `{ "statement": {…}, "proof": "<hex of the compressed proof>", "policyHash": "…",
/// "vkHash": "<SHA-256 of the verifying key, as in key files>" }`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EligibilityProofFile {
    /// The public statement.
    pub statement: StatementJson,
    /// The Groth16 proof, arkworks compressed, lowercase hex (no `0x`).
    pub proof: String,
    /// The policy hash (decimal), repeated for readers that do not parse the statement.
    pub policy_hash: String,
    /// [`key_hash`] of the verifying key the proof was made for.
    pub vk_hash: String,
}

impl EligibilityProofFile {
    /// The file for `proof` of `statement`, made with the proving key of `vk`.
    ///
    /// # Errors
    ///
    /// An arkworks serialization error.
    pub fn new(
        statement: &EligibilityStatement,
        proof: &Proof<Bn254>,
        vk: &VerifyingKey<Bn254>,
    ) -> Result<Self, ProverError> {
        Ok(Self {
            statement: statement.into(),
            proof: hex::encode(proof_to_bytes(proof)?),
            policy_hash: statement.policy_hash.to_string(),
            vk_hash: key_hash(vk)?,
        })
    }

    /// The statement and the proof, parsed (without verifying).
    ///
    /// # Errors
    ///
    /// A malformed field or proof, [`EligibilityProofError::PolicyHashMismatch`].
    pub fn parts(&self) -> Result<(EligibilityStatement, Proof<Bn254>), EligibilityProofError> {
        let bad = |reason: String| EligibilityProofError::File { path: PathBuf::from("proof file"), reason };
        let statement = self.statement.to_statement().map_err(bad)?;
        if self.policy_hash != self.statement.policy_hash {
            return Err(EligibilityProofError::PolicyHashMismatch {
                file: self.policy_hash.clone(),
                statement: self.statement.policy_hash.clone(),
            });
        }
        let bytes = hex::decode(self.proof.trim_start_matches("0x"))
            .map_err(|e| bad(format!("proof is not hex: {e}")))?;
        Ok((statement, proof_from_bytes(&bytes)?))
    }

    /// Verifies the proof under `vk`: the statement, and whether the proof holds for it.
    ///
    /// # Errors
    ///
    /// [`EligibilityProofError::VerifyingKeyMismatch`] when the file names another key; a
    /// malformed file.
    pub fn verify(
        &self,
        vk: &VerifyingKey<Bn254>,
    ) -> Result<(EligibilityStatement, bool), EligibilityProofError> {
        let given = key_hash(vk)?;
        if given != self.vk_hash {
            return Err(EligibilityProofError::VerifyingKeyMismatch { file: self.vk_hash.clone(), given });
        }
        let (statement, proof) = self.parts()?;
        let ok = verify_eligibility(vk, &statement, &proof)?;
        Ok((statement, ok))
    }

    /// Writes the file as pretty JSON, crash-safely.
    ///
    /// # Errors
    ///
    /// [`ProverError::Io`].
    pub fn save(&self, path: &Path) -> Result<(), EligibilityProofError> {
        let json = serde_json::to_vec_pretty(self)
            .map_err(|e| EligibilityProofError::File { path: path.to_path_buf(), reason: e.to_string() })?;
        Ok(write_atomic(path, &json)?)
    }

    /// Reads a proof file.
    ///
    /// # Errors
    ///
    /// [`EligibilityProofError::File`] for an unreadable or malformed file.
    pub fn load(path: &Path) -> Result<Self, EligibilityProofError> {
        let file = |reason: String| EligibilityProofError::File { path: path.to_path_buf(), reason };
        let text = std::fs::read(path).map_err(|e| file(format!("cannot read: {e}")))?;
        serde_json::from_slice(&text).map_err(|e| {
            file(format!("not an eligibility proof file ({e}): make it with `ccr-wallet credit prove`"))
        })
    }
}

/// A member's account opening under a settled state root, as a file: what the wallet needs
/// to bind its account index to its key. Field elements as decimal strings.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AccountProofFile {
    /// The settled state root (decimal).
    pub state_root: String,
    /// The account index.
    pub index: u64,
    /// The account's balance.
    pub balance: u64,
    /// The account's nonce.
    pub nonce: u32,
    /// The account's extension hash (decimal).
    pub ext: String,
    /// The path's siblings, leaf level first (decimal).
    pub siblings: Vec<String>,
}

impl std::fmt::Debug for AccountProofFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AccountProofFile")
            .field("state_root", &self.state_root)
            .field("index", &self.index)
            .field("leaf", &"<redacted>")
            .finish()
    }
}

impl AccountProofFile {
    /// The file for `leaf` at `proof.index` under `state_root`.
    pub fn new(state_root: Fr, leaf: &AccountLeaf, proof: &MerkleProof) -> Self {
        Self {
            state_root: state_root.to_string(),
            index: proof.index,
            balance: leaf.balance,
            nonce: leaf.nonce,
            ext: leaf.ext.to_string(),
            siblings: proof.siblings.iter().map(ToString::to_string).collect(),
        }
    }

    /// The state root, the leaf's fields and its path.
    ///
    /// # Errors
    ///
    /// The name of a field that is not a decimal field element.
    pub fn parts(&self) -> Result<(Fr, AccountLeaf, MerkleProof), String> {
        let siblings = self
            .siblings
            .iter()
            .enumerate()
            .map(|(l, s)| parse_fr(&format!("siblings[{l}]"), s))
            .collect::<Result<Vec<_>, _>>()?;
        Ok((
            parse_fr("stateRoot", &self.state_root)?,
            AccountLeaf { balance: self.balance, nonce: self.nonce, ext: parse_fr("ext", &self.ext)? },
            MerkleProof { index: self.index, siblings },
        ))
    }

    /// Reads an account proof file.
    ///
    /// # Errors
    ///
    /// [`EligibilityProofError::File`] for an unreadable or malformed file.
    pub fn load(path: &Path) -> Result<Self, EligibilityProofError> {
        let file = |reason: String| EligibilityProofError::File { path: path.to_path_buf(), reason };
        let text = std::fs::read(path).map_err(|e| file(format!("cannot read: {e}")))?;
        serde_json::from_slice(&text).map_err(|e| {
            file(format!("not an account proof file ({e}): fetch a fresh proof of your account"))
        })
    }

    /// Writes the file as pretty JSON, crash-safely.
    ///
    /// # Errors
    ///
    /// [`ProverError::Io`].
    pub fn save(&self, path: &Path) -> Result<(), EligibilityProofError> {
        let json = serde_json::to_vec_pretty(self)
            .map_err(|e| EligibilityProofError::File { path: path.to_path_buf(), reason: e.to_string() })?;
        Ok(write_atomic(path, &json)?)
    }
}
