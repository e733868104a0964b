//! The file-only commands (`init`, `revision`, `merge`, `heads`, `branches`, `history`, `show`,
//! `edit`, `list-templates`), snapshotted as the user sees them: exit code, stdout, stderr.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use retort_test::{snapshot_settings, Project};

const RETORT: &str = env!("CARGO_BIN_EXE_retort");

/// Alembic's `p1` project from the reference transcripts: a branch point, a merge, a labelled
/// second root and a `depends_on`, with date-prefixed file names so the file order is the
/// creation order.
fn reference_project() -> Project {
    let project = Project::init(RETORT);
    let toml = project.read("retort.toml").replace(
        "file_template = \"%(rev)s_%(slug)s\"",
        "file_template = \"%(year)d_%(month).2d_%(day).2d_%(hour).2d%(minute).2d%(second).2d-%(rev)s_%(slug)s\"",
    );
    project.write("retort.toml", &toml);
    let steps: &[&[&str]] = &[
        &[
            "revision",
            "-m",
            "create account table",
            "--rev-id",
            "c1db88867ff5",
        ],
        &[
            "revision",
            "-m",
            "add email column",
            "--rev-id",
            "1bc7cdd744b9",
        ],
        &[
            "revision",
            "-m",
            "add index on email",
            "--rev-id",
            "8400ae5b1e55",
        ],
        &[
            "revision",
            "-m",
            "audit table",
            "--head",
            "1bc7cdd744b9",
            "--splice",
            "--rev-id",
            "788d0f3de918",
        ],
        &[
            "merge",
            "-m",
            "merge audit and index",
            "heads",
            "--rev-id",
            "12732535fb91",
        ],
        &[
            "revision",
            "-m",
            "feature root",
            "--head",
            "base",
            "--branch-label",
            "feature",
            "--rev-id",
            "b1a4de4ea0e5",
        ],
        &[
            "revision",
            "-m",
            "feature col",
            "--head",
            "feature@head",
            "--rev-id",
            "ddc4dc1ffbc8",
        ],
        &[
            "revision",
            "-m",
            "feature uses email",
            "--head",
            "feature@head",
            "--depends-on",
            "1bc7",
            "--rev-id",
            "5b85d7150377",
        ],
    ];
    for step in steps {
        let output = project.run(step);
        assert_eq!(output.code, 0, "{step:?}: {output}");
        // File names carry the second; keep creation order stable.
        std::thread::sleep(std::time::Duration::from_millis(1010));
    }
    project
}

#[test]
fn reference_graph_matches_alembic_transcripts() {
    let project = reference_project();
    let settings = snapshot_settings(&project);
    settings.bind(|| {
        insta::assert_snapshot!("reference_heads", project.run(&["heads"]));
        insta::assert_snapshot!(
            "reference_heads_resolve",
            project.run(&["heads", "--resolve-dependencies"])
        );
        insta::assert_snapshot!("reference_branches", project.run(&["branches"]));
        insta::assert_snapshot!("reference_history", project.run(&["history"]));
        insta::assert_snapshot!(
            "reference_history_verbose",
            project.run(&["history", "--verbose"])
        );
        insta::assert_snapshot!(
            "reference_history_range_from",
            project.run(&["history", "-r", "1bc7cdd744b9:"])
        );
        insta::assert_snapshot!(
            "reference_history_range_to",
            project.run(&["history", "-r", ":1bc7cdd744b9"])
        );
        insta::assert_snapshot!(
            "reference_history_feature",
            project.run(&["history", "-r", "feature@base:feature@head"])
        );
        insta::assert_snapshot!(
            "reference_history_head_ambiguous",
            project.run(&["history", "-r", "base:head"])
        );
        insta::assert_snapshot!(
            "reference_history_no_colon",
            project.run(&["history", "-r", "8400ae5b1e55"])
        );
        insta::assert_snapshot!("reference_show_prefix", project.run(&["show", "1bc7"]));
        insta::assert_snapshot!(
            "reference_show_label_head",
            project.run(&["show", "feature@head"])
        );
        insta::assert_snapshot!("reference_show_base", project.run(&["show", "base"]));
        insta::assert_snapshot!("reference_show_unknown", project.run(&["show", "1bc8"]));
        insta::assert_snapshot!("reference_show_ambiguous", project.run(&["show", "1"]));
        insta::assert_snapshot!("reference_json_heads", project.run(&["--json", "heads"]));
    });
}

