"""``trainbell.watch``: a job around a block of code or a function."""

from __future__ import annotations

import functools
from typing import Any, Callable, Optional, TypeVar

from . import _classify
from .client import Client

F = TypeVar("F", bound=Callable[..., Any])


class watch:
    """Starts the job, completes it when the block (or the decorated function) returns, and on an
    exception reports it (typed as ``trainbell run`` types errors, the whole traceback behind "View
    Details") and re-raises it. ``KeyboardInterrupt`` cancels the job instead::

        with trainbell.watch("llama-lora", title="Llama LoRA", total=1000) as bell:
            for step in range(1000):
                train_step()
                bell.progress(step + 1)
    """

    def __init__(self, job: Optional[str] = None, *, title: Optional[str] = None, total: Optional[int] = None,
                 app_id: Optional[str] = None, strict: bool = False) -> None:
        self._arguments = dict(job=job, title=title, total=total, app_id=app_id, strict=strict)
        self.client: Optional[Client] = None

    def __enter__(self) -> Client:
        self.client = Client(**self._arguments)  # type: ignore[arg-type]
        return self.client.start()

    def __exit__(self, kind: Any, exc: Optional[BaseException], tb: Any) -> bool:
        client = self.client
        assert client is not None
        if exc is None:
            client.complete()
        else:
            report(client, exc)
        client.flush()
        return False

    def __call__(self, function: F) -> F:
        @functools.wraps(function)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with watch(**self._arguments):  # type: ignore[arg-type]
                return function(*args, **kwargs)

        return wrapper  # type: ignore[return-value]


def report(client: Client, exc: BaseException) -> None:
    """Reports ``exc`` on ``client``: a cancel for Ctrl-C, else a typed error with its traceback."""
    classified = _classify.classify(exc)
    if classified is None:
        client.cancel()
        return
    kind, message, details = classified
    client.error(message, type=kind, details=details)
