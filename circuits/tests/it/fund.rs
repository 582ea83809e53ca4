//! The solidarity fund's epoch table (issue 11, items 1 and 4, native side): scores that
//! differ by region, conservation, caps that hold whatever attesters sign, reports that do not
//! count, missing data that never raises a grant, and a bank split in two that gains nothing.

use ccr_circuits::babyjubjub::eddsa::PrivateKey;
use ccr_circuits::health::fund::{EpochTable, FundError, FundMember, FundParams, MAX_REPORTS, MAX_SHARE_BPS};
use ccr_circuits::health::score::{need, BankActivity, HealthParams};
use ccr_circuits::health::{HealthAttesterRegistry, IndicatorReport, SignedReport, N_INDICATORS, SCALE};
use proptest::prelude::*;

pub const EPOCH: u32 = 20;

pub fn key(n: u8) -> PrivateKey {
    PrivateKey::from_bytes([n; 32])
}

/// Attesters 1..=5 registered at indices 0..=4.
pub fn registry() -> HealthAttesterRegistry {
    let mut r = HealthAttesterRegistry::new();
    for n in 1..=5u8 {
        r.add(u64::from(n - 1), &key(n).public_key()).unwrap();
    }
    r
}

/// Totals of three countries in the shipped OECD Better Life Index and OWID CO₂ files
/// (employment %, long-term unemployment %, CO₂ t/person, PM2.5, water %, attainment %,
/// PISA points, support %).
pub const NORWAY: [f64; N_INDICATORS] = [75.0, 0.67, 8.3, 6.0, 98.0, 82.0, 504.0, 94.0];
pub const GERMANY: [f64; N_INDICATORS] = [75.0, 1.57, 9.4, 14.0, 91.0, 87.0, 508.0, 90.0];
pub const GREECE: [f64; N_INDICATORS] = [52.0, 19.5, 6.2, 18.0, 69.0, 73.0, 458.0, 83.0];

pub fn values(v: [f64; N_INDICATORS]) -> [Option<i64>; N_INDICATORS] {
    v.map(|x| Some((x * SCALE as f64).round() as i64))
}

pub fn signed(attester: u8, bioregion: u32, epoch: u32, values: [Option<i64>; N_INDICATORS]) -> SignedReport {
    let report = IndicatorReport { bioregion, epoch, data_year: 2022, source_digest: [attester; 32], values };
    SignedReport::sign(&key(attester), report).unwrap()
}

/// Three attesters report each of the three regions (bioregions 0, 1, 2).
pub fn reports() -> Vec<SignedReport> {
    let mut out = Vec::new();
    for (region, data) in [NORWAY, GERMANY, GREECE].into_iter().enumerate() {
        for attester in 1..=3 {
            out.push(signed(attester, region as u32, EPOCH, values(data)));
        }
    }
    out
}

pub fn activity(balance: u64, receivable: u64, lent: u64, repaid: u64) -> BankActivity {
    BankActivity {
        lent_by_purpose: [lent / 2, lent / 4, lent - lent / 2 - lent / 4, 0, 0],
        repaid,
        written_down: 0,
        pool_balance: balance,
        receivable,
        voted: 5,
        voters: 10,
    }
}

pub fn members() -> Vec<FundMember> {
    vec![
        FundMember { pool: 10, bioregion: 0, activity: activity(1_000_000, 200_000, 50_000, 20_000) },
        FundMember { pool: 11, bioregion: 1, activity: activity(500_000, 300_000, 40_000, 30_000) },
        FundMember { pool: 12, bioregion: 2, activity: activity(200_000, 100_000, 30_000, 10_000) },
    ]
}

fn table(members: &[FundMember], reports: &[SignedReport]) -> Result<EpochTable, FundError> {
    FundParams::default().table(&HealthParams::default(), &registry(), EPOCH, 100_000, members, reports)
}

#[test]
fn three_regions_score_apart_and_the_needier_bank_receives_more() {
    let t = table(&members(), &reports()).unwrap();
    assert!(t.conserves());
    let [norway, germany, greece] = [&t.lines[0], &t.lines[1], &t.lines[2]];
    assert!(norway.health.score > germany.health.score && germany.health.score > greece.health.score);
    assert!(greece.need > germany.need && germany.need > norway.need);
    // Greece has the smallest flow but the largest need and the smallest cap to bind.
    assert!(greece.grant > 0 && greece.grant <= greece.cap);
    for l in &t.lines {
        // 2 % of the free balance, rounded up; never of the receivable.
        let balance = members().iter().find(|m| m.pool == l.pool).unwrap().activity.pool_balance;
        assert_eq!(l.contribution, (balance * 200).div_ceil(10_000));
        assert!(l.grant <= l.cap);
    }
    assert_eq!(t.collected, 20_000 + 10_000 + 4_000);
    assert_eq!(t.fund_after, t.fund_before + t.collected - t.granted);
    assert!(t.granted <= t.distributable);
}

