//! Restoring `FILE.old` over `FILE`, and the rule that decides when that is safe: a
//! removal only ever takes whole lines out, so the file is safe to overwrite while
//! every one of its lines is also in the backup, in the same order. A line the backup
//! does not have was added (or edited) since, by `ssh` or by hand, and restoring would
//! lose it; then restoring is refused unless the caller asks to force or to merge.
//!
//! Lines are compared byte for byte without their `\n` (a `\r` before it counts), so
//! a CRLF file and a last line without newline compare as the removal left them.

use std::collections::HashMap;
use std::fs;
use std::io;
use std::ops::Range;
use std::path::{Path, PathBuf};

use super::apply::resolve_target;
use super::parse::split_lines;
use super::{backup_path, KnownHostsError};
use crate::secure_file::replace_like as write_atomic;

/// How many of the added lines a refusal shows.
const SHOWN_LINES: usize = 3;
/// Characters of a shown line before it is cut with "…" (enough for a hashed host
/// entry and its key type).
const SHOWN_CHARS: usize = 80;
/// Above this many pairs of equal lines between the two files, the added lines are
/// found greedily instead of by the longest common subsequence (see [`added_lines`]).
const MAX_PAIRS: usize = 4_000_000;

/// What [`restore_with`] does when the file has lines the backup does not have.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum RestoreMode {
    /// Refuse with [`KnownHostsError::AddedSinceRemoval`]; nothing is written.
    #[default]
    Safe,
    /// Put the backup back anyway: the lines added since are lost.
    Force,
    /// Put the backup back, followed by the lines added since (in their order, byte
    /// for byte): nothing of either file is lost.
    Merge,
}

/// A line of the known_hosts file that its backup does not have, shortened for a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AddedLine {
    /// 1-based line number in the current file.
    pub line: usize,
    /// The line, without its terminator, cut at 80 characters (lossy UTF-8, control
    /// characters escaped).
    pub text: String,
}

impl std::fmt::Display for AddedLine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "line {}: {}", self.line, self.text)
    }
}

/// What a restore did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Restored {
    /// The backup that was put back (it stays in place).
    pub backup: PathBuf,
    /// Lines of the file the backup did not have: dropped with [`RestoreMode::Force`],
    /// appended with [`RestoreMode::Merge`]; always 0 with [`RestoreMode::Safe`].
    pub added: usize,
}

/// Puts `FILE.old` back over `FILE`, refusing if that would lose lines added since the
/// removal: [`restore_with`] in [`RestoreMode::Safe`]. Returns the backup path used.
pub fn restore(path: &Path) -> Result<PathBuf, KnownHostsError> {
    restore_with(path, RestoreMode::Safe).map(|r| r.backup)
}

/// Puts `FILE.old` back over `FILE` atomically, following a symlink at `path` as
/// [`Plan::apply`](super::Plan::apply) does; the restored file gets the backup's mode.
/// The backup stays. A missing `FILE` counts as empty (nothing to lose).
///
/// When `FILE` has lines that `FILE.old` does not have, in order (see the module docs),
/// `mode` decides: refuse ([`KnownHostsError::AddedSinceRemoval`], nothing written),
/// force, or merge.
pub fn restore_with(path: &Path, mode: RestoreMode) -> Result<Restored, KnownHostsError> {
    let target = resolve_target(path)?;
    let backup = backup_path(&target);
    let old = match fs::read(&backup) {
        Ok(b) => b,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Err(KnownHostsError::NoBackup { backup }),
        Err(source) => return Err(KnownHostsError::Read { path: backup, source }),
    };
    let meta = fs::metadata(&backup).map_err(|source| KnownHostsError::Read { path: backup.clone(), source })?;
    let current = match fs::read(&target) {
        Ok(b) => b,
        Err(e) if e.kind() == io::ErrorKind::NotFound => Vec::new(),
        Err(source) => return Err(KnownHostsError::Read { path: target, source }),
    };
    let added = added_lines(&old, &current);
    let bytes = match mode {
        _ if added.is_empty() => old,
        RestoreMode::Safe => {
            return Err(KnownHostsError::AddedSinceRemoval {
                path: path.to_path_buf(),
                backup,
                count: added.len(),
                first: added.iter().take(SHOWN_LINES).map(|(n, r)| shown(*n, &current[r.clone()])).collect(),
            })
        }
        RestoreMode::Force => old,
        RestoreMode::Merge => merged(old, &current, &added),
    };
    write_atomic(&target, &bytes, &meta).map_err(|source| KnownHostsError::Write { path: target.clone(), source })?;
    Ok(Restored { backup, added: added.len() })
}

