//! Small key/value preferences stored with the inventory (schema 4), so that what the
//! user opted into (a managed ssh config, say) holds for the CLI and the app alike.

use rusqlite::{params, OptionalExtension};

use super::{Inventory, Result};

impl Inventory {
    /// The value of a setting, `None` when it was never set.
    pub fn setting(&self, key: &str) -> Result<Option<String>> {
        Ok(self.conn.query_row("SELECT value FROM settings WHERE key = ?1", [key], |r| r.get(0)).optional()?)
    }

    /// Sets (or replaces) a setting. Not logged: settings are not changes to keys or hosts,
    /// and the callers log what they did with them.
    pub fn set_setting(&mut self, key: &str, value: &str) -> Result<()> {
        let tx = self.write()?;
        tx.execute(
            "INSERT INTO settings (key, value) VALUES (?1, ?2) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            params![key, value],
        )?;
        tx.commit()?;
        Ok(())
    }
}
