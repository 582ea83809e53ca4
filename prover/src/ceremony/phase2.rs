//! Phase 2 of the Groth16 setup in Rust, producing and reading the same `.zkey` files as
//! snarkjs: a contribution ([`contribute`]), the random beacon ([`beacon`]), the
//! coordinator's check of a whole chain against its initial key ([`verify_chain`]) and,
//! for test-size ceremonies, the initial key from a one-party phase 1 ([`new_zkey`]).
//!
//! snarkjs in Node.js takes minutes per step at the rollup's circuit sizes (its `zkey new`
//! 2 min 50 s and its `zkey verify` over 4 minutes for the smallest batch circuit); these take
//! seconds, which is what lets the devnet make every key by a ceremony at start. The files are
//! interchangeable: `snarkjs zkey verify` accepts a chain of contributions made here, and
//! `snarkjs zkey contribute` can extend a key made here (tests show both). Contributors of a
//! production ceremony may use either.
//!
//! The pieces snarkjs derives deterministically are reproduced exactly: the transcript hash
//! (BLAKE2b-512 over the circuit hash and every earlier contribution's public key), the
//! point `sp` in G2 that each proof of knowledge is made against ([`hash_to_g2`]: ffjavascript's
//! ChaCha20 seeded by the transcript, its field sampling, square root sign and cofactor), and
//! the beacon's key (SHA-256 iterated `2^e` times, then the same generator).

use ark_bn254::{Bn254, Fq, Fq2, Fr, G1Affine, G1Projective, G2Affine, G2Projective};
use ark_ec::pairing::Pairing;
use ark_ec::scalar_mul::BatchMulPreprocessing;
use ark_ec::short_weierstrass::SWCurveConfig;
use ark_ec::{AffineRepr, CurveGroup, PrimeGroup, VariableBaseMSM};
use ark_ff::{AdditiveGroup, BigInt, BigInteger, Field, PrimeField, UniformRand, Zero};
use ark_poly::{EvaluationDomain, Radix2EvaluationDomain};
use ark_std::rand::{CryptoRng, RngCore, SeedableRng};
use blake2::{Blake2b512, Digest};
use rand_chacha::ChaCha20Rng;
use rayon::prelude::*;
use sha2::Sha256;

use super::binfile::{
    field_le, g1_lem, g1_uncompressed, g2_lem, g2_uncompressed, BinFile, BinWriter, Cursor,
};
use super::ptau::TestPhase1;
use super::zkey::{read_mpc, Contribution, ContributionKind, MpcParams};
use crate::error::{CeremonyError, ProverError};
use crate::matrices::ConstraintMatrices;

/// The byte range of δ₁ then δ₂ in the header section (after the primes, the three counts,
/// α₁, β₁, β₂ and γ₂).
const DELTA_AT: usize = 4 + 32 + 4 + 32 + 12 + 64 + 64 + 128 + 128;
const HEADER_LEN: usize = DELTA_AT + 64 + 128;

/// ffjavascript's random generator as snarkjs seeds it: ChaCha20 (key = eight big-endian
/// words of a hash, counter and nonce zero), and its way of drawing field elements and curve
/// points from it.
struct SnarkjsRng(ChaCha20Rng);

impl SnarkjsRng {
    /// Seeded by the first 32 bytes of `hash`, read as eight big-endian words.
    fn from_hash(hash: &[u8]) -> Self {
        let mut seed = [0u8; 32];
        for (word, chunk) in seed.chunks_exact_mut(4).zip(hash[..32].chunks_exact(4)) {
            let w = u32::from_be_bytes(chunk.try_into().expect("4 bytes"));
            word.copy_from_slice(&w.to_le_bytes());
        }
        Self(ChaCha20Rng::from_seed(seed))
    }

    /// `nextU64`: the first word drawn is the high half.
    fn next_u64(&mut self) -> u64 {
        let hi = u64::from(self.0.next_u32());
        (hi << 32) | u64::from(self.0.next_u32())
    }

