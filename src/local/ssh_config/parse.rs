//! Reading an ssh config the way ssh reads it, as far as Keyshelf needs: which concrete
//! `Host` aliases it (and every file it `Include`s) defines, and where. What each alias
//! resolves to is asked of ssh itself (`ssh -G`, see `import`).

use std::fs;
use std::path::{Path, PathBuf};

use super::SshConfigError;

/// ssh's own limit on nested Include (READCONF_MAX_DEPTH).
const MAX_DEPTH: usize = 16;

/// A concrete alias of a `Host` line: not a pattern, not negated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Alias {
    pub name: String,
    /// The file that defines it (as found: through the Include that named it).
    pub file: PathBuf,
    /// Its line in that file, from 1.
    pub line: usize,
}

/// One directive: its keyword (as written) and arguments (quotes removed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Directive {
    pub keyword: String,
    pub args: Vec<String>,
}

/// Splits one line as ssh does: leading blanks, a keyword ended by blanks or `=`, then
/// arguments split on blanks, with `"..."`/`'...'` quoting, `\` escaping a quote, a
/// backslash or a blank, and `#` at the start of an argument ending the line. `None` for
/// blank and comment lines.
pub(crate) fn directive(line: &str) -> Option<Directive> {
    let line = line.trim_start();
    if line.is_empty() || line.starts_with('#') {
        return None;
    }
    let end = line.find(|c: char| c.is_whitespace() || c == '=').unwrap_or(line.len());
    let keyword = line[..end].to_string();
    let mut rest = line[end..].trim_start();
    if let Some(r) = rest.strip_prefix('=') {
        rest = r.trim_start();
    }
    Some(Directive { keyword, args: split_args(rest) })
}

fn split_args(s: &str) -> Vec<String> {
    let mut args = Vec::new();
    let mut cur = String::new();
    let mut in_word = false;
    let mut quote: Option<char> = None;
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quote) {
            ('\\', _)
                if matches!(chars.peek(), Some('"' | '\'' | '\\'))
                    || (quote.is_none() && chars.peek().is_some_and(|n| n.is_whitespace())) =>
            {
                cur.extend(chars.next());
                in_word = true;
            }
            (q @ ('"' | '\''), None) => {
                quote = Some(q);
                in_word = true;
            }
            (c, Some(q)) if c == q => quote = None,
            ('#', None) if !in_word => break,
            (c, None) if c.is_whitespace() => {
                if in_word {
                    args.push(std::mem::take(&mut cur));
                    in_word = false;
                }
            }
            (c, _) => {
                cur.push(c);
                in_word = true;
            }
        }
    }
    if in_word {
        args.push(cur);
    }
    args
}

/// Whether a `Host` argument names one host rather than a pattern or a negation.
pub fn is_concrete_alias(arg: &str) -> bool {
    !arg.is_empty() && !arg.starts_with('!') && !arg.contains(['*', '?'])
}

/// Where an `Include` argument points, as ssh takes it from a user's config: `~` is the
/// home folder, and a relative path is taken from `~/.ssh` (not from the including
/// file's folder).
pub fn include_path(arg: &str, home: Option<&Path>) -> PathBuf {
    let expanded = match (arg.strip_prefix('~'), home) {
        (Some(""), Some(h)) => h.to_path_buf(),
        (Some(r), Some(h)) if r.starts_with('/') => h.join(r.trim_start_matches('/')),
        _ => PathBuf::from(arg),
    };
    if expanded.is_absolute() {
        expanded
    } else {
        match home {
            Some(h) => h.join(".ssh").join(expanded),
            None => expanded,
        }
    }
}

