//! Community health on the API (issue 11): a signed indicator report in its wire form
//! ([`HealthReportInput`](crate::health::HealthReportInput), for `ccr_sendHealthReport`), a bank's health ([`BankHealth`](crate::health::BankHealth),
//! `ccr_getHealth`) and the solidarity fund ([`FundView`](crate::health::FundView), `ccr_getFund`): an epoch's table
//! and the moves of the last settled table as the rollup carries them out.
//!
//! Indicator values are `value × 10⁴` (`ccr_circuits::health::SCALE`) as decimal strings
//! ([`DecI64`](crate::health::DecI64): they may pass 2⁵³); keys and signatures are `0x` hex, packed as circomlibjs
//! packs them; scores are integers of 10 000 (1.0), with the seeds' 0–100 scale beside them.

use ccr_circuits::babyjubjub::{pack_point, unpack_point};
use ccr_circuits::health::{IndicatorReport, SignedReport, N_INDICATORS};
use serde::{Deserialize, Serialize};

use crate::api::DecU64;
use crate::wire::{from_hex, pack_signature, to_hex, unpack_signature, WireError};

/// An `i64` carried as a decimal string (JSON numbers lose precision above 2⁵³); a JSON number
/// is accepted too.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct DecI64(pub i64);

impl Serialize for DecI64 {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0.to_string())
    }
}

impl<'de> Deserialize<'de> for DecI64 {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Either {
            Num(i64),
            Str(String),
        }
        match Either::deserialize(d)? {
            Either::Num(n) => Ok(Self(n)),
            Either::Str(s) => s
                .parse()
                .map(Self)
                .map_err(|_| serde::de::Error::custom(format!("{s:?} is not a decimal i64"))),
        }
    }
}

/// A signed indicator report (`ccr_circuits::health::SignedReport`) on the wire: what
/// `ccr-wallet attester health-report` signs and `ccr-wallet health send-report` sends.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct HealthReportInput {
    /// The bioregion (an index in the network's list of bioregions).
    pub bioregion: u32,
    /// The rollup epoch the report is for.
    pub epoch: u32,
    /// The year the data describe.
    pub data_year: u16,
    /// SHA-256 of the source bytes (`0x` + 32 bytes).
    pub source_digest: String,
    /// `value × 10⁴` per indicator, in the specification's order
    /// (`ccr_circuits::health::INDICATORS`, eight of them), `null` where the source has none.
    pub values: Vec<Option<DecI64>>,
    /// The attester's packed public key (`0x` + 32 bytes).
    pub attester: String,
    /// EdDSA-Poseidon signature of the report's message, circomlibjs `packSignature`
    /// (`0x` + 64 bytes).
    pub signature: String,
}

impl HealthReportInput {
    /// The wire form of a signed report.
    pub fn from_signed(r: &SignedReport) -> Self {
        Self {
            bioregion: r.report.bioregion,
            epoch: r.report.epoch,
            data_year: r.report.data_year,
            source_digest: to_hex(&r.report.source_digest),
            values: r.report.values.iter().map(|v| v.map(DecI64)).collect(),
            attester: to_hex(&pack_point(&r.attester)),
            signature: to_hex(&pack_signature(&r.signature)),
        }
    }

    /// The signed report, decoded strictly (canonical key and signature, eight values). The
    /// signature is not verified here: [`SignedReport::verify`] does.
    ///
    /// # Errors
    ///
    /// [`WireError`] for a malformed field.
    pub fn to_signed(&self) -> Result<SignedReport, WireError> {
        let digest = from_hex(&self.source_digest)?;
        let got = digest.len();
        let source_digest: [u8; 32] = digest.try_into().map_err(|_| WireError::Length {
            what: "a source digest",
            expected: 32,
            got,
        })?;
        if self.values.len() != N_INDICATORS {
            return Err(WireError::Length {
                what: "a report's values (one per indicator)",
                expected: N_INDICATORS,
                got: self.values.len(),
            });
        }
        let mut values = [None; N_INDICATORS];
        for (slot, v) in values.iter_mut().zip(&self.values) {
            *slot = v.map(|d| d.0);
        }
        let key = from_hex(&self.attester)?;
        let got = key.len();
        let key: [u8; 32] = key.try_into().map_err(|_| WireError::Length {
            what: "a packed public key",
            expected: 32,
            got,
        })?;
        Ok(SignedReport {
            report: IndicatorReport {
                bioregion: self.bioregion,
                epoch: self.epoch,
                data_year: self.data_year,
                source_digest,
                values,
            },
            attester: unpack_point(&key)?,
            signature: unpack_signature(&from_hex(&self.signature)?)?,
        })
    }
}

/// What `ccr_sendHealthReport` returns once the report is durably stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HealthReportReceipt {
    /// The bioregion.
    pub bioregion: u32,
    /// The report's epoch.
    pub epoch: u32,
    /// The attester's packed key.
    pub attester: String,
    /// The epochs whose scores count it: `epoch ..= epoch + max_report_age`.
    pub counts_until_epoch: u32,
}

