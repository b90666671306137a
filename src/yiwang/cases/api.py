"""HTTP API of the cases app (paths as in shared/design/interfaces.md)."""

from ninja import Router

router = Router(tags=["cases"])
