//! The search box's language: `owner:NAME`, `expires:<30d`, `expires:<2027-01-01`,
//! `expired` (or `expires:past`), and free text for everything else. Read once here, so
//! `key list --search` (in SQL) and the app's search box (in memory) agree.

use time::Date;

use super::dates::{days_from, parse_date, parse_days};
use super::KeyPair;

/// A search, split into the filters Keyshelf knows and the free text left over.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SearchQuery {
    /// Matched as it always was: name, comment, description, tags, any fingerprint form.
    /// Exactly the input (trimmed) when it holds no filter.
    pub text: String,
    /// Every `owner:NAME`, lower-cased: each must be part of the owner, in any case.
    pub owners: Vec<String>,
    /// Only key pairs whose rotate-by date is before this day (key pairs without one never
    /// match). `expires:<30d` is "on or before today + 30", `expired` "before today".
    pub rotate_before: Option<Date>,
    /// A filter that could not be read (`expires:<soon`): the search matches nothing,
    /// and this says what was expected.
    pub invalid: Option<String>,
}

const EXPIRES_HELP: &str = "expires: takes <30d (within 30 days), <2027-01-01 (before a date) or past";

impl SearchQuery {
    /// Reads a search; relative filters (`expires:<30d`, `expired`) count from `today`.
    pub fn parse(input: &str, today: Date) -> SearchQuery {
        let mut q = SearchQuery::default();
        let mut rest: Vec<&str> = Vec::new();
        let before = |d: Date, q: &mut SearchQuery| {
            q.rotate_before = Some(q.rotate_before.map_or(d, |b| b.min(d)));
        };
        for word in input.split_whitespace() {
            let lower = word.to_lowercase();
            if let Some(owner) = lower.strip_prefix("owner:") {
                q.owners.push(owner.to_string());
            } else if lower == "expired" || lower == "expires:past" {
                before(today, &mut q);
            } else if let Some(bound) = lower.strip_prefix("expires:") {
                let d = bound.strip_prefix('<').and_then(|b| match parse_days(b) {
                    Some(n) => days_from(today, n + 1).ok(),
                    None => parse_date(b).ok(),
                });
                match d {
                    Some(d) => before(d, &mut q),
                    None => q.invalid = Some(format!("'{word}': {EXPIRES_HELP}")),
                }
            } else {
                rest.push(word);
            }
        }
        q.text = if q.is_plain() { input.trim().to_string() } else { rest.join(" ") };
        q
    }

    /// Whether it holds nothing but free text.
    fn is_plain(&self) -> bool {
        self.owners.is_empty() && self.rotate_before.is_none() && self.invalid.is_none()
    }

    /// Whether a key pair passes the filters (the free text is the caller's to match).
    pub fn matches_filters(&self, k: &KeyPair) -> bool {
        if self.invalid.is_some() {
            return false;
        }
        let dated = |b: Date| k.rotate_by.is_some_and(|d| d < b);
        if !self.rotate_before.is_none_or(dated) {
            return false;
        }
        if self.owners.is_empty() {
            return true;
        }
        let owner = k.owner.to_lowercase();
        self.owners.iter().all(|o| owner.contains(o.as_str()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    const TODAY: Date = date!(2026 - 06 - 15);

    #[test]
    fn plain_text_stays_exactly_as_typed() {
        let q = SearchQuery::parse("  env=prod  web ", TODAY);
        assert_eq!(q, SearchQuery { text: "env=prod  web".into(), ..Default::default() });
    }

    #[test]
    fn filters_are_taken_out_of_the_text() {
        let q = SearchQuery::parse("web Owner:Alice expires:<30d", TODAY);
        assert_eq!(q.text, "web");
        assert_eq!(q.owners, ["alice"]);
        assert_eq!(q.rotate_before, Some(date!(2026 - 07 - 16)), "30 days ahead, that day included");
        assert_eq!(SearchQuery::parse("expired", TODAY).rotate_before, Some(TODAY));
        assert_eq!(SearchQuery::parse("expires:past", TODAY).rotate_before, Some(TODAY));
        let q = SearchQuery::parse("expires:<2027-01-01 expires:<400d", TODAY);
        assert_eq!(q.rotate_before, Some(date!(2027 - 01 - 01)), "the narrower bound wins");
        let q = SearchQuery::parse("expires:<soon", TODAY);
        assert!(q.invalid.as_deref().is_some_and(|e| e.contains("<30d")), "{q:?}");
    }

    fn key(owner: &str, rotate_by: Option<Date>) -> KeyPair {
        KeyPair { owner: owner.into(), rotate_by, ..KeyPair::blank() }
    }

    #[test]
    fn filters_match_in_memory() {
        let soon = SearchQuery::parse("expires:<30d", TODAY);
        assert!(soon.matches_filters(&key("", Some(date!(2026 - 07 - 15)))), "in 30 days");
        assert!(soon.matches_filters(&key("", Some(date!(2020 - 01 - 01)))), "past");
        assert!(!soon.matches_filters(&key("", Some(date!(2026 - 07 - 16)))), "in 31 days");
        assert!(!soon.matches_filters(&key("", None)), "no date");
        let expired = SearchQuery::parse("expired", TODAY);
        assert!(!expired.matches_filters(&key("", Some(TODAY))), "due today is not past yet");
        assert!(expired.matches_filters(&key("", Some(date!(2026 - 06 - 14)))));
        let owner = SearchQuery::parse("owner:OPS", TODAY);
        assert!(owner.matches_filters(&key("Platform Ops", None)));
        assert!(!owner.matches_filters(&key("dev", None)));
        assert!(!SearchQuery::parse("expires:<x", TODAY).matches_filters(&key("", Some(TODAY))));
    }
}
