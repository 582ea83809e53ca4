//! The health score, native specification (issue 11, item 1): the seeds' five components,
//! each from measurable indicators normalised against **frozen bounds**, in fixed point.
//!
//! - **Indicators.** The eight bioregional ones of [`INDICATORS`] (medians of signed reports)
//!   and four of the bank's own activity that L1 already sees ([`ROLLUP_INDICATORS`], from
//!   [`BankActivity`]): how evenly its credit spreads over the five purposes, its credit
//!   velocity, its writedown rate, and the participation in its polls.
//! - **Normalisation** against [`Bounds`] frozen in the network's [`HealthParams`]: a value at
//!   the `worst` bound scores 0, at the `best` bound [`SCORE_SCALE`] (1.0), linearly between,
//!   clamped outside. The bounds are parameters, not the minimum and maximum of whoever is in
//!   the data, so one region's data never moves another bank's score (the SDG Index's method,
//!   not the Better Life Index's min–max).
//! - **Components** ([`Component`]): each the mean of its indicators' normalised values; the
//!   score is `Σ weight × component` with the seeds' weights ([`COMPONENT_WEIGHTS`]). Every
//!   step floors, every number is an integer: nothing proven is a float.
//! - **Missing data never raises anything**: a missing indicator scores 0 in the health score,
//!   and counts as no need at all in [`need`] (which raises a grant the lower regional health
//!   is).

use serde::{Deserialize, Serialize};

use super::{Direction, INDICATORS, MAX_VALUE_MAGNITUDE, N_INDICATORS, SCALE};
use crate::credit::N_PURPOSES;

/// Fixed-point scale of normalised values, components and scores: 10 000 is 1.0 (a score of
/// 100 on the seeds' 0–100 scale).
pub const SCORE_SCALE: u64 = 10_000;

/// The seeds' five components of community health.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Component {
    /// Economic diversity: work in the region, and credit spread over every purpose.
    EconomicDiversity,
    /// Resource circulation: credit that moves and comes back.
    ResourceCirculation,
    /// Cooperative participation: members who vote, people who can count on others.
    CooperativeParticipation,
    /// Ecological footprint: emissions, air, water.
    EcologicalFootprint,
    /// Knowledge sharing: education and skills.
    KnowledgeSharing,
}

/// The components in score order.
pub const COMPONENTS: [Component; 5] = [
    Component::EconomicDiversity,
    Component::ResourceCirculation,
    Component::CooperativeParticipation,
    Component::EcologicalFootprint,
    Component::KnowledgeSharing,
];

/// The seeds' weights (0.20, 0.25, 0.20, 0.20, 0.15) over [`SCORE_SCALE`], in
/// [`COMPONENTS`]' order; they sum to [`SCORE_SCALE`].
pub const COMPONENT_WEIGHTS: [u64; 5] = [2_000, 2_500, 2_000, 2_000, 1_500];

impl Component {
    /// Position in [`COMPONENTS`].
    pub fn index(self) -> usize {
        self as usize
    }

    /// Its weight (of [`SCORE_SCALE`]).
    pub fn weight(self) -> u64 {
        COMPONENT_WEIGHTS[self.index()]
    }

    /// Its name in JSON and metric labels.
    pub fn name(self) -> &'static str {
        match self {
            Self::EconomicDiversity => "economic_diversity",
            Self::ResourceCirculation => "resource_circulation",
            Self::CooperativeParticipation => "cooperative_participation",
            Self::EcologicalFootprint => "ecological_footprint",
            Self::KnowledgeSharing => "knowledge_sharing",
        }
    }
}

/// The component each bioregional indicator of [`INDICATORS`] belongs to, in their order.
pub const REGIONAL_COMPONENT: [Component; N_INDICATORS] = [
    Component::EconomicDiversity,        // employment rate
    Component::EconomicDiversity,        // long-term unemployment rate
    Component::EcologicalFootprint,      // CO₂ emissions per capita
    Component::EcologicalFootprint,      // air pollution (PM2.5)
    Component::EcologicalFootprint,      // water quality
    Component::KnowledgeSharing,         // educational attainment
    Component::KnowledgeSharing,         // student skills
    Component::CooperativeParticipation, // quality of support network
];

