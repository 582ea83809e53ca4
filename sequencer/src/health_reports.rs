//! Community health at the sequencer (issue 11): the network's health configuration
//! ([`HealthConfig`](crate::health_reports::HealthConfig)), the signed indicator reports attesters send (`ccr_sendHealthReport`,
//! checked and stored durably in the `health_reports` column family), and what is computed
//! from them with the native specification (`ccr_circuits::health`): a bank's health
//! (`ccr_getHealth`) and the solidarity fund's table with the moves of the last settled one
//! (`ccr_getFund`).
//!
//! # The table's banks
//!
//! When the node carries out a fund's moves (`--l1-fund-contract`), the table covers the
//! fund's members on L1 (`SolidarityFund.members()`, read by the fund watcher at every poll),
//! each in the bioregion governance admitted it with: what `settleEpoch` checks the lines
//! against. Until the watcher has read them, or while a member's bioregion is not listed in the
//! health configuration (no report of it is accepted), the table lapses and says why. Without
//! a fund the table covers the configuration's `banks`. A bank's own health (`ccr_getHealth`)
//! is in its L1 bioregion when it is a member, else in its configured one.
//!
//! # A bank's activity in an epoch
//!
//! [`BankActivity`](ccr_circuits::health::score::BankActivity) is derived from what the node knows, never guessed:
//! - **lent by purpose, repaid, writedowns**: the pool's credits, repayments and writedowns in
//!   the sealed batches of the epoch (the log; pending transactions are not counted until
//!   sealed). A credit's purpose is its eligibility proof's.
//! - **written down**: the log records a writedown, not its amount (the borrower's debt at
//!   that slot), so with a writedown in the epoch the amount is absent, and so is the score
//!   (a writedown rate of 0 would raise it); without one it is 0, exactly.
//! - **pool balance and receivable**: the pool account in the pending state, for the current
//!   epoch only (so far); the node keeps no state of past epochs, so they are absent there,
//!   and the velocity indicator counts as missing (0).
//! - **vote participation**: not derived yet (the polls are L1's); absent, so the indicator
//!   counts as missing (0), as the specification counts an epoch without a poll.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::sync::Mutex;

use ccr_circuits::babyjubjub::{pack_point, unpack_point, Point};
use ccr_circuits::credit::{purpose_name, N_PURPOSES};
use ccr_circuits::health::fund::{counted_reports, EpochTable, FundMember, FundParams};
use ccr_circuits::health::score::{
    BankActivity, HealthParams, HealthScore, COMPONENTS, REGIONAL_COMPONENT, ROLLUP_INDICATORS,
};
use ccr_circuits::health::{medians, HealthAttesterRegistry, ReportError, SignedReport, INDICATORS};
use ccr_circuits::state::tx::{Tx, TxKind};
use ccr_rpc_api::api::DecU64;
use ccr_rpc_api::health::{
    ActivityView, BankHealth, ComponentView, CountedReport, DecI64, FundLineView, FundMemberView,
    FundMoveState, FundMoveView, FundMoves, FundTable, FundView, HealthReportInput, HealthReportReceipt,
    IndicatorView, PurposeAmount, ScoreView,
};
use ccr_rpc_api::wire::to_hex;
use serde::{Deserialize, Serialize};
use tracing::info;

use crate::error::SequencerError;
use crate::sequencer::{FundMembership, Sequencer};
use crate::store::StoreError;

/// The network's health configuration, as the sequencer's `--health-config` JSON file holds
/// it. Every field may be left out: the default has no attester (every report is refused as
/// unregistered), no bioregion and no bank, and the launch parameters.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct HealthConfigFile {
    /// The health attesters' packed public keys (`0x` + 32 bytes), as `ccr-wallet key show`
    /// prints them: the network's health attester registry, in order.
    pub attesters: Vec<String>,
    /// The bioregions by index, with a name (`{"0": "Germany (DEU)"}`).
    pub bioregions: BTreeMap<u32, String>,
    /// Each bank's bioregion, by its pool account (`{"3": 0}`).
    pub banks: BTreeMap<u32, u32>,
    /// The frozen normalisation bounds (default: `HealthParams::default()`).
    pub health: Option<HealthParams>,
    /// The fund's parameters (default: `FundParams::default()`).
    pub fund: Option<FundParams>,
}

