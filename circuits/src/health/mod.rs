//! Community health, the native specification: the bioregional indicators a bank's health
//! score reads and the signed indicator reports attesters publish for them (here), the score
//! over frozen bounds ([`score`]), and the solidarity fund's epoch table ([`fund`]).
//!
//! - **Indicators** ([`INDICATORS`]): a fixed list, each with its direction (higher or lower
//!   is better). A report carries one value per indicator, or none.
//! - **Values** are fixed-point integers, `value × 10⁴` ([`SCALE`]), as `i64`: nothing proven
//!   is a float.
//! - **A report** ([`IndicatorReport`]) is one attester's statement for one bioregion and one
//!   rollup epoch: the data year, the SHA-256 of the source bytes it read (anyone can re-fetch
//!   and compare), and the values. Its message is [`chain`] from [`REPORT_DOMAIN`] over
//!   [`IndicatorReport::elements`], signed with EdDSA-Poseidon: the domain tag and the
//!   Poseidon width keep it apart from credit attestations (`Poseidon₂(commitment, purpose)`)
//!   and vote messages.
//! - **Attesters** are leaves of a network-wide registry ([`HealthAttesterRegistry`], the same
//!   tree as a bank's credit attesters, changed by governance).
//! - **Several attesters per bioregion**: per indicator the [`conservative_median`] of the
//!   values present, so one lying attester among three moves nothing, and with an even count
//!   the middle value that is *worse* for the score is taken: a missing or extra report never
//!   raises a score.

pub mod constraints;
pub mod fund;
pub mod score;

use crate::babyjubjub::eddsa::{verify_poseidon, EddsaError, PrivateKey, Signature};
use crate::babyjubjub::Point;
use crate::credit::chain;
use crate::Fr;

/// Fixed-point scale of indicator values: `value × 10⁴`.
pub const SCALE: i64 = 10_000;

/// Which way an indicator counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    /// More is healthier (employment, skills).
    HigherIsBetter,
    /// Less is healthier (unemployment, emissions, pollution).
    LowerIsBetter,
}

/// One bioregional indicator of the health score: what the score needs of it. Where its
/// values come from (each source's code and unit) is the data adapters' catalogue
/// (`ccr-bioregion`), which lists the same indicators in the same order (a test there checks).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Indicator {
    /// Short name.
    pub name: &'static str,
    /// Direction.
    pub direction: Direction,
}

/// The bioregional indicators, in report order (their index is their position in
/// [`IndicatorReport::values`]).
pub const INDICATORS: [Indicator; 8] = [
    Indicator { name: "Employment rate", direction: Direction::HigherIsBetter },
    Indicator { name: "Long-term unemployment rate", direction: Direction::LowerIsBetter },
    Indicator { name: "CO₂ emissions per capita", direction: Direction::LowerIsBetter },
    Indicator { name: "Air pollution (PM2.5)", direction: Direction::LowerIsBetter },
    Indicator { name: "Water quality", direction: Direction::HigherIsBetter },
    Indicator { name: "Educational attainment", direction: Direction::HigherIsBetter },
    Indicator { name: "Student skills", direction: Direction::HigherIsBetter },
    Indicator { name: "Quality of support network", direction: Direction::HigherIsBetter },
];

/// Number of indicators a report carries.
pub const N_INDICATORS: usize = INDICATORS.len();

/// Scaled values lie in `[−2⁶², 2⁶²)`: sums of a few values stay within `i64`, and `v + 2⁶²`
/// is a 63-bit range check in the circuit.
pub const MAX_VALUE_MAGNITUDE: i64 = 1 << 62;

/// The domain tag of report messages; [`report_domain`] is its field element.
pub const REPORT_DOMAIN: &str = "ccr.health.report.v1";

/// [`REPORT_DOMAIN`]'s ASCII bytes as a big-endian integer (20 bytes: below the modulus, so a
/// field element as it stands).
pub fn report_domain() -> Fr {
    fund::domain(REPORT_DOMAIN)
}

/// What a report refuses before it is signed or counted.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ReportError {
    /// A value outside `[−2⁶², 2⁶²)`.
    #[error("indicator {index} ({name}): value {value} is out of range (-2^62 <= v < 2^62)")]
    ValueOutOfRange {
        /// The indicator's index.
        index: usize,
        /// Its name.
        name: &'static str,
        /// The value.
        value: i64,
    },
    /// A report of no indicator at all.
    #[error("the report carries no value")]
    Empty,
    /// The signature does not verify under the attester's key.
    #[error("the signature does not verify: {0}")]
    Signature(#[from] EddsaError),
}

