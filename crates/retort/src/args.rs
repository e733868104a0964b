//! The command line, and nothing else: clap types only. `settings.rs` turns them into what the
//! commands run with.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(
    name = "retort",
    version,
    about = "Database schema migrations with Alembic's workflow: PostgreSQL, SQLite, MySQL/MariaDB.",
    propagate_version = true
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// Configuration file (default: retort.toml in this directory or the nearest parent)
    #[arg(
        short = 'c',
        long = "config",
        global = true,
        value_name = "PATH",
        env = "RETORT_CONFIG"
    )]
    pub config: Option<PathBuf>,
    /// Use the [env.NAME] section of retort.toml
    #[arg(long = "env", global = true, value_name = "NAME")]
    pub env: Option<String>,
    /// Database URL, overriding the configuration and DATABASE_URL
    #[arg(long = "url", global = true, value_name = "URL")]
    pub url: Option<String>,
    /// Extra key=value settings, available to the revision template as x.KEY
    #[arg(short = 'x', global = true, value_name = "KEY=VALUE")]
    pub extra: Vec<String>,
    /// Print machine-readable JSON instead of text (read commands)
    #[arg(long = "json", global = true)]
    pub json: bool,
    /// Print only data and errors
    #[arg(short = 'q', long = "quiet", global = true)]
    pub quiet: bool,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create a new project: retort.toml, migrations/ and schema/
    Init(InitArgs),
    /// List the templates `init` can use
    ListTemplates,
    /// Create a new revision file
    Revision(RevisionArgs),
    /// Create a revision that merges several heads into one
    Merge(MergeArgs),
    /// Show the heads of the revision graph
    Heads(HeadsArgs),
    /// Show the branch points of the revision graph
    Branches(VerboseArgs),
    /// List revisions from the heads down to the bases
    History(HistoryArgs),
    /// Show the revision(s) an identifier denotes
    Show(ShowArgs),
    /// Open revision file(s) in $EDITOR
    Edit(ShowArgs),
    /// Apply revisions up to a target (default `head`)
    Upgrade(UpgradeArgs),
    /// Revert revisions down to a target
    Downgrade(DowngradeArgs),
    /// Show the revision(s) applied to the database
    Current(VerboseArgs),
    /// Record revisions in the version table without running them
    Stamp(StampArgs),
    /// Create the version table if it does not exist
    EnsureVersion(SqlArgs),
    /// Say who holds the migration lock and since when, and clear it (lock_mode = "table")
    Unlock,
    /// Exit 1 and list the differences when the declared schema and the database differ
    Check,
    /// Migrate many databases or tenant schemas as one deploy (`[fleet]` in retort.toml)
    #[command(subcommand)]
    Fleet(FleetCommand),
    /// Print a shell completion script
    Completions(CompletionsArgs),
    /// Convert another tool's migration project into a retort project
    #[command(subcommand)]
    Import(ImportCommand),
}

