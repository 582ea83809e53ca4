//! A bank poll end to end on the embedded L1 with real JSON-RPC, RocksDB and real proofs at the
//! devnet's poll size: the scenario's proposal (after the credit step registered the bank),
//! votes relayed by the sequencer — one changed, one with a key change voiding the message
//! under the old key, one overspending, one after the deadline refused — the coordinator's
//! processing and tally proofs accepted on L1, the result verified and equal to the native
//! tally, the proposal executed (L1's bank policy is the new one), and the audit still passing.
//! Then `ccr-wallet poll result --verify` and `poll show` through the command line. The checks
//! run on the scenario of `scenario.rs` (embedded L1 and anvil), which plays the poll: its
//! proofs are made once per L1.

use ccr_devnet::poll::PollSummary;
use ccr_wallet::cli::{run, Cli};
use clap::Parser;

/// The poll figures the scenario must reach (see `ccr_devnet::poll::run`).
pub fn check_poll(p: &PollSummary) {
    assert_eq!(p.voters, 3);
    assert!(p.rate_bps[1] < p.rate_bps[0], "{:?}", p.rate_bps);
    // alice 2 against, bob 2 for, carol 2 against, alice 4 for (override), bob 3 for with a
    // key change, carol's overspend; the late vote never reached L1.
    assert_eq!(p.messages, 6);
    assert_eq!(p.outcomes.len(), 6);
    assert!(p.outcomes[0].starts_with("ignored: nonce"), "alice's first vote, overridden: {}", p.outcomes[0]);
    assert!(p.outcomes[1].contains("signature"), "bob's vote under the replaced key: {}", p.outcomes[1]);
    assert_eq!(p.outcomes[2], "applied", "carol's vote");
    assert_eq!(p.outcomes[3], "applied", "alice's new vote");
    assert_eq!(p.outcomes[4], "applied", "bob's key change");
    assert!(p.outcomes[5].contains("voice credits"), "carol's overspend: {}", p.outcomes[5]);
    assert_eq!(p.applied, 3);
    assert!(p.late_vote_refused);
    // 6 messages, 4 per proof: 2 processing proofs; 3 ballots, 8 per proof: 1 tally proof.
    assert_eq!(p.proofs, [2, 1]);
    assert_eq!(p.results, vec![[2, 4], [7, 25]], "against: carol 2; for: alice 4 + bob 3");
    assert!(p.native_equal, "the proven tally equals the native tally of L1's messages");
    assert!(p.passed);
    assert!(p.verified.len() >= 3, "{:?}", p.verified);
    assert!(p.policy_adopted);
    assert!(p.execute_gas > 0);
}

/// The scenario's poll through the command line (`ccr-wallet poll result --verify`, `poll show`),
/// from the roster file the bank wrote, and a tampered roster refused: run on the embedded L1's
/// scenario (`scenario_on_the_embedded_l1`), so the proofs are made once.
pub async fn check_poll_cli(devnet: &ccr_devnet::Devnet, poll: &PollSummary, scratch: &std::path::Path) {
    // The same checks through the command line, from the roster file the bank wrote.
    let roster = devnet.dir().join(format!("poll-{}.json", poll.poll));
    let network = devnet.network_path.display().to_string();
    let cli = |args: &[&str]| {
        let mut all = vec!["ccr-wallet", "--network", network.as_str(), "--json"];
        all.extend_from_slice(args);
        Cli::try_parse_from(all).expect("command line")
    };
    let roster_s = roster.display().to_string();
    let out = run(cli(&["poll", "result", "--poll-file", &roster_s, "--verify"]))
        .await
        .expect("poll result --verify");
    assert_eq!(out.json["passed"], true, "{}", out.json);
    assert_eq!(out.json["results"], serde_json::json!([[2, 4], [7, 25]]));
    assert!(out.json["verified"].as_array().is_some_and(|v| v.len() >= 3), "{}", out.json);
    let out = run(cli(&["poll", "show", &poll.poll.to_string()])).await.expect("poll show");
    assert_eq!(out.json["phase"], "Published", "{}", out.json);
    assert_eq!(out.json["messages"], 6);

    // A tampered roster (another member key) no longer matches L1's initialSb.
    let mut file = ccr_wallet::vote::PollFile::load(&roster).expect("roster");
    file.members.swap(0, 1);
    let tampered = scratch.join("tampered.json");
    file.save(&tampered).expect("save");
    let err = run(cli(&["poll", "result", "--poll-file", &tampered.display().to_string(), "--verify"]))
        .await
        .expect_err("a tampered roster fails --verify");
    assert_eq!(err.exit_code(), ccr_wallet::error::exit_code::INVALID_PROOF, "{err}");
}
