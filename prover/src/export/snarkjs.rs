//! snarkjs JSON: `proof.json`, `public.json` and `verification_key.json`, both ways.
//!
//! The layouts are those snarkjs 0.7.5 writes (`groth16_prove.js`,
//! `zkey_export_verificationkey.js`) and reads (`groth16_verify.js`), through ffjavascript's
//! `toObject` / `fromObject`:
//!
//! - numbers are decimal strings (on import `0x` hex strings are accepted too, as snarkjs's
//!   `unstringifyBigInts` does);
//! - a G1 point is `[x, y, "1"]`, the point at infinity `["0", "1", "0"]`;
//! - an Fq2 element is `[c0, c1]`, **real part first** (the EVM precompile wants the opposite,
//!   see [`super::solidity`]); a G2 point is `[[x.c0, x.c1], [y.c0, y.c1], ["1", "0"]]`, the
//!   point at infinity `[["0","0"], ["1","0"], ["0","0"]]`;
//! - `vk_alphabeta_12` is e(alpha, beta) in Fq12 = Fq6\[w\], Fq6 = Fq2\[v\]:
//!   `[[c0.c0, c0.c1, c0.c2], [c1.c0, c1.c1, c1.c2]]`, each an Fq2 `[c0, c1]`. `snarkjs
//!   groth16 verify` does not read it (nor `nPublic`: it uses `IC` and the length of
//!   `public.json`), but `zkey export verificationkey` writes it, so we do too; on import it is
//!   optional and, when present, checked against the pairing.
//!
//! On import every coordinate must be below the base-field modulus, every point on the curve
//! and in the prime-order subgroup, every public input below the scalar-field modulus.

use ark_bn254::{Bn254, Fq, Fq12, Fq2, Fr, G1Affine, G2Affine};
use ark_ec::{pairing::Pairing, AffineRepr};
use ark_ff::{One, PrimeField, Zero};
use ark_groth16::{Proof, VerifyingKey};
use num_bigint::BigUint;
use serde::{Deserialize, Serialize};

use crate::{error::SnarkjsError, keys::VerifyingKeyFile};

/// A G1 point as snarkjs writes it: `[x, y, z]`.
pub type G1Json = [String; 3];
/// A G2 point as snarkjs writes it: `[[x.c0, x.c1], [y.c0, y.c1], [z.c0, z.c1]]`.
pub type G2Json = [[String; 2]; 3];
/// An Fq12 element as snarkjs writes it (see the [module documentation](self)).
pub type Fq12Json = [[[String; 2]; 3]; 2];

/// `protocol` of every Groth16 file.
pub const PROTOCOL: &str = "groth16";
/// `curve` as snarkjs names BN254.
pub const CURVE: &str = "bn128";

/// A snarkjs `proof.json`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SnarkjsProof {
    /// A, in G1.
    pub pi_a: G1Json,
    /// B, in G2.
    pub pi_b: G2Json,
    /// C, in G1.
    pub pi_c: G1Json,
    /// `"groth16"`.
    pub protocol: String,
    /// `"bn128"`.
    pub curve: String,
}

/// A snarkjs `verification_key.json` for Groth16.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SnarkjsVerifyingKey {
    /// `"groth16"`.
    pub protocol: String,
    /// `"bn128"`.
    pub curve: String,
    /// Number of public inputs, `IC.len() - 1`.
    #[serde(rename = "nPublic")]
    pub n_public: usize,
    /// alpha in G1.
    pub vk_alpha_1: G1Json,
    /// beta in G2.
    pub vk_beta_2: G2Json,
    /// gamma in G2.
    pub vk_gamma_2: G2Json,
    /// delta in G2.
    pub vk_delta_2: G2Json,
    /// e(alpha, beta); optional on import.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vk_alphabeta_12: Option<Fq12Json>,
    /// The input commitments (arkworks' `gamma_abc_g1`), the constant term first.
    #[serde(rename = "IC")]
    pub ic: Vec<G1Json>,
    /// Our extension, ignored by snarkjs: the key-file flag of the key this was exported from,
    /// so tools reading the JSON can still warn about an insecure development setup.
    #[serde(rename = "ccr_insecure_dev_setup", default, skip_serializing_if = "Option::is_none")]
    pub insecure_dev_setup: Option<bool>,
}

