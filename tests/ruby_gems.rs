//! RubyGems and Bundler offline (issue 15 §3): `gem env`, `gem list`, `gem build`,
//! `gem install --local` into a GEM_HOME inside the app directory, `bundle install
//! --local` from vendor/cache and `bundle exec ruby app.rb`, under wali-run's default
//! sandbox (the app directory granted, Ruby's own lib/ and bin/, no network), each
//! compared with the native Ruby 3.3.8 built from the same tarball doing the same in a
//! directory of its own. The gems are pure Ruby, built here from Debian's packages
//! (toolchain/ruby/gems.list: each package's gem files and its installed gemspec).
//!
//! Needs toolchain/ruby/build.sh's layout of an installed Ruby: build/ruby/bin (gem,
//! bundle, ruby) and lib/ruby/gems/3.3.0/specifications/default, and the native
//! Ruby's prefix/ with the same.

mod common;
use common::*;
use std::path::{Path, PathBuf};
use std::process::Command;

/// SOURCE_DATE_EPOCH for `gem build`: with it a .gem is the same bytes on both Rubies.
const EPOCH: &str = "1700000000";

#[derive(Clone, Copy, PartialEq, Debug)]
enum Side {
    Wasm,
    Native,
}

/// build/ruby (the wasm Ruby's directory): its module, bin/ and lib/.
fn wasm_dir() -> PathBuf {
    let d = repo().join("build/ruby");
    for f in ["ruby.wasm", "bin/gem", "bin/bundle", "bin/ruby"] {
        assert!(
            d.join(f).exists(),
            "{} is missing: run ./build.sh (toolchain/ruby/build.sh installs RubyGems' scripts)",
            d.join(f).display()
        );
    }
    d
}

/// The native Ruby's prefix (its default gems and bin/ live there; bin/ruby runs it).
fn native_prefix() -> PathBuf {
    let r = repo().join("build/bin/ruby-native");
    let p = std::fs::canonicalize(&r)
        .unwrap_or_else(|_| panic!("{} is missing: run ./build.sh", r.display()))
        .parent()
        .unwrap()
        .join("prefix");
    assert!(
        p.join("bin/gem").exists(),
        "{} is missing: run ./build.sh (toolchain/ruby/build.sh installs the native Ruby's RubyGems scripts)",
        p.join("bin/gem").display()
    );
    p
}

/// `ruby -S SCRIPT ARGS` (or `ruby ARGS`) on one side, in `app` (the working directory, the one grant),
/// with GEM_HOME `app/gems`, HOME `app` and nothing else from the test's environment.
fn cmd(side: Side, app: &Path, script: Option<&str>, args: &[&str]) -> Command {
    let mut c = Command::new("timeout");
    c.args(["-k", "5", "120"]);
    let host_path = std::env::var("PATH").unwrap_or_default();
    match side {
        Side::Wasm => {
            c.arg(bin())
                .arg("--argv0")
                .arg("ruby")
                .arg(wasm_dir().join("ruby.wasm"));
            // The guest's PATH comes from the module's manifest, its bin/ first.
            c.env("PATH", &host_path);
        }
        Side::Native => {
            let p = native_prefix();
            c.arg(p.join("bin/ruby"));
            c.env("PATH", format!("{}:{host_path}", p.join("bin").display()));
        }
    }
    // `ruby -S gem`: the script found on PATH, as a user runs `gem` by name.
    if let Some(s) = script {
        c.arg("-S").arg(s);
    }
    c.args(args)
        .current_dir(app)
        .env_remove("RUBYOPT")
        .env_remove("RUBYLIB")
        .env_remove("GEM_PATH")
        .env_remove("BUNDLE_GEMFILE")
        .env_remove("BUNDLE_PATH")
        .env("HOME", app)
        .env("GEM_HOME", app.join("gems"))
        .env("SOURCE_DATE_EPOCH", EPOCH);
    c
}

/// Run; require success; stdout with the app directory written as APP.
fn ok(side: Side, app: &Path, script: Option<&str>, args: &[&str]) -> String {
    let o = check(
        cmd(side, app, script, args).output().unwrap(),
        &format!("{side:?}: {script:?} {args:?}"),
    );
    text(&o.stdout).replace(&app.display().to_string(), "APP")
}

