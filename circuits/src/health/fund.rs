//! The solidarity fund's epoch table, native specification (issue 11, item 4): what each
//! member bank pays into the fund and receives from it at an epoch's end.
//!
//! 1. **Reports.** Only reports whose signature verifies, whose attester is in the network's
//!    [`HealthAttesterRegistry`], that are fresh (for this epoch or at most
//!    [`FundParams::max_report_age`] epochs older) and at most one per attester and bioregion
//!    count; per bioregion the [`medians`] of them ([`MAX_REPORTS`] at most).
//! 2. **Contribution**: `⌈balance × contribution_bps / 10⁴⌉` of the pool's *free* balance,
//!    never of its receivables.
//! 3. **Weight**: `need × flow`, with `need` from the bioregion's data ([`need`]: the poorer the
//!    region, the larger; missing data counts as no need) and `flow` the bank's credit out and
//!    repayments in over the epoch ([`BankActivity::flow`]: effort on the rollup, and only flows
//!    that cost something, never member transfers).
//! 4. **Grant**: of the distributable `⌊(fund + Σ contributions) × payout_bps / 10⁴⌋`, the
//!    bank's weighted share, floored, and **capped** at `⌊(balance + receivable) ×
//!    grant_cap_bps / 10⁴⌋`: whatever attesters sign, no grant exceeds that share of the bank's
//!    money (and the contribution does not read their data at all). What caps hold back
//!    stays in the fund.
//! 5. **Conservation**: `fund_after = fund + Σ contributions − Σ grants`.
//!
//! **Splitting a bank gains nothing.** Halves of a bank share its bioregion, so their need is
//! the bank's; flows, balances and receivables add up, so the total weight is unchanged; a
//! contribution rounds up (two halves pay at least what the whole pays) and a grant is a
//! minimum of two additive bounds, rounded down (two halves receive at most what the whole
//! receives). A property test checks it on random tables.

use std::collections::{BTreeMap, BTreeSet};

use num_bigint::BigUint;
use serde::{Deserialize, Serialize};

use super::score::{need, BankActivity, HealthParams, HealthScore};
use super::{medians, HealthAttesterRegistry, ReportError, SignedReport, N_INDICATORS};
use crate::credit::{attester_leaf, chain};
use crate::Fr;

/// Basis points: 10 000 is the whole.
pub const BPS: u64 = 10_000;

/// The largest share of a pool's free balance one epoch may take, and of a bank's money one
/// grant may give (20 %): governance moves the parameters below it, never past.
pub const MAX_SHARE_BPS: u16 = 2_000;

/// Reports counted per bioregion and epoch (the circuit's report slots per bank).
pub const MAX_REPORTS: usize = 3;

/// The fund's parameters, set by governance (a network poll).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FundParams {
    /// Share of each member pool's free balance paid in per epoch, basis points.
    pub contribution_bps: u16,
    /// Share of the fund (after the epoch's contributions) granted per epoch, basis points.
    pub payout_bps: u16,
    /// A grant's cap: this share of the bank's balance plus receivable, basis points.
    pub grant_cap_bps: u16,
    /// Reports of epochs `epoch − max_report_age ..= epoch` count.
    pub max_report_age: u32,
}

impl Default for FundParams {
    /// 2 % of free balances in, the whole fund out (less what caps hold back), a grant at most
    /// 5 % of a bank's money, reports up to 12 epochs (a year) old.
    fn default() -> Self {
        Self { contribution_bps: 200, payout_bps: 10_000, grant_cap_bps: 500, max_report_age: 12 }
    }
}

