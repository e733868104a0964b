//! The last word on order: what each operation makes, removes and relies on, read from the
//! definitions it carries, and a stable topological sort over that.
//!
//! The diff first places operations by kind (types before tables, views last, …), which is
//! right for nearly every schema. Objects of different kinds can still depend on each other
//! in any order: a view calls a SQL function that reads another view, over a table whose
//! column is of a domain. Here each operation says which objects it makes, which it removes,
//! which it needs to exist (from its new definition) and which it holds on to until it runs
//! (from its old one), and an operation moves only when the first order runs it before an
//! object it needs or after one it holds is gone; everything else keeps its place. An order
//! that cannot exist (each object needing the other first) is refused, naming the objects.
//!
//! Names are read from the definitions (as the server prints them) by kind: a table's
//! columns can use types and call functions, never read a view; a view or a SQL function
//! body can read relations, call functions and use types. A name counts as a function only
//! where it is called, as a relation never after `AS` (an alias), and a qualified one (`s.v`,
//! `t.id`) only as the object of that schema (a table's column is none). A body in another
//! language (PL/pgSQL, a MariaDB routine) is not
//! checked by the server when the function is created, so only its signature counts.

use std::collections::{BTreeMap, BTreeSet};

use super::identifier::{names_in, without_dollar_quotes, NameInText};
use super::operation::Operation;
use super::stable_order::stable_topological_order;
use crate::schema::{Column, CompositeType, Domain, Function, QualifiedName, Table};

/// Operations that cannot be put in any order: each needs what another makes first, around a
/// loop; `loop_summaries` describes them in that order.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the changes depend on each other in a loop, so no order applies them: {}", loop_summaries.join(" → "))]
pub struct DependencyCycle {
    pub loop_summaries: Vec<String>,
}

/// The kinds of object an operation can make or need, each in its own name space.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    /// A table, a view or a materialized view.
    Relation,
    /// An enum, a domain or a composite type.
    Type,
    Function,
}

type ObjectRef = (Kind, String);

/// What one operation does to the objects around it.
#[derive(Default)]
struct Footprint {
    makes: Vec<ObjectRef>,
    removes: Vec<ObjectRef>,
    /// Tables it changes in place: what reads them is dropped before and created after.
    redefines: Vec<ObjectRef>,
    /// Objects that must exist when it runs.
    needs: BTreeSet<ObjectRef>,
    /// Objects its old definition uses: it must run before they are removed.
    holds: BTreeSet<ObjectRef>,
}

/// Which kinds the names of a piece of text can refer to.
#[derive(Clone, Copy)]
enum Reads {
    /// A data type: a type, or a table's row type.
    DataType,
    /// A column's type: a type. (A table's row type as a column is too rare to let a column
    /// type named like a table hold that table back.)
    ColumnType,
    /// An expression inside a table (a default, a check, an index): only functions it calls.
    Calls,
    /// A query (a view, a SQL body, a policy): relations, functions and types.
    Query,
}

fn names(text: &str, reads: Reads, into: &mut BTreeSet<ObjectRef>) {
    for NameInText {
        name,
        called,
        qualifier,
        after_as,
    } in names_in(text)
    {
        // `s.t` is looked up as such: a schema's object, or a table's column (which is none).
        let name = match qualifier {
            Some(qualifier) => format!("{qualifier}.{name}").to_lowercase(),
            None => name.to_lowercase(),
        };
        match reads {
            Reads::Calls | Reads::Query if called => {
                into.insert((Kind::Function, name));
            }
            Reads::Calls => {}
            Reads::ColumnType => {
                into.insert((Kind::Type, name));
            }
            // After `AS`: an alias (which names no relation) or a cast's type.
            Reads::Query if after_as => {
                into.insert((Kind::Type, name));
            }
            Reads::DataType | Reads::Query => {
                into.insert((Kind::Type, name.clone()));
                into.insert((Kind::Relation, name));
            }
        }
    }
}

fn column_names(column: &Column, into: &mut BTreeSet<ObjectRef>) {
    names(&column.data_type, Reads::ColumnType, into);
    for expression in [&column.default, &column.generated].into_iter().flatten() {
        names(expression, Reads::Calls, into);
    }
}

fn table_names(table: &Table, into: &mut BTreeSet<ObjectRef>) {
    for column in &table.columns {
        column_names(column, into);
    }
    for check in &table.checks {
        names(&check.definition, Reads::Calls, into);
    }
    for index in &table.indexes {
        names(&index.definition, Reads::Calls, into);
    }
}