/// Why a health configuration is refused.
#[derive(Debug, thiserror::Error)]
pub enum HealthConfigError {
    /// The file cannot be read.
    #[error("health configuration {path}: {source}")]
    Read {
        /// The file.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// The file is not the configuration's JSON.
    #[error("health configuration {path}: {source}")]
    Json {
        /// The file.
        path: String,
        /// Why.
        source: serde_json::Error,
    },
    /// A value the configuration refuses.
    #[error("health configuration: {0}")]
    Invalid(String),
}

/// The network's health configuration, checked.
#[derive(Debug, Clone, Default)]
pub struct HealthConfig {
    /// The registered health attesters.
    pub attesters: Vec<Point>,
    /// The bioregions, by index, with their names.
    pub bioregions: BTreeMap<u32, String>,
    /// Each bank's bioregion, by pool account.
    pub banks: BTreeMap<u32, u32>,
    /// The frozen bounds.
    pub health: HealthParams,
    /// The fund's parameters.
    pub fund: FundParams,
}

impl HealthConfig {
    /// Reads and checks a `--health-config` file.
    ///
    /// # Errors
    ///
    /// [`HealthConfigError`].
    pub fn from_file(path: &Path) -> Result<Self, HealthConfigError> {
        let shown = path.display().to_string();
        let bytes =
            std::fs::read(path).map_err(|source| HealthConfigError::Read { path: shown.clone(), source })?;
        let file: HealthConfigFile = serde_json::from_slice(&bytes)
            .map_err(|source| HealthConfigError::Json { path: shown, source })?;
        Self::from_parts(file)
    }

    /// Checks a configuration: canonical attester keys, at most the registry's capacity, every
    /// bank in a listed bioregion, parameters within their limits.
    ///
    /// # Errors
    ///
    /// [`HealthConfigError::Invalid`].
    pub fn from_parts(file: HealthConfigFile) -> Result<Self, HealthConfigError> {
        let bad = HealthConfigError::Invalid;
        let mut attesters = Vec::new();
        for (i, k) in file.attesters.iter().enumerate() {
            let bytes = ccr_rpc_api::wire::from_hex(k).map_err(|e| bad(format!("attester {i}: {e}")))?;
            let bytes: [u8; 32] =
                bytes.try_into().map_err(|_| bad(format!("attester {i}: a packed key is 32 bytes")))?;
            attesters.push(unpack_point(&bytes).map_err(|e| bad(format!("attester {i}: {e}")))?);
        }
        if attesters.len() > 1 << ccr_circuits::credit::REGISTRY_DEPTH {
            return Err(bad(format!("more than {} attesters", 1 << ccr_circuits::credit::REGISTRY_DEPTH)));
        }
        for (pool, region) in &file.banks {
            if !file.bioregions.contains_key(region) {
                return Err(bad(format!(
                    "bank {pool} is in bioregion {region}, which `bioregions` does not list"
                )));
            }
        }
        let health = file.health.unwrap_or_default();
        health.check().map_err(|e| bad(e.to_string()))?;
        let fund = file.fund.unwrap_or_default();
        fund.check().map_err(|e| bad(e.to_string()))?;
        Ok(Self { attesters, bioregions: file.bioregions, banks: file.banks, health, fund })
    }