    /// `fromRng` of a 254-bit field: four words (the first the least significant) masked to
    /// the modulus' bit length, drawn again until below the modulus, and taken as the
    /// element's Montgomery form, so the element is `v·R⁻¹`.
    fn montgomery_raw(&mut self, modulus: BigInt<4>, bits: u32) -> BigInt<4> {
        loop {
            let mut limbs = [0u64; 4];
            for limb in &mut limbs {
                *limb = self.next_u64();
            }
            limbs[3] &= (1u64 << (bits - 192)) - 1;
            let v = BigInt(limbs);
            if v < modulus {
                return v;
            }
        }
    }

    fn fr(&mut self) -> Fr {
        Fr::new_unchecked(self.montgomery_raw(Fr::MODULUS, Fr::MODULUS_BIT_SIZE))
    }

    fn fq(&mut self) -> Fq {
        Fq::new_unchecked(self.montgomery_raw(Fq::MODULUS, Fq::MODULUS_BIT_SIZE))
    }

    fn next_bool(&mut self) -> bool {
        self.0.next_u32() & 1 == 1
    }

    /// `G1.fromRng`: `x` drawn until `x³ + b` is a square, `y` its root with the sign drawn
    /// (G1 has cofactor 1).
    fn g1(&mut self) -> G1Affine {
        loop {
            let x = self.fq();
            let greatest = self.next_bool();
            let Some(mut y) = (x.square() * x + ark_bn254::g1::Config::COEFF_B).sqrt() else {
                continue;
            };
            if greatest != fq_is_negative(&y) {
                y = -y;
            }
            return G1Affine::new_unchecked(x, y);
        }
    }

    /// `G2.fromRng`: as [`Self::g1`] over Fq2 (`c0` drawn first), then multiplied by G2's
    /// cofactor as an integer (plain double-and-add: the point is not yet in the subgroup, so
    /// no endomorphism shortcut applies).
    fn g2(&mut self) -> G2Affine {
        loop {
            let x = Fq2::new(self.fq(), self.fq());
            let greatest = self.next_bool();
            let Some(mut y) = (x.square() * x + ark_bn254::g2::Config::COEFF_B).sqrt() else {
                continue;
            };
            let negative = if y.c1.is_zero() { fq_is_negative(&y.c0) } else { fq_is_negative(&y.c1) };
            if greatest != negative {
                y = -y;
            }
            let p = G2Affine::new_unchecked(x, y);
            let mut acc = G2Projective::zero();
            for bit in ark_ff::BitIteratorBE::without_leading_zeros(G2_COFACTOR) {
                acc.double_in_place();
                if bit {
                    acc += p;
                }
            }
            return acc.into_affine();
        }
    }
}

/// G2's cofactor `2p − r`, as ffjavascript's bn128 curve multiplies by it.
const G2_COFACTOR: [u64; 4] =
    [0x345f2299c0f9fa8d, 0x06ceecda572a2489, 0xb85045b68181585e, 0x30644e72e131a029];

/// ffjavascript's sign of a base-field element: its normal form above `(p − 1)/2`.
fn fq_is_negative(x: &Fq) -> bool {
    let mut half = Fq::MODULUS;
    half.div2();
    x.into_bigint() > half
}

/// The point `sp` in G2 a contribution's proof of knowledge is made against, derived from its
/// transcript hash as snarkjs's `hashToG2` derives it.
pub fn hash_to_g2(transcript: &[u8; 64]) -> G2Affine {
    SnarkjsRng::from_hash(transcript).g2()
}

/// The beacon's generator: SHA-256 iterated `2^iterations_exp` times over its value.
fn beacon_rng(hash: &[u8], iterations_exp: u8) -> SnarkjsRng {
    let mut cur = hash.to_vec();
    for _ in 0..(1u64 << iterations_exp) {
        cur = Sha256::digest(&cur).to_vec();
    }
    SnarkjsRng::from_hash(&cur)
}

