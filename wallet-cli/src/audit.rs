//! The auditor: rebuilds the rollup's state from L1 data alone and checks every settled batch.
//!
//! A batch is read from the rollup's logs (its `BatchSubmitted` and `BatchData` events,
//! [`L1Client::settled_batches`]), never from its transaction's calldata: submission is open,
//! and a batch a multisig, a relayer or a smart wallet submitted reads the same as a direct one.
//!
//! For each batch, in order ([`AuditCheck`] names each step):
//! 1. *sequence*: numbers follow 1, 2, 3, ...; its old root is the previous batch's new root
//!    (the empty tree's root for batch 1) and it starts where the previous one stopped in
//!    the L1 queue;
//! 2. *queue*: the L1 queue entries it consumed are all in L1's logs;
//! 3. *proof*: the batch commitment recomputed from its roots, the queue hashes before and
//!    after (chained from the queue entries) and its `txData`
//!    ([`ccr_circuits::batch::public_commitment`]) is what its Groth16 proof proves, under
//!    the deployment's verifying key;
//! 4. *credit*: each credit slot's eligibility proof (from `BatchData`) verifies under the
//!    key of the version of its bank's parameters the batch names, which L1 made
//!    (`BankVersionAdded` events, in block and log order) and which was in force during the
//!    batch's epoch (L1's rule); its statement is the slot's (bank, borrower, amount), the
//!    batch's epoch, that version's policy and registry, a time at most a day before the
//!    epoch's start, and a root the rebuilt state had;
//! 5. *replay*: its slots re-apply to the rebuilt state ([`RollupState::replay_batch`]),
//!    fund slots (kinds 10 and 11) included: paid only when the payer covers the amount, short
//!    only when it does not;
//! 6. *fund*: its fund slots, in order, are the next moves the solidarity fund queued
//!    (`SolidarityFund`'s move log: the moves of its settled tables, in log order), continuing
//!    where the previous batch stopped ([`check_fund_slots`]); without a fund, a batch has none;
//! 7. *root*: the replayed root equals the root L1 settled.
//!
//! Finally the rebuilt root must equal the contract's `stateRoot()`.

use alloy_primitives::{Address, U256};
use ark_bn254::{Bn254, Fq, Fq2, Fr, G1Affine, G2Affine};
use ark_ff::Zero;
use ark_groth16::{Proof, VerifyingKey};
use ccr_circuits::batch::public_commitment;
use ccr_circuits::state::tx::{FundMove, QueueEntry};
use ccr_circuits::state::{RollupParams, RollupState};
use ccr_l1::client::{BankVersion, EpochClock, L1Client, SettledBatch};
use ccr_l1::fund::FundClient;
use ccr_l1::L1Error;
use ccr_prover::verify::{prepare_verifying_key, verify_prepared};
use ccr_rpc_api::wire::fr_to_hex;
use serde::Serialize;

/// One check of a batch (see the [module documentation](self)).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum AuditCheck {
    /// Numbering, root continuity, queue continuity.
    Sequence,
    /// The consumed queue entries are on L1.
    Queue,
    /// The Groth16 proof verifies for the recomputed commitment.
    Proof,
    /// Each credit's eligibility proof verifies and states the credit slot.
    Credit,
    /// The slots re-apply to the rebuilt state.
    Replay,
    /// The fund slots are the next moves the solidarity fund queued.
    Fund,
    /// The replayed root equals the settled root.
    Root,
}

impl From<L1Error> for AuditError {
    fn from(e: L1Error) -> Self {
        Self::L1(Box::new(e))
    }
}

impl std::fmt::Display for AuditCheck {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Sequence => "sequence",
            Self::Queue => "queue",
            Self::Proof => "proof",
            Self::Credit => "credit",
            Self::Replay => "replay",
            Self::Fund => "fund",
            Self::Root => "root",
        })
    }
}

