//! Functions and procedures, compared as the server prints them. One whose arguments (names,
//! modes, defaults) and result stay is replaced in place (`CREATE OR REPLACE`); any other change
//! drops it and creates it again.
//!
//! Where they go: a function that names a table the diff creates or adds columns to (a `SETOF`
//! result, a SQL body reading it) is created once the tables exist and have their columns, any
//! other before them, so that defaults, checks and indexes can call it. A function is dropped after the tables whose defaults may
//! call it, unless its own signature names one of them (it must go first then).

use std::collections::BTreeSet;

use super::identifier::{mentions_identifier, without_dollar_quotes};
use super::operation::Operation;
use crate::schema::{Function, QualifiedName, Schema};

/// Function operations by the place they take in the plan.
#[derive(Default)]
pub struct FunctionOperations {
    /// Before the tables are created (after extensions, enums and sequences).
    pub before_tables: Vec<Operation>,
    /// Once tables are created and changed, before constraints, indexes and triggers.
    pub after_tables: Vec<Operation>,
    /// Before the tables are dropped.
    pub drops_before_tables: Vec<Operation>,
    /// After the tables are dropped.
    pub drops_after_tables: Vec<Operation>,
    /// The names of the functions dropped and created again: the triggers and policies that
    /// call them must go around it.
    pub recreated: BTreeSet<String>,
}

/// `rebuilt_types` are the types (enums, domains) the plan replaces by new ones of the same
/// name: a function whose arguments or result use one is dropped before and created after,
/// even unchanged (the old type could not be dropped under it).
pub fn diff_functions(
    from: &Schema,
    to: &Schema,
    rebuilt_types: &[&QualifiedName],
) -> FunctionOperations {
    // Tables the diff creates or adds columns to: a SQL body reading them is checked against
    // them when the function is created.
    let created_tables: BTreeSet<&str> = to
        .tables
        .iter()
        .filter(|(name, table)| {
            from.tables.get(*name).is_none_or(|old| {
                table
                    .columns
                    .iter()
                    .any(|column| old.column(&column.name).is_none())
            })
        })
        .map(|(name, _)| name.name.as_str())
        .collect();
    let dropped_tables: BTreeSet<&str> = from
        .tables
        .keys()
        .filter(|name| !to.tables.contains_key(*name))
        .map(|name| name.name.as_str())
        .collect();
    let names_any = |text: &str, tables: &BTreeSet<&str>| {
        let text = without_dollar_quotes(text);
        tables.iter().any(|table| mentions_identifier(&text, table))
    };
    let uses_rebuilt_type = |function: &Function| {
        let signature = format!("{} {}", function.full_arguments, function.result);
        rebuilt_types
            .iter()
            .any(|name| mentions_identifier(&signature, &name.name))
    };
    // Columns the diff drops, retypes or computes anew, with their table's name: a SQL body reading one holds
    // it (`BEGIN ATOMIC` is a dependency the server enforces), and the old body cannot be
    // created again before the column is back (the downgrade).
    let changed_columns: Vec<(&str, &str)> = from
        .tables
        .iter()
        .filter_map(|(name, old)| Some((name, old, to.tables.get(name)?)))
        .flat_map(|(name, old, new)| {
            old.columns
                .iter()
                .filter(|column| {
                    // A generated column with a new expression is dropped and added again.
                    new.column(&column.name).is_none_or(|kept| {
                        kept.data_type != column.data_type
                            || (kept.generated.is_some() && kept.generated != column.generated)
                    })
                })
                .map(|column| (name.name.as_str(), column.name.as_str()))
        })
        .collect();
    let reads_changed_column = |function: &Function| {
        let body = without_dollar_quotes(&function.definition);
        is_sql_body(&function.definition)
            && changed_columns.iter().any(|(table, column)| {
                mentions_identifier(&body, table) && mentions_identifier(&body, column)
            })
    };
    let mut operations = FunctionOperations::default();
    let create = |operations: &mut FunctionOperations, operation: Operation, new: &Function| {
        // After the rebuild too: created before, it would be the old type's.
        if names_any(&new.definition, &created_tables) || uses_rebuilt_type(new) {
            operations.after_tables.push(operation);
        } else {
            operations.before_tables.push(operation);
        }
    };
    for (key, new) in &to.functions {
        let Some(old) = from.functions.get(key) else {
            create(
                &mut operations,
                Operation::CreateFunction {
                    function: new.clone(),
                },
                new,
            );
            continue;
        };
        // What it takes or reads is dropped and made again: it goes around that, even unchanged.
        let goes_around = uses_rebuilt_type(old) || reads_changed_column(old);
        if old == new && !goes_around {
            continue;
        }
        if replaceable(old, new) && !goes_around {
            operations.after_tables.push(Operation::ReplaceFunction {
                from: old.clone(),
                to: new.clone(),
            });
            continue;
        }
        operations.recreated.insert(key.name.name.clone());
        operations.before_tables.push(Operation::DropFunction {
            function: old.clone(),
        });
        create(
            &mut operations,
            Operation::CreateFunction {
                function: new.clone(),
            },
            new,
        );
    }
    for (key, old) in &from.functions {
        if to.functions.contains_key(key) {
            continue;
        }
        let operation = Operation::DropFunction {
            function: old.clone(),
        };
        // Replaced by one of the same name and other arguments (an argument added, with a
        // default): what calls it by name is the same call, of the new one; it goes around the
        // drop (refused while they depend on it), which goes first (both at once would make the
        // call ambiguous).
        if to.functions.keys().any(|other| other.name == key.name) {
            operations.recreated.insert(key.name.name.clone());
            operations.before_tables.push(operation);
            continue;
        }
        let signature = format!("{} {}", old.full_arguments, old.result);
        if names_any(&signature, &dropped_tables) {
            operations.drops_before_tables.push(operation);
        } else {
            operations.drops_after_tables.push(operation);
        }
    }
    operations
}

/// Whether `text` calls (names) one of `functions`, by name.
pub fn calls_any(text: &str, functions: &BTreeSet<String>) -> bool {
    functions
        .iter()
        .any(|function| mentions_identifier(text, function))
}

/// Whether a function's body is SQL, which PostgreSQL checks when the function is created (it
/// prints the language lowercase): a body in another language is not read until it runs.
pub fn is_sql_body(definition: &str) -> bool {
    definition.contains("LANGUAGE sql") || definition.contains("BEGIN ATOMIC")
}

/// Whether `CREATE OR REPLACE` can take `old` to `new`: the server refuses to change a result
/// type, argument names or defaults, or a function into a procedure.
fn replaceable(old: &Function, new: &Function) -> bool {
    old.procedure == new.procedure
        && old.full_arguments == new.full_arguments
        && old.result == new.result
}

#[cfg(test)]
mod tests {
    use crate::diff::identifier::{mentions_identifier, without_dollar_quotes};

    #[test]
    fn a_body_in_dollar_quotes_names_its_tables() {
        let definition = "CREATE OR REPLACE FUNCTION public.f()\n RETURNS integer\n LANGUAGE sql\nAS $function$SELECT count(*)::int FROM t$function$";
        assert!(!mentions_identifier(definition, "t"));
        assert!(mentions_identifier(&without_dollar_quotes(definition), "t"));
        assert!(mentions_identifier(
            &without_dollar_quotes("AS $$SELECT 1 FROM t$$"),
            "t"
        ));
        // A `$` inside a name, and positional parameters, stay.
        assert_eq!(without_dollar_quotes("a$b + $1"), "a$b + $1");
    }
}
