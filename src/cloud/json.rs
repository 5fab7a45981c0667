//! What the JSON APIs (Tencent Cloud's, Alibaba Cloud's) share: fields that come as a
//! string or a number, an error reply turned into a [`CloudError`], a reply that must be
//! JSON, and lists paged by count. What a reply looks like (where its error sits, which
//! codes are the credentials') stays in each provider's module.

use serde_json::Value;

use super::http::Endpoint;
use super::{CloudError, Result};

/// A field as text: a string, or a number written out; `None` when absent or empty.
pub fn text(v: &Value, key: &str) -> Option<String> {
    match v.get(key)? {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// A count, given as a number or a string of digits.
pub fn number(v: &Value, key: &str) -> Option<u64> {
    match v.get(key)? {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// An error reply's `Code`, `Message` and `RequestId`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    pub code: String,
    pub message: String,
    pub request_id: Option<String>,
}

impl ApiError {
    /// The error to report: [`CloudError::Auth`] (naming `who`) when `is_auth` says the
    /// code is the credentials', else [`CloudError::Api`] with the request id.
    pub fn into_cloud_error(
        self,
        provider: &'static str,
        is_auth: fn(&str) -> bool,
        who: impl FnOnce() -> String,
    ) -> CloudError {
        let ApiError { code, message, request_id } = self;
        if is_auth(&code) {
            CloudError::Auth { provider, who: who(), code, message }
        } else {
            CloudError::Api { provider, code, message, request_id }
        }
    }
}

/// A reply's body as JSON; anything else is a [`CloudError::BadReply`] from `endpoint`.
pub fn parse(endpoint: &Endpoint, body: &[u8]) -> Result<Value> {
    serde_json::from_slice(body)
        .map_err(|e| CloudError::BadReply { endpoint: endpoint.url(), reason: format!("malformed JSON: {e}") })
}

/// Every item of a list asked for page by page. `page` is given the page's number
/// (counted from one) and how many items came before it, and returns the page's items and
/// the total the reply gives, if any. The list ends at an empty page or at the total, or, without a
/// total, at a page shorter than `page_size`; more than `max_pages` pages is a server
/// that never stops.
pub fn all_pages<T>(
    endpoint: &Endpoint,
    action: &str,
    page_size: usize,
    max_pages: usize,
    mut page: impl FnMut(usize, usize) -> Result<(Vec<T>, Option<u64>)>,
) -> Result<Vec<T>> {
    let mut all = Vec::new();
    for number in 1..=max_pages {
        let (items, total) = page(number, all.len())?;
        let got = items.len();
        all.extend(items);
        let done = match total {
            Some(total) => got == 0 || all.len() as u64 >= total,
            None => got < page_size,
        };
        if done {
            return Ok(all);
        }
    }
    Err(CloudError::BadReply {
        endpoint: endpoint.url(),
        reason: format!("{action} gave more than {max_pages} pages of {page_size}"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn text_and_numbers_come_as_strings_or_numbers() {
        let v = json!({"a": "x", "b": 7, "c": "", "d": null, "e": " 12 "});
        assert_eq!(text(&v, "a").as_deref(), Some("x"));
        assert_eq!(text(&v, "b").as_deref(), Some("7"));
        assert_eq!((text(&v, "c"), text(&v, "d"), text(&v, "z")), (None, None, None));
        assert_eq!((number(&v, "b"), number(&v, "e"), number(&v, "a")), (Some(7), Some(12), None));
    }

    #[test]
    fn pages_end_at_the_total_an_empty_page_or_a_short_one_and_never_run_forever() {
        let endpoint = Endpoint::parse("https://example.com").unwrap();
        let mut seen = Vec::new();
        let all = all_pages(&endpoint, "List", 2, 10, |n, before| {
            seen.push((n, before));
            Ok((vec![n; 2], Some(5)))
        })
        .unwrap();
        assert_eq!((all.len(), seen), (6, vec![(1, 0), (2, 2), (3, 4)]));
        let all = all_pages(&endpoint, "List", 2, 10, |n, _| Ok((vec![n; 3 - n], None))).unwrap();
        assert_eq!(all, vec![1, 1, 2]);
        let err = all_pages(&endpoint, "List", 2, 3, |n, _| Ok((vec![n; 2], None))).unwrap_err();
        assert!(err.to_string().contains("List gave more than 3 pages of 2"), "{err}");
    }
}
