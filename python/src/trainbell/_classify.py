"""Which trainbell error type an exception is: the table `trainbell run` applies to output
(Sources/TrainBellCore/Output/ErrorLineClassifier.swift), here applied to the exception itself."""

from __future__ import annotations

import traceback
from typing import Optional, Tuple

# Phrases looked for in "ExceptionName: message", lower case, in this order (as run's table).
_RULES = (
    ("oom_error", (
        "cuda out of memory", "outofmemoryerror", "cuda error: out of memory", "resourceexhaustederror",
        "resource_exhausted", "defaultcpuallocator: can't allocate memory",
    )),
    ("cuda_error", (
        "cuda error", "cublas_status_", "cudnn_status_", "cudnn error", "nccl",
        "watchdog caught collective operation timeout",
    )),
    ("loss_divergence", (
        "loss is nan", "loss is inf", "invalid loss, terminating training", "nan loss during training",
    )),
    ("gradient_explosion", (
        "grad norm is nan", "grad norm is inf", "inf or nan in gradients", "nan or inf in gradients",
        "non-finite, so it cannot be clipped", "returned nan values in its",
        "loss scale already at minimum", "minimum loss scale reached",
    )),
)


def is_interruption(exc: BaseException) -> bool:
    """Ctrl-C: the user stopped the training, which is a cancel and not an error."""
    return isinstance(exc, KeyboardInterrupt)


def error_type(exc: BaseException) -> str:
    """The error type of ``exc``: ``oom_error`` for ``torch.cuda.OutOfMemoryError`` or "CUDA out of memory",
    ``cuda_error`` for a ``RuntimeError`` naming a CUDA error or NCCL, ``loss_divergence``,
    ``gradient_explosion``; ``MemoryError`` (and numpy's ``_ArrayMemoryError``) is ``oom_error``; anything
    else is ``system_crash`` (the training stopped on an exception nobody caught)."""
    name = type(exc).__name__
    text = ("%s: %s" % (name, exc)).lower()
    for kind, phrases in _RULES:
        if any(phrase in text for phrase in phrases):
            return kind
    if name.endswith("MemoryError"):
        return "oom_error"
    return "system_crash"


def describe(exc: BaseException) -> Tuple[str, str]:
    """The notification's message (the exception's last line) and details (the whole traceback)."""
    message = "".join(traceback.format_exception_only(type(exc), exc)).strip()
    details = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__)).rstrip()
    return message, details


def classify(exc: BaseException) -> Optional[Tuple[str, str, str]]:
    """``None`` for an interruption (a cancel), else (type, message, details)."""
    if is_interruption(exc):
        return None
    message, details = describe(exc)
    return error_type(exc), message, details