/// An indicator of the bank's own activity on the rollup.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RollupIndicator {
    /// Short name.
    pub name: &'static str,
    /// Direction.
    pub direction: Direction,
    /// Its component.
    pub component: Component,
}

/// The rollup indicators, in [`BankActivity::indicators`]' order. Each is a ratio scaled by
/// [`SCALE`] like the bioregional values (1.0 is 10 000).
pub const ROLLUP_INDICATORS: [RollupIndicator; 4] = [
    RollupIndicator {
        name: "Credit purpose diversity",
        direction: Direction::HigherIsBetter,
        component: Component::EconomicDiversity,
    },
    RollupIndicator {
        name: "Credit velocity",
        direction: Direction::HigherIsBetter,
        component: Component::ResourceCirculation,
    },
    RollupIndicator {
        name: "Writedown rate",
        direction: Direction::LowerIsBetter,
        component: Component::ResourceCirculation,
    },
    RollupIndicator {
        name: "Vote participation",
        direction: Direction::HigherIsBetter,
        component: Component::CooperativeParticipation,
    },
];

/// Number of rollup indicators.
pub const N_ROLLUP: usize = ROLLUP_INDICATORS.len();

/// A bank's activity in one epoch, as L1 sees it: the credit slots of its pool (their
/// eligibility proofs state the purpose), its pool account after the epoch, its polls.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BankActivity {
    /// Credit issued in the epoch, by purpose code (`ccr_circuits::credit::PURPOSE_NAMES`).
    pub lent_by_purpose: [u64; N_PURPOSES],
    /// Repayments received in the epoch.
    pub repaid: u64,
    /// Debt written down in the epoch.
    pub written_down: u64,
    /// The pool account's balance at the epoch's end: its free money.
    pub pool_balance: u64,
    /// What its borrowers owe at the epoch's end (the pool account's receivable).
    pub receivable: u64,
    /// Members who voted in the bank's polls that closed in the epoch.
    pub voted: u32,
    /// Members who could vote in them.
    pub voters: u32,
}

/// `⌊a · SCALE / b⌋` capped at `2⁶² − 1` (the largest value; no bound lies beyond it, so
/// the cap never changes a normalised value), `None` when `b` is 0.
pub fn ratio(a: u128, b: u128) -> Option<i64> {
    if b == 0 {
        return None;
    }
    let r = a * SCALE as u128 / b;
    Some(r.min(MAX_VALUE_MAGNITUDE as u128 - 1) as i64)
}

impl BankActivity {
    /// Credit issued in the epoch, all purposes.
    pub fn lent(&self) -> u128 {
        self.lent_by_purpose.iter().map(|&v| u128::from(v)).sum()
    }

    /// Credit out and repayments in: the flow the grant formula weighs (additive, so a bank
    /// split in two has the flows of the whole).
    pub fn flow(&self) -> u128 {
        self.lent() + u128::from(self.repaid)
    }

    /// The rollup indicators, scaled by [`SCALE`], in [`ROLLUP_INDICATORS`]' order; `None`
    /// where the epoch gives nothing to measure:
    /// - purpose diversity: `1 − Σ sₚ²` (one minus the Herfindahl index) over the purposes'
    ///   shares `sₚ = ⌊lentₚ·10⁴/lent⌋`, so `Σ sₚ²/10⁴` is subtracted from 10⁴; none without
    ///   credit;
    /// - velocity: `(lent + repaid) / (balance + receivable)`; none for an empty pool;
    /// - writedown rate: `written down / (receivable + written down)`; none with neither;
    /// - vote participation: `voted / voters`; none without a poll.
    pub fn indicators(&self) -> [Option<i64>; N_ROLLUP] {
        let lent = self.lent();
        let diversity = (lent > 0).then(|| {
            let squares: u128 = self
                .lent_by_purpose
                .iter()
                .map(|&v| {
                    let share = u128::from(v) * SCALE as u128 / lent;
                    share * share
                })
                .sum();
            SCALE - (squares / SCALE as u128) as i64
        });
        let assets = u128::from(self.pool_balance) + u128::from(self.receivable);
        let velocity = ratio(self.flow(), assets);
        let writedowns =
            ratio(u128::from(self.written_down), u128::from(self.receivable) + u128::from(self.written_down));
        let participation = ratio(u128::from(self.voted), u128::from(self.voters));
        [diversity, velocity, writedowns, participation]
    }
}

