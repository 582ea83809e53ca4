//! Private credit eligibility: an attested financial record, scored by a bank's published
//! policy, without revealing the record or needing a key of the bank's own. This module is the
//! native specification; the circuit in [`constraints`] proves the same relation.
//!
//! **One circuit for every policy of a shape.** The policy is a private input of the circuit,
//! opened against the public policy hash; one Groth16 key per [`EligibilityShape`] (up to
//! `inputs` model inputs and `tiers` tiers; [`EligibilityShape::PRODUCTION`] is 64 and 4)
//! serves every bank and every policy. A bank registers or changes a policy by its hash alone.
//!
//! - **Schema**: `schema`, a digest of how members' data become the model's inputs (features,
//!   their kinds, clamps, categories, names, and the shape), computed by `ccr-credit-policy`.
//!   Opaque here: both chains below start from it.
//! - **Policy hash**: [`chain`] from `schema` over the policy's circuit elements
//!   ([`PolicyParams::circuit_elements`]): the coefficients `cᵢ = wᵢ·2^shiftᵢ` padded with zeros
//!   to `inputs`, the five purpose weights with the bias added (`bias + pwⱼ`), then per tier
//!   (padded to `tiers` by repeating the last) its threshold and its terms packed as
//!   `max_amount + 2⁶⁴·rate_bps + 2⁹⁶·term_months`. For the production shape that is
//!   64 + 5 + 8 = 77 elements: 7 calls of Poseidon₁₂.
//! - **Record**: the policy's integer inputs `x` (one-hot bits and clamped numerics, in the
//!   policy's input order, padded with zeros to the shape's `inputs`), the member's public key
//!   and an expiry (unix seconds), encoded under `schema`. Its commitment is [`chain`] from
//!   `schema` over `x₀ … x₍ₙ₋₁₎, member.x, expiry` (every signed integer `v` as `v mod r`):
//!   66 elements, 6 calls, for the production shape. `member.x` alone binds the key: the
//!   circuit proves `member = a·B8`, a point of the prime-order subgroup, and the only other
//!   point with that `x` and a curve `y`, `(x, −y)`, lies outside it.
//! - **Attestation**: an EdDSA-Poseidon signature by an attester of
//!   `Poseidon([commitment, purpose])` ([`attestation_message`]): the attester signs the record
//!   *and what the credit is for*. The purpose whose weight enters the score is the attested
//!   one: a member cannot claim a better-scored purpose than the one attested.
//! - **Registry**: a bank's attesters, a [`SparseMerkleTree`] of depth [`REGISTRY_DEPTH`] whose
//!   leaves are `Poseidon([A.x, A.y])` ([`attester_leaf`]).
//! - **Verdict**: `score = Σ cᵢ·xᵢ + bias + purpose_weights[purpose]`; the tier is the first
//!   (best) tier whose threshold the score reaches; none: declined. The amount must not exceed
//!   the tier's maximum and the record must not be expired (`expiry > now`).
//! - **Account**: the member's rollup account. Its leaf `Poseidon5([M.x, M.y, balance, nonce,
//!   ext])` ([`crate::state::account::leaf_hash`]) sits at index `account` under a settled
//!   `state_root` (a [`MerkleProof`] of depth `state_depth`: 24 in production). Account keys
//!   never change in the rollup, so any settled root binds the index to the key; the L1
//!   contract checks that `state_root` is in its root history. Balance, nonce and ext stay
//!   private.
//! - **Nullifier**: `Poseidon([a, bank, epoch])` with `a` the member key's secret scalar
//!   (`member = a·B8`, `a < l`, [`PrivateKey::secret_scalar`]). One per member, bank and epoch;
//!   without `a` it cannot be computed or linked to the key (Poseidon hides `a`). The circuit
//!   proves `member = a·B8` (815 constraints), cheaper than a signature by the member (3,078),
//!   and that also binds the record to the member's key.
//!
//! **What the attester vouches for, and what the circuit checks.** The record is signed over
//! `schema`, so it can only be read under a policy of that schema: a record attested for one
//! encoding cannot be scored by a policy that orders or clamps its inputs differently (before
//! the schema was signed, it could). That each input lies within its clamp and each one-hot
//! group has one bit set is the attester's statement, like the values themselves: the native
//! check ([`evaluate`]) refuses a record that breaks it before any proving, and attesters'
//! tools refuse to sign one, but the circuit does not re-check it (64 range checks with private
//! bounds would cost about 4,200 constraints and protect against nothing a lying attester could
//! not already do with in-range values). Likewise the policy's own rules
//! ([`PolicyParams::check`]: decreasing thresholds, score magnitude) are checked natively by
//! whoever seals, registers or votes for the hash; the prover cannot choose another policy than
//! the hash opens.