impl SnarkjsProof {
    /// The snarkjs form of `proof`.
    pub fn from_proof(proof: &Proof<Bn254>) -> Self {
        Self {
            pi_a: g1_to_json(&proof.a),
            pi_b: g2_to_json(&proof.b),
            pi_c: g1_to_json(&proof.c),
            protocol: PROTOCOL.to_owned(),
            curve: CURVE.to_owned(),
        }
    }

    /// Imports the proof, checking protocol, curve and every point.
    ///
    /// # Errors
    ///
    /// A [`SnarkjsError`] naming the offending field.
    pub fn to_proof(&self) -> Result<Proof<Bn254>, SnarkjsError> {
        check_protocol_and_curve(&self.protocol, &self.curve)?;
        Ok(Proof {
            a: g1_from_json(&self.pi_a, "pi_a")?,
            b: g2_from_json(&self.pi_b, "pi_b")?,
            c: g1_from_json(&self.pi_c, "pi_c")?,
        })
    }
}

impl SnarkjsVerifyingKey {
    /// The snarkjs form of `vk`, with `vk_alphabeta_12` computed; provenance unknown.
    pub fn from_vk(vk: &VerifyingKey<Bn254>) -> Self {
        Self {
            protocol: PROTOCOL.to_owned(),
            curve: CURVE.to_owned(),
            n_public: vk.gamma_abc_g1.len().saturating_sub(1),
            vk_alpha_1: g1_to_json(&vk.alpha_g1),
            vk_beta_2: g2_to_json(&vk.beta_g2),
            vk_gamma_2: g2_to_json(&vk.gamma_g2),
            vk_delta_2: g2_to_json(&vk.delta_g2),
            vk_alphabeta_12: Some(fq12_to_json(&alpha_beta(vk))),
            ic: vk.gamma_abc_g1.iter().map(g1_to_json).collect(),
            insecure_dev_setup: None,
        }
    }

    /// As [`Self::from_vk`], carrying the key file's `insecure_dev_setup` flag.
    pub fn from_key_file(file: &VerifyingKeyFile) -> Self {
        Self { insecure_dev_setup: Some(file.metadata.insecure_dev_setup), ..Self::from_vk(&file.key) }
    }

    /// Imports the verifying key, checking protocol, curve, `nPublic`, every point, and
    /// `vk_alphabeta_12` when present.
    ///
    /// # Errors
    ///
    /// A [`SnarkjsError`] naming the offending field.
    pub fn to_vk(&self) -> Result<VerifyingKey<Bn254>, SnarkjsError> {
        check_protocol_and_curve(&self.protocol, &self.curve)?;
        if self.ic.len() != self.n_public + 1 {
            return Err(SnarkjsError::NPublicMismatch { n_public: self.n_public, ic: self.ic.len() });
        }
        let vk = VerifyingKey {
            alpha_g1: g1_from_json(&self.vk_alpha_1, "vk_alpha_1")?,
            beta_g2: g2_from_json(&self.vk_beta_2, "vk_beta_2")?,
            gamma_g2: g2_from_json(&self.vk_gamma_2, "vk_gamma_2")?,
            delta_g2: g2_from_json(&self.vk_delta_2, "vk_delta_2")?,
            gamma_abc_g1: self
                .ic
                .iter()
                .enumerate()
                .map(|(i, p)| g1_from_json(p, &format!("IC[{i}]")))
                .collect::<Result<_, _>>()?,
        };
        if let Some(alphabeta) = &self.vk_alphabeta_12 {
            if fq12_from_json(alphabeta)? != alpha_beta(&vk) {
                return Err(SnarkjsError::AlphaBetaMismatch);
            }
        }
        Ok(vk)
    }
}

