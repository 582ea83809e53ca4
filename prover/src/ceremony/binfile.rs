//! The iden3 binary container every circom-ecosystem file uses (`.r1cs`, `.ptau`, `.zkey`,
//! `.wtns`): a 4-byte magic, a `u32` version, a `u32` section count, then sections, each a
//! `u32` type, a `u64` size and that many bytes. All integers little-endian.

use ark_bn254::{Fq, Fq2, Fr, G1Affine, G2Affine};
use ark_ec::AffineRepr;
use ark_ff::{BigInteger, PrimeField, Zero};

use crate::error::CeremonyError;

/// A parsed container: its sections in file order.
pub(crate) struct BinFile<'a> {
    file: &'static str,
    sections: Vec<(u32, &'a [u8])>,
}

impl<'a> BinFile<'a> {
    /// Parses the container `bytes` of a `file` (`"zkey"`, ...) of `version`.
    pub(crate) fn parse(bytes: &'a [u8], file: &'static str, version: u32) -> Result<Self, CeremonyError> {
        let mut r = Cursor::over(bytes, file);
        let magic = r.take(4)?;
        if magic != file.as_bytes() {
            return Err(r.error(format!("bad magic bytes {magic:02x?}, expected `{file}`")));
        }
        let got = r.u32()?;
        if got != version {
            return Err(r.error(format!("format version {got}, this build reads version {version}")));
        }
        let count = r.u32()?;
        let mut sections = Vec::new();
        for _ in 0..count {
            let kind = r.u32()?;
            let size = usize::try_from(r.u64()?).map_err(|_| r.error("section size overflows".into()))?;
            sections.push((kind, r.take(size)?));
        }
        if !r.is_empty() {
            return Err(r.error(format!("{} bytes after the last section", r.remaining())));
        }
        Ok(Self { file, sections })
    }

    /// The one section of type `kind`.
    pub(crate) fn section(&self, kind: u32) -> Result<Cursor<'a>, CeremonyError> {
        Ok(Cursor::over(self.raw(kind)?, self.file))
    }

    /// The bytes of the one section of type `kind`.
    pub(crate) fn raw(&self, kind: u32) -> Result<&'a [u8], CeremonyError> {
        let mut found = self.sections.iter().filter(|(k, _)| *k == kind);
        match (found.next(), found.next()) {
            (Some((_, bytes)), None) => Ok(bytes),
            (None, _) => {
                Err(CeremonyError::Format { file: self.file, reason: format!("section {kind} missing") })
            }
            (Some(_), Some(_)) => {
                Err(CeremonyError::Format { file: self.file, reason: format!("section {kind} repeated") })
            }
        }
    }
}

/// Writes a container section by section.
pub(crate) struct BinWriter {
    out: Vec<u8>,
}

impl BinWriter {
    pub(crate) fn new(file: &str, version: u32, sections: u32) -> Self {
        let mut out = Vec::new();
        out.extend_from_slice(file.as_bytes());
        out.extend_from_slice(&version.to_le_bytes());
        out.extend_from_slice(&sections.to_le_bytes());
        Self { out }
    }

    pub(crate) fn section(&mut self, kind: u32, bytes: &[u8]) {
        self.out.extend_from_slice(&kind.to_le_bytes());
        self.out.extend_from_slice(&(bytes.len() as u64).to_le_bytes());
        self.out.extend_from_slice(bytes);
    }

    pub(crate) fn finish(self) -> Vec<u8> {
        self.out
    }
}

/// A reader over one section that reports truncation instead of panicking.
pub(crate) struct Cursor<'a> {
    bytes: &'a [u8],
    pos: usize,
    file: &'static str,
}

impl<'a> Cursor<'a> {
    /// A cursor over `bytes` of a `file`.
    pub(crate) fn over(bytes: &'a [u8], file: &'static str) -> Self {
        Self { bytes, pos: 0, file }
    }

    pub(crate) fn error(&self, reason: String) -> CeremonyError {
        CeremonyError::Format { file: self.file, reason }
    }

