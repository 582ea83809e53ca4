//! The command line: options, dispatch to [`crate::ops`], human and `--json` output.

use std::path::{Path, PathBuf};
use std::time::Duration;

use alloy_primitives::Address;
use ark_bn254::Bn254;
use ark_groth16::VerifyingKey;
use ccr_circuits::state::{Domain, RollupParams};
use ccr_rpc_api::api::{AccountInfo, TxStatusInfo};
use ccr_rpc_api::wire::fr_to_hex;
use clap::{Args, Parser, Subcommand};
use serde_json::{json, Value};

use crate::amount::{Asset, DecimalAmount};
use crate::audit;
use crate::error::WalletError;
use crate::keys::{L1Key, Password, WalletKeys};
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
  ccr-wallet credit prove --policy german.json --pk eligibility.pk --attestation att.json ... --out proof.json
  ccr-wallet credit verify --vk eligibility.vk --proof proof.json
  ccr-wallet poll create --pool 4 --members 1,2,3 --deadline-in 600 --coordinator X,Y
  ccr-wallet vote --poll 1 --option 1 --weight 3
  ccr-wallet poll tally --poll 1 && ccr-wallet poll result --poll 1 --verify
  ccr-wallet --keystore operator.json --l1-rpc https://eth.example.org deploy --keys ./keys \
      --sequencer-rpc https://rollup.example.org --out network/network.json

Settings come from the network file (--network, env CCR_NETWORK) that the devnet writes;
--rpc, --l1-rpc, --rollup and --l1-chain-id override it. Passwords are prompted without echo,
or read from the first line of --password-file (env CCR_PASSWORD_FILE) in scripts.

