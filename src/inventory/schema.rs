//! The inventory's schema as a list of migrations, applied in order inside one
//! transaction and recorded in `PRAGMA user_version`. Never edit a released migration:
//! add a new one.

/// Migration `i` moves the schema from version `i` to `i + 1`.
pub(crate) const MIGRATIONS: &[&str] = &[
    // 1: the first schema.
    r#"
    CREATE TABLE accounts (
        id         INTEGER PRIMARY KEY,
        name       TEXT NOT NULL UNIQUE,
        provider   TEXT NOT NULL,
        note       TEXT NOT NULL DEFAULT '',
        created_at INTEGER NOT NULL
    );
    CREATE TABLE key_pairs (
        id                 INTEGER PRIMARY KEY,
        name               TEXT NOT NULL,
        description        TEXT NOT NULL DEFAULT '',
        account_id         INTEGER REFERENCES accounts(id) ON DELETE RESTRICT,
        region             TEXT NOT NULL DEFAULT '',
        algorithm          TEXT NOT NULL,
        bits               INTEGER NOT NULL,
        comment            TEXT NOT NULL DEFAULT '',
        public_key         TEXT NOT NULL,
        fingerprint_sha256 TEXT NOT NULL,
        fingerprint_md5    TEXT NOT NULL,
        aws_fingerprint    TEXT,
        origin             TEXT NOT NULL CHECK (origin IN ('generated', 'imported')),
        private_key_path   TEXT,
        weak               INTEGER NOT NULL DEFAULT 0,
        created_at         INTEGER NOT NULL,
        updated_at         INTEGER NOT NULL
    );
    CREATE UNIQUE INDEX key_pairs_unique_name ON key_pairs (ifnull(account_id, 0), region, name);
    CREATE INDEX key_pairs_sha256 ON key_pairs (fingerprint_sha256);
    CREATE INDEX key_pairs_md5 ON key_pairs (fingerprint_md5);
    CREATE INDEX key_pairs_aws ON key_pairs (aws_fingerprint);
    CREATE INDEX key_pairs_name ON key_pairs (name);
    CREATE TABLE tags (
        key_pair_id INTEGER NOT NULL REFERENCES key_pairs(id) ON DELETE CASCADE,
        key         TEXT NOT NULL,
        value       TEXT NOT NULL DEFAULT '',
        PRIMARY KEY (key_pair_id, key)
    ) WITHOUT ROWID;
    CREATE TABLE hosts (
        id         INTEGER PRIMARY KEY,
        name       TEXT NOT NULL UNIQUE,
        port       INTEGER NOT NULL DEFAULT 22,
        user       TEXT NOT NULL DEFAULT '',
        account_id INTEGER REFERENCES accounts(id) ON DELETE RESTRICT,
        region     TEXT NOT NULL DEFAULT '',
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL
    );
    CREATE TABLE host_addresses (
        host_id  INTEGER NOT NULL REFERENCES hosts(id) ON DELETE CASCADE,
        position INTEGER NOT NULL,
        address  TEXT NOT NULL,
        PRIMARY KEY (host_id, position)
    ) WITHOUT ROWID;
    -- One key pair per host, as in the consoles: binding a host again replaces it.
    CREATE TABLE bindings (
        host_id     INTEGER PRIMARY KEY REFERENCES hosts(id) ON DELETE CASCADE,
        key_pair_id INTEGER NOT NULL REFERENCES key_pairs(id) ON DELETE RESTRICT,
        bound_at    INTEGER NOT NULL
    );
    CREATE INDEX bindings_key ON bindings (key_pair_id);
    CREATE TABLE activity (
        id      INTEGER PRIMARY KEY,
        at      INTEGER NOT NULL,
        action  TEXT NOT NULL,
        subject TEXT NOT NULL,
        detail  TEXT NOT NULL DEFAULT ''
    );
    "#,
    // 2: the sidebar counts key pairs per account and region; without this index that
    // scans the whole table (240 ms with 100,000 key pairs, 11 ms with it).
    r#"
    CREATE INDEX key_pairs_scope ON key_pairs (account_id, region);
    "#,
    // 3: a real server trusts several keys, so a host has several key pairs (every
    // existing binding is kept); each host says where its authorized_keys file is and
    // remembers its last login check.
    r#"
    CREATE TABLE bindings_v3 (
        host_id     INTEGER NOT NULL REFERENCES hosts(id) ON DELETE CASCADE,
        key_pair_id INTEGER NOT NULL REFERENCES key_pairs(id) ON DELETE RESTRICT,
        bound_at    INTEGER NOT NULL,
        PRIMARY KEY (host_id, key_pair_id)
    ) WITHOUT ROWID;
    INSERT INTO bindings_v3 (host_id, key_pair_id, bound_at) SELECT host_id, key_pair_id, bound_at FROM bindings;
    DROP TABLE bindings;
    ALTER TABLE bindings_v3 RENAME TO bindings;
    CREATE INDEX bindings_key ON bindings (key_pair_id);
    ALTER TABLE hosts ADD COLUMN authorized_keys TEXT NOT NULL DEFAULT '.ssh/authorized_keys';
    ALTER TABLE hosts ADD COLUMN check_status TEXT;
    ALTER TABLE hosts ADD COLUMN check_message TEXT NOT NULL DEFAULT '';
    ALTER TABLE hosts ADD COLUMN checked_at INTEGER;
    "#,
    // 4: small preferences that belong with the inventory rather than with one machine's
    // app state, such as whether Keyshelf keeps a managed ssh config and for which file.
    r#"
    CREATE TABLE settings (
        key   TEXT PRIMARY KEY,
        value TEXT NOT NULL
    ) WITHOUT ROWID;
    "#,
    // 5: who answers for a key pair, and the date it should be replaced by (YYYY-MM-DD,
    // so dates compare as text). The index holds only key pairs that have a date: the
    // hygiene report and `expires:` searches read those without scanning the rest.
    r#"
    ALTER TABLE key_pairs ADD COLUMN owner TEXT NOT NULL DEFAULT '';
    ALTER TABLE key_pairs ADD COLUMN rotate_by TEXT;
    CREATE INDEX key_pairs_rotate_by ON key_pairs (rotate_by) WHERE rotate_by IS NOT NULL;
    "#,
    // 6: cloud accounts for real. An account names where its credentials are (a profile
    // name, never a secret), its default region and an API endpoint override. What a
    // cloud region held when last read is kept per (account, region, cloud name), linked
    // to the inventory's key pair of the same key: "which accounts still hold this key".
    r#"
    ALTER TABLE accounts ADD COLUMN profile TEXT;
    ALTER TABLE accounts ADD COLUMN default_region TEXT NOT NULL DEFAULT '';
    ALTER TABLE accounts ADD COLUMN endpoint TEXT;
    CREATE TABLE cloud_keys (
        account_id         INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
        region             TEXT NOT NULL,
        name               TEXT NOT NULL,
        cloud_id           TEXT NOT NULL DEFAULT '',
        fingerprint_sha256 TEXT,
        key_pair_id        INTEGER REFERENCES key_pairs(id) ON DELETE SET NULL,
        seen_at            INTEGER NOT NULL,
        PRIMARY KEY (account_id, region, name)
    ) WITHOUT ROWID;
    CREATE INDEX cloud_keys_key_pair ON cloud_keys (key_pair_id) WHERE key_pair_id IS NOT NULL;
    "#,
    // 7: the managed ssh config follows every change of hosts, their addresses, bindings,
    // key pair names and private key paths, and account names, however it was made (an
    // inventory method, a merge's own SQL, another program): each such change marks the
    // config stale in the same transaction, and whoever finishes a piece of work (the
    // CLI after a command, the app's inventory thread after a task) rewrites it once.
    r#"
    CREATE TRIGGER ssh_config_stale_hosts_insert AFTER INSERT ON hosts BEGIN
        INSERT OR REPLACE INTO settings (key, value) VALUES ('ssh_config.stale', '1');
    END;
    CREATE TRIGGER ssh_config_stale_hosts_update AFTER UPDATE ON hosts BEGIN
        INSERT OR REPLACE INTO settings (key, value) VALUES ('ssh_config.stale', '1');
    END;
    CREATE TRIGGER ssh_config_stale_hosts_delete AFTER DELETE ON hosts BEGIN
        INSERT OR REPLACE INTO settings (key, value) VALUES ('ssh_config.stale', '1');
    END;
    CREATE TRIGGER ssh_config_stale_host_addresses_insert AFTER INSERT ON host_addresses BEGIN
        INSERT OR REPLACE INTO settings (key, value) VALUES ('ssh_config.stale', '1');
    END;
    CREATE TRIGGER ssh_config_stale_host_addresses_update AFTER UPDATE ON host_addresses BEGIN
        INSERT OR REPLACE INTO settings (key, value) VALUES ('ssh_config.stale', '1');
    END;
    CREATE TRIGGER ssh_config_stale_host_addresses_delete AFTER DELETE ON host_addresses BEGIN
        INSERT OR REPLACE INTO settings (key, value) VALUES ('ssh_config.stale', '1');
    END;
    CREATE TRIGGER ssh_config_stale_bindings_insert AFTER INSERT ON bindings BEGIN
        INSERT OR REPLACE INTO settings (key, value) VALUES ('ssh_config.stale', '1');
    END;
    CREATE TRIGGER ssh_config_stale_bindings_update AFTER UPDATE ON bindings BEGIN
        INSERT OR REPLACE INTO settings (key, value) VALUES ('ssh_config.stale', '1');
    END;
    CREATE TRIGGER ssh_config_stale_bindings_delete AFTER DELETE ON bindings BEGIN
        INSERT OR REPLACE INTO settings (key, value) VALUES ('ssh_config.stale', '1');
    END;
    CREATE TRIGGER ssh_config_stale_key_pairs_update AFTER UPDATE OF name, private_key_path ON key_pairs BEGIN
        INSERT OR REPLACE INTO settings (key, value) VALUES ('ssh_config.stale', '1');
    END;
    CREATE TRIGGER ssh_config_stale_key_pairs_delete AFTER DELETE ON key_pairs BEGIN
        INSERT OR REPLACE INTO settings (key, value) VALUES ('ssh_config.stale', '1');
    END;
    CREATE TRIGGER ssh_config_stale_accounts_update AFTER UPDATE OF name ON accounts BEGIN
        INSERT OR REPLACE INTO settings (key, value) VALUES ('ssh_config.stale', '1');
    END;
    "#,
    // 8: the name a key pair goes by in an account's cloud, where the inventory's name
    // does not fit that cloud's rules (Tencent Cloud: 25 letters, digits and `_`) and the
    // user chose another: the next push and delete use it again.
    r#"
    CREATE TABLE cloud_names (
        account_id  INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
        key_pair_id INTEGER NOT NULL REFERENCES key_pairs(id) ON DELETE CASCADE,
        name        TEXT NOT NULL,
        PRIMARY KEY (account_id, key_pair_id)
    ) WITHOUT ROWID;
    "#,
];

