"""Client functions: the HTTP API, timer schedules and the Event Hub push trigger.

Triggers validate input and start or query orchestrations and entities; they do no sync work themselves.
"""
