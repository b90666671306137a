"""The access walk needs the cases world and a registry entry of the credit app: their
fixtures, shared rather than copied (each stays defined once, in its app's conftest)."""

from tests.cases.conftest import api, calendar, world  # noqa: F401
from tests.credit.conftest import demo_registry, make_enterprise  # noqa: F401
