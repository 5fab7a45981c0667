//! `host import-ssh-config` and `ssh-config write|show|off`, with the real `ssh -G` as
//! the oracle of what a config means. Everything lives in temp folders: every config is
//! passed with `-F`/`--file`, and keyshelf runs with HOME pointed at a temp folder, so
//! the machine's own ~/.ssh is never read or written.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failed step fails the test

mod common;

use std::collections::HashMap;
use std::fs;
use std::path::{Path, PathBuf};

use common::{listing, mode, s, ssh_keygen_generate, tool_ok, Env};
use serde_json::Value;

/// An Env whose keyshelf runs see `HOME` = a fresh temp folder.
fn env_with_home() -> (Env, PathBuf) {
    let mut env = Env::new();
    let home = env.path("home");
    fs::create_dir_all(&home).unwrap();
    env.vars.push(("HOME".into(), s(&home).into()));
    (env, home)
}

/// `ssh -G -F CONFIG ALIAS`: the options ssh will use, first value of each.
fn ssh_g(config: &Path, alias: &str) -> HashMap<String, String> {
    let out = tool_ok("ssh", ["-G", "-F", s(config), alias]);
    let mut m = HashMap::new();
    for line in out.lines() {
        if let Some((k, v)) = line.split_once(' ') {
            m.entry(k.to_string()).or_insert_with(|| v.to_string());
        }
    }
    m
}

fn json(text: &str) -> Vec<Value> {
    serde_json::from_str::<Value>(text).expect("JSON").as_array().expect("an array").clone()
}

#[test]
fn import_adds_the_concrete_aliases_as_ssh_resolves_them_and_binds_known_keys() {
    let (env, _home) = env_with_home();
    let keys = env.path("keys");
    fs::create_dir_all(&keys).unwrap();
    let (web_key, db_key, other_key) = (keys.join("id_web"), keys.join("id_db"), keys.join("id_other"));
    for k in [&web_key, &db_key, &other_key] {
        ssh_keygen_generate(k, "ed25519", None, "", "t");
    }
    // web's private key is known by path; db's only by its public half.
    env.ok(["key", "import", "webkey", "--file", s(&web_key)]);
    env.ok(["key", "import", "dbkey", "--file", &format!("{}.pub", s(&db_key))]);

    let inc = env.write("extra.conf", "host incl\n  hostname 198.51.100.7\n  Port=2022\n");
    let config = env.write(
        "config",
        format!(
            "# my hosts\nInclude {inc}\nHost web\n    HostName 192.0.2.10\n    User ubuntu\n    Port 2222\n    IdentityFile {web}\n\
             Host *.internal !bastion web?\n    User ops\nMatch host web\n    User matched\n\
             Host=db \"db2\"\n    HostName db.example\n    IdentityFile {db}\n\
             Host other\n    IdentityFile {other}\nHost *\n    ServerAliveInterval 30\n",
            web = s(&web_key),
            db = s(&db_key),
            inc = s(&inc),
            other = s(&other_key),
        ),
    );
    let out = json(&env.ok(["host", "import-ssh-config", "--file", s(&config), "--json"]));
    let aliases: Vec<&str> = out.iter().map(|e| e["alias"].as_str().unwrap()).collect();
    assert_eq!(aliases, ["incl", "web", "db", "db2", "other"], "{out:?}");
    for e in &out {
        let alias = e["alias"].as_str().unwrap();
        let g = ssh_g(&config, alias);
        assert_eq!(e["status"], "added", "{e}");
        assert_eq!(e["hostname"].as_str(), Some(g["hostname"].as_str()), "{alias}");
        assert_eq!(e["user"].as_str(), Some(g["user"].as_str()), "{alias}");
        assert_eq!(e["port"].as_u64().map(|p| p.to_string()).as_deref(), Some(g["port"].as_str()), "{alias}");
    }
    let by: HashMap<&str, &Value> = out.iter().map(|e| (e["alias"].as_str().unwrap(), e)).collect();
    assert_eq!(by["web"]["bound_key"], "webkey");
    assert_eq!(by["web"]["identity_files"][0], s(&web_key));
    assert_eq!(by["db"]["bound_key"], "dbkey", "bound by the fingerprint of IdentityFile.pub");
    assert_eq!(by["db2"]["bound_key"], "dbkey");
    assert_eq!(by["incl"]["bound_key"], Value::Null);
    assert_eq!(by["incl"]["identity_files"], serde_json::json!([]), "ssh's default files are not the config's");
    assert_eq!(by["other"]["bound_key"], Value::Null, "a key the inventory does not know binds nothing");

    let hosts = json(&env.ok(["host", "list", "--json"]));
    let web = hosts.iter().find(|h| h["name"] == "web").unwrap();
    assert_eq!(
        (web["addresses"][0].as_str(), web["port"].as_u64(), web["user"].as_str()),
        (Some("192.0.2.10"), Some(2222), Some("ubuntu"))
    );
    assert_eq!(web["key"], "webkey");
    let incl = hosts.iter().find(|h| h["name"] == "incl").unwrap();
    assert_eq!((incl["addresses"][0].as_str(), incl["port"].as_u64()), (Some("198.51.100.7"), Some(2022)));
    assert_eq!(hosts.len(), 5);

    // A second import leaves every host as it is.
    env.ok(["host", "edit", "web", "--address", "192.0.2.99"]);
    let again = json(&env.ok(["host", "import-ssh-config", "--file", s(&config), "--json"]));
    assert!(again.iter().all(|e| e["status"] == "exists" && e["bound_key"].is_null()), "{again:?}");
    let hosts = json(&env.ok(["host", "list", "--json"]));
    assert_eq!(hosts.iter().find(|h| h["name"] == "web").unwrap()["addresses"][0], "192.0.2.99");

    // An alias ssh refuses is reported as failed, and the command says so.
    let bad = env.write("bad.conf", "Host ok1 \"two words\"\n  HostName 192.0.2.1\n");
    let out = env.run(["host", "import-ssh-config", "--file", s(&bad), "--json"]);
    assert_eq!(out.status.code(), Some(1));
    let res = json(&common::text(&out.stdout));
    assert_eq!((res[0]["status"].as_str(), res[1]["status"].as_str()), (Some("added"), Some("failed")), "{res:?}");
    assert!(res[1]["message"].as_str().unwrap().contains("invalid characters"), "{res:?}");
}