#[test]
fn linear_history_and_relative_identifiers() {
    let project = Project::init(RETORT);
    project.write_revision("aaaa1111", &[], "one");
    project.write_revision("bbbb2222", &["aaaa1111"], "two");
    project.write_revision("cccc3333", &["bbbb2222"], "three");
    let settings = snapshot_settings(&project);
    settings.bind(|| {
        insta::assert_snapshot!("linear_history", project.run(&["history"]));
        insta::assert_snapshot!("linear_show_head_minus_1", project.run(&["show", "head-1"]));
        insta::assert_snapshot!(
            "linear_history_relative",
            project.run(&["history", "-r", "base:aaaa1111+1"])
        );
        insta::assert_snapshot!(
            "linear_history_relative_lower",
            project.run(&["history", "-r", "aaaa1111+1:head"])
        );
        insta::assert_snapshot!(
            "linear_history_walked_too_far",
            project.run(&["history", "-r", "base:head-5"])
        );
    });
}

#[test]
fn revision_command_errors() {
    let project = Project::init(RETORT);
    let first = project.run(&["revision", "-m", "first", "--rev-id", "abcd1111"]);
    assert_eq!(first.code, 0, "{first}");
    assert_eq!(
        first.stdout.trim(),
        "migrations/versions/abcd1111_first.sql"
    );
    project.run(&["revision", "-m", "second", "--rev-id", "abcd2222"]);
    let settings = snapshot_settings(&project);
    settings.bind(|| {
        insta::assert_snapshot!(
            "revision_duplicate_id",
            project.run(&["revision", "-m", "dup id", "--rev-id", "abcd2222"])
        );
        insta::assert_snapshot!(
            "revision_bad_id",
            project.run(&["revision", "-m", "bad id", "--rev-id", "abc-def"])
        );
        insta::assert_snapshot!(
            "revision_not_head",
            project.run(&["revision", "-m", "x", "--head", "abcd1111"])
        );
        insta::assert_snapshot!(
            "revision_unknown_head",
            project.run(&["revision", "-m", "x", "--head", "abcd9999"])
        );
        insta::assert_snapshot!("revision_label_taken", {
            project.run(&[
                "revision",
                "-m",
                "l",
                "--branch-label",
                "feat",
                "--rev-id",
                "abcd3333",
            ]);
            project.run(&[
                "revision",
                "-m",
                "l2",
                "--head",
                "base",
                "--branch-label",
                "feat",
            ])
        });
        insta::assert_snapshot!(
            "revision_bad_version_path",
            project.run(&["revision", "-m", "x", "--version-path", "nowhere"])
        );
    });
    // The duplicate id wrote nothing: the graph still loads.
    assert_eq!(project.run(&["heads"]).code, 0);
}

#[test]
fn multiple_heads_refuse_a_plain_revision() {
    let project = Project::init(RETORT);
    project.write_revision("aaaa1111", &[], "one");
    project.write_revision("bbbb2222", &["aaaa1111"], "two");
    project.write_revision("cccc3333", &["aaaa1111"], "three");
    let settings = snapshot_settings(&project);
    settings.bind(|| {
        insta::assert_snapshot!(
            "multiple_heads_revision",
            project.run(&["revision", "-m", "x"])
        );
        insta::assert_snapshot!("multiple_heads_show_head", project.run(&["show", "head"]));
    });
    let merged = project.run(&["merge", "-m", "join", "heads", "--rev-id", "dddd4444"]);
    assert_eq!(merged.code, 0, "{merged}");
    let text = project.read("migrations/versions/dddd4444_join.sql");
    assert!(text.contains("-- Revises: bbbb2222, cccc3333"), "{text}");
    assert_eq!(project.run(&["heads"]).stdout, "dddd4444 (head)\n");
}

#[test]
fn broken_revision_files_are_named() {
    let cases: &[(&str, &str, &str)] = &[
        (
            "missing_id",
            "a.sql",
            "-- hello\n-- retort:upgrade\nSELECT 1;\n",
        ),
        (
            "unknown_directive",
            "a.sql",
            "-- m\n-- Revision ID: aaaa\n-- retort:sideways\n",
        ),
        (
            "duplicate_section",
            "a.sql",
            "-- m\n-- Revision ID: aaaa\n-- retort:upgrade\n-- retort:upgrade\n",
        ),
        (
            "garbage",
            "a.sql",
            "-- m\n-- Revision ID: aaaa\nCREATE TABLE x ();\n-- retort:upgrade\n",
        ),
        ("stray_file", "notes.txt", "hello\n"),
        ("python_file", "a1b2_x.py", "revision = 'a1b2'\n"),
    ];
    for (name, file, content) in cases {
        let project = Project::init(RETORT);
        project.write(&format!("migrations/versions/{file}"), content);
        let settings = snapshot_settings(&project);
        settings
            .bind(|| insta::assert_snapshot!(format!("broken_{name}"), project.run(&["history"])));
    }
}

