//! `keyshelf desktop install`: puts a freedesktop launcher entry and the icons into the
//! user's `~/.local/share`, so the app shows up in the desktop's launcher.

use std::path::{Path, PathBuf};

const DESKTOP_ENTRY: &str = include_str!("../assets/keyshelf.desktop");
const ICON_SVG: &[u8] = include_bytes!("../assets/icons/keyshelf.svg");
const ICONS: &[(u32, &[u8])] = &[
    (16, include_bytes!("../assets/icons/keyshelf-16.png")),
    (24, include_bytes!("../assets/icons/keyshelf-24.png")),
    (32, include_bytes!("../assets/icons/keyshelf-32.png")),
    (48, include_bytes!("../assets/icons/keyshelf-48.png")),
    (64, include_bytes!("../assets/icons/keyshelf-64.png")),
    (128, include_bytes!("../assets/icons/keyshelf-128.png")),
    (256, include_bytes!("../assets/icons/keyshelf-256.png")),
    (512, include_bytes!("../assets/icons/keyshelf-512.png")),
];

/// Writes the launcher entry (running `exe`) and the icons under `data_home`
/// (`~/.local/share`); returns the files written.
pub fn install(data_home: &Path, exe: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut written = Vec::new();
    let apps = data_home.join("applications");
    std::fs::create_dir_all(&apps)?;
    let exec = exec_line(exe)?;
    let entry: String = DESKTOP_ENTRY
        .lines()
        .map(|l| if l.starts_with("Exec=") { exec.clone() } else { l.to_string() } + "\n")
        .collect();
    let p = apps.join("keyshelf.desktop");
    std::fs::write(&p, entry)?;
    written.push(p);
    for (size, png) in ICONS {
        let dir = data_home.join(format!("icons/hicolor/{size}x{size}/apps"));
        std::fs::create_dir_all(&dir)?;
        let p = dir.join("keyshelf.png");
        std::fs::write(&p, png)?;
        written.push(p);
    }
    let dir = data_home.join("icons/hicolor/scalable/apps");
    std::fs::create_dir_all(&dir)?;
    let p = dir.join("keyshelf.svg");
    std::fs::write(&p, ICON_SVG)?;
    written.push(p);
    Ok(written)
}

/// The `Exec=` line that runs `exe`, written as the Desktop Entry Specification's
/// section "The Exec key" asks. A launcher undoes three layers, in this order:
///
/// 1. the value is a string, whose escapes (`\\`, `\n`, `\t`, `\r`) it undoes first;
/// 2. then the command line's quoting: inside double quotes `"`, `` ` ``, `$` and `\`
///    are preceded by a backslash;
/// 3. then field codes such as `%f`, where a literal `%` is `%%`.
///
/// They are applied here in reverse, so a backslash in the path becomes four
/// backslashes, and `$` becomes `\\$`.
pub fn exec_line(exe: &Path) -> std::io::Result<String> {
    let path = exe.to_str().ok_or_else(|| {
        std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!(
                "the Keyshelf binary's path {} is not valid UTF-8, which a launcher entry cannot hold; \
                 move the binary to a folder with a UTF-8 name and run this again",
                exe.display()
            ),
        )
    })?;
    let mut quoted = String::with_capacity(path.len() + 2);
    quoted.push('"');
    for c in path.chars() {
        match c {
            '%' => quoted.push_str("%%"),
            '"' | '`' | '$' | '\\' => {
                quoted.push('\\');
                quoted.push(c);
            }
            c => quoted.push(c),
        }
    }
    quoted.push('"');
    let mut line = String::from("Exec=");
    for c in quoted.chars() {
        match c {
            '\\' => line.push_str("\\\\"),
            '\n' => line.push_str("\\n"),
            '\t' => line.push_str("\\t"),
            '\r' => line.push_str("\\r"),
            c => line.push(c),
        }
    }
    Ok(line)
}

