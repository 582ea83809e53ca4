//! The command line: the parser ([`Cli`], its global options and the [`Command`] enum), the
//! [`Settings`] every command resolves, human and `--json` output, and [`run`], which dispatches
//! to the commands of [`crate::cmd`] (one module each).

use std::path::{Path, PathBuf};
use std::time::Duration;

use alloy_primitives::Address;
use ark_bn254::Bn254;
use ark_groth16::VerifyingKey;
use ccr_circuits::state::{Domain, RollupParams};
use ccr_rpc_api::api::AccountInfo;
use clap::{Args, Parser, Subcommand};
use serde_json::Value;

use crate::amount::Asset;
use crate::cmd::account::AccountArgs;
use crate::cmd::attester::AttesterCommand;
use crate::cmd::audit::AuditArgs;
use crate::cmd::balance::BalanceArgs;
use crate::cmd::bank::BankCommand;
use crate::cmd::claim::ClaimArgs;
use crate::cmd::completions::{CompletionsArgs, ManArgs};
use crate::cmd::credit::CreditCommand;
use crate::cmd::deploy::DeployArgs;
use crate::cmd::deposit::DepositArgs;
use crate::cmd::exit::ExitArgs;
use crate::cmd::exit_mode::ExitModeCommand;
use crate::cmd::force_exit::ForceExitArgs;
use crate::cmd::health::HealthCommand;
use crate::cmd::key::KeyCommand;
use crate::cmd::loan::LoanArgs;
use crate::cmd::poll::PollCommand;
use crate::cmd::repay::RepayArgs;
use crate::cmd::status::StatusArgs;
use crate::cmd::transfer::TransferArgs;
use crate::cmd::upkeep::UpkeepArgs;
use crate::cmd::vote::VoteArgs;
use crate::error::WalletError;
use crate::keys::{Password, WalletKeys};
use crate::keystore::{self, WalletState};
use crate::l1ops;
use crate::network::NetworkFile;
use crate::ops;
use crate::sequencer::SequencerClient;

const AFTER_HELP: &str = "\
Examples:
  ccr-wallet key new                                  # create ~/.ccr-wallet/keystore.json
  ccr-wallet --network .devnet/network.json deposit --amount 1 --wait
  ccr-wallet --network .devnet/network.json balance
  ccr-wallet --network .devnet/network.json transfer --to 3 --amount 0.25 --wait
  ccr-wallet --network .devnet/network.json status 0x5e1f...
  ccr-wallet --network .devnet/network.json exit --amount 0.1 && ccr-wallet claim
  ccr-wallet --network .devnet/network.json --json audit
  ccr-wallet --network .devnet/network.json --keystore .devnet/wallets/bob.json credit apply --bank 3 --attestation .devnet/attestations/bob.json --amount 0.000001 --purpose ecological_restoration --wait
  ccr-wallet credit verify --vk eligibility.vk --proof proof.json
  ccr-wallet poll create --pool 4 --members 1,2,3 --deadline-in 600 --coordinator X,Y
  ccr-wallet vote --poll 1 --option 1 --weight 3
  ccr-wallet poll tally --poll 1 && ccr-wallet poll result --poll 1 --verify
  ccr-wallet --keystore operator.json --l1-rpc https://eth.example.org deploy --keys ./keys \
      --sequencer-rpc https://rollup.example.org --out network/network.json

Settings come from the network file (--network, env CCR_NETWORK) that the devnet writes;
--rpc, --l1-rpc, --rollup and --l1-chain-id override it. Passwords are prompted without echo,
or read from the first line of --password-file (env CCR_PASSWORD_FILE) in scripts.

