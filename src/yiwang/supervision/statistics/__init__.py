"""Statistics of efficiency supervision: facts per case, the daily rollup kept up to
date incrementally, and the figures read from it (decision 0024)."""
