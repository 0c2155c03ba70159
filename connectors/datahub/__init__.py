"""The ``datahub`` connector: DataHub (Acryl) metadata from MCE/MCP files, GraphQL pull or MCP/MCL push.

No I/O beyond reading the configured files or calling the configured GraphQL endpoint.
"""

from connectors.datahub.config import DataHubConfig
from connectors.datahub.connector import DataHubConnector
from connectors.datahub.graphql import DataHubAuthError, DataHubError, DataHubGraphQLError

__all__ = ["DataHubAuthError", "DataHubConfig", "DataHubConnector", "DataHubError", "DataHubGraphQLError"]