#[test]
fn graph_errors_are_named() {
    let project = Project::init(RETORT);
    project.write_revision("aaaa1111", &["cccc3333"], "one");
    project.write_revision("bbbb2222", &["aaaa1111"], "two");
    project.write_revision("cccc3333", &["bbbb2222"], "three");
    project.write_revision("dddd4444", &[], "root");
    snapshot_settings(&project)
        .bind(|| insta::assert_snapshot!("graph_cycle", project.run(&["heads"])));

    let project = Project::init(RETORT);
    project.write_revision("aaaa1111", &["aaaa1112"], "one");
    project.write_revision("aaaa1113", &[], "root");
    snapshot_settings(&project)
        .bind(|| insta::assert_snapshot!("graph_missing_parent", project.run(&["heads"])));

    let project = Project::init(RETORT);
    project.write_revision("aaaa1111", &[], "one");
    project.write(
        "migrations/versions/nested/again.sql",
        &project.read("migrations/versions/aaaa1111_one.sql"),
    );
    snapshot_settings(&project)
        .bind(|| insta::assert_snapshot!("graph_duplicate_id", project.run(&["heads"])));

    let project = Project::init(RETORT);
    for (id, parent, label) in [("aaaa1111", "", "x"), ("bbbb2222", "", "x")] {
        project.write(
            &format!("migrations/versions/{id}.sql"),
            &format!("-- m\n-- Revision ID: {id}\n-- Revises: {parent}\n-- Branch Labels: {label}\n-- retort:upgrade\n"),
        );
    }
    snapshot_settings(&project)
        .bind(|| insta::assert_snapshot!("graph_label_twice", project.run(&["heads"])));
}

#[test]
fn nested_version_directories_and_identity_from_header() {
    let project = Project::init(RETORT);
    // File names that lie about the id: identity comes from the header.
    project.write(
        "migrations/versions/2024/01/wrong_name.sql",
        "-- root\n-- Revision ID: kilo\n-- Revises:\n-- retort:upgrade\n",
    );
    project.write(
        "migrations/versions/2024/02/kilo_again.sql",
        "-- child\n-- Revision ID: I3b5a0f1c2d4e6f70\n-- Revises: kilo\n-- retort:upgrade\n",
    );
    let output = project.run(&["history"]);
    assert_eq!(output.code, 0, "{output}");
    assert_eq!(
        output.stdout,
        "kilo -> I3b5a0f1c2d4e6f70 (head), child\n<base> -> kilo, root\n"
    );
}

#[test]
fn init_and_templates() {
    let project = Project::empty(RETORT);
    let settings = snapshot_settings(&project);
    settings.bind(|| {
        insta::assert_snapshot!("list_templates", project.run(&["list-templates"]));
        insta::assert_snapshot!("init_generic", project.run(&["init", "app"]));
        insta::assert_snapshot!("init_not_empty", project.run(&["init", "app"]));
        insta::assert_snapshot!(
            "init_unknown_template",
            project.run(&["init", "other", "-t", "nope"])
        );
        insta::assert_snapshot!(
            "init_multidb",
            project.run(&["init", "multi", "-t", "multidb"])
        );
    });
    let multi = project.path("multi");
    let output = project.run_in(
        &multi,
        &[
            "--env", "primary", "revision", "-m", "first", "--rev-id", "p1p1",
        ],
    );
    assert_eq!(output.code, 0, "{output}");
    assert!(multi
        .join("migrations/primary/versions/p1p1_first.sql")
        .exists());
    let output = project.run_in(&multi, &["--env", "primray", "heads"]);
    assert_eq!(output.code, 2);
    assert!(
        output.stderr.contains("did you mean `--env primary`"),
        "{output}"
    );
}

#[test]
fn configuration_errors() {
    let project = Project::init(RETORT);
    let settings = snapshot_settings(&project);
    settings.bind(|| {
        let empty = Project::empty(RETORT);
        insta::assert_snapshot!("config_not_found", {
            let output = empty.run(&["heads"]);
            CommandOutputWithoutPath(
                output
                    .to_string()
                    .replace(&empty.root().display().to_string(), "[EMPTY]"),
            )
        });
        project.write("retort.toml", "scrip_location = \"migrations\"\n");
        insta::assert_snapshot!("config_unknown_key", project.run(&["heads"]));
        project.write("retort.toml", "script_location = \"${MIGRATIONS_DIR}\"\n");
        insta::assert_snapshot!("config_unset_variable", project.run(&["heads"]));
    });
}

