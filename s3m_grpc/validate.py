"""Checks on request values that end up in URL paths, queries or metadata, made before sending.

Every transport gets the same verdict: a hostile job id (``../``, ``%2F``, a newline, a unicode
look-alike digit) is a ConfigurationError here, not a server's 400 on one transport and a path
traversal on another.
"""

from __future__ import annotations

import re
from typing import Any

from s3m_grpc.errors import ConfigurationError
from s3m_grpc.rpc import Rpc

# A job id: plain, an array task "123_4", or a het job component "123+1". ASCII digits only: str.isdigit
# would accept "١٢٣" (Arabic-Indic digits), which no Slurm accepts.
JOB_ID = re.compile(r"[0-9]{1,10}(?:[_+][0-9]{1,10})?", re.ASCII)
SIGNAL = re.compile(r"(?:SIG)?[A-Z0-9]{1,12}", re.ASCII)
FLAGS = re.compile(r"[A-Z_]{1,40}(?:,[A-Z_]{1,40}){0,15}", re.ASCII)
_PATTERNS = {"job_id": JOB_ID, "signal": SIGNAL, "flags": FLAGS}


def check_request(rpc: Rpc | None, request: Any) -> None:
    """Raise ConfigurationError for a path or query value that is not what Slurm accepts."""
    if rpc is None or rpc.request not in ("JobIdReq", "DeleteJobReq"):
        return
    for name, pattern in _PATTERNS.items():
        if not hasattr(request, name):
            continue
        value = getattr(request, name)
        if name != "job_id" and not value:
            continue  # optional: Slurm's default applies
        if not isinstance(value, str) or not pattern.fullmatch(value):
            shown = value[:40] if isinstance(value, str) else type(value).__name__
            raise ConfigurationError(f"invalid {name} {shown!r} for {rpc.name}")
