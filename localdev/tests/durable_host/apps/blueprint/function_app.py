"""An app laid out like this project's: the app only registers blueprints from other modules."""

import azure.durable_functions as df
import azure.functions as func
from bp_flows import bp as flows_bp
from bp_http import bp as http_bp

app = df.DFApp(http_auth_level=func.AuthLevel.FUNCTION)
app.register_functions(flows_bp)
app.register_functions(http_bp)
