//! Command-line options of `ccr-sequencer` and their translation into a [`NodeConfig`].

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use ccr_circuits::state::{Domain, RollupParams};
use clap::Parser;

use crate::fleet::{FleetConfig, ProverSecret};
use crate::node::NodeConfig;
use crate::prover::{BatchKeys, BatchVerifier, KeyError};
use crate::sequencer::SequencerConfig;
use crate::vote_relay::VoteRelayLimits;

/// Reads the configuration file named by `--config FILE` (or the environment's `CCR_CONFIG`) and
/// returns `argv` with its settings added as flags of `cmd`. The file holds `CCR_NAME=value`
/// lines, the options' environment names (`#` starts a comment; a value may be quoted): the
/// format of systemd's `EnvironmentFile` and docker's `--env-file`, so one file serves all
/// three. A flag (`--dev`) takes `true` or `false`. The command line wins over the environment,
/// and both over the file.
///
/// # Errors
///
/// A file that does not read, a line without `=`, a name no option has, a flag's value that is
/// not a boolean; each message names the file and the line.
pub fn args_with_config(
    cmd: &clap::Command,
    argv: Vec<std::ffi::OsString>,
    env: impl Fn(&str) -> Option<String>,
) -> Result<Vec<std::ffi::OsString>, String> {
    let given = |long: &str| {
        argv.iter().any(|a| {
            a.to_str().is_some_and(|a| a == format!("--{long}") || a.starts_with(&format!("--{long}=")))
        })
    };
    let path = argv
        .iter()
        .position(|a| a == "--config")
        .and_then(|i| argv.get(i + 1).map(PathBuf::from))
        .or_else(|| argv.iter().find_map(|a| a.to_str()?.strip_prefix("--config=").map(PathBuf::from)))
        .or_else(|| env("CCR_CONFIG").map(PathBuf::from));
    let Some(path) = path else { return Ok(argv) };
    let text = std::fs::read_to_string(&path)
        .map_err(|e| format!("reading the configuration file {}: {e}", path.display()))?;
    let mut added = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let at = || format!("{} line {}", path.display(), n + 1);
        let (name, value) =
            line.split_once('=').ok_or_else(|| format!("{}: expected CCR_NAME=value, got {line:?}", at()))?;
        let (name, value) = (name.trim().trim_start_matches("export ").trim(), value.trim());
        let value = value
            .strip_prefix('"')
            .and_then(|v| v.strip_suffix('"'))
            .or_else(|| value.strip_prefix('\'').and_then(|v| v.strip_suffix('\'')))
            .unwrap_or(value);
        let arg = cmd
            .get_arguments()
            .find(|a| a.get_env().is_some_and(|e| e == name))
            .ok_or_else(|| format!("{}: no option reads {name} (see --help for the CCR_… names)", at()))?;
        let Some(long) = arg.get_long() else { continue };
        if env(name).is_some() || given(long) {
            continue;
        }
        if arg.get_action().takes_values() {
            added.push(format!("--{long}").into());
            added.push(value.into());
        } else {
            match value {
                "true" | "1" => added.push(format!("--{long}").into()),
                "false" | "0" | "" => {}
                other => return Err(format!("{}: {name} is a flag: true or false, not {other:?}", at())),
            }
        }
    }
    let mut out = argv;
    let tail = out.split_off(out.len().min(1));
    out.extend(added);
    out.extend(tail);
    Ok(out)
}

/// Parses the process's command line as `A`, with the settings of its configuration file
/// ([`args_with_config`]) and environment; like `A::parse()`, it prints the error and exits
/// with status 2 on bad input.
pub fn parse_with_config<A: Parser>() -> A {
    let argv: Vec<std::ffi::OsString> = std::env::args_os().collect();
    // `--completions SHELL` and `--man` stand alone: answered before the options are parsed
    // (the derived parser would ask for the required ones).
    match generated_for::<A>(&argv) {
        Ok(Some(text)) => {
            print!("{text}");
            std::process::exit(0);
        }
        Ok(None) => {}
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(2);
        }
    }
    match args_with_config(&A::command(), argv, |k| std::env::var(k).ok()) {
        Ok(argv) => A::parse_from(argv),
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(2);
        }
    }
}

