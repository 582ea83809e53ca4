//! The solidarity fund's moves in the rollup (issue 11): the moves a settled table queued on L1
//! are taken from a scripted fund log, in log order, ahead of pending L2 transactions, carried
//! out by the next batch as fund slots (paid, or short when the payer cannot cover the amount),
//! and survive a crash between taking them and sealing without being lost or taken twice. With
//! a fund, the node's table covers the fund's members on L1, read with its log.

use std::io::{BufRead, BufReader};
use std::sync::Arc;

use ccr_circuits::health::fund::{fund_account_key, moves};
use ccr_circuits::state::encoding::SLOT_BYTES;
use ccr_circuits::state::tx::{Deposit, FundMove, TxKind};
use ccr_sequencer::health_reports::{HealthConfig, HealthConfigFile};
use ccr_sequencer::l1::{take_fund_moves, DepositSource, FundLog, L1Deposit};
use ccr_sequencer::records::{FundOutcome, TxStatus};
use ccr_sequencer::sequencer::FundCursor;
use ccr_sequencer::sequencer::FundMembership;
use ccr_sequencer::{CcrApiClient, NodeConfig, Sequencer, SequencerConfig};
use ccr_verifier_contracts::fund::Members;

use crate::common::*;

/// Pool A (account 0), pool B (1), the fund's account (2), a member (3).
const A: u32 = 0;
const B: u32 = 1;
const FUND: u32 = 2;
const M: u32 = 3;

/// The fund's move log as L1 holds it: `carried` moves carried out by settled batches, then
/// the rest pending; the table's epoch.
struct ScriptedFund {
    log: Vec<FundMove>,
    carried: u64,
    epoch: u32,
    /// The fund's members, pool → bioregion (`None`: not read).
    members: Option<Members>,
}

#[derive(Debug, thiserror::Error)]
#[error("never")]
struct Never;

impl DepositSource for ScriptedFund {
    type Error = Never;

    async fn deposits_from(&mut self, _from: u64) -> Result<Vec<L1Deposit>, Never> {
        Ok(Vec::new())
    }

    async fn fund_moves_from(&mut self, from: u64) -> Result<Option<FundLog>, Never> {
        let cursor = FundCursor { next: self.carried, end: self.log.len() as u64, balance: 100 };
        let moves = self.log.iter().skip(from as usize).copied().collect();
        Ok(Some(FundLog { cursor, moves, epoch: Some(self.epoch), members: self.members.clone() }))
    }
}

fn config(dir: &std::path::Path, full_replay: bool) -> SequencerConfig {
    SequencerConfig { db: dir.to_path_buf(), params: params(), mempool_capacity: 16, full_replay }
}

/// Opens A with `a`, B with `b`, the fund's account (its nothing-up-my-sleeve key, nothing in
/// it, as `SolidarityFund`'s constructor opens it) and the member, and seals them (batch 0).
fn four_accounts(seq: &Sequencer, a: u64, b: u64) {
    seq.ingest_deposit(0, open_deposit(A, &member(0), a)).unwrap();
    seq.ingest_deposit(1, open_deposit(B, &member(1), b)).unwrap();
    seq.ingest_deposit(2, Deposit { index: FUND, pubkey: Some(fund_account_key()), amount: 0 }).unwrap();
    seq.ingest_deposit(3, open_deposit(M, &member(3), 0)).unwrap();
    assert_eq!(seq.seal(true).unwrap(), Some(0));
}

/// The slot kinds of sealed batch `n`.
fn kinds(seq: &Sequencer, n: u64) -> Vec<u8> {
    seq.batch(n).unwrap().unwrap().tx_data.chunks(SLOT_BYTES).map(|s| s[0]).collect()
}

fn balance(seq: &Sequencer, index: u32) -> u64 {
    seq.account(index).unwrap().unwrap().pending.balance
}

