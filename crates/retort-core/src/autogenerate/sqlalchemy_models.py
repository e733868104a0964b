"""Print the DDL SQLAlchemy emits for a project's models, for one dialect (retort's
`[autogenerate] sqlalchemy = "module:attribute"`).

usage: python -c <this file> MODULE:ATTRIBUTE DIALECT
ATTRIBUTE (dotted) names a MetaData, or anything with a `.metadata` (a declarative base).
DIALECT: postgresql, sqlite or mysql. The DDL is what `metadata.create_all()` would run on an
empty database of that kind: tables in dependency order, their constraints named by the
metadata's naming_convention, indexes, enum types, sequences and comments.
"""
import importlib
import inspect
import os
import sys

from sqlalchemy import MetaData, create_mock_engine

target, dialect = sys.argv[1], sys.argv[2]
sys.path.insert(0, os.getcwd())
module_name, _, attribute = target.partition(":")
if not module_name or not attribute:
    sys.exit(f"retort: [autogenerate] sqlalchemy = {target!r}: write it as \"module:attribute\", e.g. \"app.models:Base\"")
value = importlib.import_module(module_name)
# `pkg:models.Base.metadata` where `models` is a module of `pkg` not imported by it.
for part in attribute.split("."):
    if not hasattr(value, part) and inspect.ismodule(value):
        module_name = f"{module_name}.{part}"
        value = importlib.import_module(module_name)
    else:
        value = getattr(value, part)
metadata = value if isinstance(value, MetaData) else getattr(value, "metadata", None)
if not isinstance(metadata, MetaData):
    sys.exit(f"retort: {target} is a {type(value).__name__}, neither a MetaData nor a declarative base with .metadata")

statements = []


def collect(clause, *multiparams, **params):
    statements.append(str(clause.compile(dialect=engine.dialect)).strip())


engine = create_mock_engine(f"{dialect}://", collect)
metadata.create_all(engine, checkfirst=False)
sys.stdout.write("".join(f"{statement};\n\n" for statement in statements))