    pub(crate) fn take(&mut self, len: usize) -> Result<&'a [u8], CeremonyError> {
        let end = self.pos.checked_add(len).filter(|&end| end <= self.bytes.len()).ok_or_else(|| {
            self.error(format!(
                "truncated: {len} bytes needed at offset {}, {} left",
                self.pos,
                self.remaining()
            ))
        })?;
        let slice = &self.bytes[self.pos..end];
        self.pos = end;
        Ok(slice)
    }

    pub(crate) fn array<const N: usize>(&mut self) -> Result<[u8; N], CeremonyError> {
        let mut out = [0; N];
        out.copy_from_slice(self.take(N)?);
        Ok(out)
    }

    pub(crate) fn u8(&mut self) -> Result<u8, CeremonyError> {
        Ok(self.array::<1>()?[0])
    }

    pub(crate) fn u32(&mut self) -> Result<u32, CeremonyError> {
        Ok(u32::from_le_bytes(self.array()?))
    }

    pub(crate) fn u64(&mut self) -> Result<u64, CeremonyError> {
        Ok(u64::from_le_bytes(self.array()?))
    }

    /// A `u32` count or index as `usize`.
    pub(crate) fn count(&mut self) -> Result<usize, CeremonyError> {
        Ok(self.u32()? as usize)
    }

    pub(crate) fn remaining(&self) -> usize {
        self.bytes.len() - self.pos
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.remaining() == 0
    }

    /// Checks that the section was read to its end.
    pub(crate) fn finish(&self, what: &str) -> Result<(), CeremonyError> {
        if self.is_empty() {
            Ok(())
        } else {
            Err(self.error(format!("{} unexpected bytes after {what}", self.remaining())))
        }
    }

    /// A scalar, written in its normal form, 32 bytes
    /// little-endian (`.r1cs` coefficients).
    pub(crate) fn fr(&mut self, what: &str) -> Result<Fr, CeremonyError> {
        let bytes: [u8; 32] = self.array()?;
        Fr::from_bigint(bigint_le(&bytes))
            .ok_or_else(|| self.error(format!("{what}: not below the field modulus")))
    }

    /// A base-field element in Montgomery form, 32 bytes little-endian (`.zkey` and `.ptau`
    /// points: the "LEM" encoding).
    fn fq_montgomery(&mut self, what: &str) -> Result<Fq, CeremonyError> {
        let bytes: [u8; 32] = self.array()?;
        let raw = bigint_le(&bytes);
        if raw >= Fq::MODULUS {
            return Err(self.error(format!("{what}: coordinate not below the field modulus")));
        }
        Ok(Fq::new_unchecked(raw))
    }

    /// A G1 point in LEM encoding (`x`, `y`; both zero for the point at infinity), checked to
    /// be on the curve (G1 of BN254 has cofactor 1).
    pub(crate) fn g1(&mut self, what: &str) -> Result<G1Affine, CeremonyError> {
        let x = self.fq_montgomery(what)?;
        let y = self.fq_montgomery(what)?;
        if x.is_zero() && y.is_zero() {
            return Ok(G1Affine::zero());
        }
        let p = G1Affine::new_unchecked(x, y);
        if p.is_on_curve() {
            Ok(p)
        } else {
            Err(self.error(format!("{what}: point not on the curve")))
        }
    }

    /// A G2 point in LEM encoding (each coordinate `c0`, `c1`), unchecked: see
    /// [`check_g2`].
    pub(crate) fn g2_unchecked(&mut self, what: &str) -> Result<G2Affine, CeremonyError> {
        let x = Fq2::new(self.fq_montgomery(what)?, self.fq_montgomery(what)?);
        let y = Fq2::new(self.fq_montgomery(what)?, self.fq_montgomery(what)?);
        if x.is_zero() && y.is_zero() {
            return Ok(G2Affine::zero());
        }
        Ok(G2Affine::new_unchecked(x, y))
    }
}

