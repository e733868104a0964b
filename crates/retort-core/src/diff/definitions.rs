//! The text a schema's objects are written with, where one object names another: what the
//! server parses when it creates them.

use std::collections::BTreeSet;

use crate::schema::{Policy, Schema};

/// Every expression and definition of a schema the server parses when it creates the object.
pub fn definitions(schema: &Schema) -> BTreeSet<&str> {
    let mut texts = BTreeSet::new();
    for table in schema.tables.values() {
        for column in &table.columns {
            texts.extend(column.default.as_deref());
            texts.extend(column.generated.as_deref());
        }
        texts.extend(table.checks.iter().map(|check| check.definition.as_str()));
        texts.extend(table.indexes.iter().map(|index| index.definition.as_str()));
        texts.extend(
            table
                .triggers
                .iter()
                .map(|trigger| trigger.definition.as_str()),
        );
        texts.extend(table.policies.iter().flat_map(Policy::expressions));
    }
    for view in schema.views.values() {
        texts.insert(&view.definition);
        texts.extend(view.column_defaults.iter().map(|(_, text)| text.as_str()));
        texts.extend(
            view.triggers
                .iter()
                .map(|trigger| trigger.definition.as_str()),
        );
        texts.extend(view.rules.iter().map(String::as_str));
    }
    for view in schema.materialized_views.values() {
        texts.insert(&view.query);
        texts.extend(view.indexes.iter().map(|index| index.definition.as_str()));
    }
    texts.extend(
        schema
            .functions
            .values()
            .map(|function| function.definition.as_str()),
    );
    for domain in schema.domains.values() {
        texts.extend(domain.default.as_deref());
        texts.extend(domain.checks.iter().map(|check| check.definition.as_str()));
    }
    texts
}
