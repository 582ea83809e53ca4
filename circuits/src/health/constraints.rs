//! The solidarity fund's epoch circuit: [`super::fund::FundParams::table`] in R1CS for a fixed
//! number of bank slots (issue 11, item 4).
//!
//! Public inputs, in order ([`EpochStatement::public_inputs`]): epoch, registry_root,
//! params_hash, fund_before, fund_after, table_hash, then one per bank slot, its line as L1
//! reads it, [`pack_line`](super::fund::pack_line)`(pool, contribution, grant, bioregion, flow)`: what
//! `SolidarityFund.settleEpoch` queues the rollup's moves from.
//!
//! Relation, per bank slot (pool, bioregion, activity; [`MAX_REPORTS`] report slots):
//! 1. **Reports.** A present report's message is [`chain`] from the report domain over
//!    (the bank's bioregion, its epoch, data year, digest halves, presence mask, values), each
//!    value in `[−2⁶², 2⁶²)` and 0 where the mask says missing, the mask not empty; its
//!    signature verifies under its attester, whose leaf is in the registry under
//!    `registry_root`; `0 ≤ epoch − report epoch ≤ max_report_age`; two present reports of
//!    one bank have different attesters.
//! 2. **Medians.** Per indicator the present values are sorted (a three-element network, a
//!    missing value sorting last); with three the middle one, with two the worse one, with one
//!    that one ([`super::conservative_median`]).
//! 3. **Normalisation** against the bounds (private, opened by `params_hash`):
//!    `⌊(v − worst)·10⁴/(best − worst)⌋` clamped to `0..=10⁴`, by a division with remainder
//!    when strictly between; the rollup indicators from the activity by divisions with
//!    remainder ([`super::score::BankActivity::indicators`]).
//! 4. **Components, score, need** as [`super::score`] (constant divisions with remainder).
//! 5. **Contribution** `⌈balance·contribution_bps/10⁴⌉`, **cap** `⌊(balance + receivable)·
//!    grant_cap_bps/10⁴⌋`, **weight** `need·(lent + repaid)`.
//!
//! Then for the epoch: `distributable = ⌊(fund_before + Σ contributions)·payout_bps/10⁴⌋`,
//! each grant `min(⌊distributable·weight/Σ weights⌋, cap)` (0 when no weight), `fund_after =
//! fund_before + Σ contributions − Σ grants` (conservation), `params_hash` and `table_hash`
//! ([`super::fund::EpochTable::hash`], which commits to every line and the reports it read).
//!
//! What the circuit does not see: whether the committed reports are *all* the reports
//! attesters sent (the table's hash publishes which ones were read, so a report left out can
//! be shown), and where the activity comes from (the table's hash publishes it; L1 compares it
//! with the epoch's credit slots).

use ark_ff::{AdditiveGroup, Field};
use ark_r1cs_std::alloc::AllocVar;
use ark_r1cs_std::boolean::Boolean;
use ark_r1cs_std::eq::EqGadget;
use ark_r1cs_std::fields::fp::FpVar;
use ark_r1cs_std::fields::FieldVar;
use ark_r1cs_std::select::CondSelectGadget;
use ark_r1cs_std::GR1CSVar;
use ark_relations::gr1cs::{ConstraintSynthesizer, ConstraintSystemRef, SynthesisError};

use super::fund::{
    domain, params_elements, EpochTable, FundMember, FundParams, BPS, FLOW_BITS, MAX_REPORTS, MAX_SHARE_BPS,
    PARAMS_DOMAIN, TABLE_DOMAIN,
};
use super::score::{
    HealthParams, COMPONENTS, COMPONENT_WEIGHTS, N_ROLLUP, REGIONAL_COMPONENT, ROLLUP_INDICATORS, SCORE_SCALE,
};
use super::{report_domain, Direction, SignedReport, INDICATORS, MAX_VALUE_MAGNITUDE, N_INDICATORS, SCALE};
use crate::babyjubjub::constraints::{verify_poseidon_gadget_if, PointVar, SignatureVar};
use crate::babyjubjub::eddsa::Signature;
use crate::babyjubjub::Point;
use crate::credit::constraints::chain;
use crate::credit::{N_PURPOSES, REGISTRY_DEPTH};
use crate::lc::linear_combination;
use crate::merkle::constraints::MerklePathVar;
use crate::merkle::MerkleProof;
use crate::poseidon::constraints::hash2;
use crate::range::{enforce_bits, enforce_le, is_le};
use crate::Fr;

