//! Go's `strconv.FormatFloat` for float64: shortest and fixed-precision
//! digits computed exactly (big-integer arithmetic), then laid out in the
//! `e`, `f`, `g`, `b` and `x` formats.

const LOWER_DIGITS: &[u8; 17] = b"0123456789abcdefx";
const UPPER_DIGITS: &[u8; 17] = b"0123456789ABCDEFX";
/// Decimal digits of a non-negative finite number: `0.d₀d₁… × 10^dp`,
/// no trailing zeros; zero has no digits.
struct Decimal {
    d: Vec<u8>,
    dp: i64,
}

impl Decimal {
    fn nd(&self) -> i64 {
        self.d.len() as i64
    }

    /// Rounds to `nd` digits, ties to even (Go's `decimal.Round`).
    fn round(&mut self, nd: i64) {
        if nd < 0 || nd >= self.nd() {
            return;
        }
        let n = nd as usize;
        let up = if self.d[n] == b'5' && n + 1 == self.d.len() {
            n > 0 && (self.d[n - 1] - b'0') % 2 != 0
        } else {
            self.d[n] >= b'5'
        };
        if up {
            for i in (0..n).rev() {
                if self.d[i] < b'9' {
                    self.d[i] += 1;
                    self.d.truncate(i + 1);
                    return;
                }
            }
            self.d.clear();
            self.d.push(b'1');
            self.dp += 1;
        } else {
            self.d.truncate(n);
            self.trim();
        }
    }

    fn trim(&mut self) {
        while self.d.last() == Some(&b'0') {
            self.d.pop();
        }
        if self.d.is_empty() {
            self.dp = 0;
        }
    }

    fn reads_back_as(&self, v: f64) -> bool {
        let text = format!("0.{}e{}", String::from_utf8_lossy(&self.d), self.dp);
        text.parse::<f64>() == Ok(v)
    }

    fn digit(&self, j: i64) -> u8 {
        if j >= 0 && j < self.nd() {
            self.d[j as usize]
        } else {
            b'0'
        }
    }
}

/// The shortest digits that read back as `v`, as Go's Ryu picks them.
///
/// Rust's `{:e}` finds the same number of digits, but where two candidates
/// of that length are equally close to `v` it rounds up while Go rounds to
/// even (`7.687968747989412e+14`, not `…413e+14`). Go's choice is `v`
/// rounded half to even at that length, unless that falls outside the
/// values that read back as `v`, in which case both pick the neighbour.
fn shortest_digits(v: f64) -> Decimal {
    if v == 0.0 {
        return Decimal {
            d: Vec::new(),
            dp: 0,
        };
    }
    let s = format!("{v:e}");
    let (mantissa, exp) = s.split_once('e').unwrap_or((&s, "0"));
    let exp: i64 = exp.parse().unwrap_or(0);
    let mut candidate = Decimal {
        d: mantissa.bytes().filter(u8::is_ascii_digit).collect(),
        dp: exp + 1,
    };
    candidate.trim();
    let mut rounded = exact_digits(v);
    rounded.round(candidate.nd());
    if (rounded.d != candidate.d || rounded.dp != candidate.dp) && rounded.reads_back_as(v) {
        return rounded;
    }
    candidate
}

/// All the digits of `v` (an f64 is a dyadic rational, so they end).
fn exact_digits(v: f64) -> Decimal {
    let (mant, exp2) = decompose(v);
    if mant == 0 {
        return Decimal {
            d: Vec::new(),
            dp: 0,
        };
    }
    let mut big = BigUint::from_u64(mant);
    let mut scale = 0i64;
    if exp2 >= 0 {
        big.shl(exp2 as u32);
    } else {
        // mant / 2^k = mant * 5^k / 10^k
        let mut k = -exp2;
        scale = k;
        while k >= 13 {
            big.mul_small(1_220_703_125); // 5^13
            k -= 13;
        }
        big.mul_small(5u32.pow(k as u32));
    }
    let d = big.into_decimal();
    let mut dec = Decimal {
        dp: d.len() as i64 - scale,
        d,
    };
    dec.trim();
    dec
}

