//! `ccr-bioregion`: an attester's indicators for a bioregion and year, read from a source's
//! response saved to a file (the live fetch is the library's `live` feature).

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{anyhow, bail, Context};
use ccr_bioregion::report::{observations, reader};
use ccr_bioregion::{indicators, DataSource, ReadOptions, RegionCode, SourceId};
use clap::{Args, Parser, Subcommand};

/// Indicators of a bioregion from public statistics (OECD, Our World in Data, World Bank,
/// Eurostat), as JSON.
#[derive(Parser)]
#[command(version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// One value per catalogue indicator for a region and year: that year's, or the latest
    /// earlier one within `--max-age` years (with the data year used); missing stays null.
    Indicators {
        #[command(flatten)]
        input: Input,
        /// The year.
        #[arg(long)]
        year: u16,
        /// How many years older than `--year` a value may be.
        #[arg(long, default_value_t = 3)]
        max_age: u16,
    },
    /// Every observation of a region in the file (of `--year` when given).
    Observations {
        #[command(flatten)]
        input: Input,
        /// Only this data year.
        #[arg(long)]
        year: Option<u16>,
    },
}

/// Each source's adapter with its file's contents.
type Inputs = Vec<(Box<dyn DataSource>, Vec<u8>)>;

#[derive(Args)]
struct Input {
    /// The source whose response (or file in its layout) `--file` holds; repeat both to read
    /// several (`--source oecd-stat --file oecd_bli.csv --source owid --file owid.csv`).
    #[arg(long, value_enum, required = true)]
    source: Vec<SourceId>,
    /// The response or file of the `--source` in the same place.
    #[arg(long, required = true)]
    file: Vec<PathBuf>,
    /// The region: ISO 3166-1 alpha-3 (DEU), or a NUTS code (DE21) for Eurostat.
    #[arg(long)]
    region: String,
    /// OECD.Stat: the data year of rows that state none (the BLI edition's).
    #[arg(long, default_value_t = 2020)]
    year_when_unstated: u16,
    /// Eurostat: the dataset code (lfst_r_lfe2emprt), which names the indicators.
    #[arg(long)]
    dataset: Option<String>,
}

impl Input {
    /// Each source's adapter and file contents, and the region.
    fn read(&self) -> anyhow::Result<(Inputs, RegionCode)> {
        if self.source.len() != self.file.len() {
            bail!(
                "{} --source for {} --file: give one --file per --source",
                self.source.len(),
                self.file.len()
            );
        }
        let options =
            ReadOptions { year_when_unstated: Some(self.year_when_unstated), dataset: self.dataset.clone() };
        let mut inputs = Vec::new();
        for (id, path) in self.source.iter().zip(&self.file) {
            let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
            inputs.push((reader(*id, &options)?, bytes));
        }
        let region = RegionCode::parse(&self.region)
            .ok_or_else(|| anyhow!("`{}` is not an ISO 3166-1 alpha-3 or NUTS code", self.region))?;
        Ok((inputs, region))
    }
}

fn borrow(inputs: &[(Box<dyn DataSource>, Vec<u8>)]) -> Vec<(&dyn DataSource, &[u8])> {
    inputs.iter().map(|(s, b)| (s.as_ref(), b.as_slice())).collect()
}

fn run(cli: Cli) -> anyhow::Result<String> {
    Ok(match cli.command {
        Command::Indicators { input, year, max_age } => {
            let (inputs, region) = input.read()?;
            serde_json::to_string_pretty(&indicators(&borrow(&inputs), &region, year, max_age)?)?
        }
        Command::Observations { input, year } => {
            let (inputs, region) = input.read()?;
            serde_json::to_string_pretty(&observations(&borrow(&inputs), &region, year)?)?
        }
    })
}

fn main() -> ExitCode {
    match run(Cli::parse()) {
        Ok(json) => {
            // A closed pipe (`| head`) is not an error of ours.
            let _ = writeln!(std::io::stdout(), "{json}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