    /// The health attester registry: the attesters at indexes 0, 1, ...
    pub fn registry(&self) -> HealthAttesterRegistry {
        let mut r = HealthAttesterRegistry::new();
        for (i, a) in self.attesters.iter().enumerate() {
            // Within capacity: checked by `from_parts` (and a default config has none).
            r.add(i as u64, a).unwrap_or_else(|e| unreachable!("registry capacity is checked: {e}"));
        }
        r
    }
}

/// The reports, their checks and what is computed from them.
#[derive(Debug)]
pub struct HealthBook {
    config: HealthConfig,
    registry: HealthAttesterRegistry,
    /// Serialises the duplicate check and the write of a report.
    write: Mutex<()>,
}

/// The store key of a report: epoch, bioregion, attester.
fn report_key(epoch: u32, bioregion: u32, attester: &Point) -> Vec<u8> {
    let mut k = Vec::with_capacity(40);
    k.extend_from_slice(&epoch.to_be_bytes());
    k.extend_from_slice(&bioregion.to_be_bytes());
    k.extend_from_slice(&pack_point(attester));
    k
}

fn corrupt(key: &[u8], why: &impl std::fmt::Display) -> SequencerError {
    tracing::error!(target: "sequencer::health", key = %hex::encode(key), %why, "corrupt health report");
    SequencerError::Store(StoreError::Corrupt {
        cf: crate::store::CF_HEALTH_REPORTS,
        key: hex::encode(key),
        source: crate::records::CodecError::Invalid("a health report's wire form"),
    })
}

/// `0..=10000` as `"67.42"`.
fn score100(score: u64) -> String {
    format!("{}.{:02}", score / 100, score % 100)
}

impl HealthBook {
    /// A book under `config`.
    pub fn new(config: HealthConfig) -> Self {
        let registry = config.registry();
        Self { config, registry, write: Mutex::new(()) }
    }

    /// The configuration.
    pub fn config(&self) -> &HealthConfig {
        &self.config
    }

    /// Checks `input` (signature, registration, bioregion, epoch, one per attester, bioregion
    /// and epoch) against the node's epoch and stores it durably.
    ///
    /// # Errors
    ///
    /// [`SequencerError::MalformedHealthReport`], [`SequencerError::HealthReportSignature`],
    /// [`SequencerError::UnregisteredAttester`], [`SequencerError::StaleHealthReport`],
    /// [`SequencerError::UnknownBioregion`], [`SequencerError::DuplicateHealthReport`];
    /// storage errors.
    pub fn submit(
        &self,
        seq: &Sequencer,
        input: &HealthReportInput,
    ) -> Result<HealthReportReceipt, SequencerError> {
        let signed = input.to_signed().map_err(|e| SequencerError::MalformedHealthReport(e.to_string()))?;
        match signed.verify() {
            Ok(()) => {}
            Err(ReportError::Signature(e)) => {
                return Err(SequencerError::HealthReportSignature(format!(
                    "the signature does not verify under the attester's key: {e}"
                )))
            }
            Err(e) => return Err(SequencerError::MalformedHealthReport(e.to_string())),
        }
        let attester = to_hex(&pack_point(&signed.attester));
        if self.registry.index_of(&signed.attester).is_none() {
            let hint = if self.config.attesters.is_empty() {
                " (this node's registry is empty: start it with --health-config FILE listing the network's attesters)"
            } else {
                ""
            };
            return Err(SequencerError::UnregisteredAttester { attester, hint });
        }
        let r = &signed.report;
        let current = seq.epoch()?;
        let oldest = current.saturating_sub(self.config.fund.max_report_age);
        if r.epoch > current || r.epoch < oldest {
            return Err(SequencerError::StaleHealthReport { epoch: r.epoch, current, oldest });
        }
        if !self.config.bioregions.contains_key(&r.bioregion) {
            return Err(SequencerError::UnknownBioregion(r.bioregion));
        }
        let key = report_key(r.epoch, r.bioregion, &signed.attester);
        let value = serde_json::to_vec(&HealthReportInput::from_signed(&signed))
            .map_err(|e| SequencerError::Halted(format!("encoding a health report: {e}")))?;
        let _guard =
            self.write.lock().map_err(|_| SequencerError::Halted("health report lock poisoned".into()))?;
        let store = seq.store();
        if store.health_report(&key)?.is_some() {
            return Err(SequencerError::DuplicateHealthReport {
                attester,
                bioregion: r.bioregion,
                epoch: r.epoch,
            });
        }
        let mut w = store.write();
        w.put_health_report(&key, &value);
        store.commit(w)?;
        info!(target: "sequencer::health", bioregion = r.bioregion, epoch = r.epoch, %attester, "health report stored");
        let counts_until_epoch = r.epoch.saturating_add(self.config.fund.max_report_age);
        Ok(HealthReportReceipt { bioregion: r.bioregion, epoch: r.epoch, attester, counts_until_epoch })
    }

