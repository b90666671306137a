"""The text side of the name search: how names and queries are turned into index terms.

PostgreSQL: `name` has a pg_trgm GIN index (terms of 3+ characters) and a GIN index
on `credit_bigrams(name)`, an SQL function giving the distinct lower-cased
2-character substrings (terms of exactly 2 characters: trigrams cannot serve them).

SQLite: an FTS5 table with the trigram tokenizer over `name` (external content,
kept in sync by triggers) serves 3+ characters; a contentless FTS5 table of bigram
tokens serves 2 characters. Its tokens come from `bigram_tokens()`, registered as
the SQL function `credit_bigrams` on every SQLite connection so the triggers can
call it. Each bigram is written as 12 hex digits (two code points, 6 digits each):
unicode61 sees one alphanumeric token whatever the characters — `%`, `（`, a quote
— so a 2-character query is one exact token match.
"""

from __future__ import annotations

#: The SQL function the triggers (SQLite) and the expression index (PostgreSQL) call.
BIGRAM_FUNCTION = "credit_bigrams"


def bigram_token(pair: str) -> str:
    """The FTS token of one 2-character string (lower-cased as the index is)."""
    return "".join(f"{ord(c):06x}" for c in pair.lower())


def bigram_tokens(name: str | None) -> str:
    """All 2-character substrings of `name` as space-separated tokens (for SQLite)."""
    if not name:
        return ""
    low = name.lower()
    return " ".join(dict.fromkeys(bigram_token(low[i : i + 2]) for i in range(len(low) - 1)))


def fts_phrase(term: str) -> str:
    """An FTS5 query matching `term` literally: one double-quoted string, quotes doubled.

    Inside an FTS5 string nothing is an operator: `%`, `_`, `*`, `-`, `AND`, `NEAR`
    are all just characters.
    """
    return '"' + term.replace('"', '""') + '"'


def like_escape(term: str) -> str:
    """`term` with LIKE's wildcards escaped (escape character: backslash)."""
    return term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
