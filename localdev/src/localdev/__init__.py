"""Everything to run the app on one machine: the local Durable host, the Purview Data Map emulator, the
Kafka bridge and the ``python -m localdev`` CLI.

Never imported by the deployed function app.
"""
