//! Health indicator reports (issue 11): an attester reads public data with the bioregional
//! adapters (`ccr-bioregion`), selects the health indicators for a bioregion's region and a
//! year, and signs them as a [`SignedReport`] (`ccr_circuits::health`) for a rollup epoch.
//!
//! The report file ([`HealthReportFile`]) is public: everything in it is public data.

use ccr_bioregion::{Selected, CATALOGUE};
use ccr_circuits::babyjubjub::eddsa::PrivateKey;
use ccr_circuits::health::{IndicatorReport, SignedReport, INDICATORS, N_INDICATORS, SCALE};
use ccr_rpc_api::health::{DecI64, HealthReportInput};
use ccr_rpc_api::wire::pack_signature;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::credit::packed_hex;
use crate::error::WalletError;

/// Format version of [`HealthReportFile`].
pub const HEALTH_REPORT_FILE_VERSION: u32 = 1;

/// A signed indicator report as a file.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct HealthReportFile {
    /// [`HEALTH_REPORT_FILE_VERSION`].
    pub version: u32,
    /// The bioregion (an index in the network's list).
    pub bioregion: u32,
    /// The rollup epoch the report is for.
    pub epoch: u32,
    /// The data's region code (ISO 3166-1 alpha-3 or NUTS), as read; not signed.
    pub region: String,
    /// The signed data year: the oldest year among the values present.
    pub data_year: u16,
    /// SHA-256 of the source bytes (hex; with several files, of their SHA-256s in order).
    pub source_digest: String,
    /// One entry per health indicator, in the specification's order.
    pub indicators: Vec<HealthValue>,
    /// The attester's packed public key (hex).
    pub attester: String,
    /// EdDSA-Poseidon signature of the report's message, packed (64 bytes hex).
    pub signature: String,
}

/// One indicator of a [`HealthReportFile`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HealthValue {
    /// The indicator's name.
    pub name: String,
    /// `value × 10⁴`, or `null` where the sources have none (never zero for missing).
    pub value: Option<i64>,
    /// The year of the data the value comes from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data_year: Option<u16>,
}

/// The digest of the source files' bytes: SHA-256 of the one file, or of the files' SHA-256s in
/// order when there are several (anyone can re-fetch them and compare).
pub fn source_digest(files: &[&[u8]]) -> [u8; 32] {
    match files {
        [one] => Sha256::digest(one).into(),
        many => {
            let mut h = Sha256::new();
            for f in many {
                h.update(Sha256::digest(f));
            }
            h.finalize().into()
        }
    }
}

/// `selected` (one entry per catalogue indicator, in the catalogue's order, which is the
/// specification's) as a report of `bioregion` for `epoch`: values scaled by 10⁴ and rounded,
/// the oldest data year among them signed as the report's.
///
/// # Errors
///
/// [`WalletError::Config`] when the selection is not the catalogue's list, has no value, or a
/// value out of range.
pub fn report_of(
    selected: &[Selected],
    bioregion: u32,
    epoch: u32,
    source_digest: [u8; 32],
) -> Result<IndicatorReport, WalletError> {
    if selected.len() != N_INDICATORS
        || selected.iter().zip(CATALOGUE).any(|(s, c)| s.indicator != c.indicator)
    {
        return Err(WalletError::Config("the selection is not the health indicators' list".into()));
    }
    let mut values = [None; N_INDICATORS];
    for (slot, s) in values.iter_mut().zip(selected) {
        if let Some(v) = s.value {
            let scaled = (v * SCALE as f64).round();
            if !scaled.is_finite() || scaled.abs() >= 2f64.powi(62) {
                return Err(WalletError::Config(format!("{:?}: value {v} out of range", s.indicator)));
            }
            *slot = Some(scaled as i64);
        }
    }
    let data_year = selected
        .iter()
        .filter(|s| s.value.is_some())
        .filter_map(|s| s.data_year)
        .min()
        .ok_or_else(|| WalletError::Config("the sources have no value of any health indicator".into()))?;
    let report = IndicatorReport { bioregion, epoch, data_year, source_digest, values };
    report.check().map_err(|e| WalletError::Config(e.to_string()))?;
    Ok(report)
}

/// Signs `report` with `attester` as a file; `selected` and `region` add the per-indicator data
/// years and the region code (unsigned, for reading).
///
/// # Errors
///
/// As [`SignedReport::sign`].
pub fn sign_report(
    attester: &PrivateKey,
    report: IndicatorReport,
    region: &str,
    selected: &[Selected],
) -> Result<HealthReportFile, WalletError> {
    let signed = SignedReport::sign(attester, report).map_err(|e| WalletError::Config(e.to_string()))?;
    let r = &signed.report;
    Ok(HealthReportFile {
        version: HEALTH_REPORT_FILE_VERSION,
        bioregion: r.bioregion,
        epoch: r.epoch,
        region: region.to_owned(),
        data_year: r.data_year,
        source_digest: format!("0x{}", hex::encode(r.source_digest)),
        indicators: INDICATORS
            .iter()
            .zip(r.values)
            .enumerate()
            .map(|(i, (spec, value))| HealthValue {
                name: spec.name.to_owned(),
                value,
                data_year: selected.get(i).and_then(|s| if s.value.is_some() { s.data_year } else { None }),
            })
            .collect(),
        attester: packed_hex(&signed.attester),
        signature: format!("0x{}", hex::encode(pack_signature(&signed.signature))),
    })
}

impl HealthReportFile {
    /// The signed report the file holds, its signature checked.
    ///
    /// # Errors
    ///
    /// [`WalletError::Config`] for another version, a malformed field, or a signature that does
    /// not verify.
    pub fn verify(&self) -> Result<SignedReport, WalletError> {
        let bad = |what: &str| WalletError::Config(format!("health report: {what}"));
        if self.version != HEALTH_REPORT_FILE_VERSION {
            return Err(bad(&format!(
                "format version {}, this wallet reads {HEALTH_REPORT_FILE_VERSION}",
                self.version
            )));
        }
        if self.indicators.len() != N_INDICATORS
            || self.indicators.iter().zip(INDICATORS).any(|(v, spec)| v.name != spec.name)
        {
            return Err(bad("the indicators are not the specification's list"));
        }
        // The same decoding as the sequencer's (`ccr_sendHealthReport` takes this wire form).
        let wire = HealthReportInput {
            bioregion: self.bioregion,
            epoch: self.epoch,
            data_year: self.data_year,
            source_digest: self.source_digest.clone(),
            values: self.indicators.iter().map(|v| v.value.map(DecI64)).collect(),
            attester: self.attester.clone(),
            signature: self.signature.clone(),
        };
        let signed = wire.to_signed().map_err(|e| bad(&e.to_string()))?;
        signed.verify().map_err(|e| bad(&e.to_string()))?;
        Ok(signed)
    }
}
