//! Multi-party Groth16 setup with the circom ecosystem's tools: every circuit of the rollup
//! exported as circom's `.r1cs`, phase 2 run by `snarkjs zkey new / contribute / beacon /
//! verify`, and the final `.zkey` imported as our key files with its transcript beside them.
//!
//! # The flow
//!
//! 1. **Phase 1** is a public powers of tau, already prepared for phase 2: the Perpetual
//!    Powers of Tau (`powersOfTau28_hez_final_XX.ptau`, power `XX` at least one more than the
//!    log₂ of the circuit's constraints plus public inputs). Only tests use [`test_ptau`](crate::ceremony::ptau::test_ptau).
//! 2. **The coordinator** exports the circuit (`ccr-prover ceremony r1cs --circuit NAME`), makes
//!    the initial key (`snarkjs zkey new NAME.r1cs phase1.ptau NAME_0000.zkey`) and publishes
//!    both.
//! 3. **Each contributor** in turn downloads the latest key, runs `snarkjs zkey contribute
//!    NAME_i.zkey NAME_i+1.zkey --name=WHO`, types random text, destroys the machine's
//!    memory of it, keeps the contribution hash snarkjs prints, and uploads the new key.
//! 4. **The coordinator** accepts a contribution only if `snarkjs zkey verify NAME.r1cs
//!    phase1.ptau NAME_i+1.zkey` passes and `ccr-prover ceremony check-contribution
//!    --previous NAME_i.zkey --next NAME_i+1.zkey` shows it extends the accepted chain by
//!    exactly one contribution ([`check_extends`](crate::ceremony::check_extends)); anything else is refused and the previous
//!    key stays the latest.
//! 5. **A random beacon** closes it: `snarkjs zkey beacon NAME_n.zkey NAME_final.zkey <hash>
//!    10 --name=beacon`, the hash a public value fixed after the last contribution (a future
//!    block hash).
//! 6. **Import**: `ccr-prover ceremony import --circuit NAME --zkey NAME_final.zkey --ptau
//!    PHASE1.ptau` checks that the key is that circuit's (the variable, public input and
//!    constraint counts, every coefficient of A and B against our own constraint system, and
//!    `snarkjs zkey verify` against our own `.r1cs` for C and every point) and writes `NAME.pk`,
//!    `NAME.vk` and `NAME.transcript.json` ([`Transcript`](crate::ceremony::Transcript)): each contribution's hash as
//!    snarkjs printed it to its contributor, the beacon, the hashes of the `.r1cs`, the
//!    `.zkey` and our keys. A proof is sound if any one contributor destroyed their secret.
//!
//! # The QAP
//!
//! snarkjs's keys hold H over the odd points of the domain twice as large, not arkworks'
//! `τⁱ·Z(τ)/δ`; the prover tells them apart by the H query's length and computes the quotient
//! each way (see [`crate::prove::Qap`]). We read `.zkey` files ourselves
//! ([`read_zkey`](crate::ceremony::zkey::read_zkey)) rather than through `ark-circom`: its reader and `CircomReduction`
//! are a few hundred lines, while the crate unconditionally builds wasmer and cranelift (a
//! WebAssembly runtime for circom's witness generators, which we have no use for).

mod binfile;
pub mod phase2;
pub mod ptau;
pub mod r1cs;
pub mod snarkjs;
pub mod test_ceremony;
pub mod zkey;

use ark_groth16::ProvingKey;
use ark_poly::EvaluationDomain;
use ccr_circuits::credit::EligibilityShape;
use ccr_circuits::state::{Domain, RollupParams};
use ccr_circuits::vote::constraints::{ProcessCircuit, TallyCircuit};
use ccr_circuits::vote::tally_witness::{TallyBatchWitness, TallyParams};
use ccr_circuits::vote::trees::VoteParams;
use ccr_circuits::vote::witness::ProcessBatchWitness;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::error::{CeremonyError, ProverError};
use crate::keys::key_hash;
use crate::matrices::ConstraintMatrices;
use crate::setup::Keypair;
use crate::{Bn254, Fr};

pub use zkey::{Contribution, ContributionKind, MpcParams, Zkey};

/// A circuit of the rollup at given sizes, named as its key files name it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CeremonyCircuit {
    /// The batch circuit (`batch-d24-n16`).
    Batch(RollupParams),
    /// The eligibility circuit of a policy shape (`eligibility-64x4-d24`).
    Eligibility {
        /// The policy shape.
        shape: EligibilityShape,
        /// The state tree's depth.
        state_depth: usize,
    },
    /// A poll's message-processing circuit (`vote-process-s10-v3-b25`).
    VoteProcess(VoteParams),
    /// A poll's tally circuit (`vote-tally-s10-v3-t32`).
    VoteTally(TallyParams),
}

