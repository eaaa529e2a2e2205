"""Pure logic: no simulator, no Dagster run, no dbt build."""