#[test]
fn caps_hold_whatever_every_attester_signs() {
    // All three attesters of Greece's region lie: the worst values there are.
    let mut lying = reports();
    let worst = HealthParams::default().regional.map(|b| Some(b.worst - (b.best - b.worst)));
    for r in lying.iter_mut().filter(|r| r.report.bioregion == 2) {
        let attester = (1..=3).find(|&n| key(n).public_key() == r.attester).unwrap();
        *r = signed(attester, 2, EPOCH, worst);
    }
    let honest = table(&members(), &reports()).unwrap();
    let lied = table(&members(), &lying).unwrap();
    assert_eq!(lied.lines[2].need, 10_000);
    assert!(lied.lines[2].grant >= honest.lines[2].grant);
    for (l, h) in lied.lines.iter().zip(&honest.lines) {
        assert_eq!(l.cap, h.cap, "the cap reads no attester's data");
        assert_eq!(l.contribution, h.contribution, "nor does the contribution");
        assert!(l.grant <= l.cap);
    }
}

#[test]
fn one_lying_attester_among_three_moves_no_grant() {
    let mut lying = reports();
    lying[6] =
        signed(1, 2, EPOCH, HealthParams::default().regional.map(|b| Some(b.worst - (b.best - b.worst))));
    let (lied, honest) = (table(&members(), &lying).unwrap(), table(&members(), &reports()).unwrap());
    assert_eq!(
        (lied.lines, lied.medians, lied.fund_after),
        (honest.lines, honest.medians, honest.fund_after)
    );
}

#[test]
fn missing_data_never_raises_a_grant() {
    let base = table(&members(), &reports()).unwrap();
    for i in 0..N_INDICATORS {
        let mut missing = reports();
        for r in missing.iter_mut().filter(|r| r.report.bioregion == 2) {
            let attester = (1..=3).find(|&n| key(n).public_key() == r.attester).unwrap();
            let mut v = r.report.values;
            v[i] = None;
            *r = signed(attester, 2, EPOCH, v);
        }
        let t = table(&members(), &missing).unwrap();
        assert!(t.lines[2].need <= base.lines[2].need, "indicator {i}");
        assert!(t.lines[2].grant <= base.lines[2].grant, "indicator {i}");
    }
    // No report at all for a region: no need, no grant.
    let none: Vec<_> = reports().into_iter().filter(|r| r.report.bioregion != 2).collect();
    let t = table(&members(), &none).unwrap();
    assert_eq!((t.lines[2].need, t.lines[2].grant), (0, 0));
    assert!(t.lines[2].contribution > 0, "it still pays in");
}

#[test]
fn reports_that_do_not_count_make_the_epoch_lapse() {
    let stale = FundParams::default().max_report_age + 1;
    let cases: Vec<(&str, Vec<SignedReport>)> = vec![
        ("unregistered", vec![signed(9, 0, EPOCH, values(NORWAY))]),
        ("stale", vec![signed(1, 0, EPOCH - stale, values(NORWAY))]),
        ("from the future", vec![signed(1, 0, EPOCH + 1, values(NORWAY))]),
        ("duplicate", vec![signed(1, 0, EPOCH, values(NORWAY)), signed(1, 0, EPOCH - 1, values(GREECE))]),
        ("forged", {
            let mut r = signed(1, 0, EPOCH, values(NORWAY));
            r.report.values[0] = Some(99 * SCALE);
            vec![r]
        }),
        ("too many", (1..=MAX_REPORTS as u8 + 1).map(|n| signed(n, 0, EPOCH, values(NORWAY))).collect()),
    ];
    // A sixth attester registered, for "too many".
    let mut six = registry();
    six.add(5, &key(6).public_key()).unwrap();
    for (what, reports) in cases {
        let result =
            FundParams::default().table(&HealthParams::default(), &six, EPOCH, 0, &members(), &reports);
        let err = result.expect_err(what);
        let expected = match what {
            "unregistered" => matches!(err, FundError::Unregistered { .. }),
            "stale" | "from the future" => matches!(err, FundError::Stale { .. }),
            "duplicate" => matches!(err, FundError::Duplicate { .. }),
            "too many" => matches!(err, FundError::TooManyReports { bioregion: 0 }),
            _ => matches!(err, FundError::Report { .. }),
        };
        assert!(expected, "{what}: {err}");
    }
    // A report as old as the limit still counts.
    table(&members(), &[signed(1, 0, EPOCH - stale + 1, values(NORWAY))]).unwrap();
    let lapsed = EpochTable::lapsed(EPOCH, 7);
    assert!(lapsed.conserves() && lapsed.fund_after == 7 && lapsed.lines.is_empty());
}