/// Why an epoch's table cannot be computed (the redistribution then lapses: nothing moves).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum FundError {
    /// A share above [`MAX_SHARE_BPS`] (or a payout above the whole).
    #[error("fund parameter {name} = {value} bps is above its limit {max}")]
    Share {
        /// The parameter.
        name: &'static str,
        /// Its value.
        value: u16,
        /// Its limit.
        max: u16,
    },
    /// Health parameters whose bounds do not run their indicators' way.
    #[error(transparent)]
    Params(#[from] super::score::ParamsError),
    /// A report that does not verify.
    #[error("report {index}: {source}")]
    Report {
        /// Its position.
        index: usize,
        /// Why.
        source: ReportError,
    },
    /// A report signed by a key outside the registry.
    #[error("report {index}: attester ({x}) is not in the health attester registry")]
    Unregistered {
        /// Its position.
        index: usize,
        /// The attester key's x coordinate.
        x: String,
    },
    /// A report for another epoch than this one or the [`FundParams::max_report_age`] before.
    #[error("report {index} is for epoch {report_epoch}: epoch {epoch} counts epochs {oldest}..={epoch}")]
    Stale {
        /// Its position.
        index: usize,
        /// Its epoch.
        report_epoch: u32,
        /// The table's epoch.
        epoch: u32,
        /// The oldest epoch that counts.
        oldest: u32,
    },
    /// A second report of one attester for one bioregion.
    #[error("report {index}: a second report of the same attester for bioregion {bioregion}")]
    Duplicate {
        /// Its position.
        index: usize,
        /// The bioregion.
        bioregion: u32,
    },
    /// More than [`MAX_REPORTS`] reports for a bioregion.
    #[error("bioregion {bioregion} has more than {MAX_REPORTS} reports")]
    TooManyReports {
        /// The bioregion.
        bioregion: u32,
    },
    /// The fund would pass 2⁶⁴ − 1 (balances are 64-bit, as every rollup balance).
    #[error("the fund's balance would pass 2^64 - 1")]
    Overflow,
    /// More members than the circuit has bank slots.
    #[error("{members} member banks do not fit the circuit's {slots} bank slots")]
    TooManyBanks {
        /// Members.
        members: usize,
        /// Slots.
        slots: usize,
    },
    /// A pool listed twice.
    #[error("pool {0} is listed twice")]
    BankTwice(u32),
    /// A flow (credit out and repayments in) of 2⁶¹ or more: it does not fit its line.
    #[error("bank {pool}'s flow {flow} does not fit the line's 61 bits")]
    FlowTooLarge {
        /// The bank.
        pool: u32,
        /// Its flow.
        flow: u128,
    },
}

/// A member bank of the fund for the epoch.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FundMember {
    /// Its pool account's index.
    pub pool: u32,
    /// Its bioregion.
    pub bioregion: u32,
    /// Its epoch on the rollup (the pool's balance and receivable at the epoch's end).
    pub activity: BankActivity,
}

/// One bank's line of the table.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BankLine {
    /// The pool account.
    pub pool: u32,
    /// Its bioregion.
    pub bioregion: u32,
    /// Its epoch on the rollup, as the table states it.
    pub activity: BankActivity,
    /// Its health score (shown; the grant reads `need` and the flow).
    pub health: HealthScore,
    /// `SCORE_SCALE − regional health`.
    pub need: u64,
    /// `need × flow`.
    pub weight: u128,
    /// Paid into the fund.
    pub contribution: u64,
    /// The grant's cap.
    pub cap: u64,
    /// Received from the fund.
    pub grant: u64,
}

impl BankLine {
    /// The pool's balance change: `grant − contribution`.
    pub fn net(&self) -> i128 {
        i128::from(self.grant) - i128::from(self.contribution)
    }

    /// The bank's flow ([`BankActivity::flow`]), as its line carries it: below 2^61 in a table
    /// ([`FundParams::table`] refuses more).
    pub fn flow(&self) -> u64 {
        u64::try_from(self.activity.flow()).expect("a table's flows are below 2^61")
    }
}

/// The epoch's table: what a proof states and L1 authorises.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EpochTable {
    /// The epoch.
    pub epoch: u32,
    /// The fund's balance before.
    pub fund_before: u64,
    /// `Σ contributions`.
    pub collected: u64,
    /// What the epoch may grant.
    pub distributable: u64,
    /// `Σ grants`.
    pub granted: u64,
    /// `fund_before + collected − granted`.
    pub fund_after: u64,
    /// Per bioregion, the medians the scores read.
    pub medians: BTreeMap<u32, [Option<i64>; N_INDICATORS]>,
    /// One line per member bank, in the members' order.
    pub lines: Vec<BankLine>,
    /// Per bioregion, the reports counted, in order: `(message, attester leaf)`.
    #[serde(skip)]
    pub reports: BTreeMap<u32, Vec<(Fr, Fr)>>,
}

impl EpochTable {
    /// The table of a lapsed epoch: nothing moves.
    pub fn lapsed(epoch: u32, fund: u64) -> Self {
        Self {
            epoch,
            fund_before: fund,
            collected: 0,
            distributable: 0,
            granted: 0,
            fund_after: fund,
            medians: BTreeMap::new(),
            lines: Vec::new(),
            reports: BTreeMap::new(),
        }
    }