Amounts (--amount, balances, debts, credits) are in the rollup's asset: ETH, or the ERC-20's own decimals (the
network file's `asset`, else read from L1). The rollup counts in L2 units (1 L2 unit = the
contract's `unit` of base units: 1 gwei for ETH), and a transaction carries its amount in 40
bits (a 35-bit mantissa times a power of ten): an amount that is not a whole number of L2 units
or that 40 bits cannot carry is refused with the nearest amounts that work, never rounded.
--l2-units types and prints raw L2 units instead; --json always prints raw L2 units.

Exit codes:
  0 success            5 a node (sequencer or L1) could not be reached
  1 other failure      6 the sequencer or the rollup contract refused the request
  2 bad command line   7 no such account or transaction
  3 keystore/password  8 the audit found a bad batch
  4 configuration      9 gave up waiting (--wait)
 10 not eligible (credit prove: declined, expired, not your record or account)
 11 the eligibility proof does not verify (credit verify)";

/// `ccr-wallet`: keys, balances, transfers, deposits, exits and audits of a community credit rollup.
#[derive(Debug, Parser)]
#[command(name = "ccr-wallet", version, about, after_help = AFTER_HELP)]
pub struct Cli {
    /// Global options.
    #[command(flatten)]
    pub global: GlobalArgs,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Options every command takes.
#[derive(Debug, Clone, Args)]
pub struct GlobalArgs {
    /// The encrypted keystore [default: ~/.ccr-wallet/keystore.json].
    #[arg(long, global = true, env = "CCR_KEYSTORE", value_name = "FILE")]
    pub keystore: Option<PathBuf>,
    /// Read the keystore password from the first line of FILE instead of prompting.
    #[arg(long, global = true, env = "CCR_PASSWORD_FILE", value_name = "FILE")]
    pub password_file: Option<PathBuf>,
    /// The deployment's network file (written by the devnet).
    #[arg(long, global = true, env = "CCR_NETWORK", value_name = "FILE")]
    pub network: Option<PathBuf>,
    /// The sequencer's JSON-RPC URL (overrides the network file).
    #[arg(long, global = true, env = "CCR_RPC", value_name = "URL")]
    pub rpc: Option<String>,
    /// The L1 node's JSON-RPC URL (overrides the network file).
    #[arg(long, global = true, env = "CCR_L1_RPC", value_name = "URL")]
    pub l1_rpc: Option<String>,
    /// The rollup contract's address (overrides the network file).
    #[arg(long, global = true, env = "CCR_ROLLUP", value_name = "ADDRESS")]
    pub rollup: Option<String>,
    /// L1's chain id (overrides the network file): with the rollup's address, the deployment
    /// every signature binds, so a transaction signed here is valid on no other chain or rollup.
    #[arg(long, global = true, env = "CCR_L1_CHAIN_ID", value_name = "N")]
    pub l1_chain_id: Option<u64>,
    /// Use this account index instead of the one the wallet remembers.
    #[arg(long, global = true, env = "CCR_ACCOUNT", value_name = "INDEX")]
    pub account: Option<u32>,
    /// Machine-readable output: one JSON object on stdout (amounts in raw L2 units).
    #[arg(long, global = true)]
    pub json: bool,
    /// Type and print amounts in raw L2 units (as the API carries them) instead of the asset.
    #[arg(long, global = true)]
    pub l2_units: bool,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Print the shell completion script for SHELL (bash: `ccr-wallet completions bash >
    /// ~/.local/share/bash-completion/completions/ccr-wallet`; zsh, fish, elvish, powershell).
    Completions(CompletionsArgs),
    /// Print the manual page (roff): `ccr-wallet man > ccr-wallet.1 && man ./ccr-wallet.1`.
    Man(ManArgs),
    /// Deploy the rollup's contracts to L1 from the wallet's L1 account (the operator's) and
    /// write the network file members and auditors use.
    Deploy(DeployArgs),
    /// Create or show the wallet's keys.
    #[command(subcommand)]
    Key(KeyCommand),
    /// Show an account (default: the wallet's own): balance, nonce, key.
    Account(AccountArgs),
    /// Show the wallet's balance (sealed and pending).
    Balance(BalanceArgs),
    /// Send an L2 transfer signed with the wallet's key.
    Transfer(TransferArgs),
    /// Exit an amount from L2: claimable on L1 (`claim`) once its batch settles.
    Exit(ExitArgs),
    /// Deposit from L1: creates the wallet's account on the first deposit, tops it up after.
    Deposit(DepositArgs),
    /// Pay out the wallet's pending withdrawals on L1 (settled exits).
    Claim(ClaimArgs),
    /// Request an exit through L1 (when the sequencer ignores your L2 exit).
    #[command(name = "force-exit")]
    ForceExit(ForceExitArgs),
    /// The escape hatch: activate exit mode, or claim the balance from the last settled state.
    #[command(name = "exit-mode", subcommand)]
    ExitMode(ExitModeCommand),
    /// Audit the rollup from L1 alone: every batch's commitment, proof and replayed root.
    Audit(AuditArgs),
    /// Repay your loan: the amount goes from your balance to the bank's pool.
    Repay(RepayArgs),
    /// Show a loan (default: the wallet's): debt, rate, due epoch, written down or not.
    Loan(LoanArgs),
    /// Loan upkeep anyone may ask for: accrue a loan's interest, or write down a loan past
    /// due plus the grace epochs.
    Upkeep(UpkeepArgs),
    /// Attesters: sign a member's financial record.
    #[command(subcommand)]
    Attester(AttesterCommand),
    /// Banks: eligibility keys for a policy (development setup), the attester registry,
    /// registration on L1.
    #[command(subcommand)]
    Bank(BankCommand),
    /// Credit: borrow (prove and submit), prove eligibility on this machine, verify a proof.
    #[command(subcommand)]
    Credit(CreditCommand),
    /// Bank polls: create (a proposal too), tally (the coordinator), result, execute, show.
    #[command(subcommand)]
    Poll(PollCommand),
    /// Vote in a bank poll through the sequencer (your vote is encrypted to the coordinator
    /// and relayed to L1 from the sequencer's account).
    Vote(VoteArgs),
    /// Where a transaction stands: pending, inBatch, proven, settled or rejected.
    Status(StatusArgs),
    /// Community health: a bank's score and components, the solidarity fund's table, sending
    /// an attester's signed indicator report.
    #[command(subcommand)]
    Health(HealthCommand),
}

/// `--wait` and its timeout.
#[derive(Debug, Clone, Copy, Args)]
pub struct WaitArgs {
    /// Wait until the transaction is in a proven batch (a spinner shows its progress).
    #[arg(long)]
    pub wait: bool,
    /// With --wait: wait further, until its batch is settled on L1.
    #[arg(long, requires = "wait")]
    pub settled: bool,
    /// How long to wait, in seconds.
    #[arg(long, default_value_t = 300, value_name = "SECS")]
    pub timeout: u64,
}

/// What a command printed: the human text and the JSON object.
#[derive(Debug, Clone, PartialEq)]
pub struct Output {
    /// Human-readable lines.
    pub text: String,
    /// The `--json` object.
    pub json: Value,
}

impl Output {
    /// An output of `text` for people and `json` for `--json`.
    pub fn new(text: impl Into<String>, json: Value) -> Self {
        Self { text: text.into(), json }
    }
}

/// An account as a member names it: its index, or the L1 address that opened it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccountRef {
    /// The account's index in the tree.
    Index(u32),
    /// The L1 address that opened it (`AccountCreated`'s owner).
    Owner(Address),
}

impl std::str::FromStr for AccountRef {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s.starts_with("0x") || s.starts_with("0X") {
            return s
                .parse::<Address>()
                .map(Self::Owner)
                .map_err(|_| format!("{s:?} is not an L1 address (0x and 40 hex digits)"));
        }
        s.parse::<u32>()
            .map(Self::Index)
            .map_err(|_| format!("{s:?} is neither an account index (below 2^32) nor an L1 address (0x…)"))
    }
}

