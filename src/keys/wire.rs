//! The SSH wire encoding (RFC 4251 § 5) of the fields key files are made of: `uint32`,
//! `string` and `mpint`. Readers return `None` on truncated input; the caller words the
//! error, since only it knows which file and field it was reading.

/// Reads fields from the front of a byte slice.
pub(crate) struct Reader<'a>(pub(crate) &'a [u8]);

impl<'a> Reader<'a> {
    pub(crate) fn u32(&mut self) -> Option<u32> {
        let (head, rest) = self.0.split_first_chunk::<4>()?;
        self.0 = rest;
        Some(u32::from_be_bytes(*head))
    }

    /// A `string` (or the body of an `mpint`): a length, then that many bytes.
    pub(crate) fn string(&mut self) -> Option<&'a [u8]> {
        let len = self.u32()? as usize;
        if self.0.len() < len {
            return None;
        }
        let (s, rest) = self.0.split_at(len);
        self.0 = rest;
        Some(s)
    }

    /// An `mpint` that must not be negative, as its magnitude with leading zeros removed.
    pub(crate) fn positive_mpint(&mut self) -> Option<&'a [u8]> {
        let m = self.string()?;
        if m.first().is_some_and(|b| b & 0x80 != 0) {
            return None;
        }
        let start = m.iter().position(|b| *b != 0).unwrap_or(m.len());
        Some(&m[start..])
    }

    /// What has not been read yet.
    pub(crate) fn rest(&self) -> &'a [u8] {
        self.0
    }
}

pub(crate) fn put_u32(out: &mut Vec<u8>, n: usize) {
    // Key files hold nothing near 4 GiB; a longer field would already have failed.
    out.extend_from_slice(&(n as u32).to_be_bytes());
}

pub(crate) fn put_string(out: &mut Vec<u8>, s: &[u8]) {
    put_u32(out, s.len());
    out.extend_from_slice(s);
}

/// An `mpint` of a non-negative number given as big-endian magnitude bytes: leading
/// zeros dropped, and one zero byte added when the top bit is set.
pub(crate) fn put_positive_mpint(out: &mut Vec<u8>, magnitude: &[u8]) {
    let start = magnitude.iter().position(|b| *b != 0).unwrap_or(magnitude.len());
    let m = &magnitude[start..];
    let sign = m.first().is_some_and(|b| b & 0x80 != 0);
    put_u32(out, m.len() + usize::from(sign));
    if sign {
        out.push(0);
    }
    out.extend_from_slice(m);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mpints_are_minimal_and_read_back() {
        let mut out = Vec::new();
        put_positive_mpint(&mut out, &[0, 0, 0x80, 1]);
        put_positive_mpint(&mut out, &[0, 0x7f]);
        put_positive_mpint(&mut out, &[0, 0]);
        assert_eq!(out, [0, 0, 0, 3, 0, 0x80, 1, 0, 0, 0, 1, 0x7f, 0, 0, 0, 0]);
        let mut r = Reader(&out);
        assert_eq!(r.positive_mpint(), Some(&[0x80, 1][..]));
        assert_eq!(r.positive_mpint(), Some(&[0x7f][..]));
        assert_eq!(r.positive_mpint(), Some(&[][..]));
        assert_eq!(r.u32(), None);
        // A negative mpint and a string longer than the input are refused.
        assert_eq!(Reader(&[0, 0, 0, 1, 0x80]).positive_mpint(), None);
        assert_eq!(Reader(&[0, 0, 0, 9, 1]).string(), None);
    }
}
