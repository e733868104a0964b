//! Issue 9, finding 7: the progress bar (drawn on a terminal from 20 revisions on) did not end
//! its line before an error, which then started in the middle of the bar. The run gets a
//! terminal from util-linux's `script`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::process::Command;

use retort_test::Project;

const RETORT: &str = env!("CARGO_BIN_EXE_retort");

#[test]
fn the_progress_bar_ends_its_line_before_an_error() {
    let mut project = Project::init(RETORT);
    project.set_env("DATABASE_URL", "sqlite:///app.db");
    project.write_chain(24, "CREATE TABLE t (id int);", |id| {
        if id == "r24" {
            "INSERT INTO nowhere VALUES (1);".to_owned()
        } else {
            format!("INSERT INTO t VALUES ({});", &id[1..])
        }
    });
    let output = Command::new("script")
        .args(["-q", "-e", "-c"])
        .arg(format!("{RETORT} upgrade head"))
        .arg("/dev/null")
        .current_dir(project.root())
        .env("DATABASE_URL", "sqlite:///app.db")
        .output()
        .expect("run script (util-linux)");
    let text = String::from_utf8_lossy(&output.stdout).replace("\r\n", "\n");
    assert_eq!(output.status.code(), Some(3), "{text}");
    assert!(text.contains("24/25"), "no bar was drawn: {text:?}");
    let error = text.find("error: revision r24").expect("the error");
    assert!(
        text[..error].ends_with('\n'),
        "the error starts inside the bar's line: {text:?}"
    );
}
