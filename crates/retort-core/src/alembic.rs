//! Reading an Alembic project so that `retort import alembic` can convert it: its revision
//! files (statically, no Python) and its configuration (`alembic.ini` or `[tool.alembic]`).

pub mod conversion;
pub mod history;
pub mod project_config;
pub mod python_module;
pub mod revision_file;
