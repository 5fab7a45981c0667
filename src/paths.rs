//! Paths as people type them: `~` and `~/...` mean the home folder, as in a shell.
//! One definition, so that the CLI, the app's file fields and the default known_hosts
//! path agree on what `~` is; and the other way, a path or name written as one shell word
//! in a command Keyshelf suggests. Not for: `~user` forms, variables, globs.

use std::path::PathBuf;

/// The user's home folder (`$HOME`, else the password database), or `None` when there
/// is none.
pub fn home_dir() -> Option<PathBuf> {
    directories::BaseDirs::new().map(|b| b.home_dir().to_path_buf())
}

/// `~` is the home folder and `~/x` is `x` in it; anything else is taken as typed,
/// including `~user/x` (a shell would look `user` up; a typo is likelier here) and a
/// `~` later in the path. Without a home folder the text is taken as typed too. The
/// caller trims the text if it wants to.
pub fn expand_home(typed: &str) -> PathBuf {
    let rest = match typed.strip_prefix('~') {
        Some("") => "",
        Some(r) => match r.strip_prefix('/') {
            Some(r) => r,
            None => return PathBuf::from(typed),
        },
        None => return PathBuf::from(typed),
    };
    match home_dir() {
        Some(home) if rest.is_empty() => home,
        Some(home) => home.join(rest),
        None => PathBuf::from(typed),
    }
}

/// `s` as one word a shell reads back unchanged: as it is when it holds only characters
/// no shell treats specially (sh, bash, zsh, fish and csh alike), else in single quotes
/// (a `'` inside becomes `'\''`). For the commands Keyshelf suggests (`chmod 600 PATH`)
/// and the command lines it shows (the ssh command, a connect line).
///
/// The one quoter. Not `shell_words::quote`: it leaves `{a,b}`, `!`, `^` and non-ASCII
/// unquoted, which bash, zsh or csh expand.
pub fn shell_word(s: &str) -> String {
    // `=` and `%` only inside a word: zsh expands a leading `=cmd`, csh a leading `%job`.
    let plain =
        |(i, c): (usize, char)| c.is_ascii_alphanumeric() || "._-:@/,+".contains(c) || (i > 0 && "=%".contains(c));
    if !s.is_empty() && s.chars().enumerate().all(plain) {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', "'\\''"))
    }
}

/// `program` as a shell finds it: a name with a `/` as that path, a bare name in the
/// folders of `path` (a `PATH` value; `None`: this process's). Only an executable file
/// counts. The one PATH lookup of the program (doctor, terminals, the settings' tool
/// check).
pub fn find_program(program: &str, path: Option<&std::ffi::OsStr>) -> Option<PathBuf> {
    if program.is_empty() {
        return None;
    }
    let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("/"));
    match path {
        Some(p) => which::which_in(program, Some(p), cwd).ok(),
        None => which::which_in(program, std::env::var_os("PATH"), cwd).ok(),
    }
}

/// Where a private key's public half goes: the same name with `.pub` added, as
/// `ssh-keygen` writes it (the CLI and the app alike).
pub fn pub_path(private: &std::path::Path) -> std::path::PathBuf {
    let mut s = private.as_os_str().to_owned();
    s.push(".pub");
    std::path::PathBuf::from(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_are_quoted_unless_every_shell_reads_them_as_they_are() {
        assert_eq!(shell_word("IdentitiesOnly=yes"), "IdentitiesOnly=yes");
        assert_eq!(shell_word("/home/me/.ssh/id_ed25519"), "/home/me/.ssh/id_ed25519");
        for special in ["", "a b", "=ls", "%1", "{a,b}", "!1", "x^y", "ключ", "$HOME", "~", "*", "a'b", "a\nb"] {
            let q = shell_word(special);
            assert!(q.starts_with('\'') && q.ends_with('\''), "{special:?} -> {q}");
            assert_eq!(shell_words::split(&q).unwrap(), [special], "{special:?} reads back");
        }
    }

    #[test]
    fn programs_are_found_in_the_path_given_and_only_when_executable() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let tool = dir.path().join("tool");
        std::fs::write(&tool, "#!/bin/sh\n").unwrap();
        std::fs::set_permissions(&tool, std::fs::Permissions::from_mode(0o644)).unwrap();
        let path = std::env::join_paths(["/nonexistent", dir.path().to_str().unwrap()]).unwrap();
        assert_eq!(find_program("tool", Some(&path)), None, "not executable");
        std::fs::set_permissions(&tool, std::fs::Permissions::from_mode(0o755)).unwrap();
        assert_eq!(find_program("tool", Some(&path)), Some(tool.clone()));
        assert_eq!(find_program(tool.to_str().unwrap(), Some(std::ffi::OsStr::new(""))), Some(tool));
        assert_eq!(find_program("tool", Some(std::ffi::OsStr::new("/nonexistent"))), None);
        assert_eq!(find_program("", Some(&path)), None);
    }

    #[test]
    fn tilde_means_the_home_folder() {
        let home = home_dir().expect("the test machine has a home folder");
        assert_eq!(expand_home("~"), home);
        assert_eq!(expand_home("~/"), home);
        assert_eq!(expand_home("~/.ssh/id_ed25519"), home.join(".ssh").join("id_ed25519"));
    }

    #[test]
    fn other_paths_are_taken_as_typed() {
        for typed in ["/etc/ssh/x", "keys/id", "", "~user/x", "~x", "a/~/b", " ~/x", "./~"] {
            assert_eq!(expand_home(typed), PathBuf::from(typed), "{typed:?}");
        }
    }
}
