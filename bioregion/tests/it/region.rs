use ccr_bioregion::RegionCode;

#[test]
fn iso_alpha_3_codes() {
    assert_eq!(RegionCode::iso3("DEU").map(|r| r.to_string()), Some("DEU".into()));
    for bad in ["DE", "deu", "DEUT", "OWID_WRL", "", "D1U", "ÄÖÜ"] {
        assert_eq!(RegionCode::iso3(bad), None, "{bad}");
    }
}

#[test]
fn nuts_codes() {
    for good in ["DE", "DE2", "DE21", "DE212", "FR1", "FRK2"] {
        assert!(RegionCode::nuts(good).is_some(), "{good}");
    }
    for bad in ["D", "de21", "EU27_2020", "DE2123", "2DE", ""] {
        assert_eq!(RegionCode::nuts(bad), None, "{bad}");
    }
    assert_eq!(RegionCode::parse("DEU").map(|r| r.as_str().to_owned()), Some("DEU".into()));
}