    /// The reports that may count for `epoch`: of epochs `epoch − max_report_age ..= epoch`,
    /// from registered attesters, per attester and bioregion its newest.
    fn reports_for(&self, seq: &Sequencer, epoch: u32) -> Result<Vec<SignedReport>, SequencerError> {
        let oldest = epoch.saturating_sub(self.config.fund.max_report_age);
        let mut newest: BTreeMap<(u32, [u8; 32]), SignedReport> = BTreeMap::new();
        for (k, v) in seq.store().health_reports_from(&oldest.to_be_bytes())? {
            let input: HealthReportInput = serde_json::from_slice(&v).map_err(|e| corrupt(&k, &e))?;
            let signed = input.to_signed().map_err(|e| corrupt(&k, &e))?;
            if signed.report.epoch > epoch {
                break;
            }
            if self.registry.index_of(&signed.attester).is_some() {
                // Key order is epoch order: a later report of the attester replaces its older one.
                newest.insert((signed.report.bioregion, pack_point(&signed.attester)), signed);
            }
        }
        Ok(newest.into_values().collect())
    }

    /// Bank `pool`'s activity in `epoch`, what it lacks, and why a score is impossible.
    fn activity(
        &self,
        seq: &Sequencer,
        pool: u32,
        epoch: u32,
        current: u32,
    ) -> Result<(BankActivity, ActivityView, Option<String>), SequencerError> {
        let mut a = BankActivity::default();
        let mut writedowns = 0u32;
        let mut unknown_purpose = 0u64;
        let mut n = seq.batches()?;
        while let Some(b) = n.checked_sub(1) {
            n = b;
            let Some(batch) = seq.batch(b)? else { break };
            if batch.epoch > epoch {
                continue;
            }
            if batch.epoch < epoch {
                break;
            }
            for s in batch.seqs {
                let Some(rec) = seq.tx(s)? else { continue };
                match rec.tx {
                    Tx::Credit(c) if c.bank == pool => {
                        let purpose = seq.store().credit(s)?.and_then(|p| p.purpose());
                        match purpose.map(usize::from).filter(|&p| p < N_PURPOSES) {
                            Some(p) => a.lent_by_purpose[p] = a.lent_by_purpose[p].saturating_add(c.amount),
                            None => unknown_purpose = unknown_purpose.saturating_add(c.amount),
                        }
                    }
                    Tx::Signed(t) if t.kind == TxKind::Repay && t.to == pool => {
                        a.repaid = a.repaid.saturating_add(t.amount.decode().unwrap_or(0));
                    }
                    Tx::Upkeep(u) if u.kind == TxKind::Writedown && u.bank == pool => writedowns += 1,
                    _ => {}
                }
            }
        }
        let mut absent = Vec::new();
        let mut unavailable = None;
        if unknown_purpose > 0 {
            absent.push(format!(
                "the purpose of {unknown_purpose} units lent (no credit record): left out of lentByPurpose"
            ));
        }
        if writedowns > 0 {
            absent.push("writtenDown: the log records a writedown, not its amount".into());
            unavailable = Some(format!(
                "{writedowns} writedown(s) in epoch {epoch} of unknown amount: the writedown rate, and so the score, cannot be computed"
            ));
        }
        let (mut balance, mut receivable) = (None, None);
        if epoch == current {
            if let Some(view) = seq.account(pool)? {
                a.pool_balance = view.pending.balance;
                a.receivable = view.pending.debt;
                (balance, receivable) = (Some(DecU64(a.pool_balance)), Some(DecU64(a.receivable)));
            } else {
                absent.push(format!("poolBalance, receivable: no account {pool}"));
            }
        } else {
            absent.push("poolBalance, receivable: the node keeps no state of a past epoch (velocity counts as missing)".into());
        }
        absent.push("voted, voters: the polls' participation is not derived yet (counts as missing)".into());
        let view = ActivityView {
            lent_by_purpose: a
                .lent_by_purpose
                .iter()
                .enumerate()
                .map(|(p, &v)| PurposeAmount {
                    purpose: purpose_name(p as u8).unwrap_or("unknown").to_owned(),
                    amount: DecU64(v),
                })
                .collect(),
            repaid: DecU64(a.repaid),
            writedowns,
            written_down: (writedowns == 0).then_some(DecU64(0)),
            pool_balance: balance,
            receivable,
            voted: None,
            voters: None,
            absent,
        };
        Ok((a, view, unavailable))
    }