impl CeremonyCircuit {
    /// The circuit a key-file circuit name stands for.
    ///
    /// # Errors
    ///
    /// [`CeremonyError::UnknownCircuit`].
    pub fn from_name(name: &str) -> Result<Self, CeremonyError> {
        let unknown = || CeremonyError::UnknownCircuit(name.to_owned());
        let numbers = |rest: &str, separators: &[&str]| -> Option<Vec<usize>> {
            let mut out = Vec::new();
            let mut rest = rest;
            for sep in separators {
                let (n, tail) = rest.split_once(sep)?;
                out.push(n.parse().ok()?);
                rest = tail;
            }
            out.push(rest.parse().ok()?);
            Some(out)
        };
        let circuit = if name.starts_with("batch-") {
            Self::Batch(crate::batch::params_of_circuit(name).ok_or_else(unknown)?)
        } else if let Some(rest) = name.strip_prefix("eligibility-") {
            let [inputs, tiers, state_depth] = numbers(rest, &["x", "-d"]).ok_or_else(unknown)?[..] else {
                return Err(unknown());
            };
            Self::Eligibility { shape: EligibilityShape { inputs, tiers }, state_depth }
        } else if let Some(rest) = name.strip_prefix("vote-process-s") {
            let [state_depth, vote_depth, batch_size] = numbers(rest, &["-v", "-b"]).ok_or_else(unknown)?[..]
            else {
                return Err(unknown());
            };
            Self::VoteProcess(VoteParams { state_depth, vote_depth, batch_size })
        } else if let Some(rest) = name.strip_prefix("vote-tally-s") {
            let [state_depth, vote_depth, batch_size] = numbers(rest, &["-v", "-t"]).ok_or_else(unknown)?[..]
            else {
                return Err(unknown());
            };
            Self::VoteTally(TallyParams { state_depth, vote_depth, batch_size })
        } else {
            return Err(unknown());
        };
        // Only the canonical spelling (no leading zeros, no signs) names a circuit.
        if circuit.name() == name {
            Ok(circuit)
        } else {
            Err(unknown())
        }
    }

    /// The circuit's name, as its key files carry it.
    pub fn name(&self) -> String {
        match self {
            Self::Batch(params) => crate::batch::batch_circuit_name(params),
            Self::Eligibility { shape, state_depth } => {
                crate::eligibility::eligibility_circuit_name(*shape, *state_depth)
            }
            Self::VoteProcess(params) => crate::vote::process_circuit_name(params),
            Self::VoteTally(params) => crate::vote::tally_circuit_name(params),
        }
    }

    /// The circuit's constraint matrices, synthesized from a blank instance.
    ///
    /// # Errors
    ///
    /// [`ProverError::Params`] for sizes the circuit refuses; [`ProverError::Synthesis`].
    pub fn matrices(&self) -> Result<ConstraintMatrices, ProverError> {
        let params = |e: String| ProverError::Params(format!("{}: {e}", self.name()));
        match *self {
            Self::Batch(p) => {
                let blank =
                    ccr_circuits::batch::BatchWitness::blank(RollupParams { domain: Domain::NONE, ..p })
                        .map_err(|e| params(e.to_string()))?;
                ConstraintMatrices::synthesize(ccr_circuits::batch::constraints::BatchCircuit::new(blank))
            }
            Self::Eligibility { shape, state_depth } => {
                crate::eligibility::eligibility_matrices(shape, state_depth)
            }
            Self::VoteProcess(p) => {
                let blank = ProcessBatchWitness::blank(p).map_err(|e| params(e.to_string()))?;
                ConstraintMatrices::synthesize(ProcessCircuit::new(blank))
            }
            Self::VoteTally(p) => {
                let blank = TallyBatchWitness::blank(p).map_err(|e| params(e.to_string()))?;
                ConstraintMatrices::synthesize(TallyCircuit::new(blank))
            }
        }
    }
}

/// The smallest powers-of-tau power whose prepared file `snarkjs zkey new` accepts for a
/// circuit with these matrices (its QAP domain doubled, for snarkjs's H).
pub fn ptau_power(matrices: &ConstraintMatrices) -> Result<u32, ProverError> {
    Ok(matrices.domain()?.size().trailing_zeros() + 1)
}

