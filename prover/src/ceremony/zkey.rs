//! snarkjs's Groth16 `.zkey` format (version 1), read into an arkworks proving key, with the
//! ceremony's contributions.
//!
//! | section | content                                                                  |
//! |---------|--------------------------------------------------------------------------|
//! | 1       | protocol: `1` (Groth16)                                                  |
//! | 2       | header: `n8q`, q, `n8r`, r, variables, public inputs, domain size, then  |
//! |         | α₁, β₁, β₂, γ₂, δ₁, δ₂                                                    |
//! | 3       | IC: the verifying key's input points (public inputs + 1)                 |
//! | 4       | coefficients of A and B: count, then `(matrix, constraint, signal,       |
//! |         | value·R²)`, the public inputs' extra rows last                           |
//! | 5, 6, 7 | A (G1), B (G1), B (G2): one point per variable                           |
//! | 8       | C: `(β·A + α·B + C)/δ` of each private variable                          |
//! | 9       | H: one point per element of the domain (the odd Lagrange points of the   |
//! |         | domain twice as large, over δ)                                           |
//! | 10      | the ceremony: the circuit hash and every contribution                    |
//!
//! Points are affine with coordinates in Montgomery form, little-endian ("LEM"), the point at
//! infinity as zeros. The H points make snarkjs's QAP, not arkworks' (see
//! [`crate::prove::Qap`]).

use ark_bn254::{Bn254, Fq, Fr, G1Affine, G2Affine};
use ark_ff::Field;
use ark_groth16::{ProvingKey, VerifyingKey};
use blake2::{Blake2b512, Digest};
use rayon::prelude::*;

use super::binfile::{check_g2, check_modulus, g1_uncompressed, g2_uncompressed, BinFile, Cursor};
use crate::error::CeremonyError;

/// A Groth16 `.zkey` read and checked: every point on its curve and in its subgroup.
#[derive(Clone, Debug)]
pub struct Zkey {
    /// The proving key (its verifying key inside).
    pub pk: ProvingKey<Bn254>,
    /// Variables, the constant one included.
    pub num_vars: usize,
    /// Public inputs, the constant one excluded.
    pub num_public: usize,
    /// The QAP domain's size.
    pub domain_size: usize,
    /// The coefficients of A and B (and the public inputs' rows of A), in file order.
    pub coefficients: Vec<Coefficient>,
    /// The ceremony's record.
    pub mpc: MpcParams,
}

/// One entry of the coefficients section.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Coefficient {
    /// `0` for A, `1` for B.
    pub matrix: u32,
    /// The constraint (row); rows past the circuit's constraints are the public inputs'.
    pub constraint: u32,
    /// The variable (column).
    pub signal: u32,
    /// The coefficient.
    pub value: Fr,
}

/// Section 10: the circuit hash and the contributions, oldest first.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MpcParams {
    /// snarkjs's circuit hash (BLAKE2b-512 of the initial key's points), as `snarkjs zkey
    /// new` prints it.
    pub circuit_hash: [u8; 64],
    /// Every contribution and beacon, in order.
    pub contributions: Vec<Contribution>,
}

/// One phase-2 contribution: the new δ and its proof of knowledge.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Contribution {
    /// δ₁ after this contribution.
    pub delta_after: G1Affine,
    /// The proof of knowledge of the contribution's secret: `s·G1`.
    pub g1_s: G1Affine,
    /// `s·x·G1`, `x` the secret.
    pub g1_sx: G1Affine,
    /// `x·sp·G2`, `sp` derived from the transcript.
    pub g2_spx: G2Affine,
    /// The transcript hash the contribution was made over.
    pub transcript: [u8; 64],
    /// A contributor's or the random beacon's.
    pub kind: ContributionKind,
    /// The name the contributor gave, if any.
    pub name: Option<String>,
}

