//! Rendering a new revision file from the project's `script.sql.j2` (Alembic's
//! `script.py.mako`) with minijinja.

use serde::Serialize;

/// The template `retort init` writes, and the one used when a project has none.
pub const DEFAULT_SCRIPT_TEMPLATE: &str = r"{{ message | sql_comment }}
--
-- Revision ID: {{ up_revision }}
-- Revises: {{ down_revisions | join(', ') }}
-- Create Date: {{ create_date }}
-- Branch Labels: {{ branch_labels | join(', ') }}
-- Depends On: {{ depends_on | join(', ') }}

-- retort:upgrade{{ upgrade_options }}
{{ upgrade_sql }}

-- retort:downgrade{{ downgrade_options }}
{{ downgrade_sql }}
";

/// Everything a revision template can use.
#[derive(Debug, Clone, Serialize)]
pub struct TemplateContext {
    pub message: String,
    pub up_revision: String,
    pub down_revisions: Vec<String>,
    pub create_date: String,
    pub branch_labels: Vec<String>,
    pub depends_on: Vec<String>,
    pub upgrade_sql: String,
    pub downgrade_sql: String,
    /// What follows `-- retort:upgrade` on its line: empty, or ` foreign_keys=off` when the
    /// generated SQL rebuilds SQLite tables.
    pub upgrade_options: String,
    pub downgrade_options: String,
    /// `-x key=value` pairs from the command line, as `x.key` in the template.
    pub x: std::collections::BTreeMap<String, String>,
}

#[derive(Debug, thiserror::Error)]
#[error("cannot render the revision template {template_name}")]
pub struct TemplateError {
    pub template_name: String,
    #[source]
    pub source: minijinja::Error,
}

/// Render `template` (named `template_name` in errors) with `context`.
pub fn render_revision(
    template_name: &str,
    template: &str,
    context: &TemplateContext,
) -> Result<String, TemplateError> {
    let wrap = |source| TemplateError {
        template_name: template_name.to_owned(),
        source,
    };
    let mut environment = minijinja::Environment::new();
    environment.set_keep_trailing_newline(true);
    environment.add_filter("sql_comment", sql_comment);
    environment
        .add_template(template_name, template)
        .map_err(wrap)?;
    environment
        .get_template(template_name)
        .and_then(|t| t.render(context))
        .map_err(wrap)
}

/// Prefix every line with `-- ` (a bare `--` for empty lines), so a multi-line message stays
/// inside the header comment.
fn sql_comment(text: &str) -> String {
    text.lines()
        .map(|line| {
            if line.trim().is_empty() {
                "--".to_owned()
            } else {
                format!("-- {line}")
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}