/// A line without its `\n`: what two files are compared on.
fn body(line: &[u8]) -> &[u8] {
    line.strip_suffix(b"\n").unwrap_or(line)
}

/// The lines of `current` (0-based index and byte range, terminator included) that are
/// not in `backup` in order: the lines outside a longest common subsequence of the two
/// files, so that what is reported as added is as little as possible. Empty exactly
/// when `current` is `backup` with some lines taken out.
///
/// The subsequence is found from the pairs of equal lines (Hunt–Szymanski), which is
/// fast for known_hosts files, whose lines are nearly all different. A file of many
/// equal lines (more than [`MAX_PAIRS`] pairs) falls back to a greedy match, which is
/// still empty exactly when nothing was added, but may report more lines.
fn added_lines(backup: &[u8], current: &[u8]) -> Vec<(usize, Range<usize>)> {
    let mut positions: HashMap<&[u8], Vec<usize>> = HashMap::new();
    for (i, r) in split_lines(backup).into_iter().enumerate() {
        positions.entry(body(&backup[r])).or_default().push(i);
    }
    let lines = split_lines(current);
    let found: Vec<&[usize]> =
        lines.iter().map(|r| positions.get(body(&current[r.clone()])).map_or(&[][..], Vec::as_slice)).collect();
    let pairs: usize = found.iter().map(|p| p.len()).sum();
    let matched = if pairs > MAX_PAIRS { greedy_match(&found) } else { longest_match(&found, pairs) };
    lines.into_iter().enumerate().filter(|(i, _)| !matched.get(*i).copied().unwrap_or(false)).collect()
}

/// For each current line, whether it is part of a longest common subsequence, given
/// `found[i]`: the ascending backup positions of current line `i`. This is a longest
/// strictly increasing run of backup positions taken at most once per current line.
fn longest_match(found: &[&[usize]], pairs: usize) -> Vec<bool> {
    // Every candidate pair (current line, backup position, previous pair in its run).
    let mut nodes: Vec<(usize, usize, Option<usize>)> = Vec::with_capacity(pairs);
    // tails[k]: the pair ending a run of length k + 1 with the lowest backup position.
    let mut tails: Vec<usize> = Vec::new();
    for (i, positions) in found.iter().enumerate() {
        // Highest position first, so two positions of one line never chain.
        for &j in positions.iter().rev() {
            let k = tails.partition_point(|&n| nodes.get(n).is_some_and(|node| node.1 < j));
            if tails.get(k).and_then(|&t| nodes.get(t)).is_some_and(|node| node.1 == j) {
                continue; // an earlier line already ends such a run at j: keep the earlier one
            }
            let prev = k.checked_sub(1).and_then(|k| tails.get(k).copied());
            nodes.push((i, j, prev));
            let node = nodes.len() - 1;
            match tails.get_mut(k) {
                Some(t) => *t = node,
                None => tails.push(node),
            }
        }
    }
    let mut matched = vec![false; found.len()];
    let mut at = tails.last().copied();
    while let Some((i, _, prev)) = at.and_then(|n| nodes.get(n)) {
        if let Some(m) = matched.get_mut(*i) {
            *m = true;
        }
        at = *prev;
    }
    matched
}

