//! Calldata for a Groth16 verifier contract on the EVM bn254 precompiles (EIP-196/197).
//!
//! The verifier `snarkjs zkey export solidityverifier` generates (and the common hand-written
//! ones) exposes
//!
//! ```solidity
//! function verifyProof(uint[2] calldata _pA, uint[2][2] calldata _pB, uint[2] calldata _pC,
//!                      uint[N] calldata _pubSignals) public view returns (bool)
//! ```
//!
//! Every word is a 256-bit big-endian integer. G1 points are `[x, y]`. G2 points are
//! `[[x.c1, x.c0], [y.c1, y.c0]]`: EIP-197 encodes an Fq2 element **imaginary part first**,
//! the opposite of snarkjs JSON. The point at infinity is encoded as all zeros, as the
//! precompiles expect (snarkjs would print its JSON `[0, 1]`; an honest proof never contains
//! it). [`SolidityCalldata::to_snarkjs_string`] prints exactly what
//! `snarkjs zkey export soliditycalldata public.json proof.json` prints.
//!
//! All four parameters are static types, so their ABI encoding is just the `8 + N` words
//! concatenated in order: no offsets, no lengths, and no ABI crate needed. A transaction's
//! calldata is the 4-byte function selector followed by these words
//! ([`SolidityCalldata::encode_call`]); the selector is the first 4 bytes of the Keccak-256 of
//! [`SolidityCalldata::function_signature`] (e.g. `cast sig`), which depends on `N`.

use ark_bn254::{Bn254, Fq2, Fr, G1Affine, G2Affine};
use ark_ec::AffineRepr;
use ark_ff::{BigInteger, PrimeField};
use ark_groth16::Proof;

/// One 256-bit big-endian EVM word.
pub type Word = [u8; 32];

/// The arguments of `verifyProof(uint[2] a, uint[2][2] b, uint[2] c, uint[N] input)`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SolidityCalldata {
    /// A: `[x, y]`.
    pub a: [Word; 2],
    /// B: `[[x.c1, x.c0], [y.c1, y.c0]]`.
    pub b: [[Word; 2]; 2],
    /// C: `[x, y]`.
    pub c: [Word; 2],
    /// The public inputs, in circuit order.
    pub input: Vec<Word>,
}

impl SolidityCalldata {
    /// The calldata words for `proof` and its `public_inputs`.
    pub fn new(proof: &Proof<Bn254>, public_inputs: &[Fr]) -> Self {
        let (bx, by) = g2_words(&proof.b);
        Self {
            a: g1_words(&proof.a),
            b: [bx, by],
            c: g1_words(&proof.c),
            input: public_inputs.iter().map(|x| word(*x)).collect(),
        }
    }

    /// All words in ABI order: `a[0], a[1], b[0][0], b[0][1], b[1][0], b[1][1], c[0], c[1],
    /// input...`.
    pub fn words(&self) -> Vec<Word> {
        let mut words = Vec::with_capacity(8 + self.input.len());
        words.extend_from_slice(&self.a);
        words.extend_from_slice(&self.b[0]);
        words.extend_from_slice(&self.b[1]);
        words.extend_from_slice(&self.c);
        words.extend_from_slice(&self.input);
        words
    }

    /// [`Self::words`] as `0x`-prefixed, 64-digit lowercase hex.
    pub fn hex_words(&self) -> Vec<String> {
        self.words().iter().map(hex_word).collect()
    }

    /// The ABI encoding of the four arguments (the words concatenated; see the
    /// [module documentation](self)).
    pub fn abi_encode(&self) -> Vec<u8> {
        self.words().concat()
    }

    /// Transaction calldata: `selector` followed by [`Self::abi_encode`].
    pub fn encode_call(&self, selector: [u8; 4]) -> Vec<u8> {
        [&selector[..], &self.abi_encode()].concat()
    }

    /// The canonical signature of the verifier function for this many public inputs,
    /// `verifyProof(uint256[2],uint256[2][2],uint256[2],uint256[N])`.
    pub fn function_signature(&self) -> String {
        format!("verifyProof(uint256[2],uint256[2][2],uint256[2],uint256[{}])", self.input.len())
    }

    /// Exactly what `snarkjs zkey export soliditycalldata` prints (without the newline).
    pub fn to_snarkjs_string(&self) -> String {
        let w = hex_word_quoted;
        let input: Vec<String> = self.input.iter().map(w).collect();
        format!(
            "[{}, {}],[[{}, {}],[{}, {}]],[{}, {}],[{}]",
            w(&self.a[0]),
            w(&self.a[1]),
            w(&self.b[0][0]),
            w(&self.b[0][1]),
            w(&self.b[1][0]),
            w(&self.b[1][1]),
            w(&self.c[0]),
            w(&self.c[1]),
            input.join(",")
        )
    }
}

fn word<F: PrimeField>(x: F) -> Word {
    let mut out = [0u8; 32];
    let bytes = x.into_bigint().to_bytes_be();
    // A BN254 field element is 32 bytes; right-align in case of a shorter encoding.
    let start = 32usize.saturating_sub(bytes.len());
    out[start..].copy_from_slice(&bytes[bytes.len().saturating_sub(32)..]);
    out
}

fn g1_words(p: &G1Affine) -> [Word; 2] {
    match p.xy() {
        Some((x, y)) => [word(x), word(y)],
        None => [[0; 32]; 2],
    }
}

/// EIP-197 order: imaginary part first.
fn g2_words(p: &G2Affine) -> ([Word; 2], [Word; 2]) {
    let fq2 = |x: Fq2| [word(x.c1), word(x.c0)];
    match p.xy() {
        Some((x, y)) => (fq2(x), fq2(y)),
        None => ([[0; 32]; 2], [[0; 32]; 2]),
    }
}

fn hex_word(w: &Word) -> String {
    format!("0x{}", hex::encode(w))
}

fn hex_word_quoted(w: &Word) -> String {
    format!("\"{}\"", hex_word(w))
}
