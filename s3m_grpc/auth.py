"""The S3M token: where it comes from, and a holder that never shows it.

Resolution order (first hit wins):

1. the ``token`` argument;
2. the ``S3M_TOKEN`` environment variable;
3. a curl-style header file, ``Authorization: <token>`` (the ``.env`` OLCF recommends for
   ``curl -H @.env``), named by the ``token_file`` argument or the ``S3M_TOKEN_FILE`` variable.

The token is sent raw as the ``authorization`` header/metadata, with no ``Bearer`` prefix, exactly
as S3M's REST API takes it.
"""

from __future__ import annotations

import contextlib
import logging
import os
import stat
from pathlib import Path

from s3m_grpc.errors import ConfigurationError

log = logging.getLogger("s3m_grpc.auth")

TOKEN_ENV = "S3M_TOKEN"  # noqa: S105 - the variable's name, not a secret
TOKEN_FILE_ENV = "S3M_TOKEN_FILE"  # noqa: S105
_HEADER = "authorization"


class Token:
    """A secret that repr(), str() and f-strings never reveal; ``reveal()`` returns it."""

    __slots__ = ("_source", "_value")

    def __init__(self, value: str, *, source: str = "argument") -> None:
        value = value.strip()
        if not value:
            raise ConfigurationError("the S3M token is empty")
        # A header value must be one line of visible ASCII: anything else is a paste accident
        # (a trailing newline inside, a smart quote) or an attempt to inject a second header.
        if any(not (0x21 <= ord(c) <= 0x7E) for c in value):
            raise ConfigurationError(f"the S3M token from {source} has characters a header cannot carry")
        self._value = value
        self._source = source

    @property
    def source(self) -> str:
        """Where the token came from ("argument", "S3M_TOKEN", or a file path)."""
        return self._source

    def reveal(self) -> str:
        """The token itself, for the one place that sends it."""
        return self._value

    def __repr__(self) -> str:
        return f"Token(<hidden>, source={self._source!r})"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Token) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)

    def __reduce__(self) -> tuple[object, ...]:
        raise TypeError("Token is not picklable, so that it cannot end up in a file by accident")


def read_header_file(path: str | os.PathLike[str]) -> Token:
    """Read ``Authorization: <token>`` (or a bare token) from a file; warn if others can read it."""
    file = Path(path).expanduser()
    try:
        mode = file.stat().st_mode
        text = file.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigurationError(f"cannot read the token file {file}: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise ConfigurationError(f"the token file {file} is not UTF-8 text") from None
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        log.warning(
            "token file %s is readable by group or others (mode %o); run: chmod 600 %s",
            file,
            stat.S_IMODE(mode),
            file,
        )
    lines = [line.strip() for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    for line in lines:
        name, sep, value = line.partition(":")
        if sep and name.strip().lower() == _HEADER:
            return Token(value, source=str(file))
    if len(lines) == 1 and ":" not in lines[0]:
        return Token(lines[0], source=str(file))  # a bare token
    raise ConfigurationError(f"no 'Authorization: <token>' line in {file}")


def resolve_token(
    token: str | Token | None = None,
    *,
    token_file: str | os.PathLike[str] | None = None,
    required: bool = True,
) -> Token | None:
    """Find the token: the argument, an explicit ``token_file``, ``S3M_TOKEN``, then ``S3M_TOKEN_FILE``.

    What the caller names explicitly (an argument, a file) beats the environment, so that a stale
    ``S3M_TOKEN`` cannot silently win over ``--token-file``.
    """
    if isinstance(token, Token):
        return token
    if token:
        return Token(token, source="argument")
    if token_file:
        return read_header_file(token_file)
    if os.environ.get(TOKEN_ENV, "").strip():
        return Token(os.environ[TOKEN_ENV], source=TOKEN_ENV)
    path = os.environ.get(TOKEN_FILE_ENV) or None
    if path:
        return read_header_file(path)
    if required:
        raise ConfigurationError(
            f"no S3M token (looked for: the token argument, token_file / s3m --token-file, ${TOKEN_ENV}, "
            f"${TOKEN_FILE_ENV}): set {TOKEN_ENV}, or point {TOKEN_FILE_ENV} at a 0600 file holding "
            "'Authorization: <token>' (tokens are made on myOLCF, Token Management)"
        )
    return None


def secret_values() -> set[str]:
    """The token values this process could send: ``S3M_TOKEN`` and the ``S3M_TOKEN_FILE`` file's.

    ``--export=ALL`` must not copy them into a job's environment under any name.
    """
    values = set()
    if os.environ.get(TOKEN_ENV, "").strip():
        values.add(os.environ[TOKEN_ENV].strip())
    path = os.environ.get(TOKEN_FILE_ENV)
    if path:
        with contextlib.suppress(ConfigurationError):  # a bad file fails where it is used instead
            values.add(read_header_file(path).reveal())
    return values


__all__ = ["TOKEN_ENV", "TOKEN_FILE_ENV", "Token", "read_header_file", "resolve_token", "secret_values"]
