"""The enterprise-name search: the index's text forms (`textindex`, shared with the
migration that builds the indexes and the SQLite functions) and the per-database
reads (`queries`), which `credit.selectors` calls."""