/// The epoch proof's public statement.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EpochStatement {
    /// The epoch.
    pub epoch: u32,
    /// The health attester registry's root.
    pub registry_root: Fr,
    /// [`super::fund::params_hash`].
    pub params_hash: Fr,
    /// The fund before.
    pub fund_before: u64,
    /// The fund after.
    pub fund_after: u64,
    /// [`EpochTable::hash`].
    pub table_hash: Fr,
    /// [`EpochTable::packed_lines`]: one per bank slot.
    pub lines: Vec<Fr>,
}

impl EpochStatement {
    /// Number of public inputs before the lines.
    pub const N_PUBLIC: usize = 6;

    /// The public inputs in the circuit's order.
    pub fn public_inputs(&self) -> Vec<Fr> {
        vec![
            Fr::from(u64::from(self.epoch)),
            self.registry_root,
            self.params_hash,
            Fr::from(self.fund_before),
            Fr::from(self.fund_after),
            self.table_hash,
        ]
        .into_iter()
        .chain(self.lines.iter().copied())
        .collect()
    }
}

/// A counted report and its attester's registry path.
#[derive(Clone, Debug)]
pub struct ReportWitness {
    /// The signed report.
    pub signed: SignedReport,
    /// The attester's membership proof in the registry.
    pub registry: MerkleProof,
}

/// The epoch circuit's private inputs.
#[derive(Clone, Debug)]
pub struct EpochWitness {
    /// The network's health parameters.
    pub health: HealthParams,
    /// The fund's parameters.
    pub fund: FundParams,
    /// One per bank slot (padded with [`super::fund::padding`]).
    pub members: Vec<FundMember>,
    /// Per bank slot, the reports of its bioregion that count (at most [`MAX_REPORTS`]).
    pub reports: Vec<Vec<ReportWitness>>,
}

/// The epoch circuit for `banks` bank slots.
#[derive(Clone, Debug)]
pub struct EpochCircuit {
    banks: usize,
    statement: Option<EpochStatement>,
    witness: Option<EpochWitness>,
}

impl EpochCircuit {
    /// The circuit proving `statement` from `witness`.
    pub fn new(statement: EpochStatement, witness: EpochWitness) -> Self {
        Self { banks: witness.members.len(), statement: Some(statement), witness: Some(witness) }
    }

    /// The circuit of `banks` slots without values, for key generation.
    pub fn setup(banks: usize) -> Self {
        Self { banks, statement: None, witness: None }
    }

    /// The statement of `table` (computed natively over the same inputs).
    pub fn statement(
        table: &EpochTable,
        registry_root: Fr,
        health: &HealthParams,
        fund: &FundParams,
    ) -> EpochStatement {
        EpochStatement {
            epoch: table.epoch,
            registry_root,
            params_hash: super::fund::params_hash(health, fund),
            fund_before: table.fund_before,
            fund_after: table.fund_after,
            table_hash: table.hash(),
            lines: table.packed_lines(),
        }
    }
}

fn missing() -> SynthesisError {
    SynthesisError::AssignmentMissing
}

fn constant(v: u64) -> FpVar<Fr> {
    FpVar::constant(Fr::from(v))
}

fn two_pow(n: u32) -> Fr {
    Fr::from(2u64).pow([u64::from(n)])
}

/// `⌊numer / denom⌋` for `denom ≥ 1` below `2^d_bits`, a quotient below `2^q_bits`:
/// `numer = q·denom + r`, `0 ≤ r < denom` (`q_bits + d_bits` below 250: no wrap).
fn div(
    numer: &FpVar<Fr>,
    denom: &FpVar<Fr>,
    q_bits: usize,
    d_bits: usize,
) -> Result<FpVar<Fr>, SynthesisError> {
    let cs = numer.cs().or(denom.cs());
    let values = numer.value().and_then(|n| Ok((n, denom.value()?)));
    let qr = values.map(|(n, d)| {
        let (n, d) = (num_bigint::BigUint::from(n), num_bigint::BigUint::from(d));
        if d == num_bigint::BigUint::from(0u8) {
            (Fr::ZERO, Fr::ZERO)
        } else {
            (Fr::from(&n / &d), Fr::from(&n % &d))
        }
    });
    let q = FpVar::new_witness(cs.clone(), || qr.as_ref().map(|v| v.0).map_err(|_| missing()))?;
    let r = FpVar::new_witness(cs, || qr.as_ref().map(|v| v.1).map_err(|_| missing()))?;
    enforce_bits(&q, q_bits)?;
    enforce_bits(&r, d_bits)?;
    enforce_bits(&(denom - &r - Fr::ONE), d_bits)?;
    q.mul_equals(denom, &(numer - &r))?;
    Ok(q)
}