/// A secret contribution: `x` and the point `s·G1` its proof of knowledge starts from. Never
/// leaves the function that draws it; overwritten when dropped (best effort: the arithmetic's
/// temporaries are not).
struct Secret {
    x: Fr,
    g1_s: G1Affine,
}

impl Drop for Secret {
    fn drop(&mut self) {
        use zeroize::Zeroize;
        self.x.zeroize();
    }
}

/// Adds a contribution to `zkey` with a secret drawn from `rng` (a contributor's own
/// entropy: the operating system's generator), named `name`. Returns the new key and the
/// contribution, whose [`Contribution::hash`] the contributor keeps to find it in the final
/// transcript.
///
/// # Errors
///
/// [`CeremonyError::Format`] for a malformed key.
pub fn contribute<R: RngCore + CryptoRng>(
    zkey: &[u8],
    name: Option<&str>,
    rng: &mut R,
) -> Result<(Vec<u8>, Contribution), CeremonyError> {
    let secret = Secret { x: nonzero(rng), g1_s: G1Projective::rand(rng).into_affine() };
    apply(zkey, secret, ContributionKind::Contributor, name)
}

/// The random beacon (`snarkjs zkey beacon`): a contribution whose secret anyone can
/// recompute from `hash`, a public value fixed after the last contribution (a future block
/// hash), and `2^iterations_exp` SHA-256 iterations (10 to 63, as snarkjs).
///
/// # Errors
///
/// [`CeremonyError::Format`] for a malformed key, an empty or over-long beacon value or an
/// exponent out of range.
pub fn beacon(
    zkey: &[u8],
    name: Option<&str>,
    hash: &[u8],
    iterations_exp: u8,
) -> Result<(Vec<u8>, Contribution), CeremonyError> {
    if hash.is_empty() || hash.len() > 255 || !(10..=63).contains(&iterations_exp) {
        return Err(CeremonyError::Format {
            file: "zkey",
            reason: format!(
                "a beacon takes 1 to 255 bytes and 10 to 63 iterations (log₂), not {} and {iterations_exp}",
                hash.len()
            ),
        });
    }
    let mut rng = beacon_rng(hash, iterations_exp);
    let secret = Secret { x: rng.fr(), g1_s: rng.g1() };
    apply(zkey, secret, ContributionKind::Beacon { hash: hash.to_vec(), iterations_exp }, name)
}

fn nonzero<R: RngCore>(rng: &mut R) -> Fr {
    loop {
        let x = Fr::rand(rng);
        if !x.is_zero() {
            return x;
        }
    }
}

/// The transcript hash the next contribution to a key with `mpc` signs with `g1_s`, `g1_sx`.
fn transcript(mpc: &MpcParams, g1_s: &G1Affine, g1_sx: &G1Affine) -> [u8; 64] {
    let mut h = Blake2b512::new();
    h.update(mpc.circuit_hash);
    for c in &mpc.contributions {
        c.hash_into(&mut h);
    }
    h.update(g1_uncompressed(g1_s));
    h.update(g1_uncompressed(g1_sx));
    h.finalize().into()
}