Amounts (--amount, balances) are in the rollup's asset: ETH, or the ERC-20's own decimals (the
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
    #[arg(long, global = true, value_name = "ADDRESS")]
    pub rollup: Option<String>,
    /// L1's chain id (overrides the network file): with the rollup's address, the deployment
    /// every signature binds, so a transaction signed here is valid on no other chain or rollup.
    #[arg(long, global = true, value_name = "N")]
    pub l1_chain_id: Option<u64>,
    /// Use this account index instead of the one the wallet remembers.
    #[arg(long, global = true, value_name = "INDEX")]
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
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
    /// Print the manual page (roff): `ccr-wallet man > ccr-wallet.1 && man ./ccr-wallet.1`.
    Man,
    /// Deploy the rollup's contracts to L1 from the wallet's L1 account (the operator's) and
    /// write the network file members and auditors use.
    Deploy(crate::deploy::DeployArgs),
    /// Create or show the wallet's keys.
    #[command(subcommand)]
    Key(KeyCommand),
    /// Show an account (default: the wallet's own): balance, nonce, key.
    #[command(
        after_help = "Examples:\n  ccr-wallet account 3\n  ccr-wallet account 0x70997970c51812dc3a010c7d01b50e0d17dc79c8"
    )]
    Account {
        /// Account index, or the L1 address that opened it [default: the wallet's].
        index: Option<AccountRef>,
    },
    /// Show the wallet's balance (sealed and pending).
    Balance,
    /// Send an L2 transfer signed with the wallet's key.
    #[command(after_help = "Examples:\n  ccr-wallet transfer --to 3 --amount 0.25 --wait\n  \
        ccr-wallet transfer --to 0x70997970c51812dc3a010c7d01b50e0d17dc79c8 --amount 0.25")]
    Transfer {
        /// Recipient: an account index, or the L1 address that opened the account (looked up
        /// in the rollup's `AccountCreated` events).
        #[arg(long, value_name = "INDEX|ADDRESS")]
        to: AccountRef,
        /// Amount in the rollup's asset (e.g. 0.25 ETH; see "Amounts" in `ccr-wallet --help`).
        #[arg(long, value_name = "AMOUNT")]
        amount: DecimalAmount,
        /// Whether and how long to wait.
        #[command(flatten)]
        wait: WaitArgs,
    },
    /// Exit an amount from L2: claimable on L1 (`claim`) once its batch settles.
    #[command(after_help = "Example:\n  ccr-wallet exit --amount 0.1 --wait")]
    Exit {
        /// Amount in the rollup's asset (e.g. 0.25 ETH; see "Amounts" in `ccr-wallet --help`).
        #[arg(long, value_name = "AMOUNT")]
        amount: DecimalAmount,
        /// Whether and how long to wait.
        #[command(flatten)]
        wait: WaitArgs,
    },
    /// Deposit from L1: creates the wallet's account on the first deposit, tops it up after.
    #[command(
        after_help = "Examples:\n  ccr-wallet deposit --amount 1 --wait   # first time: creates the account\n  ccr-wallet deposit --amount 0.5"
    )]
    Deposit {
        /// Amount in the rollup's asset (e.g. 0.25 ETH; see "Amounts" in `ccr-wallet --help`).
        #[arg(long, value_name = "AMOUNT")]
        amount: DecimalAmount,
        /// Wait until the sequencer has ingested the deposit.
        #[arg(long)]
        wait: bool,
        /// How long to wait, in seconds.
        #[arg(long, default_value_t = 120, value_name = "SECS")]
        timeout: u64,
    },
    /// Pay out the wallet's pending withdrawals on L1 (settled exits).
    Claim,
    /// Request an exit through L1 (when the sequencer ignores your L2 exit).
    #[command(name = "force-exit", after_help = "Example:\n  ccr-wallet force-exit --amount 0.1")]
    ForceExit {
        /// Amount in the rollup's asset (e.g. 0.25 ETH; see "Amounts" in `ccr-wallet --help`).
        #[arg(long, value_name = "AMOUNT")]
        amount: DecimalAmount,
    },
    /// The escape hatch: activate exit mode, or claim the balance from the last settled state.
    #[command(name = "exit-mode", subcommand)]
    ExitMode(ExitModeCommand),
    /// Audit the rollup from L1 alone: every batch's commitment, proof and replayed root.
    #[command(
        after_help = "Example:\n  ccr-wallet --network .devnet/network.json audit\nExit code 8 names the first bad batch and the failed check."
    )]
    Audit {
        /// The batch circuit's verifying key [default: the network file's]. It must be the key
        /// L1's verifier carries (checked), and a development key is reported as insecure.
        #[arg(long, value_name = "FILE")]
        verifying_key: Option<PathBuf>,
        /// Also write every batch's checks to FILE (a JSON array: batch, epoch, L1 transaction,
        /// roots, recomputed commitment, queue range, slots, checks passed).
        #[arg(long, value_name = "FILE")]
        report: Option<PathBuf>,
    },
    /// Repay your loan: the amount goes from your balance to the bank's pool.
    #[command(after_help = "Example:\n  ccr-wallet repay --amount 0.0000003 --wait\n\
        Interest accrues per epoch (a month); `ccr-wallet loan` shows what is owed.")]
    Repay {
        /// The bank's pool [default: the bank your account owes].
        #[arg(long, value_name = "ID")]
        bank: Option<u32>,
        /// Amount in the rollup's asset (at most the debt).
        #[arg(long, value_name = "AMOUNT")]
        amount: DecimalAmount,
        /// Whether and how long to wait.
        #[command(flatten)]
        wait: WaitArgs,
    },
    /// Show a loan (default: the wallet's): debt, rate, due epoch, written down or not.
    #[command(after_help = "Example:\n  ccr-wallet loan\n  ccr-wallet loan 7")]
    Loan {
        /// Account index [default: the wallet's].
        index: Option<u32>,
    },
    /// Loan upkeep anyone may ask for: accrue a loan's interest, or write down a loan past
    /// due plus the grace epochs.
    #[command(after_help = "Example:\n  ccr-wallet upkeep writedown --borrower 7")]
    Upkeep {
        /// accrue or writedown.
        #[arg(value_enum)]
        kind: UpkeepKind,
        /// The borrower's account.
        #[arg(long, value_name = "INDEX")]
        borrower: u32,
        /// The bank's pool [default: the borrower's bank].
        #[arg(long, value_name = "ID")]
        bank: Option<u32>,
        /// Whether and how long to wait.
        #[command(flatten)]
        wait: WaitArgs,
    },
    /// Attesters: sign a member's financial record.
    #[command(subcommand)]
    Attester(crate::credit::AttesterCommand),
    /// Banks: eligibility keys for a policy (development setup), the attester registry,
    /// registration on L1.
    #[command(subcommand)]
    Bank(crate::credit::BankCommand),
    /// Credit: borrow (prove and submit), prove eligibility on this machine, verify a proof.
    #[command(subcommand)]
    Credit(crate::credit::CreditCommand),
    /// Bank polls: create (a proposal too), tally (the coordinator), result, execute, show.
    #[command(subcommand)]
    Poll(crate::poll::PollCommand),
    /// Vote in a bank poll through the sequencer (your vote is encrypted to the coordinator
    /// and relayed to L1 from the sequencer's account).
    #[command(after_help = "Examples:
  ccr-wallet --network .devnet/network.json vote --poll 1 --option 1 --weight 3
  ccr-wallet --network .devnet/network.json vote --poll 1 --option 0 --weight 2 --new-key
