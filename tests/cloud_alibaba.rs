//! Cloud sync with Alibaba Cloud ECS, end to end through the CLI against a local server
//! (tests/common/alibaba_server.rs) that checks every request's ACS3-HMAC-SHA256
//! signature with its own code and answers in the API reference's JSON shapes: check,
//! regions, status, pull, push and delete, reruns, paging, a throttled call tried again,
//! Ed25519 refused before any call, an error reply, wrong credentials, and no secret ever
//! in the inventory or any output. Credentials come from the environment or from a
//! profile of `~/.aliyun/config.json` in a scratch HOME; the real machine's are never read.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failed step fails the test

mod common;

use std::process::Output;
use std::sync::OnceLock;

use common::alibaba_server::{AlibabaServer, REGIONS};
use common::{json, region_results, ssh_keygen_fingerprint, ssh_keygen_generate, text, type_and_blob, Env};
use serde_json::Value;

/// One server for every test of this file; each test has its own access key (account).
fn server() -> &'static AlibabaServer {
    static SERVER: OnceLock<AlibabaServer> = OnceLock::new();
    SERVER.get_or_init(AlibabaServer::start)
}

/// The variables through which the real machine's Alibaba Cloud settings could leak in.
const ALIBABA_VARS: [&str; 7] = [
    "ALIBABA_CLOUD_ACCESS_KEY_ID",
    "ALIBABA_CLOUD_ACCESS_KEY_SECRET",
    "ALIBABA_CLOUD_SECURITY_TOKEN",
    "ALIBABA_CLOUD_PROFILE",
    "ALIBABA_CLOUD_REGION_ID",
    "ALIBABA_CLOUD_CREDENTIALS_FILE",
    "ALIBABA_CLOUD_CONFIG_FILE",
];

/// Where the credentials of a test's keyshelf runs come from.
enum Creds {
    /// `ALIBABA_CLOUD_ACCESS_KEY_ID` / `ALIBABA_CLOUD_ACCESS_KEY_SECRET` in the child's env.
    Environment,
    /// Profile `test` in the scratch HOME's `~/.aliyun/config.json`.
    Profile,
}

/// A scratch inventory with account `prod` (provider alibaba, region cn-hangzhou) on the
/// test server, reached with a fresh access key. Every run is checked for the secret.
struct Ali {
    env: Env,
    access_key_id: String,
    secret: String,
    account_id: String,
}

impl Ali {
    fn new(tag: &str, creds: Creds) -> Ali {
        let access_key_id = format!("LTAI5t{tag}");
        let secret = format!("sEcReT{tag}Zq81vXw0pLm4nB7cKd2");
        let account_id = server().add_user(&access_key_id, &secret);
        let mut env = Env::new();
        env.vars.push(("HOME".into(), env.dir.path().display().to_string()));
        env.unset.extend(ALIBABA_VARS.map(String::from));
        let mut ali = Ali { env, access_key_id, secret, account_id };
        let mut add = vec!["account", "add", "prod", "--provider", "alibaba", "--region", "cn-hangzhou", "--endpoint"];
        add.push(&server().endpoint);
        match creds {
            Creds::Environment => {
                ali.env.vars.push(("ALIBABA_CLOUD_ACCESS_KEY_ID".into(), ali.access_key_id.clone()));
                ali.env.vars.push(("ALIBABA_CLOUD_ACCESS_KEY_SECRET".into(), ali.secret.clone()));
            }
            Creds::Profile => {
                ali.write_profile(&ali.secret.clone());
                add.extend(["--profile", "test"]);
            }
        }
        ali.ok(&add);
        ali
    }

    /// `~/.aliyun/config.json` with profile `test` (this access key with `secret`) as the
    /// current one.
    fn write_profile(&self, secret: &str) {
        let dir = self.env.path(".aliyun");
        std::fs::create_dir_all(&dir).unwrap();
        let config = serde_json::json!({
            "current": "test",
            "profiles": [{"name": "test", "mode": "AK", "access_key_id": self.access_key_id,
                          "access_key_secret": secret, "sts_token": "", "region_id": "cn-beijing",
                          "output_format": "json", "language": "en"}],
            "meta_path": "",
        });
        std::fs::write(dir.join("config.json"), config.to_string()).unwrap();
    }