/// `⌊x / c⌋` for a constant `c ≥ 1` and `x` below `2^x_bits`.
fn div_const(x: &FpVar<Fr>, c: u64, x_bits: usize) -> Result<FpVar<Fr>, SynthesisError> {
    let c_bits = (64 - c.leading_zeros()) as usize;
    div(x, &constant(c), x_bits, c_bits.max(1))
}

/// `(ok ? a : b)`.
fn select(ok: &Boolean<Fr>, a: &FpVar<Fr>, b: &FpVar<Fr>) -> Result<FpVar<Fr>, SynthesisError> {
    FpVar::conditionally_select(ok, a, b)
}

/// Normalisation of `v` (an integer within `(−2⁶³, 2⁶³)`) against `worst` and `best` of an
/// indicator running `direction`, with `den = |best − worst|` already checked to lie in
/// `1..2⁶⁴`: `0..=10⁴` as [`super::score::Bounds::normalise`].
fn normalise(
    v: &FpVar<Fr>,
    worst: &FpVar<Fr>,
    den: &FpVar<Fr>,
    direction: Direction,
) -> Result<FpVar<Fr>, SynthesisError> {
    let num = match direction {
        Direction::HigherIsBetter => v - worst,
        Direction::LowerIsBetter => worst - v,
    };
    // num ∈ (−2⁶⁴, 2⁶⁴): offset by 2⁶⁴, comparisons over 66 bits.
    let off = FpVar::constant(two_pow(64));
    let shifted = &num + &off;
    let low = is_le(&shifted, &off, 66)?; // num ≤ 0
    let high = is_le(&(den + &off), &shifted, 66)?; // num ≥ den
    let mid = !(&low | &high);
    let cs = v.cs().or(den.cs());
    let qr = (|| {
        let (n, d, m) = (num.value()?, den.value()?, mid.value()?);
        if !m {
            return Ok((Fr::ZERO, Fr::ZERO));
        }
        let (n, d) = (num_bigint::BigUint::from(n) * SCORE_SCALE, num_bigint::BigUint::from(d));
        Ok((Fr::from(&n / &d), Fr::from(&n % &d)))
    })();
    let q = FpVar::new_witness(cs.clone(), || qr.map(|v| v.0))?;
    let r = FpVar::new_witness(cs, || qr.map(|v| v.1))?;
    enforce_bits(&q, 14)?;
    enforce_bits(&r, 64)?;
    // r < den (r = 0 off the middle)
    enforce_bits(&(den - &r - Fr::ONE), 64)?;
    // mid ⇒ num·10⁴ = q·den + r
    let gap = &num * Fr::from(SCORE_SCALE) - &r - &q * den;
    (FpVar::from(mid.clone()) * gap).enforce_equal(&FpVar::zero())?;
    // high·10⁴ + mid·q
    Ok(FpVar::from(high) * Fr::from(SCORE_SCALE) + FpVar::from(mid) * q)
}

/// Sorts `(a, b)` by value (both below `2⁶⁴`).
fn sort2(a: &FpVar<Fr>, b: &FpVar<Fr>) -> Result<(FpVar<Fr>, FpVar<Fr>), SynthesisError> {
    let le = is_le(a, b, 64)?;
    Ok((select(&le, a, b)?, select(&le, b, a)?))
}

/// The parameters in circuit.
struct ParamsVars {
    /// `(worst, |best − worst|)` per regional indicator.
    regional: Vec<(FpVar<Fr>, FpVar<Fr>)>,
    /// The same per rollup indicator.
    rollup: Vec<(FpVar<Fr>, FpVar<Fr>)>,
    contribution_bps: FpVar<Fr>,
    payout_bps: FpVar<Fr>,
    grant_cap_bps: FpVar<Fr>,
    max_report_age: FpVar<Fr>,
}