/// Why an audit failed.
#[derive(Debug, thiserror::Error)]
pub enum AuditError {
    /// Reading L1 failed.
    #[error("reading L1: {0}")]
    L1(Box<L1Error>),
    /// A batch failed a check.
    #[error("batch {batch} fails the {check} check: {detail}")]
    Batch {
        /// Batch number.
        batch: u64,
        /// Which check.
        check: AuditCheck,
        /// What was found.
        detail: String,
    },
    /// The parameters do not give an empty tree (cannot happen with checked parameters).
    #[error("cannot build the empty state: {0}")]
    Setup(String),
    /// The verifier L1 calls does not carry the verifying key the audit checks proofs with.
    #[error(
        "the batch verifier at {verifier} on L1 does not carry this verifying key (its {missing} is not a \
         constant of the contract's code): proofs checked here prove nothing about what L1 accepts"
    )]
    VerifierKey {
        /// The verifier's address.
        verifier: String,
        /// The first key word not found.
        missing: String,
    },
    /// The settled batches carried out another number of the fund's moves than the fund counts
    /// as carried out.
    #[error(
        "the settled batches carried out the fund's first {carried} moves, but SolidarityFund counts {l1} as carried out"
    )]
    FundCursor {
        /// Fund slots of the settled batches.
        carried: u64,
        /// The fund's `movesPending().next`.
        l1: u64,
    },
    /// The rebuilt root differs from the contract's current root.
    #[error("the rebuilt state root {rebuilt} differs from L1's stateRoot() {l1}")]
    FinalRoot {
        /// Root after replaying every settled batch.
        rebuilt: String,
        /// The contract's root.
        l1: String,
    },
}

/// What the audit found (everything checked out).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AuditReport {
    /// Settled batches checked.
    pub batches: u64,
    /// Proofs verified (one per batch).
    pub proofs_verified: u64,
    /// Eligibility proofs verified (one per credit).
    pub eligibility_proofs_verified: u64,
    /// Non-empty slots replayed.
    pub transactions: u64,
    /// Queue entries (deposits and forced exits) consumed.
    pub queue_consumed: u64,
    /// Queue entries on L1 in all (the rest wait for a batch).
    pub queue_total: u64,
    /// Exit slots (signed and forced) replayed.
    pub exits: u64,
    /// The solidarity fund's moves: queued on L1, and carried out by the settled batches.
    pub fund: AuditedFund,
    /// Accounts in the rebuilt state.
    pub accounts: usize,
    /// The rebuilt root, equal to L1's `stateRoot()` (`0x` hex).
    pub final_root: String,
    /// Every settled credit, in order, as its verified eligibility proof states it (its
    /// purpose included: the one the attester signed with the record).
    pub credits: Vec<AuditedCredit>,
    /// The batch verifier L1 calls, whose code carries the key the proofs were checked with.
    pub verifier: String,
    /// Each batch as checked (`audit --report FILE` writes them; not in the summary).
    #[serde(skip)]
    pub per_batch: Vec<AuditedBatch>,
}

/// One settled batch as the audit checked it: what `ccr-wallet audit --report FILE` writes, one
/// object per batch, so an auditor can file or diff the evidence batch by batch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AuditedBatch {
    /// Batch number (1-based).
    pub batch: u64,
    /// Its epoch.
    pub epoch: u32,
    /// The L1 transaction that settled it, and its block.
    pub l1_tx: String,
    /// Its L1 block.
    pub l1_block: u64,
    /// Root before and after (`0x` hex), the replayed one equal to the settled one.
    pub old_root: String,
    /// Root after.
    pub new_root: String,
    /// The public commitment recomputed from L1 data, under which the proof verified.
    pub commitment: String,
    /// Queue positions consumed: `[from, to)`.
    pub queue: [u64; 2],
    /// Non-empty slots replayed.
    pub transactions: u64,
    /// Exits among them.
    pub exits: u64,
    /// Fund slots among them (each the next queued move).
    pub fund_moves: u64,
    /// Eligibility proofs verified (its credits).
    pub eligibility_proofs: u64,
    /// Checks passed, in order.
    pub checks: Vec<String>,
}