    fn epoch_or_current(seq: &Sequencer, epoch: Option<u32>) -> Result<(u32, u32), SequencerError> {
        let current = seq.epoch()?;
        Ok((epoch.unwrap_or(current), current))
    }

    /// The banks the fund's table covers, pool → bioregion (see the
    /// [module documentation](self)), or why there is no table.
    fn fund_banks(&self, membership: &FundMembership) -> Result<BTreeMap<u32, u32>, String> {
        match membership {
            FundMembership::NoFund => Ok(self.config.banks.clone()),
            FundMembership::NotRead => Err(
                "the fund's members on L1 are not read yet (the fund watcher reads them with the fund's moves)"
                    .into(),
            ),
            FundMembership::Read(members) => {
                for (pool, bioregion) in &members.0 {
                    if !self.config.bioregions.contains_key(bioregion) {
                        return Err(format!(
                            "member {pool} is in bioregion {bioregion} on L1, which this node's health configuration does not list (no report of it is accepted)"
                        ));
                    }
                }
                Ok(members.0.clone())
            }
        }
    }

    /// Bank `pool`'s bioregion: its L1 one when it is a member of the fund, else the
    /// configuration's (`None`: neither).
    fn bioregion_of(&self, membership: &FundMembership, pool: u32) -> Option<u32> {
        match membership {
            FundMembership::Read(members) => members.0.get(&pool),
            _ => None,
        }
        .or_else(|| self.config.banks.get(&pool))
        .copied()
    }

    /// The fund's table for `epoch` over the banks of [`HealthBook::fund_banks`], in pool order,
    /// or why it lapses.
    fn table(
        &self,
        seq: &Sequencer,
        membership: &FundMembership,
        epoch: u32,
        current: u32,
    ) -> Result<Result<EpochTable, String>, SequencerError> {
        let banks = match self.fund_banks(membership) {
            Ok(banks) => banks,
            Err(why) => return Ok(Err(why)),
        };
        let mut members = Vec::new();
        for (&pool, &bioregion) in &banks {
            let (activity, view, unavailable) = self.activity(seq, pool, epoch, current)?;
            if let Some(why) = unavailable {
                return Ok(Err(format!("bank {pool}: {why}")));
            }
            if view.pool_balance.is_none() {
                return Ok(Err(format!(
                    "bank {pool}'s balance in epoch {epoch} is not known to this node (only the current epoch's is)"
                )));
            }
            members.push(FundMember { pool, bioregion, activity });
        }
        let reports = self.reports_for(seq, epoch)?;
        // The fund's balance on L1 (what the epoch proof's `fund_before` must be), as the fund
        // watcher last read it; 0 without a fund (nothing settled yet).
        let fund_before = seq.fund_cursor().map_or(0, |c| c.balance);
        Ok(self
            .config
            .fund
            .table(&self.config.health, &self.registry, epoch, fund_before, &members, &reports)
            .map_err(|e| e.to_string()))
    }

