//! `ccr-wallet`: parse, run, print, exit with the error's documented code.

use std::process::ExitCode;

use ccr_wallet::cli::{run, Cli};
use clap::Parser;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let json = cli.global.json;
    let rt = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match rt.block_on(run(cli)) {
        Ok(out) if json => {
            print_line(&out.json.to_string());
            ExitCode::SUCCESS
        }
        Ok(out) => {
            print_line(&out.text);
            ExitCode::SUCCESS
        }
        Err(e) => {
            let code = e.exit_code();
            if json {
                let mut out = serde_json::json!({ "error": e.to_string(), "exitCode": code });
                // The sequencer's structured details (`{balance, amount}`, `{expected, got}`, ...).
                if let ccr_wallet::WalletError::Rejected { data: Some(d), .. } = &e {
                    out["data"] = serde_json::from_str(d).unwrap_or(serde_json::Value::String(d.clone()));
                }
                print_line(&out.to_string());
            } else {
                eprintln!("error: {e}");
            }
            ExitCode::from(u8::try_from(code).unwrap_or(1))
        }
    }
}

/// Prints a line on stdout; a reader that went away (`ccr-wallet man | head`) is not an error.
fn print_line(s: &str) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{s}").and_then(|()| out.flush());
}