/// The solidarity fund's moves as the audit found them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AuditedFund {
    /// Moves in the fund's log on L1 (every settled table's).
    pub queued: u64,
    /// Of them, carried out by settled batches (a prefix of the log, in order).
    pub carried: u64,
    /// Of those, carried out by a fund-move slot (the amount moved).
    pub paid: u64,
    /// Of those, by a fund-shortfall slot (above what the payer may pay; L1 booked it).
    pub short: u64,
}

/// A settled credit as its eligibility proof (verified by the *credit* check) states it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AuditedCredit {
    /// The batch that settled it.
    pub batch: u64,
    /// The bank's pool account.
    pub bank: u64,
    /// The borrower's account.
    pub borrower: u64,
    /// Principal.
    pub amount: u64,
    /// What the credit is for (the attested purpose's name; its code when unknown).
    pub purpose: String,
    /// The policy's tier.
    pub tier: u64,
    /// The tier's yearly rate, basis points.
    pub rate_bps: u64,
    /// The tier's term, months.
    pub term_months: u64,
}

impl AuditedCredit {
    /// The credit stated by the public inputs `x` of an eligibility proof of batch `batch`
    /// (`None` when they are not a statement's).
    fn from_inputs(batch: u64, x: &[U256]) -> Option<Self> {
        let small = |i: usize| x.get(i).and_then(|v| u64::try_from(*v).ok());
        let code = small(2)?;
        let purpose = u8::try_from(code)
            .ok()
            .and_then(ccr_circuits::credit::purpose_name)
            .map_or_else(|| code.to_string(), String::from);
        Some(Self {
            batch,
            bank: small(0)?,
            borrower: small(10)?,
            amount: small(1)?,
            purpose,
            tier: small(3)?,
            rate_bps: small(5)?,
            term_months: small(6)?,
        })
    }
}

/// Progress of an audit: `(batches done, batches in all)`.
pub type Progress<'a> = &'a mut dyn FnMut(u64, u64);

/// Audits every settled batch (see the [module documentation](self)) of a rollup without a
/// solidarity fund ([`audit_with_fund`] for one with). `params` gives the circuit's shape
/// (depth, batch size); the domain every batch commits to is read from L1.
///
/// # Errors
///
/// [`AuditError::Batch`] naming the first failing batch and check; [`AuditError::FinalRoot`];
/// [`AuditError::L1`] when L1 cannot be read.
pub async fn audit(
    l1: &L1Client,
    params: RollupParams,
    vk: &VerifyingKey<Bn254>,
) -> Result<AuditReport, AuditError> {
    audit_with_fund(l1, params, vk, None).await
}

/// [`audit`] of a rollup whose solidarity fund is the `SolidarityFund` at `fund` (the rollup's
/// `fund()`, [`crate::l1ops::rollup_fund`]; `None`: no fund): the fund slots are checked
/// against its move log, and the moves the settled batches carried out must be the ones L1
/// counts as carried out (`movesPending().next`).
///
/// # Errors
///
/// As [`audit`]; [`AuditError::FundCursor`].
pub async fn audit_with_fund(
    l1: &L1Client,
    params: RollupParams,
    vk: &VerifyingKey<Bn254>,
    fund: Option<Address>,
) -> Result<AuditReport, AuditError> {
    Ok(rebuild_with_fund(l1, params, vk, fund, &mut |_, _| {}).await?.0)
}

/// As [`audit`], with a progress callback, also returning the rebuilt state (whose Merkle
/// proofs the escape hatch needs).
///
/// # Errors
///
/// As [`audit`].
pub async fn rebuild(
    l1: &L1Client,
    params: RollupParams,
    vk: &VerifyingKey<Bn254>,
    progress: Progress<'_>,
) -> Result<(AuditReport, RollupState), AuditError> {
    rebuild_with_fund(l1, params, vk, None, progress).await
}