/// `v` (finite, non-negative) as `mant × 2^exp`.
fn decompose(v: f64) -> (u64, i64) {
    let bits = v.to_bits();
    let biased = ((bits >> 52) & 0x7ff) as i64;
    let frac = bits & ((1 << 52) - 1);
    if biased == 0 {
        (frac, -1074)
    } else {
        (frac | (1 << 52), biased - 1075)
    }
}

/// Just enough of an unsigned big integer for exact float expansion.
struct BigUint {
    limbs: Vec<u32>, // little-endian
}

impl BigUint {
    fn from_u64(n: u64) -> BigUint {
        BigUint {
            limbs: vec![n as u32, (n >> 32) as u32],
        }
    }

    fn mul_small(&mut self, m: u32) {
        let mut carry = 0u64;
        for limb in &mut self.limbs {
            let t = u64::from(*limb) * u64::from(m) + carry;
            *limb = t as u32;
            carry = t >> 32;
        }
        if carry > 0 {
            self.limbs.push(carry as u32);
        }
    }

    fn shl(&mut self, bits: u32) {
        let words = (bits / 32) as usize;
        let rest = bits % 32;
        if rest > 0 {
            let mut carry = 0u32;
            for limb in &mut self.limbs {
                let t = (*limb << rest) | carry;
                carry = *limb >> (32 - rest);
                *limb = t;
            }
            if carry > 0 {
                self.limbs.push(carry);
            }
        }
        self.limbs.splice(0..0, std::iter::repeat_n(0, words));
    }

    fn into_decimal(mut self) -> Vec<u8> {
        const CHUNK: u64 = 1_000_000_000;
        let mut chunks = Vec::new();
        while self.limbs.last() == Some(&0) {
            self.limbs.pop();
        }
        while !self.limbs.is_empty() {
            let mut rem = 0u64;
            for limb in self.limbs.iter_mut().rev() {
                let cur = (rem << 32) | u64::from(*limb);
                *limb = (cur / CHUNK) as u32;
                rem = cur % CHUNK;
            }
            chunks.push(rem as u32);
            while self.limbs.last() == Some(&0) {
                self.limbs.pop();
            }
        }
        let mut out = Vec::with_capacity(chunks.len() * 9);
        for (i, chunk) in chunks.iter().rev().enumerate() {
            if i == 0 {
                out.extend_from_slice(chunk.to_string().as_bytes());
            } else {
                out.extend_from_slice(format!("{chunk:09}").as_bytes());
            }
        }
        out
    }
}

/// `strconv.FormatFloat(v, fmt, prec, 64)`.
pub fn format_float(v: f64, fmt: u8, prec: i64) -> Vec<u8> {
    if v.is_nan() {
        return b"NaN".to_vec();
    }
    let neg = v.is_sign_negative();
    if v.is_infinite() {
        return if neg {
            b"-Inf".to_vec()
        } else {
            b"+Inf".to_vec()
        };
    }
    let a = v.abs();
    match fmt {
        b'b' => return fmt_b(neg, a),
        b'x' | b'X' => return fmt_x(neg, a, fmt, prec),
        _ => {}
    }
    let shortest = prec < 0;
    let mut prec = prec;
    let digs = if shortest {
        let d = shortest_digits(a);
        prec = match fmt {
            b'e' | b'E' => (d.nd() - 1).max(0),
            b'f' => (d.nd() - d.dp).max(0),
            _ => d.nd(),
        };
        d
    } else {
        let mut d = exact_digits(a);
        match fmt {
            b'e' | b'E' => d.round(prec + 1),
            b'f' => d.round(d.dp + prec),
            _ => {
                if prec == 0 {
                    prec = 1;
                }
                d.round(prec);
            }
        }
        d
    };
    let mut out = Vec::with_capacity(24);
    match fmt {
        b'e' | b'E' => fmt_e(&mut out, neg, &digs, prec, fmt),
        b'f' => fmt_f(&mut out, neg, &digs, prec),
        _ => {
            let mut eprec = prec;
            if eprec > digs.nd() && digs.nd() >= digs.dp {
                eprec = digs.nd();
            }
            // Shortest form switches to an exponent as `%e` would at
            // precision 6.
            if shortest {
                eprec = 6;
            }
            let exp = digs.dp - 1;
            if exp < -4 || exp >= eprec {
                if prec > digs.nd() {
                    prec = digs.nd();
                }
                fmt_e(&mut out, neg, &digs, prec - 1, fmt + b'e' - b'g');
            } else {
                if prec > digs.dp {
                    prec = digs.nd();
                }
                fmt_f(&mut out, neg, &digs, (prec - digs.dp).max(0));
            }
        }
    }
    out
}