/// Every concrete `Host` alias of `config` and of the files it includes, in the order ssh
/// reads them, each once (the first definition). Included files whose canonical path is
/// `skip` (Keyshelf's own managed file) are not read. An Include that matches nothing is
/// ignored, as ssh does; a file that cannot be read is an error, except for included
/// files, which are reported in the second list and skipped.
pub fn aliases(config: &Path, skip: Option<&Path>) -> Result<(Vec<Alias>, Vec<String>), SshConfigError> {
    let home = crate::paths::home_dir();
    let skip = skip.and_then(|s| fs::canonicalize(s).ok());
    let mut found = Vec::new();
    let mut problems = Vec::new();
    let text = fs::read(config).map_err(|source| SshConfigError::Read { path: config.to_path_buf(), source })?;
    let mut chain = Vec::new();
    walk(config, &text, home.as_deref(), skip.as_deref(), &mut chain, &mut found, &mut problems);
    let mut seen = std::collections::HashSet::new();
    found.retain(|a: &Alias| seen.insert(a.name.clone()));
    Ok((found, problems))
}

fn walk(
    file: &Path,
    bytes: &[u8],
    home: Option<&Path>,
    skip: Option<&Path>,
    chain: &mut Vec<PathBuf>,
    found: &mut Vec<Alias>,
    problems: &mut Vec<String>,
) {
    let canonical = fs::canonicalize(file).unwrap_or_else(|_| file.to_path_buf());
    if chain.contains(&canonical) || chain.len() >= MAX_DEPTH {
        problems.push(format!("{}: included in a loop or too deeply; not read again", file.display()));
        return;
    }
    chain.push(canonical);
    for (i, line) in String::from_utf8_lossy(bytes).lines().enumerate() {
        let Some(d) = directive(line) else { continue };
        if d.keyword.eq_ignore_ascii_case("host") {
            for a in d.args.iter().filter(|a| is_concrete_alias(a)) {
                found.push(Alias { name: a.clone(), file: file.to_path_buf(), line: i + 1 });
            }
        } else if d.keyword.eq_ignore_ascii_case("include") {
            for arg in &d.args {
                for inc in glob(&include_path(arg, home)) {
                    if skip.is_some() && fs::canonicalize(&inc).ok().as_deref() == skip {
                        continue;
                    }
                    if inc.is_dir() {
                        continue;
                    }
                    match fs::read(&inc) {
                        Ok(b) => walk(&inc, &b, home, skip, chain, found, problems),
                        Err(e) => problems.push(format!("{}: {e}", inc.display())),
                    }
                }
            }
        }
    }
    chain.pop();
}

/// The existing paths matching a pattern with `*`, `?` and `[...]` in any component,
/// sorted, as glob(3) gives them to ssh. Names starting with `.` match only a pattern
/// starting with `.`.
pub(crate) fn glob(pattern: &Path) -> Vec<PathBuf> {
    let has_meta = |s: &str| s.contains(['*', '?', '[']);
    let mut current = vec![PathBuf::new()];
    for comp in pattern.components() {
        let part = comp.as_os_str().to_string_lossy().into_owned();
        let mut next = Vec::new();
        for base in &current {
            if !has_meta(&part) {
                next.push(base.join(comp.as_os_str()));
                continue;
            }
            let dir = if base.as_os_str().is_empty() { Path::new(".") } else { base.as_path() };
            let Ok(entries) = fs::read_dir(dir) else { continue };
            let mut names: Vec<String> =
                entries.flatten().map(|e| e.file_name().to_string_lossy().into_owned()).collect();
            names.sort();
            for n in names {
                if (!n.starts_with('.') || part.starts_with('.')) && wildmatch(part.as_bytes(), n.as_bytes()) {
                    next.push(base.join(n));
                }
            }
        }
        current = next;
    }
    current.retain(|p| fs::symlink_metadata(p).is_ok());
    current
}