    /// Runs keyshelf; neither output may hold the secret.
    fn run(&self, args: &[&str]) -> Output {
        let out = self.env.run(args);
        for stream in [&out.stdout, &out.stderr] {
            assert!(!text(stream).contains(&self.secret), "keyshelf {args:?} printed the secret");
        }
        out
    }

    fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(out.status.success(), "keyshelf {args:?} failed: {}", text(&out.stderr));
        text(&out.stdout)
    }

    fn fails(&self, args: &[&str]) -> String {
        let out = self.run(args);
        common::expect_failure(&out, &args.join(" "))
    }

    fn json(&self, args: &[&str]) -> Value {
        json(&self.ok(args))
    }

    /// A fresh key (`kind`: rsa, ed25519, ecdsa) imported into the inventory as `name`
    /// (`extra`: `--account`/`--region`); returns its .pub line.
    fn key(&self, name: &str, kind: &str, extra: &[&str]) -> String {
        let file = self.env.path(name);
        let bits = (kind == "rsa").then_some(2048);
        ssh_keygen_generate(&file, kind, bits, "", &format!("{name}@test"));
        let pub_file = self.env.path(&format!("{name}.pub"));
        let mut args = vec!["key", "import", name, "--file", common::s(&pub_file)];
        args.extend_from_slice(extra);
        self.ok(&args);
        std::fs::read_to_string(pub_file).unwrap().trim().to_string()
    }

    /// A fresh key made outside Keyshelf (as in the console): its .pub line.
    fn outside_key(&self, name: &str, kind: &str) -> String {
        let file = self.env.path(name);
        ssh_keygen_generate(&file, kind, (kind == "rsa").then_some(2048), "", name);
        std::fs::read_to_string(self.env.path(&format!("{name}.pub"))).unwrap().trim().to_string()
    }

    /// The calls the server has seen from this access key.
    fn calls(&self) -> Vec<common::alibaba_server::Call> {
        server().calls(&self.access_key_id)
    }

    fn cloud(&self, region: &str) -> Vec<common::alibaba_server::KeyPair> {
        server().keys(&self.access_key_id, region)
    }

    /// No secret in the inventory file, its WAL, or the activity log.
    fn assert_no_secret_stored(&self) {
        let db = self.env.db_bytes();
        assert!(!db.is_empty());
        assert!(
            !db.windows(self.secret.len()).any(|w| w == self.secret.as_bytes()),
            "the secret reached the inventory"
        );
        assert!(!self.ok(&["activity", "--json", "--limit", "100000"]).contains(&self.secret));
    }
}

fn one(region: &str, result: &str, ok: bool) -> Vec<(String, String, bool)> {
    vec![(region.to_string(), result.to_string(), ok)]
}

/// (name, state) of each `cloud status --json` row, sorted.
fn states(status: &Value) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = status
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["name"].as_str().unwrap().into(), s["state"].as_str().unwrap().into()))
        .collect();
    v.sort();
    v
}

fn pairs(v: &[(&str, &str)]) -> Vec<(String, String)> {
    v.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect()
}

#[test]
fn check_names_the_account_and_its_regions_and_a_throttled_call_is_tried_again() {
    let ali = Ali::new("Check01", Creds::Environment);
    let accounts = ali.json(&["account", "list", "--json"]);
    assert_eq!(accounts[0]["provider"], "alibaba", "{accounts}");
    assert_eq!(accounts[0]["region"], "cn-hangzhou");
    assert_eq!(accounts[0]["endpoint"], server().endpoint.as_str());

    server().throttle_once(&ali.access_key_id, "GetCallerIdentity");
    let check = ali.json(&["cloud", "check", "prod", "--json"]);
    assert_eq!(check["account_id"], ali.account_id.as_str(), "{check}");
    assert_eq!(check["arn"], format!("acs:ram::{}:user/keyshelf-test", ali.account_id).as_str());
    assert_eq!(check["access_key_id"], ali.access_key_id.as_str());
    assert!(check["credentials"].as_str().unwrap().contains("ALIBABA_CLOUD_ACCESS_KEY_ID"), "{check}");
    let regions: Vec<String> = serde_json::from_value(ali.json(&["cloud", "regions", "prod", "--json"])).unwrap();
    assert_eq!(regions, REGIONS.map(String::from).to_vec());
    assert_eq!(check["regions"], serde_json::to_value(&regions).unwrap());

    let identity: Vec<Option<String>> =
        ali.calls().iter().filter(|c| c.action == "GetCallerIdentity").map(|c| c.error.clone()).collect();
    assert_eq!(identity, [Some("Throttling.User".to_string()), None], "throttled once, then tried again");
    assert!(ali.calls().iter().all(|c| c.error.is_none() || c.error.as_deref() == Some("Throttling.User")));

    let text = ali.ok(&["cloud", "check", "prod"]);
    assert!(text.contains(&ali.account_id) && text.contains(&ali.access_key_id), "{text}");
    ali.assert_no_secret_stored();
}

