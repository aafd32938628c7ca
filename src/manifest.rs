//! A module's own needs, from a TOML file beside it (`ruby.wasm` → `ruby.wasm.toml`):
//! for now the environment it expects, with `{dir}` standing for the module's directory,
//! so a module finds the files that belong to it (Ruby its standard library) from any
//! working directory without flags; and what it needs from the policy (`[needs]`: the
//! directories it reads, network, host programs), which the operator's policy grants
//! or refuses (src/policy.rs).

use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    /// Variables added to the guest's environment (the host's are overridden; `--env`
    /// overrides these).
    #[serde(default)]
    pub env: BTreeMap<String, String>,
    #[serde(default)]
    pub needs: Needs,
}

/// The module's own policy table.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Needs {
    /// Directories it reads or writes; read-only ones inside its own directory are
    /// granted by default.
    #[serde(default)]
    pub dirs: Vec<NeedDir>,
    #[serde(default)]
    pub net: bool,
    #[serde(default)]
    pub exec: bool,
    /// The module's directory (canonical), filled in on load.
    #[serde(skip)]
    pub module_dir: Option<PathBuf>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NeedDir {
    pub host: String,
    pub guest: Option<String>,
    #[serde(default)]
    pub ro: bool,
}

/// The manifest's path for `module`.
pub fn path_for(module: &Path) -> PathBuf {
    let mut p = module.as_os_str().to_owned();
    p.push(".toml");
    PathBuf::from(p)
}

/// TOML from `path` into `T`; an error is one line naming the file and line.
pub fn parse_toml<T: serde::de::DeserializeOwned>(text: &str, path: &Path) -> Result<T, String> {
    toml::from_str(text).map_err(|e| {
        let first = e
            .message()
            .lines()
            .next()
            .unwrap_or("invalid TOML")
            .to_string();
        match e.span() {
            Some(s) => {
                let line = text[..s.start].matches('\n').count() + 1;
                format!("{} line {line}: {first}", path.display())
            }
            None => format!("{}: {first}", path.display()),
        }
    })
}

/// Read the manifest beside `module`, if there is one, with `{dir}` expanded.
pub fn load(module: &Path) -> Result<Manifest, String> {
    let path = path_for(module);
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Manifest::default()),
        Err(e) => return Err(format!("{}: {}", path.display(), e)),
    };
    let dir = std::fs::canonicalize(module)
        .ok()
        .and_then(|p| p.parent().map(Path::to_path_buf))
        .unwrap_or_else(|| PathBuf::from("."));
    let mut m = from_text(&text, &path, &dir)?;
    m.needs.module_dir = Some(dir);
    Ok(m)
}

/// The manifest of a module handed over by a guest's `execve` (`--manifest-fd`): read
/// from the descriptor the exec'ing runtime opened. Its `[env]` applies; its `[needs]`
/// grant nothing of their own (no module directory is trusted: the guest may have
/// written both files), they must be covered by the grants the module runs under.
pub fn load_handed(file: std::fs::File, module: &Path, dir: &Path) -> Result<Manifest, String> {
    use std::io::Read;
    let path = path_for(module);
    let mut text = String::new();
    file.take(1 << 20)
        .read_to_string(&mut text)
        .map_err(|e| format!("{}: {}", path.display(), e))?;
    from_text(&text, &path, dir)
}

fn from_text(text: &str, path: &Path, dir: &Path) -> Result<Manifest, String> {
    let mut m: Manifest = parse_toml(text, path)?;
    for (k, v) in m.env.iter_mut() {
        if k.is_empty() || k.contains('=') || k.contains('\0') || v.contains('\0') {
            return Err(format!(
                "{}: bad environment variable name {k:?}",
                path.display()
            ));
        }
        *v = v.replace("{dir}", &dir.to_string_lossy());
    }
    for d in m.needs.dirs.iter_mut() {
        d.host = d.host.replace("{dir}", &dir.to_string_lossy());
        if let Some(g) = d.guest.as_mut() {
            *g = g.replace("{dir}", &dir.to_string_lossy());
        }
        if !Path::new(&d.host).is_absolute() {
            d.host = dir.join(&d.host).to_string_lossy().into_owned();
        }
    }
    Ok(m)
}