/// The frozen normalisation bounds of one indicator, in its scaled unit: `worst` scores 0,
/// `best` scores 1.0. For a lower-is-better indicator `best < worst`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Bounds {
    /// The value that scores 0 (and anything worse).
    pub worst: i64,
    /// The value that scores 1.0 (and anything better).
    pub best: i64,
}

impl Bounds {
    /// `worst` and `best` in source units (scaled here by [`SCALE`]).
    pub const fn units(worst: i64, best: i64) -> Self {
        Self { worst: worst * SCALE, best: best * SCALE }
    }

    /// The value normalised to `0..=SCORE_SCALE`: `⌊(v − worst)·10⁴ / (best − worst)⌋`,
    /// clamped; `missing` when there is no value.
    pub fn normalise(&self, value: Option<i64>, missing: u64) -> u64 {
        let Some(v) = value else { return missing };
        let (v, worst, best) = (i128::from(v), i128::from(self.worst), i128::from(self.best));
        // Both differences have the direction's sign: the quotient is a progress towards best.
        let (num, den) = if best > worst { (v - worst, best - worst) } else { (worst - v, worst - best) };
        if num <= 0 {
            0
        } else if num >= den {
            SCORE_SCALE
        } else {
            (num * i128::from(SCORE_SCALE) / den) as u64
        }
    }

    fn direction(&self) -> Direction {
        if self.best > self.worst {
            Direction::HigherIsBetter
        } else {
            Direction::LowerIsBetter
        }
    }
}

/// What [`HealthParams::check`] refuses.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ParamsError {
    /// Bounds whose order contradicts the indicator's direction, or equal bounds.
    #[error(
        "{name}: bounds {worst} (worst) and {best} (best) do not run the indicator's way ({direction:?})"
    )]
    Direction {
        /// The indicator.
        name: &'static str,
        /// Its worst bound.
        worst: i64,
        /// Its best bound.
        best: i64,
        /// Its direction.
        direction: Direction,
    },
    /// A bound outside `[−2⁶², 2⁶²)`.
    #[error("{name}: a bound is out of range (-2^62 <= v < 2^62)")]
    OutOfRange {
        /// The indicator.
        name: &'static str,
    },
}

/// The network's health parameters: each indicator's frozen bounds, changed by governance
/// only (a network poll), never by the data.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HealthParams {
    /// Bounds of the bioregional indicators, in [`INDICATORS`]' order.
    pub regional: [Bounds; N_INDICATORS],
    /// Bounds of the rollup indicators, in [`ROLLUP_INDICATORS`]' order.
    pub rollup: [Bounds; N_ROLLUP],
}

impl Default for HealthParams {
    /// The network's bounds at launch. Bioregional ones are targets and floors in the spirit of
    /// the SDG Index (best: a target such as the WHO's PM2.5 guideline; worst: about the
    /// bottom of the OECD's range), rollup ones what a cooperative pool can reach in a month.
    fn default() -> Self {
        Self {
            regional: [
                Bounds::units(50, 80),   // employment rate, %
                Bounds::units(10, 0),    // long-term unemployment rate, %
                Bounds::units(15, 1),    // CO₂ emissions, t per person
                Bounds::units(30, 5),    // PM2.5, µg/m³ (5: the WHO guideline)
                Bounds::units(50, 95),   // satisfied with water quality, %
                Bounds::units(40, 95),   // adults with upper-secondary education, %
                Bounds::units(380, 540), // PISA points
                Bounds::units(75, 98),   // can count on someone, %
            ],
            rollup: [
                Bounds { worst: 0, best: 8_000 }, // purpose diversity: 0.8 is five even purposes
                Bounds { worst: 0, best: 1_000 }, // velocity: a tenth of the pool a month
                Bounds { worst: 1_000, best: 0 }, // writedowns: a tenth of the book scores 0
                Bounds { worst: 0, best: 6_000 }, // participation: 60 % of members
            ],
        }
    }
}

/// One bank's health for an epoch: the normalised indicators, the components and the score.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HealthScore {
    /// Normalised bioregional indicators (0 where missing).
    pub regional: [u64; N_INDICATORS],
    /// Normalised rollup indicators (0 where missing).
    pub rollup: [u64; N_ROLLUP],
    /// The components, in [`COMPONENTS`]' order.
    pub components: [u64; 5],
    /// `⌊Σ weight × component / 10⁴⌋`, `0..=SCORE_SCALE`.
    pub score: u64,
}