#[derive(Debug, Subcommand)]
pub enum ImportCommand {
    /// Convert an Alembic project (alembic.ini or [tool.alembic]) into retort.toml and SQL
    /// revisions with the same ids, beside it
    Alembic(ImportAlembicArgs),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ImportDialect {
    Postgresql,
    Sqlite,
    Mysql,
}

#[derive(Debug, Args)]
pub struct ImportAlembicArgs {
    /// Directory holding alembic.ini or pyproject.toml (default: the current directory)
    pub path: Option<PathBuf>,
    /// SQL dialect to render the revisions for (default: the scheme of sqlalchemy.url)
    #[arg(long = "dialect", value_enum)]
    pub dialect: Option<ImportDialect>,
    /// Folder for the retort revisions, relative to PATH (default: `retort`)
    #[arg(long = "into", value_name = "DIR")]
    pub into: Option<PathBuf>,
    /// Python with Alembic, SQLAlchemy and the application importable (default: the active
    /// virtualenv's, else `python3`)
    #[arg(long = "python", value_name = "PATH")]
    pub python: Option<PathBuf>,
    /// An empty database retort may run the revisions on, to capture what Alembic cannot render
    /// offline (default for SQLite: a temporary file; PostgreSQL/MySQL: none)
    #[arg(long = "scratch-url", value_name = "URL")]
    pub scratch_url: Option<String>,
    /// Write one baseline revision holding the schema at the Alembic head (keeping the head's
    /// id) instead of converting every revision; the schema comes from the scratch database
    /// Alembic upgrades, or from --from-url
    #[arg(long = "squash")]
    pub squash: bool,
    /// With --squash: an existing database at the Alembic head (a replica of production, say)
    /// to read the schema from, instead of upgrading a scratch database
    #[arg(long = "from-url", value_name = "URL", requires = "squash")]
    pub from_url: Option<String>,
}

#[derive(Debug, Args)]
pub struct InitArgs {
    /// Project directory (default: the current directory)
    pub directory: Option<PathBuf>,
    /// Template to use (see `retort list-templates`)
    #[arg(short = 't', long = "template", default_value = "generic")]
    pub template: String,
}

#[derive(Debug, Args)]
pub struct RevisionArgs {
    /// Message describing the revision (its first header line and file name slug)
    #[arg(short = 'm', long = "message")]
    pub message: Option<String>,
    /// Fill the revision by comparing the declared schema with the database
    #[arg(long = "autogenerate")]
    pub autogenerate: bool,
    /// With --autogenerate, write a file even when nothing changed
    #[arg(long = "allow-empty")]
    pub allow_empty: bool,
    /// Revision(s) to base the new one on: a head, `base` for a new root, or `label@head`
    #[arg(long = "head", value_name = "REV")]
    pub head: Option<String>,
    /// Allow a non-head revision as the parent (starts a new branch)
    #[arg(long = "splice")]
    pub splice: bool,
    /// Branch label to give the new revision
    #[arg(long = "branch-label", value_name = "LABEL")]
    pub branch_label: Vec<String>,
    /// Revision(s) or label(s) the new revision depends on
    #[arg(long = "depends-on", value_name = "REV")]
    pub depends_on: Vec<String>,
    /// Use this id instead of a random one
    #[arg(long = "rev-id", value_name = "ID")]
    pub rev_id: Option<String>,
    /// Version location to write the file into
    #[arg(long = "version-path", value_name = "DIR")]
    pub version_path: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct MergeArgs {
    /// Revisions to merge, or `heads` for all heads
    #[arg(required = true, value_name = "REVS")]
    pub revisions: Vec<String>,
    #[arg(short = 'm', long = "message")]
    pub message: Option<String>,
    #[arg(long = "branch-label", value_name = "LABEL")]
    pub branch_label: Vec<String>,
    #[arg(long = "rev-id", value_name = "ID")]
    pub rev_id: Option<String>,
    /// Allow merging revisions that are not heads
    #[arg(long = "splice")]
    pub splice: bool,
}

#[derive(Debug, Args)]
pub struct VerboseArgs {
    #[arg(short = 'v', long = "verbose")]
    pub verbose: bool,
}

#[derive(Debug, Args)]
pub struct HeadsArgs {
    #[arg(short = 'v', long = "verbose")]
    pub verbose: bool,
    /// Treat dependencies as parents: a revision something depends on is not a head
    #[arg(long = "resolve-dependencies")]
    pub resolve_dependencies: bool,
}

#[derive(Debug, Args)]
pub struct HistoryArgs {
    /// Range `[start]:[end]`, for example `base:head`, `ae10:`, `-3:current`
    #[arg(
        short = 'r',
        long = "rev-range",
        value_name = "RANGE",
        allow_hyphen_values = true
    )]
    pub rev_range: Option<String>,
    #[arg(short = 'v', long = "verbose")]
    pub verbose: bool,
    /// Mark the revisions applied to the database
    #[arg(short = 'i', long = "indicate-current")]
    pub indicate_current: bool,
}

#[derive(Debug, Args)]
pub struct ShowArgs {
    /// Revision identifier
    #[arg(allow_hyphen_values = true)]
    pub revision: String,
}

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    pub shell: clap_complete::Shell,
}

#[derive(Debug, Args)]
pub struct UpgradeArgs {
    /// Target revision (default `head`); with --sql also a `start:end` range
    #[arg(default_value = "head", allow_hyphen_values = true)]
    pub revision: String,
    /// Print the SQL instead of running it
    #[arg(long = "sql")]
    pub sql: bool,
    /// Continue the revision an interrupted run left half-done (MySQL/MariaDB), from the
    /// statement its progress record names
    #[arg(long = "resume", conflicts_with = "sql")]
    pub resume: bool,
    /// Give up when another run holds the migration lock longer than this many seconds
    #[arg(
        long = "lock-timeout",
        value_name = "SECONDS",
        value_parser = parse_lock_timeout,
        allow_negative_numbers = true
    )]
    pub lock_timeout: Option<f64>,
}