/// Settings resolved from the network file and the flags.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The network file, if one was given.
    pub network: Option<NetworkFile>,
    /// Keystore path.
    pub keystore: PathBuf,
    /// Global flags.
    pub global: GlobalArgs,
}

impl Settings {
    /// Reads the network file (if any).
    ///
    /// # Errors
    ///
    /// [`WalletError::Config`] for an unreadable network file.
    pub fn resolve(global: &GlobalArgs) -> Result<Self, WalletError> {
        let network = global.network.as_deref().map(NetworkFile::load).transpose()?;
        let keystore = global.keystore.clone().unwrap_or_else(keystore::default_keystore_path);
        Ok(Self { network, keystore, global: global.clone() })
    }

    /// The sequencer URL.
    ///
    /// # Errors
    ///
    /// [`WalletError::Config`] when neither `--rpc` nor the network file gives one.
    pub fn sequencer_url(&self) -> Result<String, WalletError> {
        self.global
            .rpc
            .clone()
            .or_else(|| self.network.as_ref().map(|n| n.sequencer_rpc.clone()))
            .ok_or_else(|| WalletError::Config("no sequencer URL: pass --network FILE or --rpc URL".into()))
    }

    /// The deployment every signature binds: L1's chain id and the rollup's address.
    ///
    /// # Errors
    ///
    /// [`WalletError::Config`] when neither the flags (`--l1-chain-id`, `--rollup`) nor the
    /// network file give them.
    pub fn domain(&self) -> Result<Domain, WalletError> {
        let chain_id =
            self.global.l1_chain_id.or_else(|| self.network.as_ref().map(|n| n.l1_chain_id)).ok_or_else(
                || WalletError::Config("no L1 chain id: pass --network FILE or --l1-chain-id N".into()),
            )?;
        Ok(Domain::new(chain_id, self.rollup()?.into_array()))
    }

