"""The API's domain errors: what a service refuses, as the HTTP status it means.

Services raise these (never `HTTPException`); `problems.py` turns them into problem details
(`application/problem+json` with `status` and `detail` = the message).
"""

from __future__ import annotations

from typing import ClassVar

from genolake_core.errors import GenoLakeError


class ApiError(GenoLakeError):
    """Base class of the API's errors; `status` is the HTTP status it answers with."""

    status: ClassVar[int] = 500


class InvalidRequestError(ApiError):
    """The request names something the resource does not have (an unknown filter, a bad file name)."""

    status = 400


class UnauthorizedError(ApiError):
    """No bearer token, or one that is malformed, unknown or revoked."""

    status = 401


class ForbiddenError(ApiError):
    """The caller may not do this (e.g. submit for another uploader)."""

    status = 403


class NotFoundError(ApiError):
    """No such resource, or one the caller may not see (other users' resources are not confirmed)."""

    status = 404


class ConflictError(ApiError):
    """The resource's state refuses the request now (a batch id in use, runs in flight)."""

    status = 409


class PayloadTooLargeError(ApiError):
    status = 413


class UnprocessableError(ApiError):
    """A well-formed request whose content is invalid (e.g. a manifest that fails validation)."""

    status = 422


class UnavailableError(ApiError):
    """A backend (S3, Mongo) did not answer or refused; the client may retry."""

    status = 503
