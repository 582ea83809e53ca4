//! Which poll a command is about (`--poll-file` or `--poll`), and where a deployment's poll
//! files and contract are: shared by the `poll` subcommands and `vote`.

use std::path::PathBuf;

use alloy_primitives::Address;
use clap::Args;

use crate::cli::Settings;
use crate::error::WalletError;
use crate::vote::PollFile;

/// Which roster file.
#[derive(Debug, Clone, Args)]
pub struct PollFileArg {
    /// The roster file `poll create` wrote (default: `poll-<ID>.json` beside the network file).
    #[arg(long, value_name = "FILE")]
    pub poll_file: Option<PathBuf>,
    /// The poll's id (to find `poll-<ID>.json`).
    #[arg(long, value_name = "ID")]
    pub poll: Option<u64>,
}

impl PollFileArg {
    /// The roster file's path: `--poll-file`, else `poll-<ID>.json` beside the network file.
    ///
    /// # Errors
    ///
    /// [`WalletError::Config`] with neither option.
    pub fn path(&self, s: &Settings) -> Result<PathBuf, WalletError> {
        match (&self.poll_file, self.poll) {
            (Some(p), _) => Ok(p.clone()),
            (None, Some(id)) => Ok(network_dir(s).join(PollFile::file_name(id))),
            (None, None) => Err(WalletError::Config("which poll? pass --poll-file FILE or --poll ID".into())),
        }
    }
}

/// The network file's directory (where `poll create` writes rosters and the poll proving keys
/// are), or `.` without one.
pub(crate) fn network_dir(s: &Settings) -> PathBuf {
    s.global.network.as_deref().map_or_else(|| ".".into(), crate::fsutil::parent_dir)
}

/// The poll contract's address, from the network file.
pub(crate) fn poll_address(s: &Settings) -> Result<Address, WalletError> {
    s.network.as_ref().and_then(|n| n.poll).map(|p| p.address).ok_or_else(|| {
        WalletError::Config(
            "the network file has no `poll` section: this deployment has no poll contract".into(),
        )
    })
}