Each vote replaces your earlier votes in the poll (the newest message is processed first).
--new-key moves to a fresh vote key derived from your spending key: every message sent before
it becomes void. Your per-poll state (no secret) is kept beside the keystore.")]
    Vote(crate::poll::VoteArgs),
    /// Where a transaction stands: pending, inBatch, proven, settled or rejected.
    #[command(after_help = "Example:\n  ccr-wallet status 0x5e1f...   (the hash `transfer` printed)")]
    Status {
        /// The transaction's `0x` hash, or its sequence number.
        id: String,
    },
}

/// A loan upkeep.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum UpkeepKind {
    /// Bring the loan's interest up to the current epoch.
    Accrue,
    /// Write down a loan past due plus the grace epochs.
    Writedown,
}

impl UpkeepKind {
    /// The API's name.
    pub fn name(self) -> &'static str {
        match self {
            Self::Accrue => "accrue",
            Self::Writedown => "writedown",
        }
    }
}

/// `key` subcommands.
#[derive(Debug, Subcommand)]
pub enum KeyCommand {
    /// Create a keystore with a fresh L2 key and an L1 key (fresh, or a devnet account's).
    #[command(
        after_help = "Examples:\n  ccr-wallet key new\n  ccr-wallet --keystore alice.json --password-file pw key new --l1-dev-account 1"
    )]
    New {
        /// Use the devnet's (anvil's) well-known funded account N (0-9) as the L1 key.
        /// Public keys: for development chains only.
        #[arg(long, value_name = "N", value_parser = clap::value_parser!(u8).range(0..10))]
        l1_dev_account: Option<u8>,
    },
    /// Show the public keys: L2 public key (x, y) and L1 address.
    Show,
}

/// `exit-mode` subcommands.
#[derive(Debug, Subcommand)]
pub enum ExitModeCommand {
    /// Switch the rollup to exit mode (allowed once a queued L1 request waited past the escape delay).
    Activate,
    /// Rebuild the state from L1 (a full audit), prove the wallet's account under the last
    /// settled root, credit its balance to the L1 owner; then `claim` pays it. A borrower's
    /// debt is netted first: up to the balance goes to its bank's pool, the rest to you.
    Claim {
        /// The batch circuit's verifying key [default: the network file's].
        #[arg(long, value_name = "FILE")]
        verifying_key: Option<PathBuf>,
    },
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

/// The completion script of `shell`, from the parser's definition.
fn completions(shell: clap_complete::Shell) -> Output {
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut <Cli as clap::CommandFactory>::command(), "ccr-wallet", &mut script);
    let script = String::from_utf8_lossy(&script).into_owned();
    Output::new(script.trim_end(), serde_json::json!({ "shell": shell.to_string(), "script": script }))
}

