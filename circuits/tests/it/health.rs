//! Signed indicator reports (issue 11, item 2, native side): a report signs and verifies,
//! each field tampered with alone breaks the signature, a credit attestation's signature is
//! no report's, and the median per indicator outvotes one lying attester.

use ccr_circuits::babyjubjub::eddsa::PrivateKey;
use ccr_circuits::credit::attestation_message;
use ccr_circuits::health::{
    conservative_median, medians, report_domain, Direction, IndicatorReport, ReportError, SignedReport,
    INDICATORS, MAX_VALUE_MAGNITUDE, N_INDICATORS, SCALE,
};
use ccr_circuits::Fr;

fn key(n: u8) -> PrivateKey {
    PrivateKey::from_bytes([n; 32])
}

/// Germany's totals in the OECD Better Life Index file the project ships data from (employment
/// 75 %, long-term unemployment 1.57 %, PM2.5 14, water 91 %, attainment 87 %, skills 508,
/// support 90 %), scaled; CO₂ per capita (another source) missing.
fn report() -> IndicatorReport {
    let v = |x: f64| Some((x * SCALE as f64).round() as i64);
    IndicatorReport {
        bioregion: 3,
        epoch: 7,
        data_year: 2022,
        source_digest: [0xab; 32],
        values: [v(75.0), v(1.57), None, v(14.0), v(91.0), v(87.0), v(508.0), v(90.0)],
    }
}

#[test]
fn a_signed_report_verifies_and_each_tampered_field_does_not() {
    let signed = SignedReport::sign(&key(1), report()).unwrap();
    signed.verify().unwrap();
    let tampered: Vec<(&str, IndicatorReport)> = vec![
        ("bioregion", IndicatorReport { bioregion: 4, ..report() }),
        ("epoch", IndicatorReport { epoch: 8, ..report() }),
        ("data year", IndicatorReport { data_year: 2023, ..report() }),
        ("digest", IndicatorReport { source_digest: [0xac; 32], ..report() }),
        ("a value", {
            let mut r = report();
            r.values[1] = Some(15_701);
            r
        }),
        // A missing value is not a zero: the presence mask is signed.
        ("a missing value made zero", {
            let mut r = report();
            r.values[2] = Some(0);
            r
        }),
    ];
    for (what, r) in tampered {
        let forged = SignedReport { report: r, ..signed.clone() };
        assert!(matches!(forged.verify(), Err(ReportError::Signature(_))), "{what}");
    }
    let other = SignedReport { attester: key(2).public_key(), ..signed };
    assert!(matches!(other.verify(), Err(ReportError::Signature(_))), "another attester");
}

#[test]
fn reports_are_domain_separated_from_credit_attestations() {
    let r = report();
    // The message starts from the tag, and differs from any attestation message built from
    // its own elements.
    assert_ne!(r.message(), attestation_message(r.message(), 0));
    assert_ne!(report_domain(), Fr::from(0u64));
    let attestation = key(1).sign_poseidon(attestation_message(Fr::from(5u64), 0));
    let forged = SignedReport { report: r, attester: key(1).public_key(), signature: attestation };
    assert!(forged.verify().is_err());
}

#[test]
fn out_of_range_and_empty_reports_are_refused() {
    let mut r = report();
    for v in [MAX_VALUE_MAGNITUDE, -MAX_VALUE_MAGNITUDE - 1, i64::MIN] {
        r.values[0] = Some(v);
        assert!(matches!(
            SignedReport::sign(&key(1), r.clone()),
            Err(ReportError::ValueOutOfRange { index: 0, .. })
        ));
    }
    r.values[0] = Some(-MAX_VALUE_MAGNITUDE);
    SignedReport::sign(&key(1), r.clone()).unwrap();
    r.values[0] = Some(MAX_VALUE_MAGNITUDE - 1);
    SignedReport::sign(&key(1), r).unwrap();
    let empty = IndicatorReport { values: [None; N_INDICATORS], ..report() };
    assert_eq!(SignedReport::sign(&key(1), empty), Err(ReportError::Empty));
}

#[test]
fn one_lying_attester_among_three_moves_no_median() {
    let honest = report();
    let mut liar = report();
    liar.values = liar.values.map(|v| v.map(|x| x * 100));
    let mut other = report();
    other.values[0] = Some(740_000); // a slightly different honest reading
    let m = medians(&[&honest, &liar, &other]);
    assert_eq!(m[0], Some(750_000));
    assert_eq!(m[1..], honest.values[1..]);
    // With two present, the worse of the two for the score.
    assert_eq!(conservative_median(&[Some(3), None, Some(5)], Direction::HigherIsBetter), Some(3));
    assert_eq!(conservative_median(&[Some(3), None, Some(5)], Direction::LowerIsBetter), Some(5));
    assert_eq!(conservative_median(&[None, None], Direction::LowerIsBetter), None);
    // Missing everywhere stays missing.
    assert_eq!(m[2], None);
    assert_eq!(INDICATORS.len(), N_INDICATORS);
}
