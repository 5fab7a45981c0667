//! Cloud sync with AWS EC2, end to end against moto's server (a real AWS emulator) on
//! 127.0.0.1 with signature checking on: check, regions, status, pull, push and delete,
//! in one and in all regions, reruns, conflicts, `--replace`, a wrong secret, the
//! endpoint down, and no secret ever in the inventory or any output. boto3 (installed
//! with moto) is the independent oracle for what the cloud holds. Skipped, with the
//! reason printed, where moto is not installed.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failed step fails the test

mod common;

use std::process::Command;

use common::moto::Moto;
use common::{json, region_results, ssh_keygen_generate, text, type_and_blob, Env};

/// A scratch inventory whose keyshelf runs reach only this moto, through profile `test`.
fn env_for(moto: &Moto) -> Env {
    let mut env = Env::new();
    let (set, unset) = moto.write_profile(env.dir.path(), "test");
    env.vars.extend(set);
    env.unset.extend(unset);
    env
}

/// One EC2 key pair as boto3 sees it: name, "type blob", tags.
type Seen = (String, String, Vec<(String, String)>);

/// The EC2 key pairs boto3 sees in `region`.
fn cloud_keys(moto: &Moto, region: &str) -> Vec<Seen> {
    let script = r#"
import boto3, json, os
ec2 = boto3.client("ec2", endpoint_url=os.environ["EP"], region_name=os.environ["REGION"],
                   aws_access_key_id=os.environ["AK"], aws_secret_access_key=os.environ["SK"])
out = []
for k in ec2.describe_key_pairs(IncludePublicKey=True)["KeyPairs"]:
    out.append([k["KeyName"], " ".join(k.get("PublicKey", "").split()[:2]), [[t["Key"], t["Value"]] for t in k.get("Tags", [])]])
print(json.dumps(out))
"#;
    let v = json(&boto(moto, region, script, &[]));
    v.as_array()
        .unwrap()
        .iter()
        .map(|k| {
            let tags = k[2]
                .as_array()
                .unwrap()
                .iter()
                .map(|t| (t[0].as_str().unwrap().to_string(), t[1].as_str().unwrap().to_string()))
                .collect();
            (k[0].as_str().unwrap().to_string(), k[1].as_str().unwrap().to_string(), tags)
        })
        .collect()
}

/// Imports `line` under `name` in `region` with boto3, as a console user would.
fn console_import(moto: &Moto, region: &str, name: &str, line: &str) {
    let script = r#"
import boto3, os
ec2 = boto3.client("ec2", endpoint_url=os.environ["EP"], region_name=os.environ["REGION"],
                   aws_access_key_id=os.environ["AK"], aws_secret_access_key=os.environ["SK"])
ec2.import_key_pair(KeyName=os.environ["NAME"], PublicKeyMaterial=os.environ["LINE"].encode())
"#;
    boto(moto, region, script, &[("NAME", name), ("LINE", line)]);
}