/// Whether a G2 point is on the curve and in the prime-order subgroup.
pub(crate) fn check_g2(p: &G2Affine) -> bool {
    p.is_zero() || (p.is_on_curve() && p.is_in_correct_subgroup_assuming_on_curve())
}

fn bigint_le(bytes: &[u8; 32]) -> ark_ff::BigInt<4> {
    let mut limbs = [0u64; 4];
    for (limb, chunk) in limbs.iter_mut().zip(bytes.chunks_exact(8)) {
        *limb = u64::from_le_bytes(chunk.try_into().expect("8 bytes"));
    }
    ark_ff::BigInt(limbs)
}

/// A field element in normal form, 32 bytes little-endian.
pub(crate) fn field_le<F: PrimeField>(x: &F) -> Vec<u8> {
    let mut bytes = x.into_bigint().to_bytes_le();
    bytes.resize(32, 0);
    bytes
}

/// A base-field element in Montgomery form, 32 bytes little-endian.
fn fq_montgomery_le(x: &Fq) -> [u8; 32] {
    let mut out = [0u8; 32];
    for (chunk, limb) in out.chunks_exact_mut(8).zip(x.0 .0) {
        chunk.copy_from_slice(&limb.to_le_bytes());
    }
    out
}

/// A G1 point in LEM encoding.
pub(crate) fn g1_lem(p: &G1Affine, out: &mut Vec<u8>) {
    match p.xy() {
        Some((x, y)) => {
            out.extend_from_slice(&fq_montgomery_le(&x));
            out.extend_from_slice(&fq_montgomery_le(&y));
        }
        None => out.extend_from_slice(&[0; 64]),
    }
}

/// A G2 point in LEM encoding.
pub(crate) fn g2_lem(p: &G2Affine, out: &mut Vec<u8>) {
    match p.xy() {
        Some((x, y)) => {
            for c in [x.c0, x.c1, y.c0, y.c1] {
                out.extend_from_slice(&fq_montgomery_le(&c));
            }
        }
        None => out.extend_from_slice(&[0; 128]),
    }
}

/// snarkjs's uncompressed big-endian encoding of a G1 point (zeros for infinity): what its
/// hashes (the circuit hash, the transcript) are computed over.
pub(crate) fn g1_uncompressed(p: &G1Affine) -> [u8; 64] {
    let mut out = [0u8; 64];
    if let Some((x, y)) = p.xy() {
        out[..32].copy_from_slice(&fq_be(&x));
        out[32..].copy_from_slice(&fq_be(&y));
    }
    out
}

/// snarkjs's uncompressed big-endian encoding of a G2 point: each coordinate `c1` then `c0`.
pub(crate) fn g2_uncompressed(p: &G2Affine) -> [u8; 128] {
    let mut out = [0u8; 128];
    if let Some((x, y)) = p.xy() {
        for (i, c) in [x.c1, x.c0, y.c1, y.c0].iter().enumerate() {
            out[i * 32..(i + 1) * 32].copy_from_slice(&fq_be(c));
        }
    }
    out
}

fn fq_be(x: &Fq) -> [u8; 32] {
    let mut out = [0u8; 32];
    out.copy_from_slice(&x.into_bigint().to_bytes_be());
    out
}

/// The modulus of `F`, 32 bytes little-endian (the headers' `prime`).
pub(crate) fn modulus_le<F: PrimeField>() -> Vec<u8> {
    let mut bytes = F::MODULUS.to_bytes_le();
    bytes.resize(32, 0);
    bytes
}

/// Checks a header's prime against `F`'s modulus.
pub(crate) fn check_modulus<F: PrimeField>(r: &mut Cursor<'_>, what: &str) -> Result<(), CeremonyError> {
    let n8 = r.u32()?;
    if n8 != 32 {
        return Err(r.error(format!("{what}: field elements of {n8} bytes, BN254's take 32")));
    }
    let prime = r.take(32)?;
    if prime != modulus_le::<F>().as_slice() {
        return Err(r.error(format!("{what}: not BN254's (bn128's) prime")));
    }
    Ok(())
}
