"""Errors of the assistant layer; the CLI and the Gradio app catch ``SoanThaoError`` at the edge."""

from index.errors import (  # noqa: F401  (re-exported: one hierarchy for the whole project)
    IndexNotFoundError,
    ModelMismatchError,
    ModelNotPreparedError,
    SoanThaoError,
    UnreadableFileError,
)


class InvalidRequestError(SoanThaoError):
    """A request (draft, lookup, compare) is missing something or contradicts itself."""


class DocumentNotFoundError(SoanThaoError):
    """A doc_id or path names no indexed document."""


class LLMUnavailableError(SoanThaoError):
    """The configured OpenAI-compatible server did not answer."""


class AccessDeniedError(SoanThaoError):
    """The logged-in account's role or unit does not allow this action (another unit's document, an admin page)."""


class AccountError(SoanThaoError):
    """An account cannot be added, changed or removed as asked (bad name, weak password, unknown user)."""
