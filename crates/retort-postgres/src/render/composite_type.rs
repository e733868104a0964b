//! Composite types as PostgreSQL statements.

use retort_core::diff::composite_types::attribute_orders;
use retort_core::runner::connection::DatabaseError;
use retort_core::schema::{Attribute, CompositeType};

use super::{comment_on, quote, table_name};

fn attribute_definition(attribute: &Attribute) -> String {
    let mut text = format!("{} {}", quote(&attribute.name), attribute.data_type);
    if let Some(collation) = &attribute.collation {
        text.push_str(&format!(" COLLATE {}", quote(collation)));
    }
    text
}

/// `CREATE TYPE … AS (…)`, and its comment.
pub(super) fn create_composite_type(composite: &CompositeType) -> Vec<String> {
    let mut statements = vec![format!(
        "CREATE TYPE {} AS ({})",
        table_name(&composite.name),
        composite
            .attributes
            .iter()
            .map(attribute_definition)
            .collect::<Vec<_>>()
            .join(", ")
    )];
    if composite.comment.is_some() {
        statements.push(type_comment(composite));
    }
    statements
}

fn type_comment(composite: &CompositeType) -> String {
    comment_on(
        "TYPE",
        &table_name(&composite.name),
        composite.comment.as_deref(),
    )
}

pub(super) fn drop_composite_type(composite: &CompositeType) -> String {
    format!("DROP TYPE {}", table_name(&composite.name))
}

/// `ALTER TYPE … DROP/ALTER/ADD ATTRIBUTE` where that gives `to`'s attribute order (added
/// attributes go last); otherwise the type is dropped and created again, which only works
/// while no column uses it. A retyped attribute is refused while `columns` use the type: the
/// server refuses it too, and converting the stored rows is the author's decision.
pub(super) fn alter_composite_type(
    from: &CompositeType,
    to: &CompositeType,
    columns: &[String],
) -> Result<Vec<String>, DatabaseError> {
    let kept = |attribute: &&Attribute| to.attributes.iter().any(|a| a.name == attribute.name);
    let added: Vec<&Attribute> = to
        .attributes
        .iter()
        .filter(|attribute| !from.attributes.iter().any(|a| a.name == attribute.name))
        .collect();
    let (in_place_order, wanted_order) = attribute_orders(from, to);
    let retyped: Vec<&Attribute> = to
        .attributes
        .iter()
        .filter(|attribute| {
            from.attributes
                .iter()
                .any(|a| a.name == attribute.name && a != *attribute)
        })
        .collect();
    let refuse = |why: &str| {
        Err(DatabaseError::new(format!(
            "composite type {} {why}, and column(s) {} use it",
            to.name,
            columns.join(", ")
        ))
        .with_hint("add a new attribute or a new type, convert the stored values in a hand-written revision, then drop what is left; or leave the type as it is"))
    };
    if in_place_order != wanted_order {
        if !columns.is_empty() {
            return refuse(&format!(
                "changes its attribute order ({} → {}), which needs the type dropped and created again",
                in_place_order.join(", "),
                wanted_order.join(", ")
            ));
        }
        let mut statements = vec![drop_composite_type(from)];
        statements.extend(create_composite_type(to));
        return Ok(statements);
    }
    if !retyped.is_empty() && !columns.is_empty() {
        return refuse(&format!(
            "changes the type of attribute(s) {}",
            retyped
                .iter()
                .map(|a| a.name.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    let prefix = format!("ALTER TYPE {}", table_name(&to.name));
    let mut statements: Vec<String> = from
        .attributes
        .iter()
        .filter(|attribute| !kept(attribute))
        .map(|attribute| format!("{prefix} DROP ATTRIBUTE {}", quote(&attribute.name)))
        .collect();
    for attribute in retyped {
        let collation = attribute
            .collation
            .as_ref()
            .map(|c| format!(" COLLATE {}", quote(c)))
            .unwrap_or_default();
        statements.push(format!(
            "{prefix} ALTER ATTRIBUTE {} TYPE {}{collation}",
            quote(&attribute.name),
            attribute.data_type
        ));
    }
    statements.extend(
        added
            .iter()
            .map(|attribute| format!("{prefix} ADD ATTRIBUTE {}", attribute_definition(attribute))),
    );
    if from.comment != to.comment {
        statements.push(type_comment(to));
    }
    Ok(statements)
}