/// Matches each current line to its first backup position after the previous match.
fn greedy_match(found: &[&[usize]]) -> Vec<bool> {
    let mut next = 0;
    found
        .iter()
        .map(|positions| match positions.get(positions.partition_point(|&j| j < next)) {
            Some(&j) => {
                next = j + 1;
                true
            }
            None => false,
        })
        .collect()
}

/// `backup`, then the `added` lines of `current` as they are there. A backup whose
/// last line has no newline gets one first, the same as its other lines end with.
fn merged(mut backup: Vec<u8>, current: &[u8], added: &[(usize, Range<usize>)]) -> Vec<u8> {
    if !backup.is_empty() && !backup.ends_with(b"\n") {
        let crlf = backup.iter().rposition(|b| *b == b'\n').is_some_and(|i| i > 0 && backup.get(i - 1) == Some(&b'\r'));
        backup.extend_from_slice(if crlf { b"\r\n" } else { b"\n" });
    }
    for (_, r) in added {
        backup.extend_from_slice(&current[r.clone()]);
    }
    backup
}

/// One line as a refusal shows it: no terminator, control characters escaped, cut.
fn shown(index: usize, line: &[u8]) -> AddedLine {
    let line = body(line);
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    let text = String::from_utf8_lossy(line);
    let mut out = String::new();
    for (n, c) in text.chars().enumerate() {
        if n == SHOWN_CHARS {
            out.push('…');
            break;
        }
        match c {
            '\t' => out.push(' '),
            c if c.is_control() => out.extend(c.escape_default()),
            c => out.push(c),
        }
    }
    AddedLine { line: index + 1, text: out }
}

#[cfg(test)]
#[cfg(unix)]
mod tests {
    use super::*;
    use crate::known_hosts::{plan_file, HostQuery};
    use std::os::unix::fs::{symlink, PermissionsExt};

    const KEY: &str = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJ1RMuYtP/8SvJ/vSzGB+++oy2I4UXPIPp46117Ox4RK";
    const HASHED: &str = "|1|uiSGRE8iSeTfFeXW9Q9v0KFUc+0=|3s9Vu0xbbQ/T4Cm2sHKr5Lt3k1U=";

    /// The added lines' numbers (1-based) of `current` against `backup`.
    fn added(backup: &str, current: &str) -> Vec<usize> {
        added_lines(backup.as_bytes(), current.as_bytes()).into_iter().map(|(i, _)| i + 1).collect()
    }

