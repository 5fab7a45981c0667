//! Cloud sync with Tencent Cloud CVM, end to end through the CLI against a local stand-in
//! (tests/common/tencent_server.rs) that checks every signature: check, regions, push,
//! status, delete, a name Tencent does not take refused before any import, a wrong
//! secret, and no secret in the inventory or any output. Credentials come from a tccli
//! profile under a scratch HOME.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failed step fails the test

mod common;

use common::tencent_server::{TencentServer, ACCOUNT_ID};
use common::{json, region_results, ssh_keygen_generate, text, type_and_blob, Env};

/// A scratch inventory whose runs find tccli profile `test` (holding `secret_key`) in a
/// scratch HOME, and nothing of the machine's Tencent settings.
fn env_for(server: &TencentServer, secret_key: &str) -> Env {
    let mut env = Env::new();
    server.write_profile(env.dir.path(), "test", secret_key, "ap-singapore");
    env.vars.push(("HOME".into(), env.dir.path().display().to_string()));
    for v in ["TENCENTCLOUD_SECRET_ID", "TENCENTCLOUD_SECRET_KEY", "TENCENTCLOUD_SESSION_TOKEN", "TCCLI_PROFILE"] {
        env.unset.push(v.into());
    }
    env.unset.push("TENCENTCLOUD_REGION".into());
    env
}

fn start() -> (TencentServer, Env) {
    let server = TencentServer::start();
    let env = env_for(&server, &server.secret_key);
    let endpoint = server.endpoint.clone();
    env.ok(["account", "add", "prod", "--provider", "tencent", "--profile", "test", "--endpoint", &endpoint]);
    (server, env)
}

/// A fresh key imported into the inventory as `name`; returns its .pub line.
fn key(env: &Env, name: &str) -> String {
    let file = env.path(name);
    ssh_keygen_generate(&file, "ed25519", None, "", &format!("{name}@test"));
    let pub_file = env.path(&format!("{name}.pub"));
    env.ok(["key", "import", name, "--file", common::s(&pub_file)]);
    std::fs::read_to_string(pub_file).unwrap().trim().to_string()
}

#[test]
fn check_names_the_account_and_its_regions() {
    let (server, env) = start();
    let check = json(&env.ok(["cloud", "check", "prod", "--json"]));
    assert_eq!(check["account_id"], ACCOUNT_ID);
    assert_eq!(check["access_key_id"], server.secret_id.as_str());
    assert!(check["credentials"].as_str().unwrap().contains("tccli profile 'test'"), "{check}");
    let regions: Vec<String> = serde_json::from_value(json(&env.ok(["cloud", "regions", "prod", "--json"]))).unwrap();
    assert_eq!(regions, ["ap-guangzhou", "ap-singapore", "eu-frankfurt"]);
    assert_eq!(check["regions"], serde_json::to_value(&regions).unwrap());
}

#[test]
fn push_status_delete_in_the_profiles_region_and_reruns_change_nothing() {
    let (server, env) = start();
    let line = key(&env, "laptop");
    let fp = env.show("laptop", &[])["fingerprint_sha256"].as_str().unwrap().to_string();

    let first = region_results(&env.ok(["cloud", "push", "laptop", "--account", "prod", "--json"]));
    assert_eq!(first, [("ap-singapore".to_string(), "imported".to_string(), true)], "the profile's region");
    let there = server.keys("ap-singapore");
    assert_eq!(there.len(), 1);
    assert_eq!(there[0].name, "laptop");
    assert!(there[0].id.starts_with("skey-"));
    assert_eq!(type_and_blob(&there[0].public_key), type_and_blob(&line), "the cloud holds this very key");
    assert!(there[0].tags.contains(&("keyshelf:sha256".to_string(), fp.clone())), "tagged: {:?}", there[0].tags);
    assert!(server.keys("ap-guangzhou").is_empty());

    let again = region_results(&env.ok(["cloud", "push", "laptop", "--account", "prod", "--json"]));
    assert_eq!(again, [("ap-singapore".to_string(), "present".to_string(), true)]);
    assert_eq!(server.keys("ap-singapore").len(), 1);

    let status = json(&env.ok(["cloud", "status", "prod", "--json"]));
    assert_eq!(status.as_array().unwrap().len(), 1, "{status}");
    assert_eq!(status[0]["state"], "in-sync");
    assert_eq!(status[0]["key_pair"], "laptop");
    assert_eq!(status[0]["cloud_id"], there[0].id.as_str());

    let del = region_results(&env.ok(["cloud", "delete", "laptop", "--account", "prod", "--json"]));
    assert_eq!(del, [("ap-singapore".to_string(), "deleted".to_string(), true)]);
    assert!(server.keys("ap-singapore").is_empty());
    let del = region_results(&env.ok(["cloud", "delete", "laptop", "--account", "prod", "--json"]));
    assert_eq!(del, [("ap-singapore".to_string(), "not present".to_string(), true)]);
}