pub mod constraints;

use std::fmt;

use ark_ff::{BigInteger, PrimeField};

use crate::babyjubjub::eddsa::{verify_poseidon, EddsaError, PrivateKey, Signature};
use crate::babyjubjub::Point;
use crate::merkle::{MerkleError, MerkleProof, SparseMerkleTree, MAX_DEPTH};
use crate::poseidon;
use crate::state::account::leaf_hash;
use crate::Fr;

/// Depth of a bank's attester registry: 256 attesters.
pub const REGISTRY_DEPTH: usize = 8;

/// Number of credit purposes (productive enterprise, creative project, community
/// infrastructure, ecological restoration, educational initiative: codes 0..=4).
pub const N_PURPOSES: usize = 5;

/// The purposes' names by code, as `ccr-credit-policy`'s `Purpose` writes them in JSON.
pub const PURPOSE_NAMES: [&str; N_PURPOSES] = [
    "productive_enterprise",
    "creative_project",
    "community_infrastructure",
    "ecological_restoration",
    "educational_initiative",
];

/// The name of purpose `code` ([`PURPOSE_NAMES`]), `None` beyond 0..=4.
pub fn purpose_name(code: u8) -> Option<&'static str> {
    PURPOSE_NAMES.get(usize::from(code)).copied()
}

/// What an attester signs: `Poseidon([record commitment, purpose])`, binding the record to the
/// purpose of the credit it is attested for (an EdDSA-Poseidon message, as circomlibjs'
/// `signPoseidon` takes it).
pub fn attestation_message(commitment: Fr, purpose: u8) -> Fr {
    poseidon::hash2(commitment, Fr::from(u64::from(purpose)))
}

/// Elements absorbed per Poseidon call of [`sponge`] (the 12th input carries the state).
pub const SPONGE_RATE: usize = 11;

/// Bits of an offset score `score + 2⁶³`: scores are `i64`.
pub const SCORE_BITS: usize = 64;

/// Bound on `|Σ cᵢ·xᵢ| + |bias| + |purpose weight|` over inputs within their bounds: every
/// score is an `i64` (`score + 2⁶³` lies in `[0, 2⁶⁴)`), so the circuit's field arithmetic
/// equals integer arithmetic and its 64-bit comparisons need no separate range check of the
/// score.
pub const SCORE_MAGNITUDE_BOUND: u128 = 1 << 63;

/// Largest `hi − lo` of an input's bounds (a range check of at most 62 bits).
pub const MAX_INPUT_SPAN: u64 = (1 << 62) - 1;

/// `v mod r`: a signed integer as a field element.
pub fn int_to_fr(v: i64) -> Fr {
    Fr::from(v)
}

/// A length-prefixed sponge, for inputs of any length (the schema digest, names):
/// [`chain`] from `len(elements)`.
pub fn sponge(elements: &[Fr]) -> Fr {
    chain(Fr::from(elements.len() as u64), elements)
}

/// `state = init`; per chunk of [`SPONGE_RATE`] elements (the last zero-padded)
/// `state = Poseidon₁₂([state, chunk…])`; the final `state`.
///
/// Used where the number of elements is fixed by the circuit's shape (the policy hash and the
/// record commitment, both from the schema digest, which names the shape).
pub fn chain(init: Fr, elements: &[Fr]) -> Fr {
    let mut state = init;
    for chunk in elements.chunks(SPONGE_RATE) {
        let mut input = [Fr::from(0u64); SPONGE_RATE + 1];
        input[0] = state;
        input[1..=chunk.len()].copy_from_slice(chunk);
        state = poseidon::hash_n(&input);
    }
    state
}

/// The shape of an eligibility circuit: how many model inputs and tiers a policy may have.
/// One Groth16 key per shape serves every policy that fits it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct EligibilityShape {
    /// Model inputs (a policy with fewer pads with zero coefficients, records with zeros).
    pub inputs: usize,
    /// Tiers (a policy with fewer repeats its last tier, which changes no verdict).
    pub tiers: usize,
}