    /// The key under which the wallet state remembers this network's account index.
    pub fn network_key(&self) -> String {
        match (&self.global.rollup, &self.network) {
            (Some(r), _) => r.to_ascii_lowercase(),
            (None, Some(n)) => format!("{:#x}", n.rollup),
            (None, None) => "default".into(),
        }
    }

    /// The keystore password: from `--password-file`, else prompted.
    ///
    /// # Errors
    ///
    /// [`WalletError::Password`].
    pub fn password(&self, confirm: bool) -> Result<Password, WalletError> {
        match &self.global.password_file {
            Some(path) => Password::from_file(path),
            None => Password::prompt(confirm),
        }
    }

    /// Decrypts the keystore (prompting for its password unless `--password-file`).
    ///
    /// # Errors
    ///
    /// [`WalletError::NoKeystore`] before asking for a password, then as [`keystore::open`].
    pub fn keys(&self) -> Result<WalletKeys, WalletError> {
        if !self.keystore.exists() {
            return Err(WalletError::NoKeystore { path: self.keystore.clone() });
        }
        keystore::open(&self.keystore, &self.password(false)?)
    }

    /// Where the banks' files fetched from the sequencer are kept: `bank-cache/` beside the
    /// network file (one per deployment), else beside the keystore.
    pub fn bank_cache_dir(&self) -> PathBuf {
        let base = self.global.network.as_deref().unwrap_or(&self.keystore);
        crate::fsutil::parent_dir(base).join("bank-cache")
    }

    /// What every signed L2 transaction of the wallet needs: its keys, the sequencer, its account
    /// and the asset `--amount` is written in.
    ///
    /// # Errors
    ///
    /// The keystore's and the configuration's; [`WalletError::NoAccount`].
    pub async fn signer(&self) -> Result<Signer, WalletError> {
        Ok(Signer {
            keys: self.keys()?,
            seq: self.sequencer()?,
            from: self.account_index()?,
            asset: self.asset().await?,
        })
    }

    /// The wallet's account index: `--account`, else the one remembered for this network.
    ///
    /// # Errors
    ///
    /// [`WalletError::NoAccount`], or a malformed state file.
    pub fn account_index(&self) -> Result<u32, WalletError> {
        if let Some(i) = self.global.account {
            return Ok(i);
        }
        WalletState::load(&self.keystore)?.account(&self.network_key()).ok_or(WalletError::NoAccount)
    }

    /// Remembers the wallet's account index for this network.
    ///
    /// # Errors
    ///
    /// [`WalletError::Io`], or a malformed state file.
    pub fn remember_account(&self, index: u32) -> Result<(), WalletError> {
        let mut state = WalletState::load(&self.keystore)?;
        state.set_account(&self.network_key(), index);
        state.save(&self.keystore)
    }

    /// The L1 node's URL.
    ///
    /// # Errors
    ///
    /// [`WalletError::Config`] when neither `--l1-rpc` nor the network file gives one.
    pub fn l1_url(&self) -> Result<String, WalletError> {
        self.global
            .l1_rpc
            .clone()
            .or_else(|| self.network.as_ref().map(|n| n.l1_rpc.clone()))
            .ok_or_else(|| WalletError::Config("no L1 node URL: pass --network FILE or --l1-rpc URL".into()))
    }