fn boto(moto: &Moto, region: &str, script: &str, extra: &[(&str, &str)]) -> String {
    let out = Command::new("python3")
        .arg("-c")
        .arg(script)
        .env("EP", &moto.endpoint)
        .env("REGION", region)
        .env("AK", &moto.access_key_id)
        .env("SK", &moto.secret_access_key)
        .envs(extra.iter().copied())
        .env_remove("AWS_PROFILE")
        .env("AWS_CONFIG_FILE", "/dev/null")
        .env("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
        .output()
        .expect("python3");
    assert!(out.status.success(), "boto3 failed: {}", text(&out.stderr));
    text(&out.stdout)
}

/// A fresh Ed25519 key imported into the inventory as `name`; returns its .pub line.
fn key(env: &Env, name: &str, kind: &str) -> String {
    let file = env.path(name);
    ssh_keygen_generate(&file, kind, None, "", &format!("{name}@test"));
    let pub_file = env.path(&format!("{name}.pub"));
    env.ok(["key", "import", name, "--file", common::s(&pub_file)]);
    std::fs::read_to_string(pub_file).unwrap().trim().to_string()
}

fn start() -> Option<(Moto, Env)> {
    let moto = Moto::start()?;
    let env = env_for(&moto);
    env.ok(["account", "add", "prod", "--provider", "aws", "--profile", "test", "--region", "us-east-1"]);
    Some((moto, env))
}

#[test]
fn check_names_the_account_and_its_regions_of_one_partition() {
    let Some((_moto, env)) = start() else { return };
    let accounts = json(&env.ok(["account", "list", "--json"]));
    assert_eq!(accounts[0]["profile"], "test");
    assert_eq!(accounts[0]["region"], "us-east-1");
    let check = json(&env.ok(["cloud", "check", "prod", "--json"]));
    assert_eq!(check["account_id"], "123456789012");
    assert!(check["arn"].as_str().unwrap().starts_with("arn:aws:iam::123456789012:user/"), "{check}");
    let regions: Vec<String> = serde_json::from_value(json(&env.ok(["cloud", "regions", "prod", "--json"]))).unwrap();
    assert_eq!(check["regions"], serde_json::to_value(&regions).unwrap());
    assert!(regions.contains(&"us-east-1".to_string()) && regions.contains(&"eu-west-1".to_string()), "{regions:?}");
    assert!(regions.iter().all(|r| !r.starts_with("cn-") && !r.starts_with("us-gov-")), "one partition: {regions:?}");
}

#[test]
fn push_status_delete_in_one_region_and_reruns_change_nothing() {
    let Some((moto, env)) = start() else { return };
    let line = key(&env, "laptop", "ed25519");
    let fp = env.show("laptop", &[])["fingerprint_sha256"].as_str().unwrap().to_string();

    let first = region_results(&env.ok(["cloud", "push", "laptop", "--account", "prod", "--json"]));
    assert_eq!(first, [("us-east-1".to_string(), "imported".to_string(), true)]);
    let there = cloud_keys(&moto, "us-east-1");
    assert_eq!(there.len(), 1);
    assert_eq!(there[0].0, "laptop");
    assert_eq!(there[0].1, type_and_blob(&line), "the cloud holds this very key");
    assert!(there[0].2.contains(&("keyshelf:sha256".to_string(), fp.clone())), "tagged: {:?}", there[0].2);
    assert!(cloud_keys(&moto, "eu-west-1").is_empty(), "only the default region");

    let again = region_results(&env.ok(["cloud", "push", "laptop", "--account", "prod", "--json"]));
    assert_eq!(again, [("us-east-1".to_string(), "present".to_string(), true)]);
    assert_eq!(cloud_keys(&moto, "us-east-1").len(), 1);

    let status = json(&env.ok(["cloud", "status", "prod", "--json"]));
    assert_eq!(status.as_array().unwrap().len(), 1, "{status}");
    assert_eq!(status[0]["state"], "in-sync");
    assert_eq!(status[0]["key_pair"], "laptop");
    assert_eq!(status[0]["fingerprint_sha256"], fp.as_str());
    assert!(status[0]["cloud_id"].as_str().unwrap().starts_with("key-"));

    let show = env.show("laptop", &[]);
    assert_eq!(show["cloud"][0]["account"], "prod");
    assert_eq!(show["cloud"][0]["region"], "us-east-1");

    let del = region_results(&env.ok(["cloud", "delete", "laptop", "--account", "prod", "--json"]));
    assert_eq!(del, [("us-east-1".to_string(), "deleted".to_string(), true)]);
    assert!(cloud_keys(&moto, "us-east-1").is_empty());
    let del = region_results(&env.ok(["cloud", "delete", "laptop", "--account", "prod", "--json"]));
    assert_eq!(del, [("us-east-1".to_string(), "not present".to_string(), true)]);
    assert_eq!(env.show("laptop", &[])["cloud"], serde_json::json!([]), "the local key pair stays, unlinked");
    let status = json(&env.ok(["cloud", "status", "prod", "--json"]));
    assert_eq!(status.as_array().unwrap().len(), 0, "not in this account's region, no longer linked: {status}");
}

#[test]
fn push_to_all_regions_then_again_and_an_ecdsa_key_is_refused_before_any_call() {
    let Some((moto, mut env)) = start() else { return };
    let line = key(&env, "ci", "ed25519");
    let regions: Vec<String> = serde_json::from_value(json(&env.ok(["cloud", "regions", "prod", "--json"]))).unwrap();
    assert!(regions.len() >= 15, "{regions:?}");
    let all = region_results(&env.ok(["cloud", "push", "ci", "--account", "prod", "--all-regions", "--json"]));
    assert_eq!(all.len(), regions.len());
    assert!(all.iter().all(|(_, r, ok)| r == "imported" && *ok), "{all:?}");
    for r in [&regions[0], &regions[regions.len() / 2], &regions[regions.len() - 1]] {
        let keys = cloud_keys(&moto, r);
        assert_eq!(keys.len(), 1, "{r}");
        assert_eq!(keys[0].1, type_and_blob(&line), "{r}");
    }
    let again = region_results(&env.ok(["cloud", "push", "ci", "--account", "prod", "--all-regions", "--json"]));
    assert!(again.iter().all(|(_, r, _)| r == "present"), "{again:?}");
    let status = json(&env.ok(["cloud", "status", "prod", "--all-regions", "--json"]));
    let states: Vec<&str> = status.as_array().unwrap().iter().map(|s| s["state"].as_str().unwrap()).collect();
    assert_eq!(states.len(), regions.len());
    assert!(states.iter().all(|s| *s == "in-sync"), "{states:?}");
    assert_eq!(env.show("ci", &[])["cloud"].as_array().unwrap().len(), regions.len());

    // Deleting it from the inventory says where it still is, and deletes only when asked.
    let err = env.fails(["key", "rm", "ci"]);
    assert!(err.contains("still in the cloud: prod / ") && err.contains("cloud delete ci"), "{err}");
    assert!(env.list().iter().any(|k| k["name"] == "ci"));
    env.ok(["key", "rm", "ci", "--keep-in-cloud"]);
    assert_eq!(cloud_keys(&moto, &regions[0]).len(), 1, "the cloud keeps it");

    key(&env, "ecdsa", "ecdsa");
    env.vars.push(("AWS_ENDPOINT_URL".into(), "http://127.0.0.1:9".into()));
    let err = env.fails(["cloud", "push", "ecdsa", "--account", "prod", "--region", "us-west-2"]);
    assert!(err.contains("does not import ECDSA"), "refused for its type, before any call: {err}");
}

#[test]
fn a_name_holding_another_key_is_left_alone_unless_replace() {
    let Some((moto, env)) = start() else { return };
    let ours = key(&env, "web", "ed25519");
    let other = env.path("other");
    ssh_keygen_generate(&other, "ed25519", None, "", "someone-else");
    let theirs = std::fs::read_to_string(env.path("other.pub")).unwrap().trim().to_string();
    console_import(&moto, "us-west-2", "web", &theirs);

    let out = env.run([
        "cloud",
        "push",
        "web",
        "--account",
        "prod",
        "--region",
        "us-west-2",
        "--region",
        "eu-west-1",
        "--json",
    ]);
    assert!(!out.status.success(), "a conflict is not success");
    let r = region_results(&text(&out.stdout));
    assert_eq!(
        r,
        [
            ("us-west-2".to_string(), "conflict".to_string(), false),
            ("eu-west-1".to_string(), "imported".to_string(), true)
        ]
    );
    assert_eq!(cloud_keys(&moto, "us-west-2")[0].1, type_and_blob(&theirs), "left alone");
    // Keyshelf's "web" is kept outside the account: the cloud's "web" is one it does not hold.
    let status = json(&env.ok(["cloud", "status", "prod", "--region", "us-west-2", "--json"]));
    assert_eq!((status[0]["state"].as_str(), status[0]["key_pair"].as_str()), (Some("only-cloud"), None), "{status}");

    // A key pair kept in this account and region whose name the cloud gives another key.
    let db = env.path("db");
    ssh_keygen_generate(&db, "ed25519", None, "", "db");
    env.ok([
        "key",
        "import",
        "db",
        "--file",
        common::s(&env.path("db.pub")),
        "--account",
        "prod",
        "--region",
        "us-west-2",
    ]);
    console_import(&moto, "us-west-2", "db", &theirs);
    let status = json(&env.ok(["cloud", "status", "prod", "--region", "us-west-2", "--json"]));
    let db_row = status.as_array().unwrap().iter().find(|r| r["name"] == "db").expect("a row for db");
    assert_eq!(
        (db_row["state"].as_str(), db_row["key_pair"].as_str()),
        (Some("name-conflict"), Some("db")),
        "{status}"
    );
    // Their key under two names is a duplicate.
    assert_eq!(status.as_array().unwrap().iter().filter(|r| r["state"] == "duplicate").count(), 1, "{status:#}");

    // Deleting by name refuses a name that holds another key.
    let out = env.run(["cloud", "delete", "web", "--account", "prod", "--region", "us-west-2", "--json"]);
    assert!(!out.status.success());
    assert_eq!(region_results(&text(&out.stdout))[0].1, "conflict");
    let web_blob = |moto: &Moto| cloud_keys(moto, "us-west-2").into_iter().find(|k| k.0 == "web").map(|k| k.1);
    assert_eq!(web_blob(&moto), Some(type_and_blob(&theirs)), "not deleted");

    let r = region_results(&env.ok([
        "cloud",
        "push",
        "web",
        "--account",
        "prod",
        "--region",
        "us-west-2",
        "--replace",
        "--json",
    ]));
    assert_eq!(r, [("us-west-2".to_string(), "replaced".to_string(), true)]);
    assert_eq!(cloud_keys(&moto, "us-west-2").len(), 2, "web replaced, db untouched");
    assert_eq!(web_blob(&moto), Some(type_and_blob(&ours)));
}

#[test]
fn pull_adds_unknown_keys_links_known_ones_and_twice_changes_nothing() {
    let Some((moto, env)) = start() else { return };
    let laptop = key(&env, "laptop", "ed25519");
    console_import(&moto, "eu-west-1", "laptop-in-console", &laptop);
    let made = env.path("made");
    ssh_keygen_generate(&made, "ed25519", None, "", "made-in-console");
    let made_line = std::fs::read_to_string(env.path("made.pub")).unwrap().trim().to_string();
    console_import(&moto, "eu-west-1", "console key", &made_line);

    let status = json(&env.ok(["cloud", "status", "prod", "--region", "eu-west-1", "--json"]));
    let mut states: Vec<(String, String)> = status
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["name"].as_str().unwrap().into(), s["state"].as_str().unwrap().into()))
        .collect();
    states.sort();
    assert_eq!(
        states,
        [
            ("console key".to_string(), "only-cloud".to_string()),
            ("laptop-in-console".to_string(), "in-sync".to_string())
        ]
    );
    let before = env.list().len();

    let p = json(&env.ok(["cloud", "pull", "prod", "--region", "eu-west-1", "--json"]));
    assert_eq!(p["added"], 1, "{p}");
    assert_eq!(p["linked"], 1, "{p}");
    assert_eq!(p["conflicts"], serde_json::json!([]));
    assert_eq!(env.list().len(), before + 1);
    let added = env.show("console-key", &["--account", "prod", "--region", "eu-west-1"]);
    assert_eq!(common::type_and_blob(added["public_key"].as_str().unwrap()), type_and_blob(&made_line));
    assert_eq!(env.show("laptop", &[])["cloud"][0]["name"], "laptop-in-console");

    let again = json(&env.ok(["cloud", "pull", "prod", "--region", "eu-west-1", "--json"]));
    assert_eq!((again["added"].as_u64(), again["linked"].as_u64()), (Some(0), Some(0)), "{again}");
    assert_eq!(env.list().len(), before + 1);
    let status = json(&env.ok(["cloud", "status", "prod", "--region", "eu-west-1", "--json"]));
    assert!(status.as_array().unwrap().iter().all(|s| s["state"] == "in-sync"), "{status}");
}