impl EligibilityShape {
    /// The production shape: 64 inputs (the German credit policy has 63), 4 tiers.
    pub const PRODUCTION: Self = Self { inputs: 64, tiers: 4 };

    /// Most inputs a shape may have.
    pub const MAX_INPUTS: usize = 1024;

    /// Most tiers a shape may have.
    pub const MAX_TIERS: usize = 32;

    /// Checks `1 ≤ inputs ≤ MAX_INPUTS`, `1 ≤ tiers ≤ MAX_TIERS`.
    pub fn check(&self) -> Result<(), EligibilityError> {
        if self.inputs == 0
            || self.inputs > Self::MAX_INPUTS
            || self.tiers == 0
            || self.tiers > Self::MAX_TIERS
        {
            return Err(EligibilityError::InvalidShape(*self));
        }
        Ok(())
    }

    /// Number of the policy's circuit elements: `inputs + 5 + 2·tiers`.
    pub fn policy_elements(&self) -> usize {
        self.inputs + N_PURPOSES + 2 * self.tiers
    }
}

impl fmt::Display for EligibilityShape {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} inputs, {} tiers", self.inputs, self.tiers)
    }
}

/// A policy's circuit elements for `shape`: coefficients padded with zeros to the shape's
/// inputs, `bias + pwⱼ` for the five purposes, then per tier (the last repeated up to the
/// shape's tiers) its threshold and [`pack_terms`]. More coefficients or tiers than the shape
/// has give a longer vector, which no circuit of the shape accepts.
pub fn circuit_elements(
    shape: EligibilityShape,
    coefficients: &[i64],
    bias: i64,
    purpose_weights: &[i64; N_PURPOSES],
    tiers: &[TierTerms],
) -> Vec<Fr> {
    let mut e: Vec<Fr> = coefficients.iter().map(|&c| int_to_fr(c)).collect();
    e.resize(shape.inputs.max(e.len()), Fr::from(0u64));
    e.extend(purpose_weights.iter().map(|&w| Fr::from(i128::from(bias) + i128::from(w))));
    for k in 0..shape.tiers.max(tiers.len()) {
        if let Some(t) = tiers.get(k).or(tiers.last()) {
            e.extend([int_to_fr(t.threshold), pack_terms(t.max_amount, t.rate_bps, t.term_months)]);
        }
    }
    e
}

/// A tier's terms as one field element: `max_amount + 2⁶⁴·rate_bps + 2⁹⁶·term_months`.
pub fn pack_terms(max_amount: u64, rate_bps: u32, term_months: u32) -> Fr {
    Fr::from((u128::from(term_months) << 96) | (u128::from(rate_bps) << 64) | u128::from(max_amount))
}

/// A member's financial record: the policy's inputs, the member's key, an expiry, and the
/// schema they are encoded under.
///
/// Its `Debug` output hides the features (they never leave the wallet).
#[derive(Clone, PartialEq, Eq)]
pub struct FinancialRecord {
    /// The policy's integer inputs, in its input order, padded with zeros to the shape's
    /// `inputs`.
    pub features: Vec<i64>,
    /// The member's public key (the record is bound to it).
    pub member: Point,
    /// Unix time (seconds) after which the record is no longer valid.
    pub expiry: u64,
    /// The digest of the schema the features are encoded under (`ccr-credit-policy`'s
    /// `schema_digest`).
    pub schema: Fr,
}

impl fmt::Debug for FinancialRecord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FinancialRecord")
            .field("features", &format_args!("<{} redacted>", self.features.len()))
            .field("member", &self.member)
            .field("expiry", &self.expiry)
            .field("schema", &self.schema)
            .finish()
    }
}

impl FinancialRecord {
    /// The elements committed to: features, `member.x`, expiry.
    pub fn elements(&self) -> Vec<Fr> {
        let mut e: Vec<Fr> = self.features.iter().map(|&v| int_to_fr(v)).collect();
        e.extend([self.member.x, Fr::from(self.expiry)]);
        e
    }

    /// The commitment an attester signs: [`chain`] from the schema over [`Self::elements`].
    pub fn commitment(&self) -> Fr {
        chain(self.schema, &self.elements())
    }
}

