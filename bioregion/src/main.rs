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
    /// Like `indicators`, the data fetched from the source's API instead of read from a file
    /// (built with the `live` feature).
    #[cfg(feature = "live")]
    Fetch(live::FetchArgs),
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
        #[cfg(feature = "live")]
        Command::Fetch(args) => serde_json::to_string_pretty(&live::run(args)?)?,
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

/// The `fetch` command: a query built from the catalogue's codes of the source, sent to its API.
#[cfg(feature = "live")]
mod live {
    use anyhow::{anyhow, bail};
    use ccr_bioregion::report::catalogue_codes;
    use ccr_bioregion::{
        select, Eurostat, IndicatorReport, OecdSdmx, OecdStat, OwidBulk, OwidGrapher, Query, RegionCode,
        SdmxKeyPart, SourceId, SourceKind, WorldBank,
    };
    use clap::Args;

    /// What to fetch.
    #[derive(Args)]
    pub struct FetchArgs {
        /// The source's API.
        #[arg(long, value_enum)]
        source: SourceId,
        /// The region: ISO 3166-1 alpha-3 (DEU), or a NUTS code (DE21) for Eurostat.
        #[arg(long)]
        region: String,
        /// The year.
        #[arg(long)]
        year: u16,
        /// How many years older than `--year` a value may be (and how far back to ask).
        #[arg(long, default_value_t = 3)]
        max_age: u16,
        /// The indicator codes to ask for; the catalogue's codes of the source by default.
        #[arg(long)]
        indicator: Vec<String>,
        /// OECD.Stat: the data year of rows that state none.
        #[arg(long, default_value_t = 2020)]
        year_when_unstated: u16,
        /// OECD SDMX: the agency (OECD.WISE.WDP).
        #[arg(long)]
        agency: Option<String>,
        /// OECD SDMX: the dataflow, DSD@DF.
        #[arg(long)]
        dataflow: Option<String>,
        /// OECD SDMX: the dataflow's version (empty: the latest).
        #[arg(long, default_value = "")]
        version: String,
        /// OECD SDMX: the data key, `{regions}` and `{indicators}` standing for the query's
        /// (`{regions}.{indicators}._T.`).
        #[arg(long, default_value = "{regions}.{indicators}")]
        key: String,
        /// OWID grapher: the chart's slug.
        #[arg(long)]
        slug: Option<String>,
        /// Eurostat: the dataset code.
        #[arg(long)]
        dataset: Option<String>,
    }

    /// Fetches, parses and selects.
    pub fn run(args: FetchArgs) -> anyhow::Result<IndicatorReport> {
        let region = RegionCode::parse(&args.region)
            .ok_or_else(|| anyhow!("`{}` is not an ISO 3166-1 alpha-3 or NUTS code", args.region))?;
        let indicators = if args.indicator.is_empty() {
            catalogue_codes(args.source).into_iter().map(str::to_owned).collect()
        } else {
            args.indicator.clone()
        };
        let query = Query {
            regions: vec![region.clone()],
            indicators,
            first_year: args.year.saturating_sub(args.max_age),
            last_year: args.year,
        };
        let need = |v: &Option<String>, flag: &str| {
            v.clone().ok_or_else(|| anyhow!("--source {} needs {flag}", args.source.name()))
        };
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
        let observations = runtime.block_on(async {
            Ok::<_, anyhow::Error>(match args.source {
                SourceId::Worldbank => {
                    if query.indicators.is_empty() {
                        bail!("no indicator to ask the World Bank for");
                    }
                    ccr_bioregion::live::fetch_worldbank(
                        &WorldBank::new(SourceKind::EcologicalHealth),
                        &query,
                    )
                    .await?
                }
                SourceId::OecdStat => {
                    let source = OecdStat::bli(SourceKind::CommunityWellbeing, args.year_when_unstated);
                    ccr_bioregion::live::fetch(&source, &query).await?
                }
                SourceId::OecdSdmx => {
                    let key = args
                        .key
                        .split('.')
                        .map(|part| match part {
                            "{regions}" => SdmxKeyPart::Regions,
                            "{indicators}" => SdmxKeyPart::Indicators,
                            "" => SdmxKeyPart::Any,
                            code => SdmxKeyPart::Fixed(code.to_owned()),
                        })
                        .collect();
                    let source = OecdSdmx {
                        kind: SourceKind::CommunityWellbeing,
                        agency: need(&args.agency, "--agency")?,
                        dataflow: need(&args.dataflow, "--dataflow")?,
                        version: args.version.clone(),
                        key,
                    };
                    ccr_bioregion::live::fetch(&source, &query).await?
                }
                SourceId::Owid => {
                    let columns: Vec<&str> = query.indicators.iter().map(String::as_str).collect();
                    ccr_bioregion::live::fetch(&OwidBulk::co2(&columns), &query).await?
                }
                SourceId::OwidGrapher => {
                    let source =
                        OwidGrapher { kind: SourceKind::EcologicalHealth, slug: need(&args.slug, "--slug")? };
                    ccr_bioregion::live::fetch(&source, &query).await?
                }
                SourceId::Eurostat => {
                    let source = Eurostat {
                        kind: SourceKind::CommunityWellbeing,
                        dataset: need(&args.dataset, "--dataset")?,
                        filters: Vec::new(),
                    };
                    ccr_bioregion::live::fetch(&source, &query).await?
                }
            })
        })?;
        Ok(IndicatorReport {
            sources: vec![args.source],
            region: region.clone(),
            year: args.year,
            max_age: args.max_age,
            indicators: select(&observations, &region, args.year, args.max_age)?,
        })
    }
}
