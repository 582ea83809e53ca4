//! The scenario's community-health step (issue 11). On L1 first: the epoch circuit's
//! verifier (development key) and `SolidarityFund` (clock: the rollup), which becomes the
//! rollup's fund and opens the fund's L2 account; the running sequencer is pointed at it
//! (`Node::carry_fund_moves`, as `--l1-fund-contract` at start). oslo and athens open their
//! pools and register them as banks; the fund's governance (the deployer) admits the three banks
//! with their bioregions (`SolidarityFund.admit`), and the sequencer, which reads the members
//! with the fund's log, builds its table over them. Then three attesters sign
//! indicator reports of three bioregions from the shipped OECD / Our World in Data files
//! (`bioregion/data/`, the wallet's code, as `ccr-wallet attester health-report`) and send them
//! to the sequencer (`ccr_sendHealthReport`); each bank's score (`ccr_getHealth`) and the epoch's
//! table (`ccr_getFund`) are read; the devnet rebuilds the table's inputs itself, proves the
//! table with the epoch circuit and checks its native table equals the sequencer's line by
//! line and covers exactly the fund's members on L1 (what `settleEpoch` checks); it moves L1's
//! clock past the epoch's end and settles the table (`settleEpoch`), which queues its moves. The sequencer carries them out in its next batch (fund slots); once that is
//! settled on L1, each pool's balance, the fund account's L2 balance (equal to
//! `SolidarityFund.fundBalance()`) and the moves' state (`ccr_getFund`) are checked, and the
//! audit checks the fund slots against the fund's move log.
//!
//! The banks: `commons` (the scenario's lender, Germany), and `oslo` (Norway) and `athens`
//! (Greece), opened by deposit and registered as banks (the German policy's shape and hash) in
//! this step. oslo and athens do not lend: their weight (need × credit flows) is 0, so they
//! contribute and receive no grant.

use std::collections::BTreeMap;

use anyhow::{ensure, Context};
use ark_bn254::Fr;
use ccr_bioregion::report::reader;
use ccr_bioregion::{indicators, ReadOptions, RegionCode, SourceId};
use ccr_circuits::babyjubjub::eddsa::PrivateKey;
use ccr_circuits::babyjubjub::pack_point;
use ccr_circuits::credit::N_PURPOSES;
use ccr_circuits::health::fund::{params_hash, FundMember};
use ccr_circuits::health::score::BankActivity;
use ccr_circuits::health::SignedReport;
use ccr_circuits::state::tx::FundMove;
use ccr_l1::client::VerifierKey;
use ccr_l1::fund::FundClient;
use ccr_prover::health::{dev_setup_epoch, EpochProver, EpochRun};
use ccr_rpc_api::health::{FundMoveState, FundTable, HealthReportInput};
use ccr_sequencer::health_reports::{HealthConfig, HealthConfigFile};
use ccr_verifier_contracts::fund::{EpochState, FundConfig, Members, Settlement};
use ccr_wallet::health::{report_of, sign_report, source_digest};
use ccr_wallet::l1ops::{self, L1};
use ccr_wallet::sequencer::SequencerClient;
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;
use serde::Serialize;

use crate::scenario::GWEI_PER_ETH;
use crate::{Devnet, Say};

/// The OECD Better Life Index file shipped in `bioregion/data/`.
const OECD_BLI: &[u8] = include_bytes!("../../bioregion/data/oecd_bli.csv");
/// Our World in Data's CO₂ file shipped in `bioregion/data/`.
const OWID_CO2: &[u8] = include_bytes!("../../bioregion/data/owid-co2-bli-2015-2018.csv");
/// The year the reports describe (values up to [`MAX_AGE`] years older count).
pub const DATA_YEAR: u16 = 2020;
/// How much older a value may be than [`DATA_YEAR`].
pub const MAX_AGE: u16 = 3;
/// Attesters in the health registry (each signs every bioregion).
pub const ATTESTERS: usize = 3;
/// Seed of the epoch circuit's development key.
pub const EPOCH_SEED: [u8; 32] = [0xE7; 32];
/// Epochs after its end during which an epoch's table may settle on L1.
pub const SETTLE_WINDOW: u64 = 1;

