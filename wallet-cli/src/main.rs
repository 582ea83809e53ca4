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
            println!("{}", out.json);
            ExitCode::SUCCESS
        }
        Ok(out) => {
            println!("{}", out.text);
            ExitCode::SUCCESS
        }
        Err(e) => {
            let code = e.exit_code();
            if json {
                println!("{}", serde_json::json!({ "error": e.to_string(), "exitCode": code }));
            } else {
                eprintln!("error: {e}");
            }
            ExitCode::from(u8::try_from(code).unwrap_or(1))
        }
    }
}
