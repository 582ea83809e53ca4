//! The scripted scenario: three members and a community bank deposit, the members transfer
//! among themselves, one exits and claims on L1, the bank registers its credit policy and a
//! member borrows from it with a zero-knowledge eligibility proof and repays part, and the
//! audit rebuilds everything from L1 data alone.
//!
//! Every step goes through the wallet's library (`ccr_wallet::ops`, `ccr_wallet::l1ops`,
//! `ccr_wallet::audit`): the same code as `ccr-wallet`'s commands. The members' wallets are
//! also written as keystores under `<dir>/wallets/` (password in `password.txt`: a devnet
//! convenience, never for real funds), so a person can go on with `ccr-wallet` afterwards.

use std::time::{Duration, Instant};

use alloy_primitives::U256;
use anyhow::Context;
use ccr_wallet::audit::{self, AuditReport};
use ccr_wallet::keys::{L1Key, Password, WalletKeys};
use ccr_wallet::keystore::{self, WalletState};
use ccr_wallet::l1ops::{self, L1};
use ccr_wallet::ops::{self, WaitTarget};
use ccr_wallet::sequencer::SequencerClient;
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;
use serde::Serialize;

use crate::{Devnet, Say};

/// Gwei per ETH: amounts are L2 units (1 gwei each).
pub const GWEI_PER_ETH: u64 = 1_000_000_000;
/// Password of the devnet's keystores (written next to them).
pub const DEVNET_PASSWORD: &str = "devnet-insecure-password";

/// How long one step may wait for the sequencer, the prover and L1.
const STEP_TIMEOUT: Duration = Duration::from_secs(900);

/// A member of the scenario.
#[derive(Debug, Clone)]
pub struct Member {
    /// Name.
    pub name: &'static str,
    /// Wallet keys (L1: a development account).
    pub keys: WalletKeys,
    /// L2 account, once opened.
    pub index: Option<u32>,
}

/// One member's result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MemberSummary {
    /// Name.
    pub name: String,
    /// L2 account.
    pub account: u32,
    /// Deposited, in gwei.
    pub deposited: u64,
    /// L2 balance at the end (after the last settled batch), in gwei.
    pub l2_balance: u64,
    /// Claimed on L1, in wei.
    pub claimed_wei: String,
    /// Keystore written for `ccr-wallet`.
    pub keystore: String,
}

/// What the scenario did.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Summary {
    /// The members.
    pub members: Vec<MemberSummary>,
    /// L2 transactions sent (transfers, exits, the credit and the repayment).
    pub l2_transactions: u64,
    /// Batches settled on L1.
    pub batches_settled: u64,
    /// L1 gas of each settlement.
    pub settlement_gas: Vec<u64>,
    /// The credit step.
    pub credit: crate::credit::CreditSummary,
    /// The poll step.
    pub poll: crate::poll::PollSummary,
    /// The audit's report.
    pub audit: AuditReport,
    /// Seconds from the first deposit to the audit's end.
    pub seconds: f64,
    /// The community-health step (`--health`; `None` without it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub health: Option<crate::health::HealthSummary>,
}

/// Member `name` on development account `n` (deterministic L2 keys).
///
/// # Errors
///
/// `n` is not a development account.
pub fn member(name: &'static str, n: usize) -> anyhow::Result<Member> {
    let l1 = L1Key::from_hex(ccr_l1::DEV_KEYS.get(n).context("development key")?)?;
    // Deterministic L2 keys: the devnet is reproducible run to run.
    let mut rng = ChaCha20Rng::seed_from_u64(0xCC0 + n as u64);
    Ok(Member { name, keys: WalletKeys::generate(&mut rng, Some(l1)), index: None })
}

/// Waits until the transaction `hash` is in a batch settled on L1, reporting its progress.
///
/// # Errors
///
/// A rejection, or `STEP_TIMEOUT`.
pub async fn wait_settled(seq: &SequencerClient, hash: &str, say: Say<'_>) -> anyhow::Result<()> {
    ops::wait_for(seq, hash, WaitTarget::Settled, STEP_TIMEOUT, &mut |st| {
        say(&format!(
            "    {} … {:?}{}",
            short(hash),
            st.status,
            st.batch.map(|b| format!(" (batch {b})")).unwrap_or_default()
        ))
    })
    .await?;
    Ok(())
}

fn short(hash: &str) -> String {
    hash.chars().take(10).collect()
}

fn eth(gwei: u64) -> String {
    format!("{}.{:09}", gwei / GWEI_PER_ETH, gwei % GWEI_PER_ETH)
        .trim_end_matches('0')
        .trim_end_matches('.')
        .to_owned()
        + " ETH"
}

