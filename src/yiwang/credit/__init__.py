"""Enterprise credit information publicity (企业信用信息公示; docs/credit.md).

The domain: `models`, `choices`, `rules`, `conf`; the writers in `services`, the
scoped reads in `selectors` (the name search in `search`); the API in `api`, the
periodic sweeps in `tasks`. Beside it, importing it and never imported by it:
`ingest` (the bulk load) and `demo` (the synthetic registry and the demo seed). The
pages under /credit/ are the portal's (`portal.views_credit`), as every app's are.
"""