/// The snarkjs `public.json` form of public inputs: decimal strings.
pub fn public_inputs_to_json(inputs: &[Fr]) -> Vec<String> {
    inputs.iter().map(|x| field_to_decimal(*x)).collect()
}

/// Parses a snarkjs `public.json` array.
///
/// # Errors
///
/// [`SnarkjsError::NotDecimal`] or [`SnarkjsError::NotInField`] (an input not below the
/// scalar-field modulus, which snarkjs also rejects).
pub fn public_inputs_from_json(inputs: &[String]) -> Result<Vec<Fr>, SnarkjsError> {
    inputs.iter().enumerate().map(|(i, s)| parse_field(s, &format!("public[{i}]"), "Fr")).collect()
}

/// Canonical decimal representation of a field element.
pub(crate) fn field_to_decimal<F: PrimeField>(x: F) -> String {
    let n: BigUint = x.into();
    n.to_string()
}

/// Parses a decimal (or `0x` hex) string as a canonical field element
/// ([`ccr_circuits::field::parse`]: the one parser).
fn parse_field<F: PrimeField>(s: &str, what: &str, field: &'static str) -> Result<F, SnarkjsError> {
    ccr_circuits::field::parse(s).map_err(|e| match e {
        ccr_circuits::field::FieldError::NotCanonical(_) => {
            SnarkjsError::NotInField { what: what.to_owned(), value: s.to_owned(), field }
        }
        _ => SnarkjsError::NotDecimal { what: what.to_owned(), value: s.to_owned() },
    })
}

fn fq(s: &str, what: &str) -> Result<Fq, SnarkjsError> {
    parse_field(s, what, "Fq")
}

fn fq2(c: &[String; 2], what: &str) -> Result<Fq2, SnarkjsError> {
    Ok(Fq2::new(fq(&c[0], &format!("{what}.c0"))?, fq(&c[1], &format!("{what}.c1"))?))
}

fn fq2_to_json(x: &Fq2) -> [String; 2] {
    [field_to_decimal(x.c0), field_to_decimal(x.c1)]
}

fn g1_to_json(p: &G1Affine) -> G1Json {
    match p.xy() {
        Some((x, y)) => [field_to_decimal(x), field_to_decimal(y), "1".to_owned()],
        None => ["0".to_owned(), "1".to_owned(), "0".to_owned()],
    }
}

fn g2_to_json(p: &G2Affine) -> G2Json {
    match p.xy() {
        Some((x, y)) => [fq2_to_json(&x), fq2_to_json(&y), fq2_to_json(&Fq2::one())],
        None => [fq2_to_json(&Fq2::zero()), fq2_to_json(&Fq2::one()), fq2_to_json(&Fq2::zero())],
    }
}

fn g1_from_json(p: &G1Json, what: &str) -> Result<G1Affine, SnarkjsError> {
    let z = fq(&p[2], &format!("{what}.z"))?;
    if z.is_zero() {
        return Ok(G1Affine::identity());
    }
    if !z.is_one() {
        return Err(SnarkjsError::NotAffine { what: what.to_owned() });
    }
    let point = G1Affine::new_unchecked(fq(&p[0], &format!("{what}.x"))?, fq(&p[1], &format!("{what}.y"))?);
    check_point(point, what)
}

fn g2_from_json(p: &G2Json, what: &str) -> Result<G2Affine, SnarkjsError> {
    let z = fq2(&p[2], &format!("{what}.z"))?;
    if z.is_zero() {
        return Ok(G2Affine::identity());
    }
    if !z.is_one() {
        return Err(SnarkjsError::NotAffine { what: what.to_owned() });
    }
    let point = G2Affine::new_unchecked(fq2(&p[0], &format!("{what}.x"))?, fq2(&p[1], &format!("{what}.y"))?);
    check_point(point, what)
}

fn check_point<P: ark_ec::short_weierstrass::SWCurveConfig>(
    point: ark_ec::short_weierstrass::Affine<P>,
    what: &str,
) -> Result<ark_ec::short_weierstrass::Affine<P>, SnarkjsError> {
    if point.is_on_curve() && point.is_in_correct_subgroup_assuming_on_curve() {
        Ok(point)
    } else {
        Err(SnarkjsError::InvalidPoint { what: what.to_owned() })
    }
}