/// An attester's signature over a record's commitment and the purpose of the credit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Attestation {
    /// The attester's public key.
    pub attester: Point,
    /// The purpose code (0..=4) the record is attested for.
    pub purpose: u8,
    /// EdDSA-Poseidon signature of [`attestation_message`]`(`[`FinancialRecord::commitment`]`,
    /// purpose)`.
    pub signature: Signature,
}

impl Attestation {
    /// The attester `key` signs `record` for a credit of `purpose`.
    pub fn sign(key: &PrivateKey, record: &FinancialRecord, purpose: u8) -> Self {
        Self {
            attester: key.public_key(),
            purpose,
            signature: key.sign_poseidon(attestation_message(record.commitment(), purpose)),
        }
    }

    /// Checks the signature over `record` and the attested purpose.
    pub fn verify(&self, record: &FinancialRecord) -> Result<(), EddsaError> {
        verify_poseidon(
            attestation_message(record.commitment(), self.purpose),
            &self.signature,
            &self.attester,
        )
    }
}

/// The registry leaf of an attester: `Poseidon([A.x, A.y])`.
pub fn attester_leaf(attester: &Point) -> Fr {
    poseidon::hash2(attester.x, attester.y)
}

/// A bank's attester registry: a Merkle tree of [`attester_leaf`]s, changed by governance.
#[derive(Clone, Debug)]
pub struct AttesterRegistry {
    tree: SparseMerkleTree,
}

impl Default for AttesterRegistry {
    fn default() -> Self {
        Self::new()
    }
}

impl AttesterRegistry {
    /// An empty registry of depth [`REGISTRY_DEPTH`].
    pub fn new() -> Self {
        // REGISTRY_DEPTH is within 1..=MAX_DEPTH.
        let tree = SparseMerkleTree::new(REGISTRY_DEPTH)
            .unwrap_or_else(|e| unreachable!("registry depth is valid: {e}"));
        Self { tree }
    }

    /// Registers `attester` at `index`.
    pub fn add(&mut self, index: u64, attester: &Point) -> Result<(), MerkleError> {
        self.tree.update(index, attester_leaf(attester)).map(|_| ())
    }

    /// Removes the attester at `index`.
    pub fn remove(&mut self, index: u64) -> Result<(), MerkleError> {
        self.tree.update(index, Fr::from(0u64)).map(|_| ())
    }

    /// The registry root banks publish.
    pub fn root(&self) -> Fr {
        self.tree.root()
    }

    /// The membership proof of the attester at `index`.
    pub fn proof(&self, index: u64) -> Result<MerkleProof, MerkleError> {
        self.tree.proof(index)
    }

    /// The index `attester` is registered at, if it is (the registry holds 2⁸ leaves: a scan).
    pub fn index_of(&self, attester: &Point) -> Option<u64> {
        let leaf = attester_leaf(attester);
        (0..self.tree.capacity()).find(|&i| self.tree.leaf(i).is_ok_and(|l| l == leaf))
    }
}

/// One tier of a policy: the score it needs and the terms it grants.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TierTerms {
    /// Minimum score (inclusive).
    pub threshold: i64,
    /// Largest principal granted.
    pub max_amount: u64,
    /// Yearly interest rate in basis points.
    pub rate_bps: u32,
    /// Term in months.
    pub term_months: u32,
}

/// The integer policy as the circuit sees it (its private input, opened against the policy
/// hash [`PolicyParams::hash`]), with the schema's bounds the native check applies.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PolicyParams {
    /// The shape of the circuit the policy is proven in (part of the schema digest).
    pub shape: EligibilityShape,
    /// The schema digest (`ccr-credit-policy`'s `schema_digest`): records are encoded under it.
    pub schema: Fr,
    /// `cᵢ = weights[i]·2^shifts[i]`, one per input.
    pub coefficients: Vec<i64>,
    /// Inclusive bounds `[lo, hi]` of each input: a numeric feature's clamp, `[0, 1]` for a
    /// one-hot bit.
    pub bounds: Vec<(i64, i64)>,
    /// One-hot groups as `(first input, number of inputs)`: exactly one bit set in each.
    pub one_hot: Vec<(usize, usize)>,
    /// Integer bias.
    pub bias: i64,
    /// Tiers, best first, thresholds strictly decreasing.
    pub tiers: Vec<TierTerms>,
    /// Score bonus per purpose code.
    pub purpose_weights: [i64; N_PURPOSES],
}