/// Who made a contribution.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ContributionKind {
    /// A contributor, from their own entropy.
    Contributor,
    /// The final random beacon: anyone can recompute it from the public value.
    Beacon {
        /// The beacon's value (e.g. a future block hash).
        hash: Vec<u8>,
        /// `2^iterations` hash iterations (the delay).
        iterations_exp: u8,
    },
}

impl Contribution {
    /// The contribution hash `snarkjs zkey contribute` prints to the contributor and `snarkjs
    /// zkey verify` lists: BLAKE2b-512 of δ after, the proof of knowledge (points
    /// uncompressed, big-endian) and the transcript.
    pub fn hash(&self) -> [u8; 64] {
        let mut h = Blake2b512::new();
        self.hash_into(&mut h);
        h.finalize().into()
    }

    /// Feeds the contribution's public key to `h`, as snarkjs's `hashPubKey` does for the
    /// contribution hash and for the next contribution's transcript.
    pub(crate) fn hash_into(&self, h: &mut Blake2b512) {
        for p in [self.delta_after, self.g1_s, self.g1_sx] {
            h.update(g1_uncompressed(&p));
        }
        h.update(g2_uncompressed(&self.g2_spx));
        h.update(self.transcript);
    }
}

/// Reads a `.zkey`, checking every point (G1 on the curve, G2 also in the subgroup).
///
/// # Errors
///
/// [`CeremonyError::Format`] naming what is malformed: another protocol (PLONK, FFLONK),
/// another curve, a point off the curve, a section missing or truncated.
pub fn read_zkey(bytes: &[u8]) -> Result<Zkey, CeremonyError> {
    let file = BinFile::parse(bytes, "zkey", 1)?;
    let mut r = file.section(1)?;
    let protocol = r.u32()?;
    if protocol != 1 {
        return Err(r.error(format!("protocol {protocol}: only Groth16 (1) keys are read")));
    }

    let mut r = file.section(2)?;
    check_modulus::<Fq>(&mut r, "base field")?;
    check_modulus::<Fr>(&mut r, "scalar field")?;
    let num_vars = r.count()?;
    let num_public = r.count()?;
    let domain_size = r.count()?;
    if num_public >= num_vars || !domain_size.is_power_of_two() {
        return Err(r.error(format!("{num_vars} variables, {num_public} public, domain {domain_size}")));
    }
    let alpha_g1 = r.g1("alpha_1")?;
    let beta_g1 = r.g1("beta_1")?;
    let beta_g2 = r.g2_unchecked("beta_2")?;
    let gamma_g2 = r.g2_unchecked("gamma_2")?;
    let delta_g1 = r.g1("delta_1")?;
    let delta_g2 = r.g2_unchecked("delta_2")?;
    r.finish("the header")?;

    let gamma_abc_g1 = points(&file, 3, num_public + 1, "IC")?;
    let coefficients = read_coefficients(&file)?;
    let a_query = points(&file, 5, num_vars, "A")?;
    let b_g1_query = points(&file, 6, num_vars, "B1")?;
    let mut r = file.section(7)?;
    let b_g2_query = (0..num_vars).map(|_| r.g2_unchecked("B2")).collect::<Result<Vec<_>, _>>()?;
    r.finish("B2")?;
    let l_query = points(&file, 8, num_vars - num_public - 1, "C")?;
    let h_query = points(&file, 9, domain_size, "H")?;
    let mpc = read_mpc(&file)?;

    let g2 = [beta_g2, gamma_g2, delta_g2];
    if !g2.par_iter().chain(b_g2_query.par_iter()).all(check_g2) {
        return Err(CeremonyError::Format {
            file: "zkey",
            reason: "a G2 point is not on the curve or not in the prime-order subgroup".into(),
        });
    }
    let vk = VerifyingKey { alpha_g1, beta_g2, gamma_g2, delta_g2, gamma_abc_g1 };
    let pk = ProvingKey { vk, beta_g1, delta_g1, a_query, b_g1_query, b_g2_query, h_query, l_query };
    Ok(Zkey { pk, num_vars, num_public, domain_size, coefficients, mpc })
}