/// A bank of the health step.
#[derive(Debug, Clone, Copy)]
pub struct HealthBank {
    /// Name.
    pub name: &'static str,
    /// Its pool account (commons opens it in step 1; the others in this step, in order).
    pub pool: u32,
    /// Its bioregion.
    pub bioregion: u32,
    /// Deposit (gwei) for the banks opened here; 0 for commons.
    pub deposit: u64,
    /// Development account (L1) for the banks opened here.
    pub dev_account: usize,
}

/// The bioregions: index, name, ISO 3166-1 alpha-3 code.
pub const BIOREGIONS: [(u32, &str, &str); 3] =
    [(0, "Norway", "NOR"), (1, "Germany", "DEU"), (2, "Greece", "GRC")];

/// The banks: commons (account 3, Germany: its policy is the German one), oslo and athens
/// (accounts 5 and 6, opened by deposit in the health step, after the fund's account).
pub const BANKS: [HealthBank; 3] = [
    HealthBank { name: "commons", pool: 3, bioregion: 1, deposit: 0, dev_account: 4 },
    HealthBank { name: "oslo", pool: 5, bioregion: 0, deposit: 3 * GWEI_PER_ETH / 2, dev_account: 6 },
    HealthBank { name: "athens", pool: 6, bioregion: 2, deposit: GWEI_PER_ETH / 4, dev_account: 7 },
];

/// The solidarity fund's L2 account: `SolidarityFund`'s constructor opens it, first in the
/// health step.
pub const FUND_ACCOUNT: u32 = 4;

/// Health attester `i`'s key (deterministic: development only).
pub fn attester_key(i: usize) -> PrivateKey {
    PrivateKey::from_bytes([0xB0 + i as u8; 32])
}

/// The devnet sequencer's health configuration: [`ATTESTERS`] attesters, [`BIOREGIONS`],
/// [`BANKS`], the default bounds and fund parameters.
///
/// # Errors
///
/// Only if the constants above are refused.
pub fn health_config() -> anyhow::Result<HealthConfig> {
    let attesters = (0..ATTESTERS)
        .map(|i| {
            let packed = pack_point(&attester_key(i).public_key());
            format!("0x{}", packed.iter().map(|b| format!("{b:02x}")).collect::<String>())
        })
        .collect();
    let bioregions = BIOREGIONS.iter().map(|(i, name, code)| (*i, format!("{name} ({code})"))).collect();
    let banks = BANKS.iter().map(|b| (b.pool, b.bioregion)).collect();
    Ok(HealthConfig::from_parts(HealthConfigFile { attesters, bioregions, banks, health: None, fund: None })?)
}

/// How long the settled table's moves may take to be carried out and settled on L1 (a batch
/// proof and its settlement: about half a minute).
pub const MOVES_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(900);

/// How long the sequencer may take to read the fund's members after they are admitted (its
/// fund watcher reads them at every poll).
pub const MEMBERS_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(60);

/// A member of the fund on L1.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FundMemberSummary {
    /// The bank's name.
    pub name: String,
    /// Its pool account.
    pub pool: u32,
    /// Its bioregion, as governance admitted it.
    pub bioregion: u32,
    /// The bioregion's name.
    pub bioregion_name: String,
}

/// One bank's result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BankHealthSummary {
    /// Name.
    pub name: String,
    /// Pool account.
    pub pool: u32,
    /// Bioregion's name.
    pub bioregion: String,
    /// Score, 0–100 with two decimals (`ccr_getHealth`'s `score100`).
    pub score100: String,
    /// Contribution to the fund (gwei).
    pub contribution: u64,
    /// Grant from the fund (gwei).
    pub grant: u64,
    /// The pool's L2 balance before the table's moves (gwei).
    pub balance_before: u64,
    /// The pool's L2 balance once they are settled on L1 (gwei).
    pub balance_after: u64,
}

/// The settled table's moves, as the rollup carried them out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FundMovesSummary {
    /// The fund's L2 account.
    pub fund_account: u32,
    /// Moves `settleEpoch` queued (the native table's moves, checked).
    pub queued: usize,
    /// Of them, carried out by a fund-move slot.
    pub paid: usize,
    /// Of them, by a fund-shortfall slot.
    pub short: usize,
    /// The batches that carried them out (sequencer numbering).
    pub batches: Vec<u64>,
    /// Milliseconds from `settleEpoch` to the last of them settled on L1.
    pub millis: u64,
    /// The fund account's L2 balance once they are settled (gwei).
    pub l2_balance: u64,
    /// `SolidarityFund.fundBalance()` then (gwei).
    pub l1_balance: u64,
    /// The audit passed with the fund: its fund slots are the queued moves, in order.
    pub audited: bool,
}