    /// `ccr_getHealth`.
    ///
    /// # Errors
    ///
    /// Storage errors.
    pub fn bank_health(
        &self,
        seq: &Sequencer,
        pool: u32,
        epoch: Option<u32>,
    ) -> Result<Option<BankHealth>, SequencerError> {
        let membership = seq.fund_membership();
        let Some(bioregion) = self.bioregion_of(&membership, pool) else { return Ok(None) };
        let (epoch, current) = Self::epoch_or_current(seq, epoch)?;
        let all = self.reports_for(seq, epoch)?;
        let of_region: Vec<SignedReport> =
            all.into_iter().filter(|r| r.report.bioregion == bioregion).collect();
        let (counted, mut score_unavailable) =
            match counted_reports(&self.config.fund, &self.registry, epoch, &of_region) {
                Ok(by_region) => (by_region.into_values().flatten().cloned().collect::<Vec<_>>(), None),
                Err(e) => (Vec::new(), Some(format!("the reports do not count: {e}"))),
            };
        let region_medians = medians(&counted.iter().map(|r| &r.report).collect::<Vec<_>>());
        let (activity, view, unavailable) = self.activity(seq, pool, epoch, current)?;
        score_unavailable = score_unavailable.or(unavailable);
        let health: HealthScore = self.config.health.score(&region_medians, &activity);
        let regional = INDICATORS
            .iter()
            .enumerate()
            .map(|(i, ind)| IndicatorView {
                name: ind.name.to_owned(),
                component: REGIONAL_COMPONENT[i].name().to_owned(),
                value: region_medians[i].map(DecI64),
                normalised: health.regional[i],
            })
            .collect();
        let (rollup, score) = if score_unavailable.is_some() {
            (Vec::new(), None)
        } else {
            let values = activity.indicators();
            let rollup = ROLLUP_INDICATORS
                .iter()
                .enumerate()
                .map(|(i, ind)| IndicatorView {
                    name: ind.name.to_owned(),
                    component: ind.component.name().to_owned(),
                    value: values[i].map(DecI64),
                    normalised: health.rollup[i],
                })
                .collect();
            let score = ScoreView {
                components: COMPONENTS
                    .iter()
                    .map(|c| ComponentView {
                        name: c.name().to_owned(),
                        weight: c.weight(),
                        value: health.components[c.index()],
                    })
                    .collect(),
                score: health.score,
                score100: score100(health.score),
            };
            (rollup, Some(score))
        };
        let (fund, fund_unavailable) = match self.table(seq, &membership, epoch, current)? {
            Ok(t) => match t.lines.iter().find(|l| l.pool == pool) {
                Some(l) => (Some(line_view(l)), None),
                None if matches!(membership, FundMembership::Read(_)) => {
                    (None, Some(format!("bank {pool} is not a member of the fund on L1")))
                }
                None => (None, Some(format!("bank {pool} is not in the table"))),
            },
            Err(why) => (None, Some(why)),
        };
        Ok(Some(BankHealth {
            pool,
            bioregion,
            bioregion_name: self.config.bioregions.get(&bioregion).cloned(),
            epoch,
            current_epoch: current,
            reports: counted
                .iter()
                .map(|r| CountedReport {
                    attester: to_hex(&pack_point(&r.attester)),
                    epoch: r.report.epoch,
                    data_year: r.report.data_year,
                    source_digest: to_hex(&r.report.source_digest),
                })
                .collect(),
            regional,
            activity: view,
            rollup,
            score,
            score_unavailable,
            fund,
            fund_unavailable,
        }))
    }

