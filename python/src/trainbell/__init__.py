"""trainbell for Python: a training's progress, errors and completion as desktop notifications, through
trainbelld on the D-Bus session bus.

    import trainbell
    bell = trainbell.Client("llama-lora", title="Llama LoRA", total=1000)
    for step in range(1000):
        ...
        bell.progress(step + 1)
    bell.complete()

Framework callbacks: ``trainbell.transformers``, ``trainbell.lightning``, ``trainbell.keras``; a tqdm that
reports: ``trainbell.tqdm``. With the package installed, ``trainbell run -- python train.py`` instruments
the training from the inside with no code change.

On a machine that cannot reach the desktop, ``TRAINBELL_BROKER=mqtts://user@broker/trainbell/alice`` (with
``pip install trainbell[mqtt]``) publishes the same reports to an MQTT broker that trainbelld subscribes to.
"""

from __future__ import annotations

from typing import Any

from ._classify import error_type
from ._watch import watch
from .client import Client, TrainBellError, distributed_rank

__all__ = ["Client", "TrainBellError", "watch", "tqdm", "error_type", "distributed_rank"]
__version__ = "0.1.0"


def __getattr__(name: str) -> Any:
    # trainbell.tqdm subclasses tqdm.tqdm: imported only when used, so tqdm stays optional.
    if name == "tqdm":
        from ._tqdm import tqdm

        return tqdm
    raise AttributeError("module 'trainbell' has no attribute %r" % name)
