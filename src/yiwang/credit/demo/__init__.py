"""Demo data: the synthetic Jilin registry (`synthetic`) and the demo seed built on
it (`seed`), written through `credit.ingest` and `credit.services`. Nothing in the
domain imports it; tests, benchmarks and `yiwang demo` do."""