/// Runs the scenario on a started devnet (see the [module documentation](self)).
///
/// # Errors
///
/// The first step that fails, with the wallet's error.
pub async fn run(devnet: &Devnet, say: Say<'_>) -> anyhow::Result<Summary> {
    let started = Instant::now();
    let net = &devnet.network;
    let params = devnet.config.params;
    let domain = params.domain;
    let seq = SequencerClient::new(&net.sequencer_rpc)?;
    let mut members =
        vec![member("alice", 1)?, member("bob", 2)?, member("carol", 3)?, member("commons", 4)?];
    let deposits = [2 * GWEI_PER_ETH, GWEI_PER_ETH, GWEI_PER_ETH / 2, GWEI_PER_ETH];
    let mut l1s = Vec::new();
    for m in &members {
        l1s.push(L1::connect(&net.l1_rpc, &m.keys, net.rollup, net.deploy_block).await?);
    }

    say("1. members and a community bank's pool (commons) open accounts with an L1 deposit (createAccount)");
    let mut queue_length = 0;
    for ((m, l1), amount) in members.iter_mut().zip(&l1s).zip(deposits) {
        let d = l1ops::deposit(l1, &m.keys, None, amount).await?;
        m.index = Some(d.index);
        queue_length = d.queue_length;
        say(&format!(
            "   {:<6} deposits {:>10} → account {} (L1 block {})",
            m.name,
            eth(amount),
            d.index,
            d.l1_tx.block
        ));
    }
    l1ops::wait_ingested(&seq, queue_length, STEP_TIMEOUT).await?;
    say("   the sequencer ingested the L1 deposit queue");

    let idx = |i: usize| members[i].index.context("account opened above");
    let (a, b, c) = (idx(0)?, idx(1)?, idx(2)?);
    say("2. transfers on L2 (signed with each member's Baby Jubjub key)");
    let transfers: [(usize, u32, u32, u64); 4] =
        [(0, a, b, 300_000_000), (1, b, c, 200_000_000), (2, c, a, 100_000_000), (0, a, c, 50_000_000)];
    let mut last = String::new();
    for (who, from, to, amount) in transfers {
        let sent = ops::transfer(&seq, &members[who].keys, &domain, from, to, amount).await?;
        say(&format!(
            "   {:<6} → account {to}: {:>10} (tx {}, nonce {})",
            members[who].name,
            eth(amount),
            short(&sent.hash),
            sent.nonce
        ));
        last = sent.hash;
    }
    say("3. bob exits 0.4 ETH to L1");
    let exit = ops::exit(&seq, &members[1].keys, &domain, b, 400_000_000).await?;
    say(&format!("   exit tx {}; waiting for the batch to be proven and settled on L1 …", short(&exit.hash)));
    wait_settled(&seq, &last, say).await?;
    wait_settled(&seq, &exit.hash, say).await?;

    say("4. bob claims his exit on L1 (Rollup.withdraw)");
    let before = l1s[1].client.balance(members[1].keys.l1_address()).await.map_err(|e| l1s[1].err(e))?;
    let claimed = l1ops::claim(&l1s[1]).await?;
    let after = l1s[1].client.balance(members[1].keys.l1_address()).await.map_err(|e| l1s[1].err(e))?;
    say(&format!(
        "   paid {} wei in L1 block {} (balance {} → {} wei, gas {})",
        claimed.amount, claimed.l1_tx.block, before, after, claimed.l1_tx.gas_used
    ));
    anyhow::ensure!(
        claimed.amount == U256::from(400_000_000u64) * U256::from(GWEI_PER_ETH),
        "bob's claim paid {}",
        claimed.amount
    );

    say("5. credit: commons registers the German policy on L1; alice borrows with a private eligibility proof, then repays part");
    let credit =
        crate::credit::run(devnet, &seq, &members[3], &l1s[3], &members[0], &domain, params.depth, say)
            .await?;

    say("6. governance: commons proposes a lower rate for its best tier; members vote in a private poll, \
         the coordinator proves the tally, the proposal is executed on L1");
    let poll = {
        let voters = [&members[0], &members[1], &members[2]];
        crate::poll::run(devnet, &seq, &members[3], &l1s[3], &voters, say).await?
    };

    say("7. audit: every batch from L1 calldata, its commitment, its proof, replayed to the same roots");
    let report = audit::audit(&l1s[0].client, params, &devnet.vk).await?;
    say(&format!(
        "   audit passed: {} batch(es), {} batch proof(s) and {} eligibility proof(s) verified, {} transactions replayed, root {}",
        report.batches, report.proofs_verified, report.eligibility_proofs_verified, report.transactions, report.final_root
    ));

    // Keystores for the members, so `ccr-wallet` can take over.
    let wallets = devnet.dir().join("wallets");
    std::fs::create_dir_all(&wallets).with_context(|| format!("creating {}", wallets.display()))?;
    let password_file = wallets.join("password.txt");
    std::fs::write(&password_file, DEVNET_PASSWORD)
        .with_context(|| format!("writing {}", password_file.display()))?;
    let password = Password::new(DEVNET_PASSWORD);
    let health = seq.health().await?;
    let coordinator = wallets.join("coordinator.json");
    if !coordinator.exists() {
        keystore::create(&coordinator, &crate::coordinator_keys()?, &password)?;
    }
    let mut summaries = Vec::new();
    for (i, m) in members.iter().enumerate() {
        let index = m.index.context("account opened above")?;
        let path = wallets.join(format!("{}.json", m.name));
        if !path.exists() {
            keystore::create(&path, &m.keys, &password)?;
        }
        let mut state = WalletState::load(&path)?;
        state.set_account(&format!("{:#x}", net.rollup), index);
        state.save(&path)?;
        let info = ops::account(&seq, index).await?;
        summaries.push(MemberSummary {
            name: m.name.to_owned(),
            account: index,
            deposited: deposits[i],
            l2_balance: info.balance.0,
            claimed_wei: if i == 1 { claimed.amount.to_string() } else { "0".into() },
            keystore: path.display().to_string(),
        });
    }
    // What a member who has not borrowed needs to: an attestation (the bank's files come from
    // the sequencer's mirror, checked against L1, when `ccr-wallet credit apply` runs).
    let attestation = crate::credit::attest_for(devnet, &seq, &members[3], &l1s[3], &members[1]).await?;
    say(&format!(
        "   {} can borrow from {}: `ccr-wallet credit apply --bank {} --attestation {}` (the bank's files come from the sequencer)",
        members[1].name,
        members[3].name,
        members[3].index.context("bank account")?,
        attestation.display()
    ));
    let mut settlement_gas = Vec::new();
    for n in 0..health.settled {
        if let Some(b) = seq.batch(n).await? {
            settlement_gas.push(b.l1_gas_used.unwrap_or(0));
        }
    }
    Ok(Summary {
        members: summaries,
        l2_transactions: transfers.len() as u64 + 3,
        batches_settled: health.settled,
        settlement_gas,
        credit,
        poll,
        audit: report,
        seconds: started.elapsed().as_secs_f64(),
        health: None,
    })
}

