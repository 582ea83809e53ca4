//! Amounts as people write them: `0.25` in the rollup's asset (ETH, or the ERC-20's own
//! decimals), converted exactly to L2 units.
//!
//! The rollup counts in **L2 units**: one L2 unit is `unit` base units of the asset (the
//! contract's immutable `unit`; 1 gwei for ETH). Transfers, exits and repayments also carry
//! their amount in 40 bits (`mantissa · 10^exponent`, mantissa below 2³⁵), so above 2³⁵ L2 units
//! only amounts with trailing zeros travel. An amount that is not a whole number of L2 units,
//! or that those 40 bits cannot carry, is refused with the nearest amounts that work: never
//! rounded silently.

use std::fmt;
use std::str::FromStr;

use ccr_circuits::state::amount::Float40;
use serde::{Deserialize, Serialize};

/// The rollup's asset: what an L2 unit is worth and how people write it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Asset {
    /// Its symbol (`ETH`, or the token's `symbol()`).
    pub symbol: String,
    /// Decimals of one whole token (18 for ETH, the token's `decimals()`).
    pub decimals: u8,
    /// Base units (wei, or the token's smallest unit) per L2 unit: the contract's `unit`.
    #[serde(with = "dec_u128")]
    pub unit: u128,
}

/// Why an amount was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AmountError {
    /// Not a decimal number (`12`, `0.25`, `.5`).
    #[error("{0:?} is not an amount: write a decimal number such as 12, 0.25 or .5")]
    Syntax(String),
    /// More decimals than the asset has.
    #[error("{input} has {got} decimals; {symbol} has {max}")]
    TooManyDecimals {
        /// As typed.
        input: String,
        /// Decimals typed.
        got: usize,
        /// The asset's decimals.
        max: u8,
        /// The asset's symbol.
        symbol: String,
    },
    /// Zero.
    #[error("the amount must be above zero")]
    Zero,
    /// Beyond what the rollup counts (2⁶⁴ − 1 L2 units).
    #[error("{input} {symbol} is more than the rollup can count (at most {max} {symbol})")]
    Overflow {
        /// As typed.
        input: String,
        /// The largest amount, formatted.
        max: String,
        /// The asset's symbol.
        symbol: String,
    },
    /// Not a whole number of L2 units, or not carried exactly by the 40-bit encoding.
    #[error("{input} {symbol} {why}; the nearest amounts it can carry are {below} and {above} {symbol}")]
    NotRepresentable {
        /// As typed.
        input: String,
        /// Why not.
        why: String,
        /// The nearest carried amount below (formatted; `0` if none).
        below: String,
        /// The nearest carried amount above (formatted).
        above: String,
        /// The asset's symbol.
        symbol: String,
    },
}

/// A decimal amount as typed, before it meets an asset: `[digits][.digits]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecimalAmount {
    text: String,
    int: String,
    frac: String,
}

impl FromStr for DecimalAmount {
    type Err = AmountError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = s.trim().replace('_', "");
        let (int, frac) = t.split_once('.').unwrap_or((&t, ""));
        let digits = |x: &str| x.bytes().all(|b| b.is_ascii_digit());
        if (int.is_empty() && frac.is_empty()) || !digits(int) || !digits(frac) {
            return Err(AmountError::Syntax(s.to_owned()));
        }
        Ok(Self { text: s.trim().to_owned(), int: int.to_owned(), frac: frac.to_owned() })
    }
}

impl fmt::Display for DecimalAmount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl DecimalAmount {
    /// The amount in L2 units, `l2_units` taken literally (no asset: `--l2-units`).
    ///
    /// # Errors
    ///
    /// [`AmountError::Syntax`] for decimals, [`AmountError::Zero`], [`AmountError::Overflow`].
    pub fn as_l2_units(&self) -> Result<u64, AmountError> {
        if self.frac.trim_end_matches('0').is_empty() {
            let n: u128 = parse_digits(&self.int).ok_or_else(|| self.overflow(&Asset::l2_units()))?;
            let n = u64::try_from(n).map_err(|_| self.overflow(&Asset::l2_units()))?;
            return if n == 0 { Err(AmountError::Zero) } else { Ok(n) };
        }
        Err(AmountError::Syntax(format!("{} (L2 units are whole numbers)", self.text)))
    }