    /// Whether the table conserves money: `fund_before + Σ contributions = fund_after +
    /// Σ grants`, and its totals are its lines' sums.
    pub fn conserves(&self) -> bool {
        let collected: u128 = self.lines.iter().map(|l| u128::from(l.contribution)).sum();
        let granted: u128 = self.lines.iter().map(|l| u128::from(l.grant)).sum();
        collected == u128::from(self.collected)
            && granted == u128::from(self.granted)
            && u128::from(self.fund_before) + collected == u128::from(self.fund_after) + granted
    }
}

fn share(value: u128, bps: u16) -> u128 {
    value * u128::from(bps)
}

/// The reports that count for `epoch`, grouped by bioregion: verified, registered, fresh, one
/// per attester.
///
/// # Errors
///
/// [`FundError::Report`], [`FundError::Unregistered`], [`FundError::Stale`],
/// [`FundError::Duplicate`], [`FundError::TooManyReports`].
pub fn counted_reports<'a>(
    params: &FundParams,
    registry: &HealthAttesterRegistry,
    epoch: u32,
    reports: &'a [SignedReport],
) -> Result<BTreeMap<u32, Vec<&'a SignedReport>>, FundError> {
    let oldest = epoch.saturating_sub(params.max_report_age);
    // An attester is its registry leaf `Poseidon(A.x, A.y)`, as in the circuit.
    let mut seen: BTreeSet<(u32, Fr)> = BTreeSet::new();
    let mut by_region: BTreeMap<u32, Vec<&SignedReport>> = BTreeMap::new();
    for (index, r) in reports.iter().enumerate() {
        r.verify().map_err(|source| FundError::Report { index, source })?;
        if registry.index_of(&r.attester).is_none() {
            return Err(FundError::Unregistered { index, x: r.attester.x.to_string() });
        }
        let report_epoch = r.report.epoch;
        if report_epoch > epoch || report_epoch < oldest {
            return Err(FundError::Stale { index, report_epoch, epoch, oldest });
        }
        let bioregion = r.report.bioregion;
        if !seen.insert((bioregion, attester_leaf(&r.attester))) {
            return Err(FundError::Duplicate { index, bioregion });
        }
        let region = by_region.entry(bioregion).or_default();
        region.push(r);
        if region.len() > MAX_REPORTS {
            return Err(FundError::TooManyReports { bioregion });
        }
    }
    Ok(by_region)
}

impl FundParams {
    /// Checks the shares are within their limits.
    ///
    /// # Errors
    ///
    /// [`FundError::Share`].
    pub fn check(&self) -> Result<(), FundError> {
        let limits = [
            ("contribution_bps", self.contribution_bps, MAX_SHARE_BPS),
            ("grant_cap_bps", self.grant_cap_bps, MAX_SHARE_BPS),
            ("payout_bps", self.payout_bps, BPS as u16),
        ];
        for (name, value, max) in limits {
            if value > max {
                return Err(FundError::Share { name, value, max });
            }
        }
        Ok(())
    }

