"""Instrumentation from the inside, loaded before the script by ``trainbell-autoload.pth`` when
``TRAINBELL_JOB`` is set (``trainbell run`` sets it for the command it runs).

Why a ``.pth`` file: ``trainbell run -- python train.py`` starts any interpreter of any environment, and
only a file installed with the package is found by that interpreter without ``run`` knowing where the
package lives; a ``sitecustomize`` directory on ``PYTHONPATH`` (as ``opentelemetry-instrument`` does) would
need that path, and would hide a ``sitecustomize`` the user already has. The ``.pth`` line imports nothing
when ``TRAINBELL_JOB`` is unset, so an installed package never changes a Python start-up by itself.

What it does, and nothing more:

- uncaught exceptions (``sys.excepthook``, ``threading.excepthook``) are reported as typed errors with
  their traceback, then handed to the previous hook (the traceback still prints);
- the framework's callback is added when a trainer is built: Transformers through the ``CallbackHandler``
  every ``Trainer`` builds, Keras through ``Model.fit``'s ``callbacks`` argument, Lightning through its
  ``callbacks_factory`` entry point (``trainbell.lightning.callbacks_factory``).

It tells ``trainbell run`` what it covers (see ``_runlink``), so that run's output parser stands down for
it and nothing is reported twice.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import importlib.util
import os
import sys
import threading
from types import ModuleType
from typing import Any, Callable, Dict, Optional, Sequence

from . import _runlink

_client: Optional[Any] = None
_client_lock = threading.Lock()


def client() -> Any:
    """The one client of the run's job (``TRAINBELL_JOB``)."""
    global _client
    with _client_lock:
        if _client is None:
            from .client import Client

            _client = Client(os.environ.get("TRAINBELL_JOB") or None)
        return _client


# -- uncaught exceptions ---------------------------------------------------------------------------------

def _report_uncaught(exc: BaseException) -> None:
    try:
        from ._watch import report

        bell = client()
        report(bell, exc)
        bell.flush()
    except Exception:  # reporting must never hide the real exception
        pass


_previous_excepthook = sys.excepthook


def _excepthook(kind: Any, exc: BaseException, tb: Any) -> None:
    if exc is not None and not isinstance(exc, SystemExit):
        _report_uncaught(exc)
    _previous_excepthook(kind, exc, tb)


_previous_threading_excepthook = threading.excepthook


def _threading_excepthook(args: Any) -> None:
    if args.exc_value is not None and not isinstance(args.exc_value, SystemExit):
        name = args.thread.name if args.thread is not None else "a thread"
        from ._classify import classify

        classified = classify(args.exc_value)
        if classified is not None:
            kind, message, details = classified
            bell = client()
            bell.error("in thread %s: %s" % (name, message), type=kind, details=details)
            bell.flush()
    _previous_threading_excepthook(args)


# -- framework hooks ----------------------------------------------------------------------------------------

def _transformers(module: ModuleType) -> None:
    handler = getattr(module, "CallbackHandler", None)
    if handler is None or getattr(handler.__init__, "_trainbell", False):
        return
    original = handler.__init__

    def __init__(self: Any, callbacks: Sequence[Any], *args: Any, **kwargs: Any) -> None:
        original(self, callbacks, *args, **kwargs)
        try:
            from .transformers import TrainBellCallback

            if not any(isinstance(c, TrainBellCallback) for c in self.callbacks):
                self.add_callback(TrainBellCallback(client=client()))
        except Exception:
            pass

    __init__._trainbell = True  # type: ignore[attr-defined]
    handler.__init__ = __init__


def _keras(module: ModuleType) -> None:
    model = getattr(module, "Model", None)
    fit = getattr(model, "fit", None)
    if model is None or fit is None or getattr(fit, "_trainbell", False):
        return

    def wrapped_fit(self: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            from .keras import TrainBellCallback

            callbacks = list(kwargs.get("callbacks") or [])
            if not any(isinstance(c, TrainBellCallback) for c in callbacks):
                callbacks.append(TrainBellCallback(client=client()))
            kwargs["callbacks"] = callbacks
        except Exception:
            pass
        return fit(self, *args, **kwargs)

    wrapped_fit._trainbell = True  # type: ignore[attr-defined]
    wrapped_fit.__doc__ = fit.__doc__
    model.fit = wrapped_fit


_HOOKS: Dict[str, Callable[[ModuleType], None]] = {
    "transformers.trainer_callback": _transformers,
    "keras": _keras,
}


class _AfterImport(importlib.abc.Loader):
    """Runs the module's own loader, then trainbell's hook."""

    def __init__(self, loader: Any, hook: Callable[[ModuleType], None]) -> None:
        self._loader = loader
        self._hook = hook

    def create_module(self, spec: Any) -> Optional[ModuleType]:
        return self._loader.create_module(spec)

    def exec_module(self, module: ModuleType) -> None:
        self._loader.exec_module(module)
        try:
            self._hook(module)
        except Exception:
            pass

    def __getattr__(self, name: str) -> Any:
        return getattr(self._loader, name)


class _Finder(importlib.abc.MetaPathFinder):
    """Finds nothing itself: wraps the loader of the modules trainbell hooks into."""

    def __init__(self) -> None:
        self._busy: set = set()

    def find_spec(self, name: str, path: Any = None, target: Any = None) -> Any:
        hook = _HOOKS.get(name)
        if hook is None or name in self._busy:
            return None
        self._busy.add(name)
        try:
            for finder in sys.meta_path:
                if finder is self or not hasattr(finder, "find_spec"):
                    continue
                spec = finder.find_spec(name, path, target)
                if spec is not None:
                    break
            else:
                return None
        finally:
            self._busy.discard(name)
        if spec.loader is not None and hasattr(spec.loader, "exec_module"):
            spec.loader = _AfterImport(spec.loader, hook)
        return spec


def install() -> None:
    """Installs the hooks once (also for frameworks imported already)."""
    if getattr(sys, "_trainbell_instrumented", False):
        return
    sys._trainbell_instrumented = True  # type: ignore[attr-defined]
    sys.excepthook = _excepthook
    threading.excepthook = _threading_excepthook
    for name, hook in _HOOKS.items():
        if name in sys.modules:
            hook(sys.modules[name])
    sys.meta_path.insert(0, _Finder())
    _runlink.announce("covers errors", os.environ.get("TRAINBELL_JOB", ""))


install()
