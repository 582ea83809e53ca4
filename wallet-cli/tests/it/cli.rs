//! The command line: parsing, `--help`, errors and exit codes of the binary.

use ccr_wallet::cli::{AccountRef, Cli, Command};
use ccr_wallet::cmd::account::AccountArgs;
use ccr_wallet::cmd::key::new::NewArgs;
use ccr_wallet::cmd::key::KeyCommand;
use ccr_wallet::cmd::transfer::TransferArgs;
use ccr_wallet::error::exit_code;
use clap::error::ErrorKind;
use clap::Parser;

use crate::common::bin;

#[test]
fn parses_the_documented_examples() {
    let cli = Cli::try_parse_from([
        "ccr-wallet",
        "--network",
        "n.json",
        "transfer",
        "--to",
        "3",
        "--amount",
        "0.25",
        "--wait",
    ])
    .unwrap();
    match cli.command {
        Command::Transfer(TransferArgs { to, amount, wait }) => {
            assert_eq!(
                (to, amount.to_string().as_str(), wait.wait, wait.timeout),
                (AccountRef::Index(3), "0.25", true, 300)
            );
        }
        other => panic!("parsed as {other:?}"),
    }
    assert_eq!(cli.global.network.as_deref(), Some(std::path::Path::new("n.json")));
    // Global options go after the subcommand too.
    let cli = Cli::try_parse_from(["ccr-wallet", "key", "new", "--l1-dev-account", "1", "--json"]).unwrap();
    assert!(cli.global.json);
    assert!(matches!(cli.command, Command::Key(KeyCommand::New(NewArgs { l1_dev_account: Some(1) }))));
    let cli = Cli::try_parse_from(["ccr-wallet", "account", "5"]).unwrap();
    assert!(matches!(cli.command, Command::Account(AccountArgs { index: Some(AccountRef::Index(5)) })));
    // An account is also named by the L1 address that opened it.
    let owner = "0x70997970c51812dc3a010c7d01b50e0d17dc79c8";
    let cli = Cli::try_parse_from(["ccr-wallet", "transfer", "--to", owner, "--amount", "1"]).unwrap();
    assert!(
        matches!(cli.command, Command::Transfer(TransferArgs { to: AccountRef::Owner(a), .. }) if a == owner.parse::<alloy_primitives::Address>().unwrap())
    );
}

#[test]
fn bad_input_is_refused_by_the_parser() {
    let kind = |args: &[&str]| Cli::try_parse_from(args).unwrap_err().kind();
    assert_eq!(kind(&["ccr-wallet", "transfer", "--to", "3", "--amount", "ten"]), ErrorKind::ValueValidation);
    assert_eq!(kind(&["ccr-wallet", "transfer", "--to", "3", "--amount=-1"]), ErrorKind::ValueValidation);
    assert_eq!(kind(&["ccr-wallet", "transfer", "--amount", "10"]), ErrorKind::MissingRequiredArgument);
    assert_eq!(
        kind(&["ccr-wallet", "transfer", "--to", "99999999999", "--amount", "10"]),
        ErrorKind::ValueValidation
    );
    assert_eq!(kind(&["ccr-wallet", "key", "new", "--l1-dev-account", "10"]), ErrorKind::ValueValidation);
    assert_eq!(
        kind(&["ccr-wallet", "transfer", "--to", "0x1234", "--amount", "1"]),
        ErrorKind::ValueValidation
    );
    assert_eq!(kind(&["ccr-wallet", "frobnicate"]), ErrorKind::InvalidSubcommand);
    assert_eq!(kind(&["ccr-wallet", "--help"]), ErrorKind::DisplayHelp);
}

#[test]
fn help_teaches_with_examples_and_exit_codes() {
    let out = bin().arg("--help").output().unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    for needle in [
        "Examples:",
        "ccr-wallet key new",
        "transfer --to",
        "Exit codes:",
        "--password-file",
        "CCR_NETWORK",
        "Amounts",
        "L2 unit",
    ] {
        assert!(text.contains(needle), "--help lacks {needle:?}:\n{text}");
    }
    let out = bin().args(["transfer", "--help"]).output().unwrap();
    assert!(out.status.success());
    assert!(String::from_utf8(out.stdout).unwrap().contains("--amount"));
    let out = bin().args(["transfer", "--to", "x"]).output().unwrap();
    assert_eq!(out.status.code(), Some(exit_code::USAGE));
}

