//! Errors of the prover crate: one enum per layer, the lower layers wrapped by `#[from]`.

use std::path::PathBuf;

use ark_relations::gr1cs::SynthesisError;
use ark_serialize::SerializationError;

/// Everything that can go wrong in this crate.
#[derive(Debug, thiserror::Error)]
pub enum ProverError {
    /// The circuit could not be synthesized (a gadget failed, a value was missing).
    #[error("constraint synthesis failed: {0}")]
    Synthesis(#[from] SynthesisError),
    /// The circuit's parameters are unusable (e.g. a tree depth out of range).
    #[error("invalid circuit parameters: {0}")]
    Params(String),
    /// The witness given to the prover does not satisfy the circuit; no proof is produced.
    #[error("the witness does not satisfy the circuit: constraint `{constraint}` fails")]
    Unsatisfied {
        /// The first failing constraint, as arkworks names it (`R1CS - <index>`).
        constraint: String,
    },
    /// The proving key was made for another circuit.
    #[error(
        "the proving key does not fit the circuit: {what} has {got} elements, the circuit needs {expected}"
    )]
    KeyShapeMismatch {
        /// Which part of the key.
        what: &'static str,
        /// Its length in the key.
        got: usize,
        /// The length the circuit needs.
        expected: usize,
    },
    /// A proof made over cached constraint matrices does not verify under the key's own
    /// verifying key: the matrices are not those of the circuit the key was made for.
    #[error(
        "the proof does not verify under the proving key's own verifying key: the constraint matrices are not the key's circuit"
    )]
    NotTheKeysCircuit,
    /// The verifier was given a number of public inputs the verifying key does not expect.
    #[error("wrong number of public inputs: got {got}, the verifying key expects {expected}")]
    PublicInputCount {
        /// Number given.
        got: usize,
        /// Number the verifying key was made for.
        expected: usize,
    },
    /// A proof in bytes is not a valid compressed Groth16 proof.
    #[error("malformed proof bytes: {0}")]
    ProofBytes(#[source] SerializationError),
    /// arkworks (de)serialization failed outside a key file.
    #[error("arkworks serialization: {0}")]
    Serialization(#[from] SerializationError),
    /// A key file is malformed or corrupted.
    #[error(transparent)]
    KeyFile(#[from] KeyFileError),
    /// A snarkjs JSON file is malformed.
    #[error(transparent)]
    Snarkjs(#[from] SnarkjsError),
    /// A setup ceremony's file (`.r1cs`, `.ptau`, `.zkey`) is malformed, is another circuit's,
    /// or a contribution does not extend the one before.
    #[error(transparent)]
    Ceremony(#[from] CeremonyError),
    /// Reading or writing a file failed.
    #[error("I/O error on {path}: {source}")]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
}

impl ProverError {
    /// Wraps an I/O error with the path it happened on.
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Self::Io { path: path.into(), source }
    }
}

/// A key file (see [`crate::keys`]) that cannot be read back.
#[derive(Debug, thiserror::Error)]
pub enum KeyFileError {
    /// The file does not start with the key-file magic bytes.
    #[error("not a ccr key file (bad magic bytes)")]
    BadMagic,
    /// The file was written by another version of the format.
    #[error("unsupported key file format version {got} (this build reads version {expected})")]
    UnsupportedVersion {
        /// Version in the file.
        got: u16,
        /// Version this build reads.
        expected: u16,
    },
    /// The file holds another kind of key (a proving key where a verifying key was asked).
    #[error("wrong kind of key file: it holds a {got}, a {expected} was expected")]
    WrongKind {
        /// Kind in the file.
        got: &'static str,
        /// Kind asked for.
        expected: &'static str,
    },
    /// An unknown key kind byte.
    #[error("unknown key kind byte {0:#04x}")]
    UnknownKind(u8),
    /// Flag bits this version does not know.
    #[error("unknown flag bits {0:#04x}")]
    UnknownFlags(u8),
    /// The payload encoding byte is not the one this kind of key is stored with.
    #[error("unsupported payload encoding byte {0:#04x}")]
    UnsupportedEncoding(u8),
    /// The circuit name is not UTF-8.
    #[error("circuit name is not valid UTF-8")]
    BadCircuitName,
    /// The circuit name is too long to store.
    #[error("circuit name is {0} bytes long, at most {max} are allowed", max = u16::MAX)]
    CircuitNameTooLong(usize),
    /// The file ends before the header or the payload does.
    #[error("truncated key file: {needed} bytes needed, {available} available")]
    Truncated {
        /// Bytes the header says the file has.
        needed: usize,
        /// Bytes actually there.
        available: usize,
    },
    /// Bytes after the payload.
    #[error("{0} unexpected bytes after the key payload")]
    TrailingBytes(usize),
    /// The SHA-256 of the payload is not the one in the header: the file is corrupted.
    #[error("key file content hash mismatch: header says {expected}, payload hashes to {got}")]
    HashMismatch {
        /// Hex SHA-256 written in the header.
        expected: String,
        /// Hex SHA-256 of the payload as read.
        got: String,
    },
    /// The payload hashes correctly but does not deserialize as a key.
    #[error("key payload does not deserialize: {0}")]
    Payload(#[source] SerializationError),
}

/// A snarkjs JSON file (proof, public inputs or verifying key) that cannot be imported.
#[derive(Debug, thiserror::Error)]
pub enum SnarkjsError {
    /// Not JSON of the expected shape.
    #[error("invalid snarkjs JSON: {0}")]
    Json(#[from] serde_json::Error),
    /// `protocol` is not `groth16`.
    #[error("unsupported protocol `{0}` (only groth16)")]
    Protocol(String),
    /// `curve` is not BN254 (`bn128`).
    #[error("unsupported curve `{0}` (only bn128 / bn254)")]
    Curve(String),
    /// A number is not a decimal string.
    #[error("{what}: `{value}` is not a decimal number")]
    NotDecimal {
        /// Where in the file.
        what: String,
        /// The offending string.
        value: String,
    },
    /// A number is not below the field modulus.
    #[error("{what}: {value} is not below the {field} modulus")]
    NotInField {
        /// Where in the file.
        what: String,
        /// The offending value.
        value: String,
        /// `Fq` (base field) or `Fr` (scalar field).
        field: &'static str,
    },
    /// A point is given with a projective coordinate other than 1 (or 0 for infinity).
    #[error("{what}: projective coordinate must be 1 (or 0 for the point at infinity)")]
    NotAffine {
        /// Which point.
        what: String,
    },
    /// A point is not on the curve or not in the prime-order subgroup.
    #[error("{what}: point is not on the curve or not in the prime-order subgroup")]
    InvalidPoint {
        /// Which point.
        what: String,
    },
    /// `nPublic` disagrees with the length of `IC`.
    #[error("nPublic is {n_public} but IC has {ic} points (nPublic + 1 expected)")]
    NPublicMismatch {
        /// `nPublic` in the file.
        n_public: usize,
        /// Length of `IC`.
        ic: usize,
    },
    /// `vk_alphabeta_12` is not e(`vk_alpha_1`, `vk_beta_2`).
    #[error("vk_alphabeta_12 is not the pairing of vk_alpha_1 and vk_beta_2")]
    AlphaBetaMismatch,
}

/// What can go wrong with the files of a setup ceremony (see [`crate::ceremony`]).
#[derive(Debug, thiserror::Error)]
pub enum CeremonyError {
    /// A binary file is not what it claims to be (bad magic, truncated, a section missing).
    #[error("malformed {file} file: {reason}")]
    Format {
        /// `zkey`, `ptau` or `r1cs`.
        file: &'static str,
        /// What is wrong, in words.
        reason: String,
    },
    /// The `.zkey` was made for another constraint system than the circuit named.
    #[error("the zkey is not a key of {circuit}: {reason}")]
    WrongCircuit {
        /// The circuit the key was imported for.
        circuit: String,
        /// The first difference.
        reason: String,
    },
    /// A `.zkey` that should extend another by contributions does not.
    #[error("the contribution does not extend the previous key: {0}")]
    NotAnExtension(String),
    /// A `.zkey`'s contributions or points do not verify against its initial key.
    #[error("the key does not verify: {0}")]
    Invalid(String),
    /// A circuit name that names no circuit of the rollup.
    #[error(
        "unknown circuit `{0}`: expected batch-d<depth>-n<slots>, eligibility-<inputs>x<tiers>-d<depth>, \
         vote-process-s<state depth>-v<vote depth>-b<messages> or vote-tally-s<state depth>-v<vote depth>-t<ballots>"
    )]
    UnknownCircuit(String),
    /// A snarkjs command failed or could not be started.
    #[error("snarkjs {command} failed: {reason}")]
    Snarkjs {
        /// The snarkjs subcommand.
        command: String,
        /// Its exit status and output, or why it did not start.
        reason: String,
    },
}
