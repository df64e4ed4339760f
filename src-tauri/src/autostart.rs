//! Starting at login, the freedesktop way: a desktop entry in `$XDG_CONFIG_HOME/autostart`
//! (every Linux desktop reads it). The file is the setting: nothing is kept elsewhere, so
//! a person removing it by hand turns it off too. Off until a person turns it on.

use std::io;
use std::path::{Path, PathBuf};

/// The argument the login start passes: the app starts in the tray, without its window.
pub const HIDDEN_ARG: &str = "--hidden";

const ENTRY_FILE: &str = "freshboard.desktop";

/// `$XDG_CONFIG_HOME`, else `~/.config` (the XDG Base Directory default).
pub fn config_home() -> Option<PathBuf> {
    std::env::var_os("XDG_CONFIG_HOME")
        .filter(|d| !d.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".config")))
}

fn entry_path(config_home: &Path) -> PathBuf {
    config_home.join("autostart").join(ENTRY_FILE)
}

pub fn is_enabled(config_home: &Path) -> bool {
    entry_path(config_home).is_file()
}

/// Writes (or removes) the login entry that starts `exe` in the tray.
pub fn set(config_home: &Path, exe: &Path, on: bool) -> io::Result<()> {
    let path = entry_path(config_home);
    if !on {
        return match std::fs::remove_file(&path) {
            Err(e) if e.kind() != io::ErrorKind::NotFound => Err(e),
            _ => Ok(()),
        };
    }
    std::fs::create_dir_all(path.parent().expect("autostart folder"))?;
    // Written whole, then renamed: a crash never leaves half an entry the desktop would run.
    let partial = path.with_extension("desktop.partial");
    std::fs::write(&partial, entry(exe))?;
    std::fs::rename(&partial, &path)
}

fn entry(exe: &Path) -> String {
    format!(
        "[Desktop Entry]\n\
         Type=Application\n\
         Name=Freshboard\n\
         Comment=Keeps your clients' dashboards synced in the background\n\
         Exec={} {HIDDEN_ARG}\n\
         Icon=freshboard\n\
         Terminal=false\n\
         X-GNOME-Autostart-enabled=true\n",
        quote_exec(&exe.to_string_lossy())
    )
}

/// The Desktop Entry spec's quoting of an `Exec` program: in double quotes when it holds a
/// reserved character, with `"`, `` ` ``, `$` and `\` escaped; `%` doubled (field codes).
fn quote_exec(program: &str) -> String {
    let program = program.replace('%', "%%");
    let reserved = |c: char| " \t\n\"'\\><~|&;$*?#()`".contains(c);
    if !program.contains(reserved) {
        return program;
    }
    let mut quoted = String::from("\"");
    for c in program.chars() {
        if matches!(c, '"' | '`' | '$' | '\\') {
            quoted.push('\\');
        }
        quoted.push(c);
    }
    quoted.push('"');
    quoted
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn turning_it_on_writes_an_entry_that_starts_the_app_hidden_and_off_removes_it() {
        let home = tempfile::tempdir().unwrap();
        assert!(!is_enabled(home.path()), "off by default");
        set(home.path(), Path::new("/usr/bin/freshboard"), true).unwrap();
        assert!(is_enabled(home.path()));
        let text = std::fs::read_to_string(home.path().join("autostart/freshboard.desktop")).unwrap();
        assert!(text.starts_with("[Desktop Entry]\n"), "{text}");
        assert!(text.contains("\nExec=/usr/bin/freshboard --hidden\n"), "{text}");
        assert!(text.contains("\nType=Application\n"), "{text}");

        set(home.path(), Path::new("/usr/bin/freshboard"), false).unwrap();
        assert!(!is_enabled(home.path()));
        // Turning off what is already off is no error.
        set(home.path(), Path::new("/usr/bin/freshboard"), false).unwrap();
    }

    #[test]
    fn a_program_path_with_spaces_or_reserved_characters_is_quoted_as_the_spec_says() {
        assert_eq!(
            quote_exec("/opt/Fresh board/freshboard"),
            "\"/opt/Fresh board/freshboard\""
        );
        assert_eq!(quote_exec("/home/a$b/freshboard"), "\"/home/a\\$b/freshboard\"");
        assert_eq!(quote_exec("/home/100%/freshboard"), "/home/100%%/freshboard");
    }
}
