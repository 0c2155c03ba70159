"""The Durable Functions app: combines one blueprint per package, nothing else."""

import azure.durable_functions as df
import azure.functions as func

from triggers.http_api import bp as http_api

app = df.DFApp(http_auth_level=func.AuthLevel.FUNCTION)
app.register_functions(http_api)
