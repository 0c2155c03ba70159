"""HTTP starter on a blueprint (FUNCTION auth, like production; local routes are anonymous)."""

import azure.durable_functions as df
import azure.functions as func

bp = df.Blueprint()


@bp.route(route="onboard", methods=["POST"])
@bp.durable_client_input(client_name="client")
async def onboard(req: func.HttpRequest, client: df.DurableOrchestrationClient) -> func.HttpResponse:
    instance_id = await client.start_new("onboarding", None, req.get_json())
    response: func.HttpResponse = client.create_check_status_response(req, instance_id)
    return response