    /// The rollup contract's address.
    ///
    /// # Errors
    ///
    /// [`WalletError::Config`] when neither `--rollup` nor the network file gives one.
    pub fn rollup(&self) -> Result<Address, WalletError> {
        match (&self.global.rollup, &self.network) {
            (Some(r), _) => {
                r.parse().map_err(|e| WalletError::Config(format!("--rollup {r:?} is not an address: {e}")))
            }
            (None, Some(n)) => Ok(n.rollup),
            (None, None) => {
                Err(WalletError::Config("no rollup address: pass --network FILE or --rollup ADDRESS".into()))
            }
        }
    }

    /// The rollup parameters (tree depth, batch size) from the network file, and the domain.
    ///
    /// # Errors
    ///
    /// [`WalletError::Config`] without a network file.
    pub fn params(&self) -> Result<RollupParams, WalletError> {
        let n = self.network.as_ref().ok_or_else(|| {
            WalletError::Config(
                "the rollup parameters come from the network file: pass --network FILE".into(),
            )
        })?;
        n.params.rollup_params(self.domain()?)
    }

    /// The verifying key: `flag`, else the network file's.
    ///
    /// # Errors
    ///
    /// [`WalletError::Config`] with neither; [`WalletError::VerifyingKey`].
    pub fn verifying_key(&self, flag: Option<&Path>) -> Result<VerifyingKey<Bn254>, WalletError> {
        self.verifying_key_with_flag(flag).map(|(k, _)| k)
    }

    /// As [`Self::verifying_key`], with whether the key file says it comes from the insecure
    /// development setup (a snarkjs key without the flag counts as a ceremony's).
    ///
    /// # Errors
    ///
    /// As [`Self::verifying_key`].
    pub fn verifying_key_with_flag(
        &self,
        flag: Option<&Path>,
    ) -> Result<(VerifyingKey<Bn254>, bool), WalletError> {
        let path = match (flag, &self.network) {
            (Some(p), _) => p.to_path_buf(),
            (None, Some(n)) => n.verifying_key.clone(),
            (None, None) => {
                return Err(WalletError::Config(
                    "no verifying key: pass --verifying-key FILE or --network FILE".into(),
                ))
            }
        };
        let k = ccr_prover::bundle::load_verifying_key(&path)
            .map_err(|e| WalletError::VerifyingKey { path: path.clone(), reason: e.to_string() })?;
        Ok((k.vk, k.insecure_dev_setup.unwrap_or(false)))
    }

    /// An L1 client signing with `keys`' L1 key.
    ///
    /// # Errors
    ///
    /// As [`Self::l1_url`], [`Self::rollup`], [`l1ops::L1::connect`].
    pub async fn l1(&self, keys: &WalletKeys) -> Result<l1ops::L1, WalletError> {
        let deploy_block = self.network.as_ref().map_or(0, |n| n.deploy_block);
        l1ops::L1::connect(&self.l1_url()?, keys, self.rollup()?, deploy_block).await
    }

    /// An L1 client for reading only: a throwaway signer, never used to send (audits, lookups).
    ///
    /// # Errors
    ///
    /// As [`Self::l1`].
    pub async fn l1_reader(&self) -> Result<l1ops::L1, WalletError> {
        self.l1(&WalletKeys::generate(&mut rand::rngs::OsRng, None)).await
    }

    /// How amounts are written: raw L2 units with `--l2-units`, else the network file's
    /// `asset`, else read from L1 (no key needed).
    ///
    /// # Errors
    ///
    /// [`WalletError::Config`] when none of the three is available; L1's errors.
    pub async fn asset(&self) -> Result<Asset, WalletError> {
        if let Some(a) = self.known_asset() {
            return Ok(a);
        }
        if self.l1_url().is_err() || self.rollup().is_err() {
            return Err(WalletError::Config(
                "amounts are in the rollup's asset: give --network (its `asset`), or --l1-rpc and --rollup to \
                 read it from L1, or type raw L2 units with --l2-units"
                    .to_owned(),
            ));
        }
        self.asset_from(&self.l1_reader().await?).await
    }

