//! The scenario's credit: a community bank registers its policy on L1, an attester signs a
//! member's financial record (a row of the German credit data), the member proves eligibility
//! on "their machine" and borrows through the sequencer, then repays part of the loan.
//!
//! Every step is the wallet's library code (`ccr_wallet::credit`, `ccr_wallet::bank_files`,
//! `ccr_wallet::ops`): the same as `ccr-wallet bank register`, `bank publish`, `attester sign`,
//! `credit apply` (which fetches the bank's files from the sequencer and checks them against
//! L1) and `repay`.

use anyhow::Context;
use ccr_circuits::babyjubjub::eddsa::PrivateKey;
use ccr_circuits::state::Domain;
use ccr_credit_policy::{german_policy, Policy, Purpose, GERMAN_DATA_CSV};
use ccr_prover::eligibility::network_shape_index;
use ccr_wallet::bank_files::{current_version, publish_loaded};
use ccr_wallet::credit::{prove_credit, sign_attestation, CreditRequest, RegistryFile};
use ccr_wallet::l1ops::L1;
use ccr_wallet::ops;
use ccr_wallet::sequencer::SequencerClient;
use serde::Serialize;

use crate::scenario::{wait_settled, Member};
use crate::Say;

/// The principal the member borrows (L2 units), within every tier's maximum.
pub const CREDIT_AMOUNT: u64 = 1_500;
/// What the member repays of it.
pub const REPAYMENT: u64 = 600;

/// What the credit step did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CreditSummary {
    /// The bank's pool account.
    pub bank: u32,
    /// The borrower's account.
    pub borrower: u32,
    /// The German credit data row (1-based, after the header) the attester signed.
    pub data_row: usize,
    /// What the loan is for: the purpose the attester signed, as the sequencer shows the loan.
    pub purpose: String,
    /// The policy's tier for it.
    pub tier: u8,
    /// The tier's yearly rate, basis points.
    pub rate_bps: u32,
    /// The tier's term, months.
    pub term_months: u32,
    /// Principal borrowed.
    pub amount: u64,
    /// Repaid.
    pub repaid: u64,
    /// Debt after the repayment.
    pub debt_after: u64,
    /// Gas of `registerBank`.
    pub register_gas: u64,
    /// L1 gas of the batch that carried the credit and its eligibility proof.
    pub credit_batch_gas: u64,
}

/// The first row of the German data the policy grants a tier for an ecological restoration,
/// with its 1-based number and features.
fn good_row(policy: &Policy) -> anyhow::Result<(usize, Vec<i64>, u8)> {
    for (i, line) in GERMAN_DATA_CSV.lines().skip(1).enumerate() {
        let row = line.rsplit_once(',').map_or(line, |(features, _label)| features);
        if let Some(tier) = policy.decide_row(row, Purpose::EcologicalRestoration)?.tier {
            let features = ccr_credit_policy::data::encode_row(&policy.schema, row)?;
            return Ok((i + 1, features, u8::try_from(tier)?));
        }
    }
    anyhow::bail!("the policy grants no row of the German data")
}