struct CommandOutputWithoutPath(String);
impl std::fmt::Display for CommandOutputWithoutPath {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

#[test]
fn config_file_is_found_upward_and_dotenv_does_not_override() {
    let mut project = Project::init(RETORT);
    project.write("retort.toml", "script_location = \"${DIR:-migrations}\"\n");
    project.write(".env", "DIR=elsewhere\n");
    project.write_revision("aaaa1111", &[], "one");
    project.write(
        "elsewhere/versions/bbbb.sql",
        "-- from dotenv\n-- Revision ID: bbbb\n-- retort:upgrade\n",
    );
    let nested = project.path("src/deep");
    fs_err::create_dir_all(&nested).unwrap();
    let output = project.run_in(&nested, &["heads"]);
    assert_eq!(output.stdout, "bbbb (head)\n", "{output}");
    project.set_env("DIR", "migrations");
    let output = project.run_in(&nested, &["heads"]);
    assert_eq!(output.stdout, "aaaa1111 (head)\n", "{output}");
}

#[test]
fn file_template_timezone_and_hooks() {
    let project = Project::init(RETORT);
    project.write(
        "retort.toml",
        "file_template = \"%(rev)s_%(slug)s\"\ntruncate_slug_length = 10\ntimezone = \"Asia/Tokyo\"\n[hooks]\npost_write = [\"sed -i s/SELECT_ME/selected/ {path}\"]\n",
    );
    project.write(
        "migrations/script.sql.j2",
        &project
            .read("migrations/script.sql.j2")
            .replace("{{ upgrade_sql }}", "SELECT_ME"),
    );
    let output = project.run(&[
        "revision",
        "-m",
        "Add the Ünicode-column, to table users and more words",
        "--rev-id",
        "abc1",
    ]);
    assert_eq!(output.code, 0, "{output}");
    assert_eq!(
        output.stdout.trim(),
        "migrations/versions/abc1_add_the_.sql"
    );
    let text = project.read("migrations/versions/abc1_add_the_.sql");
    assert!(text.contains("+09:00"), "{text}");
    assert!(text.contains("selected"), "{text}");

    project.write("retort.toml", "timezone = \"Nowhere/Special\"\n");
    let output = project.run(&["revision", "-m", "bad tz"]);
    assert_eq!(output.code, 2);
    assert!(
        output
            .stderr
            .contains("Can't locate timezone: Nowhere/Special"),
        "{output}"
    );

    project.write("retort.toml", "[hooks]\npost_write = [\"false\"]\n");
    let output = project.run(&["revision", "-m", "failing hook", "--rev-id", "abc2"]);
    assert_eq!(output.code, 2, "{output}");
    assert!(
        output.stderr.contains("post-write hook `false` failed"),
        "{output}"
    );
    assert!(project
        .path("migrations/versions/abc2_failing_hook.sql")
        .exists());
}

#[test]
fn edit_opens_the_file_in_the_editor() {
    let mut project = Project::init(RETORT);
    project.write_revision("aaaa1111", &[], "one");
    project.write("editor.sh", "#!/bin/sh\necho edited >> \"$1\"\n");
    std::process::Command::new("chmod")
        .args(["+x", &project.path("editor.sh").display().to_string()])
        .status()
        .unwrap();
    let editor = project.path("editor.sh").display().to_string();
    project.set_env("EDITOR", &editor);
    let output = project.run(&["edit", "aaaa"]);
    assert_eq!(output.code, 0, "{output}");
    assert!(project
        .read("migrations/versions/aaaa1111_one.sql")
        .ends_with("edited\n"));
}

#[test]
fn extra_arguments_reach_the_template() {
    let project = Project::init(RETORT);
    project.write(
        "migrations/script.sql.j2",
        &project.read("migrations/script.sql.j2").replace(
            "-- retort:upgrade{{ upgrade_options }}\n",
            "-- retort:upgrade{{ upgrade_options }}\n-- owner: {{ x.owner }}\n",
        ),
    );
    let output = project.run(&[
        "-x",
        "owner=alice",
        "revision",
        "-m",
        "with extra",
        "--rev-id",
        "abc1",
    ]);
    assert_eq!(output.code, 0, "{output}");
    assert!(project
        .read("migrations/versions/abc1_with_extra.sql")
        .contains("-- owner: alice"));
    let output = project.run(&["-x", "novalue", "heads"]);
    assert_eq!(output.code, 2);
    assert!(output.stderr.contains("-x expects KEY=VALUE"), "{output}");
}