/// What a command line of only `--completions SHELL` or `--man` asks of the binary with
/// options `A`: the completion script or the man page, generated from the clap definitions;
/// `None` for any other command line (`A`'s parser then refuses those two beside other options).
///
/// # Errors
///
/// An unknown shell; rendering the man page failed (I/O into memory: not expected).
pub fn generated_for<A: clap::CommandFactory>(argv: &[std::ffi::OsString]) -> Result<Option<String>, String> {
    let args: Vec<&str> = argv.iter().skip(1).filter_map(|a| a.to_str()).collect();
    if args.len() + 1 != argv.len() {
        return Ok(None);
    }
    let shell = match args.as_slice() {
        ["--man"] => None,
        ["--completions", shell] => Some(*shell),
        [one] => match one.strip_prefix("--completions=") {
            Some(shell) => Some(shell),
            None => return Ok(None),
        },
        _ => return Ok(None),
    };
    let mut cmd = A::command();
    let name = cmd.get_name().to_owned();
    let mut out = Vec::new();
    match shell {
        Some(shell) => {
            let shell: clap_complete::Shell = shell
                .parse()
                .map_err(|_| format!("--completions {shell}: one of bash, zsh, fish, elvish, powershell"))?;
            clap_complete::generate(shell, &mut cmd, name, &mut out);
        }
        None => {
            clap_mangen::Man::new(cmd).render(&mut out).map_err(|e| format!("rendering the man page: {e}"))?
        }
    }
    Ok(Some(String::from_utf8_lossy(&out).into_owned()))
}

/// Seed of the development setup used when no `--keys` are given: the seed of the committed
/// verifier's key ([`ccr_verifier_contracts::COMMITTED_VERIFIER_KEY`]), so that a node with
/// the default parameters proves for the verifier the embedded L1 deploys. Public on purpose:
/// keys from it are insecure by construction.
pub const DEV_SEED: [u8; 32] = ccr_verifier_contracts::COMMITTED_VERIFIER_KEY.seed;

