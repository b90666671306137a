"""HTTP API of the uploads app (paths as in shared/design/interfaces.md)."""

from ninja import Router

router = Router(tags=["uploads"])