/// A name Tencent does not take is refused before any call, with one that fits; pushed
/// under a name the person gives, the key pair keeps it for the next push and delete.
#[test]
fn a_name_tencent_does_not_take_is_refused_then_pushed_under_a_name_that_is_remembered() {
    let (server, env) = start();
    key(&env, "my-laptop");
    let out = env.run(["cloud", "push", "my-laptop", "--account", "prod", "--json"]);
    assert!(!out.status.success(), "a refused push is not success");
    let shown = format!("{}{}", text(&out.stdout), text(&out.stderr));
    assert!(shown.contains("at most 25 characters: letters, digits and '_'"), "{shown}");
    assert!(shown.contains("--cloud-name my_laptop"), "{shown}");
    assert!(server.actions().is_empty(), "no call at all: {:?}", server.actions());
    // A name that does not fit either is refused the same way.
    let shown = env.fails(["cloud", "push", "my-laptop", "--account", "prod", "--cloud-name", "my.laptop"]);
    assert!(shown.contains("--cloud-name my_laptop"), "{shown}");
    assert!(server.actions().is_empty(), "{:?}", server.actions());

    let push = region_results(&env.ok([
        "cloud",
        "push",
        "my-laptop",
        "--account",
        "prod",
        "--cloud-name",
        "mine_1",
        "--json",
    ]));
    assert_eq!(push, [("ap-singapore".to_string(), "imported".to_string(), true)]);
    let there = server.keys("ap-singapore");
    assert_eq!(there.len(), 1);
    assert_eq!(there[0].name, "mine_1");
    // Remembered: a second push finds it there under that name, and so does delete.
    let again = region_results(&env.ok(["cloud", "push", "my-laptop", "--account", "prod", "--json"]));
    assert_eq!(again, [("ap-singapore".to_string(), "present".to_string(), true)]);
    let show = json(&env.ok(["key", "show", "my-laptop", "--json"]));
    assert_eq!(show["cloud"][0]["name"], "mine_1", "{show}");
    let del = region_results(&env.ok(["cloud", "delete", "my-laptop", "--account", "prod", "--json"]));
    assert_eq!(del, [("ap-singapore".to_string(), "deleted".to_string(), true)]);
    assert!(server.keys("ap-singapore").is_empty());
    let imports = server.actions().iter().filter(|a| *a == "ImportKeyPair").count();
    assert_eq!(imports, 1, "{:?}", server.actions());
}

#[test]
fn a_wrong_secret_is_one_clear_error_and_no_secret_leaks() {
    let (server, env) = start();
    key(&env, "laptop");
    let wrong = "WRONGwrongWRONGwrongWRONGwrong12";
    server.write_profile(env.dir.path(), "test", wrong, "ap-singapore");
    let before = env.snapshot();
    let err = env.fails(["cloud", "status", "prod"]);
    assert!(err.contains("AuthFailure.SignatureFailure"), "{err}");
    assert!(err.contains("tccli profile 'test'"), "names the profile: {err}");
    let out = env.run(["cloud", "push", "laptop", "--account", "prod", "--json"]);
    assert!(!out.status.success());
    let shown = format!("{err}{}{}", text(&out.stdout), text(&out.stderr));
    assert_eq!(env.snapshot(), before, "nothing changed locally");
    let db = env.db_bytes();
    for secret in [server.secret_key.as_str(), wrong] {
        assert!(!db.windows(secret.len()).any(|w| w == secret.as_bytes()), "a secret reached the inventory");
        assert!(!shown.contains(secret), "{shown}");
    }
}

#[test]
fn push_to_all_regions_then_pull_a_console_key() {
    let (server, env) = start();
    let line = key(&env, "ci");
    let all = region_results(&env.ok(["cloud", "push", "ci", "--account", "prod", "--all-regions", "--json"]));
    assert_eq!(all.len(), 3, "{all:?}");
    assert!(all.iter().all(|(_, r, ok)| r == "imported" && *ok), "{all:?}");
    for region in ["ap-guangzhou", "ap-singapore", "eu-frankfurt"] {
        let keys = server.keys(region);
        assert_eq!(keys.len(), 1, "{region}");
        assert_eq!(type_and_blob(&keys[0].public_key), type_and_blob(&line), "{region}");
    }
    let status = json(&env.ok(["cloud", "status", "prod", "--all-regions", "--json"]));
    assert!(status.as_array().unwrap().iter().all(|s| s["state"] == "in-sync"), "{status}");

    let made = env.path("made");
    ssh_keygen_generate(&made, "ed25519", None, "", "made-in-console");
    let made_line = std::fs::read_to_string(env.path("made.pub")).unwrap().trim().to_string();
    server.console_import("eu-frankfurt", "console_key", &made_line);
    let before = env.list().len();
    let p = json(&env.ok(["cloud", "pull", "prod", "--region", "eu-frankfurt", "--json"]));
    assert_eq!(p["added"], 1, "{p}");
    assert_eq!(env.list().len(), before + 1);
    let again = json(&env.ok(["cloud", "pull", "prod", "--region", "eu-frankfurt", "--json"]));
    assert_eq!((again["added"].as_u64(), again["linked"].as_u64()), (Some(0), Some(0)), "{again}");
}
