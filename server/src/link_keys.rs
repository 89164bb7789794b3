//! Where the activation-link keys come from: `ACTIVATION_LINK_KEYS`, or the key
//! file. A demo portal makes its key file on first run; a production portal
//! refuses to start without its keys, or with a key file others can read.

use crate::config::Settings;
use app::keys::link::{LinkKey, LinkKeys};
use std::path::Path;

/// The deployment's link keys.
pub fn load(settings: &Settings) -> Result<LinkKeys, String> {
    if let Some(spec) = &settings.activation_link_keys {
        return LinkKeys::parse(spec).map_err(|e| format!("ACTIVATION_LINK_KEYS: {e}"));
    }
    let path = Path::new(&settings.activation_link_key_file);
    if path.exists() {
        check_private(path)?;
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read the link key file {}: {e}", path.display()))?;
        return LinkKeys::parse(&text).map_err(|e| format!("{}: {e}", path.display()));
    }
    if settings.production {
        return Err(format!(
            "no activation-link key: set ACTIVATION_LINK_KEYS, or put the keys in {} \
             (readable only by the portal); see the README's Security section",
            path.display()
        ));
    }
    let keys = LinkKeys::single(LinkKey::generate("k1"));
    write_private(path, &keys.to_lines())?;
    tracing::info!(file = %path.display(), "made a new activation-link key for this demo portal");
    Ok(keys)
}

#[cfg(unix)]
pub(crate) fn check_private(path: &Path) -> Result<(), String> {
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?
        .permissions()
        .mode();
    if mode & 0o077 != 0 {
        return Err(format!(
            "the link key file {} can be read by others (mode {:o}); make it readable only by the portal (chmod 600)",
            path.display(),
            mode & 0o777
        ));
    }
    Ok(())
}

#[cfg(not(unix))]
fn check_private(_path: &Path) -> Result<(), String> {
    Ok(())
}

fn write_private(path: &Path, text: &str) -> Result<(), String> {
    use std::io::Write;
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)
            .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options
        .open(path)
        .map_err(|e| format!("cannot create the link key file {}: {e}", path.display()))?;
    file.write_all(text.as_bytes())
        .map_err(|e| format!("cannot write the link key file {}: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(file: &Path, production: bool) -> Settings {
        let mut s = Settings::from_lookup(|_| None).unwrap();
        s.activation_link_key_file = file.display().to_string();
        s.production = production;
        s
    }

    fn scratch(name: &str) -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("vlp-keys-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        dir.join("activation-link.keys")
    }

    #[test]
    fn a_demo_portal_makes_its_key_once_readable_only_by_itself() {
        let file = scratch("demo");
        let first = load(&settings(&file, false)).unwrap();
        let again = load(&settings(&file, false)).unwrap();
        assert_eq!(first, again, "the same key on the next start");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&file).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }

    #[test]
    fn production_refuses_to_start_without_keys_or_with_weak_ones() {
        let file = scratch("production");
        assert!(load(&settings(&file, true))
            .unwrap_err()
            .contains("no activation-link key"));
        assert!(!file.exists(), "production never makes its own key");
        let mut s = settings(&file, true);
        s.activation_link_keys = Some(format!("k1:{}", "ab".repeat(8)));
        assert!(load(&s).unwrap_err().contains("too short"));
    }

    #[cfg(unix)]
    #[test]
    fn a_key_file_others_can_read_is_refused() {
        use std::os::unix::fs::PermissionsExt;
        let file = scratch("shared");
        load(&settings(&file, false)).unwrap();
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
        assert!(load(&settings(&file, false))
            .unwrap_err()
            .contains("chmod 600"));
    }
}