fn params_vars(
    cs: &ConstraintSystemRef<Fr>,
    w: Option<&EpochWitness>,
    params_hash: &FpVar<Fr>,
) -> Result<ParamsVars, SynthesisError> {
    let n = 2 * (N_INDICATORS + N_ROLLUP) + 4;
    let values = w.map(|w| params_elements(&w.health, &w.fund));
    let elements = (0..n)
        .map(|i| FpVar::new_witness(cs.clone(), || values.as_ref().map(|v| v[i]).ok_or_else(missing)))
        .collect::<Result<Vec<_>, _>>()?;
    chain(FpVar::constant(domain(PARAMS_DOMAIN)), &elements)?.enforce_equal(params_hash)?;
    let half = FpVar::constant(Fr::from(MAX_VALUE_MAGNITUDE as u64));
    let directions =
        INDICATORS.iter().map(|i| i.direction).chain(ROLLUP_INDICATORS.iter().map(|i| i.direction));
    let mut bounds = Vec::new();
    for (pair, direction) in elements.chunks(2).zip(directions) {
        let (worst, best) = (&pair[0], &pair[1]);
        // each bound in [−2⁶², 2⁶²)
        enforce_bits(&(worst + &half), 63)?;
        enforce_bits(&(best + &half), 63)?;
        // best − worst runs the indicator's way: 1 ≤ |best − worst| < 2⁶⁴
        let den = match direction {
            Direction::HigherIsBetter => best - worst,
            Direction::LowerIsBetter => worst - best,
        };
        enforce_bits(&(&den - Fr::ONE), 64)?;
        bounds.push((worst.clone(), den));
    }
    let rollup = bounds.split_off(N_INDICATORS);
    let shares = &elements[n - 4..];
    for (v, max) in shares[..3].iter().zip([MAX_SHARE_BPS, BPS as u16, MAX_SHARE_BPS]) {
        enforce_bits(v, 16)?;
        enforce_le(v, &constant(u64::from(max)), 16)?;
    }
    enforce_bits(&shares[3], 32)?;
    Ok(ParamsVars {
        regional: bounds,
        rollup,
        contribution_bps: shares[0].clone(),
        payout_bps: shares[1].clone(),
        grant_cap_bps: shares[2].clone(),
        max_report_age: shares[3].clone(),
    })
}

/// One bank slot's values the epoch needs.
struct BankOut {
    line: Vec<FpVar<Fr>>,
    flow: FpVar<Fr>,
    contribution: FpVar<Fr>,
    cap: FpVar<Fr>,
    weight: FpVar<Fr>,
    grant_index: usize,
}

/// One report slot in circuit: presence, per indicator (present, `v + 2⁶²`), message, leaf.
struct ReportVars {
    present: Boolean<Fr>,
    values: Vec<(Boolean<Fr>, FpVar<Fr>)>,
    message: FpVar<Fr>,
    leaf: FpVar<Fr>,
}