    /// As [`Self::asset`], reading L1 through a connection already made.
    ///
    /// # Errors
    ///
    /// L1's errors (a token without `symbol()`/`decimals()`: use `--l2-units`).
    pub async fn asset_from(&self, l1: &l1ops::L1) -> Result<Asset, WalletError> {
        if let Some(a) = self.known_asset() {
            return Ok(a);
        }
        crate::amount::asset_of(&l1.client).await.map_err(|e| l1.err(e))
    }

    /// The asset when it is known without L1: `--l2-units`, or the network file's `asset`.
    pub fn known_asset(&self) -> Option<Asset> {
        if self.global.l2_units {
            return Some(Asset::l2_units());
        }
        self.network.as_ref().and_then(|n| n.asset.clone())
    }

    /// The index of the account `r` names: an index as given, an L1 address looked up in the
    /// rollup's `AccountCreated` events (exactly one account must be that address's).
    ///
    /// # Errors
    ///
    /// [`WalletError::Config`] for an address that opened no account, or several (then listed:
    /// pass one of their indices); L1's errors.
    pub async fn resolve_account(&self, r: &AccountRef) -> Result<u32, WalletError> {
        let owner = match r {
            AccountRef::Index(i) => return Ok(*i),
            AccountRef::Owner(a) => *a,
        };
        let l1 = self.l1_reader().await?;
        let accounts = l1.client.accounts_of(owner).await.map_err(|e| l1.err(e))?;
        match accounts.as_slice() {
            [one] => Ok(*one),
            [] => Err(WalletError::Config(format!("{owner:#x} opened no account on this rollup"))),
            many => Err(WalletError::Config(format!(
                "{owner:#x} opened {} accounts ({}): name one by its index",
                many.len(),
                many.iter().map(u32::to_string).collect::<Vec<_>>().join(", ")
            ))),
        }
    }

    /// A client of the sequencer.
    ///
    /// # Errors
    ///
    /// As [`Self::sequencer_url`]; [`WalletError::Config`] for an unusable URL.
    pub fn sequencer(&self) -> Result<SequencerClient, WalletError> {
        SequencerClient::new(&self.sequencer_url()?)
    }
}

/// Runs a parsed command line.
///
/// # Errors
///
/// Any [`WalletError`]; its [`WalletError::exit_code`] is the process's.
pub async fn run(cli: Cli) -> Result<Output, WalletError> {
    let s = match cli.command {
        // Generated from the parser: they read no network file (a bad CCR_NETWORK must not stop
        // them).
        Command::Completions(_) | Command::Man(_) => Settings {
            network: None,
            keystore: keystore::default_keystore_path(),
            global: cli.global.clone(),
        },
        _ => Settings::resolve(&cli.global)?,
    };
    let json_mode = cli.global.json;
    match cli.command {
        Command::Completions(a) => Ok(a.run()),
        Command::Man(a) => a.run(),
        Command::Deploy(a) => a.run(&s).await,
        Command::Key(cmd) => cmd.run(&s),
        Command::Account(a) => a.run(&s).await,
        Command::Balance(a) => a.run(&s).await,
        Command::Transfer(a) => a.run(&s, json_mode).await,
        Command::Exit(a) => a.run(&s, json_mode).await,
        Command::Deposit(a) => a.run(&s, json_mode).await,
        Command::Claim(a) => a.run(&s).await,
        Command::ForceExit(a) => a.run(&s).await,
        Command::ExitMode(cmd) => cmd.run(&s, json_mode).await,
        Command::Audit(a) => a.run(&s, json_mode).await,
        Command::Status(a) => a.run(&s).await,
        Command::Repay(a) => a.run(&s, json_mode).await,
        Command::Loan(a) => a.run(&s).await,
        Command::Upkeep(a) => a.run(&s, json_mode).await,
        Command::Attester(cmd) => cmd.run(&s),
        Command::Bank(cmd) => cmd.run(&s, json_mode).await,
        Command::Credit(cmd) => cmd.run(&s, json_mode).await,
        Command::Poll(cmd) => cmd.run(&s, json_mode).await,
        Command::Vote(a) => a.run(&s).await,
        Command::Health(cmd) => cmd.run(&s).await,
    }
}