fn fmt_e(out: &mut Vec<u8>, neg: bool, d: &Decimal, prec: i64, fmt: u8) {
    if neg {
        out.push(b'-');
    }
    out.push(d.d.first().copied().unwrap_or(b'0'));
    if prec > 0 {
        out.push(b'.');
        for j in 1..=prec {
            out.push(d.digit(j));
        }
    }
    out.push(fmt);
    let mut exp = d.dp - 1;
    if d.d.is_empty() {
        exp = 0;
    }
    out.push(if exp < 0 { b'-' } else { b'+' });
    let exp = exp.unsigned_abs();
    if exp < 10 {
        out.push(b'0');
    }
    out.extend_from_slice(exp.to_string().as_bytes());
}

fn fmt_f(out: &mut Vec<u8>, neg: bool, d: &Decimal, prec: i64) {
    if neg {
        out.push(b'-');
    }
    if d.dp > 0 {
        for j in 0..d.dp {
            out.push(d.digit(j));
        }
    } else {
        out.push(b'0');
    }
    if prec > 0 {
        out.push(b'.');
        for i in 0..prec {
            out.push(d.digit(d.dp + i));
        }
    }
}

/// `%b`: decimal mantissa and binary exponent, `4503599627370496p-52`.
fn fmt_b(neg: bool, a: f64) -> Vec<u8> {
    let (mant, exp) = decompose(a);
    let mut out = Vec::with_capacity(24);
    if neg {
        out.push(b'-');
    }
    out.extend_from_slice(mant.to_string().as_bytes());
    out.push(b'p');
    if exp >= 0 {
        out.push(b'+');
    }
    out.extend_from_slice(exp.to_string().as_bytes());
    out
}

/// `%x`: hexadecimal mantissa and binary exponent, `0x1.8p+01`.
fn fmt_x(neg: bool, a: f64, fmt: u8, prec: i64) -> Vec<u8> {
    let (mut mant, exp2) = decompose(a);
    // Go's exponent here is for a mantissa of the form 1.xxx.
    let mut exp = exp2 + 52;
    if mant == 0 {
        exp = 0;
    }
    mant <<= 60 - 52;
    while mant != 0 && mant & (1 << 60) == 0 {
        mant <<= 1;
        exp -= 1;
    }
    if (0..15).contains(&prec) {
        let shift = (prec * 4) as u32;
        let extra = (mant << shift) & ((1 << 60) - 1);
        mant >>= 60 - shift;
        if extra | (mant & 1) > 1 << 59 {
            mant += 1;
        }
        mant <<= 60 - shift;
        if mant & (1 << 61) != 0 {
            mant >>= 1;
            exp += 1;
        }
    }
    let hex = if fmt == b'X' {
        UPPER_DIGITS
    } else {
        LOWER_DIGITS
    };
    let mut out = Vec::with_capacity(32);
    if neg {
        out.push(b'-');
    }
    out.extend_from_slice(&[b'0', fmt, b'0' + ((mant >> 60) & 1) as u8]);
    mant <<= 4;
    if prec < 0 && mant != 0 {
        out.push(b'.');
        while mant != 0 {
            out.push(hex[((mant >> 60) & 15) as usize]);
            mant <<= 4;
        }
    } else if prec > 0 {
        out.push(b'.');
        for _ in 0..prec {
            out.push(hex[((mant >> 60) & 15) as usize]);
            mant <<= 4;
        }
    }
    out.push(if fmt == b'X' { b'P' } else { b'p' });
    out.push(if exp < 0 { b'-' } else { b'+' });
    let exp = exp.unsigned_abs();
    if exp < 10 {
        out.push(b'0');
    }
    out.extend_from_slice(exp.to_string().as_bytes());
    out
}