fn apply(
    zkey: &[u8],
    secret: Secret,
    kind: ContributionKind,
    name: Option<&str>,
) -> Result<(Vec<u8>, Contribution), CeremonyError> {
    let file = BinFile::parse(zkey, "zkey", 1)?;
    let protocol = file.section(1)?.u32()?;
    let header = file.raw(2)?;
    if protocol != 1 || header.len() != HEADER_LEN {
        return Err(CeremonyError::Format { file: "zkey", reason: "not a Groth16 key of BN254".into() });
    }
    let mut r = Cursor::over(&header[DELTA_AT..], "zkey");
    let (delta1, delta2) = (r.g1("delta_1")?, r.g2_unchecked("delta_2")?);
    let mut mpc = read_mpc(&file)?;

    let g1_s = secret.g1_s;
    let g1_sx = (g1_s * secret.x).into_affine();
    let transcript = transcript(&mpc, &g1_s, &g1_sx);
    let g2_spx = (hash_to_g2(&transcript) * secret.x).into_affine();
    let delta_after = (delta1 * secret.x).into_affine();
    let delta2_after = (delta2 * secret.x).into_affine();
    // snarkjs keeps at most 64 characters of a name; its length is one byte in the file.
    let name = name.map(|n| {
        let mut kept = String::new();
        for c in n.chars().take(64) {
            if kept.len() + c.len_utf8() > 255 {
                break;
            }
            kept.push(c);
        }
        kept
    });
    let contribution = Contribution { delta_after, g1_s, g1_sx, g2_spx, transcript, kind, name };
    mpc.contributions.push(contribution.clone());

    let mut new_header = header[..DELTA_AT].to_vec();
    g1_lem(&delta_after, &mut new_header);
    g2_lem(&delta2_after, &mut new_header);
    let mut x_inverse = secret.x.inverse().expect("a nonzero secret");
    drop(secret);
    let by = FixedScalar::new(x_inverse);
    {
        use zeroize::Zeroize;
        x_inverse.zeroize();
    }
    let mut w = BinWriter::new("zkey", 1, 10);
    w.section(1, file.raw(1)?);
    w.section(2, &new_header);
    for kind in 3..=7 {
        w.section(kind, file.raw(kind)?);
    }
    w.section(8, &scale_g1_section(file.raw(8)?, &by)?);
    w.section(9, &scale_g1_section(file.raw(9)?, &by)?);
    w.section(10, &mpc_section(&mpc));
    Ok((w.finish(), contribution))
}

/// One scalar for many points (a contribution multiplies every L and H point by `1/x`): its
/// GLV decomposition `k = k₁ + k₂·λ` and the width-5 NAF digits of both halves computed once;
/// per point, a table of odd multiples of `P` and of `φ(P)`, then one joint double-and-add over
/// the halves' ~128 bits. Faster than arkworks' GLV multiplication, which decomposes the
/// scalar with big integers and adds a point on most bits, for every point.
struct FixedScalar {
    /// Digits of `±k₁` and `±k₂`, least significant first, each odd in `(−16, 16)` or zero.
    digits: [Vec<i64>; 2],
}

impl FixedScalar {
    const WINDOW: usize = 5;
    const TABLE: usize = 1 << (Self::WINDOW - 2);

    fn new(k: Fr) -> Self {
        use ark_ec::scalar_mul::glv::GLVConfig;
        let ((sign1, k1), (sign2, k2)) = ark_bn254::g1::Config::scalar_decomposition(k);
        let naf = |positive: bool, k: Fr| -> Vec<i64> {
            let digits = k.into_bigint().find_wnaf(Self::WINDOW).expect("a window of 5 bits");
            digits.into_iter().map(|d| if positive { d } else { -d }).collect()
        };
        Self { digits: [naf(sign1, k1), naf(sign2, k2)] }
    }

    fn mul(&self, p: G1Affine) -> G1Projective {
        use ark_ec::scalar_mul::glv::GLVConfig;
        let p = G1Projective::from(p);
        let double = p.double();
        let mut odd = [p; Self::TABLE];
        for i in 1..Self::TABLE {
            odd[i] = odd[i - 1] + double;
        }
        let tables = [odd, odd.map(|q| ark_bn254::g1::Config::endomorphism(&q))];
        let len = self.digits[0].len().max(self.digits[1].len());
        let mut acc = G1Projective::zero();
        for i in (0..len).rev() {
            acc.double_in_place();
            for (digits, table) in self.digits.iter().zip(&tables) {
                match digits.get(i).copied().unwrap_or(0) {
                    0 => {}
                    d if d > 0 => acc += table[(d as usize) / 2],
                    d => acc -= table[(d.unsigned_abs() as usize) / 2],
                }
            }
        }
        acc
    }
}

impl Drop for FixedScalar {
    /// The digits are the secret's inverse: overwritten.
    fn drop(&mut self) {
        use zeroize::Zeroize;
        self.digits.iter_mut().for_each(Zeroize::zeroize);
    }
}