/// What the health step did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct HealthSummary {
    /// The epoch.
    pub epoch: u32,
    /// The fund's members on L1 (`SolidarityFund.members()`), admitted by its governance.
    pub members: Vec<FundMemberSummary>,
    /// Gas of each `admit`, in the members' order.
    pub admit_gas: Vec<u64>,
    /// The settled table's lines cover exactly the members, with the rollup's flows
    /// (`Members::check_lines`, what `settleEpoch` checks).
    pub members_checked: bool,
    /// Reports accepted by the sequencer.
    pub reports: usize,
    /// The banks.
    pub banks: Vec<BankHealthSummary>,
    /// The fund before and after the epoch (gwei).
    pub fund: [u64; 2],
    /// Bank slots of the proven epoch circuit.
    pub slots: usize,
    /// The devnet's native table equals the sequencer's, line by line.
    pub native_equal: bool,
    /// The table settled on L1 (`settleEpoch`) and the fund's balance there equals the table's.
    pub settled: bool,
    /// Gas of `settleEpoch`.
    pub settle_gas: u64,
    /// The table's moves in the rollup.
    pub moves: FundMovesSummary,
}

fn u64_of(x: &ccr_rpc_api::api::DecU64) -> u64 {
    x.0
}

/// Runs the health step at the end of the scenario (commons is `bank`, account 3).
///
/// # Errors
///
/// The first step that fails.
pub async fn run(devnet: &Devnet, say: Say<'_>) -> anyhow::Result<HealthSummary> {
    let net = &devnet.network;
    let seq = &SequencerClient::new(&net.sequencer_rpc)?;
    let config = health_config()?;
    let registry = config.registry();

    // L1 first: the epoch verifier and the fund, which becomes the rollup's fund and opens its
    // L2 account (a queue entry, consumed with the pools' deposits below); the sequencer
    // carries out its moves from now on.
    let slots = BANKS.len().next_power_of_two();
    say(&format!(
        "   the epoch circuit's keys ({slots} bank slots, INSECURE development setup), its verifier and SolidarityFund on L1 ..."
    ));
    let keys = tokio::task::spawn_blocking(move || dev_setup_epoch(slots, EPOCH_SEED))
        .await
        .context("epoch key setup task")??;
    let key = VerifierKey::from_flag(true, devnet.config.insecure_dev_keys);
    let fund_config = FundConfig {
        registry_root: registry.root(),
        params_hash: params_hash(&config.health, &config.fund),
        settle_window: SETTLE_WINDOW,
    };
    let (fund, d) = FundClient::deploy_with_key(
        &devnet.operator,
        &keys.vk,
        key,
        &format!("Epoch verifier of the solidarity fund, {slots} bank slots (the devnet's INSECURE development key)"),
        &fund_config,
    )
    .await
    .context("deploying the epoch verifier (compiled with solc-js) and SolidarityFund")?;
    ensure!(
        d.fund_account == FUND_ACCOUNT,
        "the fund's L2 account is {}, not {FUND_ACCOUNT}",
        d.fund_account
    );
    devnet
        .node
        .as_ref()
        .context("the sequencer is down")?
        .carry_fund_moves(d.fund)
        .await
        .context("pointing the sequencer at the fund")?;
    say(&format!(
        "   SolidarityFund at {} (clock: the rollup; the rollup's fund; it opens its L2 account {}), epoch verifier at {}; the sequencer carries out its moves",
        d.fund, d.fund_account, d.verifier
    ));

    // oslo and athens open their pools and register them as banks (the German policy's shape
    // and hash: they do not lend, so no attester registry).
    let policy = ccr_credit_policy::german_policy()?.circuit_params()?;
    let shape = ccr_prover::eligibility::network_shape_index(policy.shape)
        .context("the German policy has the production shape")?;
    let mut queue_length = 0;
    for b in &BANKS[1..] {
        let m = crate::scenario::member(b.name, b.dev_account)?;
        let l1 = L1::connect(&net.l1_rpc, &m.keys, net.rollup, net.deploy_block).await?;
        let d = l1ops::deposit(&l1, &m.keys, None, b.deposit).await?;
        queue_length = d.queue_length;
        ensure!(
            d.index == b.pool,
            "{}'s pool is account {}, the health configuration says {}",
            b.name,
            d.index,
            b.pool
        );
        let reg = l1
            .client
            .register_bank(b.pool, shape, policy.hash(), Fr::from(0u64))
            .await
            .map_err(|e| l1.err(e))?;
        say(&format!(
            "   {:<7} deposits {} gwei → account {} and registers it as a bank on L1 (gas {}; it does not lend)",
            b.name, b.deposit, d.index, reg.gas_used
        ));
    }

    // The fund's governance (the deployer) admits the three banks with their bioregions: every
    // table L1 settles must cover exactly them. The sequencer reads them with the fund's log.
    let mut admit_gas = Vec::new();
    for b in &BANKS {
        let admitted =
            fund.admit(b.pool, b.bioregion).await.with_context(|| format!("admitting {}", b.name))?;
        admit_gas.push(admitted.gas_used);
    }
    let expected_members = Members(BANKS.iter().map(|b| (b.pool, b.bioregion)).collect());
    let l1_members = fund.members().await?;
    ensure!(l1_members == expected_members, "SolidarityFund.members() is {l1_members:?}");
    let region_name = |bioregion: u32| {
        BIOREGIONS.iter().find(|(i, _, _)| *i == bioregion).map_or("?", |(_, name, _)| *name)
    };
    let members_summary: Vec<FundMemberSummary> = BANKS
        .iter()
        .map(|b| FundMemberSummary {
            name: b.name.to_owned(),
            pool: b.pool,
            bioregion: b.bioregion,
            bioregion_name: region_name(b.bioregion).to_owned(),
        })
        .collect();
    say(&format!(
        "   the fund's governance (the deployer) admits {} (SolidarityFund.admit, gas {admit_gas:?}): its members on L1",
        members_summary
            .iter()
            .map(|m| format!("{} (account {}, {})", m.name, m.pool, m.bioregion_name))
            .collect::<Vec<_>>()
            .join(", ")
    ));
    let waited = std::time::Instant::now();
    loop {
        let shown = seq.fund(None).await?.members.unwrap_or_default();
        if shown.iter().map(|m| (m.pool, m.bioregion)).eq(expected_members.0.iter().map(|(&p, &b)| (p, b))) {
            break;
        }
        ensure!(
            waited.elapsed() < MEMBERS_TIMEOUT,
            "the sequencer shows the fund's members {shown:?} after {MEMBERS_TIMEOUT:?}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(250)).await;
    }
    say("   the sequencer read them (ccr_getFund's members): its fund table covers them");
    l1ops::wait_ingested(seq, queue_length, std::time::Duration::from_secs(300)).await?;
    let epoch = seq
        .bank_health(BANKS[0].pool, None)
        .await?
        .context("commons (account 3) has no bioregion")?
        .current_epoch;

    // The attesters sign each bioregion's report from the shipped data and send it.
    let options = ReadOptions::default();
    let oecd = reader(SourceId::OecdStat, &options).map_err(|e| anyhow::anyhow!("{e}"))?;
    let owid = reader(SourceId::Owid, &options).map_err(|e| anyhow::anyhow!("{e}"))?;
    let inputs: Vec<(&dyn ccr_bioregion::DataSource, &[u8])> =
        vec![(oecd.as_ref(), OECD_BLI), (owid.as_ref(), OWID_CO2)];
    let digest = source_digest(&[OECD_BLI, OWID_CO2]);
    let mut reports: Vec<SignedReport> = Vec::new();
    for (bioregion, name, code) in BIOREGIONS {
        let region = RegionCode::parse(code).with_context(|| format!("region {code}"))?;
        let selected = indicators(&inputs, &region, DATA_YEAR, MAX_AGE)
            .map_err(|e| anyhow::anyhow!("{name}'s indicators: {e}"))?
            .indicators;
        for a in 0..ATTESTERS {
            let report = report_of(&selected, bioregion, epoch, digest)?;
            let file = sign_report(&attester_key(a), report, code, &selected)?;
            let signed = file.verify()?;
            seq.send_health_report(&HealthReportInput::from_signed(&signed)).await?;
            reports.push(signed);
        }
        let present = reports.last().map_or(0, |r| r.report.values.iter().flatten().count());
        say(&format!(
            "   {ATTESTERS} attesters signed {name}'s report (bioregion {bioregion}, epoch {epoch}, {present} of 8 indicators) → ccr_sendHealthReport"
        ));
    }

    // Scores and the table, as the sequencer computes them.
    let mut members = Vec::new();
    let mut views = BTreeMap::new();
    for b in &BANKS {
        let h = seq
            .bank_health(b.pool, Some(epoch))
            .await?
            .with_context(|| format!("bank {} has no bioregion", b.pool))?;
        let a = &h.activity;
        let mut lent_by_purpose = [0u64; N_PURPOSES];
        for (slot, p) in lent_by_purpose.iter_mut().zip(&a.lent_by_purpose) {
            *slot = p.amount.0;
        }
        let activity = BankActivity {
            lent_by_purpose,
            repaid: a.repaid.0,
            written_down: a.written_down.as_ref().map(u64_of).context("a writedown of unknown amount")?,
            pool_balance: a.pool_balance.as_ref().map(u64_of).context("the pool's balance")?,
            receivable: a.receivable.as_ref().map(u64_of).context("the pool's receivable")?,
            voted: a.voted.unwrap_or(0),
            voters: a.voters.unwrap_or(0),
        };
        members.push(FundMember { pool: b.pool, bioregion: b.bioregion, activity });
        let score100 = h.score.as_ref().map(|s| s.score100.clone()).unwrap_or_else(|| "-".into());
        say(&format!(
            "   {:<7} ({}): score {score100}/100, pool {} gwei, lent {}, repaid {}",
            b.name,
            h.bioregion_name.clone().unwrap_or_default(),
            activity.pool_balance,
            lent_by_purpose.iter().sum::<u64>(),
            activity.repaid
        ));
        views.insert(b.pool, (h.bioregion_name.unwrap_or_default(), score100));
    }
    let view = seq.fund(Some(epoch)).await?;
    let why = view.table_unavailable.clone().unwrap_or_default();
    let table: FundTable = view.table.with_context(|| format!("the sequencer's table lapses: {why}"))?;
    members.sort_by_key(|m| m.pool);

    // The devnet proves the same inputs.
    say(&format!(
        "   proving the epoch's table: epoch circuit of {slots} bank slots (INSECURE development key) ..."
    ));
    let (native, statement, proof) = {
        let (registry, members, reports, health, fund, pk) =
            (registry.clone(), members.clone(), reports.clone(), config.health, config.fund, keys.pk.clone());
        tokio::task::spawn_blocking(move || {
            let prover = EpochProver::new(pk, slots)?;
            let run = EpochRun {
                health: &health,
                fund: &fund,
                registry: &registry,
                epoch,
                fund_before: 0,
                members: &members,
                reports: &reports,
            };
            let mut rng = ChaCha20Rng::seed_from_u64(0x11);
            anyhow::Ok(prover.prove(&run, &mut rng)?)
        })
        .await
        .context("epoch proving task")??
    };
    let lines: Vec<_> = native.lines.iter().filter(|l| l.bioregion != u32::MAX).collect();
    let mut native_equal = lines.len() == table.lines.len()
        && native.fund_after == table.fund_after.0
        && native.collected == table.collected.0
        && native.granted == table.granted.0
        && native.fund_before == table.fund_before.0;
    for (n, s) in lines.iter().zip(&table.lines) {
        native_equal &= n.pool == s.pool
            && n.bioregion == s.bioregion
            && n.health.score == s.score
            && n.need == s.need
            && n.weight.to_string() == s.weight
            && n.contribution == s.contribution.0
            && n.cap == s.cap.0
            && n.grant == s.grant.0;
    }
    ensure!(native_equal, "the devnet's native table differs from the sequencer's: {native:?} vs {table:?}");
    say(&format!(
        "   proven; the native table equals the sequencer's line by line: fund {} → {} gwei (collected {}, granted {})",
        native.fund_before, native.fund_after, native.collected, native.granted
    ));
    // What settleEpoch checks of every line, checked here first against L1's members and the
    // rollup's flows (every batch of the epoch settled above).
    let mut l1_flows = BTreeMap::new();
    for m in &expected_members.0 {
        l1_flows.insert(*m.0, devnet.operator.flow_of(epoch, *m.0).await?);
    }
    fund.members()
        .await?
        .check_lines(
            native.lines.iter().map(|l| (l.pool, l.contribution, l.grant, l.bioregion, l.flow())),
            |pool| l1_flows.get(&pool).copied().unwrap_or(0),
        )
        .context("the table's lines against the fund's members on L1 and the rollup's flows")?;
    let members_checked = true;
    say(&format!(
        "   its {} lines cover exactly the fund's {} members on L1, in pool order, each in its bioregion with its flow as the rollup counted it (Rollup.flowOf); the padding moves and weighs nothing",
        native.lines.len(),
        expected_members.0.len()
    ));

    // L1: the settlement once the epoch has ended.
    let pools: Vec<u32> = BANKS.iter().map(|b| b.pool).collect();
    let mut balances_before = BTreeMap::new();
    for &pool in &pools {
        let a = seq.account(pool).await?.with_context(|| format!("account {pool}"))?;
        balances_before.insert(pool, a.pending_balance.0);
    }
    let state = fund.epoch_state(epoch).await?;
    let clock = devnet.operator.epoch_clock().await?;
    let end = clock.genesis_time + u64::from(epoch + 1) * clock.epoch_seconds;
    say(&format!(
        "   epoch {epoch} is {state:?} on L1 (epochs of {} s): moving L1's clock past its end ({end}) ...",
        clock.epoch_seconds
    ));
    devnet.operator.advance_time_past(end).await?;
    let before = fund.fund_balance().await?;
    let settled = fund.settle_epoch(&Settlement::new(&statement, &proof)).await?;
    let after = fund.fund_balance().await?;
    let state = fund.epoch_state(epoch).await?;
    let is_settled =
        state == EpochState::Settled && after == native.fund_after && before == native.fund_before;
    say(&format!(
        "   settleEpoch({epoch}) in L1 block {} (gas {}): fund on L1 {before} → {after} gwei, epoch {state:?}",
        settled.block, settled.gas_used
    ));
    ensure!(is_settled, "the fund on L1 is {after} ({state:?}), the table says {}", native.fund_after);

    // The moves: queued by settleEpoch, carried out by the next batches, settled on L1.
    let expected = native.moves(d.fund_account);
    let (next, end) = fund.moves_pending().await?;
    ensure!(
        end - next == expected.len() as u64,
        "settleEpoch queued {} moves, the native table implies {}",
        end - next,
        expected.len()
    );
    for (i, m) in expected.iter().enumerate() {
        let queued = fund.move_at(next + i as u64).await?;
        ensure!(queued == *m, "move {} on L1 is {queued:?}, the native table's is {m:?}", next + i as u64);
    }
    say(&format!(
        "   {} moves queued (log positions {next}..{end}: payers into the fund's account {}, then grants out of it); the sequencer carries them out ...",
        expected.len(),
        d.fund_account
    ));
    let waited = std::time::Instant::now();
    loop {
        let (n, _) = fund.moves_pending().await?;
        if n == end {
            break;
        }
        ensure!(
            waited.elapsed() < MOVES_TIMEOUT,
            "the fund's moves were not carried out within {MOVES_TIMEOUT:?}: {} of {} ({:?})",
            n - next,
            end - next,
            seq.fund(None).await.map(|v| v.moves)
        );
        tokio::time::sleep(std::time::Duration::from_millis(250)).await;
    }
    let moves_secs = waited.elapsed().as_secs_f64();
    // The sequencer records a settlement just after L1 includes it.
    let view = loop {
        let v = seq.fund(None).await?.moves;
        if v.moves.len() == expected.len() && v.moves.iter().all(|m| m.settled)
            || waited.elapsed() >= MOVES_TIMEOUT
        {
            break v;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    };
    let carried: Vec<FundMove> =
        view.moves.iter().map(|m| FundMove { from: m.from, to: m.to, amount: m.amount.0 }).collect();
    ensure!(carried == expected, "ccr_getFund shows the moves {carried:?}, the table's are {expected:?}");
    ensure!(view.moves.iter().all(|m| m.settled), "ccr_getFund: {view:?}");
    let paid = view.moves.iter().filter(|m| m.state == FundMoveState::Paid).count();
    let short = view.moves.iter().filter(|m| m.state == FundMoveState::Short).count();
    let mut batches: Vec<u64> = view.moves.iter().filter_map(|m| m.batch).collect();
    batches.dedup();
    let l1_balance = fund.fund_balance().await?;
    let fund_account = seq.account(d.fund_account).await?.context("the fund's L2 account")?;
    let l2_balance = fund_account.balance.0;
    say(&format!(
        "   carried out by batch(es) {batches:?} ({paid} paid, {short} short) and settled on L1 in {moves_secs:.1} s: the fund's L2 account holds {l2_balance} gwei, SolidarityFund.fundBalance() {l1_balance}"
    ));
    ensure!(
        l2_balance == l1_balance,
        "the fund's L2 account holds {l2_balance}, fundBalance() is {l1_balance}"
    );
    let audit =
        ccr_wallet::audit::audit_with_fund(&devnet.operator, devnet.config.params, &devnet.vk, Some(d.fund))
            .await
            .context("the audit with the fund")?;
    let audited = audit.fund.carried == expected.len() as u64 && audit.fund.queued == end;
    ensure!(audited, "the audit counted {:?} fund moves, the table has {}", audit.fund, expected.len());
    say(&format!(
        "   audit: {} batches, their fund slots are the fund's {} queued moves in order ({} paid, {} short)",
        audit.batches, audit.fund.queued, audit.fund.paid, audit.fund.short
    ));
    let mut balances_after = BTreeMap::new();
    for &pool in &pools {
        let a = seq.account(pool).await?.with_context(|| format!("account {pool}"))?;
        balances_after.insert(pool, a.balance.0);
    }

    let mut banks = Vec::new();
    for b in &BANKS {
        let l = table
            .lines
            .iter()
            .find(|l| l.pool == b.pool)
            .with_context(|| format!("{} in the table", b.name))?;
        let (bioregion, score100) = views.get(&b.pool).cloned().unwrap_or_default();
        banks.push(BankHealthSummary {
            name: b.name.to_owned(),
            pool: l.pool,
            bioregion,
            score100,
            contribution: l.contribution.0,
            grant: l.grant.0,
            balance_before: balances_before.get(&b.pool).copied().unwrap_or_default(),
            balance_after: balances_after.get(&b.pool).copied().unwrap_or_default(),
        });
    }
    Ok(HealthSummary {
        epoch,
        members: members_summary,
        admit_gas,
        members_checked,
        reports: reports.len(),
        banks,
        fund: [native.fund_before, native.fund_after],
        slots,
        native_equal,
        settled: is_settled,
        settle_gas: settled.gas_used,
        moves: FundMovesSummary {
            fund_account: d.fund_account,
            queued: expected.len(),
            paid,
            short,
            batches,
            millis: (moves_secs * 1000.0) as u64,
            l2_balance,
            l1_balance,
            audited,
        },
    })
}

/// The health step's lines of the summary.
pub fn render(h: &HealthSummary) -> String {
    let mut out = format!(
        "fund members on L1 (admitted by its governance, admit gas {:?}): {}; the settled table's lines checked against them {}\n",
        h.admit_gas,
        h.members
            .iter()
            .map(|m| format!("{} (account {}, bioregion {} {})", m.name, m.pool, m.bioregion, m.bioregion_name))
            .collect::<Vec<_>>()
            .join(", "),
        if h.members_checked { "passed" } else { "FAILED" }
    );
    out.push_str(&format!(
        "health, epoch {} ({} reports, 3 attesters): bank     bioregion       score  contribution  grant  pool before → after (gwei)\n",
        h.epoch, h.reports
    ));
    for b in &h.banks {
        out.push_str(&format!(
            "  {:<8} (account {}) {:<16} {:>6}  {:>12}  {:>5}  {} → {}\n",
            b.name,
            b.pool,
            b.bioregion,
            b.score100,
            b.contribution,
            b.grant,
            b.balance_before,
            b.balance_after
        ));
    }
    out.push_str(&format!(
        "fund: {} → {} gwei; table proven ({} slots), native equal {}; settled on L1 {} (settleEpoch gas {})\n",
        h.fund[0], h.fund[1], h.slots, h.native_equal, h.settled, h.settle_gas
    ));
    let m = &h.moves;
    out.push_str(&format!(
        "fund moves: {} queued, carried out by batch(es) {:?} ({} paid, {} short), settled on L1 {:.1} s after settleEpoch; \
         fund account {}'s L2 balance {} = fundBalance() {}; audit of the fund slots {}\n",
        m.queued,
        m.batches,
        m.paid,
        m.short,
        m.millis as f64 / 1000.0,
        m.fund_account,
        m.l2_balance,
        m.l1_balance,
        if m.audited { "passed" } else { "FAILED" }
    ));
    out
}