/// What a ceremony leaves beside its keys (`NAME.transcript.json`): enough for anyone to
/// check that the keys come from the published `.zkey`, and for each contributor to find
/// their contribution in it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Transcript {
    /// The circuit's name.
    pub circuit: String,
    /// SHA-256 of the circuit's `.r1cs` as `ccr-prover ceremony r1cs` writes it.
    pub r1cs_sha256: String,
    /// snarkjs's circuit hash of the initial key (BLAKE2b-512, as `snarkjs zkey new` prints it).
    pub circuit_hash: String,
    /// BLAKE2b-512 of the phase-1 `.ptau` the key was verified against, when the importer was
    /// given it: compare with the checksum its ceremony published (snarkjs's README lists
    /// those of the Perpetual Powers of Tau files).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phase1_blake2b: Option<String>,
    /// The contributions, oldest first.
    pub contributions: Vec<TranscriptEntry>,
    /// SHA-256 of the final `.zkey`.
    pub zkey_sha256: String,
    /// The verifying key's hash (`ccr-prover vk-hash`), the value L1 deployments publish.
    pub vk_hash: String,
    /// The proving key's hash (of its payload in the key file).
    pub pk_hash: String,
}

/// One contribution in a [`Transcript`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TranscriptEntry {
    /// 1 for the first.
    pub index: usize,
    /// `contribution` or `beacon`.
    pub kind: String,
    /// The name the contributor gave.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The contribution hash (BLAKE2b-512, hex), as snarkjs printed it to the contributor.
    pub hash: String,
    /// The beacon's public value (hex), for the beacon.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub beacon_hash: Option<String>,
    /// The beacon's `log₂` of hash iterations.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub beacon_iterations_exp: Option<u8>,
}

/// A ceremony's keys and their transcript.
#[derive(Clone, Debug)]
pub struct Imported {
    /// The keys (flagged insecure only by a test ceremony, whose phase 1 is one party's).
    pub keypair: Keypair,
    /// What to publish beside them.
    pub transcript: Transcript,
}

/// Reads the final `.zkey` of a ceremony for `circuit` (whose matrices are `matrices`) and
/// makes our keys of it, after checking that it is that circuit's key (the counts and every
/// coefficient of A and B, which the `.zkey` holds) and has at least one contribution. C and
/// the points themselves are checked by `snarkjs zkey verify` against our own
/// [`r1cs::to_r1cs`] export and the phase 1, which the coordinator runs (and `ccr-prover
/// ceremony import --ptau` runs again).
///
/// # Errors
///
/// [`CeremonyError::WrongCircuit`] naming the first difference (counts, domain, a
/// coefficient); [`CeremonyError::Format`] for a malformed file or one with no contribution
/// (its δ is the generator: anyone could forge).
pub fn import_zkey(
    circuit: &CeremonyCircuit,
    matrices: &ConstraintMatrices,
    zkey_bytes: &[u8],
) -> Result<Imported, ProverError> {
    let zkey = zkey::read_zkey(zkey_bytes)?;
    let wrong = |reason: String| CeremonyError::WrongCircuit { circuit: circuit.name(), reason };
    let counts = [
        ("variables", zkey.num_vars, matrices.num_instance_variables() + matrices.num_witness_variables()),
        ("public inputs", zkey.num_public, matrices.num_instance_variables() - 1),
        ("domain size", zkey.domain_size, matrices.domain()?.size()),
    ];
    for (what, got, expected) in counts {
        if got != expected {
            return Err(wrong(format!("{got} {what}, the circuit has {expected}")).into());
        }
    }
    check_coefficients(matrices, &zkey).map_err(wrong)?;
    if !zkey.mpc.contributions.iter().any(|c| c.kind == ContributionKind::Contributor) {
        return Err(CeremonyError::Format {
            file: "zkey",
            reason: "no contribution: its δ is known to everyone, so anyone could forge proofs".into(),
        }
        .into());
    }
    matrices.check_key(&zkey.pk)?;
    let transcript = transcript(circuit, matrices, &zkey.mpc, zkey_bytes, &zkey.pk)?;
    Ok(Imported { keypair: Keypair::from_ceremony(zkey.pk), transcript })
}

