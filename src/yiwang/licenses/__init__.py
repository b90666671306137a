"""电子证照库: license types, SM2-signed licenses with GB/T 36904 identifiers, QR payloads
that verify offline, verification log, change feed (issue 11; docs/licenses.md)."""
