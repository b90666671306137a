"""Bulk import of licenses from another system (`yiwang licenses import FILE`; issue 11
item 8, docs/licenses.md "Bulk import", decision 0021).

The shape is credit's bulk loader (`credit.ingest.loader`), copied because the two apps
are peers: the file (CSV with a header row, or JSON lines) is read as a stream in
batches; each batch is one transaction that inserts its rows *and* advances the
import's checkpoint (`LicenseImport.byte_offset`), so an import killed at any moment
resumes after its last committed batch. Rows are keyed by their identifier — given in
the file or made from (type, issuer, license number, version) by the one identifier
function, `common.validators.make_license_id` — and a row already in the library is
counted `existing`, never written again: a second run imports nothing twice, and a
signed version is never rewritten by a later extract (a change is a new version,
`services.new_version`). A file imported completely is recognised by its fingerprint
and skipped unless `again=True`.

Bad rows go to a rejects file (JSON lines: line, reason, the row) while the rest loads;
the rejects file's size is part of the checkpoint, so a batch re-read after a crash is
not reported twice. One audit event per batch (what it inserted, up to which line), not
per row: the file is the row-level provenance, as in credit.

Each batch is signed before it commits (`--no-sign`: left to the resumable signing job,
`licenses.jobs`). The work per row — parse, check, canonical encoding, digest, SM2
signature, the row as COPY text — is done in a pool of one process per core
(`ingest.work`), fed raw records; the parent only cuts the file into records, streams
the ready rows to the database and moves the checkpoint (decision 0021). Each imported
row is on the change feed as `issued` (the job adds `signed`).
"""

from yiwang.licenses.ingest.loader import (
    BATCH_SIZE,
    ImportReport,
    crash_hook,
    die_if,
    import_file,
)
from yiwang.licenses.ingest.rows import Context, Row, RowRejected, clean_row
from yiwang.licenses.ingest.signer import Signer
from yiwang.licenses.ingest.writing import insert_rows

__all__ = [
    "BATCH_SIZE",
    "Context",
    "ImportReport",
    "Row",
    "RowRejected",
    "Signer",
    "clean_row",
    "crash_hook",
    "die_if",
    "import_file",
    "insert_rows",
]
