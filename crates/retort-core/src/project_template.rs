//! The project layouts `retort init` writes (`generic`, `multidb`).

use std::path::{Path, PathBuf};

use crate::revision::template::DEFAULT_SCRIPT_TEMPLATE;

/// One layout `retort init -t NAME` can write.
#[derive(Debug, Clone, Copy)]
pub struct ProjectTemplate {
    pub name: &'static str,
    pub description: &'static str,
    /// Paths relative to the project directory, and their contents. A path ending in `/` is a
    /// directory.
    pub files: &'static [(&'static str, &'static str)],
}

const GENERIC_CONFIG: &str = r#"# Retort configuration (the counterpart of Alembic's alembic.ini).
# Paths are relative to this file. Values may use ${VAR}, ${VAR:-default} (unset or empty
# VAR: the default) and ${VAR-default} (unset VAR only); an empty ${VAR} is an error.
# A .env file beside this one is read first and never overrides the environment;
# env_file names more (relative to this file, each must exist), e.g.:
# env_file = ["backend/.env"]

script_location = "migrations"
# version_locations = ["migrations/versions"]

# New file names. Tokens: %(rev)s %(slug)s %(epoch)s %(year)d %(month).2d %(day).2d
# %(hour).2d %(minute).2d %(second).2d
file_template = "%(rev)s_%(slug)s"
truncate_slug_length = 40
# timezone = "UTC"

# --url beats [env.NAME], which beats this, which falls back to DATABASE_URL.
# When DATABASE_URL is unset or empty the SQLite default below is used, and a note says so.
database_url = "${DATABASE_URL:-sqlite:///app.db}"

# Alembic's own version table, so a database Alembic migrated is continued as is.
version_table = "alembic_version"
# version_table_schema = "public"

# One transaction per revision (true) or one for the whole run (false).
transaction_per_migration = true

# The migration lock: "session" (advisory lock on a direct connection), "transaction"
# (PgBouncer transaction pooling) or "table" (a lease row: any pooler, Galera).
# lock_mode = "session"
# lock_lease_seconds = 30

[autogenerate]
# The declared schema comes from one of: SQL files,
schema = ["schema/**/*.sql"]
# a command that prints DDL,
# schema_command = "python manage.py dump_ddl"
# or SQLAlchemy models (a MetaData or declarative base), rendered by the project's Python.
# sqlalchemy = "app.models:Base"
# python = ".venv/bin/python"
# PostgreSQL: compare GRANT/REVOKE on schemas, tables, columns, sequences and routines too.
# Roles are never created by retort: they must exist on the server.
# compare_grants = false

[hooks]
# Commands run on each new revision file; {path} is replaced by its path.
post_write = []

# [env.production]
# database_url = "${PRODUCTION_DATABASE_URL}"
"#;

const MULTIDB_CONFIG: &str = r#"# Retort configuration for several databases: one [env.NAME] section per database,
# each with its own migrations. Run a command against one of them with --env NAME:
#   retort --env primary upgrade head
#   retort --env analytics revision -m "add events"

file_template = "%(rev)s_%(slug)s"
truncate_slug_length = 40
version_table = "alembic_version"
transaction_per_migration = true

[env.primary]
script_location = "migrations/primary"
database_url = "${PRIMARY_DATABASE_URL:-sqlite:///primary.db}"

[env.primary.autogenerate]
schema = ["schema/primary/**/*.sql"]

[env.analytics]
script_location = "migrations/analytics"
database_url = "${ANALYTICS_DATABASE_URL:-sqlite:///analytics.db}"

[env.analytics.autogenerate]
schema = ["schema/analytics/**/*.sql"]
"#;

const MIGRATIONS_README: &str = "# Migrations\n\n\
Each file in `versions/` is one revision: a header comment naming its id and parents, then an\n\
`-- retort:upgrade` section and an optional `-- retort:downgrade` section (no downgrade section\n\
means the revision cannot be reverted).\n\n\
- `retort revision -m \"message\"` creates a new revision from `script.sql.j2`.\n\
- `retort upgrade head` applies everything; `retort downgrade -1` reverts the last revision.\n\
- `retort history` and `retort heads` show the graph.\n";

