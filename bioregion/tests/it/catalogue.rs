use ccr_bioregion::catalogue::spec;
use ccr_bioregion::{DataSource, Direction, Indicator, OecdStat, OwidBulk, SourceId, SourceKind, CATALOGUE};

use crate::data;

/// Every catalogue entry's code (of the sources shipped: OECD.Stat and OWID) is in the shipped
/// data for Germany, in the unit the catalogue says.
#[test]
fn every_entry_is_in_the_shipped_data_for_germany() {
    let mut obs =
        OecdStat::bli(SourceKind::CommunityWellbeing, 2020).parse(&data("oecd_bli.csv")).expect("bli");
    let columns: Vec<&str> = CATALOGUE
        .iter()
        .flat_map(|s| s.sources)
        .filter(|c| c.source == SourceId::Owid)
        .map(|c| c.code)
        .collect();
    obs.extend(OwidBulk::co2(&columns).parse(&data("owid-co2-bli-2015-2018.csv")).expect("owid"));
    for entry in CATALOGUE {
        let shipped: Vec<_> = entry
            .sources
            .iter()
            .filter(|c| matches!(c.source, SourceId::OecdStat | SourceId::Owid))
            .collect();
        assert!(!shipped.is_empty(), "{:?} has no shipped source", entry.indicator);
        for code in shipped {
            let found = obs
                .iter()
                .find(|o| {
                    o.source == code.source && o.region.as_str() == "DEU" && o.indicator.as_str() == code.code
                })
                .unwrap_or_else(|| panic!("{:?}: {} not in the shipped data", entry.indicator, code.code));
            assert!(found.value.is_some(), "{}", code.code);
            assert_eq!(found.unit.as_deref(), Some(code.unit), "{}", code.code);
        }
    }
}

#[test]
fn kinds_and_directions() {
    assert_eq!(CATALOGUE.len(), 8);
    let s = |i| spec(i).expect("in the catalogue");
    assert_eq!(s(Indicator::LongTermUnemployment).direction, Direction::LowerIsBetter);
    assert_eq!(s(Indicator::AirPollutionPm25).direction, Direction::LowerIsBetter);
    assert_eq!(s(Indicator::Co2PerCapita).direction, Direction::LowerIsBetter);
    assert_eq!(s(Indicator::EmploymentRate).direction, Direction::HigherIsBetter);
    assert_eq!(s(Indicator::SupportNetwork).kind, SourceKind::CommunityWellbeing);
    assert_eq!(s(Indicator::WaterQuality).kind, SourceKind::EcologicalHealth);
    assert_eq!(s(Indicator::EmploymentRate).kind, SourceKind::LocalBusiness);
    for kind in [SourceKind::LocalBusiness, SourceKind::EcologicalHealth, SourceKind::CommunityWellbeing] {
        assert!(CATALOGUE.iter().any(|e| e.kind == kind), "{kind:?}");
    }
}

/// The catalogue lists the health specification's indicators (`ccr_circuits::health`, what
/// reports sign and scores read) in the same order and with the same directions: a report's
/// value `i` is catalogue entry `i`.
#[test]
fn the_catalogue_is_the_health_specifications_indicator_list() {
    use ccr_bioregion::catalogue::{Direction, CATALOGUE};
    use ccr_circuits::health::{self, INDICATORS};
    assert_eq!(CATALOGUE.len(), INDICATORS.len());
    for (entry, spec) in CATALOGUE.iter().zip(INDICATORS) {
        assert_eq!(entry.name, spec.name);
        let direction = match entry.direction {
            Direction::HigherIsBetter => health::Direction::HigherIsBetter,
            Direction::LowerIsBetter => health::Direction::LowerIsBetter,
        };
        assert_eq!(direction, spec.direction, "{}", entry.name);
    }
}