/// As [`audit_with_fund`], with a progress callback, also returning the rebuilt state.
///
/// # Errors
///
/// As [`audit_with_fund`].
pub async fn rebuild_with_fund(
    l1: &L1Client,
    params: RollupParams,
    vk: &VerifyingKey<Bn254>,
    fund: Option<Address>,
    progress: Progress<'_>,
) -> Result<(AuditReport, RollupState), AuditError> {
    // The batches commit to the deployment's domain (L1's chain id and the rollup's address).
    let params = RollupParams { domain: l1.domain().await?, ..params };
    let batches = l1.settled_batches(1).await?;
    // The fund's move log (read after the batches: it holds every move they carried out).
    let (fund_moves, carried_on_l1) = match fund {
        Some(f) => {
            let client = FundClient::connect(l1, f);
            let (next, end) = client.moves_pending().await?;
            let mut moves = Vec::with_capacity(usize::try_from(end).unwrap_or(0));
            for position in 0..end {
                moves.push(client.move_at(position).await?);
            }
            (moves, Some(next))
        }
        None => (Vec::new(), None),
    };
    let queue: Vec<QueueEntry> = l1.queue_entries(0, 0).await?.into_iter().map(|(_, e)| e).collect();
    let l1_root = l1.state_root().await?;
    // The key the proofs are checked with must be the one L1's verifier carries, or a pass here
    // says nothing about what L1 accepted.
    let (verifier, code) = l1.batch_verifier_code().await?;
    if let Err(missing) = code_carries_key(&code, vk) {
        return Err(AuditError::VerifierKey { verifier: format!("{verifier:#x}"), missing });
    }
    let (banks, clock) = if batches.iter().any(|b| !b.credits.is_empty()) {
        (l1.bank_versions().await?, l1.epoch_clock().await?)
    } else {
        (Vec::new(), EpochClock { genesis_time: 0, epoch_seconds: 1 })
    };
    let (mut report, state) =
        check_batches_with_fund(params, vk, &batches, &queue, &fund_moves, &banks, clock, progress)?;
    report.verifier = format!("{verifier:#x}");
    if let Some(next) = carried_on_l1.filter(|n| *n != report.fund.carried) {
        return Err(AuditError::FundCursor { carried: report.fund.carried, l1: next });
    }
    if state.root() != l1_root {
        return Err(AuditError::FinalRoot { rebuilt: fr_to_hex(&state.root()), l1: fr_to_hex(&l1_root) });
    }
    Ok((report, state))
}

/// The checks of [`audit`] over batches, queue entries (from position 0), every version of
/// every bank's parameters ([`L1Client::bank_versions`]) and the rollup's epoch clock, already
/// read from L1, without the final comparison with `stateRoot()`, for a rollup without a
/// solidarity fund (a fund slot fails the *fund* check: L1 queued no move).
///
/// # Errors
///
/// [`AuditError::Batch`].
pub fn check_batches(
    params: RollupParams,
    vk: &VerifyingKey<Bn254>,
    batches: &[SettledBatch],
    queue: &[QueueEntry],
    banks: &[BankVersion],
    clock: EpochClock,
    progress: Progress<'_>,
) -> Result<(AuditReport, RollupState), AuditError> {
    check_batches_with_fund(params, vk, batches, queue, &[], banks, clock, progress)
}