/// What a signed L2 transaction needs ([`Settings::signer`]).
pub struct Signer {
    /// The wallet's keys.
    pub keys: WalletKeys,
    /// The sequencer.
    pub seq: SequencerClient,
    /// The wallet's account.
    pub from: u32,
    /// How amounts are written.
    pub asset: Asset,
}

/// A refusal of the sequencer that names amounts, restated in the asset: the API's
/// `insufficient_balance` carries `{balance, amount}` in L2 units.
pub(crate) fn in_asset(e: WalletError, asset: &Asset) -> WalletError {
    match e {
        WalletError::Rejected { code, label: "insufficient_balance", message, data: Some(d) } => {
            let v: Value = serde_json::from_str(&d).unwrap_or_default();
            let units = |k: &str| v[k].as_str().and_then(|s| s.parse::<u64>().ok());
            let message = match (units("balance"), units("amount")) {
                (Some(b), Some(a)) => {
                    format!(
                        "insufficient balance: {} available (pending), {} needed",
                        asset.show(b),
                        asset.show(a)
                    )
                }
                _ => message,
            };
            WalletError::Rejected { code, label: "insufficient_balance", message, data: Some(d) }
        }
        other => other,
    }
}

/// An account as `account` and `balance` print it.
pub(crate) fn account_output(a: &AccountInfo, asset: &Asset) -> Output {
    let text = format!(
        "account {}\nbalance {} (pending {})\nnonce   {} (next transaction: {})\nkey x   {}\n    y   {}{}",
        a.index,
        asset.show(a.balance.0),
        asset.show(a.pending_balance.0),
        a.nonce,
        a.pending_nonce,
        a.pubkey_x,
        a.pubkey_y,
        if a.sealed { "" } else { "\n(not in a sealed batch yet)" }
    );
    Output::new(text, serde_json::to_value(a).unwrap_or(Value::Null))
}

/// Prints an accepted transaction; with `--wait`, waits (with a spinner) until it is proven or
/// settled.
///
/// # Errors
///
/// [`WalletError::Timeout`], a rejection while waiting, the sequencer's errors.
pub async fn finish_sent(
    seq: &SequencerClient,
    sent: ops::Sent,
    text: String,
    wait: WaitArgs,
    json_mode: bool,
) -> Result<Output, WalletError> {
    let mut json = serde_json::to_value(&sent).unwrap_or(Value::Null);
    if !wait.wait {
        return Ok(Output::new(text, json));
    }
    let bar = spinner(json_mode);
    bar.set_message(format!("{}: submitted", sent.hash));
    let target = if wait.settled { ops::WaitTarget::Settled } else { ops::WaitTarget::Proven };
    let result = ops::wait_for(seq, &sent.hash, target, Duration::from_secs(wait.timeout), &mut |st| {
        bar.set_message(format!(
            "{}: {:?}{}",
            sent.hash,
            st.status,
            st.batch.map(|b| format!(" (batch {b})")).unwrap_or_default()
        ));
    })
    .await;
    bar.finish_and_clear();
    let st = result?;
    json["status"] = serde_json::to_value(&st).unwrap_or(Value::Null);
    Ok(Output::new(
        format!("{text}\n{:?} in batch {}", st.status, st.batch.map_or("?".into(), |b| b.to_string())),
        json,
    ))
}

/// A per-batch progress bar on stderr (hidden with `--json` or when stderr is not a terminal).
pub fn progress_bar(hidden: bool) -> indicatif::ProgressBar {
    if hidden {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new(0);
    if let Ok(style) =
        indicatif::ProgressStyle::with_template("auditing batch {pos}/{len} {wide_bar} {elapsed}")
    {
        bar.set_style(style);
    }
    bar
}

/// A spinner on stderr (hidden with `--json` or when stderr is not a terminal).
pub fn spinner(hidden: bool) -> indicatif::ProgressBar {
    if hidden {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new_spinner();
    bar.enable_steady_tick(Duration::from_millis(120));
    bar
}