/// Every G1 point of a section multiplied by `by`.
fn scale_g1_section(bytes: &[u8], by: &FixedScalar) -> Result<Vec<u8>, CeremonyError> {
    if !bytes.len().is_multiple_of(64) {
        return Err(CeremonyError::Format {
            file: "zkey",
            reason: "a point section of partial points".into(),
        });
    }
    let chunks: Vec<Vec<u8>> = bytes
        .par_chunks(64 * 1024)
        .map(|chunk| {
            let points = chunk
                .chunks_exact(64)
                .map(|p| Ok(by.mul(Cursor::over(p, "zkey").g1("L or H")?)))
                .collect::<Result<Vec<G1Projective>, CeremonyError>>()?;
            let mut out = Vec::with_capacity(chunk.len());
            G1Projective::normalize_batch(&points).iter().for_each(|p| g1_lem(p, &mut out));
            Ok(out)
        })
        .collect::<Result<_, CeremonyError>>()?;
    Ok(chunks.concat())
}

/// Section 10 as snarkjs writes it.
fn mpc_section(mpc: &MpcParams) -> Vec<u8> {
    let mut out = mpc.circuit_hash.to_vec();
    out.extend_from_slice(&(mpc.contributions.len() as u32).to_le_bytes());
    for c in &mpc.contributions {
        g1_lem(&c.delta_after, &mut out);
        g1_lem(&c.g1_s, &mut out);
        g1_lem(&c.g1_sx, &mut out);
        g2_lem(&c.g2_spx, &mut out);
        out.extend_from_slice(&c.transcript);
        let mut params = Vec::new();
        if let Some(name) = &c.name {
            params.push(1);
            params.push(name.len() as u8);
            params.extend_from_slice(name.as_bytes());
        }
        let kind = match &c.kind {
            ContributionKind::Contributor => 0u32,
            ContributionKind::Beacon { hash, iterations_exp } => {
                params.extend_from_slice(&[2, *iterations_exp, 3, hash.len() as u8]);
                params.extend_from_slice(hash);
                1
            }
        };
        out.extend_from_slice(&kind.to_le_bytes());
        out.extend_from_slice(&(params.len() as u32).to_le_bytes());
        out.extend_from_slice(&params);
    }
    out
}

