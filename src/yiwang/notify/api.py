"""HTTP API of the notify app: the applicant's message centre."""

from ninja import Router

router = Router(tags=["messages"])