/// The summary as a table.
pub fn render(summary: &Summary) -> String {
    let mut out = String::new();
    out.push_str("member  account  deposited      L2 balance     claimed on L1\n");
    for m in &summary.members {
        let claimed = m.claimed_wei.parse::<u128>().unwrap_or(0) / u128::from(GWEI_PER_ETH);
        out.push_str(&format!(
            "{:<7} {:>7}  {:<14} {:<14} {}\n",
            m.name,
            m.account,
            eth(m.deposited),
            eth(m.l2_balance),
            eth(u64::try_from(claimed).unwrap_or(u64::MAX))
        ));
    }
    let c = &summary.credit;
    out.push_str(&format!(
        "credit: account {} borrowed {} for {} from bank {} (tier {}, {} bps, {} months; data row {}), repaid {}, owes {}; \
         registerBank gas {}, credit batch gas {}\n",
        c.borrower,
        c.amount,
        c.purpose,
        c.bank,
        c.tier,
        c.rate_bps,
        c.term_months,
        c.data_row,
        c.repaid,
        c.debt_after,
        c.register_gas,
        c.credit_batch_gas
    ));
    let p = &summary.poll;
    out.push_str(&format!(
        "poll {}: bank {}'s best tier {} → {} bps; {} messages, {} applied, late vote refused {}; \
         {} processing + {} tally proofs; {}: {}; native tally equal {}; executed (gas {}), \
         policy on L1 adopted {}\n",
        p.poll,
        p.bank,
        p.rate_bps[0],
        p.rate_bps[1],
        p.messages,
        p.applied,
        p.late_vote_refused,
        p.proofs[0],
        p.proofs[1],
        ["against", "for"]
            .iter()
            .zip(&p.results)
            .map(|(name, [votes, spent])| format!("{name} {votes} votes ({spent} voice credits)"))
            .collect::<Vec<_>>()
            .join(", "),
        if p.passed { "PASSED" } else { "failed" },
        p.native_equal,
        p.execute_gas,
        p.policy_adopted
    ));
    let plural = |n: u64, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
    out.push_str(&format!(
        "{} in {} (L1 gas per batch: {:?}), scenario {:.0} s; audit: {} verified, root {}\n",
        plural(summary.l2_transactions, "L2 transaction", "L2 transactions"),
        plural(summary.batches_settled, "settled batch", "settled batches"),
        summary.settlement_gas,
        summary.seconds,
        plural(summary.audit.proofs_verified, "proof", "proofs"),
        summary.audit.final_root
    ));
    if let Some(h) = &summary.health {
        out.push_str(&crate::health::render(h));
    }
    out
}