#[derive(Debug, Args)]
pub struct DowngradeArgs {
    /// Target revision (`-1`, `base`, an id, …); with --sql a `start:end` range
    #[arg(allow_hyphen_values = true)]
    pub revision: String,
    #[arg(long = "sql")]
    pub sql: bool,
    /// Continue the revision an interrupted run left half-done (MySQL/MariaDB), from the
    /// statement its progress record names
    #[arg(long = "resume", conflicts_with = "sql")]
    pub resume: bool,
    #[arg(
        long = "lock-timeout",
        value_name = "SECONDS",
        value_parser = parse_lock_timeout,
        allow_negative_numbers = true
    )]
    pub lock_timeout: Option<f64>,
}

#[derive(Debug, Args)]
pub struct StampArgs {
    /// Revision(s) to record, or `heads`, or `base`
    #[arg(required = true, allow_hyphen_values = true)]
    pub revisions: Vec<String>,
    /// Empty the version table first
    #[arg(long = "purge")]
    pub purge: bool,
    #[arg(long = "sql")]
    pub sql: bool,
}

#[derive(Debug, Args)]
pub struct SqlArgs {
    #[arg(long = "sql")]
    pub sql: bool,
}

#[derive(Debug, Subcommand)]
pub enum FleetCommand {
    /// Upgrade every target to a revision (default `head`)
    Upgrade(FleetUpgradeArgs),
    /// Downgrade every target to a revision (`-1`, `base`, an id, …)
    Downgrade(FleetDowngradeArgs),
    /// Record revisions in every target's version table without running them
    Stamp(FleetStampArgs),
    /// Show the revision(s) applied to each target
    Current(FleetTargetArgs),
    /// Per target: current revision, pending revisions, last outcome (and drift with --check)
    Status(FleetStatusArgs),
    /// Exit 1 and list the targets whose schema differs from the declared one
    Check(FleetTargetArgs),
}

/// Which targets, and how many at once.
#[derive(Debug, Args)]
pub struct FleetTargetArgs {
    /// A target database URL; repeat it for several (replaces the targets of [fleet])
    #[arg(long = "target", value_name = "URL")]
    pub targets: Vec<String>,
    /// Targets handled at once, each on its own connection (default: [fleet] parallel, else 4)
    #[arg(
        long = "parallel",
        value_name = "N",
        value_parser = clap::value_parser!(u16).range(1..=512)
    )]
    pub parallel: Option<u16>,
}

/// What a fleet run that changes targets may be told.
#[derive(Debug, Args)]
pub struct FleetRunArgs {
    #[command(flatten)]
    pub targets: FleetTargetArgs,
    /// Migrate this many targets first, and stop if any of them fails
    #[arg(long = "canary", value_name = "N", default_value_t = 0)]
    pub canary: usize,
    /// After a target fails: go on with the others (`continue`) or start no other (`stop`)
    #[arg(long = "on-error", value_enum, default_value_t = OnError::Continue)]
    pub on_error: OnError,
    /// Start no other target once this many (`N`) or this share (`P%`) of the targets failed
    #[arg(
        long = "max-failures",
        value_name = "N|P%",
        value_parser = parse_max_failures,
        conflicts_with = "on_error"
    )]
    pub max_failures: Option<MaxFailures>,
    /// Continue the run the journal records (after a crash or a kill): targets it finished
    /// are left alone, the others migrated
    #[arg(long = "resume")]
    pub resume: bool,
    /// The journal of each target's outcome (default: [fleet] journal, else
    /// .retort/fleet-journal.jsonl beside retort.toml)
    #[arg(long = "journal", value_name = "PATH")]
    pub journal: Option<PathBuf>,
    /// Give up on a target whose migration lock another run holds longer than this many seconds
    #[arg(
        long = "lock-timeout",
        value_name = "SECONDS",
        value_parser = parse_lock_timeout,
        allow_negative_numbers = true
    )]
    pub lock_timeout: Option<f64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum OnError {
    Continue,
    Stop,
}