/// Compares the zkey's coefficients with ours, in the order snarkjs writes them: per
/// constraint the terms of A then of B, then one row of A per public input (and the one).
fn check_coefficients(matrices: &ConstraintMatrices, zkey: &Zkey) -> Result<(), String> {
    let mut got = zkey.coefficients.iter();
    let mut index = 0usize;
    let mut expect = |matrix: u32, constraint: usize, signal: u32, value: Fr| -> Result<(), String> {
        let expected = zkey::Coefficient { matrix, constraint: constraint as u32, signal, value };
        match got.next() {
            Some(c) if *c == expected => {
                index += 1;
                Ok(())
            }
            Some(c) => Err(format!(
                "coefficient {index} is {} of constraint {} at variable {}, the circuit has {} at variable {} of constraint {constraint}",
                ["A", "B"][c.matrix as usize], c.constraint, c.signal, ["A", "B"][matrix as usize], signal
            )),
            None => Err(format!("the key has {index} coefficients, the circuit more")),
        }
    };
    for i in 0..matrices.num_constraints() {
        for matrix in 0..2u32 {
            for (signal, value) in matrices.linear_combination(matrix as usize, i) {
                expect(matrix, i, signal, value)?;
            }
        }
    }
    for s in 0..matrices.num_instance_variables() {
        expect(0, matrices.num_constraints() + s, s as u32, Fr::from(1u64))?;
    }
    match zkey.coefficients.len().checked_sub(index) {
        Some(0) => Ok(()),
        _ => Err(format!("the key has {} coefficients, the circuit {index}", zkey.coefficients.len())),
    }
}

fn transcript(
    circuit: &CeremonyCircuit,
    matrices: &ConstraintMatrices,
    mpc: &MpcParams,
    zkey_bytes: &[u8],
    pk: &ProvingKey<Bn254>,
) -> Result<Transcript, ProverError> {
    let contributions = mpc
        .contributions
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let (kind, beacon_hash, beacon_iterations_exp) = match &c.kind {
                ContributionKind::Contributor => ("contribution", None, None),
                ContributionKind::Beacon { hash, iterations_exp } => {
                    ("beacon", Some(hex::encode(hash)), Some(*iterations_exp))
                }
            };
            TranscriptEntry {
                index: i + 1,
                kind: kind.into(),
                name: c.name.clone(),
                hash: hex::encode(c.hash()),
                beacon_hash,
                beacon_iterations_exp,
            }
        })
        .collect();
    Ok(Transcript {
        circuit: circuit.name(),
        r1cs_sha256: hex::encode(Sha256::digest(r1cs::to_r1cs(matrices))),
        circuit_hash: hex::encode(mpc.circuit_hash),
        phase1_blake2b: None,
        contributions,
        zkey_sha256: hex::encode(Sha256::digest(zkey_bytes)),
        vk_hash: key_hash(&pk.vk)?,
        pk_hash: key_hash(pk)?,
    })
}

/// BLAKE2b-512 of the file at `path` (a phase-1 `.ptau`, gigabytes at production sizes),
/// read in chunks, as hex: [`Transcript::phase1_blake2b`].
///
/// # Errors
///
/// [`ProverError::Io`].
pub fn file_blake2b(path: &std::path::Path) -> Result<String, ProverError> {
    use blake2::{Blake2b512, Digest as _};
    use std::io::Read;
    let mut file = std::fs::File::open(path).map_err(|e| ProverError::io(path, e))?;
    let mut hasher = Blake2b512::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = file.read(&mut buf).map_err(|e| ProverError::io(path, e))?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    Ok(hex::encode(hasher.finalize()))
}

/// Checks that `next` is `previous` with exactly one more contribution: the same circuit hash,
/// every earlier contribution unchanged, one new one. What a coordinator checks before
/// accepting an uploaded key (`snarkjs zkey verify` checks each contribution's cryptography
/// from the start, not that it builds on the key the contributor was given).
///
/// # Errors
///
/// [`CeremonyError::NotAnExtension`] saying how it differs.
pub fn check_extends(previous: &MpcParams, next: &MpcParams) -> Result<(), CeremonyError> {
    let fail = |s: String| Err(CeremonyError::NotAnExtension(s));
    if previous.circuit_hash != next.circuit_hash {
        return fail("the keys are of different circuits (their circuit hashes differ)".into());
    }
    let (n, m) = (previous.contributions.len(), next.contributions.len());
    if m != n + 1 {
        return fail(format!(
            "the previous key has {n} contributions, the new one {m} (exactly {} expected)",
            n + 1
        ));
    }
    if let Some(i) = (0..n).find(|&i| previous.contributions[i] != next.contributions[i]) {
        return fail(format!(
            "contribution {} differs from the accepted one: the new key was not made from the latest key",
            i + 1
        ));
    }
    let before = previous.contributions.last().map(|c| c.delta_after);
    if before == Some(next.contributions[n].delta_after) {
        return fail("the new contribution leaves δ unchanged".into());
    }
    Ok(())
}