#[allow(clippy::too_many_arguments)]
fn report_slot(
    cs: &ConstraintSystemRef<Fr>,
    p: &ParamsVars,
    epoch: &FpVar<Fr>,
    registry_root: &FpVar<Fr>,
    bioregion: &FpVar<Fr>,
    r: Option<Option<&ReportWitness>>,
) -> Result<ReportVars, SynthesisError> {
    let setup = r.is_none();
    let r = r.flatten();
    let present = Boolean::new_witness(cs.clone(), || if setup { Err(missing()) } else { Ok(r.is_some()) })?;
    let report = r.map(|r| &r.signed.report);
    let field = |f: &dyn Fn(&super::IndicatorReport) -> Fr| {
        FpVar::new_witness(cs.clone(), || {
            if setup {
                Err(missing())
            } else {
                Ok(report.map(f).unwrap_or(Fr::ZERO))
            }
        })
    };
    let report_epoch = field(&|r| Fr::from(u64::from(r.epoch)))?;
    let data_year = field(&|r| Fr::from(u64::from(r.data_year)))?;
    let high =
        field(&|r| Fr::from(u128::from_be_bytes(r.source_digest[..16].try_into().expect("16 bytes"))))?;
    let low = field(&|r| Fr::from(u128::from_be_bytes(r.source_digest[16..].try_into().expect("16 bytes"))))?;
    enforce_bits(&report_epoch, 32)?;
    enforce_bits(&data_year, 16)?;
    enforce_bits(&high, 128)?;
    enforce_bits(&low, 128)?;
    let half = two_pow(62);
    let mut mask_bits = Vec::with_capacity(N_INDICATORS);
    let mut values = Vec::with_capacity(N_INDICATORS);
    let mut raw = Vec::with_capacity(N_INDICATORS);
    for i in 0..N_INDICATORS {
        let bit = Boolean::new_witness(cs.clone(), || {
            if setup {
                Err(missing())
            } else {
                Ok(report.is_some_and(|r| r.values[i].is_some()))
            }
        })?;
        let v = field(&|r| Fr::from(r.values[i].unwrap_or(0)))?;
        // v ∈ [−2⁶², 2⁶²), 0 where missing
        let shifted = &v + FpVar::constant(half);
        enforce_bits(&shifted, 63)?;
        v.conditional_enforce_equal(&FpVar::zero(), &!bit.clone())?;
        mask_bits.push(bit.clone());
        values.push((&present & &bit, shifted));
        raw.push(v);
    }
    let mask = linear_combination(
        mask_bits.iter().enumerate().map(|(i, b)| (Fr::from(1u64 << i), FpVar::from(b.clone()))),
        Fr::ZERO,
    );
    // a present report carries at least one value
    mask.is_zero()?.conditional_enforce_equal(&Boolean::FALSE, &present)?;
    let mut elements = vec![bioregion.clone(), report_epoch.clone(), data_year, high, low, mask];
    elements.extend(raw);
    let message = chain(FpVar::constant(report_domain()), &elements)?;
    let attester = PointVar::new_witness(cs.clone(), || {
        if setup {
            Err(missing())
        } else {
            Ok(r.map(|r| r.signed.attester).unwrap_or(Point::new_unchecked(Fr::ZERO, Fr::ONE)))
        }
    })?;
    let signature = SignatureVar::new_witness(cs.clone(), || {
        if setup {
            Err(missing())
        } else {
            Ok(r.map(|r| r.signed.signature)
                .unwrap_or(Signature { r8: Point::new_unchecked(Fr::ZERO, Fr::ONE), s: Fr::ZERO }))
        }
    })?;
    verify_poseidon_gadget_if(&present, &message, &signature, &attester)?;
    let leaf = hash2(&attester.x, &attester.y)?;
    let index = r.map(|r| r.registry.index).unwrap_or(0);
    let bits = (0..REGISTRY_DEPTH)
        .map(|l| {
            Boolean::new_witness(
                cs.clone(),
                || if setup { Err(missing()) } else { Ok((index >> l) & 1 == 1) },
            )
        })
        .collect::<Result<Vec<_>, _>>()?;
    let empty = MerkleProof { index: 0, siblings: vec![Fr::ZERO; REGISTRY_DEPTH] };
    let proof = if setup { None } else { Some(r.map(|r| &r.registry).unwrap_or(&empty)) };
    let path = MerklePathVar::new_witness(cs.clone(), bits, proof, REGISTRY_DEPTH)?;
    path.root(&leaf)?.conditional_enforce_equal(registry_root, &present)?;
    // present ⇒ 0 ≤ epoch − report epoch ≤ max_report_age
    let age = FpVar::from(present.clone()) * (epoch - &report_epoch);
    enforce_bits(&age, 32)?;
    enforce_le(&age, &p.max_report_age, 32)?;
    let gate = FpVar::from(present.clone());
    Ok(ReportVars { present, values, message: &gate * message, leaf: gate * leaf })
}