/// The man page (roff), from the parser's definition.
fn man_page() -> Result<Output, WalletError> {
    let mut page = Vec::new();
    clap_mangen::Man::new(<Cli as clap::CommandFactory>::command())
        .render(&mut page)
        .map_err(|e| WalletError::Config(format!("rendering the man page: {e}")))?;
    let page = String::from_utf8_lossy(&page).into_owned();
    Ok(Output::new(page.trim_end(), serde_json::json!({ "man": page })))
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

    fn known_asset(&self) -> Option<Asset> {
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
        Command::Completions { .. } | Command::Man => Settings {
            network: None,
            keystore: keystore::default_keystore_path(),
            global: cli.global.clone(),
        },
        _ => Settings::resolve(&cli.global)?,
    };
    let json_mode = cli.global.json;
    match cli.command {
        Command::Completions { shell } => Ok(completions(shell)),
        Command::Man => man_page(),
        Command::Deploy(a) => crate::deploy::run_deploy(&s, a).await,
        Command::Key(KeyCommand::New { l1_dev_account }) => key_new(&s, l1_dev_account),
        Command::Key(KeyCommand::Show) => key_show(&s),
        Command::Account { index } => {
            let seq = s.sequencer()?;
            let index = match index {
                Some(r) => s.resolve_account(&r).await?,
                None => s.account_index()?,
            };
            let a = ops::account(&seq, index).await?;
            Ok(account_output(&a, &s.asset().await?))
        }
        Command::Balance => {
            let keys = s.keys()?;
            let seq = s.sequencer()?;
            let index = s.account_index()?;
            let a = ops::own_account(&seq, &keys, index).await?;
            Ok(account_output(&a, &s.asset().await?))
        }
        Command::Transfer { to, amount, wait } => {
            let keys = s.keys()?;
            let seq = s.sequencer()?;
            let from = s.account_index()?;
            let to = s.resolve_account(&to).await?;
            let asset = s.asset().await?;
            let units = asset.parse_transfer(&amount)?;
            let sent = ops::transfer(&seq, &keys, &s.domain()?, from, to, units).await?;
            let text = format!(
                "transfer of {} from account {from} to {to} accepted\nhash {}",
                asset.show(units),
                sent.hash
            );
            finish_sent(&seq, sent, text, wait, json_mode).await
        }
        Command::Exit { amount, wait } => {
            let keys = s.keys()?;
            let seq = s.sequencer()?;
            let from = s.account_index()?;
            let asset = s.asset().await?;
            let units = asset.parse_transfer(&amount)?;
            let sent = ops::exit(&seq, &keys, &s.domain()?, from, units).await?;
            let text = format!(
                "exit of {} from account {from} accepted\nhash {}\nonce its batch settles on L1, `ccr-wallet claim` pays it out",
                asset.show(units),
                sent.hash
            );
            finish_sent(&seq, sent, text, wait, json_mode).await
        }
        Command::Deposit { amount, wait, timeout } => {
            let keys = s.keys()?;
            let l1 = s.l1(&keys).await?;
            let account = match s.account_index() {
                Ok(i) => Some(i),
                Err(WalletError::NoAccount) => None,
                Err(e) => return Err(e),
            };
            let asset = s.asset_from(&l1).await?;
            let units = asset.parse(&amount)?;
            let d = l1ops::deposit(&l1, &keys, account, units).await?;
            if d.created {
                s.remember_account(d.index)?;
            }
            let shown = asset.show(units);
            let mut text = if d.created {
                format!("created account {} with {shown} (L1 tx {})", d.index, d.l1_tx.hash)
            } else {
                format!("deposited {shown} to account {} (L1 tx {})", d.index, d.l1_tx.hash)
            };
            if wait {
                let seq = s.sequencer()?;
                let bar = spinner(json_mode);
                bar.set_message("waiting for the sequencer to ingest the deposit");
                let r = l1ops::wait_ingested(&seq, d.queue_length, Duration::from_secs(timeout)).await;
                bar.finish_and_clear();
                r?;
                text.push_str("\nthe sequencer has it: it applies in the next batch");
            }
            Ok(Output::new(text, serde_json::to_value(&d).unwrap_or(Value::Null)))
        }
        Command::Claim => {
            let keys = s.keys()?;
            let l1 = s.l1(&keys).await?;
            let c = l1ops::claim(&l1).await?;
            let text = format!(
                "paid {} (base units) to {:#x} (L1 tx {})",
                c.amount,
                keys.l1_address(),
                c.l1_tx.hash
            );
            Ok(Output::new(text, serde_json::to_value(&c).unwrap_or(Value::Null)))
        }
        Command::ForceExit { amount } => {
            let keys = s.keys()?;
            let l1 = s.l1(&keys).await?;
            let index = s.account_index()?;
            let asset = s.asset_from(&l1).await?;
            let units = asset.parse(&amount)?;
            let tx = l1ops::force_exit(&l1, index, units).await?;
            let text = format!(
                "forced exit of {} from account {index} queued on L1 (tx {})\nthe sequencer must include it; \
                 once its batch settles, `ccr-wallet claim` pays it",
                asset.show(units),
                tx.hash
            );
            Ok(Output::new(text, json!({ "index": index, "amount": units, "l1Tx": tx })))
        }
        Command::ExitMode(ExitModeCommand::Activate) => {
            let keys = s.keys()?;
            let l1 = s.l1(&keys).await?;
            let tx = l1ops::activate_exit_mode(&l1).await?;
            Ok(Output::new(
                format!(
                    "exit mode active (L1 tx {}): members now leave with `ccr-wallet exit-mode claim`",
                    tx.hash
                ),
                json!({ "l1Tx": tx }),
            ))
        }
        Command::ExitMode(ExitModeCommand::Claim { verifying_key }) => {
            let keys = s.keys()?;
            let params = s.params()?;
            let vk = s.verifying_key(verifying_key.as_deref())?;
            let l1 = s.l1(&keys).await?;
            let index = s.account_index()?;
            let bar = progress_bar(json_mode);
            let r = l1ops::exit_mode_claim(&l1, &keys, params, &vk, index, &mut |done, total| {
                bar.set_length(total);
                bar.set_position(done);
            })
            .await;
            bar.finish_and_clear();
            let c = r?;
            let netting = if c.netted > 0 {
                format!(
                    "; {} netted to its bank's pool against its debt of {} ({} still owed)",
                    c.netted,
                    c.debt,
                    c.debt - c.netted
                )
            } else {
                String::new()
            };
            let text = format!(
                "audited {} batches; account {index}'s balance {}: {} credited to {:#x}{netting} (L1 tx {})\nrun `ccr-wallet claim` to receive it",
                c.audit.batches,
                c.balance,
                c.paid,
                keys.l1_address(),
                c.l1_tx.hash
            );
            Ok(Output::new(text, serde_json::to_value(&c).unwrap_or(Value::Null)))
        }
        Command::Audit { verifying_key, report: report_path } => {
            let params = s.params()?;
            let (vk, insecure) = s.verifying_key_with_flag(verifying_key.as_deref())?;
            let l1 = s.l1_reader().await?;
            let bar = progress_bar(json_mode);
            let r = audit::rebuild(&l1.client, params, &vk, &mut |done, total| {
                bar.set_length(total);
                bar.set_position(done);
            })
            .await;
            bar.finish_and_clear();
            let (report, _) = r?;
            if let Some(path) = &report_path {
                let mut json = serde_json::to_vec_pretty(&report.per_batch)
                    .map_err(|e| WalletError::Config(format!("serializing the report: {e}")))?;
                json.push(b'\n');
                crate::fsutil::write_private_atomic(path, &json).map_err(|(p, e)| WalletError::io(&p, e))?;
            }
            let warning = if insecure {
                "WARNING: the verifying key comes from the INSECURE development setup: anyone who knows its \
                 seed can forge batch proofs, so these checks prove nothing about the state. Never for value.\n"
            } else {
                ""
            };
            let text = warning.to_owned()
                + &format!(
                "OK: {} batches, {} proofs verified, {} eligibility proofs verified, {} transactions replayed ({} exits), \
                 {} of {} L1 queue entries consumed\n\
                 {} accounts; final root {} equals L1's stateRoot()",
                report.batches,
                report.proofs_verified,
                report.eligibility_proofs_verified,
                report.transactions,
                report.exits,
                report.queue_consumed,
                report.queue_total,
                report.accounts,
                report.final_root
            )
            + &format!("\nthe key is the one L1's batch verifier ({}) carries", report.verifier)
            + &report_path.as_ref().map(|p| format!("\nper-batch report: {}", p.display())).unwrap_or_default();
            let credits: String = report
                .credits
                .iter()
                .map(|c| {
                    format!(
                        "\ncredit in batch {}: bank {} lent {} to account {} for {} (tier {}, {} bps, {} months)",
                        c.batch, c.bank, c.amount, c.borrower, c.purpose, c.tier, c.rate_bps, c.term_months
                    )
                })
                .collect();
            let text = text + &credits;
            let mut json = serde_json::to_value(&report).unwrap_or(Value::Null);
            json["insecureDevKey"] = json!(insecure);
            Ok(Output::new(text, json))
        }
        Command::Status { id } => {
            let seq = s.sequencer()?;
            Ok(status_output(&ops::status(&seq, &id).await?))
        }
        Command::Repay { bank, amount, wait } => {
            let keys = s.keys()?;
            let seq = s.sequencer()?;
            let from = s.account_index()?;
            let asset = s.asset().await?;
            let units = asset.parse_transfer(&amount)?;
            let (sent, pool) = ops::repay(&seq, &keys, &s.domain()?, from, bank, units).await?;
            let text = format!(
                "repayment of {} from account {from} to bank {pool} accepted\nhash {}",
                asset.show(units),
                sent.hash
            );
            finish_sent(&seq, sent, text, wait, json_mode).await
        }
        Command::Loan { index } => {
            let seq = s.sequencer()?;
            let index = match index {
                Some(i) => i,
                None => s.account_index()?,
            };
            let info = ops::account(&seq, index).await?;
            let epoch = seq.health().await?.epoch;
            Ok(loan_output(&info, epoch))
        }
        Command::Upkeep { kind, borrower, bank, wait } => {
            let seq = s.sequencer()?;
            let bank = match bank {
                Some(b) => b,
                None => ops::account(&seq, borrower).await?.bank.ok_or_else(|| {
                    WalletError::Config(format!(
                        "account {borrower} owes no bank: nothing to {}",
                        kind.name()
                    ))
                })?,
            };
            let r = seq.send_upkeep(kind.name(), borrower, bank).await?;
            let sent = ops::Sent { hash: r.hash, seq: r.seq, nonce: 0 };
            let text = format!(
                "{} of account {borrower}'s loan from bank {bank} accepted\nhash {}",
                kind.name(),
                sent.hash
            );
            finish_sent(&seq, sent, text, wait, json_mode).await
        }
        Command::Attester(cmd) => crate::credit::run_attester(&s, cmd),
        Command::Bank(cmd) => crate::credit::run_bank(&s, cmd).await,
        Command::Credit(cmd) => crate::credit::run_credit(&s, cmd, json_mode).await,
        Command::Poll(cmd) => crate::poll::run_poll(&s, cmd, json_mode).await,
        Command::Vote(args) => crate::poll::run_vote(&s, args).await,
    }
}

