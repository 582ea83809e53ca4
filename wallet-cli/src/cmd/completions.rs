//! `completions` and `man`: the shell completion scripts and the manual page, generated from
//! the parser's definition (they read no network file).

use clap::Args;
use serde_json::json;

use crate::cli::{Cli, Output};
use crate::error::WalletError;

/// `completions`' options.
#[derive(Debug, Clone, Args)]
pub struct CompletionsArgs {
    /// The shell.
    pub shell: clap_complete::Shell,
}

impl CompletionsArgs {
    /// The completion script of the shell, from the parser's definition.
    pub fn run(self) -> Output {
        let shell = self.shell;
        let mut script = Vec::new();
        clap_complete::generate(
            shell,
            &mut <Cli as clap::CommandFactory>::command(),
            "ccr-wallet",
            &mut script,
        );
        let script = String::from_utf8_lossy(&script).into_owned();
        Output::new(script.trim_end(), json!({ "shell": shell.to_string(), "script": script }))
    }
}

/// `man`'s options (none).
#[derive(Debug, Clone, Args)]
pub struct ManArgs {}

impl ManArgs {
    /// The man page (roff), from the parser's definition.
    ///
    /// # Errors
    ///
    /// [`WalletError::Config`] when rendering fails.
    pub fn run(self) -> Result<Output, WalletError> {
        let mut page = Vec::new();
        clap_mangen::Man::new(<Cli as clap::CommandFactory>::command())
            .render(&mut page)
            .map_err(|e| WalletError::Config(format!("rendering the man page: {e}")))?;
        let page = String::from_utf8_lossy(&page).into_owned();
        Ok(Output::new(page.trim_end(), json!({ "man": page })))
    }
}
