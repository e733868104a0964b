//! Whether a revision that adds an enum value also uses it. PostgreSQL refuses to use a value
//! added in the same transaction (`unsafe use of new value`: it must be committed first) unless
//! the type itself is new in that transaction; a column default, a check, an index predicate, a
//! view or a SQL function written with the new label reads it as soon as it is created. Such a
//! revision rebuilds the type instead (a new type, in the revision's own transaction, whose
//! labels all work at once), so it still runs whole or not at all.

use super::definitions::definitions;
use super::identifier::holds_string_literal;
use crate::schema::Schema;

/// Whether a definition that `to` has and `from` has not (what the revision writes) holds the
/// string literal of `value`. Definitions already live cannot hold a label that does not exist
/// yet; a new one that spells the same word for a text column counts too, which only costs a
/// rebuild where adding the value would have done.
pub fn written_with_value(from: &Schema, to: &Schema, value: &str) -> bool {
    let live = definitions(from);
    definitions(to)
        .into_iter()
        .any(|text| !live.contains(text) && holds_string_literal(text, value))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::{Column, QualifiedName, Table};

    fn schema_with_default(default: &str) -> Schema {
        let name = QualifiedName {
            schema: "public".to_owned(),
            name: "task".to_owned(),
        };
        let mut table = Table::new(name.clone());
        table.columns = vec![Column {
            name: "s".to_owned(),
            data_type: "status".to_owned(),
            nullable: false,
            default: Some(default.to_owned()),
            identity: None,
            generated: None,
            virtual_generated: false,
            identity_options: crate::schema::IdentityOptions::default(),
            collation: None,
            comment: None,
        }];
        let mut schema = Schema::default();
        schema.tables.insert(name, table);
        schema
    }

    #[test]
    fn a_new_default_with_the_label_uses_it() {
        let from = schema_with_default("'new'::status");
        let to = schema_with_default("'it''s'::status");
        assert!(written_with_value(&from, &to, "it's"));
        assert!(!written_with_value(&from, &to, "it"));
    }

    #[test]
    fn a_definition_already_live_does_not() {
        let from = schema_with_default("'started'::text");
        assert!(!written_with_value(&from, &from.clone(), "started"));
    }
}