    fn overflow(&self, asset: &Asset) -> AmountError {
        AmountError::Overflow {
            input: self.text.clone(),
            max: asset.format(u64::MAX),
            symbol: asset.symbol.clone(),
        }
    }
}

fn parse_digits(s: &str) -> Option<u128> {
    if s.is_empty() {
        return Some(0);
    }
    s.parse().ok()
}

impl Asset {
    /// ETH with one L2 unit per gwei (the default deployment).
    pub fn eth(unit: u128) -> Self {
        Self { symbol: "ETH".to_owned(), decimals: 18, unit }
    }

    /// L2 units themselves (`--l2-units`): no decimals, one base unit each.
    pub fn l2_units() -> Self {
        Self { symbol: "L2 units".to_owned(), decimals: 0, unit: 1 }
    }

    fn scale(&self) -> u128 {
        10u128.pow(u32::from(self.decimals.min(38)))
    }

    /// The amount typed, in L2 units: any whole number of L2 units (deposits, credit amounts).
    ///
    /// # Errors
    ///
    /// [`AmountError::TooManyDecimals`], [`AmountError::Zero`], [`AmountError::Overflow`], and
    /// [`AmountError::NotRepresentable`] for a fraction of an L2 unit.
    pub fn parse(&self, a: &DecimalAmount) -> Result<u64, AmountError> {
        if a.frac.trim_end_matches('0').len() > usize::from(self.decimals) {
            return Err(AmountError::TooManyDecimals {
                input: a.text.clone(),
                got: a.frac.trim_end_matches('0').len(),
                max: self.decimals,
                symbol: self.symbol.clone(),
            });
        }
        let frac = a.frac.trim_end_matches('0');
        let padded = format!("{frac:0<width$}", width = usize::from(self.decimals));
        let base = parse_digits(&a.int)
            .and_then(|i| i.checked_mul(self.scale()))
            .and_then(|i| parse_digits(&padded).and_then(|f| i.checked_add(f)))
            .ok_or_else(|| a.overflow(self))?;
        if base == 0 {
            return Err(AmountError::Zero);
        }
        let units = base / self.unit;
        if base % self.unit != 0 {
            let below = u64::try_from(units).map(|u| self.format(u)).unwrap_or_else(|_| "0".to_owned());
            let above = u64::try_from(units + 1).map_err(|_| a.overflow(self))?;
            return Err(AmountError::NotRepresentable {
                input: a.text.clone(),
                why: format!(
                    "is not a whole number of L2 units (1 L2 unit = {} {})",
                    self.format(1),
                    self.symbol
                ),
                below,
                above: self.format(above),
                symbol: self.symbol.clone(),
            });
        }
        u64::try_from(units).map_err(|_| a.overflow(self))
    }

    /// The amount typed, in L2 units, for a transfer, an exit or a repayment: also exactly
    /// carried by the 40-bit encoding.
    ///
    /// # Errors
    ///
    /// As [`Asset::parse`], and [`AmountError::NotRepresentable`] with the nearest amounts the
    /// encoding carries.
    pub fn parse_transfer(&self, a: &DecimalAmount) -> Result<u64, AmountError> {
        let units = self.parse(a)?;
        if Float40::encode(units).is_ok() {
            return Ok(units);
        }
        let (below, above) = float40_neighbours(units);
        Err(AmountError::NotRepresentable {
            input: a.text.clone(),
            why: "has more significant digits than a transaction carries (a 35-bit mantissa times a power of ten)"
                .to_owned(),
            below: self.format(below),
            above: above.map_or_else(|| "none".to_owned(), |x| self.format(x)),
            symbol: self.symbol.clone(),
        })
    }