/// [`check_batches`] with the solidarity fund's move log (from position 0, in order, as its
/// settled tables queued the moves): the fund slots of the batches must carry out a prefix of
/// it, in order.
///
/// # Errors
///
/// [`AuditError::Batch`].
#[allow(clippy::too_many_arguments)] // the L1 data of one audit, each read apart
pub fn check_batches_with_fund(
    params: RollupParams,
    vk: &VerifyingKey<Bn254>,
    batches: &[SettledBatch],
    queue: &[QueueEntry],
    fund_moves: &[FundMove],
    banks: &[BankVersion],
    clock: EpochClock,
    progress: Progress<'_>,
) -> Result<(AuditReport, RollupState), AuditError> {
    let pvk = prepare_verifying_key(vk);
    // roots[n]: the root after batch n (0: the empty tree), for the credits' state roots.
    let mut roots = Vec::with_capacity(batches.len() + 1);
    let mut state = RollupState::new(params).map_err(|e| AuditError::Setup(e.to_string()))?;
    // queue_hashes[i]: the chain after the first i entries.
    let mut queue_hashes = vec![state.deposit_queue_hash()];
    for e in queue {
        let prev = queue_hashes[queue_hashes.len() - 1];
        queue_hashes.push(e.chain(prev));
    }
    let total = batches.len() as u64;
    let mut report = AuditReport {
        batches: 0,
        proofs_verified: 0,
        eligibility_proofs_verified: 0,
        transactions: 0,
        queue_consumed: 0,
        queue_total: queue.len() as u64,
        exits: 0,
        fund: AuditedFund { queued: fund_moves.len() as u64, ..AuditedFund::default() },
        accounts: 0,
        final_root: String::new(),
        credits: Vec::new(),
        verifier: String::new(),
        per_batch: Vec::with_capacity(batches.len()),
    };
    progress(0, total);
    roots.push(state.root());
    for (i, b) in batches.iter().enumerate() {
        let fail = |check, detail: String| AuditError::Batch { batch: b.number, check, detail };
        // 1. sequence
        if b.number != i as u64 + 1 {
            return Err(fail(AuditCheck::Sequence, format!("expected batch number {}", i + 1)));
        }
        if b.old_root != state.root() {
            return Err(fail(
                AuditCheck::Sequence,
                format!(
                    "old root {} but the previous batch ended at {}",
                    fr_to_hex(&b.old_root),
                    fr_to_hex(&state.root())
                ),
            ));
        }
        if b.consumed_before != state.deposits_consumed() || b.consumed_after < b.consumed_before {
            return Err(fail(
                AuditCheck::Sequence,
                format!(
                    "consumes queue entries {}..{} but the previous batch stopped at {}",
                    b.consumed_before,
                    b.consumed_after,
                    state.deposits_consumed()
                ),
            ));
        }
        // 2. queue
        let (from, to) = (usize::try_from(b.consumed_before), usize::try_from(b.consumed_after));
        let (Ok(from), Ok(to)) = (from, to) else {
            return Err(fail(
                AuditCheck::Queue,
                "queue positions beyond this machine's address space".into(),
            ));
        };
        if to > queue.len() {
            return Err(fail(
                AuditCheck::Queue,
                format!("consumes up to queue entry {to} but L1's logs hold {} entries", queue.len()),
            ));
        }
        // 3. proof
        let commitment = public_commitment(
            &b.old_root,
            &b.new_root,
            &queue_hashes[from],
            &queue_hashes[to],
            &params.domain.separator(),
            b.epoch,
            &b.tx_data,
        );
        let proof = proof_from_words(&b.proof).map_err(|e| fail(AuditCheck::Proof, e))?;
        match verify_prepared(&pvk, &[commitment], &proof) {
            Ok(true) => {}
            Ok(false) => {
                return Err(fail(
                    AuditCheck::Proof,
                    format!(
                        "the proof does not verify for the commitment {} recomputed from the roots, queue and txData",
                        fr_to_hex(&commitment)
                    ),
                ))
            }
            Err(e) => return Err(fail(AuditCheck::Proof, format!("the verifying key does not fit: {e}"))),
        }
        report.proofs_verified += 1;
        // 4. credit
        let eligibility = check_credits(b, banks, clock, &roots).map_err(|d| fail(AuditCheck::Credit, d))?;
        report.eligibility_proofs_verified += eligibility;
        report
            .credits
            .extend(b.credits.iter().filter_map(|c| AuditedCredit::from_inputs(b.number, &c.inputs)));
        // 5. replay
        let replayed = state
            .replay_batch(&b.tx_data, &queue[from..to], b.epoch)
            .map_err(|e| fail(AuditCheck::Replay, e.to_string()))?;
        // 6. fund
        let carried = usize::try_from(report.fund.carried).unwrap_or(usize::MAX);
        let (paid, short) =
            check_fund_slots(&b.tx_data, fund_moves, carried).map_err(|d| fail(AuditCheck::Fund, d))?;
        report.fund.carried += paid + short;
        report.fund.paid += paid;
        report.fund.short += short;
        // 7. root
        if replayed.new_root != b.new_root {
            return Err(fail(
                AuditCheck::Root,
                format!(
                    "replayed root {} but L1 settled {}",
                    fr_to_hex(&replayed.new_root),
                    fr_to_hex(&b.new_root)
                ),
            ));
        }
        roots.push(replayed.new_root);
        report.batches += 1;
        report.queue_consumed = replayed.deposits_consumed_after;
        let transactions =
            b.tx_data.chunks(ccr_circuits::state::encoding::SLOT_BYTES).filter(|s| s[0] != 0).count() as u64;
        report.exits += replayed.exits.len() as u64;
        report.transactions += transactions;
        report.per_batch.push(AuditedBatch {
            batch: b.number,
            epoch: b.epoch,
            l1_tx: format!("{:#x}", b.l1_tx),
            l1_block: b.block,
            old_root: fr_to_hex(&b.old_root),
            new_root: fr_to_hex(&b.new_root),
            commitment: fr_to_hex(&commitment),
            queue: [b.consumed_before, b.consumed_after],
            transactions,
            exits: replayed.exits.len() as u64,
            fund_moves: paid + short,
            eligibility_proofs: eligibility,
            checks: [
                AuditCheck::Sequence,
                AuditCheck::Queue,
                AuditCheck::Proof,
                AuditCheck::Credit,
                AuditCheck::Replay,
                AuditCheck::Fund,
                AuditCheck::Root,
            ]
            .iter()
            .map(ToString::to_string)
            .collect(),
        });
        progress(i as u64 + 1, total);
    }
    report.accounts = state.num_accounts();
    report.final_root = fr_to_hex(&state.root());
    Ok((report, state))
}

