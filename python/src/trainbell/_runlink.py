"""What the instrumented interpreter tells the `trainbell run` that started it.

`trainbell run` passes the write end of a pipe as ``TRAINBELL_RUN_FD``. One line per fact:

- ``covers errors``: uncaught exceptions are reported from the inside (run stops reporting the errors it
  reads in the output, and the exit's error unless the process dies without an exception);
- ``covers progress``: a framework callback reports exact steps (run stops parsing bars);
- ``started``: the job was started from the inside (run does not start it again);
- ``ended``: the job was completed, failed or cancelled from the inside (run adds no end of its own).

Nothing here may fail a training: a closed or missing pipe is ignored.
"""

from __future__ import annotations

import os
import threading
from typing import Set

_lock = threading.Lock()
_said: Set[str] = set()


def _fd() -> int:
    try:
        return int(os.environ.get("TRAINBELL_RUN_FD", ""))
    except ValueError:
        return -1


def active_job() -> str:
    """The job of the `trainbell run` this interpreter runs under ("" when none)."""
    return os.environ.get("TRAINBELL_JOB", "") if _fd() >= 0 else ""


def announce(fact: str, job: str) -> None:
    """Tells run ``fact`` once, when ``job`` is run's job."""
    fd = _fd()
    if fd < 0 or not job or job != os.environ.get("TRAINBELL_JOB"):
        return
    with _lock:
        if fact in _said and fact != "ended":
            return
        _said.add(fact)
        try:
            os.write(fd, (fact + "\n").encode())
        except OSError:
            pass