/// A table where A (1,500) pays 300 in, B (500) pays 100 in (each at most a fifth of its
/// balance, what one fund move may take) and the member's pool is granted 250: the moves
/// are the payers first, in line order, then the grant (`moves`, as `settleEpoch` queues them).
/// They go ahead of the two transfers waiting: B's, which B's payment leaves uncovered, is
/// evicted; A's stays, behind them. A second poll takes nothing again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn moves_are_taken_in_log_order_ahead_of_other_transactions() {
    let dir = tempfile::tempdir().unwrap();
    let (seq, _) = Sequencer::open(&config(dir.path(), false)).unwrap();
    let seq = Arc::new(seq);
    four_accounts(&seq, 1_500, 500);
    let ta = seq.submit(transfer(&member(0), A, M, 10, 0)).unwrap().seq;
    let tb = seq.submit(transfer(&member(1), B, M, 450, 0)).unwrap().seq;

    let log = moves([(A, 300, 0), (B, 100, 0), (M, 0, 250)], FUND);
    assert_eq!(
        log,
        vec![
            FundMove { from: A, to: FUND, amount: 300 },
            FundMove { from: B, to: FUND, amount: 100 },
            FundMove { from: FUND, to: M, amount: 250 },
        ]
    );
    let mut l1 = ScriptedFund { log: log.clone(), carried: 0, epoch: 7, members: None };
    assert_eq!(take_fund_moves(&mut l1, &seq).await.unwrap(), 3);
    assert_eq!(take_fund_moves(&mut l1, &seq).await.unwrap(), 0, "nothing is taken twice");
    assert_eq!(seq.fund_moves_taken().unwrap(), 3);
    let rejected = seq.tx(tb).unwrap().unwrap().status;
    assert!(
        matches!(&rejected, TxStatus::Rejected(r) if r.contains("a fund move went ahead of it")),
        "{rejected:?}"
    );

    // One batch: the three moves in log order, then A's transfer.
    assert_eq!(seq.seal(true).unwrap(), Some(1));
    let batch = seq.batch(1).unwrap().unwrap();
    let fund_seqs: Vec<u64> = (0..3).map(|p| seq.store().fund_move(p).unwrap().unwrap().seq).collect();
    assert_eq!(batch.seqs, [fund_seqs.clone(), vec![ta]].concat());
    let f = TxKind::FundMove as u8;
    assert_eq!(kinds(&seq, 1), vec![f, f, f, TxKind::Transfer as u8]);
    assert_eq!(
        (balance(&seq, A), balance(&seq, B), balance(&seq, FUND), balance(&seq, M)),
        (1_190, 400, 150, 260)
    );
    let p = seq.fund_progress().unwrap();
    assert_eq!((p.taken, p.l1), (3, Some(FundCursor { next: 0, end: 3, balance: 100 })));
    let shown: Vec<_> = p.moves.iter().map(|m| (m.position, m.record.fund_move, m.record.outcome)).collect();
    assert_eq!(
        shown,
        log.iter().enumerate().map(|(i, m)| (i as u64, *m, FundOutcome::Paid(1))).collect::<Vec<_>>()
    );
    assert!(p.moves.iter().all(|m| m.record.epoch == Some(7) && !m.settled));
    let view = ccr_sequencer::health_reports::fund_moves(&seq).unwrap();
    assert_eq!((view.epoch, view.l1_end, view.moves.len()), (Some(7), Some(3), 3));

    // The slots replay natively (what the auditor does) to the sealed root.
    let mut replayed = ccr_circuits::state::RollupState::new(params()).unwrap();
    let queue: Vec<_> = (0..4).map(|i| seq.store().queue_entry(i).unwrap().unwrap().1).collect();
    for n in 0..2 {
        let b = seq.batch(n).unwrap().unwrap();
        let from = b.deposits_from as usize;
        let r = replayed.replay_batch(&b.tx_data, &queue[from..from + b.deposits as usize], b.epoch).unwrap();
        assert_eq!(r.new_root, b.new_root);
        assert_eq!(r.fund_slots.len(), if n == 1 { 3 } else { 0 });
    }

    // A restart (from the snapshot, and by a full replay) resumes after the third move.
    drop(seq);
    for full in [true, false] {
        let (seq, _) = Sequencer::open(&config(dir.path(), full)).unwrap();
        let seq = Arc::new(seq);
        assert_eq!(seq.fund_moves_taken().unwrap(), 3);
        assert_eq!(take_fund_moves(&mut l1, &seq).await.unwrap(), 0);
    }
}