/// The fund slots (kinds 10 and 11) of a batch's `tx_data`, in slot order, against the
/// solidarity fund's move log `queued` (from position 0), the batches before having carried out
/// its first `carried` moves: the batch's `k`-th fund slot must be move `carried + k`, the
/// same payer, payee and amount (what `SolidarityFund.consumeMoves` checks on L1). Whether a
/// slot is paid or short is the replay's to check. Returns how many slots were paid and how
/// many short.
///
/// # Errors
///
/// The first disagreement, named: the slot, the log position, what L1 queued there (or that it
/// queued nothing more) and what the slot carries.
pub fn check_fund_slots(tx_data: &[u8], queued: &[FundMove], carried: usize) -> Result<(u64, u64), String> {
    use ccr_circuits::state::encoding::{EncodedSlot, SLOT_BYTES};
    use ccr_circuits::state::tx::TxKind;
    let (mut paid, mut short) = (0u64, 0u64);
    let mut position = carried;
    for (slot, bytes) in tx_data.chunks(SLOT_BYTES).enumerate() {
        if !TxKind::from_byte(bytes[0]).is_some_and(TxKind::is_fund) {
            continue;
        }
        let mut arr = [0u8; SLOT_BYTES];
        arr.copy_from_slice(bytes);
        let s = EncodedSlot::from_bytes(slot, &arr).map_err(|e| format!("slot {slot}: {e}"))?;
        let amount = s.amount.decode().map_err(|e| format!("slot {slot}: {e}"))?;
        let got = FundMove { from: s.from, to: s.to, amount };
        let what = if s.kind == TxKind::FundShortfall { "a fund shortfall" } else { "a fund move" };
        let shown = |m: &FundMove| format!("{} from account {} to account {}", m.amount, m.from, m.to);
        match queued.get(position) {
            None => {
                return Err(format!(
                    "slot {slot} is {what} of {}, but the fund's log holds {} moves: none queued at position {position}",
                    shown(&got),
                    queued.len()
                ))
            }
            Some(expected) if *expected != got => {
                return Err(format!(
                    "slot {slot} is {what} of {}, but the fund queued {} at log position {position}",
                    shown(&got),
                    shown(expected)
                ))
            }
            Some(_) => {}
        }
        position += 1;
        if s.kind == TxKind::FundShortfall {
            short += 1;
        } else {
            paid += 1;
        }
    }
    Ok((paid, short))
}