fn key_new(s: &Settings, l1_dev_account: Option<u8>) -> Result<Output, WalletError> {
    if s.keystore.exists() {
        return Err(WalletError::KeystoreExists { path: s.keystore.clone() });
    }
    let l1 = l1_dev_account.map(dev_key).transpose()?;
    let keys = WalletKeys::generate(&mut rand::rngs::OsRng, l1);
    let password = s.password(true)?;
    keystore::create(&s.keystore, &keys, &password)?;
    let mut out = keys_output(&keys, &s.keystore);
    out.text = format!(
        "created {}\n{}\nkeep the password: without it the keys are lost",
        s.keystore.display(),
        out.text
    );
    Ok(out)
}

fn key_show(s: &Settings) -> Result<Output, WalletError> {
    Ok(keys_output(&s.keys()?, &s.keystore))
}

/// The L1 key of the devnet's funded account `n`.
fn dev_key(n: u8) -> Result<L1Key, WalletError> {
    let hex = ccr_l1::DEV_KEYS.get(usize::from(n)).ok_or_else(|| {
        WalletError::Config(format!("--l1-dev-account {n}: there are 10 dev accounts (0-9)"))
    })?;
    L1Key::from_hex(hex)
}

fn keys_output(keys: &WalletKeys, path: &Path) -> Output {
    let pk = keys.l2_public();
    let (x, y) = (fr_to_hex(&pk.x), fr_to_hex(&pk.y));
    let addr = format!("{:#x}", keys.l1_address());
    Output::new(
        format!("L2 public key x {x}\n              y {y}\nL1 address      {addr}"),
        json!({ "keystore": path.display().to_string(), "l2PublicKey": { "x": x, "y": y }, "l1Address": addr }),
    )
}