const SCHEMA_README: &str = "# Declared schema\n\n\
Plain SQL DDL describing the schema you want. `retort revision --autogenerate -m MESSAGE`\n\
compares it with the database and writes the migration; `retort check` fails when they differ.\n";

pub const TEMPLATES: &[ProjectTemplate] = &[
    ProjectTemplate {
        name: "generic",
        description: "Generic single-database configuration.",
        files: &[
            ("retort.toml", GENERIC_CONFIG),
            ("migrations/script.sql.j2", DEFAULT_SCRIPT_TEMPLATE),
            ("migrations/README.md", MIGRATIONS_README),
            ("migrations/versions/", ""),
            ("schema/README.md", SCHEMA_README),
        ],
    },
    ProjectTemplate {
        name: "multidb",
        description: "Several databases, one [env.NAME] section and migrations directory each.",
        files: &[
            ("retort.toml", MULTIDB_CONFIG),
            ("migrations/primary/script.sql.j2", DEFAULT_SCRIPT_TEMPLATE),
            ("migrations/primary/README.md", MIGRATIONS_README),
            ("migrations/primary/versions/", ""),
            (
                "migrations/analytics/script.sql.j2",
                DEFAULT_SCRIPT_TEMPLATE,
            ),
            ("migrations/analytics/README.md", MIGRATIONS_README),
            ("migrations/analytics/versions/", ""),
            ("schema/primary/README.md", SCHEMA_README),
            ("schema/analytics/README.md", SCHEMA_README),
        ],
    },
];

#[derive(Debug, thiserror::Error)]
pub enum InitError {
    #[error("no template named '{name}'")]
    UnknownTemplate { name: String },
    #[error("directory {0} already exists and is not empty")]
    NotEmpty(PathBuf),
    #[error("{0} already exists")]
    Exists(PathBuf),
    #[error("cannot write {path}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

impl InitError {
    pub fn hint(&self) -> Option<String> {
        match self {
            Self::UnknownTemplate { .. } => Some("`retort list-templates` lists them".to_owned()),
            Self::NotEmpty(_) => {
                Some("choose a new or empty directory: `retort init DIR`".to_owned())
            }
            Self::Exists(_) => Some("this directory already holds a retort project".to_owned()),
            Self::Io { .. } => None,
        }
    }
}

pub fn find_template(name: &str) -> Result<&'static ProjectTemplate, InitError> {
    TEMPLATES
        .iter()
        .find(|t| t.name == name)
        .ok_or_else(|| InitError::UnknownTemplate {
            name: name.to_owned(),
        })
}

/// Write `template` into `directory`. A directory named explicitly must be new or empty
/// (`require_empty`); the current directory of an existing application only must not hold a
/// project already. Returns what was created, in order.
pub fn init_project(
    directory: &Path,
    template: &ProjectTemplate,
    require_empty: bool,
) -> Result<Vec<PathBuf>, InitError> {
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| InitError::Io { path, source }
    };
    if require_empty && directory.exists() {
        let mut entries = fs_err::read_dir(directory).map_err(io(directory))?;
        if entries.next().is_some() {
            return Err(InitError::NotEmpty(directory.to_path_buf()));
        }
    }
    for (relative, _) in template.files {
        let path = directory.join(relative.trim_end_matches('/'));
        let occupied = if relative.ends_with('/') {
            path.is_dir() && fs_err::read_dir(&path).map_err(io(&path))?.next().is_some()
        } else {
            path.exists()
        };
        if occupied {
            return Err(InitError::Exists(path));
        }
    }
    let mut created = Vec::new();
    for (relative, content) in template.files {
        let path = directory.join(relative.trim_end_matches('/'));
        if relative.ends_with('/') {
            fs_err::create_dir_all(&path).map_err(io(&path))?;
        } else {
            if let Some(parent) = path.parent() {
                fs_err::create_dir_all(parent).map_err(io(parent))?;
            }
            fs_err::write(&path, content).map_err(io(&path))?;
        }
        created.push(path);
    }
    Ok(created)
}