/// The credit slots of `b` against the eligibility proofs its `BatchData` event carried, in
/// order: each proof verifies under the key of the bank version the batch names, which must have
/// been in force during the batch's epoch (`Rollup._checkBank`'s rule), and states the slot's
/// bank, borrower and amount, the batch's epoch, that version's policy and registry, a time at
/// most `ELIGIBILITY_MAX_AGE` before the epoch's start, and the root after an earlier batch
/// (`roots`). Returns the number verified.
fn check_credits(
    b: &SettledBatch,
    banks: &[BankVersion],
    clock: EpochClock,
    roots: &[Fr],
) -> Result<u64, String> {
    use ccr_circuits::state::encoding::{EncodedSlot, SLOT_BYTES};
    use ccr_circuits::state::tx::TxKind;
    let mut k = 0usize;
    for (slot, bytes) in b.tx_data.chunks(SLOT_BYTES).enumerate() {
        if bytes[0] != TxKind::Credit as u8 {
            continue;
        }
        let c = b.credits.get(k).ok_or_else(|| format!("credit slot {slot} has no eligibility proof"))?;
        k += 1;
        let mut arr = [0u8; SLOT_BYTES];
        arr.copy_from_slice(bytes);
        let s = EncodedSlot::from_bytes(slot, &arr).map_err(|e| format!("slot {slot}: {e}"))?;
        let amount = s.amount.decode().map_err(|e| format!("slot {slot}: {e}"))?;
        let x = c
            .inputs
            .iter()
            .map(|w| {
                ccr_rpc_api::wire::fr_from_be_canonical(&w.to_be_bytes::<32>())
                    .ok_or_else(|| format!("slot {slot}: a public input is not a field element"))
            })
            .collect::<Result<Vec<Fr>, String>>()?;
        if x.len() != ccr_circuits::credit::EligibilityStatement::N_PUBLIC {
            return Err(format!("slot {slot}: {} public inputs", x.len()));
        }
        let root = usize::try_from(c.state_batch).ok().and_then(|n| roots.get(n));
        let expected = [
            (0, Fr::from(s.to), "bank"),
            (1, Fr::from(amount), "amount"),
            (10, Fr::from(s.from), "borrower"),
            (11, Fr::from(b.epoch), "epoch"),
        ];
        for (i, v, what) in expected {
            if x[i] != v {
                return Err(format!("slot {slot}: the proof's {what} is not the slot's"));
            }
        }
        if root != Some(&x[13]) {
            return Err(format!(
                "slot {slot}: the proof's state root is not the root after batch {}",
                c.state_batch
            ));
        }
        let history: Vec<BankVersion> = banks.iter().filter(|v| v.pool == s.to).cloned().collect();
        if !clock.version_in_force(&history, c.bank_version, b.epoch) {
            return Err(format!(
                "slot {slot}: version {} of bank {}'s parameters does not exist or was not in force during epoch {}",
                c.bank_version, s.to, b.epoch
            ));
        }
        let reg = &history[c.bank_version as usize];
        if x[7] != reg.policy_hash {
            return Err(format!(
                "slot {slot}: the proof is not for bank {}'s policy of version {}",
                s.to, reg.version
            ));
        }
        if x[8] != reg.registry_root {
            return Err(format!(
                "slot {slot}: the proof is not for bank {}'s attester registry of version {}",
                s.to, reg.version
            ));
        }
        let start = Fr::from(clock.start(b.epoch).saturating_sub(ccr_rpc_api::api::ELIGIBILITY_MAX_AGE));
        if x[12] < start {
            return Err(format!("slot {slot}: the proof's time is more than a day before its epoch's start"));
        }
        let proof = proof_from_words(&c.proof).map_err(|e| format!("slot {slot}: {e}"))?;
        match ccr_prover::verify(&reg.vk, &x, &proof) {
            Ok(true) => {}
            Ok(false) => return Err(format!("slot {slot}: the eligibility proof does not verify")),
            Err(e) => return Err(format!("slot {slot}: bank {}'s key does not fit: {e}", s.to)),
        }
    }
    if k != b.credits.len() {
        return Err(format!("{} eligibility proofs for {k} credit slots", b.credits.len()));
    }
    Ok(k as u64)
}

