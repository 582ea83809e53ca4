//! The front page's five-minute tour runs as written: every `ccr-wallet` line between the
//! README's `<!-- tour` markers, against the devnet the scenario left (its directory standing
//! for `.devnet/`), through the wallet's own command-line parser and dispatch.

use ccr_wallet::cli::{run, Cli};
use clap::Parser;

/// The tour's `ccr-wallet` command lines, continuation lines joined and comments dropped.
fn tour_commands() -> Vec<String> {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../README.md")).expect("README.md");
    let start = readme.find("<!-- tour").expect("the README's tour marker");
    let end = readme[start..].find("<!-- /tour -->").expect("the tour's end marker") + start;
    let mut commands = Vec::new();
    let mut current = String::new();
    for line in readme[start..end].lines() {
        let line = line.trim();
        if current.is_empty() && !line.starts_with("ccr-wallet ") {
            continue;
        }
        let (body, more) = match line.strip_suffix('\\') {
            Some(b) => (b, true),
            None => (line.split(" #").next().unwrap_or(line), false),
        };
        current.push_str(body.trim());
        current.push(' ');
        if !more {
            commands.push(current.trim().to_owned());
            current.clear();
        }
    }
    commands
}

/// Runs the tour against `devnet_dir` (what the README calls `.devnet/`).
pub async fn run_readme_tour(devnet_dir: &std::path::Path) {
    let commands = tour_commands();
    assert!(commands.len() >= 5, "the tour has its commands: {commands:?}");
    let dir = devnet_dir.display().to_string();
    for command in &commands {
        let args: Vec<String> = command
            .split_whitespace()
            .map(|a| a.strip_prefix(".devnet/").map_or_else(|| a.to_owned(), |rest| format!("{dir}/{rest}")))
            .collect();
        let cli = Cli::try_parse_from(&args).unwrap_or_else(|e| panic!("`{command}` does not parse: {e}"));
        let out = run(cli).await.unwrap_or_else(|e| panic!("`{command}` failed: {e}"));
        eprintln!("$ {command}\n{}", out.text);
        if command.contains(" transfer ") {
            assert!(out.text.contains("0.01 ETH"), "amounts print in the asset: {}", out.text);
        }
        if command.ends_with(" balance") {
            assert!(out.text.contains(" ETH"), "balances print in the asset: {}", out.text);
        }
        if command.contains(" account 0x") {
            assert_eq!(out.json["index"], 1, "bob's L1 address names his account: {}", out.json);
        }
        if command.ends_with(" bank list") {
            // The scenario's bank: registered, then changed by its members' vote.
            let pool = out.json["banks"][0]["pool"].as_u64().expect("a bank");
            assert_eq!(out.json["banks"][0]["versions"], 2, "{}", out.json);
            let network = format!("{dir}/network.json");
            let show =
                Cli::try_parse_from(["ccr-wallet", "--network", &network, "bank", "show", &pool.to_string()])
                    .expect("bank show parses");
            let shown = run(show).await.expect("bank show");
            assert_eq!(shown.json["versions"].as_array().map(Vec::len), Some(2), "{}", shown.json);
            assert_ne!(shown.json["versions"][0]["policyHash"], shown.json["versions"][1]["policyHash"]);
            // A policy file that is not the current one is named and refused.
            let policy = concat!(env!("CARGO_MANIFEST_DIR"), "/../credit-policy/policies/german.json");
            let show = Cli::try_parse_from([
                "ccr-wallet",
                "--network",
                &network,
                "bank",
                "show",
                &pool.to_string(),
                "--policy",
                policy,
            ])
            .expect("bank show parses");
            let err = run(show).await.expect_err("the original policy is no longer the bank's");
            assert!(err.to_string().contains("policy hash"), "{err}");
        }
        if command.contains(" credit apply ") {
            assert!(out.text.contains("credit of 0.000001 ETH from bank 3"), "{}", out.text);
            // The bank's files came from the sequencer's mirror, checked and kept beside the
            // network file.
            let cached: Vec<String> = std::fs::read_dir(devnet_dir.join("bank-cache"))
                .expect("the wallet's bank cache")
                .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
                .collect();
            for prefix in ["policy-", "registry-", "eligibility-"] {
                assert!(cached.iter().any(|n| n.starts_with(prefix)), "{prefix}… in {cached:?}");
            }
            let bob =
                Cli::try_parse_from(["ccr-wallet", "--network", &format!("{dir}/network.json"), "loan", "1"])
                    .expect("loan parses");
            let loan = run(bob).await.expect("bob's loan");
            assert_eq!(loan.json["debt"], "1000", "{}", loan.json);
        }
        if command.contains(" audit --report ") {
            assert!(out.text.contains("INSECURE"), "the devnet's key is a development key: {}", out.text);
            // The scenario's poll, from L1 alone: its results open the proven tally commitment
            // with the salt publishResults carried, and the proposal passed.
            assert_eq!(out.json["polls"][0]["poll"], 1, "{}", out.json);
            assert!(out.text.contains("poll 1: the results open the tally commitment"), "{}", out.text);
            assert!(out.text.contains("the proposal passed"), "{}", out.text);
            let report: serde_json::Value =
                serde_json::from_slice(&std::fs::read(devnet_dir.join("audit.json")).expect("the report"))
                    .expect("JSON");
            assert!(report.as_array().is_some_and(|b| b.len() >= 2), "{report}");
        }
    }
}

#[test]
fn the_tour_is_found() {
    let commands = tour_commands();
    assert!(commands.iter().any(|c| c.contains(" transfer --to 1 --amount 0.01 --wait")), "{commands:?}");
    assert!(commands.iter().all(|c| !c.contains('\\') && !c.contains('#')), "{commands:?}");
}