    /// The epoch's table: every member's health, contribution and grant, from the fund's
    /// balance, the members' epochs and the reports of their bioregions.
    ///
    /// # Errors
    ///
    /// [`FundError`]: the redistribution lapses for the epoch.
    pub fn table(
        &self,
        health: &HealthParams,
        registry: &HealthAttesterRegistry,
        epoch: u32,
        fund_before: u64,
        members: &[FundMember],
        reports: &[SignedReport],
    ) -> Result<EpochTable, FundError> {
        self.check()?;
        health.check()?;
        let mut pools = BTreeSet::new();
        for m in members {
            if !pools.insert(m.pool) {
                return Err(FundError::BankTwice(m.pool));
            }
            let flow = m.activity.flow();
            if flow >> FLOW_BITS != 0 {
                return Err(FundError::FlowTooLarge { pool: m.pool, flow });
            }
        }
        let counted = counted_reports(self, registry, epoch, reports)?;
        let region_medians: BTreeMap<u32, [Option<i64>; N_INDICATORS]> = members
            .iter()
            .map(|m| {
                let reports: Vec<_> =
                    counted.get(&m.bioregion).into_iter().flatten().map(|r| &r.report).collect();
                (m.bioregion, medians(&reports))
            })
            .collect();

        let mut lines: Vec<BankLine> = members
            .iter()
            .map(|m| {
                let regional = &region_medians[&m.bioregion];
                let a = &m.activity;
                let need = need(health, regional);
                let balance = u128::from(a.pool_balance);
                let contribution = share(balance, self.contribution_bps).div_ceil(u128::from(BPS));
                let assets = balance + u128::from(a.receivable);
                BankLine {
                    pool: m.pool,
                    bioregion: m.bioregion,
                    activity: *a,
                    health: health.score(regional, a),
                    need,
                    weight: u128::from(need) * a.flow(),
                    contribution: contribution as u64,
                    cap: u64::try_from(share(assets, self.grant_cap_bps) / u128::from(BPS))
                        .unwrap_or(u64::MAX),
                    grant: 0,
                }
            })
            .collect();

        let collected: u128 = lines.iter().map(|l| u128::from(l.contribution)).sum();
        let available = u128::from(fund_before) + collected;
        let distributable = share(available, self.payout_bps) / u128::from(BPS);
        let total_weight: BigUint = lines.iter().map(|l| BigUint::from(l.weight)).sum();
        if total_weight > BigUint::from(0u8) {
            for l in &mut lines {
                // ⌊distributable × weight / Σ weight⌋ < distributable: fits u64 as it does.
                let pro_rata = BigUint::from(distributable) * BigUint::from(l.weight) / &total_weight;
                let pro_rata = u64::try_from(pro_rata).expect("a share of the distributable");
                l.grant = pro_rata.min(l.cap);
            }
        }
        let granted: u128 = lines.iter().map(|l| u128::from(l.grant)).sum();
        let fund_after = available - granted;
        let to_u64 = |v: u128| u64::try_from(v).map_err(|_| FundError::Overflow);
        Ok(EpochTable {
            epoch,
            fund_before,
            collected: to_u64(collected)?,
            distributable: to_u64(distributable)?,
            granted: to_u64(granted)?,
            fund_after: to_u64(fund_after)?,
            medians: region_medians,
            lines,
            reports: counted
                .iter()
                .map(|(&region, rs)| {
                    (region, rs.iter().map(|r| (r.report.message(), attester_leaf(&r.attester))).collect())
                })
                .collect(),
        })
    }
}

/// The domain tag of a table's hash.
pub const TABLE_DOMAIN: &str = "ccr.health.table.v1";

/// The domain tag of the parameters' hash.
pub const PARAMS_DOMAIN: &str = "ccr.health.params.v1";

/// `tag`'s ASCII bytes as a big-endian integer (below the modulus for tags under 31 bytes).
pub fn domain(tag: &str) -> Fr {
    tag.bytes().fold(Fr::from(0u64), |acc, b| acc * Fr::from(256u64) + Fr::from(u64::from(b)))
}

/// `v` as a field element, negatives as `r − |v|`.
fn signed(v: i64) -> Fr {
    Fr::from(v)
}

/// The parameters a table is computed under, as the circuit hashes them: each bound pair
/// (regional, then rollup; worst then best), then the fund's shares and report age.
pub fn params_elements(health: &HealthParams, fund: &FundParams) -> Vec<Fr> {
    let mut out: Vec<Fr> = health
        .regional
        .iter()
        .chain(health.rollup.iter())
        .flat_map(|b| [signed(b.worst), signed(b.best)])
        .collect();
    out.extend([
        Fr::from(u64::from(fund.contribution_bps)),
        Fr::from(u64::from(fund.payout_bps)),
        Fr::from(u64::from(fund.grant_cap_bps)),
        Fr::from(u64::from(fund.max_report_age)),
    ]);
    out
}

/// [`chain`] from [`PARAMS_DOMAIN`] over [`params_elements`]: what L1 holds as the network's
/// health parameters.
pub fn params_hash(health: &HealthParams, fund: &FundParams) -> Fr {
    chain(domain(PARAMS_DOMAIN), &params_elements(health, fund))
}

/// Elements per line in the table's hash.
pub const LINE_ELEMENTS: usize = 17 + 2 * MAX_REPORTS;

