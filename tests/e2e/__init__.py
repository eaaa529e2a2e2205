"""The whole pipeline: every step in one run, the Dagster UI, killed runs (marker e2e)."""