/// One attester's indicator values for a bioregion and a rollup epoch.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IndicatorReport {
    /// The bioregion (an index in the network's list of bioregions).
    pub bioregion: u32,
    /// The rollup epoch the report is for.
    pub epoch: u32,
    /// The year the data describe (the source's reference period), not the year it was read.
    pub data_year: u16,
    /// SHA-256 of the source bytes the values were read from.
    pub source_digest: [u8; 32],
    /// `value × 10⁴` per indicator of [`INDICATORS`], `None` where the source has none.
    pub values: [Option<i64>; N_INDICATORS],
}

impl IndicatorReport {
    /// Checks the values' range and that at least one is present.
    ///
    /// # Errors
    ///
    /// [`ReportError::ValueOutOfRange`], [`ReportError::Empty`].
    pub fn check(&self) -> Result<(), ReportError> {
        for (index, value) in self.values.iter().enumerate() {
            if let Some(v) = *value {
                if !(-MAX_VALUE_MAGNITUDE..MAX_VALUE_MAGNITUDE).contains(&v) {
                    return Err(ReportError::ValueOutOfRange {
                        index,
                        name: INDICATORS[index].name,
                        value: v,
                    });
                }
            }
        }
        if self.values.iter().all(Option::is_none) {
            return Err(ReportError::Empty);
        }
        Ok(())
    }

    /// The field elements the message hashes, in order: bioregion, epoch, data year, the source
    /// digest as two 128-bit halves (high first), the presence mask (bit `i` set when indicator
    /// `i` has a value), then each value as `v mod r` (a missing one as 0, told apart by the
    /// mask).
    pub fn elements(&self) -> Vec<Fr> {
        let half = |bytes: &[u8]| Fr::from(u128::from_be_bytes(bytes.try_into().expect("16 bytes")));
        let mask = self.values.iter().enumerate().fold(0u64, |m, (i, v)| m | (u64::from(v.is_some()) << i));
        let mut out = vec![
            Fr::from(u64::from(self.bioregion)),
            Fr::from(u64::from(self.epoch)),
            Fr::from(u64::from(self.data_year)),
            half(&self.source_digest[..16]),
            half(&self.source_digest[16..]),
            Fr::from(mask),
        ];
        out.extend(self.values.iter().map(|v| Fr::from(v.unwrap_or(0))));
        out
    }

    /// The message an attester signs: [`chain`] from [`report_domain`] over
    /// [`Self::elements`].
    pub fn message(&self) -> Fr {
        chain(report_domain(), &self.elements())
    }
}

/// A report with its attester's EdDSA-Poseidon signature.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignedReport {
    /// The report.
    pub report: IndicatorReport,
    /// The attester's public key (a leaf of the [`HealthAttesterRegistry`]).
    pub attester: Point,
    /// The signature of [`IndicatorReport::message`].
    pub signature: Signature,
}

impl SignedReport {
    /// The attester `key` signs `report`, after [`IndicatorReport::check`].
    ///
    /// # Errors
    ///
    /// As [`IndicatorReport::check`].
    pub fn sign(key: &PrivateKey, report: IndicatorReport) -> Result<Self, ReportError> {
        report.check()?;
        let signature = key.sign_poseidon(report.message());
        Ok(Self { report, attester: key.public_key(), signature })
    }

    /// Checks the report and its signature.
    ///
    /// # Errors
    ///
    /// As [`IndicatorReport::check`]; [`ReportError::Signature`].
    pub fn verify(&self) -> Result<(), ReportError> {
        self.report.check()?;
        Ok(verify_poseidon(self.report.message(), &self.signature, &self.attester)?)
    }
}

/// The network's registry of health attesters: the same Merkle tree of
/// `Poseidon(A.x, A.y)` leaves as a bank's credit attesters, changed by governance.
pub type HealthAttesterRegistry = crate::credit::AttesterRegistry;

/// The median of the values present, with an even count the middle value that is worse for a
/// score of `direction` (the lower of the two for higher-is-better, the higher for
/// lower-is-better); `None` when no value is present. One value moved arbitrarily among three
/// present moves the median only within the range of the other two.
pub fn conservative_median(values: &[Option<i64>], direction: Direction) -> Option<i64> {
    let mut present: Vec<i64> = values.iter().flatten().copied().collect();
    if present.is_empty() {
        return None;
    }
    present.sort_unstable();
    let n = present.len();
    if n % 2 == 1 {
        return Some(present[n / 2]);
    }
    let (low, high) = (present[n / 2 - 1], present[n / 2]);
    Some(match direction {
        Direction::HigherIsBetter => low,
        Direction::LowerIsBetter => high,
    })
}

/// Per indicator, the [`conservative_median`] over `reports` (of one bioregion and epoch,
/// already verified and deduplicated by attester).
pub fn medians(reports: &[&IndicatorReport]) -> [Option<i64>; N_INDICATORS] {
    std::array::from_fn(|i| {
        let column: Vec<Option<i64>> = reports.iter().map(|r| r.values[i]).collect();
        conservative_median(&column, INDICATORS[i].direction)
    })
}
