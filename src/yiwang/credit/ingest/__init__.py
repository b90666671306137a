"""Ingest: the bulk load of registry and disclosure records from files (CSV, JSON
lines) into the credit tables — cleaning each row, upserting in batches, one audit
event per run. Imports the domain (models, choices, cleaning); the domain never
imports it."""
