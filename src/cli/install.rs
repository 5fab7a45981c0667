//! `keyshelf completions SHELL` and `keyshelf man`: shell completion scripts and man
//! pages, generated from the clap definitions `--help` prints, so they cannot disagree.
//! The Debian package ships copies of them (`assets/completions/`, `assets/man/`), which
//! a test compares with what these functions generate.

use std::io::Write;
use std::path::{Path, PathBuf};

use clap::CommandFactory;
use clap_complete::Shell;

use super::commands::{CliError, Result};
use super::Cli;

/// The name every page and script is generated for.
pub const BIN_NAME: &str = "keyshelf";

#[derive(clap::Args, Debug)]
pub struct CompletionsArgs {
    /// The shell to complete for
    #[arg(value_enum)]
    pub shell: Shell,
}

#[derive(clap::Args, Debug)]
pub struct ManArgs {
    /// Write every page (keyshelf.1, keyshelf-key-create.1, ...) into DIR, created if
    /// needed (default: print the main page)
    #[arg(long, value_name = "DIR", value_hint = clap::ValueHint::DirPath)]
    pub dir: Option<PathBuf>,
}

/// The clap command of the whole command line, as `--help` sees it.
pub fn command() -> clap::Command {
    Cli::command()
}

/// The completion script for `shell`.
pub fn completion_script(shell: Shell) -> Vec<u8> {
    let mut cmd = command();
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut cmd, BIN_NAME, &mut script);
    script
}

/// Every man page: `(file name, roff text)`, the main page `keyshelf.1` first, then one
/// per subcommand at every depth (`keyshelf-key.1`, `keyshelf-key-create.1`, ...), in
/// the order `--help` lists them. `help` has no page (`man` is the help).
pub fn man_pages() -> Result<Vec<(String, Vec<u8>)>> {
    let mut cmd = command().disable_help_subcommand(true);
    cmd.build();
    let source = format!("{BIN_NAME} {}", env!("CARGO_PKG_VERSION"));
    let mut pages = Vec::new();
    let mut todo = vec![cmd];
    while let Some(cmd) = todo.pop() {
        let subcommands: Vec<clap::Command> = cmd.get_subcommands().filter(|s| !s.is_hide_set()).cloned().collect();
        let man = clap_mangen::Man::new(cmd).source(source.clone());
        let mut text = Vec::new();
        man.render(&mut text)?;
        pages.push((man.get_filename(), text));
        // Depth first, in the listed order: the stack takes them back to front.
        todo.extend(subcommands.into_iter().rev());
    }
    Ok(pages)
}

/// `keyshelf completions SHELL`.
pub fn completions(a: CompletionsArgs, out: &mut dyn Write) -> Result<()> {
    out.write_all(&completion_script(a.shell))?;
    out.flush()?;
    Ok(())
}

/// `keyshelf man [--dir DIR]`.
pub fn man(a: ManArgs, out: &mut dyn Write) -> Result<()> {
    let pages = man_pages()?;
    let Some(dir) = a.dir else {
        if let Some((_, main)) = pages.first() {
            out.write_all(main)?;
        }
        out.flush()?;
        return Ok(());
    };
    write_pages(&dir, &pages)?;
    writeln!(out, "Wrote {} man pages to {}.", pages.len(), dir.display())?;
    writeln!(out, "Read one with `man -l {}`.", dir.join(format!("{BIN_NAME}.1")).display())?;
    Ok(())
}

fn write_pages(dir: &Path, pages: &[(String, Vec<u8>)]) -> Result<()> {
    let cannot = |path: &Path, e: std::io::Error| {
        CliError::Usage(format!("cannot write the man pages to {}: {e}", path.display()))
    };
    std::fs::create_dir_all(dir).map_err(|e| cannot(dir, e))?;
    for (name, text) in pages {
        let path = dir.join(name);
        std::fs::write(&path, text).map_err(|e| cannot(&path, e))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_subcommand_has_a_page_and_the_main_one_comes_first() {
        let pages = man_pages().unwrap();
        let names: Vec<&str> = pages.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names[0], "keyshelf.1");
        for want in ["keyshelf-key.1", "keyshelf-key-create.1", "keyshelf-doctor.1", "keyshelf-man.1"] {
            assert!(names.contains(&want), "{want} missing from {names:?}");
        }
        assert!(!names.iter().any(|n| n.contains("help")), "{names:?}");
        let mut unique = names.clone();
        unique.sort_unstable();
        unique.dedup();
        assert_eq!(unique.len(), names.len(), "a page name twice: {names:?}");
        let main = String::from_utf8(pages[0].1.clone()).unwrap();
        let title = format!(".TH keyshelf 1  \"keyshelf {}\"", env!("CARGO_PKG_VERSION"));
        assert!(main.contains(&title), "{main}");
    }

    #[test]
    fn completion_scripts_name_the_subcommands() {
        for shell in [Shell::Bash, Shell::Zsh, Shell::Fish, Shell::Elvish, Shell::PowerShell] {
            let script = String::from_utf8(completion_script(shell)).unwrap();
            for word in ["keyshelf", "known-hosts", "ssh-config", "completions", "doctor"] {
                assert!(script.contains(word), "{shell}: no {word}");
            }
        }
    }

    #[test]
    fn man_dir_writes_every_page() {
        let d = tempfile::tempdir().unwrap();
        let dir = d.path().join("new/man1");
        let mut out = Vec::new();
        man(ManArgs { dir: Some(dir.clone()) }, &mut out).unwrap();
        let pages = man_pages().unwrap();
        for (name, text) in &pages {
            assert_eq!(&std::fs::read(dir.join(name)).unwrap(), text, "{name}");
        }
        let said = String::from_utf8(out).unwrap();
        assert!(said.starts_with(&format!("Wrote {} man pages to", pages.len())), "{said}");
    }
}