/// A report counted in a bank's health.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CountedReport {
    /// The attester's packed key.
    pub attester: String,
    /// The report's epoch.
    pub epoch: u32,
    /// The year its data describe.
    pub data_year: u16,
    /// SHA-256 of its source bytes.
    pub source_digest: String,
}

/// One indicator of a bank's health: its value (a median, or the bank's own ratio) and its
/// normalised score.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct IndicatorView {
    /// The indicator's name.
    pub name: String,
    /// The component it counts in (`Component::name`).
    pub component: String,
    /// `value × 10⁴` (`null`: missing; it scores 0).
    pub value: Option<DecI64>,
    /// Normalised against the frozen bounds, of 10 000.
    pub normalised: u64,
}

/// One of the five components.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ComponentView {
    /// `Component::name` (`economic_diversity`, ...).
    pub name: String,
    /// Its weight, of 10 000.
    pub weight: u64,
    /// Its value, of 10 000.
    pub value: u64,
}

/// Credit lent in an epoch for one purpose.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PurposeAmount {
    /// The purpose's name (`productive_enterprise`, ...).
    pub purpose: String,
    /// L2 units.
    pub amount: DecU64,
}

/// A bank's activity in the epoch as the node derives it. A quantity it cannot derive is
/// `null` (and named in `absent`), never a guess.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ActivityView {
    /// Credit issued by the pool in the epoch's sealed batches, by purpose.
    pub lent_by_purpose: Vec<PurposeAmount>,
    /// Repayments to the pool in the epoch's sealed batches.
    pub repaid: DecU64,
    /// Writedowns of the pool's loans in the epoch's sealed batches.
    pub writedowns: u32,
    /// Debt written down in the epoch (`null` when there were writedowns: the log records a
    /// writedown, not its amount).
    pub written_down: Option<DecU64>,
    /// The pool's balance (`null` for a past epoch: the node keeps only the current state).
    pub pool_balance: Option<DecU64>,
    /// What its borrowers owe it (`null` for a past epoch).
    pub receivable: Option<DecU64>,
    /// Members who voted in the bank's polls closed in the epoch (`null`: not derived yet).
    pub voted: Option<u32>,
    /// Members who could vote in them (`null`: not derived yet).
    pub voters: Option<u32>,
    /// The quantities above the node could not derive, in words; the score counts their
    /// indicators as missing (0), never better.
    pub absent: Vec<String>,
}

/// The score: components and total.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ScoreView {
    /// The five components, in the seeds' order.
    pub components: Vec<ComponentView>,
    /// `Σ weight × component / 10⁴`, of 10 000.
    pub score: u64,
    /// The score on the seeds' 0–100 scale, two decimals (`"67.42"`).
    pub score100: String,
}

/// A bank's line of the fund's table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FundLineView {
    /// The pool account.
    pub pool: u32,
    /// Its bioregion.
    pub bioregion: u32,
    /// Its health score, of 10 000.
    pub score: u64,
    /// Its need (of 10 000): `1 − regional health`.
    pub need: u64,
    /// `need × flow`, decimal.
    pub weight: String,
    /// Paid into the fund.
    pub contribution: DecU64,
    /// The grant's cap.
    pub cap: DecU64,
    /// Received from the fund.
    pub grant: DecU64,
}

/// `ccr_getHealth`'s answer: a bank's health in an epoch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BankHealth {
    /// The bank's pool account.
    pub pool: u32,
    /// Its bioregion.
    pub bioregion: u32,
    /// The bioregion's name in the node's configuration.
    pub bioregion_name: Option<String>,
    /// The epoch asked for.
    pub epoch: u32,
    /// The node's current epoch.
    pub current_epoch: u32,
    /// The reports counted (one per attester: its newest fresh one).
    pub reports: Vec<CountedReport>,
    /// The bioregional indicators: medians of the reports, normalised.
    pub regional: Vec<IndicatorView>,
    /// The bank's activity in the epoch.
    pub activity: ActivityView,
    /// The rollup indicators from the activity, normalised (empty when `score` is `null`).
    pub rollup: Vec<IndicatorView>,
    /// The score (`null` when `scoreUnavailable` says why).
    pub score: Option<ScoreView>,
    /// Why there is no score.
    pub score_unavailable: Option<String>,
    /// The bank's line of the fund's table for the epoch (`null` when `fundUnavailable`
    /// says why).
    pub fund: Option<FundLineView>,
    /// Why there is no fund line.
    pub fund_unavailable: Option<String>,
}