    /// Sets the health gauges (`crate::metrics::HEALTH_*`, `FUND_TABLE_*`) for the current
    /// epoch: each bioregion's report age and each of its attesters' deviation from the median,
    /// each bank's score and components (NaN while they cannot be computed), and the fund
    /// table's flows (or 0 in `FUND_TABLE_OK` when it would lapse).
    ///
    /// # Errors
    ///
    /// Storage errors.
    pub fn refresh_metrics(&self, seq: &Sequencer) -> Result<(), SequencerError> {
        use crate::metrics::{
            FUND_TABLE_FLOW, FUND_TABLE_OK, HEALTH_ATTESTER_DEVIATION, HEALTH_COMPONENT, HEALTH_REPORT_AGE,
            HEALTH_SCORE,
        };
        let (epoch, current) = Self::epoch_or_current(seq, None)?;
        let reports = self.reports_for(seq, epoch)?;
        for &bioregion in self.config.bioregions.keys() {
            let of: Vec<&SignedReport> = reports.iter().filter(|r| r.report.bioregion == bioregion).collect();
            let region = bioregion.to_string();
            let none_fresh = self.config.fund.max_report_age.saturating_add(1);
            let age = of.iter().map(|r| epoch.saturating_sub(r.report.epoch)).min().unwrap_or(none_fresh);
            metrics::gauge!(HEALTH_REPORT_AGE, "bioregion" => region.clone()).set(f64::from(age));
            let median = medians(&of.iter().map(|r| &r.report).collect::<Vec<_>>());
            for r in &of {
                let deviation = (0..INDICATORS.len())
                    .filter_map(|i| {
                        let (v, m) = (r.report.values[i]?, median[i]?);
                        let b = self.config.health.regional[i];
                        let range = (i128::from(b.best) - i128::from(b.worst)).unsigned_abs().max(1);
                        Some((i128::from(v) - i128::from(m)).unsigned_abs() * 10_000 / range)
                    })
                    .max()
                    .unwrap_or(0);
                let attester: String = to_hex(&pack_point(&r.attester)).chars().take(18).collect();
                metrics::gauge!(HEALTH_ATTESTER_DEVIATION, "bioregion" => region.clone(), "attester" => attester)
                    .set(deviation as f64);
            }
        }
        // One table for every bank's line; a bank's own health only when it lapses. The banks:
        // the configuration's and the fund's members.
        let membership = seq.fund_membership();
        let table = self.table(seq, &membership, epoch, current)?;
        metrics::gauge!(FUND_TABLE_OK).set(if table.is_ok() { 1.0 } else { 0.0 });
        let mut pools: BTreeSet<u32> = self.config.banks.keys().copied().collect();
        if let FundMembership::Read(members) = &membership {
            pools.extend(members.0.keys());
        }
        for pool in pools {
            let bank = pool.to_string();
            let line = table.as_ref().ok().and_then(|t| t.lines.iter().find(|l| l.pool == pool));
            // (score, components in `COMPONENTS`' order)
            let health: Option<(u64, Vec<u64>)> = match line {
                Some(l) => Some((l.health.score, l.health.components.to_vec())),
                None => self
                    .bank_health(seq, pool, Some(epoch))?
                    .and_then(|h| h.score)
                    .map(|s| (s.score, s.components.iter().map(|c| c.value).collect())),
            };
            metrics::gauge!(HEALTH_SCORE, "bank" => bank.clone())
                .set(health.as_ref().map_or(f64::NAN, |(score, _)| *score as f64));
            for c in COMPONENTS {
                let value =
                    health.as_ref().and_then(|(_, cs)| cs.get(c.index())).map_or(f64::NAN, |v| *v as f64);
                metrics::gauge!(HEALTH_COMPONENT, "bank" => bank.clone(), "component" => c.name()).set(value);
            }
            if let Some(l) = line {
                metrics::gauge!(FUND_TABLE_FLOW, "bank" => bank.clone(), "flow" => "contribution")
                    .set(l.contribution as f64);
                metrics::gauge!(FUND_TABLE_FLOW, "bank" => bank, "flow" => "grant").set(l.grant as f64);
            }
        }
        Ok(())
    }

