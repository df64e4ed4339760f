//! Object ids that encode their index, so resolving `starting_after=ch_…` is
//! O(1) instead of a lookup table. Fixed-width base-36 keeps string order equal
//! to index order, which makes "ties by id desc" agree with "index desc".

use std::fmt;

const DIGITS: &[u8; 36] = b"0123456789abcdefghijklmnopqrstuvwxyz";
/// 36^14 > u64::MAX, so every index fits.
const WIDTH: usize = 14;

/// `prefix` + 14 base-36 digits, e.g. `ch_000000000000a1`. Displays without allocating.
#[derive(Clone, Copy, Debug)]
pub struct Id(pub &'static str, pub u64);

impl fmt::Display for Id {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut buf = [b'0'; WIDTH];
        let mut n = self.1;
        for slot in buf.iter_mut().rev() {
            *slot = DIGITS[(n % 36) as usize];
            n /= 36;
        }
        f.write_str(self.0)?;
        // Only ASCII digits were written.
        f.write_str(std::str::from_utf8(&buf).unwrap_or_default())
    }
}

impl serde::Serialize for Id {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// Inverse of `Id`: the index, if `id` is `prefix` followed by 14 base-36 digits.
pub fn decode(prefix: &str, id: &str) -> Option<u64> {
    let digits = id.strip_prefix(prefix)?;
    if digits.len() != WIDTH {
        return None;
    }
    let mut n: u128 = 0;
    for b in digits.bytes() {
        let d = match b {
            b'0'..=b'9' => b - b'0',
            b'a'..=b'z' => b - b'a' + 10,
            _ => return None,
        };
        n = n * 36 + d as u128;
    }
    u64::try_from(n).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_orders() {
        for i in [0u64, 1, 35, 36, 1_000_000, u64::MAX] {
            let s = Id("ch_", i).to_string();
            assert_eq!(s.len(), 3 + WIDTH);
            assert_eq!(decode("ch_", &s), Some(i));
        }
        assert!(Id("ch_", 99).to_string() < Id("ch_", 100).to_string());
        assert_eq!(decode("cus_", "ch_00000000000001"), None);
        assert_eq!(decode("ch_", "ch_0000000000000!"), None);
    }
}