fn function_names(function: &Function, into: &mut BTreeSet<ObjectRef>) {
    names(&function.full_arguments, Reads::DataType, into);
    names(&function.result, Reads::DataType, into);
    // PostgreSQL checks a SQL body when the function is created (it prints the language
    // lowercase). Its old body counts too, though the server would let what it reads go
    // first: a downgrade is the upgrade reversed, and creates the function again.
    let definition = &function.definition;
    if super::functions::is_sql_body(definition) {
        names(&without_dollar_quotes(definition), Reads::Query, into);
    }
}

fn domain_names(domain: &Domain, into: &mut BTreeSet<ObjectRef>) {
    names(&domain.base_type, Reads::DataType, into);
    for expression in domain
        .default
        .iter()
        .chain(domain.checks.iter().map(|check| &check.definition))
    {
        names(expression, Reads::Calls, into);
    }
}

fn composite_names(composite: &CompositeType, into: &mut BTreeSet<ObjectRef>) {
    for attribute in &composite.attributes {
        names(&attribute.data_type, Reads::DataType, into);
    }
}

/// An object by its name, bare and qualified by its schema (definitions name it either way).
fn object(kind: Kind, name: &QualifiedName) -> [ObjectRef; 2] {
    [
        (kind, name.name.to_lowercase()),
        (
            kind,
            format!("{}.{}", name.schema, name.name).to_lowercase(),
        ),
    ]
}

/// An object by its qualified name alone (where the bare name could be another schema's).
fn qualified(kind: Kind, name: &QualifiedName) -> ObjectRef {
    let [_, qualified] = object(kind, name);
    qualified
}