/// B (50) owes 80 and the fund holds only A's 300 (of 1,500) when the member's pool is to be
/// granted 350:
/// both are shortfalls, nothing moves for them; the sequencer does not decide, the native rule
/// does when the slot applies.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_move_the_payer_cannot_cover_is_a_shortfall() {
    let dir = tempfile::tempdir().unwrap();
    let (seq, _) = Sequencer::open(&config(dir.path(), false)).unwrap();
    let seq = Arc::new(seq);
    four_accounts(&seq, 1_500, 50);
    let log = moves([(A, 300, 0), (B, 80, 0), (M, 0, 350)], FUND);
    let mut l1 = ScriptedFund { log, carried: 0, epoch: 3, members: None };
    assert_eq!(take_fund_moves(&mut l1, &seq).await.unwrap(), 3);
    assert_eq!(seq.seal(true).unwrap(), Some(1));
    let (paid, short) = (TxKind::FundMove as u8, TxKind::FundShortfall as u8);
    assert_eq!(kinds(&seq, 1), vec![paid, short, short, TxKind::Noop as u8]);
    assert_eq!(
        (balance(&seq, A), balance(&seq, B), balance(&seq, FUND), balance(&seq, M)),
        (1_200, 50, 300, 0)
    );
    let outcomes: Vec<_> = seq.fund_progress().unwrap().moves.iter().map(|m| m.record.outcome).collect();
    assert_eq!(outcomes, vec![FundOutcome::Paid(1), FundOutcome::Short(1), FundOutcome::Short(1)]);
    let view = ccr_sequencer::health_reports::fund_moves(&seq).unwrap();
    let states: Vec<_> = view.moves.iter().map(|m| m.state).collect();
    use ccr_rpc_api::health::FundMoveState as S;
    assert_eq!(states, vec![S::Paid, S::Short, S::Short]);

    // L1 says moves were carried out that this node never took: it stops, taking nothing.
    let elsewhere = tempfile::tempdir().unwrap();
    let other = Arc::new(Sequencer::open(&config(elsewhere.path(), false)).unwrap().0);
    l1.carried = 2;
    let err = take_fund_moves(&mut l1, &other).await.unwrap_err().to_string();
    assert!(err.contains("took only 0"), "{err}");
}

/// A move whose payer has no account yet (its deposit is behind) is not taken, and nothing
/// after it: the next poll, once the account exists, takes them in order.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_move_that_does_not_apply_yet_waits_and_nothing_passes_it() {
    let dir = tempfile::tempdir().unwrap();
    let (seq, _) = Sequencer::open(&config(dir.path(), false)).unwrap();
    let seq = Arc::new(seq);
    seq.ingest_deposit(0, open_deposit(A, &member(0), 1_500)).unwrap();
    let log = moves([(A, 300, 0), (B, 0, 100)], FUND);
    let mut l1 = ScriptedFund { log, carried: 0, epoch: 1, members: None };
    assert_eq!(take_fund_moves(&mut l1, &seq).await.unwrap(), 0, "the fund's account is not open");
    seq.ingest_deposit(1, open_deposit(B, &member(1), 0)).unwrap();
    seq.ingest_deposit(2, Deposit { index: FUND, pubkey: Some(fund_account_key()), amount: 0 }).unwrap();
    assert_eq!(take_fund_moves(&mut l1, &seq).await.unwrap(), 2);
    assert_eq!(seq.seal(true).unwrap(), Some(0));
    assert_eq!(kinds(&seq, 0), vec![1, 1, 1, TxKind::FundMove as u8]);
    assert_eq!(seq.seal(true).unwrap(), Some(1));
    assert_eq!(kinds(&seq, 1)[0], TxKind::FundMove as u8);
    assert_eq!((balance(&seq, A), balance(&seq, B), balance(&seq, FUND)), (1_200, 100, 200));
}

/// The table of the crash tests: four moves, all paid (A holds 1,500, B 500).
fn crash_log() -> Vec<FundMove> {
    moves([(A, 300, 0), (B, 100, 0), (M, 0, 150), (A + 1, 0, 50)], FUND)
}

/// The child half of the fund crash tests: run only by [`fund_crash`], in a process of its own
/// (`--ignored --exact`), with `CCR_CRASH_DB` naming the database. It opens the accounts and
/// seals them (commit groups 1 to 5), then takes the first three moves of [`crash_log`] (groups
/// 6 to 8), says so on stdout and waits to be killed (or aborts earlier at `CCR_CRASH_POINT`).
#[test]
#[ignore = "the child process of the fund crash tests"]
fn fund_crash_child() {
    let dir = std::env::var("CCR_CRASH_DB").expect("run by fund_crash");
    let (seq, _) = Sequencer::open(&config(dir.as_ref(), false)).unwrap();
    four_accounts(&seq, 1_500, 500);
    for (position, m) in crash_log().into_iter().take(3).enumerate() {
        seq.ingest_fund_move(position as u64, m, Some(5)).unwrap();
    }
    println!("FUND MOVES TAKEN");
    std::thread::sleep(std::time::Duration::from_secs(600));
    panic!("not killed");
}

