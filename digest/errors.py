"""One error tree for everything a user can be told about.

Each error carries the CLI exit code and the HTTP status it maps to, and its message is written
for the person reading it: what went wrong and what to do next, on one line.
"""

from __future__ import annotations


class DigestError(Exception):
    """Base of every error digest reports to a user."""

    exit_code = 1
    http_status = 500

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class ConfigError(DigestError):
    """The configuration file or an environment override is invalid."""

    exit_code = 2
    http_status = 500


class InputError(DigestError):
    """The input cannot be turned into articles; the user has to change something."""

    exit_code = 2
    http_status = 422


class InputNotFound(InputError):
    http_status = 404


class EmptyInput(InputError):
    pass


class InputTooLarge(InputError):
    http_status = 413


class BinaryInput(InputError):
    http_status = 415


class UndecodableText(InputError):
    http_status = 415


class BrokenPdf(InputError):
    pass


class ScannedPdf(InputError):
    pass


class NoArticles(InputError):
    pass


class FetchError(DigestError):
    """A URL could not be fetched; often temporary, so it has its own exit code."""

    exit_code = 3
    http_status = 502


class SummariseError(DigestError):
    """A summariser failed on an article."""

    exit_code = 1
    http_status = 500
