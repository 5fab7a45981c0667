//! RFC 4716 "SSH2" public key blocks (`---- BEGIN SSH2 PUBLIC KEY ----`), as PuTTYgen and
//! `ssh-keygen -e` write them: headers with `\` continuation lines, then base64 of the key
//! blob. ssh-key has no codec for this, so it lives here.

use base64ct::{Base64, Encoding};

pub(crate) const BEGIN: &str = "---- BEGIN SSH2 PUBLIC KEY ----";
const END: &str = "---- END SSH2 PUBLIC KEY ----";

/// A decoded block: the key blob and the `Comment:` header, if any.
#[derive(Debug)]
pub(crate) struct Decoded {
    pub blob: Vec<u8>,
    pub comment: Option<String>,
}

/// Decodes one block. `first_line` is the 1-based line number of `text`'s first line, so
/// errors can point at the line a user will see in their editor.
pub(crate) fn decode(text: &str, first_line: usize) -> Result<Decoded, String> {
    let mut lines = text.lines().enumerate().map(|(i, l)| (i + first_line, l.trim_end_matches('\r').trim()));
    let begin = lines.by_ref().find(|(_, l)| !l.is_empty());
    match begin {
        Some((_, l)) if l == BEGIN => {}
        Some((n, _)) => return Err(format!("line {n}: expected '{BEGIN}'")),
        None => return Err("the input is empty".into()),
    }
    let mut comment = None;
    let mut body = String::new();
    let mut in_headers = true;
    let mut continued: Option<(String, String)> = None;
    let mut ended = false;
    for (n, line) in lines.by_ref() {
        if line == END {
            ended = true;
            break;
        }
        if let Some((tag, mut value)) = continued.take() {
            let more = line.strip_suffix('\\');
            value.push_str(more.unwrap_or(line));
            if more.is_some() {
                continued = Some((tag, value));
            } else {
                header(&tag, value, &mut comment);
            }
            continue;
        }
        if in_headers {
            if let Some((tag, value)) = line.split_once(':') {
                if !tag.is_empty() && tag.len() <= 64 && !tag.contains(' ') {
                    let value = value.trim_start();
                    match value.strip_suffix('\\') {
                        Some(v) => continued = Some((tag.to_string(), v.to_string())),
                        None => header(tag, value.to_string(), &mut comment),
                    }
                    continue;
                }
            }
            in_headers = false;
        }
        if line.is_empty() {
            continue;
        }
        if !line.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'+' || b == b'/' || b == b'=') {
            return Err(format!("line {n}: not base64 key data"));
        }
        body.push_str(line);
    }
    if !ended {
        return Err(format!("missing '{END}': the block is truncated"));
    }
    if let Some((n, _)) = lines.find(|(_, l)| !l.is_empty()) {
        return Err(format!("line {n}: unexpected text after '{END}'"));
    }
    if body.is_empty() {
        return Err("the SSH2 block has no key data".into());
    }
    let blob =
        Base64::decode_vec(&body).map_err(|_| "the SSH2 block's base64 is corrupted or truncated".to_string())?;
    Ok(Decoded { blob, comment })
}

fn header(tag: &str, value: String, comment: &mut Option<String>) {
    if tag.eq_ignore_ascii_case("comment") {
        let v = value.trim();
        let v = v.strip_prefix('"').and_then(|v| v.strip_suffix('"')).unwrap_or(v);
        *comment = Some(v.to_string());
    }
}

/// Encodes a key blob as an RFC 4716 block with 70-column base64 lines and, when the
/// comment is not empty, a quoted `Comment:` header folded at 72 bytes.
pub(crate) fn encode(blob: &[u8], comment: &str) -> String {
    let mut out = String::new();
    out.push_str(BEGIN);
    out.push('\n');
    if !comment.is_empty() {
        let header = format!("Comment: \"{comment}\"");
        let chars: Vec<char> = header.chars().collect();
        let mut lines = Vec::new();
        let mut cur = String::new();
        for c in chars {
            if cur.len() + c.len_utf8() > 71 {
                // Readers (ours too) trim each line, so a continuation line must not
                // start with white space: carry the last word character over with it.
                let mut carry = String::new();
                if c.is_whitespace() {
                    while let Some(last) = cur.pop() {
                        carry.insert(0, last);
                        if !last.is_whitespace() {
                            break;
                        }
                    }
                }
                if !cur.is_empty() {
                    lines.push(std::mem::take(&mut cur));
                }
                cur = carry;
            }
            cur.push(c);
        }
        lines.push(cur);
        let last = lines.len() - 1;
        for (i, l) in lines.iter().enumerate() {
            out.push_str(l);
            if i != last {
                out.push('\\');
            }
            out.push('\n');
        }
    }
    let b64 = Base64::encode_string(blob);
    for chunk in b64.as_bytes().chunks(70) {
        out.push_str(std::str::from_utf8(chunk).unwrap_or_default());
        out.push('\n');
    }
    out.push_str(END);
    out.push('\n');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_with_long_comment() {
        let blob: Vec<u8> = (0..=255u8).collect();
        let comment = "x".repeat(150);
        let text = encode(&blob, &comment);
        assert!(text.lines().all(|l| l.len() <= 72), "{text}");
        let d = decode(&text, 1).unwrap();
        assert_eq!(d.blob, blob);
        assert_eq!(d.comment.as_deref(), Some(comment.as_str()));
    }

    #[test]
    fn truncated_block_is_reported() {
        let text = encode(b"abc", "");
        let cut: String = text.lines().take(2).collect::<Vec<_>>().join("\n");
        assert!(decode(&cut, 1).unwrap_err().contains("truncated"));
    }
}