#[test]
fn write_makes_ssh_use_exactly_the_bound_key_and_leaves_the_users_aliases_alone() {
    let (env, home) = env_with_home();
    // Not under ~/.ssh: the Include must be absolute to work from here.
    let dir = env.path("elsewhere");
    fs::create_dir_all(dir.join("keys dir")).unwrap();
    let config = dir.join("config");
    let original = b"# mine\nHost mine\n  HostName 10.9.9.9\r\n  User me\nHost *\n  ServerAliveInterval 30".to_vec();
    fs::write(&config, &original).unwrap();
    fs::set_permissions(&config, std::os::unix::fs::PermissionsExt::from_mode(0o640)).unwrap();

    let alpha_key = dir.join("id_alpha");
    let beta_key = dir.join("keys dir").join("id_beta");
    env.ok(["key", "create", "alpha-key", "--out", s(&alpha_key)]);
    env.ok(["key", "create", "beta-key", "--out", s(&beta_key)]);
    env.ok(["host", "add", "alpha", "--address", "127.0.0.2", "--user", "alice", "--port", "2200"]);
    env.ok(["host", "add", "beta", "--address", "beta.example"]);
    env.ok(["host", "add", "mine", "--address", "10.1.1.1"]);
    env.ok(["host", "add", "nokey", "--address", "10.1.1.2"]);
    env.ok(["key", "bind", "alpha-key", "alpha", "mine"]);
    env.ok(["key", "bind", "beta-key", "beta"]);

    let before = listing(&dir);
    let dry = env.ok(["ssh-config", "write", "--file", s(&config), "--dry-run"]);
    assert!(dry.contains("Host alpha") && dry.contains("Would add at the top of"), "{dry}");
    assert_eq!(listing(&dir), before, "--dry-run writes nothing");
    assert_eq!(fs::read(&config).unwrap(), original);

    let said = env.ok(["ssh-config", "write", "--file", s(&config)]);
    assert!(said.contains("Left to your own config: mine"), "{said}");
    assert!(said.contains("Skipped: nokey: no key pair is bound"), "{said}");
    let managed = fs::canonicalize(&dir).unwrap().join("keyshelf.conf");
    let include = format!("Include {}\n", s(&managed));
    let mut expected = include.clone().into_bytes();
    expected.extend_from_slice(&original);
    assert_eq!(fs::read(&config).unwrap(), expected, "one line at the top, every other byte as it was");
    assert_eq!(fs::read(dir.join("config.keyshelf-backup")).unwrap(), original);
    assert_eq!(mode(&config), 0o640);

    let g = ssh_g(&config, "alpha");
    assert_eq!(
        (g["hostname"].as_str(), g["user"].as_str(), g["port"].as_str(), g["identitiesonly"].as_str()),
        ("127.0.0.2", "alice", "2200", "yes")
    );
    assert_eq!(g["identityfile"], s(&fs::canonicalize(&alpha_key).unwrap()));
    let g = ssh_g(&config, "beta");
    assert_eq!(
        (g["hostname"].as_str(), g["port"].as_str(), g["identitiesonly"].as_str()),
        ("beta.example", "22", "yes")
    );
    assert_eq!(g["identityfile"], s(&fs::canonicalize(&beta_key).unwrap()), "a path with a space survives quoting");
    let g = ssh_g(&config, "mine");
    assert_eq!((g["hostname"].as_str(), g["user"].as_str(), g["identitiesonly"].as_str()), ("10.9.9.9", "me", "no"));
    let shown = env.ok(["ssh-config", "show"]);
    assert_eq!(shown.split("Left to").next().unwrap(), fs::read_to_string(&managed).unwrap());

    // Written again: the user's config does not change, nor its backup.
    let after_first = fs::read(&config).unwrap();
    env.ok(["ssh-config", "write", "--file", s(&config)]);
    assert_eq!(fs::read(&config).unwrap(), after_first);
    assert_eq!(fs::read(dir.join("config.keyshelf-backup")).unwrap(), original);

    // Enabled: changing hosts and bindings rewrites the managed file.
    env.ok(["host", "add", "gamma", "--address", "192.0.2.3", "--user", "g"]);
    assert!(!fs::read_to_string(&managed).unwrap().contains("Host gamma\n"), "no usable key yet");
    env.ok(["key", "bind", "beta-key", "gamma"]);
    let g = ssh_g(&config, "gamma");
    assert_eq!((g["hostname"].as_str(), g["user"].as_str(), g["identitiesonly"].as_str()), ("192.0.2.3", "g", "yes"));
    env.ok(["host", "rm", "alpha"]);
    assert!(!fs::read_to_string(&managed).unwrap().contains("Host alpha\n"));
    assert_eq!(fs::read(&config).unwrap(), after_first, "refreshes touch the managed file only");

    // Off: the Include goes, the rest stays byte for byte, the managed file goes.
    env.ok(["ssh-config", "off"]);
    assert_eq!(fs::read(&config).unwrap(), original);
    assert!(!managed.exists());
    env.ok(["key", "bind", "alpha-key", "gamma"]);
    assert!(!managed.exists(), "switched off: nothing is written any more");
    assert!(!home.join(".ssh").exists(), "HOME/.ssh was never needed");
}