/// `--max-failures`: a count or a percentage of the targets.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum MaxFailures {
    Count(usize),
    Percent(f64),
}

fn parse_max_failures(value: &str) -> Result<MaxFailures, String> {
    let explain = || {
        format!("`{value}` is not a failure budget: give a number of targets such as 5, or a share of them such as 10%")
    };
    match value.trim().strip_suffix('%') {
        Some(percent) => match percent.trim().parse::<f64>() {
            Ok(p) if p.is_finite() && p > 0.0 && p <= 100.0 => Ok(MaxFailures::Percent(p)),
            _ => Err(explain()),
        },
        None => match value.trim().parse::<usize>() {
            Ok(count) if count > 0 => Ok(MaxFailures::Count(count)),
            _ => Err(explain()),
        },
    }
}

#[derive(Debug, Args)]
pub struct FleetUpgradeArgs {
    /// Target revision (default `head`)
    #[arg(default_value = "head", allow_hyphen_values = true)]
    pub revision: String,
    #[command(flatten)]
    pub run: FleetRunArgs,
}

#[derive(Debug, Args)]
pub struct FleetDowngradeArgs {
    /// Target revision (`-1`, `base`, an id, …)
    #[arg(allow_hyphen_values = true)]
    pub revision: String,
    #[command(flatten)]
    pub run: FleetRunArgs,
}

#[derive(Debug, Args)]
pub struct FleetStampArgs {
    /// Revision(s) to record, or `heads`, or `base`
    #[arg(required = true, allow_hyphen_values = true)]
    pub revisions: Vec<String>,
    /// Empty the version table first
    #[arg(long = "purge")]
    pub purge: bool,
    #[command(flatten)]
    pub run: FleetRunArgs,
}

#[derive(Debug, Args)]
pub struct FleetStatusArgs {
    #[command(flatten)]
    pub targets: FleetTargetArgs,
    /// Also compare each target with the declared schema (drift), as `retort check` does
    #[arg(long = "check")]
    pub check: bool,
    /// The journal whose last outcomes are shown (default as for `fleet upgrade`)
    #[arg(long = "journal", value_name = "PATH")]
    pub journal: Option<PathBuf>,
}

/// The longest `--lock-timeout`: a year, which MySQL's `GET_LOCK` also accepts. Why a cap: a
/// larger one overflows the deadline arithmetic.
pub const MAX_LOCK_TIMEOUT_SECONDS: f64 = 31_536_000.0;

/// `--lock-timeout`: a finite number of seconds from 0 to a year (`-1`, `nan`, `inf` and `1e30`
/// used to panic).
fn parse_lock_timeout(value: &str) -> Result<f64, String> {
    let explain = || {
        format!("the lock timeout is a number of seconds from 0 to {MAX_LOCK_TIMEOUT_SECONDS} (a year), such as 30 or 2.5; leave it out to wait as long as it takes")
    };
    let seconds: f64 = value.trim().parse().map_err(|_| explain())?;
    if seconds.is_finite() && (0.0..=MAX_LOCK_TIMEOUT_SECONDS).contains(&seconds) {
        Ok(seconds)
    } else {
        Err(explain())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Issue 9, finding 5: out-of-range lock timeouts are refused, not a panic.
    #[test]
    fn failure_budgets_are_counts_or_shares() {
        assert_eq!(parse_max_failures("5"), Ok(MaxFailures::Count(5)));
        assert_eq!(parse_max_failures("10%"), Ok(MaxFailures::Percent(10.0)));
        for bad in ["0", "-1", "0%", "101%", "x", "%", "nan%", ""] {
            assert!(parse_max_failures(bad).is_err(), "{bad}");
        }
    }

    #[test]
    #[allow(clippy::float_cmp)]
    fn lock_timeouts_out_of_range_are_refused() {
        for value in [
            "-1", "nan", "NaN", "inf", "-inf", "1e30", "31536001", "soon", "",
        ] {
            assert!(parse_lock_timeout(value).is_err(), "{value}");
        }
        for (value, expected) in [("0", 0.0), ("2.5", 2.5), ("31536000", 31_536_000.0)] {
            assert_eq!(parse_lock_timeout(value), Ok(expected));
        }
    }
}
