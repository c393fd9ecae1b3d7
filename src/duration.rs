//! Go's duration syntax (`time.ParseDuration`): `500ms`, `90s`, `1.5h`,
//! `2h45m30.5s`. Operators copy these values from the original's configs, so
//! we accept exactly what Go accepts, minus negative durations, which no
//! setting of ours can use.

use std::fmt;
use std::time::Duration;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    pub input: String,
    pub reason: &'static str,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "invalid duration {:?}: {} (examples: 500ms, 90s, 60m, 1.5h, 1h30m)",
            self.input, self.reason
        )
    }
}

impl std::error::Error for ParseError {}

const UNITS: &[(&str, u64)] = &[
    ("ns", 1),
    ("us", 1_000),
    ("µs", 1_000),
    ("μs", 1_000),
    ("ms", 1_000_000),
    ("s", 1_000_000_000),
    ("m", 60 * 1_000_000_000),
    ("h", 3600 * 1_000_000_000),
];

/// Parses a Go duration string.
pub fn parse(input: &str) -> Result<Duration, ParseError> {
    let fail = |reason| ParseError {
        input: input.to_owned(),
        reason,
    };
    let negative = input.starts_with('-');
    let mut rest = input.strip_prefix(['-', '+']).unwrap_or(input);
    // Go accepts a bare "0" and nothing else without a unit.
    if rest == "0" {
        return Ok(Duration::ZERO);
    }
    if rest.is_empty() {
        return Err(fail("empty"));
    }
    let mut total: u64 = 0;
    while !rest.is_empty() {
        let int_len = rest.bytes().take_while(u8::is_ascii_digit).count();
        let (int_part, after_int) = rest.split_at(int_len);
        let (frac_part, after_num) = match after_int.strip_prefix('.') {
            Some(after_dot) => {
                let frac_len = after_dot.bytes().take_while(u8::is_ascii_digit).count();
                after_dot.split_at(frac_len)
            }
            None => ("", after_int),
        };
        if int_part.is_empty() && frac_part.is_empty() {
            return Err(fail("expected a number"));
        }
        let unit_len = after_num
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(after_num.len());
        let (unit, next) = after_num.split_at(unit_len);
        if unit.is_empty() {
            return Err(fail("missing unit"));
        }
        let scale = UNITS
            .iter()
            .find(|(name, _)| *name == unit)
            .map(|(_, nanos)| *nanos)
            .ok_or_else(|| fail("unknown unit (use ns, us, ms, s, m or h)"))?;
        let whole = parse_u64(int_part)
            .and_then(|n| n.checked_mul(scale))
            .ok_or_else(|| fail("too large"))?;
        total = total.checked_add(whole).ok_or_else(|| fail("too large"))?;
        total = total
            .checked_add(fraction_nanos(frac_part, scale))
            .ok_or_else(|| fail("too large"))?;
        rest = next;
    }
    // Go keeps durations in an int64 of nanoseconds.
    if total > i64::MAX as u64 {
        return Err(fail("too large"));
    }
    if negative && total > 0 {
        return Err(fail("must not be negative"));
    }
    Ok(Duration::from_nanos(total))
}

fn parse_u64(digits: &str) -> Option<u64> {
    if digits.is_empty() {
        return Some(0);
    }
    digits.parse().ok()
}

/// `0.frac` of `scale` nanoseconds, truncated like Go does.
fn fraction_nanos(frac: &str, scale: u64) -> u64 {
    let mut value: u128 = 0;
    let mut divisor: u128 = 1;
    for digit in frac.bytes().take(30) {
        value = value * 10 + u128::from(digit - b'0');
        divisor *= 10;
    }
    (value * u128::from(scale) / divisor) as u64
}