fn alpha_beta(vk: &VerifyingKey<Bn254>) -> Fq12 {
    Bn254::pairing(vk.alpha_g1, vk.beta_g2).0
}

fn fq12_to_json(x: &Fq12) -> Fq12Json {
    [
        [fq2_to_json(&x.c0.c0), fq2_to_json(&x.c0.c1), fq2_to_json(&x.c0.c2)],
        [fq2_to_json(&x.c1.c0), fq2_to_json(&x.c1.c1), fq2_to_json(&x.c1.c2)],
    ]
}

fn fq12_from_json(x: &Fq12Json) -> Result<Fq12, SnarkjsError> {
    let fq6 = |c: &[[String; 2]; 3], i: usize| -> Result<ark_bn254::Fq6, SnarkjsError> {
        let what = |j: usize| format!("vk_alphabeta_12[{i}][{j}]");
        Ok(ark_bn254::Fq6::new(fq2(&c[0], &what(0))?, fq2(&c[1], &what(1))?, fq2(&c[2], &what(2))?))
    };
    Ok(Fq12::new(fq6(&x[0], 0)?, fq6(&x[1], 1)?))
}

fn check_protocol_and_curve(protocol: &str, curve: &str) -> Result<(), SnarkjsError> {
    if protocol != PROTOCOL {
        return Err(SnarkjsError::Protocol(protocol.to_owned()));
    }
    // snarkjs's `getCurveFromName`: upper case, non-alphanumerics dropped.
    let normalized: String =
        curve.chars().filter(char::is_ascii_alphanumeric).collect::<String>().to_ascii_uppercase();
    if !["BN128", "BN254", "ALTBN128"].contains(&normalized.as_str()) {
        return Err(SnarkjsError::Curve(curve.to_owned()));
    }
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn parse_field_accepts_decimal_and_hex_and_rejects_the_rest() {
        assert_eq!(parse_field::<Fr>("42", "t", "Fr").unwrap(), Fr::from(42u64));
        assert_eq!(parse_field::<Fr>("0x2a", "t", "Fr").unwrap(), Fr::from(42u64));
        assert_eq!(parse_field::<Fr>("0042", "t", "Fr").unwrap(), Fr::from(42u64));
        for bad in ["", "+1", "-1", "1_000", " 1", "0x", "0xg", "1e3"] {
            assert!(
                matches!(parse_field::<Fr>(bad, "t", "Fr"), Err(SnarkjsError::NotDecimal { .. })),
                "{bad:?} accepted"
            );
        }
    }

    #[test]
    fn parse_field_rejects_the_modulus() {
        let r: BigUint = Fr::MODULUS.into();
        let below = (r.clone() - 1u32).to_string();
        assert_eq!(parse_field::<Fr>(&below, "t", "Fr").unwrap(), -Fr::one());
        assert!(matches!(
            parse_field::<Fr>(&r.to_string(), "t", "Fr"),
            Err(SnarkjsError::NotInField { field: "Fr", .. })
        ));
    }

    #[test]
    fn points_at_infinity_use_the_ffjavascript_convention() {
        assert_eq!(g1_to_json(&G1Affine::identity()), ["0", "1", "0"].map(String::from));
        let g1 = g1_from_json(&g1_to_json(&G1Affine::identity()), "p").unwrap();
        assert!(g1.is_zero());
        let g2 = g2_from_json(&g2_to_json(&G2Affine::identity()), "p").unwrap();
        assert!(g2.is_zero());
    }

    #[test]
    fn generator_round_trips_and_off_curve_point_is_rejected() {
        let g = G2Affine::generator();
        assert_eq!(g2_from_json(&g2_to_json(&g), "g").unwrap(), g);
        let mut bad = g1_to_json(&G1Affine::generator());
        bad[1] = "3".to_owned();
        assert!(matches!(g1_from_json(&bad, "p"), Err(SnarkjsError::InvalidPoint { .. })));
    }
}
