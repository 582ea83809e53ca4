//! `attester health-report`: an attester reads public data (files it fetched: the OECD, Our
//! World in Data, the World Bank, Eurostat), selects the health indicators of a region for a
//! year, and signs them as the indicator report of a bioregion for a rollup epoch
//! ([`crate::health`]).

use std::path::PathBuf;

use ccr_bioregion::report::reader;
use ccr_bioregion::{indicators, ReadOptions, RegionCode, SourceId};
use clap::Args;
use serde_json::json;

use crate::cli::{Output, Settings};
use crate::error::WalletError;
use crate::fsutil::write_public_atomic;
use crate::health::{report_of, sign_report, source_digest};
use crate::keystore;

/// `attester health-report`'s options.
#[derive(Debug, Clone, Args)]
#[command(after_help = "Examples:\n  \
        ccr-wallet attester health-report --key attester.json --bioregion 3 --epoch 12 \\\n      \
        --source oecd-stat --file bioregion/data/oecd_bli.csv \\\n      \
        --source owid --file bioregion/data/owid-co2-bli-2015-2018.csv \\\n      \
        --region DEU --year 2020 --out report.json\n\
        Each --source names how to read the --file given after it (pairs, in order); the first\n\
        source in the catalogue's order with a value within --max-age years wins. Values are\n\
        signed as value x 10^4; a missing one stays missing. The report is public.\n\
        The attester keystore's password comes from --password-file or the prompt.")]
pub struct HealthReportArgs {
    /// The attester's keystore (its L2 key signs; it must be in the network's health
    /// attester registry for the report to count).
    #[arg(long, value_name = "FILE")]
    pub key: PathBuf,
    /// How to read the matching --file (repeat: one per file).
    #[arg(long, value_enum, value_name = "SOURCE", required = true)]
    pub source: Vec<SourceId>,
    /// A source's response or file, as fetched (repeat: one per --source).
    #[arg(long, value_name = "FILE", required = true)]
    pub file: Vec<PathBuf>,
    /// The data's region: ISO 3166-1 alpha-3 (DEU), or a NUTS code for Eurostat.
    #[arg(long)]
    pub region: String,
    /// The year the values should describe.
    #[arg(long)]
    pub year: u16,
    /// Use values up to this many years older than --year when the year has none.
    #[arg(long, default_value_t = 3)]
    pub max_age: u16,
    /// The bioregion the report is for (its index in the network's list).
    #[arg(long)]
    pub bioregion: u32,
    /// The rollup epoch the report is for.
    #[arg(long)]
    pub epoch: u32,
    /// OECD.Stat files state no data year: the year their rows describe [default: 2020].
    #[arg(long)]
    pub year_when_unstated: Option<u16>,
    /// Eurostat: the dataset code of the file.
    #[arg(long)]
    pub dataset: Option<String>,
    /// The report file to write (public).
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
}

impl HealthReportArgs {
    /// Reads the files, selects the indicators, signs the report and writes it.
    ///
    /// # Errors
    ///
    /// [`WalletError::Config`] for unmatched --source/--file, a file a source cannot read, a
    /// region code that is none, no value at all; the keystore's errors.
    pub fn run(self, s: &Settings) -> Result<Output, WalletError> {
        let Self {
            key,
            source,
            file,
            region,
            year,
            max_age,
            bioregion,
            epoch,
            year_when_unstated,
            dataset,
            out,
        } = self;
        if source.len() != file.len() {
            return Err(WalletError::Config(format!(
                "{} --source and {} --file: give them in pairs, each --source before its --file",
                source.len(),
                file.len()
            )));
        }
        let region_code = RegionCode::parse(&region).ok_or_else(|| {
            WalletError::Config(format!(
                "--region {region:?}: an ISO 3166-1 alpha-3 or NUTS code, such as DEU"
            ))
        })?;
        let options = ReadOptions { year_when_unstated, dataset };
        let bytes = file
            .iter()
            .map(|p| std::fs::read(p).map_err(|e| WalletError::io(p, e)))
            .collect::<Result<Vec<_>, _>>()?;
        let readers = source
            .iter()
            .map(|id| reader(*id, &options).map_err(|e| WalletError::Config(e.to_string())))
            .collect::<Result<Vec<_>, _>>()?;
        let inputs: Vec<(&dyn ccr_bioregion::DataSource, &[u8])> =
            readers.iter().map(|r| r.as_ref()).zip(bytes.iter().map(Vec::as_slice)).collect();
        let selected = indicators(&inputs, &region_code, year, max_age)
            .map_err(|e| WalletError::Config(e.to_string()))?
            .indicators;
        let digest = source_digest(&bytes.iter().map(Vec::as_slice).collect::<Vec<_>>());
        let report = report_of(&selected, bioregion, epoch, digest)?;
        if !key.exists() {
            return Err(WalletError::NoKeystore { path: key });
        }
        let attester = keystore::open(&key, &s.password(false)?)?;
        let file = sign_report(&attester.l2, report, &region, &selected)?;
        let json = serde_json::to_vec_pretty(&file).map_err(|e| WalletError::Config(e.to_string()))?;
        write_public_atomic(&out, &json).map_err(|(p, e)| WalletError::io(&p, e))?;
        let present = file.indicators.iter().filter(|v| v.value.is_some()).count();
        Ok(Output {
            text: format!(
                "signed the health report of bioregion {bioregion} for epoch {epoch}: {present} of {} indicators \
                 for {region} (data of {}), source digest {}\nwritten to {}",
                file.indicators.len(),
                file.data_year,
                file.source_digest,
                out.display()
            ),
            json: json!({ "out": out.display().to_string(), "bioregion": bioregion, "epoch": epoch,
                "data_year": file.data_year, "present": present, "attester": file.attester }),
        })
    }
}