fn bank_slot(
    cs: &ConstraintSystemRef<Fr>,
    p: &ParamsVars,
    epoch: &FpVar<Fr>,
    registry_root: &FpVar<Fr>,
    member: Option<&FundMember>,
    reports: Option<&[ReportWitness]>,
) -> Result<BankOut, SynthesisError> {
    let int = |f: &dyn Fn(&FundMember) -> u64, bits: usize| -> Result<FpVar<Fr>, SynthesisError> {
        let v = FpVar::new_witness(cs.clone(), || member.map(|m| Fr::from(f(m))).ok_or_else(missing))?;
        enforce_bits(&v, bits)?;
        Ok(v)
    };
    let pool = int(&|m| u64::from(m.pool), 32)?;
    let bioregion = int(&|m| u64::from(m.bioregion), 32)?;
    let lent_by_purpose = (0..N_PURPOSES)
        .map(|j| int(&|m| m.activity.lent_by_purpose[j], 64))
        .collect::<Result<Vec<_>, _>>()?;
    let repaid = int(&|m| m.activity.repaid, 64)?;
    let written_down = int(&|m| m.activity.written_down, 64)?;
    let balance = int(&|m| m.activity.pool_balance, 64)?;
    let receivable = int(&|m| m.activity.receivable, 64)?;
    let voted = int(&|m| u64::from(m.activity.voted), 32)?;
    let voters = int(&|m| u64::from(m.activity.voters), 32)?;

    // 1. the reports
    let slots = (0..MAX_REPORTS)
        .map(|k| {
            let r = reports.map(|rs| rs.get(k));
            report_slot(cs, p, epoch, registry_root, &bioregion, r)
        })
        .collect::<Result<Vec<_>, _>>()?;
    for a in 0..MAX_REPORTS {
        for b in a + 1..MAX_REPORTS {
            let both = &slots[a].present & &slots[b].present;
            slots[a].leaf.conditional_enforce_not_equal(&slots[b].leaf, &both)?;
        }
    }

    // 2. medians and 3. normalisation of the regional indicators
    let half = FpVar::constant(two_pow(62));
    let absent = FpVar::constant(two_pow(63) + Fr::ONE);
    let scale = constant(SCORE_SCALE);
    let mut regional_score = Vec::with_capacity(N_INDICATORS);
    let mut regional_need = Vec::with_capacity(N_INDICATORS);
    for (i, indicator) in INDICATORS.iter().enumerate() {
        let keys = slots
            .iter()
            .map(|s| select(&s.values[i].0, &s.values[i].1, &absent))
            .collect::<Result<Vec<_>, _>>()?;
        let (x0, x1) = sort2(&keys[0], &keys[1])?;
        let (x1, _) = sort2(&x1, &keys[2])?;
        let (x0, x1) = sort2(&x0, &x1)?;
        let count =
            linear_combination(slots.iter().map(|s| (Fr::ONE, FpVar::from(s.values[i].0.clone()))), Fr::ZERO);
        let take_middle = match indicator.direction {
            Direction::HigherIsBetter => count.is_eq(&constant(3))?,
            Direction::LowerIsBetter => &count.is_eq(&constant(3))? | &count.is_eq(&constant(2))?,
        };
        let median = select(&take_middle, &x1, &x0)? - &half;
        let present = count.is_neq(&FpVar::zero())?;
        let (worst, den) = &p.regional[i];
        let n = normalise(&median, worst, den, indicator.direction)?;
        regional_score.push(select(&present, &n, &FpVar::zero())?);
        regional_need.push(select(&present, &n, &scale)?);
    }

    // 3. the rollup indicators
    let lent = linear_combination(lent_by_purpose.iter().map(|v| (Fr::ONE, v.clone())), Fr::ZERO);
    let scale_f = Fr::from(SCALE as u64);
    // ratio(a, b): (⌊a·10⁴/b⌋ capped below 2⁶², present ⇔ b ≠ 0)
    let ratio =
        |a: &FpVar<Fr>, b: &FpVar<Fr>, b_bits: usize| -> Result<(Boolean<Fr>, FpVar<Fr>), SynthesisError> {
            let zero = b.is_zero()?;
            let b1 = b + FpVar::from(zero.clone());
            let q = div(&(a * scale_f), &b1, 96, b_bits)?;
            let cap = constant(MAX_VALUE_MAGNITUDE as u64 - 1);
            let le = is_le(&q, &cap, 96)?;
            Ok((!zero, select(&le, &q, &cap)?))
        };
    let lent_zero = lent.is_zero()?;
    let lent1 = &lent + FpVar::from(lent_zero.clone());
    let squares = lent_by_purpose
        .iter()
        .map(|v| {
            let share = div(&(v * scale_f), &lent1, 14, 67)?;
            Ok(&share * &share)
        })
        .collect::<Result<Vec<_>, SynthesisError>>()?;
    let squares = linear_combination(squares.into_iter().map(|s| (Fr::ONE, s)), Fr::ZERO);
    let diversity = FpVar::constant(scale_f) - div_const(&squares, SCALE as u64, 30)?;
    let flow = &lent + &repaid;
    // flow < 2⁶¹: it fills the top of the line L1 reads (the native table refuses more)
    enforce_bits(&flow, FLOW_BITS)?;
    let velocity = ratio(&flow, &(&balance + &receivable), 65)?;
    let writedowns = ratio(&written_down, &(&receivable + &written_down), 65)?;
    let participation = ratio(&voted, &voters, 32)?;
    let rollup_values = [(!lent_zero, diversity), velocity, writedowns, participation];
    let mut rollup_score = Vec::with_capacity(N_ROLLUP);
    for ((present, v), (indicator, (worst, den))) in
        rollup_values.iter().zip(ROLLUP_INDICATORS.iter().zip(&p.rollup))
    {
        let n = normalise(v, worst, den, indicator.direction)?;
        rollup_score.push(select(present, &n, &FpVar::zero())?);
    }

    // 4. components, score, need
    let (mut sums, mut counts) = (vec![Vec::new(); 5], [0u64; 5]);
    let (mut need_sums, mut need_counts) = (vec![Vec::new(); 5], [0u64; 5]);
    for (i, c) in REGIONAL_COMPONENT.iter().enumerate() {
        sums[c.index()].push(regional_score[i].clone());
        counts[c.index()] += 1;
        need_sums[c.index()].push(regional_need[i].clone());
        need_counts[c.index()] += 1;
    }
    for (i, r) in ROLLUP_INDICATORS.iter().enumerate() {
        sums[r.component.index()].push(rollup_score[i].clone());
        counts[r.component.index()] += 1;
    }
    let mut weighted = Vec::new();
    let mut need_weighted = Vec::new();
    let mut need_weights = 0u64;
    for c in COMPONENTS {
        let k = c.index();
        let sum = linear_combination(sums[k].iter().map(|v| (Fr::ONE, v.clone())), Fr::ZERO);
        let component = div_const(&sum, counts[k], 18)?;
        weighted.push((Fr::from(COMPONENT_WEIGHTS[k]), component));
        if need_counts[k] > 0 {
            let sum = linear_combination(need_sums[k].iter().map(|v| (Fr::ONE, v.clone())), Fr::ZERO);
            need_weighted.push((Fr::from(COMPONENT_WEIGHTS[k]), div_const(&sum, need_counts[k], 18)?));
            need_weights += COMPONENT_WEIGHTS[k];
        }
    }
    // The score is shown, not paid on; the table's hash publishes it, proven.
    let score = div_const(&linear_combination(weighted, Fr::ZERO), SCORE_SCALE, 28)?;
    let regional_health = div_const(&linear_combination(need_weighted, Fr::ZERO), need_weights, 28)?;
    let need = &scale - &regional_health;

    // 5. contribution, cap, weight
    let contribution = {
        let value = (|| {
            let b = num_bigint::BigUint::from(balance.value()?)
                * num_bigint::BigUint::from(p.contribution_bps.value()?);
            let bps = num_bigint::BigUint::from(BPS);
            Ok(Fr::from((b + &bps - 1u8) / bps))
        })();
        FpVar::new_witness(cs.clone(), || value)?
    };
    // 0 ≤ c·10⁴ − balance·bps < 10⁴
    let excess = &contribution * Fr::from(BPS) - &balance * &p.contribution_bps;
    enforce_bits(&excess, 14)?;
    enforce_le(&excess, &constant(BPS - 1), 14)?;
    let assets = &balance + &receivable;
    let cap = div(&(&assets * &p.grant_cap_bps), &constant(BPS), 64, 14)?;
    let weight = &need * &flow;

    let mut line = vec![pool, bioregion];
    line.extend(lent_by_purpose);
    line.extend([
        repaid,
        written_down,
        balance,
        receivable,
        voted,
        voters,
        score,
        need.clone(),
        contribution.clone(),
    ]);
    let grant_index = line.len();
    line.push(FpVar::zero()); // the grant, filled in by the epoch
    for s in slots {
        line.extend([s.message, s.leaf]);
    }
    Ok(BankOut { line, flow, contribution, cap, weight, grant_index })
}

