"""Import the dashboard bundle with Superset's assets import, which overwrites everything
(database, datasets, charts, dashboard) by UUID: the files in ``bi/`` win over what the
metadata holds. (``superset import-dashboards`` keeps existing charts and datasets as
they were, so an edited chart would never reach a running home.)

Run by ``superset_ctl.py`` with Superset's environment: ``python import_bundle.py ZIP USER``.
"""

from __future__ import annotations

import sys
from zipfile import ZipFile

from superset.app import create_app


def main(bundle: str, username: str) -> None:
    app = create_app()
    with app.app_context():
        # Superset's modules need the app context before they are imported
        from superset import security_manager
        from superset.commands.importers.v1.assets import ImportAssetsCommand
        from superset.commands.importers.v1.utils import get_contents_from_bundle
        from superset.utils.core import override_user

        with ZipFile(bundle) as opened:
            contents = get_contents_from_bundle(opened)
        with override_user(security_manager.find_user(username=username)):
            ImportAssetsCommand(contents).run()


if __name__ == "__main__":
    main(*sys.argv[1:3])
