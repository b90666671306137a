"""HTTP API of the credit app (paths as in shared/design/interfaces.md)."""

from ninja import Router

router = Router(tags=["credit"])
