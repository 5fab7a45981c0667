//! Calendar dates as Keyshelf reads, stores and compares them: rotate-by dates are
//! `YYYY-MM-DD` everywhere (the CLI, the database, JSON), and "today" is the local date
//! of the machine, taken from SQLite so every thread and process agrees on it.

use time::{macros::format_description, Date, Duration};

use super::{Inventory, InventoryError, Result};

const YMD: &[time::format_description::BorrowedFormatItem<'static>] = format_description!("[year]-[month]-[day]");

/// Parses `YYYY-MM-DD`; the error says what was expected.
pub fn parse_date(s: &str) -> std::result::Result<Date, String> {
    let t = s.trim();
    Date::parse(t, YMD).map_err(|_| format!("'{t}' is not a date: use YYYY-MM-DD, such as 2027-01-31"))
}

/// `YYYY-MM-DD`.
pub fn format_date(d: Date) -> String {
    d.format(YMD).unwrap_or_else(|_| d.to_string())
}

/// Parses a number of days written `90d`. `None` for anything else.
pub fn parse_days(s: &str) -> Option<i64> {
    let n = s.trim().strip_suffix(['d', 'D'])?;
    if n.is_empty() || !n.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    n.parse::<i64>().ok().filter(|n| *n <= 100_000)
}

/// `today` plus `days`, or the rule it breaks.
pub fn days_from(today: Date, days: i64) -> std::result::Result<Date, String> {
    today.checked_add(Duration::days(days)).ok_or_else(|| format!("{days} days from {today} is past the calendar"))
}

/// A stored rotate-by date. Keyshelf only writes `YYYY-MM-DD`; anything else is reported
/// as a conversion error rather than silently dropped.
pub(super) fn date_column(r: &rusqlite::Row<'_>, i: usize) -> rusqlite::Result<Option<Date>> {
    let Some(s) = r.get::<_, Option<String>>(i)? else { return Ok(None) };
    parse_date(&s)
        .map(Some)
        .map_err(|e| rusqlite::Error::FromSqlConversionFailure(i, rusqlite::types::Type::Text, e.into()))
}

impl Inventory {
    /// Today's date where Keyshelf runs (the local time zone, as SQLite's `localtime`
    /// sees it: the C library's, which honours `TZ`).
    pub fn today(&self) -> Result<Date> {
        let s: String = self.conn.query_row("SELECT date('now', 'localtime')", [], |r| r.get(0))?;
        parse_date(&s).map_err(InventoryError::Rule)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn dates_parse_strictly_and_days_need_their_d() {
        assert_eq!(parse_date("2027-01-31"), Ok(date!(2027 - 01 - 31)));
        assert_eq!(format_date(date!(2027 - 01 - 03)), "2027-01-03");
        for bad in ["2027-02-30", "2027-1-3", "31.01.2027", "", "tomorrow", "2027-01-31x"] {
            assert!(parse_date(bad).unwrap_err().contains("YYYY-MM-DD"), "{bad}");
        }
        assert_eq!(parse_days("90d"), Some(90));
        assert_eq!(parse_days("0d"), Some(0));
        for bad in ["90", "d", "-3d", "9x", "1.5d", "999999999999d"] {
            assert_eq!(parse_days(bad), None, "{bad}");
        }
        assert_eq!(days_from(date!(2026 - 12 - 31), 1), Ok(date!(2027 - 01 - 01)));
    }

    #[test]
    fn today_is_a_real_date_near_the_clock() {
        let dir = tempfile::tempdir().unwrap();
        let inv = Inventory::open(&dir.path().join("i.sqlite3")).unwrap();
        let today = inv.today().unwrap();
        let utc = time::OffsetDateTime::now_utc().date();
        assert!((today - utc).whole_days().abs() <= 1, "{today} vs {utc}");
    }
}
