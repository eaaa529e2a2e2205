"""Superset's configuration for the socialmart dashboard (read through SUPERSET_CONFIG_PATH).

Everything Superset keeps (its SQLite metadata, the secret key) lives under the home's
``bi/`` folder, named by SOCIALMART_BI_DIR, which ``bi/superset_ctl.py`` sets.
"""

import os
from pathlib import Path

_BI_DIR = Path(os.environ["SOCIALMART_BI_DIR"])

SQLALCHEMY_DATABASE_URI = f"sqlite:///{_BI_DIR / 'superset.db'}"
SECRET_KEY = (_BI_DIR / "secret_key").read_text().strip()

# the data team reads Chinese; English stays selectable
BABEL_DEFAULT_LOCALE = "zh"
LANGUAGES = {"zh": {"flag": "cn", "name": "简体中文"}, "en": {"flag": "us", "name": "English"}}

# no result cache: a publish that replaces the mart is seen on the next refresh
CACHE_CONFIG = {"CACHE_TYPE": "NullCache"}
DATA_CACHE_CONFIG = {"CACHE_TYPE": "NullCache"}

# local only (127.0.0.1, plain HTTP): no HTTPS headers, no welcome tours, no telemetry
TALISMAN_ENABLED = False
SESSION_COOKIE_SECURE = False
# the "last day of the range" filters read the range through Jinja and find the day with a
# sub-query (bi/dashboard.py); the one database is the published mart, read-only
# and every chart of a page is drawn at once (26 charts), not only those scrolled into view
FEATURE_FLAGS = {
    "ENABLE_TEMPLATE_PROCESSING": True,
    "ALLOW_ADHOC_SUBQUERY": True,
    "DASHBOARD_VIRTUALIZATION": False,
}
ROW_LIMIT = 50000
