"""Sensors: new export files in the inbox start one run per platform for the dates they cover."""

import json

import dagster as dg

from ingestion import inbox
from ingestion.platforms import PLATFORMS
from ingestion.platforms.export_files import check_export
from orchestration.dbt_assets import socialmart_dbt
from orchestration.ingestion_assets import platform_assets
from orchestration.partitions import range_tags
from orchestration.publish_assets import PUBLISHED_KEY
from orchestration.resources import SocialmartSettings

EXPORT_PLATFORMS = [key for key, info in PLATFORMS.items() if info.delivery == "export"]


def downstream_of(platform: str) -> list[dg.AssetKey]:
    """The platform's raw assets, every dbt model and the publish step."""
    own = [k for a in platform_assets for k in a.keys if k.path[1] == platform]
    return [*own, *socialmart_dbt.keys, PUBLISHED_KEY]


def build_inbox_sensor(platform: str) -> dg.SensorDefinition:
    @dg.sensor(
        name=f"inbox_{platform}",
        job_name="daily_pipeline",
        minimum_interval_seconds=60,
        default_status=dg.DefaultSensorStatus.RUNNING,
        description=f"New files in inbox/{platform}/ → one run over the business dates they "
        "cover (a range run: one dbt build and one publish, however many days); unreadable "
        f"files are moved to inbox/{platform}/rejected/ with the reason.",
    )
    def _sensor(context: dg.SensorEvaluationContext, settings: SocialmartSettings):
        seen = json.loads(context.cursor) if context.cursor else {}
        kinds = PLATFORMS[platform].exports or {}
        # the scheduled load's own check: both paths accept and reject the same files
        folder = settings.paths().inbox / platform
        found = inbox.scan(
            folder,
            seen,
            lambda path: check_export(path, kinds, inbox.account_of(folder, path)).digests,
        )
        for name, reason in found.rejected.items():
            context.log.warning(f"rejected {platform} export {name}: {reason}")
        days = sorted({d for dates in found.new.values() for d in dates})
        stamp = "|".join(f"{n}@{found.fingerprints[n]}" for n in sorted(found.new))
        requests = []
        if days:
            # One run from the first to the last new day: days between them are refetched
            # too, which replaces them with the same rows (every load replaces its day).
            requests.append(
                dg.RunRequest(
                    run_key=f"{platform}:{days[0]}..{days[-1]}:{stamp}",
                    asset_selection=downstream_of(platform),
                    tags={
                        **range_tags(days[0], days[-1]),
                        "socialmart/trigger": f"inbox:{platform}",
                    },
                )
            )
        cursor = json.dumps(found.fingerprints, sort_keys=True)
        if not requests:
            return dg.SensorResult(
                skip_reason=f"no new readable files in inbox/{platform}/", cursor=cursor
            )
        return dg.SensorResult(run_requests=requests, cursor=cursor)

    return _sensor


inbox_sensors = [build_inbox_sensor(p) for p in EXPORT_PLATFORMS]
