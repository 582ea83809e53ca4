//! `poll create`: the bank creates a poll of its members (optionally a proposal to adopt a new
//! policy) with [`crate::poll::create_poll`] and writes the roster file.

use std::path::PathBuf;

use ccr_verifier_contracts::rollup::BankProposal;
use clap::Args;
use serde_json::json;

use super::roster::{network_dir, poll_address};
use crate::cli::{Output, Settings};
use crate::credit::{load_policy, read_json, RegistryFile};
use crate::error::WalletError;
use crate::poll::{create_poll, parse_coordinator, poll_client, CreatePoll};
use crate::vote::PollFile;

/// `poll create`'s options.
#[derive(Debug, Clone, Args)]
#[command(after_help = "Examples:
  ccr-wallet --network .devnet/network.json --keystore commons.json poll create \\
    --pool 4 --members 1,2,3 --options 3 --deadline-in 600 --voice-credits 100 --coordinator X,Y
  ccr-wallet --network .devnet/network.json --keystore commons.json poll create \\
    --pool 4 --members 1,2,3 --deadline-in 600 --coordinator X,Y \\
    --proposal-policy new-policy.json --proposal-registry registry.json
Writes poll-<id>.json (the roster: the members' keys, the coordinator key, the proposal): give
it to the members and the coordinator.")]
pub struct CreateArgs {
    /// The bank's pool account (your L1 key must own it).
    #[arg(long, value_name = "ID")]
    pub pool: u32,
    /// The members' L2 accounts, comma-separated (their keys are read from the sequencer).
    #[arg(long, value_name = "A,B,...", value_delimiter = ',', required = true)]
    pub members: Vec<u32>,
    /// Number of options (a proposal always has 2: 0 against, 1 for).
    #[arg(long, default_value_t = 2, value_name = "N")]
    pub options: u32,
    /// Voting closes this many seconds after L1's latest block.
    #[arg(long, value_name = "SECS", conflicts_with = "deadline")]
    pub deadline_in: Option<u64>,
    /// Voting closes at this unix time.
    #[arg(long, value_name = "UNIX")]
    pub deadline: Option<u64>,
    /// Voice credits per member (w votes cost w²).
    #[arg(long, default_value_t = 100, value_name = "N")]
    pub voice_credits: u64,
    /// The coordinator's public key X,Y (`ccr-wallet key show` of the coordinator's keystore).
    #[arg(long, value_name = "X,Y")]
    pub coordinator: String,
    /// A proposal: the new policy file (its hash must be its own). Its hash and shape are
    /// what the poll decides: the eligibility key is the rollup's, no new setup.
    #[arg(long, value_name = "FILE", requires = "proposal_registry")]
    pub proposal_policy: Option<PathBuf>,
    /// The attester registry file of the proposal.
    #[arg(long, value_name = "FILE")]
    pub proposal_registry: Option<PathBuf>,
    /// Where to write the roster (default: `poll-<id>.json` beside the network file).
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
}

impl CreateArgs {
    /// Creates the poll from the wallet's L1 account and writes the roster file.
    ///
    /// # Errors
    ///
    /// As [`create_poll`]; [`WalletError::Config`] without a deadline, a poll contract or
    /// readable proposal files.
    pub async fn run(self, s: &Settings) -> Result<Output, WalletError> {
        let a = self;
        let keys = s.keys()?;
        let l1 = s.l1(&keys).await?;
        let seq = s.sequencer()?;
        let polls = poll_client(&l1.client, poll_address(s)?);
        let deadline = match (a.deadline, a.deadline_in) {
            (Some(d), _) => d,
            (None, Some(secs)) => l1.client.latest_timestamp().await.map_err(|e| l1.err(e))? + secs,
            (None, None) => {
                return Err(WalletError::Config(
                    "when does voting close? pass --deadline-in SECS or --deadline UNIX".into(),
                ))
            }
        };
        let proposal = match (&a.proposal_policy, &a.proposal_registry) {
            (Some(policy), Some(registry)) => {
                let policy = load_policy(policy)?;
                let params = policy.circuit_params().map_err(|e| WalletError::Config(e.to_string()))?;
                let shape = ccr_prover::eligibility::network_shape_index(params.shape).ok_or_else(|| {
                    WalletError::Config(format!(
                        "the proposed policy's shape ({}) has no eligibility key on this network",
                        params.shape
                    ))
                })?;
                let reg: RegistryFile = read_json(registry, "registry", "`bank registry` writes it")?;
                Some(BankProposal::new(shape, params.hash(), reg.registry()?.root()))
            }
            _ => None,
        };
        let req = CreatePoll {
            pool: a.pool,
            members: a.members.clone(),
            options: a.options,
            deadline,
            voice_credits: a.voice_credits,
            coordinator: parse_coordinator(&a.coordinator)?,
            proposal,
        };
        let (file, tx) = create_poll(&l1, &polls, &seq, &req).await?;
        let out = a.out.unwrap_or_else(|| network_dir(s).join(PollFile::file_name(file.poll_id)));
        file.save(&out)?;
        let text = format!(
            "created poll {} of bank {} for {} members ({} options, closes at {}, {} voice credits each){} \
             (L1 tx {})\nroster written to {}: give it to the members and the coordinator",
            file.poll_id,
            file.pool,
            file.members.len(),
            file.options,
            file.deadline,
            file.voice_credits,
            if file.proposal.is_some() { ", a proposal: 0 against, 1 for" } else { "" },
            tx.hash,
            out.display()
        );
        Ok(Output::new(
            text,
            json!({ "poll": file.poll_id, "rosterFile": out.display().to_string(), "l1Tx": tx }),
        ))
    }
}
