//! Every example the wallet's `--help` pages and its README give is a command line the wallet
//! accepts as written (the README's tour also runs, against the devnet, in the devnet's tests).

use ccr_wallet::cli::Cli;
use clap::{CommandFactory, Parser};

/// The `ccr-wallet …` command lines in `text`: a line (after optional indentation) that starts
/// with `ccr-wallet`, with `\` continuations joined, cut at a `#` comment, a `&&`/`;` (each
/// part is an example of its own) or a two-space gap before an explanation in parentheses.
fn examples(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut lines = text.lines().peekable();
    while let Some(line) = lines.next() {
        let t = line.trim_start();
        if !t.starts_with("ccr-wallet ") && t != "ccr-wallet" {
            continue;
        }
        let mut full = t.to_owned();
        while full.trim_end().ends_with('\\') {
            full = full.trim_end().trim_end_matches('\\').to_owned();
            match lines.next() {
                Some(next) => full.push_str(next.trim_start()),
                None => break,
            }
            full.push(' ');
        }
        let full = full.split(" #").next().unwrap_or_default();
        let full = full.split("  (").next().unwrap_or_default();
        for part in full.split(" && ").flat_map(|p| p.split(" ; ")) {
            let part = part.trim();
            if part.starts_with("ccr-wallet") {
                out.push(part.to_owned());
            }
        }
    }
    out
}

fn parse(example: &str) -> Result<Cli, clap::Error> {
    Cli::try_parse_from(example.split_whitespace().map(|w| w.trim_matches('"')))
}

/// Every `after_help` example of every subcommand, and the top-level examples.
#[test]
fn every_help_example_parses() {
    fn walk(cmd: &clap::Command, found: &mut Vec<(String, String)>) {
        for text in
            [cmd.get_after_help(), cmd.get_after_long_help(), cmd.get_before_help()].into_iter().flatten()
        {
            for e in examples(&text.to_string()) {
                found.push((cmd.get_name().to_owned(), e));
            }
        }
        for sub in cmd.get_subcommands() {
            walk(sub, found);
        }
    }
    let mut found = Vec::new();
    walk(&Cli::command(), &mut found);
    assert!(found.len() >= 30, "only {} examples found: {found:?}", found.len());
    let failures: Vec<String> = found
        .iter()
        .filter_map(|(cmd, e)| {
            parse(e)
                .err()
                .map(|err| format!("{cmd}: {e}\n    {}", err.to_string().lines().next().unwrap_or_default()))
        })
        .collect();
    assert!(failures.is_empty(), "help examples the parser refuses:\n{}", failures.join("\n"));
}

/// Every `ccr-wallet` line of the repository's READMEs and documentation book, the same way.
#[test]
fn every_documented_example_parses() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut files: Vec<std::path::PathBuf> =
        ["README.md", "wallet-cli/README.md", "devnet/README.md", "sequencer/README.md", "k8s/README.md"]
            .iter()
            .map(|f| root.join(f))
            .collect();
    for entry in std::fs::read_dir(root.join("docs/src")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "md") {
            files.push(path);
        }
    }
    let mut found = 0;
    let mut failures = Vec::new();
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap();
        for e in examples(&text) {
            found += 1;
            if let Err(err) = parse(&e) {
                failures.push(format!(
                    "{}: {e}\n    {}",
                    file.display(),
                    err.to_string().lines().next().unwrap_or_default()
                ));
            }
        }
    }
    assert!(found >= 40, "only {found} examples found");
    assert!(failures.is_empty(), "documented examples the parser refuses:\n{}", failures.join("\n"));
}