impl HealthParams {
    /// Checks every bound pair runs its indicator's way and is in range.
    ///
    /// # Errors
    ///
    /// [`ParamsError`].
    pub fn check(&self) -> Result<(), ParamsError> {
        let named = INDICATORS
            .iter()
            .map(|i| (i.name, i.direction))
            .zip(self.regional.iter())
            .chain(ROLLUP_INDICATORS.iter().map(|i| (i.name, i.direction)).zip(self.rollup.iter()));
        for ((name, direction), b) in named {
            let range = -MAX_VALUE_MAGNITUDE..MAX_VALUE_MAGNITUDE;
            if !range.contains(&b.worst) || !range.contains(&b.best) {
                return Err(ParamsError::OutOfRange { name });
            }
            if b.worst == b.best || b.direction() != direction {
                return Err(ParamsError::Direction { name, worst: b.worst, best: b.best, direction });
            }
        }
        Ok(())
    }

    /// The health score of a bank whose bioregion's medians are `regional` and whose epoch
    /// was `activity`. A missing indicator scores 0.
    pub fn score(&self, regional: &[Option<i64>; N_INDICATORS], activity: &BankActivity) -> HealthScore {
        let regional: [u64; N_INDICATORS] =
            std::array::from_fn(|i| self.regional[i].normalise(regional[i], 0));
        let rollup_values = activity.indicators();
        let rollup: [u64; N_ROLLUP] = std::array::from_fn(|i| self.rollup[i].normalise(rollup_values[i], 0));
        let members = REGIONAL_COMPONENT
            .iter()
            .zip(regional)
            .chain(ROLLUP_INDICATORS.iter().map(|i| &i.component).zip(rollup));
        let (mut sums, mut counts) = ([0u64; 5], [0u64; 5]);
        for (c, n) in members {
            sums[c.index()] += n;
            counts[c.index()] += 1;
        }
        let components: [u64; 5] = std::array::from_fn(|c| sums[c] / counts[c]);
        let score = components.iter().zip(COMPONENT_WEIGHTS).map(|(c, w)| c * w).sum::<u64>() / SCORE_SCALE;
        HealthScore { regional, rollup, components, score }
    }
}

/// The regional health behind a grant's need: [`HealthParams::score`]'s components over the
/// bioregional indicators alone (resource circulation has none and drops out), weighted as in
/// the score, with a **missing indicator counted as best** (so missing data never raises a
/// need). `0..=SCORE_SCALE`.
pub fn regional_health(params: &HealthParams, regional: &[Option<i64>; N_INDICATORS]) -> u64 {
    let (mut sums, mut counts) = ([0u64; 5], [0u64; 5]);
    for (i, c) in REGIONAL_COMPONENT.iter().enumerate() {
        sums[c.index()] += params.regional[i].normalise(regional[i], SCORE_SCALE);
        counts[c.index()] += 1;
    }
    let (mut weighted, mut weights) = (0u64, 0u64);
    for c in COMPONENTS {
        if counts[c.index()] > 0 {
            weighted += sums[c.index()] / counts[c.index()] * c.weight();
            weights += c.weight();
        }
    }
    weighted / weights
}

