//! `poll tally`: the coordinator closes the poll after its deadline, proves the processing and
//! the tally, submits the proofs and publishes the results ([`crate::poll::tally`]).

use std::path::PathBuf;

use ccr_prover::vote::CoordinatorStep;
use clap::Args;

use super::roster::{network_dir, PollFileArg};
use crate::cli::{progress_bar, Output, Settings};
use crate::error::WalletError;
use crate::poll::{poll_client, results_text, tally};
use crate::vote::PollFile;

/// `poll tally`'s options.
#[derive(Debug, Clone, Args)]
#[command(after_help = "Example:
  ccr-wallet --network .devnet/network.json --keystore coordinator.json poll tally --poll-file poll-1.json
The proving keys default to poll-process.pk and poll-tally.pk beside the network file.")]
pub struct TallyArgs {
    /// The roster file.
    #[command(flatten)]
    pub file: PollFileArg,
    /// The processing circuit's proving key [default: poll-process.pk beside the network file].
    #[arg(long, value_name = "FILE")]
    pub process_pk: Option<PathBuf>,
    /// The tally circuit's proving key [default: poll-tally.pk beside the network file].
    #[arg(long, value_name = "FILE")]
    pub tally_pk: Option<PathBuf>,
}

impl TallyArgs {
    /// Tallies with the wallet's key (the coordinator's), with a progress bar over the proofs,
    /// and records the results in the roster file.
    ///
    /// # Errors
    ///
    /// As [`tally`]; [`WalletError::Config`] for unreadable proving keys.
    pub async fn run(self, s: &Settings, json_mode: bool) -> Result<Output, WalletError> {
        let Self { file: arg, process_pk, tally_pk } = self;
        let path = arg.path(s)?;
        let mut file = PollFile::load(&path)?;
        let keys = s.keys()?;
        let l1 = s.l1(&keys).await?;
        let polls = poll_client(&l1.client, file.poll_contract);
        let dir = network_dir(s);
        let load = |p: Option<PathBuf>, name: &str| {
            let p = p.unwrap_or_else(|| dir.join(name));
            ccr_prover::ProvingKeyFile::load(&p)
                .map(|f| f.key)
                .map_err(|e| WalletError::Config(format!("proving key {}: {e}", p.display())))
        };
        let (ppk, tpk) = (load(process_pk, "poll-process.pk")?, load(tally_pk, "poll-tally.pk")?);
        let bar = progress_bar(json_mode);
        let mut on_step = |st: CoordinatorStep| {
            bar.set_length(st.total as u64);
            bar.set_position(st.completed() as u64);
            bar.set_message(format!("{} proof {}/{} (batch {})", st.kind, st.i, st.n, st.batch));
        };
        let r = tally(&l1, &polls, &mut file, &keys.l2, &ppk, &tpk, &mut on_step).await;
        bar.finish_and_clear();
        let t = r?;
        file.save(&path)?;
        let text = format!(
            "poll {} tallied: {} message(s); {} processing and {} tally proof(s) accepted on L1\n{}\n\
             results published (the salt is on L1 and recorded in {}; what became of each message \
             stays secret)",
            t.poll,
            t.messages,
            t.process_proofs,
            t.tally_proofs,
            results_text(&t.results, file.proposal.is_some()),
            path.display()
        );
        Ok(Output::new(text, serde_json::to_value(&t).unwrap_or_default()))
    }
}