/// What `snarkjs zkey verify` checks of a key against its initial key, less the recomputation
/// of the initial key from the circuit and phase 1 (the coordinator made it, or ran `snarkjs
/// zkey verify` once): every contribution's transcript and proof of knowledge, δ following
/// them, the beacon's key recomputed, the circuit's sections unchanged, and the L and H
/// sections divided by exactly the final δ (random linear combinations, one pairing check
/// each).
///
/// # Errors
///
/// [`CeremonyError::Invalid`] naming the first check that fails; [`CeremonyError::Format`]
/// for a malformed file.
pub fn verify_chain<R: RngCore>(initial: &[u8], key: &[u8], rng: &mut R) -> Result<(), CeremonyError> {
    let invalid = |s: String| Err(CeremonyError::Invalid(s));
    let (init, file) = (BinFile::parse(initial, "zkey", 1)?, BinFile::parse(key, "zkey", 1)?);
    let (init_header, header) = (init.raw(2)?, file.raw(2)?);
    if header.len() != HEADER_LEN || init_header.len() != HEADER_LEN {
        return invalid("not a Groth16 key of BN254".into());
    }
    if header[..DELTA_AT] != init_header[..DELTA_AT] {
        return invalid("the header (counts, α, β, γ) differs from the initial key's".into());
    }
    let delta = |h: &[u8]| -> Result<(G1Affine, G2Affine), CeremonyError> {
        let mut r = Cursor::over(&h[DELTA_AT..], "zkey");
        Ok((r.g1("delta_1")?, r.g2_unchecked("delta_2")?))
    };
    let ((_, init_delta2), (delta1, delta2)) = (delta(init_header)?, delta(header)?);
    let (init_mpc, mpc) = (read_mpc(&init)?, read_mpc(&file)?);
    if init_mpc.circuit_hash != mpc.circuit_hash {
        return invalid("the circuit hash differs from the initial key's".into());
    }
    let same_ratio = |a1: G1Affine, b1: G1Affine, a2: G2Affine, b2: G2Affine| {
        Bn254::pairing(a1, b2) == Bn254::pairing(b1, a2)
    };

    let mut so_far = MpcParams { circuit_hash: mpc.circuit_hash, contributions: Vec::new() };
    let mut current = G1Affine::generator();
    for (i, c) in mpc.contributions.iter().enumerate() {
        let n = i + 1;
        if transcript(&so_far, &c.g1_s, &c.g1_sx) != c.transcript {
            return invalid(format!("contribution {n}: inconsistent transcript"));
        }
        let sp = hash_to_g2(&c.transcript);
        if c.g1_s.is_zero() || !same_ratio(c.g1_s, c.g1_sx, sp, c.g2_spx) {
            return invalid(format!("contribution {n}: its proof of knowledge does not hold"));
        }
        if !same_ratio(current, c.delta_after, sp, c.g2_spx) {
            return invalid(format!("contribution {n}: δ does not follow its public key"));
        }
        if let ContributionKind::Beacon { hash, iterations_exp } = &c.kind {
            let mut rng = beacon_rng(hash, *iterations_exp);
            let (x, g1_s) = (rng.fr(), rng.g1());
            if g1_s != c.g1_s || (g1_s * x).into_affine() != c.g1_sx {
                return invalid(format!("contribution {n}: not the beacon's key"));
            }
        }
        current = c.delta_after;
        so_far.contributions.push(c.clone());
    }
    if delta1 != current {
        return invalid("δ₁ is not the last contribution's".into());
    }
    if !super::binfile::check_g2(&delta2)
        || !same_ratio(G1Affine::generator(), delta1, G2Affine::generator(), delta2)
    {
        return invalid("δ₂ does not match δ₁".into());
    }
    for (kind, what) in [(3, "IC"), (4, "coefficients"), (5, "A"), (6, "B1"), (7, "B2")] {
        if init.raw(kind)? != file.raw(kind)? {
            return invalid(format!("the {what} section differs from the initial key's"));
        }
    }
    for (kind, what) in [(8, "L"), (9, "H")] {
        let (before, after) = (init.raw(kind)?, file.raw(kind)?);
        if before.len() != after.len() {
            return invalid(format!("the {what} section's length differs from the initial key's"));
        }
        let points = |bytes: &[u8]| -> Result<Vec<G1Affine>, CeremonyError> {
            bytes.par_chunks_exact(64).map(|p| Cursor::over(p, "zkey").g1(what)).collect()
        };
        let (before, after) = (points(before)?, points(after)?);
        let r: Vec<Fr> = (0..before.len()).map(|_| Fr::from(rng.next_u64())).collect();
        let r1 = G1Projective::msm(&before, &r).expect("equal lengths").into_affine();
        let r2 = G1Projective::msm(&after, &r).expect("equal lengths").into_affine();
        // after = before · δ_initial / δ_final
        if !same_ratio(r1, r2, delta2, init_delta2) {
            return invalid(format!("the {what} section is not the initial one over δ"));
        }
    }
    Ok(())
}