#[test]
fn a_wrong_secret_or_a_dead_endpoint_is_one_clear_error_and_no_secret_leaks() {
    let Some((moto, mut env)) = start() else { return };
    key(&env, "laptop", "ed25519");
    env.ok(["cloud", "push", "laptop", "--account", "prod", "--json"]);
    let before = env.snapshot();

    // The same access key id with a wrong secret.
    let creds = env.path("aws-credentials");
    let wrong = "WRONGwrongWRONGwrongWRONGwrongWRONGwrong1";
    std::fs::write(
        &creds,
        format!("[test]\naws_access_key_id = {}\naws_secret_access_key = {wrong}\n", moto.access_key_id),
    )
    .unwrap();
    for (k, v) in env.vars.iter_mut() {
        if k == "AWS_SHARED_CREDENTIALS_FILE" {
            *v = creds.display().to_string();
        }
    }
    let err = env.fails(["cloud", "status", "prod"]);
    assert!(err.contains("AuthFailure") || err.contains("SignatureDoesNotMatch"), "{err}");
    assert!(err.contains("'test'"), "names the profile: {err}");
    assert!(!err.contains(wrong), "{err}");
    let out = env.run(["cloud", "pull", "prod", "--json"]);
    assert!(!out.status.success());
    assert_eq!(env.snapshot(), before, "nothing changed locally");

    env.vars.push(("AWS_ENDPOINT_URL".into(), "http://127.0.0.1:9".into()));
    let err = env.fails(["cloud", "check", "prod"]);
    assert!(err.contains("cannot reach http://127.0.0.1:9"), "{err}");

    // No secret in the inventory, its WAL, or anything printed along the way.
    let db = env.db_bytes();
    for secret in [moto.secret_access_key.as_str(), wrong] {
        assert!(!db.windows(secret.len()).any(|w| w == secret.as_bytes()), "a secret reached the inventory");
        assert!(!err.contains(secret));
    }
    let activity = env.ok(["activity", "--json"]);
    assert!(!activity.contains(&moto.secret_access_key));
}
