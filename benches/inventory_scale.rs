//! The inventory at 100,000 key pairs, with criterion: open + load, the app's model
//! load, one frame of the key table, one search keystroke, the hygiene report and the
//! search filters. The fixture inventory is
//! made once in `target/bench-data/` (see `common`).
//!
//! `cargo bench --bench inventory_scale` (`-- --quick` to try it out). The summary
//! table with goals is `cargo bench --bench report -- scale`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a benchmark: a failed step stops it

mod common;

use std::sync::Arc;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion};
use egui_kittest::kittest::Queryable;
use keyshelf::inventory::{Inventory, KeyFilter};
use keyshelf::ui::{KeyshelfApp, NativePlatform};

fn setup() -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("inv.sqlite3");
    std::fs::copy(common::inventory_100k(), &db).unwrap();
    (dir, db)
}

fn load(c: &mut Criterion) {
    let (_dir, db) = setup();
    let mut g = c.benchmark_group("inventory-100k");
    g.sample_size(10).measurement_time(Duration::from_secs(10));
    g.bench_function("open+list_keys", |b| {
        b.iter_with_large_drop(|| Inventory::open(&db).unwrap().list_keys(&KeyFilter::default()).unwrap())
    });
    g.bench_function("app-new", |b| {
        b.iter_with_large_drop(|| {
            let mut app = KeyshelfApp::new(Some(db.clone()), Arc::new(NativePlatform));
            assert!(app.wait_idle(Duration::from_secs(120)) && app.is_loaded());
            app
        })
    });
    g.finish();
}

fn ui(c: &mut Criterion) {
    let (_dir, db) = setup();
    let mut app = KeyshelfApp::new(Some(db.clone()), Arc::new(NativePlatform));
    assert!(app.wait_idle(Duration::from_secs(120)) && app.is_loaded());
    let mut h = egui_kittest::Harness::builder()
        .with_size(egui::vec2(1280.0, 800.0))
        .build_ui_state(|ui, app: &mut KeyshelfApp| app.ui_root(ui), app);
    h.run_steps(3);
    let mut g = c.benchmark_group("ui-100k");
    g.bench_function("frame", |b| b.iter(|| h.step()));
    h.get_by_label("Search").focus();
    h.run_steps(2);
    // Alternately type and delete one character: every step filters all rows.
    let mut typed = false;
    g.bench_function("search-keystroke", |b| {
        b.iter(|| {
            if typed {
                h.event(common::backspace(true));
            } else {
                h.event(egui::Event::Text("7".into()));
            }
            typed = !typed;
            h.step();
        })
    });
    h.get_by_label("Search").focus();
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::A);
    h.event(common::backspace(true));
    h.run_steps(2);
    // Rename one key pair until the next frame shows the new name.
    let id = h.state().visible_key_ids()[0];
    let mut n = 0u64;
    g.bench_function("rename-until-shown", |b| {
        b.iter(|| {
            n += 1;
            rename_until_shown(&mut h, id, n)
        })
    });
    // The same while a slow job runs: the account's cloud page reads a region from an
    // endpoint that accepts the connection and never answers (the call waits out its
    // timeout). Slow work runs on its own thread, so edits do not wait behind it.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let endpoint = format!("http://{}", silent.local_addr().unwrap());
    let home = tempfile::tempdir().unwrap();
    let mut env =
        keyshelf::cloud::aws::profile::FixedEnv { home: Some(home.path().to_path_buf()), ..Default::default() };
    for (k, v) in [
        ("AWS_ACCESS_KEY_ID", "AKIDBENCH"),
        ("AWS_SECRET_ACCESS_KEY", "bench-secret"),
        ("AWS_REGION", "us-east-1"),
        ("AWS_ENDPOINT_URL", endpoint.as_str()),
    ] {
        env.vars.insert(k.into(), v.into());
    }
    h.state_mut().set_cloud_env(Arc::new(env));
    h.state_mut().open_cloud_page("account-00");
    h.run_steps(3);
    assert!(h.state().cloud_progress().is_some_and(|(done, _)| done == 0), "the cloud read is under way");
    g.bench_function("rename-until-shown, a cloud call hanging", |b| {
        b.iter(|| {
            n += 1;
            rename_until_shown(&mut h, id, n)
        })
    });
    assert!(
        h.state().cloud_progress().is_some_and(|(done, _)| done == 0),
        "still hanging: the edits did not wait for it"
    );
    drop(silent);
    g.finish();
}

/// Renames key pair `id` through the app and steps until a frame shows the new name.
fn rename_until_shown(h: &mut egui_kittest::Harness<'_, KeyshelfApp>, id: i64, n: u64) {
    let name = format!("renamed-{n}");
    let edit = keyshelf::inventory::KeyEdit { name: Some(name.clone()), ..Default::default() };
    h.state_mut().queue(keyshelf::ui::Command::EditKey { id, edit });
    while h.state().key_name(id) != Some(name.as_str()) {
        h.step();
    }
}

/// The hygiene report and the `owner:` / `expires:` search over the 100,000 key pairs,
/// a seventh of them with a rotate-by date and every one with an owner.
fn report_and_filters(c: &mut Criterion) {
    let (_dir, db) = setup();
    let inv = Inventory::open(&db).unwrap();
    {
        let conn = rusqlite::Connection::open(&db).unwrap();
        conn.execute_batch(
            "UPDATE key_pairs SET owner = 'team-' || (id % 50),
                 rotate_by = CASE WHEN id % 7 = 0 THEN date('2026-01-01', '+' || (id % 730) || ' days') END;",
        )
        .unwrap();
    }
    let today = inv.today().unwrap();
    let mut g = c.benchmark_group("report-100k");
    g.sample_size(10).measurement_time(Duration::from_secs(10));
    g.bench_function("report", |b| b.iter_with_large_drop(|| keyshelf::inventory::report(&inv, today).unwrap()));
    for q in ["owner:team-7 expires:<30d", "expired", "deploy-4"] {
        let filter = KeyFilter { search: Some(q.into()), ..KeyFilter::default() };
        g.bench_function(format!("search {q}"), |b| b.iter_with_large_drop(|| inv.list_keys(&filter).unwrap()));
    }
    g.finish();
}

criterion_group!(benches, load, ui, report_and_filters);
criterion_main!(benches);