fn footprint(operation: &Operation) -> Footprint {
    use Operation as Op;
    let mut print = Footprint::default();
    let (needs, holds) = (&mut print.needs, &mut print.holds);
    match operation {
        Op::CreateTable { table } => {
            print.makes.extend(object(Kind::Relation, &table.name));
            table_names(table, needs);
        }
        Op::DropTable { table } => {
            print.removes.extend(object(Kind::Relation, &table.name));
            table_names(table, holds);
        }
        Op::RebuildTable { from, to } => {
            print.redefines.extend(object(Kind::Relation, &to.name));
            table_names(to, needs);
            table_names(from, holds);
        }
        Op::AddColumn { table, column, .. } => {
            print.redefines.extend(object(Kind::Relation, table));
            column_names(column, needs);
        }
        Op::DropColumn { table, column } => {
            print.redefines.extend(object(Kind::Relation, table));
            column_names(column, holds);
        }
        Op::RenameColumn { table, .. } => {
            print.redefines.extend(object(Kind::Relation, table));
        }
        Op::RenameTable { from, to, .. } => {
            print.redefines.extend(object(Kind::Relation, from));
            print.redefines.extend(object(Kind::Relation, to));
        }
        Op::AlterColumn { table, from, to } => {
            // A new default or comment changes nothing a view or a function body reads.
            let bare = |column: &Column| Column {
                default: None,
                comment: None,
                ..column.clone()
            };
            if bare(from) != bare(to) {
                print.redefines.extend(object(Kind::Relation, table));
            }
            column_names(to, needs);
            column_names(from, holds);
        }
        Op::AddCheck { check, .. } => names(&check.definition, Reads::Calls, needs),
        Op::DropCheck { check, .. } => names(&check.definition, Reads::Calls, holds),
        Op::CreateIndex { index, .. } => names(&index.definition, Reads::Calls, needs),
        Op::DropIndex { index, .. } => names(&index.definition, Reads::Calls, holds),
        Op::CreateView { view } => {
            print.makes.extend(object(Kind::Relation, &view.name));
            names(&view.definition, Reads::Query, needs);
            for trigger in &view.triggers {
                names(&trigger.definition, Reads::Calls, needs);
            }
            for rule in &view.rules {
                names(rule, Reads::Query, needs);
            }
        }
        Op::DropView { view } => {
            print.removes.extend(object(Kind::Relation, &view.name));
            names(&view.definition, Reads::Query, holds);
            for trigger in &view.triggers {
                names(&trigger.definition, Reads::Calls, holds);
            }
            for rule in &view.rules {
                names(rule, Reads::Query, holds);
            }
        }
        Op::ReplaceView { from, to, .. } => {
            names(&to.definition, Reads::Query, needs);
            names(&from.definition, Reads::Query, holds);
        }
        Op::CreateMaterializedView { view } => {
            print.makes.extend(object(Kind::Relation, &view.name));
            names(&view.query, Reads::Query, needs);
        }
        Op::DropMaterializedView { view } => {
            print.removes.extend(object(Kind::Relation, &view.name));
            names(&view.query, Reads::Query, holds);
        }
        Op::CreateFunction { function } => {
            print
                .makes
                .extend(object(Kind::Function, &function.key.name));
            function_names(function, needs);
        }
        Op::DropFunction { function } => {
            print
                .removes
                .extend(object(Kind::Function, &function.key.name));
            function_names(function, holds);
        }
        Op::ReplaceFunction { from, to } => {
            function_names(to, needs);
            function_names(from, holds);
            // Its own name, in its definition, is no other function: overloads share it, and
            // one dropped and created again beside this one would seem to be needed and held.
            for own in object(Kind::Function, &to.key.name) {
                needs.remove(&own);
                holds.remove(&own);
            }
        }
        Op::CreateDomain { domain } => {
            print.makes.extend(object(Kind::Type, &domain.name));
            domain_names(domain, needs);
        }
        Op::DropDomain { domain } => {
            print.removes.extend(object(Kind::Type, &domain.name));
            domain_names(domain, holds);
        }
        Op::AlterDomain { from, to } => {
            domain_names(to, needs);
            domain_names(from, holds);
        }
        // Dropped and created again: what holds it (a function taking it, dropped and created
        // again too) goes first.
        Op::ReplaceDomain { from, to, .. } => {
            print.redefines.extend(object(Kind::Type, &to.name));
            domain_names(to, needs);
            domain_names(from, holds);
        }
        Op::CreateCompositeType { composite } => {
            print.makes.extend(object(Kind::Type, &composite.name));
            composite_names(composite, needs);
        }
        Op::DropCompositeType { composite } => {
            print.removes.extend(object(Kind::Type, &composite.name));
            composite_names(composite, holds);
        }
        Op::AlterCompositeType { from, to, .. } => {
            if super::composite_types::recreated(from, to) {
                print.redefines.extend(object(Kind::Type, &to.name));
            }
            composite_names(to, needs);
            composite_names(from, holds);
        }
        Op::CreateEnum { name, .. } => print.makes.extend(object(Kind::Type, name)),
        Op::DropEnum { name, .. } => print.removes.extend(object(Kind::Type, name)),
        // A trigger names its table's columns (a body on MariaDB and SQLite, `UPDATE OF` and
        // `WHEN` on PostgreSQL): dropped before the table changes in place (a rename
        // included), created after; so the downgrade, the upgrade reversed, creates the old
        // trigger once the columns have their old names back.
        Op::CreateTrigger { table, trigger } => {
            names(&trigger.definition, Reads::Calls, needs);
            needs.extend(object(Kind::Relation, table));
        }
        Op::DropTrigger { table, trigger } => {
            names(&trigger.definition, Reads::Calls, holds);
            holds.extend(object(Kind::Relation, table));
        }
        // A foreign key is added once its table and the one it references exist under their
        // new names (a table moved to another schema is created there), and dropped while
        // both are still there.
        Op::AddForeignKey { table, foreign_key } => {
            needs.insert(qualified(Kind::Relation, table));
            needs.insert(qualified(Kind::Relation, &foreign_key.referenced_table));
        }
        Op::DropForeignKey { table, foreign_key } => {
            holds.insert(qualified(Kind::Relation, table));
            holds.insert(qualified(Kind::Relation, &foreign_key.referenced_table));
        }
        Op::CreatePolicy { policy, .. } => policy_names(policy, needs),
        Op::DropPolicy { policy, .. } => policy_names(policy, holds),
        Op::AlterPolicy { from, to, .. } => {
            policy_names(to, needs);
            policy_names(from, holds);
        }
        Op::AlterTogether { operations, .. } => {
            for part in operations {
                let part = footprint(part);
                print.redefines.extend(part.redefines);
                print.needs.extend(part.needs);
                print.holds.extend(part.holds);
            }
        }
        // Grants, schemas, extensions, sequences, other keys and the rest are placed by kind
        // alone.
        _ => {}
    }
    // What an operation makes itself is no dependency.
    for made in print.makes.iter().chain(&print.removes) {
        print.needs.remove(made);
        print.holds.remove(made);
    }
    print
}

fn policy_names(policy: &crate::schema::Policy, into: &mut BTreeSet<ObjectRef>) {
    for expression in policy.expressions() {
        names(expression, Reads::Query, into);
    }
}