/// Runs the credit step: `bank` (an opened account owned by `bank_l1`'s key) becomes a
/// community bank, `member` borrows from it and repays part.
#[allow(clippy::too_many_arguments)]
pub async fn run(
    devnet: &crate::Devnet,
    seq: &SequencerClient,
    bank: &Member,
    bank_l1: &L1,
    member: &Member,
    domain: &Domain,
    depth: usize,
    say: Say<'_>,
) -> anyhow::Result<CreditSummary> {
    let pool = bank.index.context("the bank's account is open")?;
    let borrower = member.index.context("the member's account is open")?;
    let policy = german_policy()?;
    let params = policy.circuit_params()?;

    // No key to make: the rollup holds the eligibility key of the policy's shape for every bank.
    let pk = devnet.eligibility_pk.clone();
    anyhow::ensure!(
        pk.metadata.circuit_name == ccr_prover::eligibility::eligibility_circuit_name(params.shape, depth),
        "the devnet's eligibility key is not of the German policy's shape"
    );
    let shape = network_shape_index(params.shape).context("the German policy has the production shape")?;
    let attester = PrivateKey::from_bytes([0xA7; 32]);
    let registry = RegistryFile::new(&[(0, attester.public_key())])?;
    let reg_root = registry.registry()?.root();
    let hash = params.hash();
    let reg = bank_l1.client.register_bank(pool, shape, hash, reg_root).await.map_err(|e| bank_l1.err(e))?;
    say(&format!(
        "   {} registers account {pool} as a bank on L1: German policy {}… of shape {shape} ({}; the rollup's \
         key, no setup), attester registry {}… (gas {})",
        bank.name,
        &hash.to_string()[..12],
        params.shape,
        &reg_root.to_string()[..12],
        reg.gas_used
    ));

    let published = publish_loaded(&devnet.dir().join(crate::BANK_FILES_DIR), &policy, &registry, &pk)?;
    let key_bytes = std::fs::metadata(&published[2]).map(|m| m.len()).unwrap_or(0);
    say(&format!(
        "   {} publishes the policy, the registry and the proving key ({:.1} MB) under their L1 \
         commitments' names in {}/; the sequencer mirrors them",
        bank.name,
        key_bytes as f64 / 1e6,
        crate::BANK_FILES_DIR
    ));

    let (data_row, features, tier) = good_row(&policy)?;
    let expiry = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH)?.as_secs() + 365 * 86_400;
    // The attester signs what the credit is for with the record: the purpose's weight moves
    // the tier, so the member can borrow for the attested purpose only.
    let attestation = sign_attestation(
        &attester,
        features,
        member.keys.l2_public(),
        expiry,
        Purpose::EcologicalRestoration,
        &policy,
    )?;
    say(&format!(
        "   the bank's attester signs {}'s record (German credit data row {data_row}) for an ecological \
         restoration: tier {tier} under the policy",
        member.name
    ));

    // The member's wallet: the bank's current files from the sequencer's mirror, each checked
    // against the commitments L1 holds (what `credit apply` does without --policy/--registry/--pk).
    let version = current_version(bank_l1, pool).await?;
    let cache = devnet.dir().join("bank-cache").join(member.name);
    let files = ccr_wallet::bank_files::fetch(seq, &version, &cache, |_, _| {}).await?;
    say(&format!(
        "   {}'s wallet fetches them from the sequencer and checks them against L1 (bank {pool}, version {})",
        member.name, version.version
    ));
    let (policy, registry, pk) = (files.policy, files.registry, files.proving_key);

    let ctx = seq.credit_context(borrower).await?.context("the member's account is in a sealed batch")?;
    let request = CreditRequest {
        bank: u64::from(pool),
        amount: CREDIT_AMOUNT,
        purpose: Purpose::EcologicalRestoration,
        epoch: u64::from(ctx.epoch),
        now: ctx.l1_time.context("the devnet's sequencer has L1")?,
    };
    let member_key = member.keys.l2.clone();
    let proof = tokio::task::spawn_blocking(move || {
        prove_credit(&member_key, &policy, &pk, &attestation, &registry, &ctx.account_proof, request)
    })
    .await??;
    let (st, _) = proof.parts()?;
    say(&format!(
        "   {} proves eligibility on their machine (the record stays private): {CREDIT_AMOUNT} for an \
         ecological restoration, tier {} at {} bps for {} months",
        member.name, st.tier, st.rate_bps, st.term_months
    ));
    let receipt = seq.send_credit(&proof).await?;
    say(&format!("   the sequencer verified the proof and accepted the credit (tx {})", &receipt.hash[..10]));
    wait_settled(seq, &receipt.hash, say).await?;
    let credit_batch = ops::status(seq, &receipt.hash).await?.batch.context("settled in a batch")?;
    let credit_batch_gas = seq.batch(credit_batch).await?.and_then(|b| b.l1_gas_used).unwrap_or(0);
    let loan = ops::account(seq, borrower).await?;
    let purpose = loan.loan.as_ref().and_then(|l| l.purpose.clone()).unwrap_or_default();
    anyhow::ensure!(
        purpose == "ecological_restoration",
        "the loan shows purpose {purpose:?}, not the attested ecological_restoration"
    );
    say(&format!(
        "   settled on L1 with its eligibility proof (batch {credit_batch}, gas {credit_batch_gas}): {} owes {} \
         for {purpose}",
        member.name, loan.debt.0
    ));

    let (sent, _) = ops::repay(seq, &member.keys, domain, borrower, None, REPAYMENT).await?;
    say(&format!("   {} repays {REPAYMENT} to the pool (tx {})", member.name, &sent.hash[..10]));
    wait_settled(seq, &sent.hash, say).await?;
    let after = ops::account(seq, borrower).await?;
    say(&format!("   settled: {} now owes {}", member.name, after.debt.0));
    anyhow::ensure!(after.debt.0 < loan.debt.0, "the repayment did not reduce the debt");
    Ok(CreditSummary {
        bank: pool,
        borrower,
        data_row,
        purpose,
        tier: st.tier,
        rate_bps: st.rate_bps,
        term_months: st.term_months,
        amount: CREDIT_AMOUNT,
        repaid: REPAYMENT,
        debt_after: after.debt.0,
        register_gas: reg.gas_used,
        credit_batch_gas,
    })
}

/// Where the devnet leaves a member's attestation: `attestations/NAME.json`.
pub fn attestation_path(dir: &std::path::Path, member: &str) -> std::path::PathBuf {
    dir.join("attestations").join(format!("{member}.json"))
}

/// What `member` needs to borrow from `bank` with `ccr-wallet credit apply` after the scenario:
/// the bank's attester signs their record (the first German row the bank's *current* policy
/// grants, read from the sequencer's mirror like a wallet does) for an ecological restoration.
/// The bank's files come from the sequencer; the keystore is the member's. Returns the file.
pub async fn attest_for(
    devnet: &crate::Devnet,
    seq: &SequencerClient,
    bank: &Member,
    bank_l1: &L1,
    member: &Member,
) -> anyhow::Result<std::path::PathBuf> {
    let pool = bank.index.context("the bank's account is open")?;
    let version = current_version(bank_l1, pool).await?;
    let cache = devnet.dir().join("bank-cache").join(member.name);
    let files = ccr_wallet::bank_files::fetch(seq, &version, &cache, |_, _| {}).await?;
    let (_, features, _) = good_row(&files.policy)?;
    let expiry = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH)?.as_secs() + 365 * 86_400;
    let attestation = sign_attestation(
        &PrivateKey::from_bytes([0xA7; 32]),
        features,
        member.keys.l2_public(),
        expiry,
        Purpose::EcologicalRestoration,
        &files.policy,
    )?;
    let path = attestation_path(devnet.dir(), member.name);
    let dir = path.parent().context("attestations directory")?;
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let json = serde_json::to_vec_pretty(&attestation)?;
    ccr_wallet::fsutil::write_private_atomic(&path, &json)
        .map_err(|(p, e)| anyhow::anyhow!("writing {}: {e}", p.display()))?;
    Ok(path)
}