/// Reads only the ceremony's record (section 10) of a `.zkey`: what checking that one
/// contribution extends another needs.
///
/// # Errors
///
/// [`CeremonyError::Format`].
pub fn read_mpc_params(bytes: &[u8]) -> Result<MpcParams, CeremonyError> {
    read_mpc(&BinFile::parse(bytes, "zkey", 1)?)
}

fn points(file: &BinFile<'_>, section: u32, n: usize, what: &str) -> Result<Vec<G1Affine>, CeremonyError> {
    let mut r = file.section(section)?;
    if r.remaining() != n * 64 {
        return Err(r.error(format!("{what}: {} bytes, {n} points expected", r.remaining())));
    }
    let bytes = r.take(n * 64)?;
    bytes.par_chunks_exact(64).map(|chunk| Cursor::over(chunk, "zkey").g1(what)).collect()
}

fn read_coefficients(file: &BinFile<'_>) -> Result<Vec<Coefficient>, CeremonyError> {
    let mut r = file.section(4)?;
    let n = r.count()?;
    if r.remaining() != n * 44 {
        return Err(r.error(format!("coefficients: {} bytes for {n} entries", r.remaining())));
    }
    // Stored as value·R² (R = 2²⁵⁶ mod r), in normal form.
    let r2_inverse = Fr::from(2u64).pow([512]).inverse().expect("2 is invertible");
    (0..n)
        .map(|_| {
            let matrix = r.u32()?;
            let constraint = r.u32()?;
            let signal = r.u32()?;
            let value = r.fr("coefficient")? * r2_inverse;
            if matrix > 1 {
                return Err(r.error(format!("coefficient of matrix {matrix} (only A and B are stored)")));
            }
            Ok(Coefficient { matrix, constraint, signal, value })
        })
        .collect()
}

pub(crate) fn read_mpc(file: &BinFile<'_>) -> Result<MpcParams, CeremonyError> {
    let mut r = file.section(10)?;
    let circuit_hash = r.array()?;
    let n = r.count()?;
    let contributions = (0..n).map(|_| read_contribution(&mut r)).collect::<Result<Vec<_>, _>>()?;
    r.finish("the contributions")?;
    Ok(MpcParams { circuit_hash, contributions })
}

fn read_contribution(r: &mut Cursor<'_>) -> Result<Contribution, CeremonyError> {
    let delta_after = r.g1("deltaAfter")?;
    let g1_s = r.g1("g1_s")?;
    let g1_sx = r.g1("g1_sx")?;
    let g2_spx = r.g2_unchecked("g2_spx")?;
    if !check_g2(&g2_spx) {
        return Err(r.error("g2_spx: not a point of G2".into()));
    }
    let transcript = r.array()?;
    let kind_byte = r.u32()?;
    let params_len = r.count()?;
    let mut p = Cursor::over(r.take(params_len)?, "zkey");
    let (mut name, mut iterations_exp, mut beacon_hash, mut last) = (None, None, None, 0u8);
    while !p.is_empty() {
        let param = p.u8()?;
        if param <= last {
            return Err(p.error("contribution parameters out of order".into()));
        }
        last = param;
        match param {
            1 => {
                let len = usize::from(p.u8()?);
                name = Some(String::from_utf8_lossy(p.take(len)?).into_owned());
            }
            2 => iterations_exp = Some(p.u8()?),
            3 => {
                let len = usize::from(p.u8()?);
                beacon_hash = Some(p.take(len)?.to_vec());
            }
            other => return Err(p.error(format!("unknown contribution parameter {other}"))),
        }
    }
    let kind = match (kind_byte, beacon_hash, iterations_exp) {
        (0, None, None) => ContributionKind::Contributor,
        (1, Some(hash), Some(iterations_exp)) => ContributionKind::Beacon { hash, iterations_exp },
        _ => return Err(r.error(format!("contribution of type {kind_byte} with mismatched parameters"))),
    };
    Ok(Contribution { delta_after, g1_s, g1_sx, g2_spx, transcript, kind, name })
}