/// `ccr_getFund`'s answer: the fund's native table for an epoch, and the moves of the last
/// settled table as the node carries them out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FundView {
    /// The epoch asked for.
    pub epoch: u32,
    /// The node's current epoch.
    pub current_epoch: u32,
    /// The native table of `epoch` (`null` when it lapses: `tableUnavailable` says why).
    pub table: Option<FundTable>,
    /// Why there is no table.
    pub table_unavailable: Option<String>,
    /// The moves of the last table settled on L1 that this node took, and the fund's log.
    pub moves: FundMoves,
    /// The fund's members on L1 (`SolidarityFund.members()`, in pool order) as this node last
    /// read them: the banks its table covers, with their bioregions (`null`: the node carries
    /// out no fund's moves, and the table covers the banks of its health configuration; or it
    /// has not read them yet).
    #[serde(default)]
    pub members: Option<Vec<FundMemberView>>,
}

/// A member of the fund on L1: a bank every settled table must cover, in its bioregion.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FundMemberView {
    /// Its pool account.
    pub pool: u32,
    /// Its bioregion, as governance admitted it.
    pub bioregion: u32,
    /// The bioregion's name in the node's configuration (`null`: not listed there, so no
    /// report of it is accepted and the table lapses).
    pub bioregion_name: Option<String>,
}

/// The moves of the last settled table, as the node carries them out: each is taken into the
/// node's log in the fund's log order (ahead of L2 transactions), then sealed in a batch as a
/// fund slot, *paid* (kind 10: within what the payer may pay, its balance or a fifth of it for a
/// pool) or *short* (kind 11: nothing moved; L1 books the shortfall), then settled on L1 with its
/// batch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FundMoves {
    /// Moves of the fund's log this node took (log positions `0..taken`).
    pub taken: u64,
    /// The first log position not carried out by a batch settled on L1, as this node last read
    /// it (`null`: not read: no L1, no fund, or not yet).
    pub l1_next: Option<u64>,
    /// The log's end on L1, as last read (moves `l1Next..l1End` are pending there; a new table
    /// cannot settle while any is).
    pub l1_end: Option<u64>,
    /// The epoch of the table (`null`: none taken, or L1 did not say).
    pub epoch: Option<u32>,
    /// Its moves, in log order.
    pub moves: Vec<FundMoveView>,
}

/// Where a fund move stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum FundMoveState {
    /// In the node's log, not yet in a sealed batch.
    Taken,
    /// Carried out by a fund-move slot: the amount moved.
    Paid,
    /// Carried out by a fund-shortfall slot: the amount was above what the payer may pay (its
    /// balance, or a fifth of it for a pool), nothing moved, L1 books the shortfall in the
    /// fund's balance.
    Short,
}

/// One move of a settled table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FundMoveView {
    /// Its position in the fund's log on L1.
    pub position: u64,
    /// The account paying: a contributing pool, or the fund's account for a grant.
    pub from: u32,
    /// The account paid.
    pub to: u32,
    /// The amount.
    pub amount: DecU64,
    /// Where it stands.
    pub state: FundMoveState,
    /// Sequence number of its log entry (`ccr_getTransactionStatus`).
    pub seq: u64,
    /// The batch that carried it out.
    pub batch: Option<u64>,
    /// That batch is settled on L1.
    pub settled: bool,
}

/// An epoch's table of the fund, as the node computes it natively.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FundTable {
    /// The epoch.
    pub epoch: u32,
    /// The fund's balance before.
    pub fund_before: DecU64,
    /// `Σ contributions`.
    pub collected: DecU64,
    /// What the epoch may grant.
    pub distributable: DecU64,
    /// `Σ grants`.
    pub granted: DecU64,
    /// `fund_before + collected − granted`.
    pub fund_after: DecU64,
    /// One line per member bank (every bank with a bioregion), by pool.
    pub lines: Vec<FundLineView>,
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // tests: a panic is a failure with its location
mod tests {
    use ccr_circuits::babyjubjub::eddsa::PrivateKey;

    use super::*;

    #[test]
    fn a_signed_report_round_trips_through_the_wire_form() {
        let mut values = [None; N_INDICATORS];
        values[0] = Some(700_000);
        values[2] = Some(-5);
        values[7] = Some(1 << 60);
        let report =
            IndicatorReport { bioregion: 2, epoch: 9, data_year: 2023, source_digest: [3; 32], values };
        let signed = SignedReport::sign(&PrivateKey::from_bytes([5; 32]), report).unwrap();
        let wire = HealthReportInput::from_signed(&signed);
        let json = serde_json::to_string(&wire).unwrap();
        assert!(json.contains("\"1152921504606846976\""), "values above 2^53 travel as strings: {json}");
        let back: HealthReportInput = serde_json::from_str(&json).unwrap();
        assert_eq!(back.to_signed().unwrap(), signed);
        let short = HealthReportInput { values: vec![None; 3], ..wire };
        assert!(matches!(short.to_signed(), Err(WireError::Length { expected: 8, got: 3, .. })));
    }
}
