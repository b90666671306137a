"""The name search indexes, per database (how they are queried: yiwang.credit.search.textindex).

PostgreSQL: pg_trgm (a trusted extension since PostgreSQL 13, so the database owner
may create it) with a GIN index on `name` for terms of 3+ characters, and a GIN index
on the SQL function `credit_bigrams(name)` (the distinct lower-cased 2-character
substrings) for terms of 2 characters, which trigrams cannot serve.

SQLite: an FTS5 table with the trigram tokenizer (external content: the name is not
stored twice) and a contentless FTS5 table of bigram tokens, both kept in sync by
triggers. The triggers call `credit_bigrams`, a Python function the credit app
registers on every SQLite connection (yiwang.credit.apps).

Any other database gets no index; the search then scans.
"""

from typing import Any

from django.db import migrations

POSTGRES_FORWARD = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    """
CREATE OR REPLACE FUNCTION credit_bigrams(t text) RETURNS text[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT coalesce(array_agg(DISTINCT substr(lower(t), i, 2)), '{}'::text[])
  FROM generate_series(1, char_length(t) - 1) AS i
$$
""",
    "CREATE INDEX IF NOT EXISTS credit_enterprise_name_trgm "
    "ON credit_enterprise USING gin (name gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS credit_enterprise_name_bigram "
    "ON credit_enterprise USING gin (credit_bigrams(name))",
    # The planner's estimate of how many names contain a term decides between the index
    # and a scan that stops at the LIMIT: a finer histogram makes it right more often.
    "ALTER TABLE credit_enterprise ALTER COLUMN name SET STATISTICS 1000",
]

POSTGRES_BACKWARD = [
    "DROP INDEX IF EXISTS credit_enterprise_name_bigram",
    "DROP INDEX IF EXISTS credit_enterprise_name_trgm",
    "DROP FUNCTION IF EXISTS credit_bigrams(text)",
    # pg_trgm stays: other apps may use it, and dropping it needs more rights.
]

SQLITE_FORWARD = [
    "CREATE VIRTUAL TABLE credit_enterprise_trgm USING fts5("
    "name, content='credit_enterprise', content_rowid='id', tokenize='trigram')",
    "CREATE VIRTUAL TABLE credit_enterprise_bigram USING fts5("
    "grams, content='', tokenize='unicode61 remove_diacritics 0')",
    """
CREATE TRIGGER credit_enterprise_search_ai AFTER INSERT ON credit_enterprise BEGIN
  INSERT INTO credit_enterprise_trgm(rowid, name) VALUES (new.id, new.name);
  INSERT INTO credit_enterprise_bigram(rowid, grams)
    VALUES (new.id, credit_bigrams(new.name));
END
""",
    """
CREATE TRIGGER credit_enterprise_search_ad AFTER DELETE ON credit_enterprise BEGIN
  INSERT INTO credit_enterprise_trgm(credit_enterprise_trgm, rowid, name)
    VALUES ('delete', old.id, old.name);
  INSERT INTO credit_enterprise_bigram(credit_enterprise_bigram, rowid, grams)
    VALUES ('delete', old.id, credit_bigrams(old.name));
END
""",
    """
CREATE TRIGGER credit_enterprise_search_au AFTER UPDATE OF name ON credit_enterprise
BEGIN
  INSERT INTO credit_enterprise_trgm(credit_enterprise_trgm, rowid, name)
    VALUES ('delete', old.id, old.name);
  INSERT INTO credit_enterprise_bigram(credit_enterprise_bigram, rowid, grams)
    VALUES ('delete', old.id, credit_bigrams(old.name));
  INSERT INTO credit_enterprise_trgm(rowid, name) VALUES (new.id, new.name);
  INSERT INTO credit_enterprise_bigram(rowid, grams)
    VALUES (new.id, credit_bigrams(new.name));
END
""",
]

SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS credit_enterprise_search_au",
    "DROP TRIGGER IF EXISTS credit_enterprise_search_ad",
    "DROP TRIGGER IF EXISTS credit_enterprise_search_ai",
    "DROP TABLE IF EXISTS credit_enterprise_bigram",
    "DROP TABLE IF EXISTS credit_enterprise_trgm",
]


def _run(statements_by_vendor: dict[str, list[str]]) -> Any:
    def run(apps: Any, schema_editor: Any) -> None:
        for sql in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("credit", "0001_initial")]

    operations = [
        migrations.RunPython(
            _run({"postgresql": POSTGRES_FORWARD, "sqlite": SQLITE_FORWARD}),
            _run({"postgresql": POSTGRES_BACKWARD, "sqlite": SQLITE_BACKWARD}),
            elidable=False,
        ),
    ]