fn cache_dir() -> PathBuf {
    std::env::var_os("WALI_CACHE_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(std::env::var("HOME").unwrap()).join(".cache/wali-run"))
}

/// A pure-Ruby gem's source tree in `dst/NAME` from its Debian binary package (named
/// and pinned in toolchain/ruby/gems.list; fetched by toolchain/ruby/app.sh, which
/// ./test.sh runs first): lib/, Debian's installed gemspec, and NAME.gemspec, which is
/// that spec with the files of this tree (Debian's lists only bin/ for some).
fn gem_source(name: &str, dst: &Path) -> PathBuf {
    let list = std::fs::read_to_string(repo().join("toolchain/ruby/gems.list")).unwrap();
    let row: Vec<&str> = list
        .lines()
        .map(|l| l.split_whitespace().collect::<Vec<_>>())
        .find(|f| f.first() == Some(&name))
        .unwrap_or_else(|| panic!("{name} is not in toolchain/ruby/gems.list"));
    let (ver, kind, file, sha) = (row[1], row[2], row[4], row[5]);
    assert_eq!(kind, "binary", "{name}: a binary package expected");
    let deb = cache_dir().join("src").join(file);
    let sum = Command::new("sha256sum").arg(&deb).output().unwrap();
    assert!(
        sum.status.success() && String::from_utf8_lossy(&sum.stdout).starts_with(sha),
        "{}: missing or sha256 mismatch: run toolchain/ruby/app.sh -o build/app-ruby {name} (./test.sh does)",
        deb.display()
    );
    let x = dst.join(format!("{name}-deb"));
    std::fs::create_dir_all(&x).unwrap();
    let st = Command::new("dpkg-deb")
        .arg("-x")
        .arg(&deb)
        .arg(&x)
        .status()
        .unwrap();
    assert!(st.success(), "dpkg-deb -x {}", deb.display());
    let integ = x.join("usr/share/rubygems-integration/all");
    let src = dst.join(name);
    std::fs::create_dir_all(&src).unwrap();
    let gem_lib = integ.join(format!("gems/{name}-{ver}/lib"));
    let lib = if gem_lib.is_dir() {
        gem_lib
    } else {
        x.join("usr/lib/ruby/vendor_ruby")
    };
    let st = Command::new("cp")
        .arg("-a")
        .arg(&lib)
        .arg(src.join("lib"))
        .status()
        .unwrap();
    assert!(st.success());
    std::fs::copy(
        integ.join(format!("specifications/{name}-{ver}.gemspec")),
        src.join("debian.gemspec"),
    )
    .unwrap();
    std::fs::write(
        src.join(format!("{name}.gemspec")),
        "spec = Gem::Specification.load(File.join(__dir__, \"debian.gemspec\"))\n\
         spec.files = Dir.chdir(__dir__) { Dir[\"lib/**/*.rb\"].sort }\n\
         spec.executables = []\n\
         spec\n",
    )
    .unwrap();
    std::fs::remove_dir_all(&x).unwrap();
    src
}

/// `gem build` NAME in app/src/NAME on one side: the .gem's path.
fn build_gem(side: Side, app: &Path, name: &str) -> PathBuf {
    gem_source(name, &app.join("src"));
    let out = ok(
        side,
        app,
        Some("gem"),
        &[
            "-C",
            &format!("src/{name}"),
            "build",
            &format!("{name}.gemspec"),
        ],
    );
    let file = out
        .lines()
        .find_map(|l| l.trim().strip_prefix("File: "))
        .unwrap_or_else(|| panic!("{side:?}: gem build {name}: no File: line in\n{out}"))
        .to_string();
    app.join("src").join(name).join(file)
}

/// NAMES built once with the native `gem build` (gem_build_install_and_require_match_native
/// shows both Rubies build the same bytes) into `app/vendor/cache` of each app.
fn vendor_cache(names: &[&str], apps: &[&Path]) {
    let src = TempDir::new("gems-src");
    let gems: Vec<PathBuf> = names
        .iter()
        .map(|g| build_gem(Side::Native, src.path(), g))
        .collect();
    for app in apps {
        let cache = app.join("vendor/cache");
        std::fs::create_dir_all(&cache).unwrap();
        for f in &gems {
            std::fs::copy(f, cache.join(f.file_name().unwrap())).unwrap();
        }
    }
}

fn sha256(p: &Path) -> String {
    let o = Command::new("sha256sum").arg(p).output().unwrap();
    String::from_utf8_lossy(&o.stdout)
        .split_whitespace()
        .next()
        .unwrap_or_default()
        .to_string()
}

/// Default gems that the wasm Ruby does not build (extensions left out in
/// toolchain/ruby/build.sh's --with-out-ext: fiddle needs dlopen, syslog is not built).
const NOT_IN_WASM: &[&str] = &["fiddle", "syslog"];

#[test]
fn gem_env_and_list_match_native() {
    let (w, n) = (TempDir::new("gems-env-w"), TempDir::new("gems-env-n"));
    let both = |args: &[&str]| {
        (
            ok(Side::Wasm, w.path(), Some("gem"), args),
            ok(Side::Native, n.path(), Some("gem"), args),
        )
    };
    // The same RubyGems, the same GEM_HOME (the app's), the same sources.
    for args in [
        &["--version"][..],
        &["env", "version"],
        &["env", "gemdir"],
        &["env", "remotesources"],
    ] {
        let (a, b) = both(args);
        assert_eq!(a, b, "gem {args:?}");
    }
    assert_eq!(both(&["env", "gemdir"]).0.trim(), "APP/gems");
    // Platforms differ by design: each Ruby's own after "ruby".
    let (a, b) = both(&["env", "platform"]);
    assert_eq!(a.trim(), "ruby:wasm32-linux-musl", "wasm platforms");
    assert_eq!(b.trim(), "ruby:x86_64-linux", "native platforms");
    // `gem env` in full answers and names this RubyGems and Ruby.
    let (a, _) = both(&["env"]);
    assert!(a.contains("RUBYGEMS VERSION: 3.5.22"), "{a}");
    assert!(a.contains("RUBY VERSION: 3.3.8"), "{a}");
    assert!(a.contains("INSTALLATION DIRECTORY: APP/gems"), "{a}");
    // The default gems: the native list less the extensions not built for wasm.
    let (a, b) = both(&["list"]);
    let native: Vec<&str> = b
        .lines()
        .filter(|l| !NOT_IN_WASM.iter().any(|g| l.starts_with(&format!("{g} "))))
        .collect();
    assert_eq!(a.lines().collect::<Vec<_>>(), native, "gem list");
    assert!(a.contains("bundler (default: 2.5.22)"), "{a}");
    assert!(a.lines().count() > 60, "{a}");
}

#[test]
fn gem_build_install_and_require_match_native() {
    let (w, n) = (TempDir::new("gems-inst-w"), TempDir::new("gems-inst-n"));
    let mut outs = Vec::new();
    for (side, app) in [(Side::Wasm, w.path()), (Side::Native, n.path())] {
        let rack = build_gem(side, app, "rack");
        let tilt = build_gem(side, app, "tilt");
        let rel = |p: &Path| p.strip_prefix(app).unwrap().display().to_string();
        let install = ok(
            side,
            app,
            Some("gem"),
            &[
                "install",
                "--local",
                "--no-document",
                &rel(&rack),
                &rel(&tilt),
            ],
        );
        assert!(install.contains("2 gems installed"), "{side:?}: {install}");
        assert!(app.join("gems/gems/rack-2.2.22/lib/rack.rb").exists());
        let list = ok(side, app, Some("gem"), &["list", "--local", "rack|tilt"]);
        let req = ok(
            side,
            app,
            None,
            &[
                // The wasm Ruby is configured --disable-rubygems: -rrubygems (native
                // loads it by default; the flag changes nothing there).
                "-rrubygems",
                "-e",
                "require 'rack'; require 'tilt'; puts Rack.release, Tilt::VERSION, \
                 Gem.loaded_specs.values_at('rack', 'tilt').map(&:full_gem_path)",
            ],
        );
        outs.push((sha256(&rack), sha256(&tilt), install, list, req));
    }
    // Byte-identical .gem files (SOURCE_DATE_EPOCH), the same output throughout.
    assert_eq!(outs[0], outs[1]);
    let req = &outs[0].4;
    assert_eq!(
        req,
        "2.2.22\n2.0.11\nAPP/gems/gems/rack-2.2.22\nAPP/gems/gems/tilt-2.0.11\n"
    );
}

#[test]
fn bundle_install_local_and_exec_match_native() {
    let (w, n) = (TempDir::new("gems-bundle-w"), TempDir::new("gems-bundle-n"));
    vendor_cache(
        &["rack", "tilt", "mustermann", "ruby2_keywords"],
        &[w.path(), n.path()],
    );
    let mut outs = Vec::new();
    for (side, app) in [(Side::Wasm, w.path()), (Side::Native, n.path())] {
        // A source the sandbox cannot reach (no network is granted): --local only.
        std::fs::write(
            app.join("Gemfile"),
            "source \"https://rubygems.org\"\ngem \"rack\", \"2.2.22\"\ngem \"tilt\", \"~> 2.0\"\ngem \"mustermann\"\n",
        )
        .unwrap();
        std::fs::write(
            app.join("app.rb"),
            "require \"rack\"\nrequire \"tilt\"\nrequire \"mustermann\"\n\
             puts \"rack #{Rack.release} tilt #{Tilt::VERSION}\"\n\
             puts Mustermann.new(\"/hello/:name\").params(\"/hello/wasm\").inspect\n\
             puts %w[rack tilt mustermann ruby2_keywords bundler].map { |g| \"#{g} #{Gem.loaded_specs[g]&.version}\" }\n\
             puts ENV[\"BUNDLE_GEMFILE\"]\n",
        )
        .unwrap();
        let install = ok(side, app, Some("bundle"), &["install", "--local"]);
        assert!(
            install.contains("Bundle complete! 3 Gemfile dependencies, 5 gems now installed."),
            "{side:?}: {install}"
        );
        // The lock file names each Ruby's own platform beside "ruby".
        let own = if side == Side::Wasm {
            "wasm32-linux-musl"
        } else {
            "x86_64-linux"
        };
        let lock = std::fs::read_to_string(app.join("Gemfile.lock"))
            .unwrap()
            .replace(&format!("  {own}\n"), "  OWN\n");
        let exec = ok(side, app, Some("bundle"), &["exec", "ruby", "app.rb"]);
        let list = ok(side, app, Some("bundle"), &["list"]);
        outs.push((install, lock, exec, list));
    }
    assert_eq!(outs[0], outs[1]);
    assert_eq!(
        outs[0].2,
        "rack 2.2.22 tilt 2.0.11\n{\"name\"=>\"wasm\"}\n\
         rack 2.2.22\ntilt 2.0.11\nmustermann 3.0.0\nruby2_keywords 0.0.5\nbundler 2.5.22\nAPP/Gemfile\n"
    );
    assert!(outs[0]
        .1
        .contains("mustermann (3.0.0)\n      ruby2_keywords (~> 0.0.1)"));
}

/// Sinatra 3.0.5 and what it pulls (rack-protection, mustermann, ruby2_keywords, rack,
/// tilt), resolved by Bundler from vendor/cache alone; the app answers a request
/// through Rack::MockRequest (no server, no network).
#[test]
fn bundle_exec_sinatra_matches_native() {
    let (w, n) = (
        TempDir::new("gems-sinatra-w"),
        TempDir::new("gems-sinatra-n"),
    );
    vendor_cache(
        &[
            "sinatra",
            "rack-protection",
            "mustermann",
            "ruby2_keywords",
            "rack",
            "tilt",
        ],
        &[w.path(), n.path()],
    );
    let mut outs = Vec::new();
    for (side, app) in [(Side::Wasm, w.path()), (Side::Native, n.path())] {
        std::fs::write(
            app.join("Gemfile"),
            "source \"https://rubygems.org\"\ngem \"sinatra\", \"3.0.5\"\n",
        )
        .unwrap();
        std::fs::write(
            app.join("app.rb"),
            "require \"sinatra/base\"\n\
             class App < Sinatra::Base\n  get(\"/hello/:name\") { \"hello #{params[:name]}\" }\nend\n\
             res = Rack::MockRequest.new(App).get(\"/hello/wasm\")\n\
             puts res.status, res.body, res.headers[\"x-frame-options\"] || res.headers[\"X-Frame-Options\"]\n\
             puts %w[sinatra rack-protection mustermann ruby2_keywords rack tilt].map { |g| \"#{g} #{Gem.loaded_specs[g]&.version}\" }\n",
        )
        .unwrap();
        let install = ok(side, app, Some("bundle"), &["install", "--local"]);
        assert!(
            install.contains("Bundle complete! 1 Gemfile dependency, 7 gems now installed."),
            "{side:?}: {install}"
        );
        let exec = ok(side, app, Some("bundle"), &["exec", "ruby", "app.rb"]);
        outs.push((install, exec));
    }
    assert_eq!(outs[0], outs[1]);
    assert_eq!(
        outs[0].1,
        "200\nhello wasm\nSAMEORIGIN\nsinatra 3.0.5\nrack-protection 3.0.5\nmustermann 3.0.0\n\
         ruby2_keywords 0.0.5\nrack 2.2.22\ntilt 2.0.11\n"
    );
}