#[test]
fn shares_above_their_limits_a_bank_listed_twice_and_a_flow_past_its_bits_are_refused() {
    let too_much = FundParams { contribution_bps: MAX_SHARE_BPS + 1, ..FundParams::default() };
    let err =
        too_much.table(&HealthParams::default(), &registry(), EPOCH, 0, &members(), &reports()).unwrap_err();
    assert!(matches!(err, FundError::Share { name: "contribution_bps", .. }));
    let mut twice = members();
    twice[2].pool = 10;
    assert_eq!(table(&twice, &reports()).unwrap_err(), FundError::BankTwice(10));
    // A flow fills the line's top 61 bits: 2⁶¹ − 1 fits, 2⁶¹ does not.
    let mut big = members();
    big[0].activity.lent_by_purpose = [0; 5];
    big[0].activity.repaid = (1 << 61) - 1;
    table(&big, &reports()).unwrap();
    big[0].activity.lent_by_purpose[0] = 1;
    assert_eq!(
        table(&big, &reports()).unwrap_err(),
        FundError::FlowTooLarge { pool: big[0].pool, flow: 1 << 61 }
    );
}

fn split(a: &BankActivity, num: u64, den: u64) -> (BankActivity, BankActivity) {
    let part = |v: u64| ((u128::from(v) * u128::from(num)) / u128::from(den)) as u64;
    let first = BankActivity {
        lent_by_purpose: a.lent_by_purpose.map(part),
        repaid: part(a.repaid),
        written_down: part(a.written_down),
        pool_balance: part(a.pool_balance),
        receivable: part(a.receivable),
        voted: a.voted,
        voters: a.voters,
    };
    let mut second = first;
    for (s, (whole, f)) in
        second.lent_by_purpose.iter_mut().zip(a.lent_by_purpose.iter().zip(first.lent_by_purpose))
    {
        *s = whole - f;
    }
    second.repaid = a.repaid - first.repaid;
    second.written_down = a.written_down - first.written_down;
    second.pool_balance = a.pool_balance - first.pool_balance;
    second.receivable = a.receivable - first.receivable;
    (first, second)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// A bank split in two (every flow and balance divided, even lopsidedly) receives, net of
    /// what it pays in, at most what it did whole.
    #[test]
    fn splitting_a_bank_gains_nothing(
        balances in proptest::collection::vec((0u64..10_000_000, 0u64..5_000_000, 0u64..1_000_000, 0u64..1_000_000), 3),
        num in 0u64..=100,
        fund in 0u64..1_000_000,
        which in 0usize..3,
    ) {
        let mut members = members();
        for (m, &(b, r, l, p)) in members.iter_mut().zip(&balances) {
            m.activity = activity(b, r, l, p);
        }
        let run = |members: &[FundMember]| {
            FundParams::default().table(&HealthParams::default(), &registry(), EPOCH, fund, members, &reports()).unwrap()
        };
        let whole = run(&members);
        prop_assert!(whole.conserves());
        let (first, second) = split(&members[which].activity, num, 100);
        let mut parts = members.clone();
        parts[which].activity = first;
        parts.push(FundMember { pool: 99, bioregion: members[which].bioregion, activity: second });
        let halves = run(&parts);
        prop_assert!(halves.conserves());
        let net_whole = whole.lines[which].net();
        let net_split = halves.lines[which].net() + halves.lines[3].net();
        prop_assert!(net_split <= net_whole, "split {net_split} > whole {net_whole}");
    }
}

#[test]
fn need_reads_the_regional_data_only() {
    let p = HealthParams::default();
    assert!(need(&p, &values(GREECE)) > need(&p, &values(NORWAY)));
}