impl PolicyParams {
    /// Checks what the circuit relies on: lengths, bounds, one-hot groups, decreasing
    /// thresholds, and a score magnitude below [`SCORE_MAGNITUDE_BOUND`].
    pub fn check(&self) -> Result<(), EligibilityError> {
        let bad = |m: String| Err(EligibilityError::InvalidPolicy(m));
        self.shape.check()?;
        let n = self.coefficients.len();
        if n > self.shape.inputs || self.tiers.len() > self.shape.tiers {
            return bad(format!(
                "{n} inputs and {} tiers do not fit the shape ({}): use a larger shape",
                self.tiers.len(),
                self.shape
            ));
        }
        if self.bounds.len() != n {
            return bad(format!("{} bounds for {n} coefficients", self.bounds.len()));
        }
        if let Some((i, (lo, hi))) =
            self.bounds.iter().enumerate().find(|(_, (lo, hi))| {
                hi < lo || (i128::from(*hi) - i128::from(*lo)) > i128::from(MAX_INPUT_SPAN)
            })
        {
            return bad(format!("input {i} has bounds [{lo}, {hi}]: need lo ≤ hi, hi − lo < 2^62"));
        }
        for &(start, len) in &self.one_hot {
            if len == 0 || start.checked_add(len).is_none_or(|end| end > n) {
                return bad(format!("one-hot group ({start}, {len}) outside the {n} inputs"));
            }
            if self.bounds[start..start + len].iter().any(|&b| b != (0, 1)) {
                return bad(format!("one-hot group ({start}, {len}) has inputs not bounded to [0, 1]"));
            }
        }
        if self.tiers.is_empty() {
            return bad("no tiers".into());
        }
        if self.tiers.windows(2).any(|w| w[0].threshold <= w[1].threshold) {
            return bad("tier thresholds must be strictly decreasing".into());
        }
        let magnitude = self.coefficients.iter().zip(&self.bounds).fold(
            u128::from(self.bias.unsigned_abs())
                + self.purpose_weights.iter().map(|w| u128::from(w.unsigned_abs())).max().unwrap_or(0),
            |acc, (&c, &(lo, hi))| {
                let x = lo.unsigned_abs().max(hi.unsigned_abs());
                acc.saturating_add(u128::from(c.unsigned_abs()).saturating_mul(u128::from(x)))
            },
        );
        if magnitude >= SCORE_MAGNITUDE_BOUND {
            return bad("scores could exceed 2^63 in magnitude (they must fit an i64)".into());
        }
        Ok(())
    }

    /// The policy's circuit elements ([`circuit_elements`]), hashed from the schema digest
    /// into the policy hash. Call on checked parameters.
    pub fn circuit_elements(&self) -> Vec<Fr> {
        circuit_elements(self.shape, &self.coefficients, self.bias, &self.purpose_weights, &self.tiers)
    }

    /// The policy hash: [`chain`] from the schema digest over [`Self::circuit_elements`]. What
    /// a bank registers on L1 and governance votes for.
    pub fn hash(&self) -> Fr {
        chain(self.schema, &self.circuit_elements())
    }

    /// Checks `x` (padded to the shape's inputs) against the bounds and one-hot groups; the
    /// padding must be zero.
    pub fn check_inputs(&self, x: &[i64]) -> Result<(), EligibilityError> {
        if x.len() != self.shape.inputs {
            return Err(EligibilityError::FeatureWidth { got: x.len(), expected: self.shape.inputs });
        }
        if let Some((index, &value)) =
            x.iter().enumerate().skip(self.coefficients.len()).find(|(_, &v)| v != 0)
        {
            return Err(EligibilityError::FeatureOutOfRange { index, value, lo: 0, hi: 0 });
        }
        for (index, (&value, &(lo, hi))) in x.iter().zip(&self.bounds).enumerate() {
            if value < lo || value > hi {
                return Err(EligibilityError::FeatureOutOfRange { index, value, lo, hi });
            }
        }
        for &(start, len) in &self.one_hot {
            if x[start..start + len].iter().sum::<i64>() != 1 {
                return Err(EligibilityError::OneHot { start, len });
            }
        }
        Ok(())
    }

