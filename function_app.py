"""The Durable Functions app: combines one blueprint per module, nothing else."""

import azure.durable_functions as df
import azure.functions as func

from activities.catalogs import bp as catalog_activities
from activities.deletion import bp as deletion_activities
from activities.extract import bp as extract_activities
from activities.manifests import bp as manifest_activities
from activities.plan import bp as plan_activities
from activities.upsert import bp as upsert_activities
from entities.functions import bp as entities
from orchestrators.cleanup import bp as cleanup
from orchestrators.ingest_events import bp as ingest_events
from orchestrators.sync_catalog import bp as sync_catalog
from orchestrators.upsert_chunk import bp as upsert_chunk
from triggers.http_api import bp as http_api
from triggers.push import bp as push
from triggers.schedules import bp as schedules

app = df.DFApp(http_auth_level=func.AuthLevel.FUNCTION)
for blueprint in (
    http_api,
    schedules,
    push,
    sync_catalog,
    upsert_chunk,
    cleanup,
    ingest_events,
    extract_activities,
    plan_activities,
    manifest_activities,
    upsert_activities,
    deletion_activities,
    catalog_activities,
    entities,
):
    app.register_functions(blueprint)