/// The sequencer of the community credit rollup.
///
/// Accepts signed transfers and exits over JSON-RPC, batches them with the L1 deposits, proves
/// every batch (Groth16/BN254) and keeps everything in RocksDB. Logs go to stderr; set
/// `RUST_LOG` (e.g. `RUST_LOG=sequencer=debug`) to change what is shown. Every option may also
/// come from the environment (`CCR_…`, shown with each option; a flag takes `true`), as
/// containers are configured, or from a file of such lines (`--config`). SIGTERM or Ctrl-C
/// stops the node gracefully.
#[derive(Debug, Clone, Parser)]
#[command(name = "ccr-sequencer", version)]
pub struct Args {
    /// Print the shell completion script for SHELL and exit (e.g. `ccr-sequencer --completions bash >
    /// ~/.local/share/bash-completion/completions/ccr-sequencer`; zsh, fish, elvish, powershell).
    #[arg(long, value_name = "SHELL", exclusive = true)]
    pub completions: Option<clap_complete::Shell>,
    /// Print the manual page (roff) and exit: `ccr-sequencer --man > ccr-sequencer.1 && man ./ccr-sequencer.1`.
    #[arg(long, exclusive = true)]
    pub man: bool,
    /// A configuration file of `CCR_NAME=value` lines, the environment names shown with each
    /// option (docker's `--env-file` and systemd's `EnvironmentFile` format). The command line
    /// and the environment win over it.
    #[arg(long, env = "CCR_CONFIG", value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Database directory (created if missing).
    #[arg(long, env = "CCR_DB")]
    pub db: PathBuf,
    /// JSON-RPC listen address (8645: 8545 is where L1 nodes such as anvil and geth listen).
    #[arg(long, default_value = "127.0.0.1:8645", env = "CCR_RPC")]
    pub rpc: SocketAddr,
    /// Prometheus `/metrics` listen address (keep it on loopback).
    #[arg(long, default_value = "127.0.0.1:9100", env = "CCR_METRICS")]
    pub metrics: SocketAddr,
    /// Do not serve `/metrics`.
    #[arg(long, env = "CCR_NO_METRICS")]
    pub no_metrics: bool,
    /// Depth of the account tree (the circuit's; production: 24).
    #[arg(long, default_value_t = 24, env = "CCR_DEPTH")]
    pub depth: usize,
    /// Transactions per batch (the circuit's).
    #[arg(long, default_value_t = 16, env = "CCR_BATCH_SIZE")]
    pub batch_size: usize,
    /// Seal a partial batch once the oldest pending transaction waited this long
    /// (`500ms`, `2s`, `1m`; a bare number is seconds).
    #[arg(long, default_value = "2s", value_parser = parse_duration, env = "CCR_BATCH_TIMEOUT")]
    pub batch_timeout: Duration,
    /// L2 transactions the mempool holds at most.
    #[arg(long, default_value_t = 4096, env = "CCR_MEMPOOL_CAPACITY")]
    pub mempool_capacity: usize,
    /// At start-up, rebuild the state by replaying the whole transaction log through the
    /// transition function and check every stored batch against it, instead of loading the
    /// snapshot saved with the last batch: an audit, whose time grows with history (the
    /// snapshot is then rewritten). Without it, start-up loads the snapshot, checks it against
    /// the last batch's root, and replays only what came after; a snapshot that fails a check
    /// is rebuilt this way, with a warning.
    #[arg(long, env = "CCR_FULL_REPLAY")]
    pub full_replay: bool,
    /// Directory of the banks' published files to mirror through `ccr_getBankFile`
    /// (`policy-<hash>.json`, `registry-<root>.json`, `eligibility-<vkHash>.pk`, as
    /// `ccr-wallet bank publish` writes them): members' wallets fetch them to apply for credit
    /// and check them against L1. Without it the node serves none.
    #[arg(long, env = "CCR_BANK_FILES", value_name = "DIR")]
    pub bank_files: Option<PathBuf>,
    /// The network's community-health configuration, a JSON file: the health attesters'
    /// packed keys (`attesters`), the bioregions by index with a name (`bioregions`:
    /// `{"0": "Germany (DEU)"}`), each bank's bioregion by pool account (`banks`: `{"3": 0}`),
    /// and optionally the frozen bounds (`health`) and the fund's parameters (`fund`). Without
    /// it the registry is empty: every `ccr_sendHealthReport` is refused as unregistered, and
    /// no bank has a health score.
    #[arg(long, env = "CCR_HEALTH_CONFIG", value_name = "FILE")]
    pub health_config: Option<PathBuf>,
    /// Directory with `batch.pk` and `batch.vk` for these parameters. Without it, and only with
    /// `--dev`, the node runs an INSECURE deterministic development setup at start-up.
    #[arg(long, env = "CCR_KEYS")]
    pub keys: Option<PathBuf>,
    /// Do not prove (batches stay sealed; another node proves them).
    #[arg(long, conflicts_with_all = ["keys", "prover_api"], env = "CCR_NO_PROVER")]
    pub no_prover: bool,
    /// Leave proving to a fleet of `ccr-prover-worker` processes: serve the prover job API on
    /// this address (not the public API's; e.g. `0.0.0.0:8646` in a pod). The node then needs
    /// only `batch.vk` in `--keys`. Needs `--prover-secret-file`.
    #[arg(long, env = "CCR_PROVER_API", requires = "prover_secret_file")]
    pub prover_api: Option<SocketAddr>,
    /// File holding the fleet's shared secret (at least 16 bytes; `openssl rand -hex 32`):
    /// workers send it as `Authorization: Bearer <secret>`.
    #[arg(long, env = "CCR_PROVER_SECRET_FILE")]
    pub prover_secret_file: Option<PathBuf>,
    /// A worker's lease on a batch lapses when not renewed for this long (workers renew every
    /// third of it); the batch then goes to another worker.
    #[arg(long, default_value = "60s", value_parser = parse_duration, env = "CCR_PROVER_LEASE")]
    pub prover_lease: Duration,
    /// Ethereum JSON-RPC URL of L1 (e.g. anvil's `http://127.0.0.1:8545`, or a hosted node's
    /// `https://…`: TLS with the system's roots, see `--l1-ca-file`), with `--rollup`.
    /// Without it, and only with `--dev`, the node starts an EMBEDDED L1 (revm, in memory,
    /// chain id 31337) on `--l1-listen`, deploys the contracts there and settles on it.
    #[arg(long, env = "CCR_L1_RPC", requires = "rollup")]
    pub l1_rpc: Option<String>,
    /// Address of the rollup contract on `--l1-rpc`.
    #[arg(long, env = "CCR_ROLLUP")]
    pub rollup: Option<String>,
    /// PEM file of certificates to trust for an `https://` `--l1-rpc` besides the system's
    /// roots (an endpoint whose certificate a private CA signed).
    #[arg(long, env = "CCR_L1_CA_FILE", requires = "l1_rpc")]
    pub l1_ca_file: Option<PathBuf>,
    /// L1 block the rollup was deployed in (where reading its events starts).
    #[arg(long, default_value_t = 0, env = "CCR_L1_START_BLOCK")]
    pub l1_start_block: u64,
    /// File holding the hex private key of the L1 account that submits batches.
    #[arg(long, env = "CCR_L1_KEY_FILE")]
    pub l1_key_file: Option<PathBuf>,
    /// Use development account N (anvil's well-known keys; dev chains only) to submit batches.
    #[arg(long, conflicts_with = "l1_key_file", env = "CCR_L1_DEV_ACCOUNT")]
    pub l1_dev_account: Option<usize>,
    /// Blocks a deposit must be buried under before the node ingests it.
    #[arg(long, default_value_t = 0, env = "CCR_L1_CONFIRMATIONS")]
    pub l1_confirmations: u64,
    /// How often L1 is polled for deposits (and the retry delay of a failed settlement).
    #[arg(long, default_value = "500ms", value_parser = parse_duration, env = "CCR_L1_POLL")]
    pub l1_poll: Duration,
    /// Address of the `Poll` contract (quadratic voting) beside the rollup: `ccr_sendVote`
    /// relays vote messages to it from the L1 account that submits batches. Without it the
    /// node relays no votes. (Not `--l1-poll`: that is the polling interval.)
    #[arg(long, env = "CCR_POLL_CONTRACT", conflicts_with = "no_l1")]
    pub l1_poll_contract: Option<String>,
    /// Address of the `SolidarityFund` contract the rollup's fund slots carry out (the rollup's
    /// `fund()`): the node takes the moves of its settled tables into its batches, in its log's
    /// order. Checked at start: the fund's L2 account must be one the fund opened on this
    /// rollup. Without it the node carries out no move, and the fund's tables cannot settle
    /// past the first.
    #[arg(long, env = "CCR_FUND_CONTRACT", conflicts_with = "no_l1")]
    pub l1_fund_contract: Option<String>,
    /// Vote relay: messages per poll at most, whatever its number of voters. The poll's message
    /// count on L1 is what counts, so a restart does not reset it.
    #[arg(long, default_value_t = 1024, env = "CCR_VOTE_RELAY_POLL_MAX", value_parser = clap::value_parser!(u64).range(1..))]
    pub vote_relay_poll_max: u64,
    /// Vote relay: messages per poll at most, per voter of the poll (a vote, a key change,
    /// changes of mind); the poll's limit is the smaller of this times its voters and
    /// `--vote-relay-poll-max`.
    #[arg(long, default_value_t = 4, env = "CCR_VOTE_RELAY_PER_VOTER", value_parser = clap::value_parser!(u64).range(1..))]
    pub vote_relay_per_voter: u64,
    /// Vote relay: messages of one poll with the same ephemeral encryption key at most (wallets
    /// draw a fresh key per message; this refuses replays).
    #[arg(long, default_value_t = 1, env = "CCR_VOTE_RELAY_PER_KEY", value_parser = clap::value_parser!(u64).range(1..))]
    pub vote_relay_per_key: u64,
    /// Vote relay: relays at most per `--vote-relay-window`, all polls together (each costs the
    /// node's L1 account ≈ 352k gas).
    #[arg(long, default_value_t = 120, env = "CCR_VOTE_RELAY_GLOBAL_MAX", value_parser = clap::value_parser!(u64).range(1..))]
    pub vote_relay_global_max: u64,
    /// Vote relay: the sliding window of `--vote-relay-global-max` (`30s`, `60m`).
    #[arg(long, default_value = "60m", env = "CCR_VOTE_RELAY_WINDOW", value_parser = parse_duration)]
    pub vote_relay_window: Duration,
    /// Listen address of the embedded L1's JSON-RPC (when no `--l1-rpc` is given).
    #[arg(long, default_value = "127.0.0.1:8546", env = "CCR_L1_LISTEN")]
    pub l1_listen: SocketAddr,
    /// Escape delay of the contracts the embedded L1 deploys, in blocks: a deposit or forced
    /// exit left unprocessed this long lets anyone start exit mode.
    #[arg(long, default_value_t = 1000, env = "CCR_ESCAPE_DELAY")]
    pub escape_delay: u64,
    /// No L1 at all: deposits are not watched and batches are not settled (for tests).
    #[arg(long, conflicts_with_all = ["l1_rpc", "rollup"], env = "CCR_NO_L1")]
    pub no_l1: bool,
    /// Development mode: allows what must never guard value, each only when asked for by
    /// omission: the embedded L1 (no `--l1-rpc`), the INSECURE development keys (no `--keys`)
    /// and the well-known development L1 accounts (`--l1-dev-account`, or none given on the
    /// embedded L1). Without `--dev` each of these is an error naming what to give instead.
    #[arg(long, env = "CCR_DEV")]
    pub dev: bool,
}

