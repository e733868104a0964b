//! A service that migrates its database at start-up from inside its tokio runtime, then serves.
//!
//! ```sh
//! DATABASE_URL=postgres://postgres@127.0.0.1:5432/test \
//!   cargo run -p retort --features tokio --example migrate_at_startup -- migrations/versions
//! ```
//!
//! Every replica may do this at once: the migration lock makes the others wait, then find
//! nothing left to do. The runtime's other tasks keep running while the migration does.

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let directory = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "migrations/versions".to_owned());
    let url = std::env::var("DATABASE_URL").unwrap_or_else(|_| "sqlite:///app.db".to_owned());
    let migrations = retort::Migrations::from_directory(&directory)?;

    // A task that must not stall while the database migrates (a health endpoint, say).
    let heartbeat = tokio::spawn(async {
        for _ in 0..3 {
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
    });
    let applied = migrations.upgrade_async(&url, "head").await?;
    heartbeat.await?;
    eprintln!(
        "migrated: {} revision(s) applied; now at {:?}; serving",
        applied.steps.len(),
        applied.heads
    );
    Ok(())
}
