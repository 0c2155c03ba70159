"""Errors of the local Durable host. Each carries the HTTP status the management API answers with.

DurableHostError (500)
├── FunctionLoadError        the app directory holds no usable v2-model function app
├── InvalidRequestError      bad instance id, unknown function, body not JSON (400)
├── InstanceNotFoundError    no such instance (404)
├── InstanceExistsError      an instance with this id is running (409)
└── InstanceFinishedError    the instance completed, failed or was terminated (410)
"""

from __future__ import annotations

__all__ = [
    "DurableHostError",
    "FunctionLoadError",
    "InstanceExistsError",
    "InstanceFinishedError",
    "InstanceNotFoundError",
    "InvalidRequestError",
]


class DurableHostError(Exception):
    """Root of the local Durable host's errors."""

    status = 500


class FunctionLoadError(DurableHostError):
    """The app directory or object holds no usable v2-model function app."""


class InvalidRequestError(DurableHostError):
    """Bad instance id, unknown function, malformed input (HTTP 400)."""

    status = 400


class InstanceNotFoundError(DurableHostError):
    """No such instance (HTTP 404)."""

    status = 404


class InstanceExistsError(DurableHostError):
    """An instance with this id is already running (HTTP 409)."""

    status = 409


class InstanceFinishedError(DurableHostError):
    """The instance already completed, failed or was terminated (HTTP 410)."""

    status = 410