/// Runs [`fund_crash_child`]: aborted at `point` (`Some`), or killed with SIGKILL once it has
/// taken three moves (`None`). Then reopens the database by a full replay and from the snapshot
/// (both agree) and returns the node.
fn fund_crash(point: Option<&str>) -> (tempfile::TempDir, Arc<Sequencer>) {
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = std::process::Command::new(std::env::current_exe().unwrap());
    cmd.args(["--ignored", "--exact", "fund_moves::fund_crash_child", "--nocapture"])
        .env("CCR_CRASH_DB", dir.path())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    if let Some(p) = point {
        cmd.env("CCR_CRASH_POINT", p);
    }
    let mut child = cmd.spawn().unwrap();
    match point {
        Some(p) => {
            let out = child.wait_with_output().unwrap();
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert!(!out.status.success(), "the child did not crash at {p}:\n{stderr}");
            assert!(stderr.contains(&format!("CCR_CRASH_POINT={p}: aborting")), "{stderr}");
        }
        None => {
            let stdout = child.stdout.take().unwrap();
            let taken =
                BufReader::new(stdout).lines().map_while(Result::ok).any(|l| l.contains("FUND MOVES TAKEN"));
            assert!(taken, "the child stopped before taking the moves");
            // SIGKILL: nothing after the last synced write survives.
            child.kill().unwrap();
            let status = child.wait().unwrap();
            use std::os::unix::process::ExitStatusExt;
            assert_eq!(status.signal(), Some(9));
        }
    }
    let (full, _) = Sequencer::open(&config(dir.path(), true)).unwrap();
    let replayed = (full.progress().unwrap(), full.fund_progress().unwrap());
    drop(full);
    let (seq, report) = Sequencer::open(&config(dir.path(), false)).unwrap();
    assert_eq!(report.rebuilt, None, "the snapshot is sound");
    assert_eq!((seq.progress().unwrap(), seq.fund_progress().unwrap()), replayed, "snapshot vs replay");
    (dir, Arc::new(seq))
}

/// After the crash, the poll takes the rest of the log from where the database says, and the
/// next batch carries every move once, in log order.
async fn resume_and_seal(seq: &Arc<Sequencer>, taken_before: u64) {
    assert_eq!(seq.fund_moves_taken().unwrap(), taken_before);
    assert_eq!(
        seq.progress().unwrap().pending_deposits as u64,
        taken_before,
        "pending again after the crash"
    );
    let mut l1 = ScriptedFund { log: crash_log(), carried: 0, epoch: 5, members: None };
    assert_eq!(take_fund_moves(&mut l1, seq).await.unwrap(), 4 - taken_before);
    assert_eq!(take_fund_moves(&mut l1, seq).await.unwrap(), 0);
    assert_eq!(seq.seal(true).unwrap(), Some(1));
    let batch = seq.batch(1).unwrap().unwrap();
    let fund_seqs: Vec<u64> = (0..4).map(|p| seq.store().fund_move(p).unwrap().unwrap().seq).collect();
    assert_eq!(batch.seqs, fund_seqs, "each move once, in log order");
    assert_eq!(kinds(seq, 1), vec![TxKind::FundMove as u8; 4]);
    let carried: Vec<_> = seq.fund_progress().unwrap().moves.iter().map(|m| m.record.fund_move).collect();
    assert_eq!(carried, crash_log());
    assert_eq!(
        (balance(seq, A), balance(seq, B), balance(seq, FUND), balance(seq, M)),
        (1_200, 450, 200, 150)
    );
}

/// Killed (SIGKILL) after taking three moves, before sealing: none is lost, none is taken again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crash_between_taking_moves_and_sealing_loses_and_repeats_none() {
    let (_dir, seq) = fund_crash(None);
    resume_and_seal(&seq, 3).await;
}

/// Aborted right after the second move's write (it was never answered): it is kept.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crash_after_a_moves_write_keeps_it() {
    let (_dir, seq) = fund_crash(Some("after-group-write:7"));
    resume_and_seal(&seq, 2).await;
}

