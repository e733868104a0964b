//! Domains as PostgreSQL statements.

use retort_core::runner::connection::DatabaseError;
use retort_core::schema::Domain;

use super::{comment_on, quote, table_name};

/// `CREATE DOMAIN` with everything it has, and its comment.
pub(super) fn create_domain(domain: &Domain) -> Vec<String> {
    let mut text = format!(
        "CREATE DOMAIN {} AS {}",
        table_name(&domain.name),
        domain.base_type
    );
    if let Some(collation) = &domain.collation {
        text.push_str(&format!(" COLLATE {}", quote(collation)));
    }
    if let Some(default) = &domain.default {
        text.push_str(&format!(" DEFAULT {default}"));
    }
    if domain.not_null {
        text.push_str(" NOT NULL");
    }
    for check in &domain.checks {
        text.push_str(&format!(
            " CONSTRAINT {} {}",
            quote(&check.name),
            check.definition
        ));
    }
    let mut statements = vec![text];
    if domain.comment.is_some() {
        statements.push(domain_comment(domain));
    }
    statements
}

fn domain_comment(domain: &Domain) -> String {
    comment_on(
        "DOMAIN",
        &table_name(&domain.name),
        domain.comment.as_deref(),
    )
}

pub(super) fn drop_domain(domain: &Domain) -> String {
    format!("DROP DOMAIN {}", table_name(&domain.name))
}

/// `ALTER DOMAIN` for each default, `NOT NULL` and check that changes: checks dropped first
/// (a changed one is dropped and added again), added last, when the values already pass the
/// rest. Adding `NOT NULL` or a check fails, changing nothing, while a stored value breaks it.
pub(super) fn alter_domain(from: &Domain, to: &Domain) -> Vec<String> {
    let prefix = format!("ALTER DOMAIN {}", table_name(&to.name));
    let mut statements: Vec<String> = from
        .checks
        .iter()
        .filter(|check| !to.checks.contains(check))
        .map(|check| format!("{prefix} DROP CONSTRAINT {}", quote(&check.name)))
        .collect();
    if from.default != to.default {
        statements.push(match &to.default {
            Some(default) => format!("{prefix} SET DEFAULT {default}"),
            None => format!("{prefix} DROP DEFAULT"),
        });
    }
    if from.not_null != to.not_null {
        statements.push(format!(
            "{prefix} {} NOT NULL",
            if to.not_null { "SET" } else { "DROP" }
        ));
    }
    statements.extend(
        to.checks
            .iter()
            .filter(|check| !from.checks.contains(check))
            .map(|check| {
                format!(
                    "{prefix} ADD CONSTRAINT {} {}",
                    quote(&check.name),
                    check.definition
                )
            }),
    );
    if from.comment != to.comment {
        statements.push(domain_comment(to));
    }
    statements
}

/// A new base type or collation: dropped and created again, refused while columns use it
/// (dropping the domain would drop them, values and all).
pub(super) fn replace_domain(
    from: &Domain,
    to: &Domain,
    columns: &[String],
) -> Result<Vec<String>, DatabaseError> {
    if !columns.is_empty() {
        return Err(DatabaseError::new(format!(
            "domain {} changes its base type or collation ({} → {}), which ALTER DOMAIN cannot do, and column(s) {} use it: dropping it would drop them with their values",
            to.name,
            describe(from),
            describe(to),
            columns.join(", ")
        ))
        .with_hint("declare a domain under a new name, move the columns to it (ALTER TABLE … ALTER COLUMN … TYPE new_domain), and drop the old one in a later revision; or make the change in a hand-written revision"));
    }
    let mut statements = vec![drop_domain(from)];
    statements.extend(create_domain(to));
    Ok(statements)
}

fn describe(domain: &Domain) -> String {
    match &domain.collation {
        Some(collation) => format!("{} COLLATE {}", domain.base_type, quote(collation)),
        None => domain.base_type.clone(),
    }
}