#[test]
fn push_status_delete_with_a_profile_and_reruns_change_nothing() {
    let ali = Ali::new("Push02", Creds::Profile);
    let check = ali.json(&["cloud", "check", "prod", "--json"]);
    assert_eq!(check["account_id"], ali.account_id.as_str());
    assert!(check["credentials"].as_str().unwrap().starts_with("profile 'test' in "), "{check}");

    let line = ali.key("laptop", "rsa", &[]);
    let fp = ali.env.show("laptop", &[])["fingerprint_sha256"].as_str().unwrap().to_string();
    let first = region_results(&ali.ok(&["cloud", "push", "laptop", "--account", "prod", "--json"]));
    assert_eq!(first, one("cn-hangzhou", "imported", true), "the account's region, not the profile's");
    let there = ali.cloud("cn-hangzhou");
    assert_eq!(there.len(), 1);
    assert_eq!(there[0].name, "laptop");
    assert_eq!(type_and_blob(&there[0].public_key), type_and_blob(&line), "the cloud holds this very key");
    assert!(there[0].tags.contains(&("keyshelf:sha256".to_string(), fp.clone())), "tagged: {:?}", there[0].tags);
    // The server's fingerprint (MD5 of the key blob) is ssh-keygen's MD5 one.
    let md5 = ssh_keygen_fingerprint(&ali.env.path("laptop.pub"), true);
    assert_eq!(there[0].fingerprint, md5.trim_start_matches("MD5:").replace(':', ""));
    assert!(ali.cloud("cn-beijing").is_empty(), "only the default region");
    let imports: Vec<_> = ali.calls().into_iter().filter(|c| c.action == "ImportKeyPair").collect();
    assert_eq!(imports.len(), 1);
    assert_eq!(imports[0].params["PublicKeyBody"], line, "sent in the query, signed there");
    assert_eq!(imports[0].params["Tag.1.Key"], "keyshelf:sha256");

    let again = region_results(&ali.ok(&["cloud", "push", "laptop", "--account", "prod", "--json"]));
    assert_eq!(again, one("cn-hangzhou", "present", true));
    assert_eq!(ali.cloud("cn-hangzhou").len(), 1);
    assert_eq!(ali.calls().iter().filter(|c| c.action == "ImportKeyPair").count(), 1, "no second import");

    let status = ali.json(&["cloud", "status", "prod", "--json"]);
    assert_eq!(status.as_array().unwrap().len(), 1, "{status}");
    assert_eq!(status[0]["state"], "in-sync");
    assert_eq!(status[0]["key_pair"], "laptop");
    assert_eq!(status[0]["fingerprint_sha256"], fp.as_str());
    assert_eq!(status[0]["cloud_id"], "laptop", "ECS has no key pair id: the name stands for it");
    let show = ali.env.show("laptop", &[]);
    assert_eq!(show["cloud"][0]["account"], "prod");
    assert_eq!(show["cloud"][0]["region"], "cn-hangzhou");

    let del = region_results(&ali.ok(&["cloud", "delete", "laptop", "--account", "prod", "--json"]));
    assert_eq!(del, one("cn-hangzhou", "deleted", true));
    assert!(ali.cloud("cn-hangzhou").is_empty());
    let deletes: Vec<_> = ali.calls().into_iter().filter(|c| c.action == "DeleteKeyPairs").collect();
    assert_eq!(deletes.len(), 1);
    assert_eq!(deletes[0].params["KeyPairNames"], r#"["laptop"]"#);
    let del = region_results(&ali.ok(&["cloud", "delete", "laptop", "--account", "prod", "--json"]));
    assert_eq!(del, one("cn-hangzhou", "not present", true));
    assert_eq!(ali.calls().iter().filter(|c| c.action == "DeleteKeyPairs").count(), 1, "nothing to delete");
    assert_eq!(ali.env.show("laptop", &[])["cloud"], serde_json::json!([]), "the local key pair stays, unlinked");
    let status = ali.json(&["cloud", "status", "prod", "--json"]);
    assert_eq!(status.as_array().unwrap().len(), 0, "not in this account's region, no longer linked: {status}");

    assert!(ali.calls().iter().all(|c| c.error.is_none()), "every call signed well: {:?}", ali.calls());
    ali.assert_no_secret_stored();
}

#[test]
fn an_ed25519_key_is_refused_before_any_call() {
    let ali = Ali::new("Ed03", Creds::Environment);
    ali.key("modern", "ed25519", &[]);
    let before = ali.env.snapshot();
    for args in [
        &["cloud", "push", "modern", "--account", "prod"][..],
        &["cloud", "push", "modern", "--account", "prod", "--all-regions", "--json"][..],
    ] {
        let err = ali.fails(args);
        assert!(err.to_lowercase().contains("does not import ed25519"), "refused for its type: {err}");
    }
    assert!(ali.calls().is_empty(), "no call at all: {:?}", ali.calls());
    assert_eq!(ali.env.snapshot(), before, "nothing changed locally");
    // An ECDSA key is one ECS takes.
    ali.key("ecdsa", "ecdsa", &[]);
    let r =
        region_results(&ali.ok(&["cloud", "push", "ecdsa", "--account", "prod", "--region", "eu-central-1", "--json"]));
    assert_eq!(r, one("eu-central-1", "imported", true));
}

#[test]
fn status_shows_drift_and_pull_adds_and_links_once() {
    let ali = Ali::new("Pull04", Creds::Environment);
    let laptop = ali.key("laptop", "rsa", &[]);
    server().console_import(&ali.access_key_id, "cn-shanghai", "laptop-in-console", &laptop);
    let made = ali.outside_key("made", "ecdsa");
    server().console_import(&ali.access_key_id, "cn-shanghai", "consoleKey", &made);
    ali.key("planned", "ecdsa", &["--account", "prod", "--region", "cn-shanghai"]);

    let status = ali.json(&["cloud", "status", "prod", "--region", "cn-shanghai", "--json"]);
    assert_eq!(
        states(&status),
        pairs(&[("consoleKey", "only-cloud"), ("laptop-in-console", "in-sync"), ("planned", "only-local")]),
        "{status:#}"
    );
    let before = ali.env.list().len();

    // ECS names may be Chinese characters only, which no inventory name is.
    let chinese = ali.outside_key("ops", "ecdsa");
    server().console_import(&ali.access_key_id, "cn-shanghai", "运维密钥", &chinese);
    let p = ali.json(&["cloud", "pull", "prod", "--region", "cn-shanghai", "--json"]);
    assert_eq!(p["added"], 2, "{p}");
    assert_eq!(p["linked"], 1, "{p}");
    assert_eq!(p["conflicts"], serde_json::json!([]));
    assert_eq!(p["failed"], serde_json::json!([]));
    let mut added: Vec<&str> =
        p["added_keys"].as_array().unwrap().iter().map(|k| k["name"].as_str().unwrap()).collect();
    added.sort_unstable();
    assert_eq!(added, ["cloud-key", "consoleKey"], "{p}");
    assert_eq!(ali.env.list().len(), before + 2);
    let added = ali.env.show("consoleKey", &["--account", "prod", "--region", "cn-shanghai"]);
    assert_eq!(type_and_blob(added["public_key"].as_str().unwrap()), type_and_blob(&made));
    let ops = ali.env.show("cloud-key", &["--account", "prod", "--region", "cn-shanghai"]);
    assert_eq!(type_and_blob(ops["public_key"].as_str().unwrap()), type_and_blob(&chinese));
    assert_eq!(ops["cloud"][0]["name"], "运维密钥", "linked under its cloud name");
    assert_eq!(ali.env.show("laptop", &[])["cloud"][0]["name"], "laptop-in-console");

    let again = ali.json(&["cloud", "pull", "prod", "--region", "cn-shanghai", "--json"]);
    assert_eq!((again["added"].as_u64(), again["linked"].as_u64()), (Some(0), Some(0)), "{again}");
    assert_eq!(ali.env.list().len(), before + 2);
    let status = ali.json(&["cloud", "status", "prod", "--region", "cn-shanghai", "--json"]);
    assert_eq!(
        states(&status),
        pairs(&[
            ("consoleKey", "in-sync"),
            ("laptop-in-console", "in-sync"),
            ("planned", "only-local"),
            ("运维密钥", "in-sync")
        ]),
        "{status:#}"
    );
    assert_eq!(ali.cloud("cn-shanghai").len(), 3, "pull and status change nothing in the cloud");
    assert!(ali.calls().iter().all(|c| c.action == "DescribeKeyPairs" && c.error.is_none()), "{:?}", ali.calls());
    // A push of the pulled key finds it under its cloud name.
    let r = region_results(&ali.ok(&[
        "cloud",
        "push",
        "cloud-key",
        "--account",
        "prod",
        "--region",
        "cn-shanghai",
        "--json",
    ]));
    assert_eq!(r, one("cn-shanghai", "present", true));
    assert_eq!(ali.cloud("cn-shanghai").len(), 3);
}

#[test]
fn more_than_one_page_of_key_pairs_is_pulled_completely() {
    let ali = Ali::new("Page05", Creds::Environment);
    const COUNT: usize = 2 * 50 + 7;
    let mut lines = Vec::new();
    for i in 0..COUNT {
        let line = ali.outside_key(&format!("k{i:03}"), "ecdsa");
        server().console_import(&ali.access_key_id, "cn-beijing", &format!("fleet-{i:03}"), &line);
        lines.push(line);
    }
    server().throttle_once(&ali.access_key_id, "DescribeKeyPairs");
    let p = ali.json(&["cloud", "pull", "prod", "--region", "cn-beijing", "--json"]);
    assert_eq!(p["added"], COUNT, "{p}");
    assert_eq!(p["failed"], serde_json::json!([]));
    let mut names: Vec<String> =
        p["added_keys"].as_array().unwrap().iter().map(|k| k["name"].as_str().unwrap().to_string()).collect();
    names.sort();
    assert_eq!(names, (0..COUNT).map(|i| format!("fleet-{i:03}")).collect::<Vec<_>>());
    let last = ali.env.show("fleet-106", &["--account", "prod", "--region", "cn-beijing"]);
    assert_eq!(type_and_blob(last["public_key"].as_str().unwrap()), type_and_blob(&lines[COUNT - 1]));

    let pages: Vec<(String, String, Option<String>)> = ali
        .calls()
        .iter()
        .map(|c| (c.params["PageNumber"].clone(), c.params["PageSize"].clone(), c.error.clone()))
        .collect();
    let want: Vec<(String, String, Option<String>)> = vec![
        ("1".into(), "50".into(), Some("Throttling.User".into())),
        ("1".into(), "50".into(), None),
        ("2".into(), "50".into(), None),
        ("3".into(), "50".into(), None),
    ];
    assert_eq!(pages, want);
    assert!(ali.calls().iter().all(|c| c.params["IncludePublicKey"] == "true"));

    let status = ali.json(&["cloud", "status", "prod", "--region", "cn-beijing", "--json"]);
    assert_eq!(status.as_array().unwrap().len(), COUNT);
    assert!(status.as_array().unwrap().iter().all(|s| s["state"] == "in-sync"), "{status}");
}

#[test]
fn an_error_reply_is_shown_with_its_code_and_request_id() {
    let ali = Ali::new("Err06", Creds::Environment);
    ali.key("web", "rsa", &[]);
    let out = ali.run(&[
        "cloud",
        "push",
        "web",
        "--account",
        "prod",
        "--region",
        "cn-hangzhou",
        "--region",
        "xx-nowhere-1",
        "--json",
    ]);
    assert!(!out.status.success(), "a failed region is not success");
    let rows = json(&text(&out.stdout));
    assert_eq!(
        region_results(&text(&out.stdout)),
        [("cn-hangzhou".to_string(), "imported".to_string(), true), ("xx-nowhere-1".into(), "failed".into(), false)]
    );
    let message = rows[1]["message"].as_str().unwrap();
    let failed = ali.calls().into_iter().find(|c| c.error.is_some()).expect("the refused call");
    assert_eq!(failed.error.as_deref(), Some("InvalidRegionId.MalFormed"));
    assert!(message.contains("Alibaba Cloud error InvalidRegionId.MalFormed"), "{message}");
    assert!(message.contains("(request 5C3D1E2F-"), "{message}");
    assert!(ali.env.show("web", &[])["cloud"].as_array().unwrap().len() == 1, "only the region that worked");

    let err = ali.fails(&["cloud", "status", "prod", "--region", "xx-nowhere-1"]);
    assert!(err.contains("xx-nowhere-1: Alibaba Cloud error InvalidRegionId.MalFormed"), "{err}");
    assert!(err.contains("(request 5C3D1E2F-") && err.contains("1 of 1 region(s) failed"), "{err}");
}

#[test]
fn wrong_credentials_are_one_clear_error_and_no_secret_leaks() {
    let ali = Ali::new("Auth07", Creds::Profile);
    ali.key("laptop", "rsa", &[]);
    ali.ok(&["cloud", "push", "laptop", "--account", "prod", "--json"]);
    let before = ali.env.snapshot();

    // The same access key id with a wrong secret.
    let wrong = "WRONGwrongWRONGwrongWRONGwrong";
    ali.write_profile(wrong);
    let err = ali.fails(&["cloud", "status", "prod"]);
    assert!(err.contains("Alibaba Cloud refused the credentials of profile 'test'"), "{err}");
    assert!(err.contains("SignatureDoesNotMatch"), "{err}");
    assert!(!err.contains(wrong), "{err}");
    let out = ali.run(&["cloud", "pull", "prod", "--json"]);
    assert!(!out.status.success());
    assert!(!text(&out.stderr).contains(wrong) && !text(&out.stdout).contains(wrong));
    let err = ali.fails(&["cloud", "check", "prod"]);
    assert!(err.contains("SignatureDoesNotMatch") && err.contains("'test'"), "{err}");
    assert_eq!(ali.env.snapshot(), before, "nothing changed locally");
    assert_eq!(ali.cloud("cn-hangzhou").len(), 1, "nor in the cloud");
    let refused = ali.calls().iter().filter(|c| c.error.as_deref() == Some("SignatureDoesNotMatch")).count();
    assert!(refused >= 3, "{:?}", ali.calls());

    // An access key the cloud does not know, from the environment.
    let mut stranger = Env::at(&ali.env.db);
    stranger.vars.push(("HOME".into(), stranger.dir.path().display().to_string()));
    stranger.unset.extend(ALIBABA_VARS.map(String::from));
    stranger.vars.push(("ALIBABA_CLOUD_ACCESS_KEY_ID".into(), "LTAI5tNobodyKnowsMe".into()));
    stranger.vars.push(("ALIBABA_CLOUD_ACCESS_KEY_SECRET".into(), wrong.into()));
    stranger.ok(["account", "add", "other", "--provider", "alibaba", "--endpoint", server().endpoint.as_str()]);
    let unknown_before = server().unknown_key_requests();
    let err = stranger.fails(["cloud", "check", "other"]);
    assert!(err.contains("InvalidAccessKeyId.NotFound"), "{err}");
    assert!(err.contains("ALIBABA_CLOUD_ACCESS_KEY_ID environment variables") && !err.contains(wrong), "{err}");
    assert!(server().unknown_key_requests() > unknown_before);

    // The endpoint down.
    ali.ok(&["account", "edit", "prod", "--endpoint", "http://127.0.0.1:9"]);
    let err = ali.fails(&["cloud", "check", "prod"]);
    assert!(err.contains("cannot reach http://127.0.0.1:9"), "{err}");

    ali.assert_no_secret_stored();
    let db = ali.env.db_bytes();
    assert!(!db.windows(wrong.len()).any(|w| w == wrong.as_bytes()), "the wrong secret reached the inventory");
}

/// The server's own signature code gives the documented example's signature, and the
/// server refuses what a real endpoint refuses, with the documented error JSON.
#[test]
fn the_server_checks_signatures_as_documented() {
    use common::alibaba_server::acs3_signature;
    // The worked example of "Request syntax and signature method V3" (ECS RunInstances).
    let empty = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
    let (signature, string_to_sign) = acs3_signature(
        "YourAccessKeySecret",
        "POST",
        "/",
        "RegionId=cn-shanghai&ImageId=win2019_1809_x64_dtc_zh-cn_40G_alibase_20230811.vhd",
        &[
            ("x-acs-version", "2014-05-26"),
            ("host", "ecs.cn-shanghai.aliyuncs.com"),
            ("x-acs-action", "RunInstances"),
            ("x-acs-content-sha256", empty),
            ("x-acs-date", "2023-10-26T10:22:32Z"),
            ("x-acs-signature-nonce", "3156853299f313e23d1673dc12e1703d"),
        ],
        b"",
    );
    assert_eq!(string_to_sign, "ACS3-HMAC-SHA256\n7ea06492da5221eba5297e897ce16e55f964061054b7695beedaac1145b1e259");
    assert_eq!(signature, "06563a9e1b43f5dfe96b81484da74bceab24a1d853912eee15083a6f0f3283c0");

    let ali = Ali::new("Raw08", Creds::Environment);
    let host = server().endpoint.trim_start_matches("http://").to_string();
    let date = {
        let now = time::OffsetDateTime::now_utc();
        format!(
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
            now.year(),
            u8::from(now.month()),
            now.day(),
            now.hour(),
            now.minute(),
            now.second()
        )
    };
    let query = "RegionId=cn-hangzhou&PageNumber=1&PageSize=50";
    let send = |query: &str, nonce: &str, signed_query: &str, akid: &str| {
        let headers = [
            ("host", host.as_str()),
            ("x-acs-action", "DescribeKeyPairs"),
            ("x-acs-version", "2014-05-26"),
            ("x-acs-date", date.as_str()),
            ("x-acs-signature-nonce", nonce),
            ("x-acs-content-sha256", empty),
        ];
        let (signature, _) = acs3_signature(&ali.secret, "POST", "/", signed_query, &headers, b"");
        let names: Vec<&str> = {
            let mut n: Vec<&str> = headers.iter().map(|(h, _)| *h).collect();
            n.sort_unstable();
            n
        };
        let auth =
            format!("ACS3-HMAC-SHA256 Credential={akid},SignedHeaders={},Signature={signature}", names.join(";"));
        let mut all = headers.to_vec();
        all.push(("authorization", auth.as_str()));
        server().raw("POST", &format!("/?{query}"), &all)
    };
    let (status, reply) = send(query, "nonce-1", query, &ali.access_key_id);
    assert_eq!(status, 200, "{reply}");
    assert_eq!(reply["TotalCount"], 0);
    let (status, reply) = send(query, "nonce-1", query, &ali.access_key_id);
    assert_eq!((status, reply["Code"].as_str()), (400, Some("SignatureNonceUsed")), "{reply}");
    // A parameter changed after signing.
    let (status, reply) = send("RegionId=cn-beijing&PageNumber=1&PageSize=50", "nonce-2", query, &ali.access_key_id);
    assert_eq!(status, 400);
    assert_eq!(reply["Code"], "SignatureDoesNotMatch");
    assert!(reply["Message"].as_str().unwrap().starts_with("Specified signature is not matched"), "{reply}");
    assert!(reply["RequestId"].as_str().is_some_and(|r| !r.is_empty()), "{reply}");
    let (status, reply) = send(query, "nonce-3", query, "LTAI5tUnknownKey");
    assert_eq!((status, reply["Code"].as_str()), (404, Some("InvalidAccessKeyId.NotFound")), "{reply}");
    let (status, reply) = server().raw("POST", &format!("/?{query}"), &[("x-acs-action", "DescribeKeyPairs")]);
    assert_eq!((status, reply["Code"].as_str()), (400, Some("IncompleteSignature")), "{reply}");
    let codes: Vec<Option<String>> = ali.calls().into_iter().map(|c| c.error).collect();
    assert_eq!(codes, [None, Some("SignatureNonceUsed".into()), Some("SignatureDoesNotMatch".into())]);
}

#[test]
fn push_to_all_regions_leaves_a_name_holding_another_key_alone_unless_replace() {
    let ali = Ali::new("All09", Creds::Environment);
    let ours = ali.key("ci", "rsa", &[]);
    let theirs = ali.outside_key("someone-else", "rsa");
    server().console_import(&ali.access_key_id, "cn-shanghai", "ci", &theirs);

    let out = ali.run(&["cloud", "push", "ci", "--account", "prod", "--all-regions", "--json"]);
    assert!(!out.status.success(), "a conflict is not success");
    let r = region_results(&text(&out.stdout));
    let want: Vec<(String, String, bool)> = REGIONS
        .iter()
        .map(|r| {
            let conflict = *r == "cn-shanghai";
            (r.to_string(), if conflict { "conflict" } else { "imported" }.to_string(), !conflict)
        })
        .collect();
    assert_eq!(r, want);
    for region in REGIONS {
        let keys = ali.cloud(region);
        assert_eq!(keys.len(), 1, "{region}");
        let want = if region == "cn-shanghai" { &theirs } else { &ours };
        assert_eq!(type_and_blob(&keys[0].public_key), type_and_blob(want), "{region}");
    }
    let status = ali.json(&["cloud", "status", "prod", "--all-regions", "--json"]);
    let rows = status.as_array().unwrap();
    assert_eq!(rows.len(), REGIONS.len(), "{status:#}");
    for row in rows {
        let want = if row["region"] == "cn-shanghai" { ("only-cloud", None) } else { ("in-sync", Some("ci")) };
        assert_eq!((row["state"].as_str().unwrap(), row["key_pair"].as_str()), want, "{row}");
    }

    let out = ali.run(&["cloud", "delete", "ci", "--account", "prod", "--region", "cn-shanghai", "--json"]);
    assert!(!out.status.success());
    assert_eq!(region_results(&text(&out.stdout)), one("cn-shanghai", "conflict", false));
    assert_eq!(type_and_blob(&ali.cloud("cn-shanghai")[0].public_key), type_and_blob(&theirs), "not deleted");

    let r = region_results(&ali.ok(&[
        "cloud",
        "push",
        "ci",
        "--account",
        "prod",
        "--region",
        "cn-shanghai",
        "--replace",
        "--json",
    ]));
    assert_eq!(r, one("cn-shanghai", "replaced", true));
    let there = ali.cloud("cn-shanghai");
    assert_eq!(there.len(), 1);
    assert_eq!(type_and_blob(&there[0].public_key), type_and_blob(&ours));
    assert_eq!(ali.env.show("ci", &[])["cloud"].as_array().unwrap().len(), REGIONS.len());

    // Deleting it from the inventory says where it still is.
    let err = ali.fails(&["key", "rm", "ci"]);
    assert!(err.contains("still in the cloud: prod / ") && err.contains("cloud delete ci"), "{err}");
    let del = region_results(&ali.ok(&["cloud", "delete", "ci", "--account", "prod", "--all-regions", "--json"]));
    assert!(del.iter().all(|(_, r, ok)| r == "deleted" && *ok), "{del:?}");
    assert!(REGIONS.iter().all(|r| ali.cloud(r).is_empty()));
    ali.ok(&["key", "rm", "ci"]);
    assert!(ali.calls().iter().all(|c| c.error.is_none()), "{:?}", ali.calls());
}

#[test]
fn an_sts_token_profile_sends_its_token_signed() {
    let ali = Ali::new("Sts10", Creds::Profile);
    let token = "CAIS8wF1q6Ft5B2yfSjIr5bSEsWatTokenValue";
    server().require_token(&ali.access_key_id, token);
    let err = ali.fails(&["cloud", "check", "prod"]);
    assert!(err.contains("refused the credentials of profile 'test'"), "an AK profile has no token: {err}");
    assert!(err.contains("InvalidSecurityToken.Malformed"), "{err}");

    let config = serde_json::json!({
        "current": "test",
        "profiles": [{"name": "test", "mode": "StsToken", "access_key_id": ali.access_key_id,
                      "access_key_secret": ali.secret, "sts_token": token, "region_id": ""}],
    });
    std::fs::write(ali.env.path(".aliyun/config.json"), config.to_string()).unwrap();
    let check = ali.json(&["cloud", "check", "prod", "--json"]);
    assert_eq!(check["account_id"], ali.account_id.as_str());
    ali.key("laptop", "rsa", &[]);
    let out = ali.ok(&["cloud", "push", "laptop", "--account", "prod", "--json"]);
    assert_eq!(region_results(&out), one("cn-hangzhou", "imported", true));
    assert!(!out.contains(token));
    let db = ali.env.db_bytes();
    assert!(!db.windows(token.len()).any(|w| w == token.as_bytes()), "the token reached the inventory");
    ali.assert_no_secret_stored();
}