/// `operations` reordered where an operation would otherwise run before an object it needs is
/// made, or after an object it holds is removed; the rest keep their order. A new table whose
/// column default calls a function that reads the table (which no order creates) gets that
/// default once the function exists.
pub fn order_by_dependencies(
    mut operations: Vec<Operation>,
) -> Result<Vec<Operation>, DependencyCycle> {
    loop {
        match dependency_order(&operations) {
            Ok(order) => {
                let mut slots: Vec<Option<Operation>> = operations.into_iter().map(Some).collect();
                return Ok(order
                    .into_iter()
                    .filter_map(|index| slots[index].take())
                    .collect());
            }
            Err(cycle) => {
                if !defaults_set_after(&mut operations, &cycle) {
                    return Err(DependencyCycle {
                        loop_summaries: cycle.iter().map(|&i| operations[i].summary()).collect(),
                    });
                }
            }
        }
    }
}

/// The order of `operations` by what they need of each other, or the indexes of a loop.
fn dependency_order(operations: &[Operation]) -> Result<Vec<usize>, Vec<usize>> {
    let prints: Vec<Footprint> = operations.iter().map(footprint).collect();
    let mut makers: BTreeMap<&ObjectRef, Vec<usize>> = BTreeMap::new();
    let mut removers: BTreeMap<&ObjectRef, Vec<usize>> = BTreeMap::new();
    let mut redefiners: BTreeMap<&ObjectRef, Vec<usize>> = BTreeMap::new();
    for (index, print) in prints.iter().enumerate() {
        for redefined in &print.redefines {
            redefiners.entry(redefined).or_default().push(index);
        }
        for made in &print.makes {
            makers.entry(made).or_default().push(index);
        }
        for removed in &print.removes {
            removers.entry(removed).or_default().push(index);
        }
    }
    let mut after: Vec<BTreeSet<usize>> = vec![BTreeSet::new(); operations.len()];
    let mut edge = |first: usize, then: usize| {
        if first != then {
            after[then].insert(first);
        }
    };
    for (index, print) in prints.iter().enumerate() {
        for needed in &print.needs {
            let changers = [&makers, &redefiners].map(|changers| changers.get(needed));
            for &changer in changers.into_iter().flatten().flatten() {
                edge(changer, index);
            }
        }
        for held in &print.holds {
            for &remover in removers.get(held).into_iter().flatten() {
                edge(index, remover);
            }
            // A table changed in place is held back from an operation that also needs it (a
            // function or view replaced in place, reading the table before and after) only
            // by the new definition: it runs after the change. (Where the old definition
            // would block the change, the plan drops it instead of replacing it.)
            if !print.needs.contains(held) {
                for &redefiner in redefiners.get(held).into_iter().flatten() {
                    edge(index, redefiner);
                }
            }
        }
        // An object made again under the same name is removed first.
        for made in &print.makes {
            for &remover in removers.get(made).into_iter().flatten() {
                edge(remover, index);
            }
        }
    }
    stable_topological_order(&after)
}

/// Breaks a loop through a new table: the defaults of its columns that call a function made in
/// the loop (`DEFAULT next_number()`, whose SQL body reads the table) are taken out of its
/// `CREATE TABLE` and set by an `ALTER COLUMN … SET DEFAULT` of their own, which can wait for
/// the function. (A new table has no rows the default would have filled.) `false` when the
/// loop goes through no such table.
fn defaults_set_after(operations: &mut Vec<Operation>, cycle: &[usize]) -> bool {
    let functions_in_loop: BTreeSet<ObjectRef> = cycle
        .iter()
        .filter_map(|&index| match &operations[index] {
            Operation::CreateFunction { function } => Some(function),
            _ => None,
        })
        .flat_map(|function| object(Kind::Function, &function.key.name))
        .collect();
    let calls_one = |column: &Column| {
        let mut called = BTreeSet::new();
        if let Some(default) = &column.default {
            names(default, Reads::Calls, &mut called);
        }
        !called.is_disjoint(&functions_in_loop)
    };
    for &index in cycle {
        let Operation::CreateTable { table } = &mut operations[index] else {
            continue;
        };
        let name = table.name.clone();
        let mut later = Vec::new();
        for column in &mut table.columns {
            if column.generated.is_none() && calls_one(column) {
                let with_default = column.clone();
                column.default = None;
                later.push(Operation::AlterColumn {
                    table: name.clone(),
                    from: column.clone(),
                    to: with_default,
                });
            }
        }
        if !later.is_empty() {
            let after_table = index + 1;
            operations.splice(after_table..after_table, later);
            return true;
        }
    }
    false
}