    /// `Σ cᵢ·xᵢ + bias + purpose_weights[purpose]` (inputs assumed checked).
    pub fn score(&self, x: &[i64], purpose: u8) -> Result<i64, EligibilityError> {
        let pw = *self
            .purpose_weights
            .get(usize::from(purpose))
            .ok_or(EligibilityError::UnknownPurpose(purpose))?;
        let sum =
            self.coefficients.iter().zip(x).fold(i128::from(self.bias) + i128::from(pw), |acc, (&c, &xi)| {
                acc + i128::from(c) * i128::from(xi)
            });
        i64::try_from(sum).map_err(|_| EligibilityError::ScoreOutOfRange)
    }

    /// The 1-based tier of `score`, `None` if declined.
    pub fn tier_of(&self, score: i64) -> Option<usize> {
        self.tiers.iter().position(|t| score >= t.threshold).map(|i| i + 1)
    }
}

/// What a member asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Application {
    /// The bank (its id in the rollup).
    pub bank: u64,
    /// Principal asked for.
    pub amount: u64,
    /// Purpose code (0..=4).
    pub purpose: u8,
    /// Epoch of the application (the nullifier is per epoch).
    pub epoch: u64,
    /// The member's account index (receives the credit).
    pub account: u64,
    /// Current time (unix seconds), for the expiry check.
    pub now: u64,
}

/// The private fields of the member's account leaf besides its key (which is the record's
/// member key): what the state tree commits to with `Poseidon5([M.x, M.y, balance, nonce, ext])`.
/// Private: its `Debug` output hides the fields.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct AccountLeaf {
    /// The account's balance.
    pub balance: u64,
    /// The account's nonce.
    pub nonce: u32,
    /// The account's extension hash (`Poseidon([bank, debt, voice_credits, loan])`).
    pub ext: Fr,
}

impl fmt::Debug for AccountLeaf {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("AccountLeaf(<redacted>)")
    }
}

impl AccountLeaf {
    /// The leaf of these fields under `member`'s key ([`leaf_hash`]).
    pub fn leaf(&self, member: Point) -> Fr {
        leaf_hash(member, self.balance, self.nonce, self.ext)
    }
}

/// Everything the member's wallet holds to prove eligibility (all private but the
/// application). `Debug` redacts the features and the key.
#[derive(Clone, Debug)]
pub struct EligibilityWitness {
    /// The attested record.
    pub record: FinancialRecord,
    /// The attester's signature.
    pub attestation: Attestation,
    /// The attester's registry membership (its `index` is the attester's slot).
    pub registry_proof: MerkleProof,
    /// The member's key (its secret scalar feeds the nullifier).
    pub member_key: PrivateKey,
    /// What is asked for.
    pub application: Application,
    /// The member's account leaf under the settled state root (its key is the record's).
    pub account_leaf: AccountLeaf,
    /// The account leaf's path under the state root; its `index` is the application's account.
    pub account_proof: MerkleProof,
}

/// The public outputs of an eligibility proof.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EligibilityStatement {
    /// The bank.
    pub bank: u64,
    /// Principal granted.
    pub amount: u64,
    /// Purpose code.
    pub purpose: u8,
    /// 1-based tier.
    pub tier: u8,
    /// The tier's maximum amount.
    pub max_amount: u64,
    /// The tier's rate (basis points per year).
    pub rate_bps: u32,
    /// The tier's term (months).
    pub term_months: u32,
    /// The policy hash.
    pub policy_hash: Fr,
    /// The attester registry root.
    pub registry_root: Fr,
    /// `Poseidon([a, bank, epoch])`.
    pub nullifier: Fr,
    /// The member's account index.
    pub account: u64,
    /// The epoch.
    pub epoch: u64,
    /// The time the expiry was checked against.
    pub now: u64,
    /// The settled state root under which the member's account leaf was proven.
    pub state_root: Fr,
}

impl EligibilityStatement {
    /// Number of public inputs.
    pub const N_PUBLIC: usize = 14;

    /// The public inputs in circuit order: bank, amount, purpose, tier, max_amount, rate_bps,
    /// term_months, policy_hash, registry_root, nullifier, account, epoch, now, state_root.
    pub fn public_inputs(&self) -> Vec<Fr> {
        vec![
            Fr::from(self.bank),
            Fr::from(self.amount),
            Fr::from(u64::from(self.purpose)),
            Fr::from(u64::from(self.tier)),
            Fr::from(self.max_amount),
            Fr::from(u64::from(self.rate_bps)),
            Fr::from(u64::from(self.term_months)),
            self.policy_hash,
            self.registry_root,
            self.nullifier,
            Fr::from(self.account),
            Fr::from(self.epoch),
            Fr::from(self.now),
            self.state_root,
        ]
    }
}

