"""Serving: publishing the validated marts, alert delivery, reports. Plain Python: never
imports Dagster or orchestration (tests/unit/test_layering.py)."""
