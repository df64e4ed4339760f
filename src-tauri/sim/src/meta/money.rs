//! Meta's money. Amounts are whole numbers of the currency's minor unit (cents; yen) inside
//! the sim, and Meta writes them as a decimal string in the account currency with the
//! trailing zeros dropped: "5339.5", "12", "0.07"; a zero-decimal currency such as JPY
//! never has a point. Whole numbers inside mean the API, the truth endpoint and any sum a
//! test makes agree to the last digit.

/// Currencies the sim accepts for an ad account, with their decimal digits. Meta bills JPY,
/// KRW, CLP, VND, ISK and PYG in whole units.
const CURRENCIES: &[(&str, u32)] = &[
    ("USD", 2),
    ("EUR", 2),
    ("GBP", 2),
    ("CAD", 2),
    ("AUD", 2),
    ("NZD", 2),
    ("CHF", 2),
    ("SEK", 2),
    ("NOK", 2),
    ("DKK", 2),
    ("PLN", 2),
    ("CZK", 2),
    ("BRL", 2),
    ("MXN", 2),
    ("INR", 2),
    ("SGD", 2),
    ("HKD", 2),
    ("CNY", 2),
    ("AED", 2),
    ("TRY", 2),
    ("JPY", 0),
    ("KRW", 0),
    ("CLP", 0),
    ("VND", 0),
    ("ISK", 0),
    ("PYG", 0),
];

/// Decimal digits of a known currency (ISO code, upper case).
pub fn digits(currency: &str) -> Option<u32> {
    CURRENCIES.iter().find(|(c, _)| *c == currency).map(|(_, d)| *d)
}

pub fn known() -> impl Iterator<Item = &'static str> {
    CURRENCIES.iter().map(|(c, _)| *c)
}

/// Minor units written as Meta's decimal string: 533950 → "5339.5", 1200 → "12", 7 → "0.07"
/// (two digits); 1234 → "1234" (none).
pub struct Decimal(pub u64, pub u32);

impl std::fmt::Display for Decimal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let Decimal(minor, digits) = *self;
        if digits == 0 {
            return write!(f, "{minor}");
        }
        let unit = 10u64.pow(digits);
        let (whole, mut frac, mut width) = (minor / unit, minor % unit, digits as usize);
        if frac == 0 {
            return write!(f, "{whole}");
        }
        while frac % 10 == 0 {
            frac /= 10;
            width -= 1;
        }
        write!(f, "{whole}.{frac:0width$}")
    }
}

pub fn decimal(minor: u64, digits: u32) -> String {
    Decimal(minor, digits).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimals_drop_trailing_zeros() {
        assert_eq!(decimal(533_950, 2), "5339.5");
        assert_eq!(decimal(1_200, 2), "12");
        assert_eq!(decimal(7, 2), "0.07");
        assert_eq!(decimal(70, 2), "0.7");
        assert_eq!(decimal(0, 2), "0");
        assert_eq!(decimal(100_001, 2), "1000.01");
        assert_eq!(decimal(1_234, 0), "1234");
        assert_eq!(decimal(0, 0), "0");
        assert_eq!(decimal(1_000, 3), "1");
        assert_eq!(decimal(1_050, 3), "1.05");
    }

    #[test]
    fn currencies() {
        assert_eq!(digits("USD"), Some(2));
        assert_eq!(digits("JPY"), Some(0));
        assert_eq!(digits("usd"), None);
        assert_eq!(digits("XYZ"), None);
        assert!(known().any(|c| c == "EUR"));
    }
}
