//! Logging set-up shared by the binaries (`ccr-sequencer`, `ccr-devnet`, `ccr-benches`).

use tracing_subscriber::EnvFilter;

/// Logs to stderr, filtered by `RUST_LOG` or else `default` (e.g. `"info"`), without colour
/// codes when stderr is not a terminal. arkworks opens a span (target `gr1cs`) per gadget
/// namespace: enabled, they make setup and proving hundreds of times slower, so they stay off
/// whatever `RUST_LOG` says.
///
/// # Errors
///
/// When the `gr1cs` directive does not parse (it always does).
pub fn init(default: &str) -> Result<(), tracing_subscriber::filter::ParseError> {
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new(default))
        .add_directive("gr1cs=off".parse()?);
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
    Ok(())
}
