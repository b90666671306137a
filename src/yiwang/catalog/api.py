"""HTTP API of the catalog app (paths as in shared/design/interfaces.md)."""

from ninja import Router

router = Router(tags=["catalog"])