/// Where the node's L1 comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum L1Mode {
    /// No L1.
    None,
    /// Start an embedded L1 and deploy the contracts on it.
    Embedded,
    /// An existing rollup on an Ethereum JSON-RPC node.
    Rpc {
        /// URL.
        url: String,
        /// Rollup contract address (hex).
        rollup: String,
    },
}

/// Errors of the command line.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// Bad parameters.
    #[error("invalid rollup parameters: {0}")]
    Params(#[from] ccr_circuits::state::ParamsError),
    /// Keys do not load.
    #[error(transparent)]
    Keys(#[from] KeyError),
    /// An L1 option is wrong.
    #[error("{0}")]
    L1(String),
    /// A development-only default was needed without `--dev`.
    #[error("{0}")]
    NeedsDev(String),
    /// A vote relay limit is unusable.
    #[error("{0}")]
    VoteRelay(String),
    /// A prover fleet option is wrong.
    #[error("{0}")]
    Fleet(String),
    /// The prover fleet's secret does not load.
    #[error(transparent)]
    Secret(#[from] crate::fleet::SecretError),
    /// The health configuration does not load.
    #[error(transparent)]
    Health(#[from] crate::health_reports::HealthConfigError),
}

/// Parses `500ms`, `2s`, `1m` or a bare number of seconds.
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    let s = s.trim();
    let (num, unit) = match s.find(|c: char| !(c.is_ascii_digit() || c == '.')) {
        Some(i) => s.split_at(i),
        None => (s, "s"),
    };
    let x: f64 = num.parse().map_err(|_| format!("invalid duration {s:?}"))?;
    let secs = match unit {
        "ms" => x / 1000.0,
        "s" => x,
        "m" => x * 60.0,
        _ => return Err(format!("unknown unit {unit:?} in {s:?} (use ms, s or m)")),
    };
    Duration::try_from_secs_f64(secs).map_err(|e| format!("invalid duration {s:?}: {e}"))
}

impl Args {
    /// Where L1 comes from.
    pub fn l1_mode(&self) -> L1Mode {
        match (&self.l1_rpc, &self.rollup, self.no_l1) {
            (_, _, true) => L1Mode::None,
            (Some(url), Some(rollup), false) => L1Mode::Rpc { url: url.clone(), rollup: rollup.clone() },
            _ => L1Mode::Embedded,
        }
    }

    /// The `--l1-fund-contract` address, parsed.
    pub fn fund_contract(&self) -> Result<Option<alloy_primitives::Address>, CliError> {
        self.l1_fund_contract
            .as_deref()
            .map(|s| {
                s.trim().parse().map_err(|_| {
                    CliError::L1(format!(
                        "--l1-fund-contract {s} is not an address (0x followed by 40 hex digits)"
                    ))
                })
            })
            .transpose()
    }

    /// The `--l1-poll-contract` address, parsed.
    pub fn poll_contract(&self) -> Result<Option<alloy_primitives::Address>, CliError> {
        self.l1_poll_contract
            .as_deref()
            .map(|s| {
                s.trim().parse().map_err(|_| {
                    CliError::L1(format!(
                        "--l1-poll-contract {s} is not an address (0x followed by 40 hex digits)"
                    ))
                })
            })
            .transpose()
    }

    /// The vote relay's limits (`--vote-relay-*`).
    pub fn vote_relay_limits(&self) -> Result<VoteRelayLimits, CliError> {
        if self.vote_relay_window.is_zero() {
            return Err(CliError::VoteRelay(
                "--vote-relay-window must be longer than 0: it is the window of --vote-relay-global-max"
                    .into(),
            ));
        }
        Ok(VoteRelayLimits {
            poll_max: self.vote_relay_poll_max,
            per_voter: self.vote_relay_per_voter,
            per_key: self.vote_relay_per_key,
            global_max: self.vote_relay_global_max,
            window: self.vote_relay_window,
        })
    }

    /// The private key of the L1 account that submits batches: `--l1-key-file`, or
    /// `--l1-dev-account` (default: development account 0 on the embedded L1).
    pub fn l1_key(&self) -> Result<alloy_primitives::B256, CliError> {
        let parse = |s: &str, what: &str| {
            s.trim().parse::<alloy_primitives::B256>().map_err(|_| {
                CliError::L1(format!(
                    "{what} is not a 32-byte hex private key (0x followed by 64 hex digits)"
                ))
            })
        };
        if let Some(path) = &self.l1_key_file {
            let text = std::fs::read_to_string(path)
                .map_err(|e| CliError::L1(format!("reading --l1-key-file {}: {e}", path.display())))?;
            return parse(&text, &format!("--l1-key-file {}", path.display()));
        }
        if !self.dev {
            return Err(CliError::NeedsDev(
                "no L1 key: give --l1-key-file FILE (the hex key of the account that submits batches); the well-known development accounts need --dev".into(),
            ));
        }
        let n = match (self.l1_dev_account, self.l1_mode()) {
            (Some(n), _) => n,
            (None, L1Mode::Embedded) => 0,
            (None, _) => {
                return Err(CliError::L1(
                    "--l1-rpc needs the key of the account that submits batches: --l1-key-file FILE (or --l1-dev-account N on a dev chain)".into(),
                ))
            }
        };
        let key = ccr_l1::DEV_KEYS.get(n).ok_or_else(|| {
            CliError::L1(format!(
                "--l1-dev-account {n}: there are {} development accounts",
                ccr_l1::DEV_KEYS.len()
            ))
        })?;
        parse(key, "development key")
    }

    /// Refuses, without `--dev`, the development-only defaults: the embedded L1 and the
    /// insecure development keys.
    pub fn check_dev(&self) -> Result<(), CliError> {
        if self.dev {
            return Ok(());
        }
        if self.l1_mode() == L1Mode::Embedded {
            return Err(CliError::NeedsDev(
                "no L1 given: pass --l1-rpc URL --rollup ADDRESS (an existing deployment), --no-l1, or --dev for the embedded development L1".into(),
            ));
        }
        if self.keys.is_none() && !self.no_prover {
            return Err(CliError::NeedsDev(
                "no --keys: pass --keys DIR (batch.pk and batch.vk from a ceremony), --no-prover, or --dev for INSECURE development keys".into(),
            ));
        }
        Ok(())
    }

    /// The node configuration; loads the keys or runs the development setup (slow: seconds
    /// to minutes depending on the parameters).
    pub fn node_config(&self) -> Result<NodeConfig, CliError> {
        // The domain (L1's chain id and the rollup's address) is set once L1 is known; without
        // L1 the node signs for no deployment (`Domain::NONE`).
        let params = RollupParams::new(self.depth, self.batch_size, Domain::NONE)?;
        self.check_dev()?;
        let (keys, fleet) = match (&self.keys, self.no_prover, self.prover_api) {
            (_, true, _) => (None, None),
            (keys, false, Some(addr)) => {
                let verifier = match keys {
                    Some(dir) => BatchVerifier::load(dir, &params)?,
                    None => BatchKeys::dev(&params, DEV_SEED)?.verifier(),
                };
                if self.prover_lease < Duration::from_secs(1) {
                    return Err(CliError::Fleet("--prover-lease must be at least 1s".into()));
                }
                let secret = self.prover_secret_file.as_deref().map(ProverSecret::from_file).transpose()?;
                let secret = secret
                    .ok_or_else(|| CliError::Fleet("--prover-api needs --prover-secret-file FILE".into()))?;
                (None, Some(FleetConfig { addr, secret, lease: self.prover_lease, verifier }))
            }
            (Some(dir), false, None) => (Some(BatchKeys::load(dir, &params)?), None),
            (None, false, None) => (Some(BatchKeys::dev(&params, DEV_SEED)?), None),
        };
        Ok(NodeConfig {
            sequencer: SequencerConfig {
                db: self.db.clone(),
                params,
                mempool_capacity: self.mempool_capacity,
                full_replay: self.full_replay,
            },
            rpc_addr: self.rpc,
            metrics_addr: (!self.no_metrics).then_some(self.metrics),
            batch_timeout: self.batch_timeout,
            keys,
            fleet,
            l1: None,
            bank_files: self.bank_files.clone(),
            health: match &self.health_config {
                Some(path) => crate::health_reports::HealthConfig::from_file(path)?,
                None => crate::health_reports::HealthConfig::default(),
            },
        })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // tests: a panic is a failure with its location
mod tests {
    use super::*;

    #[test]
    fn development_defaults_need_dev() {
        let args = |extra: &[&str]| {
            Args::try_parse_from([&["ccr-sequencer", "--db", "x"][..], extra].concat()).unwrap()
        };
        fn needs_dev<T>(r: Result<T, CliError>) -> bool {
            matches!(r, Err(CliError::NeedsDev(_)))
        }
        // The embedded L1, the development keys, a development L1 account: each needs --dev.
        assert!(needs_dev(args(&[]).check_dev()));
        assert!(needs_dev(args(&["--no-l1"]).check_dev()));
        assert!(needs_dev(args(&["--no-l1", "--no-prover", "--l1-dev-account", "1"]).l1_key()));
        let rpc =
            ["--l1-rpc", "http://127.0.0.1:8545", "--rollup", "0x0000000000000000000000000000000000000001"];
        assert!(needs_dev(args(&[&rpc[..], &["--keys", "k"]].concat()).l1_key()));
        // Nothing development-only asked for: fine without --dev.
        assert!(args(&["--no-l1", "--no-prover"]).check_dev().is_ok());
        assert!(args(&[&rpc[..], &["--keys", "k"]].concat()).check_dev().is_ok());
        // With --dev, everything.
        assert!(args(&["--dev"]).check_dev().is_ok());
        assert!(args(&["--dev"]).l1_key().is_ok());
        let err = args(&[]).check_dev().unwrap_err().to_string();
        assert!(err.contains("--l1-rpc") && err.contains("--dev"), "{err}");
    }

    #[test]
    fn a_configuration_file_fills_what_flags_and_environment_leave() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("node.env");
        std::fs::write(
            &file,
            "# a node without L1\nCCR_DB=/data/db\nexport CCR_NO_L1=true\nCCR_NO_PROVER=1\n\n\
             CCR_BATCH_SIZE=4\nCCR_DEPTH=\"10\"\nCCR_DEV=false\n",
        )
        .unwrap();
        let cmd = <Args as clap::CommandFactory>::command();
        let argv = |extra: &[&str]| -> Vec<std::ffi::OsString> {
            [&["ccr-sequencer"][..], extra].concat().into_iter().map(Into::into).collect()
        };
        let f = file.to_str().unwrap();
        let env_depth = |k: &str| (k == "CCR_DEPTH").then(|| "12".to_owned());
        let merged = args_with_config(&cmd, argv(&["--config", f, "--batch-size", "8"]), env_depth).unwrap();
        let args = Args::try_parse_from(merged).unwrap();
        assert_eq!(args.db, PathBuf::from("/data/db"));
        assert!(args.no_l1 && args.no_prover && !args.dev);
        assert_eq!(args.batch_size, 8, "the command line wins");
        // The environment wins too: the file's CCR_DEPTH is not added (clap reads the real
        // environment, where CCR_DEPTH is unset here, so the default stands).
        assert_eq!(args.depth, 24);
        // CCR_CONFIG names the file as well.
        let from_env = |k: &str| (k == "CCR_CONFIG").then(|| f.to_owned());
        let args = Args::try_parse_from(args_with_config(&cmd, argv(&[]), from_env).unwrap()).unwrap();
        assert_eq!((args.depth, args.batch_size), (10, 4));
        // Mistakes name the file and the line.
        for (text, says) in [
            ("CCR_DB=/x\nCCR_NOPE=1\n", "line 2: no option reads CCR_NOPE"),
            ("CCR_DEV=yes\n", "CCR_DEV is a flag"),
            ("just words\n", "expected CCR_NAME=value"),
        ] {
            std::fs::write(&file, text).unwrap();
            let err = args_with_config(&cmd, argv(&["--config", f]), |_| None).unwrap_err();
            assert!(err.contains(says) && err.contains("node.env"), "{err}");
        }
        assert!(args_with_config(&cmd, argv(&["--config", "/no/such/file"]), |_| None).is_err());
    }

    #[test]
    fn completions_and_the_man_page_come_from_the_definitions_without_other_options() {
        let argv = |a: &[&str]| -> Vec<std::ffi::OsString> {
            [&["ccr-sequencer"][..], a].concat().into_iter().map(Into::into).collect()
        };
        // No --db needed: answered before the options are parsed.
        let script = generated_for::<Args>(&argv(&["--completions", "bash"])).unwrap().unwrap();
        assert!(script.contains("ccr-sequencer") && script.contains("--prover-api"), "{script}");
        assert_eq!(generated_for::<Args>(&argv(&["--completions=bash"])).unwrap(), Some(script));
        let page = generated_for::<Args>(&argv(&["--man"])).unwrap().unwrap();
        assert!(page.contains(".TH ccr-sequencer"), "{page}");
        assert!(generated_for::<Args>(&argv(&["--completions", "tcsh"])).unwrap_err().contains("bash"));
        // Beside other options they are refused by the parser (they stand alone).
        assert_eq!(generated_for::<Args>(&argv(&["--man", "--db", "x"])).unwrap(), None);
        assert!(Args::try_parse_from(argv(&["--man", "--db", "x"])).is_err(), "--man stands alone");
        assert_eq!(generated_for::<Args>(&argv(&["--db", "x"])).unwrap(), None);
    }

    #[test]
    fn durations_parse() {
        assert_eq!(parse_duration("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_duration("2s"), Ok(Duration::from_secs(2)));
        assert_eq!(parse_duration("3"), Ok(Duration::from_secs(3)));
        assert_eq!(parse_duration("1m"), Ok(Duration::from_secs(60)));
        assert!(parse_duration("1h").is_err());
        assert!(parse_duration("x").is_err());
    }

    #[test]
    fn vote_relay_limits_default_and_parse() {
        let args = |extra: &[&str]| {
            Args::try_parse_from([&["ccr-sequencer", "--db", "x"][..], extra].concat()).unwrap()
        };
        assert_eq!(args(&[]).vote_relay_limits().unwrap(), VoteRelayLimits::default());
        let l = args(&[
            "--vote-relay-poll-max",
            "10",
            "--vote-relay-per-voter",
            "2",
            "--vote-relay-per-key",
            "3",
            "--vote-relay-global-max",
            "5",
            "--vote-relay-window",
            "30s",
        ])
        .vote_relay_limits()
        .unwrap();
        assert_eq!(
            l,
            VoteRelayLimits {
                poll_max: 10,
                per_voter: 2,
                per_key: 3,
                global_max: 5,
                window: Duration::from_secs(30)
            }
        );
        assert!(args(&["--vote-relay-window", "0s"]).vote_relay_limits().is_err());
        assert!(Args::try_parse_from(["ccr-sequencer", "--db", "x", "--vote-relay-per-key", "0"]).is_err());
    }

    #[test]
    fn poll_contract_address_parses() {
        let args = |extra: &[&str]| {
            Args::try_parse_from([&["ccr-sequencer", "--db", "x"][..], extra].concat()).unwrap()
        };
        assert_eq!(args(&[]).poll_contract().unwrap(), None);
        let a = "0x5FbDB2315678afecb367f032d93F642f64180aa3";
        assert_eq!(args(&["--l1-poll-contract", a]).poll_contract().unwrap(), Some(a.parse().unwrap()));
        let err = args(&["--l1-poll-contract", "0x12"]).poll_contract().unwrap_err();
        assert!(err.to_string().contains("not an address"), "{err}");
        assert_eq!(args(&[]).fund_contract().unwrap(), None);
        assert_eq!(args(&["--l1-fund-contract", a]).fund_contract().unwrap(), Some(a.parse().unwrap()));
        assert!(args(&["--l1-fund-contract", "fund"]).fund_contract().is_err());
        assert!(
            Args::try_parse_from(["ccr-sequencer", "--db", "x", "--no-l1", "--l1-poll-contract", a]).is_err()
        );
    }
}