impl EpochTable {
    /// A line's elements in the table's hash: pool, bioregion, the activity (lent by purpose,
    /// repaid, written down, balance, receivable, voted, voters), score, need, contribution,
    /// grant, then per
    /// report slot of its bioregion the report's message and its attester's leaf (0 and 0 for
    /// an empty slot).
    pub fn line_elements(&self, line: &BankLine) -> Vec<Fr> {
        let a = &line.activity;
        let mut out = vec![Fr::from(u64::from(line.pool)), Fr::from(u64::from(line.bioregion))];
        out.extend(a.lent_by_purpose.iter().map(|&v| Fr::from(v)));
        out.extend([
            Fr::from(a.repaid),
            Fr::from(a.written_down),
            Fr::from(a.pool_balance),
            Fr::from(a.receivable),
            Fr::from(u64::from(a.voted)),
            Fr::from(u64::from(a.voters)),
            Fr::from(line.health.score),
            Fr::from(line.need),
            Fr::from(line.contribution),
            Fr::from(line.grant),
        ]);
        let slots = self.reports.get(&line.bioregion).map(Vec::as_slice).unwrap_or_default();
        for k in 0..MAX_REPORTS {
            let (message, leaf) = slots.get(k).copied().unwrap_or_default();
            out.extend([message, leaf]);
        }
        out
    }

    /// The table's hash, the circuit's public `table_hash`: [`chain`] from [`TABLE_DOMAIN`] over
    /// the epoch and every line's [`Self::line_elements`]. It commits to the reports each
    /// bank's need read, so whoever holds a report left out can show it.
    pub fn hash(&self) -> Fr {
        let mut elements = vec![Fr::from(u64::from(self.epoch))];
        for line in &self.lines {
            elements.extend(self.line_elements(line));
        }
        chain(domain(TABLE_DOMAIN), &elements)
    }
}

/// The `i`-th padding member of a circuit with more bank slots than banks: a pool index no
/// tree holds (`u32::MAX − i`), a bioregion with no reports, no activity; it pays and
/// receives nothing, and L1 skips its line.
pub fn padding(i: u32) -> FundMember {
    FundMember { pool: u32::MAX - i, bioregion: u32::MAX, activity: BankActivity::default() }
}

// ---------------------------------------------------------------- the table's moves

/// Bits of a bank's flow in one epoch ([`BankActivity::flow`]): below 2⁶¹, so that it fills
/// the top of its line (a table with a larger flow lapses, [`FundError::FlowTooLarge`]).
pub const FLOW_BITS: usize = 61;

/// A line as L1 reads it, one public input of the epoch proof per bank slot:
/// `pool + contribution·2³² + grant·2⁹⁶ + bioregion·2¹⁶⁰ + flow·2¹⁹²` (below 2²⁵³, under the
/// field's modulus: an injective packing). L1 checks the pool and its bioregion against the
/// fund's members and the flow against the rollup's (`Rollup.flowOf`), and queues the moves
/// from the contribution and the grant.
pub fn pack_line(pool: u32, contribution: u64, grant: u64, bioregion: u32, flow: u64) -> Fr {
    let low = u128::from(pool) | u128::from(contribution) << 32;
    let high = u128::from(grant) | u128::from(bioregion) << 64;
    Fr::from(low) + (Fr::from(high) + Fr::from(flow) * Fr::from(1u128 << 96)) * Fr::from(1u128 << 96)
}

impl EpochTable {
    /// Every line's [`pack_line`], in the lines' order: the epoch proof's public inputs after
    /// the fixed six, from which `SolidarityFund.settleEpoch` queues the moves.
    pub fn packed_lines(&self) -> Vec<Fr> {
        self.lines.iter().map(|l| pack_line(l.pool, l.contribution, l.grant, l.bioregion, l.flow())).collect()
    }

    /// The rollup moves that carry the table out, in the order L1 queues them and the
    /// batches must take them ([`moves`]).
    pub fn moves(&self, fund_account: u32) -> Vec<crate::state::tx::FundMove> {
        moves(self.lines.iter().map(|l| (l.pool, l.contribution, l.grant)), fund_account)
    }
}

/// The rollup moves of a table's lines `(pool, contribution, grant)`, as
/// `SolidarityFund.settleEpoch` queues them: each bank's **net** (`grant − contribution`), so a
/// bank moves once; first every bank that pays in (pool → the fund's account), in line order,
/// then every bank that receives (fund → pool), so the fund's account always holds what the
/// grants take once every contribution is in. A bank whose net is 0 (padding lines too) moves
/// nothing. A net without an exact [`Float40`](crate::state::amount::Float40) encoding moves
/// in two parts ([`float40_parts`]).
pub fn moves(
    lines: impl IntoIterator<Item = (u32, u64, u64)>,
    fund_account: u32,
) -> Vec<crate::state::tx::FundMove> {
    use crate::state::tx::FundMove;
    let lines: Vec<_> = lines.into_iter().collect();
    let mut out = Vec::new();
    for &(pool, contribution, grant) in &lines {
        if contribution > grant {
            for amount in float40_parts(contribution - grant) {
                out.push(FundMove { from: pool, to: fund_account, amount });
            }
        }
    }
    for &(pool, contribution, grant) in &lines {
        if grant > contribution {
            for amount in float40_parts(grant - contribution) {
                out.push(FundMove { from: fund_account, to: pool, amount });
            }
        }
    }
    out
}