#[test]
fn never_enabled_nothing_is_written_and_a_symlinked_default_config_stays_a_link() {
    let (env, home) = env_with_home();
    let ssh_dir = home.join(".ssh");
    let dotfiles = home.join("dotfiles");
    fs::create_dir_all(&ssh_dir).unwrap();
    fs::create_dir_all(&dotfiles).unwrap();
    let original = b"Host a\n  HostName 192.0.2.5\n".to_vec();
    fs::write(dotfiles.join("ssh_config"), &original).unwrap();
    std::os::unix::fs::symlink(dotfiles.join("ssh_config"), ssh_dir.join("config")).unwrap();
    let key = env.path("id_k");
    env.ok(["key", "create", "kk", "--out", s(&key)]);

    // Never enabled: host and binding changes leave ~/.ssh alone.
    env.ok(["host", "add", "h", "--address", "127.0.0.9", "--user", "u"]);
    env.ok(["key", "bind", "kk", "h"]);
    env.ok(["host", "edit", "h", "--port", "2201"]);
    env.ok(["ssh-config", "write", "--dry-run"]);
    env.ok(["ssh-config", "show"]);
    assert_eq!(listing(&ssh_dir), ["config"]);
    assert_eq!(listing(&dotfiles), ["ssh_config"]);
    assert_eq!(fs::read(dotfiles.join("ssh_config")).unwrap(), original);

    // The default is HOME/.ssh/config; its link is followed, never replaced.
    env.ok(["ssh-config", "write"]);
    assert!(fs::symlink_metadata(ssh_dir.join("config")).unwrap().file_type().is_symlink());
    let managed = fs::canonicalize(&ssh_dir).unwrap().join("keyshelf.conf");
    assert!(managed.is_file(), "the managed file sits next to the config as given");
    assert!(fs::read_to_string(dotfiles.join("ssh_config"))
        .unwrap()
        .starts_with(&format!("Include {}\n", s(&managed))));
    assert_eq!(fs::read(dotfiles.join("ssh_config.keyshelf-backup")).unwrap(), original);
    let g = ssh_g(&ssh_dir.join("config"), "h");
    assert_eq!(
        (g["hostname"].as_str(), g["port"].as_str(), g["identitiesonly"].as_str()),
        ("127.0.0.9", "2201", "yes")
    );
    let g = ssh_g(&ssh_dir.join("config"), "a");
    assert_eq!(g["hostname"], "192.0.2.5");
}