    /// `ccr_getFund`: the table of `epoch` (`None` when it lapses, with why), the moves of the
    /// last settled table ([`fund_moves`]) and the fund's members on L1 the table covers.
    ///
    /// # Errors
    ///
    /// Storage errors.
    pub fn fund(&self, seq: &Sequencer, epoch: Option<u32>) -> Result<FundView, SequencerError> {
        let (epoch, current) = Self::epoch_or_current(seq, epoch)?;
        let membership = seq.fund_membership();
        let members = match &membership {
            FundMembership::Read(members) => Some(
                members
                    .0
                    .iter()
                    .map(|(&pool, &bioregion)| FundMemberView {
                        pool,
                        bioregion,
                        bioregion_name: self.config.bioregions.get(&bioregion).cloned(),
                    })
                    .collect(),
            ),
            _ => None,
        };
        let (table, table_unavailable) = match self.table(seq, &membership, epoch, current)? {
            Ok(t) => (
                Some(FundTable {
                    epoch: t.epoch,
                    fund_before: DecU64(t.fund_before),
                    collected: DecU64(t.collected),
                    distributable: DecU64(t.distributable),
                    granted: DecU64(t.granted),
                    fund_after: DecU64(t.fund_after),
                    lines: t.lines.iter().map(line_view).collect(),
                }),
                None,
            ),
            Err(why) => {
                info!(target: "sequencer::health", epoch, %why, "no fund table");
                (None, Some(why))
            }
        };
        Ok(FundView {
            epoch,
            current_epoch: current,
            table,
            table_unavailable,
            moves: fund_moves(seq)?,
            members,
        })
    }
}

/// The moves of the last settled table this node took, and the fund's log as last read
/// ([`Sequencer::fund_progress`]).
///
/// # Errors
///
/// Storage errors.
pub fn fund_moves(seq: &Sequencer) -> Result<FundMoves, SequencerError> {
    use crate::records::FundOutcome;
    let p = seq.fund_progress()?;
    let epoch = p.moves.first().and_then(|m| m.record.epoch);
    let moves = p
        .moves
        .iter()
        .map(|m| {
            let r = &m.record;
            let state = match r.outcome {
                FundOutcome::Pending => FundMoveState::Taken,
                FundOutcome::Paid(_) => FundMoveState::Paid,
                FundOutcome::Short(_) => FundMoveState::Short,
            };
            FundMoveView {
                position: m.position,
                from: r.fund_move.from,
                to: r.fund_move.to,
                amount: DecU64(r.fund_move.amount),
                state,
                seq: r.seq,
                batch: r.outcome.batch(),
                settled: m.settled,
            }
        })
        .collect();
    Ok(FundMoves { taken: p.taken, l1_next: p.l1.map(|c| c.next), l1_end: p.l1.map(|c| c.end), epoch, moves })
}

fn line_view(l: &ccr_circuits::health::fund::BankLine) -> FundLineView {
    FundLineView {
        pool: l.pool,
        bioregion: l.bioregion,
        score: l.health.score,
        need: l.need,
        weight: l.weight.to_string(),
        contribution: DecU64(l.contribution),
        cap: DecU64(l.cap),
        grant: DecU64(l.grant),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // tests: a panic is a failure with its location
mod tests {
    use super::*;

    #[test]
    fn a_config_needs_listed_bioregions_and_canonical_keys() {
        let file = HealthConfigFile { banks: [(3, 1)].into(), ..Default::default() };
        assert!(HealthConfig::from_parts(file).unwrap_err().to_string().contains("bioregion 1"));
        let file = HealthConfigFile { attesters: vec!["0x01".into()], ..Default::default() };
        assert!(HealthConfig::from_parts(file).is_err());
        let empty: HealthConfigFile = serde_json::from_str("{}").unwrap();
        let c = HealthConfig::from_parts(empty).unwrap();
        assert_eq!((c.health, c.fund), (HealthParams::default(), FundParams::default()));
    }

    #[test]
    fn score_on_the_seeds_scale() {
        assert_eq!(score100(6742), "67.42");
        assert_eq!(score100(10_000), "100.00");
        assert_eq!(score100(5), "0.05");
    }
}