/// Whether a verifier's runtime `code` carries `vk`: every nonzero word of the key (alpha, beta,
/// gamma, delta, each IC point; [`ccr_verifier_contracts::batch_verify::vk_words`]) appears in
/// it as a pushed constant, as a Groth16 verifier generated from the key (ours, or snarkjs's)
/// compiles them. A different key shares none of its coordinates.
///
/// # Errors
///
/// The first word not found, named (`alpha`, `beta`, `gamma`, `delta`, `IC<n>`).
pub fn code_carries_key(code: &[u8], vk: &VerifyingKey<Bn254>) -> Result<(), String> {
    use ccr_verifier_contracts::batch_verify::{vk_words, VK_FIXED_WORDS};
    for (i, w) in vk_words(vk).iter().enumerate() {
        let bytes = w.to_be_bytes::<32>();
        let start = bytes.iter().position(|&b| b != 0).unwrap_or(32);
        let word = &bytes[start..];
        // PUSHn of the word's minimal big-endian bytes.
        let push = 0x5f + word.len() as u8;
        if word.is_empty() || code.windows(word.len() + 1).any(|c| c[0] == push && &c[1..] == word) {
            continue;
        }
        let name = match i {
            0..=1 => "alpha".to_owned(),
            2..=5 => "beta".to_owned(),
            6..=9 => "gamma".to_owned(),
            10..=13 => "delta".to_owned(),
            _ => format!("IC{}", (i - VK_FIXED_WORDS) / 2),
        };
        return Err(name);
    }
    Ok(())
}

/// A Groth16 proof from the `uint256[8]` of `submitBatch`: `[a.x, a.y, b.x.c1, b.x.c0,
/// b.y.c1, b.y.c0, c.x, c.y]` (EIP-197: imaginary part first); `(0, 0)` is the identity.
/// Points are checked to be on the curve and in the prime-order subgroup.
///
/// # Errors
///
/// A description of the first word or point that is not valid.
pub fn proof_from_words(w: &[U256; 8]) -> Result<Proof<Bn254>, String> {
    let fq = |i: usize| -> Result<Fq, String> {
        ccr_circuits::field::from_be_bytes::<Fq>(&w[i].to_be_bytes::<32>())
            .map_err(|_| format!("proof word {i} is not a canonical base-field element"))
    };
    let g1 = |i: usize, what: &str| -> Result<G1Affine, String> {
        let (x, y) = (fq(i)?, fq(i + 1)?);
        if x.is_zero() && y.is_zero() {
            return Ok(G1Affine::identity());
        }
        let p = G1Affine::new_unchecked(x, y);
        if p.is_on_curve() && p.is_in_correct_subgroup_assuming_on_curve() {
            Ok(p)
        } else {
            Err(format!("proof point {what} is not on the curve"))
        }
    };
    let b = {
        let (x, y) = (Fq2::new(fq(3)?, fq(2)?), Fq2::new(fq(5)?, fq(4)?));
        if x.is_zero() && y.is_zero() {
            G2Affine::identity()
        } else {
            let p = G2Affine::new_unchecked(x, y);
            if !(p.is_on_curve() && p.is_in_correct_subgroup_assuming_on_curve()) {
                return Err("proof point B is not on the curve or not in the subgroup".into());
            }
            p
        }
    };
    Ok(Proof { a: g1(0, "A")?, b, c: g1(6, "C")? })
}