/// The schema version this build writes.
pub(crate) const LATEST: i64 = MIGRATIONS.len() as i64;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_version_1_inventory_is_migrated_in_place() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("v1.sqlite3");
        {
            let c = rusqlite::Connection::open(&path).unwrap();
            c.execute_batch(MIGRATIONS[0]).unwrap();
            c.execute_batch(
                "PRAGMA user_version = 1; INSERT INTO accounts (name, provider, created_at) VALUES ('a', 'aws', 0);",
            )
            .unwrap();
        }
        let inv = crate::inventory::Inventory::open(&path).unwrap();
        assert_eq!(inv.schema_version().unwrap(), LATEST);
        assert_eq!(inv.accounts().unwrap().len(), 1, "data survives the migration");
        let c = rusqlite::Connection::open(&path).unwrap();
        let n: i64 = c
            .query_row(
                "SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name = 'key_pairs_scope'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(n, 1);
    }

    #[test]
    fn a_version_2_inventory_keeps_every_binding() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("v2.sqlite3");
        {
            let c = rusqlite::Connection::open(&path).unwrap();
            c.execute_batch(MIGRATIONS[0]).unwrap();
            c.execute_batch(MIGRATIONS[1]).unwrap();
            c.execute_batch(
                "PRAGMA user_version = 2;
                 INSERT INTO key_pairs (id, name, algorithm, bits, public_key, fingerprint_sha256, fingerprint_md5,
                     origin, created_at, updated_at)
                     VALUES (1, 'k1', 'ssh-ed25519', 256, 'x', 'f1', 'm1', 'imported', 0, 0),
                            (2, 'k2', 'ssh-ed25519', 256, 'y', 'f2', 'm2', 'imported', 0, 0);
                 INSERT INTO hosts (id, name, created_at, updated_at) VALUES (1, 'web', 0, 0), (2, 'db', 0, 0);
                 INSERT INTO host_addresses VALUES (1, 0, 'web.example'), (2, 0, 'db.example');
                 INSERT INTO bindings VALUES (1, 1, 10), (2, 2, 20);",
            )
            .unwrap();
        }
        let mut inv = crate::inventory::Inventory::open(&path).unwrap();
        assert_eq!(inv.schema_version().unwrap(), LATEST);
        let web = inv.host("web").unwrap();
        assert_eq!(web.keys, vec![(1, "k1".to_string())]);
        assert_eq!(web.bound_at, Some(10));
        assert_eq!(web.authorized_keys, ".ssh/authorized_keys");
        assert_eq!(inv.host("db").unwrap().key, Some((2, "k2".to_string())));
        // And now a host can trust a second key pair.
        inv.bind(2, &["web".to_string()]).unwrap();
        let names: Vec<String> = inv.host("web").unwrap().keys.into_iter().map(|k| k.1).collect();
        assert_eq!(names, ["k1", "k2"]);
    }

    #[test]
    fn a_version_3_inventory_gains_settings_and_keeps_its_data() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("v3.sqlite3");
        {
            let c = rusqlite::Connection::open(&path).unwrap();
            for m in &MIGRATIONS[..3] {
                c.execute_batch(m).unwrap();
            }
            c.execute_batch(
                "PRAGMA user_version = 3;
                 INSERT INTO key_pairs (id, name, algorithm, bits, public_key, fingerprint_sha256, fingerprint_md5,
                     origin, created_at, updated_at)
                     VALUES (1, 'k1', 'ssh-ed25519', 256, 'x', 'f1', 'm1', 'imported', 0, 0);
                 INSERT INTO hosts (id, name, port, user, created_at, updated_at) VALUES (1, 'web', 2222, 'u', 0, 0);
                 INSERT INTO host_addresses VALUES (1, 0, 'web.example');
                 INSERT INTO bindings VALUES (1, 1, 10);",
            )
            .unwrap();
        }
        let mut inv = crate::inventory::Inventory::open(&path).unwrap();
        assert_eq!(inv.schema_version().unwrap(), LATEST);
        let web = inv.host("web").unwrap();
        assert_eq!((web.port, web.user.as_str(), web.addresses.clone()), (2222, "u", vec!["web.example".to_string()]));
        assert_eq!(web.keys, vec![(1, "k1".to_string())]);
        assert_eq!(inv.setting("anything").unwrap(), None);
        inv.set_setting("a", "1").unwrap();
        inv.set_setting("a", "2").unwrap();
        assert_eq!(inv.setting("a").unwrap().as_deref(), Some("2"));
    }

    #[test]
    fn a_version_4_inventory_gains_owner_and_rotate_by_and_keeps_every_row() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("v4.sqlite3");
        let tables = ["accounts", "key_pairs", "tags", "hosts", "host_addresses", "bindings", "activity", "settings"];
        let count = |c: &rusqlite::Connection, t: &str| -> i64 {
            c.query_row(&format!("SELECT count(*) FROM {t}"), [], |r| r.get(0)).unwrap()
        };
        {
            let c = rusqlite::Connection::open(&path).unwrap();
            for m in &MIGRATIONS[..4] {
                c.execute_batch(m).unwrap();
            }
            c.execute_batch(
                "PRAGMA user_version = 4;
                 INSERT INTO accounts (id, name, provider, note, created_at) VALUES (1, 'prod', 'aws', 'n', 5);
                 INSERT INTO key_pairs (id, name, description, account_id, region, algorithm, bits, comment, public_key,
                     fingerprint_sha256, fingerprint_md5, origin, private_key_path, created_at, updated_at)
                     VALUES (1, 'k1', 'd', 1, 'us-east-1', 'ssh-ed25519', 256, 'c', 'x', 'f1', 'm1', 'generated',
                             '/keys/k1', 7, 8);
                 INSERT INTO tags VALUES (1, 'env', 'prod');
                 INSERT INTO hosts (id, name, created_at, updated_at, check_status, check_message, checked_at)
                     VALUES (1, 'web', 0, 0, 'refused', 'denied', 9);
                 INSERT INTO host_addresses VALUES (1, 0, 'web.example');
                 INSERT INTO bindings VALUES (1, 1, 10);
                 INSERT INTO activity (at, action, subject, detail) VALUES (1, 'create', 'k1', '');
                 INSERT INTO settings VALUES ('ssh_config', 'on');",
            )
            .unwrap();
            for t in tables {
                assert_eq!(count(&c, t), 1, "{t}");
            }
        }
        let inv = crate::inventory::Inventory::open(&path).unwrap();
        assert_eq!(inv.schema_version().unwrap(), LATEST);
        let c = rusqlite::Connection::open(&path).unwrap();
        for t in tables {
            assert_eq!(count(&c, t), 1, "{t} kept its row");
        }
        let k = inv.key(1).unwrap();
        assert_eq!((k.name.as_str(), k.account.as_deref(), k.region.as_str()), ("k1", Some("prod"), "us-east-1"));
        assert_eq!((k.private_key_path.as_deref(), k.created_at, k.updated_at), (Some("/keys/k1"), 7, 8));
        assert_eq!((k.tags.clone(), k.hosts.clone()), (vec![("env".into(), "prod".into())], vec!["web".to_string()]));
        assert_eq!((k.owner.as_str(), k.rotate_by), ("", None), "new columns start empty");
        let web = inv.host("web").unwrap();
        assert_eq!(web.last_check.map(|c| (c.status, c.at)), Some(("refused".to_string(), 9)));
        assert_eq!(inv.setting("ssh_config").unwrap().as_deref(), Some("on"));
        // 6: accounts name no profile, region or endpoint yet, and no cloud was read.
        let a = inv.account("prod").unwrap();
        assert_eq!((a.profile, a.region.as_str(), a.endpoint), (None, "", None));
        assert_eq!(count(&c, "cloud_keys"), 0);
    }
}