impl ConstraintSynthesizer<Fr> for EpochCircuit {
    fn generate_constraints(self, cs: ConstraintSystemRef<Fr>) -> Result<(), SynthesisError> {
        if self.banks == 0 {
            return Err(SynthesisError::Unsatisfiable);
        }
        let w = self.witness.as_ref();
        if w.is_some_and(|w| w.members.len() != self.banks || w.reports.len() != self.banks) {
            return Err(SynthesisError::Unsatisfiable);
        }
        if w.is_some_and(|w| w.reports.iter().any(|r| r.len() > MAX_REPORTS)) {
            return Err(SynthesisError::Unsatisfiable);
        }
        let values = self.statement.as_ref().map(EpochStatement::public_inputs);
        let public = (0..EpochStatement::N_PUBLIC)
            .map(|i| FpVar::new_input(cs.clone(), || values.as_ref().map(|v| v[i]).ok_or_else(missing)))
            .collect::<Result<Vec<_>, _>>()?;
        let [epoch, registry_root, params_hash, fund_before, fund_after, table_hash] =
            <[FpVar<Fr>; EpochStatement::N_PUBLIC]>::try_from(public)
                .unwrap_or_else(|_| unreachable!("N_PUBLIC inputs were allocated"));
        enforce_bits(&epoch, 32)?;
        enforce_bits(&fund_before, 64)?;
        enforce_bits(&fund_after, 64)?;
        let p = params_vars(&cs, w, &params_hash)?;

        let mut banks = (0..self.banks)
            .map(|b| {
                bank_slot(
                    &cs,
                    &p,
                    &epoch,
                    &registry_root,
                    w.map(|w| &w.members[b]),
                    w.map(|w| w.reports[b].as_slice()),
                )
            })
            .collect::<Result<Vec<_>, _>>()?;

        // the fund
        let collected = linear_combination(banks.iter().map(|b| (Fr::ONE, b.contribution.clone())), Fr::ZERO);
        // the native table's totals are 64-bit (else it lapses)
        enforce_bits(&collected, 64)?;
        let available = &fund_before + &collected;
        let distributable = div(&(&available * &p.payout_bps), &constant(BPS), 64, 14)?;
        let total = linear_combination(banks.iter().map(|b| (Fr::ONE, b.weight.clone())), Fr::ZERO);
        let none = total.is_zero()?;
        let total1 = &total + FpVar::from(none);
        let mut grants = Vec::with_capacity(self.banks);
        for b in &mut banks {
            let pro_rata = div(&(&distributable * &b.weight), &total1, 72, 100)?;
            let le = is_le(&pro_rata, &b.cap, 72)?;
            let grant = select(&le, &pro_rata, &b.cap)?;
            b.line[b.grant_index] = grant.clone();
            grants.push(grant);
        }
        let granted = linear_combination(grants.into_iter().map(|g| (Fr::ONE, g)), Fr::ZERO);
        enforce_bits(&granted, 64)?;
        // conservation: fund_after = fund_before + Σ contributions − Σ grants
        (&available - &granted).enforce_equal(&fund_after)?;

        // each line as L1 reads it: pool + contribution·2³² + grant·2⁹⁶ + bioregion·2¹⁶⁰ +
        // flow·2¹⁹² (each part range-checked above: pool and bioregion 32 bits, contribution and
        // grant 64, flow 61, so the packing is below 2²⁵³ < r and injective)
        for (b, bank) in banks.iter().enumerate() {
            let i = EpochStatement::N_PUBLIC + b;
            let input = FpVar::new_input(cs.clone(), || {
                values.as_ref().and_then(|v| v.get(i).copied()).ok_or_else(missing)
            })?;
            let packed = &bank.line[0]
                + &bank.contribution * Fr::from(1u64 << 32)
                + &bank.line[bank.grant_index] * Fr::from(1u128 << 96)
                + &bank.line[1] * (Fr::from(1u128 << 96) * Fr::from(1u128 << 64))
                + &bank.flow * (Fr::from(1u128 << 96) * Fr::from(1u128 << 96));
            packed.enforce_equal(&input)?;
        }

        let mut elements = vec![epoch];
        for b in banks {
            elements.extend(b.line);
        }
        chain(FpVar::constant(domain(TABLE_DOMAIN)), &elements)?.enforce_equal(&table_hash)
    }
}

