//! The async entry point (`--features tokio`, on in `.ci/test`): a service migrating at
//! start-up from inside a tokio runtime, on either kind of runtime, without blocking it or
//! panicking — on PostgreSQL (whose synchronous driver runs a runtime of its own), MariaDB and
//! SQLite.

#![cfg(feature = "tokio")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use retort_test::database::{Server, TestDatabase};
use retort_test::Project;

const RETORT: &str = env!("CARGO_BIN_EXE_retort");

fn project() -> Project {
    let project = Project::init(RETORT);
    project.write_sql_revision(
        "a1",
        "",
        "CREATE TABLE users (id integer PRIMARY KEY);",
        Some("DROP TABLE users;"),
    );
    project.write_sql_revision(
        "b1",
        "a1",
        "ALTER TABLE users ADD COLUMN email text;",
        Some("ALTER TABLE users DROP COLUMN email;"),
    );
    project
}

/// Upgrade and downgrade from inside the runtime, while a task on the same runtime must keep
/// ticking (a blocked runtime would starve it).
async fn migrate_while_ticking(project: &Project, url: &str) {
    let migrations = retort::Migrations::from_directory(project.versions()).unwrap();
    let ticks = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counter = ticks.clone();
    let ticker = tokio::spawn(async move {
        loop {
            counter.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            tokio::time::sleep(std::time::Duration::from_millis(1)).await;
        }
    });
    let applied = migrations.upgrade_async(url, "head").await.unwrap();
    assert_eq!(applied.heads, ["b1"]);
    let reverted = migrations.downgrade_async(url, "base").await.unwrap();
    assert!(reverted.heads.is_empty());
    assert_eq!(
        migrations
            .upgrade_async(url, "head")
            .await
            .unwrap()
            .steps
            .len(),
        2
    );
    ticker.abort();
    assert!(ticks.load(std::sync::atomic::Ordering::Relaxed) > 0);
}

#[tokio::test(flavor = "current_thread")]
async fn upgrade_async_on_a_current_thread_runtime_postgres() {
    let database = TestDatabase::create(Server::Postgres);
    migrate_while_ticking(&project(), &database.url()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn upgrade_async_on_a_multi_thread_runtime_postgres() {
    let database = TestDatabase::create(Server::Postgres);
    migrate_while_ticking(&project(), &database.url()).await;
}

#[tokio::test(flavor = "current_thread")]
async fn upgrade_async_mariadb() {
    let database = TestDatabase::create(Server::MariaDb);
    migrate_while_ticking(&project(), &database.url()).await;
}

#[tokio::test(flavor = "current_thread")]
async fn upgrade_async_sqlite() {
    let project = project();
    let url = format!("sqlite:///{}", project.path("app.db").display());
    migrate_while_ticking(&project, &url).await;
}

/// The failure a sync call reports, the async one reports too.
#[tokio::test(flavor = "current_thread")]
async fn upgrade_async_reports_errors() {
    let project = project();
    let migrations = retort::Migrations::from_directory(project.versions()).unwrap();
    let url = format!("sqlite:///{}", project.path("app.db").display());
    let error = migrations.upgrade_async(&url, "nosuch").await.unwrap_err();
    assert!(
        error
            .to_string()
            .contains("Can't locate revision identified by 'nosuch'"),
        "{error}"
    );
}