/// Aborted before the second move's write: it is not in the database, the cursor neither, and
/// the poll takes it again at the same position.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crash_before_a_moves_write_takes_it_again() {
    let (_dir, seq) = fund_crash(Some("before-group-write:7"));
    resume_and_seal(&seq, 1).await;
}

/// The lines of `ccr_getFund`'s table as (pool, bioregion), or why it lapses.
async fn table_banks(client: &jsonrpsee_http_client::HttpClient) -> Result<Vec<(u32, u32)>, String> {
    let v = client.get_fund(None).await.unwrap();
    match v.table {
        Some(t) => Ok(t.lines.iter().map(|l| (l.pool, l.bioregion)).collect()),
        None => Err(v.table_unavailable.unwrap()),
    }
}

/// With a fund, the table covers the fund's members on L1 in their L1 bioregions, not the
/// health configuration's banks: it lapses until the watcher has read them, then lists them
/// (`ccr_getFund`'s `members`); a member in a bioregion the configuration does not list makes
/// it lapse, naming the member. Without a fund, the configuration's banks.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_a_fund_the_table_covers_its_members_on_l1() {
    let dir = tempfile::tempdir().unwrap();
    let health = HealthConfig::from_parts(HealthConfigFile {
        bioregions: [(0, "Germany (DEU)".to_owned()), (1, "France (FRA)".to_owned())].into(),
        banks: [(A, 0), (M, 1)].into(),
        ..Default::default()
    })
    .unwrap();
    let timeout = std::time::Duration::from_secs(3600);
    let (node, client) = launch(NodeConfig {
        health,
        ..crate::common::config(&dir.path().join("db"), params(), None, timeout)
    })
    .await;
    let seq = &node.sequencer;
    seq.ingest_deposit(0, open_deposit(A, &member(0), 1_000_000)).unwrap();
    seq.ingest_deposit(1, open_deposit(B, &member(1), 500_000)).unwrap();
    seq.ingest_deposit(2, Deposit { index: FUND, pubkey: Some(fund_account_key()), amount: 0 }).unwrap();
    seq.ingest_deposit(3, open_deposit(M, &member(3), 2_000_000)).unwrap();

    // No fund: the configuration's banks.
    assert_eq!(seq.fund_membership(), FundMembership::NoFund);
    assert_eq!(table_banks(&client).await, Ok(vec![(A, 0), (M, 1)]));
    assert_eq!(client.get_fund(None).await.unwrap().members, None);

    // The node carries out a fund's moves: no table until the watcher has read the members.
    seq.expect_fund();
    let why = table_banks(&client).await.unwrap_err();
    assert!(why.contains("members on L1 are not read yet"), "{why}");

    // L1's members: A in bioregion 1 (configured in 0), and B (not configured); M is none.
    let mut l1 = ScriptedFund {
        log: Vec::new(),
        carried: 0,
        epoch: 0,
        members: Some(Members([(A, 1), (B, 0)].into())),
    };
    take_fund_moves(&mut l1, seq).await.unwrap();
    assert_eq!(seq.fund_membership(), FundMembership::Read(Members([(A, 1), (B, 0)].into())));
    assert_eq!(table_banks(&client).await, Ok(vec![(A, 1), (B, 0)]));
    let members = client.get_fund(None).await.unwrap().members.unwrap();
    let shown: Vec<_> = members.iter().map(|m| (m.pool, m.bioregion, m.bioregion_name.clone())).collect();
    assert_eq!(shown, [(A, 1, Some("France (FRA)".to_owned())), (B, 0, Some("Germany (DEU)".to_owned()))]);
    // A's health is in its L1 bioregion; M's (configured) has no line: it is no member.
    assert_eq!(client.get_health(A, None).await.unwrap().unwrap().bioregion, 1);
    let m = client.get_health(M, None).await.unwrap().unwrap();
    assert_eq!((m.bioregion, m.fund), (1, None));
    assert_eq!(m.fund_unavailable.as_deref(), Some("bank 3 is not a member of the fund on L1"));

    // B leaves, M joins in bioregion 7, which the configuration does not list: the table lapses.
    l1.members = Some(Members([(A, 1), (M, 7)].into()));
    take_fund_moves(&mut l1, seq).await.unwrap();
    let why = table_banks(&client).await.unwrap_err();
    assert!(why.contains("member 3 is in bioregion 7"), "{why}");
    let members = client.get_fund(None).await.unwrap().members.unwrap();
    assert_eq!((members[1].pool, members[1].bioregion_name.clone()), (M, None));
    node.shutdown().await;
}