/// `amount` as at most two amounts with exact `Float40` encodings, summing to it: itself when
/// exact; else, with `e` the least exponent that brings `amount / 10^e` below 2³⁵, the high
/// part `⌊amount / 10^e⌋·10^e` and the rest (below `10^e ≤ 10⁹ < 2³⁵`). Empty for 0.
pub fn float40_parts(amount: u64) -> Vec<u64> {
    use crate::state::amount::{Float40, MANTISSA_BITS};
    if amount == 0 {
        return Vec::new();
    }
    if Float40::encode(amount).is_ok() {
        return vec![amount];
    }
    let mut scale = 1u64;
    while amount / scale >= 1 << MANTISSA_BITS {
        scale *= 10;
    }
    let high = amount / scale * scale;
    vec![high, amount - high]
}

/// What one fund move may take from an account, at most, as a divisor of its balance: a
/// member's pool pays no more than `⌈balance / 5⌉` per move, [`MAX_SHARE_BPS`] of it, whatever
/// the table says (only the fund's own account pays out its whole balance). The batch circuit
/// enforces it, so a table that overstates a pool's balance still moves no more than this share
/// of what the pool holds.
pub const FUND_MOVE_DIVISOR: u64 = BPS / MAX_SHARE_BPS as u64;
const _: () = assert!(FUND_MOVE_DIVISOR * MAX_SHARE_BPS as u64 == BPS);

/// The most a fund move may take from `payer`: its whole balance if it is the fund's own
/// account (its key is [`fund_account_key`]), otherwise `⌈balance / FUND_MOVE_DIVISOR⌉`, the
/// ceiling so that a contribution of [`MAX_SHARE_BPS`] (rounded up, as the table rounds it)
/// passes. A move above it is a shortfall: nothing moves.
pub fn fund_move_limit(payer: &crate::state::Account) -> u64 {
    if payer.pubkey == *fund_key() {
        payer.balance
    } else {
        payer.balance.div_ceil(FUND_MOVE_DIVISOR)
    }
}

/// [`fund_account_key`], computed once.
pub(crate) fn fund_key() -> &'static crate::babyjubjub::Point {
    static KEY: std::sync::OnceLock<crate::babyjubjub::Point> = std::sync::OnceLock::new();
    KEY.get_or_init(fund_account_key)
}

/// Domain of [`fund_account_key`].
pub const FUND_KEY_DOMAIN: &str = "ccr.solidarity-fund.account.v1";

/// The key of the fund's rollup account: a point of the prime-order subgroup that nobody
/// knows the discrete logarithm of, so nobody can sign for the account and its money moves
/// only by fund slots that L1 authorises. Nothing up the sleeve: for `i = 0, 1, …`, `y =
/// Poseidon([domain(FUND_KEY_DOMAIN), i])`, the first `y` on the curve ([`unpack_point`]'s
/// root, `x ≤ (p − 1)/2`), times the cofactor 8. `SolidarityFund.sol`'s constructor opens
/// the account with this key (its constants are pinned against this function by a test).
///
/// [`unpack_point`]: crate::babyjubjub::unpack_point
pub fn fund_account_key() -> crate::babyjubjub::Point {
    use ark_ec::{AffineRepr, CurveGroup};
    use ark_ff::{BigInteger, PrimeField};
    let tag = domain(FUND_KEY_DOMAIN);
    for i in 0u64.. {
        let y = crate::poseidon::hash_n(&[tag, Fr::from(i)]);
        let mut bytes = [0u8; 32];
        bytes.copy_from_slice(&y.into_bigint().to_bytes_le());
        let Ok(p) = crate::babyjubjub::unpack_point(&bytes) else { continue };
        let q = p.mul_by_cofactor_to_group().into_affine();
        if !q.is_zero() && q.is_in_correct_subgroup_assuming_on_curve() {
            return q;
        }
    }
    unreachable!("about half of all y are on the curve")
}
