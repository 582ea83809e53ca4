//! What the main commands print, human and `--json`, pinned in `tests/snapshots/` (the
//! temporary directory and the node's port masked). A change of wording or of a JSON field is a
//! change for users and for scripts: rerun with `UPDATE_SNAPSHOTS=1` when it is intended, and
//! review the diff.

use std::path::Path;

use ccr_wallet::network::{NetworkFile, NetworkParams};

use crate::common::{bin, idle_node, keystore_file, open_account, wallet, DOMAIN};

/// Runs `ccr-wallet ARGS` with no `CCR_*` variable of the test's environment, and renders
/// what it did: the command line, stdout, stderr and the exit code.
fn render(args: &[&str], dir: &Path, port: u16) -> String {
    let mut cmd = bin();
    for (k, _) in std::env::vars().filter(|(k, _)| k.starts_with("CCR_")) {
        cmd.env_remove(k);
    }
    let out = cmd.args(args).env("NO_COLOR", "1").output().unwrap();
    let mask = |s: &[u8]| {
        String::from_utf8_lossy(s)
            .replace(&dir.display().to_string(), "<DIR>")
            .replace(&format!("127.0.0.1:{port}"), "127.0.0.1:<PORT>")
    };
    let shown: Vec<String> = args.iter().map(|a| mask(a.as_bytes())).collect();
    format!(
        "$ ccr-wallet {}\n{}{}exit {}\n",
        shown.join(" "),
        mask(&out.stdout),
        match mask(&out.stderr) {
            e if e.is_empty() => String::new(),
            e => format!("[stderr]\n{e}"),
        },
        out.status.code().unwrap_or(-1)
    )
}

fn check_snapshot(name: &str, got: &str) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/snapshots").join(format!("{name}.txt"));
    if std::env::var_os("UPDATE_SNAPSHOTS").is_some() {
        std::fs::write(&path, got).unwrap();
        return;
    }
    let pinned = std::fs::read_to_string(&path).unwrap_or_else(|_| {
        panic!("no snapshot {}: run with UPDATE_SNAPSHOTS=1 to create it", path.display())
    });
    assert!(
        pinned == got,
        "the output of `{name}` changed; rerun with UPDATE_SNAPSHOTS=1 if intended\n--- pinned\n{pinned}\n--- now\n{got}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn main_commands_print_what_the_snapshots_pin() {
    let dir = tempfile::tempdir().unwrap();
    let dir_path = dir.path().canonicalize().unwrap();
    // No sealing during the test (a batch of 8 slots for two deposits and two transfers; an hour's
    // timeout): every status is the same on every run.
    let shape = ccr_circuits::state::RollupParams::new(8, 8, DOMAIN).unwrap();
    let node = idle_node(&dir_path.join("db"), shape, None).await;
    let port = node.rpc_addr().port();
    let (alice, bob) = (wallet(0), wallet(1));
    // 2.5 and 0.75 ETH in L2 units (gwei).
    open_account(&node, 0, 0, &alice, 2_500_000_000);
    open_account(&node, 1, 1, &bob, 750_000_000);
    let (ks, pw) = keystore_file(&dir_path, "alice", &alice);
    let network = dir_path.join("network.json");
    NetworkFile {
        sequencer_rpc: node.rpc_url(),
        // Nothing listens there: these commands need no L1 (the asset is in the file).
        l1_rpc: "http://127.0.0.1:9".into(),
        rollup: alloy_primitives::Address::from(DOMAIN.rollup),
        l1_chain_id: DOMAIN.chain_id,
        params: NetworkParams::from(shape),
        verifying_key: "batch.vk".into(),
        deploy_block: 0,
        poll: None,
        asset: Some(ccr_wallet::amount::Asset::eth(1_000_000_000)),
    }
    .save(&network)
    .unwrap();
    let (net, ks, pw) = (network.display().to_string(), ks.display().to_string(), pw.display().to_string());
    let me = [
        "--network",
        net.as_str(),
        "--keystore",
        ks.as_str(),
        "--password-file",
        pw.as_str(),
        "--account",
        "0",
    ];
    fn with<'a>(me: &[&'a str], rest: &[&'a str]) -> Vec<&'a str> {
        me.iter().chain(rest).copied().collect()
    }
    let with_me = |rest: &[&'static str]| with(&me, rest);

    let cases: Vec<(&str, Vec<&str>)> = vec![
        ("account", vec!["--network", &net, "account", "1"]),
        ("balance", with_me(&["balance"])),
        ("transfer", with_me(&["transfer", "--to", "1", "--amount", "0.25"])),
        ("loan", vec!["--network", &net, "loan", "0"]),
        ("key-show", with_me(&["key", "show"])),
        ("transfer-refused", with_me(&["transfer", "--to", "1", "--amount", "100"])),
        ("transfer-not-representable", with_me(&["transfer", "--to", "1", "--amount", "0.1234567891"])),
        ("account-missing", vec!["--network", &net, "account", "9"]),
    ];
    let mut hash = None;
    for (name, args) in cases {
        let human = render(&args, &dir_path, port);
        let json_args: Vec<&str> = args.iter().copied().chain(["--json"]).collect();
        let json = render(&json_args, &dir_path, port);
        if name == "transfer" {
            let line = json.lines().nth(1).unwrap();
            let v: serde_json::Value = serde_json::from_str(line).unwrap();
            hash = Some(v["hash"].as_str().unwrap().to_owned());
        }
        check_snapshot(name, &format!("{human}\n{json}"));
    }
    // The transfer is pending (nothing sealed): its status is stable too.
    let hash = hash.unwrap();
    let status = render(&with(&me, &["status", &hash]), &dir_path, port)
        + "\n"
        + &render(&with(&me, &["status", &hash, "--json"]), &dir_path, port);
    check_snapshot("status", &status);
    node.shutdown().await;
}