    /// `units` L2 units in the asset, without trailing zeros (`0.25`, `12`).
    pub fn format(&self, units: u64) -> String {
        let base = u128::from(units).checked_mul(self.unit);
        let Some(base) = base else {
            return format!("{units} L2 units");
        };
        let scale = self.scale();
        let (int, frac) = (base / scale, base % scale);
        if frac == 0 {
            return int.to_string();
        }
        let frac = format!("{frac:0>width$}", width = usize::from(self.decimals));
        format!("{int}.{}", frac.trim_end_matches('0'))
    }

    /// `units` with the symbol: `0.25 ETH`.
    pub fn show(&self, units: u64) -> String {
        format!("{} {}", self.format(units), self.symbol)
    }
}

/// The largest amount the 40-bit encoding carries at or below `x`, and the smallest above it.
fn float40_neighbours(x: u64) -> (u64, Option<u64>) {
    let mantissa_end = 1u64 << ccr_circuits::state::amount::MANTISSA_BITS;
    // The step at x's magnitude: the smallest power of ten that brings x under 2³⁵.
    let mut step = 1u64;
    while x / step >= mantissa_end {
        step *= 10;
    }
    let below = x / step * step;
    let above = below.checked_add(step).filter(|&a| Float40::encode(a).is_ok()).or_else(|| {
        step.checked_mul(10).and_then(|s| (x / s).checked_add(1)).and_then(|m| m.checked_mul(step * 10))
    });
    (below, above.filter(|&a| Float40::encode(a).is_ok()))
}

/// The asset of the rollup `client` is connected to, read from L1: the contract's `unit`, and
/// `ETH`/18 or the token's `symbol()`/`decimals()`.
///
/// # Errors
///
/// L1's errors; [`ccr_l1::L1Error::Data`] for a unit beyond 128 bits.
pub async fn asset_of(client: &ccr_l1::client::L1Client) -> Result<Asset, ccr_l1::L1Error> {
    let (symbol, decimals) = client.asset_metadata().await?;
    let unit = u128::try_from(client.config().unit)
        .map_err(|_| ccr_l1::L1Error::Data("the rollup's unit exceeds 128 bits".to_owned()))?;
    Ok(Asset { symbol, decimals, unit })
}

mod dec_u128 {
    use serde::{Deserialize, Deserializer, Serializer};