/// Shell-style matching of one name: `*`, `?`, `[abc]`, `[a-z]`, `[!a]`/`[^a]`.
fn wildmatch(p: &[u8], s: &[u8]) -> bool {
    match p.first() {
        None => s.is_empty(),
        Some(b'*') => (0..=s.len()).any(|i| wildmatch(&p[1..], &s[i..])),
        Some(b'?') => !s.is_empty() && wildmatch(&p[1..], &s[1..]),
        Some(b'[') => {
            let Some(close) = p.iter().skip(2).position(|&c| c == b']').map(|i| i + 2) else {
                return s.first() == Some(&b'[') && wildmatch(&p[1..], &s[1..]);
            };
            let Some(&c) = s.first() else { return false };
            let (negate, set) = match p[1] {
                b'!' | b'^' => (true, &p[2..close]),
                _ => (false, &p[1..close]),
            };
            let mut hit = false;
            let mut i = 0;
            while i < set.len() {
                if i + 2 < set.len() && set[i + 1] == b'-' {
                    hit |= set[i] <= c && c <= set[i + 2];
                    i += 3;
                } else {
                    hit |= set[i] == c;
                    i += 1;
                }
            }
            hit != negate && wildmatch(&p[close + 1..], &s[1..])
        }
        Some(&c) => s.first() == Some(&c) && wildmatch(&p[1..], &s[1..]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_split_as_ssh_splits_them() {
        let d = directive("  host=web \"two words\" 'x y'  # comment").unwrap();
        assert_eq!(d.keyword, "host");
        assert_eq!(d.args, ["web", "two words", "x y"]);
        let d = directive("Host = a\\ b c").unwrap();
        assert_eq!(d.args, ["a b", "c"]);
        assert_eq!(directive("   # only a comment"), None);
        assert_eq!(directive(""), None);
        assert_eq!(directive("IdentityFile a#b").unwrap().args, ["a#b"]);
    }

    #[test]
    fn only_concrete_aliases_count() {
        for a in ["web", "web.example.com", "10.0.0.1"] {
            assert!(is_concrete_alias(a), "{a}");
        }
        for p in ["*", "*.example.com", "web?", "!bad", ""] {
            assert!(!is_concrete_alias(p), "{p}");
        }
    }

    #[test]
    fn includes_resolve_from_dot_ssh_and_globs_expand() {
        let home = Path::new("/home/u");
        assert_eq!(include_path("conf.d/*", Some(home)), Path::new("/home/u/.ssh/conf.d/*"));
        assert_eq!(include_path("~/x", Some(home)), Path::new("/home/u/x"));
        assert_eq!(include_path("/etc/ssh/x", Some(home)), Path::new("/etc/ssh/x"));
        let dir = tempfile::tempdir().unwrap();
        for n in ["b.conf", "a.conf", ".hidden.conf", "c.txt"] {
            fs::write(dir.path().join(n), "").unwrap();
        }
        let got = glob(&dir.path().join("*.conf"));
        assert_eq!(got, [dir.path().join("a.conf"), dir.path().join("b.conf")]);
        assert_eq!(glob(&dir.path().join("[ab].c?nf")).len(), 2);
        assert_eq!(glob(&dir.path().join("[!a].conf")), [dir.path().join("b.conf")]);
        assert!(glob(&dir.path().join("nothing*")).is_empty());
    }

    #[test]
    fn aliases_come_from_includes_once_and_loops_stop() {
        let dir = tempfile::tempdir().unwrap();
        let main = dir.path().join("config");
        let inc = dir.path().join("inc.conf");
        fs::write(&main, format!("HOST one *.x !no\nInclude {}\nMatch host two\nHost one three\n", inc.display()))
            .unwrap();
        fs::write(&inc, format!("Host two\nInclude {}\n", main.display())).unwrap();
        let (found, problems) = aliases(&main, None).unwrap();
        let names: Vec<&str> = found.iter().map(|a| a.name.as_str()).collect();
        assert_eq!(names, ["one", "two", "three"]);
        assert_eq!((found[1].file.as_path(), found[1].line), (inc.as_path(), 1));
        assert_eq!(problems.len(), 1, "{problems:?}");
        let (found, _) = aliases(&main, Some(&inc)).unwrap();
        assert_eq!(found.len(), 2, "the skipped file is not read");
    }
}