    /// A known_hosts file with `content`, and its backup with `backup`.
    fn files(content: &str, backup: &str) -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::tempdir().expect("tempdir");
        let file = dir.path().join("known_hosts");
        fs::write(&file, content).expect("write");
        fs::write(backup_path(&file), backup).expect("write backup");
        (dir, file)
    }

    #[test]
    fn the_backup_minus_some_lines_has_nothing_added() {
        let backup = "a\nb\nc\nd\n";
        for current in ["a\nb\nc\nd\n", "a\nc\n", "d\n", "", "b\nc\nd\n", "a\nb\nc\n"] {
            assert_eq!(added(backup, current), Vec::<usize>::new(), "{current:?}");
        }
    }

    #[test]
    fn new_edited_and_reordered_lines_are_added() {
        assert_eq!(added("a\nb\nc\n", "a\nc\nnew\n"), vec![3]);
        assert_eq!(added("a\nb\nc\n", "a\nB\nc\n"), vec![2]);
        // Two lines swapped: one of them counts as added (either is a fair answer).
        assert_eq!(added("a\nb\n", "b\na\n").len(), 1);
        assert_eq!(added("", "x\ny\n"), vec![1, 2]);
        // A line the backup has once cannot be kept twice.
        assert_eq!(added("a\nb\n", "a\na\nb\n"), vec![2]);
    }

    #[test]
    fn repeated_lines_do_not_inflate_what_is_reported_as_added() {
        // A blank line put on top matches the backup's own blank line further down
        // if matched greedily, which would make a, b and the blank line look added.
        assert_eq!(added("a\nb\n\nc\n", "\na\nb\n\nc\n"), vec![1]);
        assert_eq!(greedy_match(&[&[2], &[0], &[1], &[2], &[3]]), vec![true, false, false, false, true]);
    }

    #[test]
    fn line_endings_compare_byte_for_byte() {
        // What a removal leaves of a CRLF file or of a last line without newline.
        assert_eq!(added("a\r\nb\r\nc\r\n", "a\r\nc\r\n"), Vec::<usize>::new());
        assert_eq!(added("a\nb\nc", "a\nc"), Vec::<usize>::new());
        assert_eq!(added("a\nb\nc", "a\nb\n"), Vec::<usize>::new());
        // ssh adds a newline before appending to a file that lacks one.
        assert_eq!(added("a\nb", "b\nnew\n"), vec![2]);
        // The same text with another line ending was changed.
        assert_eq!(added("a\r\nb\r\n", "a\nb\r\n"), vec![1]);
    }

    #[test]
    fn restore_refuses_lines_added_since_and_changes_nothing() {
        let backup = format!("a {KEY}\nb {KEY}\n");
        let current = format!("b {KEY}\n{HASHED} {KEY}\nnew.example.com {KEY}\n");
        let (_dir, file) = files(&current, &backup);
        let err = restore(&file).expect_err("lines would be lost");
        match &err {
            KnownHostsError::AddedSinceRemoval { path, backup: b, count, first } => {
                assert_eq!(path, &file);
                assert_eq!(b, &backup_path(&file));
                assert_eq!(*count, 2);
                let cut: String = format!("{HASHED} {KEY}").chars().take(SHOWN_CHARS).collect();
                assert_eq!(first[0], AddedLine { line: 2, text: format!("{cut}…") });
                assert_eq!(first[1].line, 3);
            }
            other => panic!("{other:?}"),
        }
        let msg = err.to_string();
        let f = file.display();
        assert!(
            msg.starts_with(&format!("cannot restore {f}: it has 2 lines that the backup {f}.old does not have")),
            "{msg}"
        );
        assert!(msg.contains(&format!("\n  line 2: {HASHED} ssh-ed25519 AAAAC3N…\n")), "{msg}");
        assert!(msg.contains("line 3: new.example.com ssh-ed25519"), "{msg}");
        assert!(msg.contains("the backup is untouched") && msg.contains("--force") && msg.contains("--merge"), "{msg}");
        assert_eq!(fs::read_to_string(&file).expect("read"), current);
        assert_eq!(fs::read_to_string(backup_path(&file)).expect("read"), backup);
    }

    #[test]
    fn a_refusal_shows_the_first_lines_and_counts_the_rest() {
        let current: String = (0..10).map(|i| format!("h{i} {KEY}\n")).collect();
        let (_dir, file) = files(&current, "");
        let err = restore(&file).expect_err("refused");
        let msg = err.to_string();
        assert!(msg.contains("it has 10 lines that"), "{msg}");
        assert!(msg.contains("line 3: h2 ") && !msg.contains("line 4:"), "{msg}");
        assert!(msg.contains("and 7 more"), "{msg}");
        // One line: said in the singular.
        let (_dir, file) = files("a\nweird\u{1b}[31m\tline\r\n", "a\n");
        let msg = restore(&file).expect_err("refused").to_string();
        assert!(msg.contains("it has 1 line that") && msg.contains("keep it") && msg.contains("lose it"), "{msg}");
        assert!(msg.contains("line 2: weird\\u{1b}[31m line\n"), "{msg}");
    }

    #[test]
    fn force_restores_and_says_how_many_lines_were_dropped() {
        let (_dir, file) = files("b\nnew\n", "a\nb\n");
        let r = restore_with(&file, RestoreMode::Force).expect("forced");
        assert_eq!(r, Restored { backup: backup_path(&file), added: 1 });
        assert_eq!(fs::read_to_string(&file).expect("read"), "a\nb\n");
        assert_eq!(fs::read_to_string(backup_path(&file)).expect("read"), "a\nb\n");
    }

    #[test]
    fn merge_keeps_the_added_lines_after_the_backup() {
        let (_dir, file) = files("b\r\nnew\r\nb2\r\nlast", "a\r\nb\r\nb2\r\n");
        let r = restore_with(&file, RestoreMode::Merge).expect("merged");
        assert_eq!(r.added, 2);
        assert_eq!(fs::read_to_string(&file).expect("read"), "a\r\nb\r\nb2\r\nnew\r\nlast");

        // A backup without final newline gets the one its lines use.
        let (_dir, file) = files("x\r\nnew\r\n", "x\r\ny");
        restore_with(&file, RestoreMode::Merge).expect("merged");
        assert_eq!(fs::read_to_string(&file).expect("read"), "x\r\ny\r\nnew\r\n");
        let (_dir, file) = files("new\n", "y");
        restore_with(&file, RestoreMode::Merge).expect("merged");
        assert_eq!(fs::read_to_string(&file).expect("read"), "y\nnew\n");

        // Nothing added: a merge is a plain restore.
        let (_dir, file) = files("a\n", "a\nb");
        assert_eq!(restore_with(&file, RestoreMode::Merge).expect("merged").added, 0);
        assert_eq!(fs::read_to_string(&file).expect("read"), "a\nb");
    }

    #[test]
    fn restore_after_an_untouched_removal_puts_the_backup_back() {
        let dir = tempfile::tempdir().expect("tempdir");
        let file = dir.path().join("known_hosts");
        let original = format!("a {KEY}\r\nb {KEY}\r\nc {KEY}");
        fs::write(&file, &original).expect("write");
        fs::set_permissions(&file, fs::Permissions::from_mode(0o640)).expect("chmod");
        plan_file(&file, &[HostQuery::new("c")]).expect("plan").apply().expect("apply");
        assert_eq!(fs::read_to_string(&file).expect("read"), format!("a {KEY}\r\nb {KEY}\r\n"));
        assert_eq!(restore(&file).expect("restore"), backup_path(&file));
        assert_eq!(fs::read_to_string(&file).expect("read"), original);
        assert_eq!(fs::metadata(&file).expect("meta").permissions().mode() & 0o7777, 0o640);
    }

    #[test]
    fn a_missing_file_is_restored_from_its_backup() {
        let dir = tempfile::tempdir().expect("tempdir");
        let file = dir.path().join("known_hosts");
        fs::write(backup_path(&file), "a\n").expect("write");
        restore(&file).expect("restore");
        assert_eq!(fs::read_to_string(&file).expect("read"), "a\n");
    }

    #[test]
    fn a_symlinked_file_is_compared_and_restored_through_the_link() {
        let dir = tempfile::tempdir().expect("tempdir");
        let real = dir.path().join("real_kh");
        fs::write(&real, "b\nnew\n").expect("write");
        fs::write(dir.path().join("real_kh.old"), "a\nb\n").expect("write");
        let link = dir.path().join("known_hosts");
        symlink("real_kh", &link).expect("symlink");
        assert!(matches!(restore(&link), Err(KnownHostsError::AddedSinceRemoval { .. })));
        restore_with(&link, RestoreMode::Merge).expect("merge");
        assert!(fs::symlink_metadata(&link).expect("meta").file_type().is_symlink());
        assert_eq!(fs::read_to_string(&real).expect("read"), "a\nb\nnew\n");
    }

    #[test]
    fn many_equal_lines_fall_back_to_a_greedy_match() {
        // 3000 x 3000 equal blank lines: more pairs than MAX_PAIRS.
        let backup = "\n".repeat(3000) + "a\n";
        let current = "\n".repeat(3000) + "new\n";
        assert_eq!(added(&backup, &current), vec![3001]);
        assert_eq!(added(&backup, &"\n".repeat(2000)), Vec::<usize>::new());
    }
}