/// A bank's need: `SCORE_SCALE − regional_health`. The poorer its region's data, the larger;
/// 0 where every indicator is missing.
pub fn need(params: &HealthParams, regional: &[Option<i64>; N_INDICATORS]) -> u64 {
    SCORE_SCALE - regional_health(params, regional)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weights_sum_to_one_and_every_component_has_an_indicator() {
        assert_eq!(COMPONENT_WEIGHTS.iter().sum::<u64>(), SCORE_SCALE);
        for c in COMPONENTS {
            assert_eq!(COMPONENTS[c.index()], c);
            let n = REGIONAL_COMPONENT.iter().filter(|&&r| r == c).count()
                + ROLLUP_INDICATORS.iter().filter(|r| r.component == c).count();
            assert!(n > 0, "{c:?} has no indicator");
        }
        assert_eq!(HealthParams::default().check(), Ok(()));
    }

    #[test]
    fn normalisation_runs_both_ways_and_clamps() {
        let up = Bounds::units(50, 80);
        assert_eq!(up.normalise(Some(65 * SCALE), 0), 5_000);
        assert_eq!(up.normalise(Some(40 * SCALE), 0), 0);
        assert_eq!(up.normalise(Some(90 * SCALE), 0), SCORE_SCALE);
        assert_eq!(up.normalise(None, 0), 0);
        assert_eq!(up.normalise(None, SCORE_SCALE), SCORE_SCALE);
        let down = Bounds::units(30, 5);
        assert_eq!(down.normalise(Some(5 * SCALE), 0), SCORE_SCALE);
        assert_eq!(down.normalise(Some(30 * SCALE), 0), 0);
        assert_eq!(down.normalise(Some(20 * SCALE), 0), 4_000);
        // Floors: (21 − 30)/(5 − 30) = 0.36 exactly; 0.3599… for a value just above 21.
        assert_eq!(down.normalise(Some(21 * SCALE + 1), 0), 3_599);
    }

    #[test]
    fn bounds_against_the_direction_are_refused() {
        let mut p = HealthParams::default();
        p.regional[1] = Bounds::units(0, 10);
        assert!(matches!(p.check(), Err(ParamsError::Direction { name: "Long-term unemployment rate", .. })));
        let mut p = HealthParams::default();
        p.rollup[0] = Bounds { worst: 5, best: 5 };
        assert!(p.check().is_err());
    }

    #[test]
    fn rollup_indicators() {
        let a = BankActivity {
            lent_by_purpose: [100, 100, 100, 100, 100],
            repaid: 500,
            written_down: 100,
            pool_balance: 9_000,
            receivable: 900,
            voted: 3,
            voters: 4,
        };
        // Five even purposes: 1 − 5·(0.2)² = 0.8; (500 + 500)/9 900; 100/1 000; 3/4.
        assert_eq!(a.indicators(), [Some(8_000), Some(1_010), Some(1_000), Some(7_500)]);
        let one_purpose = BankActivity { lent_by_purpose: [0, 0, 700, 0, 0], ..a };
        assert_eq!(one_purpose.indicators()[0], Some(0));
        assert_eq!(BankActivity::default().indicators(), [None; N_ROLLUP]);
    }

    #[test]
    fn missing_data_never_raises_the_score_or_the_need() {
        let p = HealthParams::default();
        let full = [
            Some(60 * SCALE),
            Some(3 * SCALE),
            Some(8 * SCALE),
            Some(12 * SCALE),
            Some(80 * SCALE),
            Some(70 * SCALE),
            Some(480 * SCALE),
            Some(90 * SCALE),
        ];
        let activity =
            BankActivity { lent_by_purpose: [10, 0, 0, 0, 0], voters: 10, voted: 2, ..Default::default() };
        let base = p.score(&full, &activity);
        let base_need = need(&p, &full);
        for i in 0..N_INDICATORS {
            let mut missing = full;
            missing[i] = None;
            assert!(p.score(&missing, &activity).score <= base.score, "indicator {i}");
            assert!(need(&p, &missing) <= base_need, "indicator {i}");
        }
        assert_eq!(need(&p, &[None; N_INDICATORS]), 0);
        assert_eq!(p.score(&[None; N_INDICATORS], &BankActivity::default()).score, 0);
    }

    #[test]
    fn a_score_by_hand() {
        let p = HealthParams::default();
        // Every regional indicator half-way, no rollup activity.
        let half = std::array::from_fn(|i| {
            let b = p.regional[i];
            Some((b.worst + b.best) / 2)
        });
        let s = p.score(&half, &BankActivity::default());
        assert_eq!(s.regional, [5_000; N_INDICATORS]);
        // Economic diversity (2 regional at 0.5, diversity 0): 0.3333; circulation 0;
        // participation (support 0.5, votes 0): 0.25; ecology 0.5; knowledge 0.5.
        assert_eq!(s.components, [3_333, 0, 2_500, 5_000, 5_000]);
        assert_eq!(s.score, (3_333 * 2_000 + 2_500 * 2_000 + 5_000 * 2_000 + 5_000 * 1_500) / 10_000);
        assert_eq!(need(&p, &half), 5_000);
    }
}