/// Why a member is not eligible (or the inputs are unusable), one variant per cause.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EligibilityError {
    /// The policy parameters break a rule the circuit relies on.
    #[error("policy parameters are invalid: {0}")]
    InvalidPolicy(String),
    /// The shape is outside what a circuit can have.
    #[error("eligibility shape ({0}) is invalid: 1..=1024 inputs and 1..=32 tiers")]
    InvalidShape(EligibilityShape),
    /// The record is encoded under another schema than the policy's.
    #[error("the record is encoded under schema {record}, the policy under {policy}: ask the attester to encode and sign the record under the bank's current schema")]
    SchemaMismatch {
        /// The record's schema digest.
        record: Fr,
        /// The policy's.
        policy: Fr,
    },
    /// The parameters are not those of the published policy.
    #[error("policy hash mismatch: the bank publishes {expected}, the parameters hash to {got}; load the bank's current policy")]
    PolicyMismatch {
        /// The published hash.
        expected: Fr,
        /// The parameters' hash.
        got: Fr,
    },
    /// The record has the wrong number of features.
    #[error("record has {got} features, the policy takes {expected}: re-encode it with the bank's schema")]
    FeatureWidth {
        /// Features in the record.
        got: usize,
        /// Inputs of the policy.
        expected: usize,
    },
    /// A feature lies outside its bounds.
    #[error("feature {index} is {value}, outside [{lo}, {hi}]: clamp it as the policy's schema says")]
    FeatureOutOfRange {
        /// Input index.
        index: usize,
        /// Its value.
        value: i64,
        /// Lower bound.
        lo: i64,
        /// Upper bound.
        hi: i64,
    },
    /// A categorical feature does not have exactly one bit set.
    #[error("one-hot group at inputs {start}..{start}+{len} does not have exactly one bit set")]
    OneHot {
        /// First input of the group.
        start: usize,
        /// Its size.
        len: usize,
    },
    /// The purpose code is not 0..=4.
    #[error("purpose code {0} is unknown (0..=4)")]
    UnknownPurpose(u8),
    /// The application's purpose is not the one the attester signed.
    #[error(
        "the record is attested for purpose {attested} ({}), the application claims {claimed} ({}): \
         apply for the attested purpose, or ask the attester to attest the record for this one",
        purpose_name(*attested).unwrap_or("unknown"),
        purpose_name(*claimed).unwrap_or("unknown")
    )]
    PurposeNotAttested {
        /// The purpose code the attestation names.
        attested: u8,
        /// The purpose code of the application.
        claimed: u8,
    },
    /// The record names another member's key.
    #[error(
        "the record is attested for another key than the member's: ask the attester for a record of your key"
    )]
    RecordNotForMember,
    /// The attester's signature does not verify.
    #[error("the attestation's signature does not verify over the record: {0}")]
    BadSignature(EddsaError),
    /// The attester is not in the bank's registry.
    #[error("attester is not in the bank's registry at slot {index}: use an attester the bank registered")]
    AttesterNotInRegistry {
        /// The slot claimed.
        index: u64,
    },
    /// The state tree depth is not one a circuit can have.
    #[error("state tree depth {0} is invalid: use the rollup's depth (1..=63, 24 in production)")]
    StateDepth(usize),
    /// The member's account is not at the claimed index under the state root.
    #[error("account {account} does not hold your key under state root {state_root}: fetch a fresh proof of your account (index, balance, nonce, ext, path) from a settled state")]
    AccountNotMember {
        /// The account index claimed.
        account: u64,
        /// The state root it was checked against.
        state_root: Fr,
    },
    /// The record has expired.
    #[error("record expired at {expiry} (now {now}): ask the attester for a fresh attestation")]
    Expired {
        /// Record expiry.
        expiry: u64,
        /// Current time.
        now: u64,
    },
    /// The score does not fit in 64 bits.
    #[error("score does not fit in 64 bits")]
    ScoreOutOfRange,
    /// The score reaches no tier.
    #[error("declined: score {score} is below the lowest tier's threshold {lowest}")]
    Declined {
        /// The score.
        score: i64,
        /// The lowest threshold.
        lowest: i64,
    },
    /// The amount exceeds the tier's maximum.
    #[error("amount {amount} is above tier {tier}'s maximum {max}: ask for at most {max}")]
    AmountAboveTierMax {
        /// Asked.
        amount: u64,
        /// The tier.
        tier: u8,
        /// Its maximum.
        max: u64,
    },
}