/// **Test size.** The initial key `snarkjs zkey new` makes for `matrices` over
/// `phase1.ptau()`, byte for byte (a test compares them), computed from the phase's secrets
/// rather than read from the file: each query is the circuit's polynomials at τ (times α, β)
/// in one fixed-base multiplication, where snarkjs combines the file's Lagrange points.
///
/// # Errors
///
/// [`ProverError::Params`] when the phase 1 is too small for the circuit.
pub fn new_zkey(matrices: &ConstraintMatrices, phase1: &TestPhase1) -> Result<Vec<u8>, ProverError> {
    let n = matrices.domain()?.size();
    let power = n.trailing_zeros() + 1;
    if phase1.power < power {
        return Err(ProverError::Params(format!(
            "a phase 1 of 2^{} powers is too small for {} constraints (2^{power} needed)",
            phase1.power,
            matrices.num_constraints()
        )));
    }
    let (tau, alpha, beta) = (phase1.tau, phase1.alpha, phase1.beta);
    let m = matrices.num_constraints();
    let num_public = matrices.num_instance_variables() - 1;
    let num_vars = matrices.num_instance_variables() + matrices.num_witness_variables();
    let lagrange =
        Radix2EvaluationDomain::<Fr>::new(n).expect("a power of two").evaluate_all_lagrange_coefficients(tau);
    let lagrange2 = Radix2EvaluationDomain::<Fr>::new(2 * n)
        .expect("a power of two")
        .evaluate_all_lagrange_coefficients(tau);

    // The polynomials of every variable at τ, and the coefficients section in snarkjs's order.
    let (mut a, mut b, mut c) =
        (vec![Fr::zero(); num_vars], vec![Fr::zero(); num_vars], vec![Fr::zero(); num_vars]);
    let r2 = Fr::from(2u64).pow([512]);
    let mut coefficients = Vec::new();
    let mut count = 0u32;
    let mut coefficient = |matrix: u32, row: usize, signal: u32, value: Fr| {
        coefficients.extend_from_slice(&matrix.to_le_bytes());
        coefficients.extend_from_slice(&(row as u32).to_le_bytes());
        coefficients.extend_from_slice(&signal.to_le_bytes());
        coefficients.extend_from_slice(&field_le(&(value * r2)));
        count += 1;
    };
    for (i, l) in lagrange.iter().enumerate().take(m) {
        for (s, v) in matrices.linear_combination(0, i) {
            a[s as usize] += v * l;
            coefficient(0, i, s, v);
        }
        for (s, v) in matrices.linear_combination(1, i) {
            b[s as usize] += v * l;
            coefficient(1, i, s, v);
        }
        for (s, v) in matrices.linear_combination(2, i) {
            c[s as usize] += v * l;
        }
    }
    for s in 0..=num_public {
        a[s] += lagrange[m + s];
        coefficient(0, m + s, s as u32, Fr::from(1u64));
    }
    let mut coefficients_section = count.to_le_bytes().to_vec();
    coefficients_section.extend_from_slice(&coefficients);

    // G1 scalars in one batch: A, B, then β·A + α·B + C (IC then L), H, the hashed H points.
    let abc: Vec<Fr> = (0..num_vars).map(|s| beta * a[s] + alpha * b[s] + c[s]).collect();
    let h: Vec<Fr> = lagrange2.iter().skip(1).step_by(2).copied().collect();
    // snarkjs hashes (τ^(n+i) − τ^i)·G1 in chunks of 2^14 points, each chunk full: n − 1
    // points up to 2^14, n beyond.
    let hashed = if n - 1 <= 1 << 14 { n - 1 } else { (n - 1).div_ceil(1 << 14) << 14 };
    let tau_n_minus_one = tau.pow([n as u64]) - Fr::from(1u64);
    let h_hash: Vec<Fr> =
        std::iter::successors(Some(tau_n_minus_one), |p| Some(*p * tau)).take(hashed).collect();
    let g1_scalars: Vec<Fr> = [&a[..], &b[..], &abc[..], &h[..], &h_hash[..]].concat();
    let g1 = BatchMulPreprocessing::new(G1Projective::generator(), g1_scalars.len()).batch_mul(&g1_scalars);
    let g2 = BatchMulPreprocessing::new(G2Projective::generator(), num_vars).batch_mul(&b);
    let (a_points, rest) = g1.split_at(num_vars);
    let (b_points, rest) = rest.split_at(num_vars);
    let (abc_points, rest) = rest.split_at(num_vars);
    let (h_points, h_hash_points) = rest.split_at(n);
    let (ic_points, l_points) = abc_points.split_at(num_public + 1);

    let alpha1 = (G1Affine::generator() * alpha).into_affine();
    let beta1 = (G1Affine::generator() * beta).into_affine();
    let beta2 = (G2Affine::generator() * beta).into_affine();
    let (g1_gen, g2_gen) = (G1Affine::generator(), G2Affine::generator());

    let mut header = 32u32.to_le_bytes().to_vec();
    header.extend_from_slice(&super::binfile::modulus_le::<Fq>());
    header.extend_from_slice(&32u32.to_le_bytes());
    header.extend_from_slice(&super::binfile::modulus_le::<Fr>());
    for count in [num_vars, num_public, n] {
        header.extend_from_slice(&(count as u32).to_le_bytes());
    }
    g1_lem(&alpha1, &mut header);
    g1_lem(&beta1, &mut header);
    g2_lem(&beta2, &mut header);
    g2_lem(&g2_gen, &mut header);
    g1_lem(&g1_gen, &mut header);
    g2_lem(&g2_gen, &mut header);

    let mut hasher = Blake2b512::new();
    hasher.update(g1_uncompressed(&alpha1));
    hasher.update(g1_uncompressed(&beta1));
    hasher.update(g2_uncompressed(&beta2));
    hasher.update(g2_uncompressed(&g2_gen));
    hasher.update(g1_uncompressed(&g1_gen));
    hasher.update(g2_uncompressed(&g2_gen));
    let mut g1_section = |points: &[G1Affine], declared: usize, hashed: &[G1Affine]| {
        hasher.update((declared as u32).to_be_bytes());
        for p in hashed {
            hasher.update(g1_uncompressed(p));
        }
        let mut out = Vec::with_capacity(points.len() * 64);
        points.iter().for_each(|p| g1_lem(p, &mut out));
        out
    };
    // snarkjs's order: IC, the H points' hash, C (L), A, B1, then B2.
    let ic = g1_section(ic_points, ic_points.len(), ic_points);
    let h_section = g1_section(h_points, n - 1, h_hash_points);
    let l = g1_section(l_points, l_points.len(), l_points);
    let a_section = g1_section(a_points, num_vars, a_points);
    let b1 = g1_section(b_points, num_vars, b_points);
    hasher.update((num_vars as u32).to_be_bytes());
    let mut b2 = Vec::with_capacity(num_vars * 128);
    for p in &g2 {
        hasher.update(g2_uncompressed(p));
        g2_lem(p, &mut b2);
    }
    let circuit_hash: [u8; 64] = hasher.finalize().into();

    let mut w = BinWriter::new("zkey", 1, 10);
    w.section(1, &1u32.to_le_bytes());
    w.section(2, &header);
    w.section(4, &coefficients_section);
    w.section(3, &ic);
    w.section(9, &h_section);
    w.section(8, &l);
    w.section(5, &a_section);
    w.section(6, &b1);
    w.section(7, &b2);
    w.section(10, &mpc_section(&MpcParams { circuit_hash, contributions: Vec::new() }));
    Ok(w.finish())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The fixed-scalar multiplication equals arkworks' on random points and scalars, the
    /// point at infinity, and the scalars 0, 1 and −1.
    #[test]
    fn fixed_scalar_multiplication_is_arkworks() {
        let mut rng = ChaCha20Rng::seed_from_u64(5);
        let mut scalars: Vec<Fr> = (0..20).map(|_| Fr::rand(&mut rng)).collect();
        scalars.extend([Fr::zero(), Fr::from(1u64), -Fr::from(1u64)]);
        let mut points: Vec<G1Affine> = (0..5).map(|_| G1Projective::rand(&mut rng).into_affine()).collect();
        points.push(G1Affine::zero());
        for k in scalars {
            let fixed = FixedScalar::new(k);
            for p in &points {
                assert_eq!(fixed.mul(*p), *p * k, "{k}");
            }
        }
    }
}