/// `$XDG_DATA_HOME`, else `~/.local/share`.
pub fn data_home() -> Option<PathBuf> {
    directories::BaseDirs::new().map(|b| b.data_dir().to_path_buf())
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    /// What a launcher does with an `Exec` value that is one quoted argument, step by
    /// step as the specification orders it: string escapes, quoting, field codes.
    fn launcher_reads(value: &str) -> String {
        let mut unescaped = String::new();
        let mut chars = value.chars();
        while let Some(c) = chars.next() {
            if c == '\\' {
                match chars.next() {
                    Some('\\') => unescaped.push('\\'),
                    Some('n') => unescaped.push('\n'),
                    Some('t') => unescaped.push('\t'),
                    Some('r') => unescaped.push('\r'),
                    Some('s') => unescaped.push(' '),
                    // GLib keeps an unknown escape as it is.
                    Some(other) => {
                        unescaped.push('\\');
                        unescaped.push(other);
                    }
                    None => panic!("a string value cannot end in a lone backslash: {value}"),
                }
            } else {
                unescaped.push(c);
            }
        }
        let inner = unescaped
            .strip_prefix('"')
            .and_then(|u| u.strip_suffix('"'))
            .unwrap_or_else(|| panic!("not one quoted argument: {unescaped}"));
        let mut unquoted = String::new();
        let mut chars = inner.chars();
        while let Some(c) = chars.next() {
            match c {
                '\\' => {
                    let next = chars.next().expect("a backslash escapes something");
                    assert!(matches!(next, '"' | '`' | '$' | '\\'), "\\{next} is not a quoting escape");
                    unquoted.push(next);
                }
                '"' | '`' | '$' => panic!("unescaped {c} inside quotes: {inner}"),
                c => unquoted.push(c),
            }
        }
        let mut expanded = String::new();
        let mut chars = unquoted.chars();
        while let Some(c) = chars.next() {
            if c == '%' {
                assert_eq!(chars.next(), Some('%'), "a field code in the path: {unquoted}");
            }
            expanded.push(c);
        }
        expanded
    }

    #[test]
    fn install_writes_entry_with_this_exe_and_icons() {
        let d = tempfile::tempdir().unwrap();
        let files = super::install(d.path(), Path::new("/opt/key shelf/keyshelf")).unwrap();
        let entry = std::fs::read_to_string(d.path().join("applications/keyshelf.desktop")).unwrap();
        assert!(entry.contains("Exec=\"/opt/key shelf/keyshelf\"\n"), "{entry}");
        assert!(entry.contains("Icon=keyshelf"));
        assert!(d.path().join("icons/hicolor/256x256/apps/keyshelf.png").is_file());
        assert!(d.path().join("icons/hicolor/scalable/apps/keyshelf.svg").is_file());
        assert_eq!(files.len(), 10);
    }

    #[test]
    fn exec_escapes_quotes_backslashes_dollars_and_percents_twice_over() {
        let exe = r#"/opt/my "key" `shelf` $HOME\bin 100%/keyshelf"#;
        let line = super::exec_line(Path::new(exe)).unwrap();
        // Quoting adds one backslash before " ` $ \; the string value then doubles
        // every backslash: \" becomes \\", and a backslash of the path four of them.
        assert_eq!(line, r#"Exec="/opt/my \\"key\\" \\`shelf\\` \\$HOME\\\\bin 100%%/keyshelf""#);
        assert_eq!(launcher_reads(line.trim_start_matches("Exec=")), exe);
        for odd in ["/a\tb/keyshelf", "/new\nline/keyshelf", "/%f/keyshelf", "/\\\\/keyshelf", "/ü 漢字/keyshelf"] {
            let line = super::exec_line(Path::new(odd)).unwrap();
            assert!(!line.contains(['\n', '\t']), "{line:?}");
            assert_eq!(launcher_reads(line.trim_start_matches("Exec=")), odd, "{line}");
        }
    }

    #[cfg(unix)]
    #[test]
    fn a_path_that_is_not_utf8_is_refused_with_a_reason() {
        use std::os::unix::ffi::OsStrExt;
        let exe = Path::new(std::ffi::OsStr::from_bytes(b"/opt/\xff/keyshelf"));
        let err = super::exec_line(exe).unwrap_err();
        assert!(err.to_string().contains("not valid UTF-8"), "{err}");
    }

    /// `desktop-file-validate` (Debian's desktop-file-utils) accepts the entry written
    /// for an awkward path; skipped where the tool is not installed.
    #[test]
    fn the_entry_passes_desktop_file_validate_when_installed() {
        let d = tempfile::tempdir().unwrap();
        let exe = r#"/opt/my "key" `shelf` $HOME\bin 100%/keyshelf"#;
        super::install(d.path(), Path::new(exe)).unwrap();
        let entry = d.path().join("applications/keyshelf.desktop");
        let out = match std::process::Command::new("desktop-file-validate").arg(&entry).output() {
            Ok(out) => out,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                eprintln!("desktop-file-validate is not installed (desktop-file-utils); not checked");
                return;
            }
            Err(e) => panic!("cannot run desktop-file-validate: {e}"),
        };
        let report = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
        assert!(
            out.status.success() && !report.contains("error"),
            "{report}\n{}",
            std::fs::read_to_string(&entry).unwrap()
        );
    }
}