/// What the prover needs for an epoch, from the native inputs: the table (or why it lapses),
/// the statement and the witness over `banks` slots (members padded with
/// [`super::fund::padding`]).
///
/// # Errors
///
/// [`super::fund::FundError`] as [`FundParams::table`]; [`super::fund::FundError::TooManyBanks`]
/// when the members do not fit the slots.
#[allow(clippy::too_many_arguments)]
pub fn epoch_inputs(
    health: &HealthParams,
    fund: &FundParams,
    registry: &super::HealthAttesterRegistry,
    epoch: u32,
    fund_before: u64,
    members: &[FundMember],
    reports: &[SignedReport],
    banks: usize,
) -> Result<(EpochTable, EpochStatement, EpochWitness), super::fund::FundError> {
    if members.len() > banks {
        return Err(super::fund::FundError::TooManyBanks { members: members.len(), slots: banks });
    }
    let mut padded = members.to_vec();
    padded.extend((0..(banks - members.len()) as u32).map(super::fund::padding));
    let table = fund.table(health, registry, epoch, fund_before, &padded, reports)?;
    let counted = super::fund::counted_reports(fund, registry, epoch, reports)?;
    let witnesses = padded
        .iter()
        .map(|m| {
            counted
                .get(&m.bioregion)
                .into_iter()
                .flatten()
                .map(|r| {
                    let index =
                        registry.index_of(&r.attester).expect("a counted report's attester is registered");
                    ReportWitness {
                        signed: (*r).clone(),
                        registry: registry.proof(index).expect("an index of the registry"),
                    }
                })
                .collect()
        })
        .collect();
    let statement = EpochCircuit::statement(&table, registry.root(), health, fund);
    Ok((table, statement, EpochWitness { health: *health, fund: *fund, members: padded, reports: witnesses }))
}