#[test]
fn every_change_that_shapes_the_managed_config_rewrites_it_whatever_made_it() {
    let (env, _home) = env_with_home();
    let dir = env.path("cfg");
    fs::create_dir_all(&dir).unwrap();
    let config = dir.join("config");
    fs::write(&config, "").unwrap();
    // A key pair known by its public half only: its host cannot be written yet.
    let keys = env.path("keys");
    fs::create_dir_all(&keys).unwrap();
    let private = keys.join("id_web");
    ssh_keygen_generate(&private, "ed25519", None, "", "web@test");
    env.ok(["key", "import", "web-key", "--file", s(&keys.join("id_web.pub"))]);
    env.ok(["host", "add", "web", "--address", "192.0.2.10", "--user", "deploy"]);
    env.ok(["key", "bind", "web-key", "web"]);
    env.ok(["ssh-config", "write", "--file", s(&config)]);
    let managed = fs::canonicalize(&dir).unwrap().join("keyshelf.conf");
    assert!(!fs::read_to_string(&managed).unwrap().contains("Host web\n"), "no private key file yet");

    // The key pair learns its private key file (scan): the host appears, with that file.
    env.ok(["scan", "--dir", s(&keys), "--import"]);
    let g = ssh_g(&config, "web");
    assert_eq!(g["identityfile"], s(&fs::canonicalize(&private).unwrap()));
    assert_eq!((g["hostname"].as_str(), g["identitiesonly"].as_str()), ("192.0.2.10", "yes"));

    // A rename of the key pair and of nothing else keeps ssh resolving the same way.
    env.ok(["key", "edit", "web-key", "--name", "web-key-2026"]);
    assert_eq!(ssh_g(&config, "web")["identityfile"], s(&fs::canonicalize(&private).unwrap()));

    // A change made by any other code path (here: the library, as a new command would)
    // is picked up by the next command, whatever that command is.
    let moved = keys.join("moved_web");
    fs::copy(&private, &moved).unwrap();
    {
        let mut inv = keyshelf::inventory::Inventory::open(&env.db).unwrap();
        let k = inv.resolve_key("web-key-2026", &Default::default()).unwrap();
        inv.set_private_key_path(k.id, s(&moved)).unwrap();
    }
    env.ok(["key", "list"]);
    assert_eq!(ssh_g(&config, "web")["identityfile"], s(&fs::canonicalize(&moved).unwrap()));
    // The address changes through host edit: ssh follows.
    env.ok(["host", "edit", "web", "--address", "192.0.2.11"]);
    assert_eq!(ssh_g(&config, "web")["hostname"], "192.0.2.11");
}