/// Formats a duration compactly for messages: `1h`, `1h30m`, `42s`, `1.5s`,
/// `500ms`.
pub fn display(d: Duration) -> String {
    let nanos = d.as_nanos();
    if nanos == 0 {
        return "0s".to_owned();
    }
    if nanos < 1_000_000_000 {
        return if nanos % 1_000_000 == 0 {
            format!("{}ms", nanos / 1_000_000)
        } else if nanos % 1_000 == 0 {
            format!("{}us", nanos / 1_000)
        } else {
            format!("{nanos}ns")
        };
    }
    let secs = d.as_secs();
    let (h, m, s) = (secs / 3600, secs / 60 % 60, secs % 60);
    let mut out = String::new();
    if h > 0 {
        out += &format!("{h}h");
    }
    if m > 0 {
        out += &format!("{m}m");
    }
    let sub_ms = d.subsec_millis();
    if sub_ms > 0 {
        let frac = format!("{sub_ms:03}");
        out += &format!("{s}.{}s", frac.trim_end_matches('0'));
    } else if s > 0 {
        out += &format!("{s}s");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    #[test]
    fn accepts_go_syntax() {
        assert_eq!(parse("500ms"), Ok(ms(500)));
        assert_eq!(parse("90s"), Ok(ms(90_000)));
        assert_eq!(parse("60m"), Ok(ms(3_600_000)));
        assert_eq!(parse("1.5h"), Ok(ms(5_400_000)));
        assert_eq!(parse("1h30m"), Ok(ms(5_400_000)));
        assert_eq!(parse("2h45m30.5s"), Ok(ms(9_930_500)));
        assert_eq!(parse("0"), Ok(Duration::ZERO));
        assert_eq!(parse("+5s"), Ok(ms(5000)));
        assert_eq!(parse(".5s"), Ok(ms(500)));
        assert_eq!(parse("1.s"), Ok(ms(1000)));
        assert_eq!(parse("10us"), Ok(Duration::from_micros(10)));
        assert_eq!(parse("10µs"), Ok(Duration::from_micros(10)));
        assert_eq!(parse("3ns"), Ok(Duration::from_nanos(3)));
        assert_eq!(
            parse("1h1m1s1ms1us1ns"),
            Ok(Duration::from_nanos(3_661_001_001_001))
        );
    }

    #[test]
    fn fractions_truncate_like_go() {
        assert_eq!(
            parse("1.0000000009s"),
            Ok(Duration::from_nanos(1_000_000_000))
        );
        assert_eq!(
            parse("0.3333333333333h"),
            Ok(Duration::from_nanos(1_199_999_999_999))
        );
    }

    #[test]
    fn rejects_what_go_rejects() {
        for bad in [
            "", "1", "s", "1x", "1.5", ".s", "1h 30m", "h1", "1hh", "--1s", "1e3s",
        ] {
            assert!(parse(bad).is_err(), "{bad:?} should be rejected");
        }
    }

    #[test]
    fn rejects_negative_and_overflow() {
        assert_eq!(parse("-1s").unwrap_err().reason, "must not be negative");
        assert_eq!(parse("-0"), Ok(Duration::ZERO));
        assert_eq!(parse("-0s"), Ok(Duration::ZERO));
        assert_eq!(
            parse("9223372036854775807ns"),
            Ok(Duration::from_nanos(i64::MAX as u64))
        );
        assert!(parse("9223372036854775808ns").is_err());
        assert!(parse("3000000h").is_err());
        assert!(parse("99999999999999999999999s").is_err());
    }

    #[test]
    fn error_names_the_value() {
        let message = parse("10 minutes").unwrap_err().to_string();
        assert!(message.contains("\"10 minutes\""), "{message}");
    }

    #[test]
    fn displays_compactly() {
        assert_eq!(display(ms(3_600_000)), "1h");
        assert_eq!(display(ms(5_400_000)), "1h30m");
        assert_eq!(display(ms(42_000)), "42s");
        assert_eq!(display(ms(1_500)), "1.5s");
        assert_eq!(display(ms(500)), "500ms");
        assert_eq!(display(Duration::ZERO), "0s");
        assert_eq!(display(ms(3_661_000)), "1h1m1s");
    }
}