fn account_output(a: &AccountInfo, asset: &Asset) -> Output {
    let text = format!(
        "account {}\nbalance {} (pending {})\nnonce   {} (next transaction: {})\nkey x   {}\n    y   {}{}",
        a.index,
        asset.show(a.balance.0),
        asset.format(a.pending_balance.0),
        a.nonce,
        a.pending_nonce,
        a.pubkey_x,
        a.pubkey_y,
        if a.sealed { "" } else { "\n(not in a sealed batch yet)" }
    );
    Output::new(text, serde_json::to_value(a).unwrap_or(Value::Null))
}

fn loan_output(a: &AccountInfo, epoch: u32) -> Output {
    let mut json = serde_json::to_value(a).unwrap_or(Value::Null);
    json["epoch"] = json!(epoch);
    let text = match &a.loan {
        Some(l) => format!(
            "account {} owes bank {}: {} (after pending transactions)\npurpose {}\nrate    {} bps a year\ndue     epoch {} (now {epoch}){}\ninterest accrued to epoch {}{}",
            a.index,
            a.bank.map_or_else(|| "?".to_string(), |b| b.to_string()),
            a.debt.0,
            l.purpose.as_deref().unwrap_or("unknown (no credit record at this sequencer)"),
            l.rate_bps,
            l.due_epoch,
            if epoch > l.due_epoch { ": PAST DUE" } else { "" },
            l.accrued_epoch,
            if l.written_down { "\nWRITTEN DOWN: the bank took the loss; repayments are recoveries" } else { "" }
        ),
        None if a.pool => format!(
            "account {} is a bank pool: its borrowers owe it {} (epoch {epoch})",
            a.index, a.debt.0
        ),
        None => format!("account {} has no loan (epoch {epoch})", a.index),
    };
    Output::new(text, json)
}

fn status_output(st: &TxStatusInfo) -> Output {
    let mut text = format!("{} {} (seq {}): {:?}", st.kind, st.hash, st.seq, st.status);
    if let Some(b) = st.batch {
        text.push_str(&format!(", batch {b}"));
    }
    if let Some(r) = &st.reason {
        text.push_str(&format!(", reason: {r}"));
    }
    Output::new(text, serde_json::to_value(st).unwrap_or(Value::Null))
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
