"""What "good data" means, and where each kind of check lives.

One rule for checks:

- Shape and contract checks of a dbt model (its key is unique, a column is not null, a
  value is one of a set, a foreign key has its row: ``unique``/``unique_combination``,
  ``not_null``, ``accepted_values``, ``relationships``) are dbt tests in the YAML beside
  the model. Platform keys are checked against the generated seed ``platforms``, so a
  platform added to the platform table is accepted everywhere at once.
- The GX suites in ``suites/`` hold what spans tables or judges business values: orphan
  keys across the marts, coverage, row volume, ranges and plausibility of numbers, dates
  that cannot be in the future, and the checks on raw landed records (raw is JSON that
  dbt does not type; a key landed twice is hidden by staging's latest-load rule, so it is
  caught there). They block publishing and show the failing rows.
- The PII scan (``pii.py``) is the privacy gate.

A rule is checked in one of them, never in both.
"""
