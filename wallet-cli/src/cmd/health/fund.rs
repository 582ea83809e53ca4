//! `health fund`: the solidarity fund's table for an epoch.

use ccr_rpc_api::health::{FundMemberView, FundMoveState, FundMoves, FundTable, FundView};
use clap::Args;

use crate::cli::{Output, Settings};
use crate::error::WalletError;

/// `health fund`'s options.
#[derive(Debug, Clone, Args)]
#[command(after_help = "Examples:\n  \
        ccr-wallet health fund\n  \
        ccr-wallet health fund --epoch 12 --json\n\
        Every member bank (admitted on L1 by the fund's governance, in its bioregion; without a fund\n\
        contract, every bank with a bioregion) pays a share of its pool's free balance (never its\n\
        receivables) and receives a grant weighted by its region's need and its credit flows (the\n\
        rollup's, which L1 checks), capped at a share of its money. This is the sequencer's native\n\
        computation of the table. Once an epoch's\n\
        table is proven and settled on L1 (SolidarityFund.settleEpoch), its moves (each bank's net:\n\
        pool -> fund account, or fund account -> pool) run in the rollup: the moves of the last\n\
        settled table are listed with their state: taken (in the sequencer's log), paid or short\n\
        (sealed in a batch: a short move asked more than the payer may pay, its balance or a fifth\n\
        of it for a pool, and moved nothing; L1 books it), settled (its batch settled on L1). Amounts are raw L2 units.")]
pub struct FundArgs {
    /// The epoch [default: the sequencer's current one].
    #[arg(long)]
    pub epoch: Option<u32>,
}

impl FundArgs {
    /// Asks the sequencer (`ccr_getFund`).
    ///
    /// # Errors
    ///
    /// The sequencer's errors.
    pub async fn run(self, s: &Settings) -> Result<Output, WalletError> {
        let seq = s.sequencer()?;
        let view = seq.fund(self.epoch).await?;
        Ok(Output::new(fund_text(&view), serde_json::to_value(&view).unwrap_or_default()))
    }
}

/// The members on L1 (when the node reads them), the table (or why it lapses), then the last
/// settled table's moves.
pub fn fund_text(v: &FundView) -> String {
    let mut out = members_text(v.members.as_deref());
    out += &match (&v.table, &v.table_unavailable) {
        (Some(t), _) => table_text(t),
        (None, why) => format!(
            "epoch {}: no fund table: {} (see `ccr-wallet health score --bank N`)",
            v.epoch,
            why.as_deref().unwrap_or("it lapses")
        ),
    };
    out += "\n\n";
    out += &moves_text(&v.moves);
    out.trim_end().to_owned()
}

/// The fund's members on L1 as the node last read them, one line.
pub fn members_text(members: Option<&[FundMemberView]>) -> String {
    let Some(members) = members else {
        return String::new();
    };
    let list: Vec<String> = members
        .iter()
        .map(|m| match &m.bioregion_name {
            Some(name) => format!("{} (bioregion {} {name})", m.pool, m.bioregion),
            None => format!("{} (bioregion {}, not in the node's configuration)", m.pool, m.bioregion),
        })
        .collect();
    let list = if list.is_empty() { "none".to_owned() } else { list.join(", ") };
    format!("members on L1 (admitted by the fund's governance): {list}\n\n")
}

fn table_text(t: &FundTable) -> String {
    let mut out = format!(
        "epoch {}: fund {} + collected {} - granted {} = {} (distributable {})\n\n",
        t.epoch, t.fund_before.0, t.collected.0, t.granted.0, t.fund_after.0, t.distributable.0
    );
    out += &format!(
        "{:>6} {:>9} {:>7} {:>7} {:>14} {:>14} {:>14}\n",
        "bank", "bioregion", "score", "need", "contribution", "cap", "grant"
    );
    for l in &t.lines {
        out += &format!(
            "{:>6} {:>9} {:>7} {:>7} {:>14} {:>14} {:>14}\n",
            l.pool,
            l.bioregion,
            format!("{}.{:02}", l.score / 100, l.score % 100),
            format!("{}.{:02}", l.need / 100, l.need % 100),
            l.contribution.0,
            l.cap.0,
            l.grant.0
        );
    }
    out.trim_end().to_owned()
}

/// The moves of the last settled table and where each stands.
pub fn moves_text(m: &FundMoves) -> String {
    let l1 = match (m.l1_next, m.l1_end) {
        (Some(next), Some(end)) => format!("L1's log: {end} moves, {next} carried out by settled batches"),
        _ => "L1's log not read by the sequencer (no L1, or no fund set on the rollup)".to_owned(),
    };
    if m.moves.is_empty() {
        return format!("settled table's moves: none taken ({} taken in all; {l1})", m.taken);
    }
    let epoch =
        m.epoch.map_or_else(|| "the last settled table".to_owned(), |e| format!("epoch {e}'s settled table"));
    let count = |s: FundMoveState| m.moves.iter().filter(|x| x.state == s).count();
    let mut out = format!(
        "moves of {epoch}: {} paid, {} short, {} taken and not yet in a batch; {} settled on L1 ({l1})\n\n",
        count(FundMoveState::Paid),
        count(FundMoveState::Short),
        count(FundMoveState::Taken),
        m.moves.iter().filter(|x| x.settled).count()
    );
    out += &format!(
        "{:>8} {:>8} {:>8} {:>14} {:>6} {:>6} {:>7}\n",
        "position", "from", "to", "amount", "state", "batch", "settled"
    );
    for x in &m.moves {
        let state = match x.state {
            FundMoveState::Taken => "taken",
            FundMoveState::Paid => "paid",
            FundMoveState::Short => "short",
        };
        out += &format!(
            "{:>8} {:>8} {:>8} {:>14} {:>6} {:>6} {:>7}\n",
            x.position,
            x.from,
            x.to,
            x.amount.0,
            state,
            x.batch.map_or_else(|| "-".to_owned(), |b| b.to_string()),
            if x.settled { "yes" } else { "no" }
        );
    }
    out.trim_end().to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn members_are_listed_with_their_bioregions_or_not_at_all() {
        assert_eq!(members_text(None), "");
        assert_eq!(members_text(Some(&[])), "members on L1 (admitted by the fund's governance): none\n\n");
        let members = [
            FundMemberView { pool: 3, bioregion: 1, bioregion_name: Some("Germany (DEU)".into()) },
            FundMemberView { pool: 5, bioregion: 7, bioregion_name: None },
        ];
        assert_eq!(
            members_text(Some(&members)),
            "members on L1 (admitted by the fund's governance): 3 (bioregion 1 Germany (DEU)), \
             5 (bioregion 7, not in the node's configuration)\n\n"
        );
    }
}