    pub(super) fn serialize<S: Serializer>(x: &u128, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&x.to_string())
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<u128, D::Error> {
        let s = String::deserialize(d)?;
        let x: u128 = s.parse().map_err(serde::de::Error::custom)?;
        if x == 0 {
            return Err(serde::de::Error::custom("unit must be above zero"));
        }
        Ok(x)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // tests: a panic is a failure with its location
mod tests {
    use super::*;

    fn eth() -> Asset {
        Asset::eth(1_000_000_000)
    }

    fn cst() -> Asset {
        // The test token: 6 decimals, one L2 unit per base unit.
        Asset { symbol: "CST".to_owned(), decimals: 6, unit: 1 }
    }

    fn d(s: &str) -> DecimalAmount {
        s.parse().unwrap()
    }

    #[test]
    fn round_trips() {
        for (typed, units) in
            [("0.25", 250_000_000), ("1", 1_000_000_000), (".5", 500_000_000), ("0.000000001", 1)]
        {
            let u = eth().parse(&d(typed)).unwrap();
            assert_eq!(u, units, "{typed}");
            assert_eq!(
                eth().format(u).parse::<DecimalAmount>().map(|x| eth().parse(&x).unwrap()).unwrap(),
                u
            );
        }
        assert_eq!(eth().format(250_000_000), "0.25");
        assert_eq!(eth().show(12_000_000_000), "12 ETH");
        assert_eq!(cst().parse(&d("2.5")).unwrap(), 2_500_000);
        assert_eq!(cst().format(2_500_000), "2.5");
        assert_eq!(eth().parse(&d("1_000")).unwrap(), 1_000_000_000_000);
        assert_eq!(eth().parse(&d("0.2500")).unwrap(), 250_000_000, "trailing zeros are not decimals");
    }

    #[test]
    fn syntax_is_refused() {
        for bad in ["", ".", "ten", "-1", "1e3", "1.2.3", "0x10", " "] {
            assert!(matches!(bad.parse::<DecimalAmount>(), Err(AmountError::Syntax(_))), "{bad:?}");
        }
    }

    #[test]
    fn too_many_decimals() {
        let e = cst().parse(&d("0.1234567")).unwrap_err();
        assert_eq!(e.to_string(), "0.1234567 has 7 decimals; CST has 6");
    }

    #[test]
    fn a_fraction_of_an_l2_unit_names_its_neighbours() {
        let e = eth().parse(&d("0.2500000001")).unwrap_err();
        assert_eq!(
            e.to_string(),
            "0.2500000001 ETH is not a whole number of L2 units (1 L2 unit = 0.000000001 ETH); \
             the nearest amounts it can carry are 0.25 and 0.250000001 ETH"
        );
    }

    #[test]
    fn not_representable_in_40_bits_names_its_neighbours() {
        // 2³⁵ + 1 L2 units: needs 36 bits of mantissa and ends in 9.
        let units = (1u64 << 35) + 1;
        let typed = eth().format(units);
        assert!(eth().parse(&d(&typed)).is_ok(), "a deposit takes any whole number of units");
        let e = eth().parse_transfer(&d(&typed)).unwrap_err();
        let AmountError::NotRepresentable { below, above, .. } = &e else { panic!("{e}") };
        assert_eq!(eth().parse_transfer(&d(below)).unwrap(), 34_359_738_360);
        assert_eq!(eth().parse_transfer(&d(above)).unwrap(), 34_359_738_370);
        assert!(e.to_string().contains("significant digits"), "{e}");
        // Just under 2³⁵: any value carries.
        assert_eq!(eth().parse_transfer(&d(&eth().format((1 << 35) - 1))).unwrap(), (1 << 35) - 1);
    }

    #[test]
    fn neighbours_cross_a_magnitude() {
        // 343,597,383,679 (= 2³⁵·10 − 1 with exponent 1): below is ...670, above 343,597,383,680
        // has mantissa 2³⁵ at exponent 1, not carried: the next is at exponent 2.
        let x = 343_597_383_679;
        let (below, above) = float40_neighbours(x);
        assert_eq!(below, 343_597_383_670);
        assert!(Float40::encode(below).is_ok());
        let above = above.unwrap();
        assert!(above > x && Float40::encode(above).is_ok(), "{above}");
        assert_eq!(above, 343_597_383_700);
    }

    #[test]
    fn zero_and_overflow() {
        assert_eq!(eth().parse(&d("0")).unwrap_err(), AmountError::Zero);
        assert_eq!(eth().parse(&d("0.000")).unwrap_err(), AmountError::Zero);
        let e = eth().parse(&d("18446744074")).unwrap_err();
        assert_eq!(
            e.to_string(),
            "18446744074 ETH is more than the rollup can count (at most 18446744073.709551615 ETH)"
        );
        let e = eth().parse(&d("999999999999999999999999999999999999999999")).unwrap_err();
        assert!(matches!(e, AmountError::Overflow { .. }), "{e}");
    }

    #[test]
    fn l2_units_literally() {
        assert_eq!(d("250").as_l2_units().unwrap(), 250);
        assert_eq!(d("250.0").as_l2_units().unwrap(), 250);
        assert!(matches!(d("2.5").as_l2_units(), Err(AmountError::Syntax(_))));
        assert_eq!(d("0").as_l2_units().unwrap_err(), AmountError::Zero);
        assert!(matches!(d("18446744073709551616").as_l2_units(), Err(AmountError::Overflow { .. })));
    }

    #[test]
    fn asset_serde() {
        let json = serde_json::to_string(&eth()).unwrap();
        assert_eq!(json, r#"{"symbol":"ETH","decimals":18,"unit":"1000000000"}"#);
        assert_eq!(serde_json::from_str::<Asset>(&json).unwrap(), eth());
        assert!(serde_json::from_str::<Asset>(r#"{"symbol":"X","decimals":1,"unit":"0"}"#).is_err());
    }
}
