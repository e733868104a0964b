//! The pip-installable wheel: built with maturin (`bindings = "bin"`, from the root
//! `pyproject.toml`), tagged manylinux, installed with pip into a fresh virtual environment, and
//! the README's Python quickstart run from that environment, lines as the README writes them.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The distribution name on PyPI (`retort` is taken); the command it installs is `retort`.
const DISTRIBUTION: &str = "retort-migrate";

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .expect("workspace root")
}

fn show(output: &Output) -> String {
    format!(
        "status: {}\n--- stdout\n{}\n--- stderr\n{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// Variables cargo sets for the test process itself (not the user's own CARGO_HOME,
/// CARGO_TARGET_DIR, CARGO_BUILD_*, … which the nested build must keep).
fn is_set_by_cargo_for_tests(name: &str) -> bool {
    [
        "CARGO_MANIFEST_",
        "CARGO_PKG_",
        "CARGO_BIN_",
        "CARGO_CRATE_",
        "CARGO_TARGET_TMPDIR",
    ]
    .iter()
    .any(|prefix| name.starts_with(prefix))
        || matches!(
            name,
            "CARGO_PRIMARY_PACKAGE" | "CARGO_RUSTC_CURRENT_DIR" | "OUT_DIR"
        )
}

/// The first ```sh block under the README's "Install and try it" heading: the Python quickstart.
fn readme_quickstart(readme: &str) -> Vec<String> {
    let section = readme
        .split("\n## ")
        .find(|section| section.starts_with("Install and try it"))
        .expect("README has an \"Install and try it\" section");
    let block = section
        .split("```sh\n")
        .nth(1)
        .and_then(|rest| rest.split("\n```").next())
        .expect("the section starts with a ```sh block");
    block.lines().map(str::to_owned).collect()
}

#[test]
fn wheel_installs_with_pip_and_runs_the_readme_quickstart() {
    let root = workspace_root();
    let maturin = root.join(".ci/state/maturin-venv/bin/maturin");
    assert!(
        maturin.exists(),
        "{} is missing: run .ci/setup (it installs maturin from PyPI)",
        maturin.display()
    );
    let scratch = tempfile::tempdir().expect("temporary directory");
    let wheels = scratch.path().join("wheels");

    // A dev-profile build shares the workspace's target directory with `cargo test`, so the
    // binary this test's own build made is reused rather than compiled again. The variables
    // cargo sets for a test process are not passed on: build scripts watch some of them (ring
    // reruns when CARGO_MANIFEST_DIR changes), and each build would then undo the other's.
    let mut build = Command::new(&maturin);
    build
        .args(["build", "--profile", "dev", "--out"])
        .arg(&wheels)
        .current_dir(&root);
    for (name, _) in std::env::vars_os() {
        let name = name.to_string_lossy();
        if is_set_by_cargo_for_tests(&name) {
            build.env_remove(&*name);
        }
    }
    let build = build.output().expect("run maturin");
    assert!(build.status.success(), "maturin build: {}", show(&build));
    let wheel_files: Vec<PathBuf> = fs_err::read_dir(&wheels)
        .expect("wheel directory")
        .map(|entry| entry.expect("entry").path())
        .collect();
    assert_eq!(wheel_files.len(), 1, "one wheel expected: {wheel_files:?}");
    let wheel = &wheel_files[0];
    let file_name = wheel.file_name().unwrap().to_string_lossy().into_owned();
    let version = env!("CARGO_PKG_VERSION");
    let prefix = format!("retort_migrate-{version}-py3-none-");
    assert!(
        file_name.starts_with(&prefix),
        "{file_name}: expected {prefix}<platform>.whl (distribution {DISTRIBUTION}, Cargo's version)"
    );
    // manylinux_2_<N> (PEP 600) or a legacy manylinux alias: what an index accepts. A plain
    // `linux_x86_64` tag means the auditwheel check found something the index would refuse.
    let platform = file_name
        .trim_start_matches(&prefix)
        .trim_end_matches(".whl");
    assert!(
        platform.split('.').all(|tag| tag.starts_with("manylinux")),
        "{file_name}: the platform tag {platform} is not manylinux; an index would refuse it"
    );
    eprintln!("built {file_name}");

    // A fresh virtual environment, and pip (not cargo) installs the wheel into it.
    let venv = scratch.path().join("venv");
    let created = Command::new("python3")
        .args(["-m", "venv"])
        .arg(&venv)
        .output()
        .expect("python3 -m venv (Debian: python3-venv, installed by .ci/setup)");
    assert!(
        created.status.success(),
        "python3 -m venv: {}",
        show(&created)
    );
    let bin = venv.join("bin");

    // The README's block, run as written by bash in the activated environment, one line at a
    // time so a failure names its line. Its `pip install retort-migrate` installs from the
    // index; the test points that one line at the wheel just built.
    let readme = fs_err::read_to_string(root.join("README.md")).expect("README.md");
    let lines = readme_quickstart(&readme);
    let install = format!("pip install {DISTRIBUTION}");
    assert_eq!(
        lines.first().map(String::as_str),
        Some(install.as_str()),
        "the README's Python quickstart starts with `{install}`"
    );
    let work = scratch.path().join("work");
    fs_err::create_dir(&work).expect("work directory");
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let mut script = String::from("set -euo pipefail\n");
    script.push_str(&format!(
        "pip install --no-index --disable-pip-version-check {}\n",
        wheel.display()
    ));
    // The `retort` the quickstart runs is the one pip put into the environment.
    script.push_str("echo \"retort is $(command -v retort)\" >&2\n");
    script.push_str(&format!(
        "[ \"$(command -v retort)\" = '{}/retort' ]\n",
        bin.display()
    ));
    for line in &lines[1..] {
        script.push_str(line);
        script.push('\n');
    }
    let run = Command::new("bash")
        .arg("-c")
        .arg(&script)
        .current_dir(&work)
        .env("PATH", &path)
        .env("VIRTUAL_ENV", &venv)
        .env_remove("DATABASE_URL")
        .env_remove("RETORT_CONFIG")
        .env_remove("PYTHONHOME")
        .output()
        .expect("bash");
    assert!(
        run.status.success(),
        "quickstart:\n{script}\n{}",
        show(&run)
    );
    let stdout = String::from_utf8_lossy(&run.stdout);
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(
        stderr.contains(&format!("retort is {}/retort", bin.display())),
        "{}",
        show(&run)
    );
    // `retort current`, the last line, names the revision `retort revision` wrote, as the head.
    let current = stdout.lines().last().unwrap_or_default();
    assert!(
        current.ends_with(" (head)"),
        "`retort current` should name the head: {}",
        show(&run)
    );
    let demo = work.join("retort-demo");
    assert!(demo.join("retort.toml").is_file(), "{}", show(&run));
    assert!(demo.join("app.db").is_file(), "{}", show(&run));
    let revision = current.trim_end_matches(" (head)");
    let versions: Vec<String> = fs_err::read_dir(demo.join("migrations/versions"))
        .expect("versions")
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(
        versions
            .iter()
            .any(|name| name.starts_with(revision) && name.ends_with("_create_users.sql")),
        "{revision} among {versions:?}"
    );

    // The installed command is the wheel's, pip's metadata names the distribution.
    let shown = Command::new(bin.join("pip"))
        .args(["show", "--disable-pip-version-check", DISTRIBUTION])
        .output()
        .expect("pip show");
    assert!(shown.status.success(), "pip show: {}", show(&shown));
    assert!(
        String::from_utf8_lossy(&shown.stdout).contains(&format!("Version: {version}")),
        "{}",
        show(&shown)
    );
}