/// The member key's secret scalar `a < l` as an element of [`Fr`] (`l < r`). Secret.
pub fn member_scalar(member_key: &PrivateKey) -> Fr {
    Fr::from_le_bytes_mod_order(&member_key.secret_scalar().into_bigint().to_bytes_le())
}

/// `Poseidon([a, bank, epoch])`, `a` the member key's secret scalar.
pub fn nullifier(member_key: &PrivateKey, bank: u64, epoch: u64) -> Fr {
    poseidon::hash_n(&[member_scalar(member_key), Fr::from(bank), Fr::from(epoch)])
}

/// Checks that `w`'s account leaf (under the member's key) sits at the application's account
/// index under `state_root`, in a tree of depth `state_depth`.
pub fn check_account(
    state_root: Fr,
    state_depth: usize,
    w: &EligibilityWitness,
) -> Result<(), EligibilityError> {
    if state_depth == 0 || state_depth > MAX_DEPTH {
        return Err(EligibilityError::StateDepth(state_depth));
    }
    let account = w.application.account;
    let proof = &w.account_proof;
    let fits = account >> state_depth == 0; // state_depth ≤ 63
    if !fits
        || proof.index != account
        || proof.siblings.len() != state_depth
        || !proof.verify(state_root, w.account_leaf.leaf(w.member_key.public_key()))
    {
        return Err(EligibilityError::AccountNotMember { account, state_root });
    }
    Ok(())
}

/// The native twin of the eligibility circuit: the statement `w` proves under `params`, the
/// bank's published `policy_hash` and its `registry_root`, and a settled `state_root` of a
/// tree of depth `state_depth`, or the first reason it cannot.
pub fn evaluate(
    params: &PolicyParams,
    policy_hash: Fr,
    registry_root: Fr,
    state_root: Fr,
    state_depth: usize,
    w: &EligibilityWitness,
) -> Result<EligibilityStatement, EligibilityError> {
    params.check()?;
    let hash = params.hash();
    if hash != policy_hash {
        return Err(EligibilityError::PolicyMismatch { expected: policy_hash, got: hash });
    }
    let app = &w.application;
    let record = &w.record;
    if record.schema != params.schema {
        return Err(EligibilityError::SchemaMismatch { record: record.schema, policy: params.schema });
    }
    params.check_inputs(&record.features)?;
    if record.member != w.member_key.public_key() {
        return Err(EligibilityError::RecordNotForMember);
    }
    if w.attestation.purpose != app.purpose {
        return Err(EligibilityError::PurposeNotAttested {
            attested: w.attestation.purpose,
            claimed: app.purpose,
        });
    }
    w.attestation.verify(record).map_err(EligibilityError::BadSignature)?;
    let proof = &w.registry_proof;
    if proof.siblings.len() != REGISTRY_DEPTH
        || !proof.verify(registry_root, attester_leaf(&w.attestation.attester))
    {
        return Err(EligibilityError::AttesterNotInRegistry { index: proof.index });
    }
    check_account(state_root, state_depth, w)?;
    if record.expiry <= app.now {
        return Err(EligibilityError::Expired { expiry: record.expiry, now: app.now });
    }
    let score = params.score(&record.features, app.purpose)?;
    let tier = params.tier_of(score).ok_or(EligibilityError::Declined {
        score,
        lowest: params.tiers.last().map_or(i64::MAX, |t| t.threshold),
    })?;
    let terms = params.tiers[tier - 1];
    let tier =
        u8::try_from(tier).map_err(|_| EligibilityError::InvalidPolicy("more than 255 tiers".into()))?;
    if app.amount > terms.max_amount {
        return Err(EligibilityError::AmountAboveTierMax { amount: app.amount, tier, max: terms.max_amount });
    }
    Ok(EligibilityStatement {
        bank: app.bank,
        amount: app.amount,
        purpose: app.purpose,
        tier,
        max_amount: terms.max_amount,
        rate_bps: terms.rate_bps,
        term_months: terms.term_months,
        policy_hash,
        registry_root,
        nullifier: nullifier(&w.member_key, app.bank, app.epoch),
        account: app.account,
        epoch: app.epoch,
        now: app.now,
        state_root,
    })
}
