"""Parts together: the simulator on loopback, in-process Dagster of a part, dbt on
hand-made or generated data, a browser on a generated site."""