#[test]
fn no_keystore_tells_the_user_to_create_one() {
    let dir = tempfile::tempdir().unwrap();
    let ks = dir.path().join("none.json");
    let out = bin().args(["--keystore", ks.to_str().unwrap(), "key", "show"]).output().unwrap();
    assert_eq!(out.status.code(), Some(exit_code::KEYSTORE));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("run `ccr-wallet key new`"), "{err}");
}

#[test]
fn key_new_then_show_with_a_password_file() {
    let dir = tempfile::tempdir().unwrap();
    let ks = dir.path().join("w.json");
    let pw = dir.path().join("pw");
    std::fs::write(&pw, "s3cret pass\n").unwrap();
    let args = ["--keystore", ks.to_str().unwrap(), "--password-file", pw.to_str().unwrap(), "--json"];
    let out = bin().args(args).args(["key", "new"]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let created: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let out = bin().args(args).args(["key", "show"]).output().unwrap();
    assert!(out.status.success());
    let shown: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(created["l2PublicKey"], shown["l2PublicKey"]);
    assert_eq!(created["l1Address"], shown["l1Address"]);
    assert!(shown["l1Address"].as_str().unwrap().starts_with("0x"));
    // The password never appears in any output.
    assert!(!String::from_utf8_lossy(&out.stdout).contains("s3cret"));
    // A second `key new` refuses to overwrite.
    let out = bin().args(args).args(["key", "new"]).output().unwrap();
    assert_eq!(out.status.code(), Some(exit_code::KEYSTORE));
    // A wrong password is its own error, as JSON with --json.
    std::fs::write(&pw, "wrong\n").unwrap();
    let out = bin().args(args).args(["key", "show"]).output().unwrap();
    assert_eq!(out.status.code(), Some(exit_code::KEYSTORE));
    let err: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(err["error"].as_str().unwrap().contains("wrong password"), "{err}");
}

#[test]
fn unreachable_sequencer_names_the_url() {
    // A port that was just free: nothing listens there.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let url = format!("http://127.0.0.1:{port}");
    let out = bin().args(["--rpc", &url, "account", "0"]).output().unwrap();
    assert_eq!(out.status.code(), Some(exit_code::UNREACHABLE));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains(&url), "{err}");
}

#[test]
fn missing_settings_are_named() {
    let out = bin().args(["account", "0"]).env_remove("CCR_NETWORK").env_remove("CCR_RPC").output().unwrap();
    assert_eq!(out.status.code(), Some(exit_code::CONFIG));
    assert!(String::from_utf8(out.stderr).unwrap().contains("--rpc"));
}

#[test]
fn completions_and_the_man_page_come_from_the_parser() {
    for (shell, marker) in
        [("bash", "_ccr__wallet()"), ("zsh", "#compdef ccr-wallet"), ("fish", "complete -c ccr-wallet")]
    {
        let out = bin().args(["completions", shell]).output().unwrap();
        assert!(out.status.success(), "{shell}: {}", String::from_utf8_lossy(&out.stderr));
        let script = String::from_utf8_lossy(&out.stdout);
        assert!(script.contains(marker), "{shell}: {script}");
        assert!(
            script.contains("deploy") && script.contains("transfer") && script.contains("keystore"),
            "{shell}"
        );
    }
    let out = bin().args(["completions", "tcsh"]).output().unwrap();
    assert_eq!(out.status.code(), Some(exit_code::USAGE));
    let out = bin().arg("man").output().unwrap();
    assert!(out.status.success());
    let page = String::from_utf8_lossy(&out.stdout);
    assert!(page.contains(".TH ccr-wallet 1") && page.contains("transfer"), "{page}");
}
