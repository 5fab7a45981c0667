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
    let exec = format!("Exec=\"{}\"", exe.display().to_string().replace('"', "\\\""));
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

/// `$XDG_DATA_HOME`, else `~/.local/share`.
pub fn data_home() -> Option<PathBuf> {
    directories::BaseDirs::new().map(|b| b.data_dir().to_path_buf())
}

#[cfg(test)]
mod tests {
    #[test]
    fn install_writes_entry_with_this_exe_and_icons() {
        let d = tempfile::tempdir().unwrap();
        let files = super::install(d.path(), std::path::Path::new("/opt/key shelf/keyshelf")).unwrap();
        let entry = std::fs::read_to_string(d.path().join("applications/keyshelf.desktop")).unwrap();
        assert!(entry.contains("Exec=\"/opt/key shelf/keyshelf\"\n"), "{entry}");
        assert!(entry.contains("Icon=keyshelf"));
        assert!(d.path().join("icons/hicolor/256x256/apps/keyshelf.png").is_file());
        assert!(d.path().join("icons/hicolor/scalable/apps/keyshelf.svg").is_file());
        assert_eq!(files.len(), 10);
    }
}
