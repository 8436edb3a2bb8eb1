"""``trainbell.keras.TrainBellCallback``: ``Model.fit`` reports to trainbell.

    from trainbell.keras import TrainBellCallback
    model.fit(x, y, epochs=10, callbacks=[TrainBellCallback()])

Progress is reported per epoch. ``per_batch=True`` reports every batch too, but Keras 3 then turns off
asynchronous batch dispatch for the whole ``fit`` (a callback that overrides ``on_train_batch_end``
makes it wait for each batch's logs), which slows training: it is off by default.
"""

from __future__ import annotations

from typing import Any, Dict, Optional

from . import _runlink
from .client import Client

try:
    from keras.callbacks import Callback as _Base
except ImportError:
    try:
        from tensorflow.keras.callbacks import Callback as _Base  # type: ignore[no-redef]
    except ImportError:
        _Base = object  # type: ignore[misc,assignment]


class TrainBellCallback(_Base):  # type: ignore[misc,valid-type]
    """Starts the job at ``on_train_begin`` (``params["steps"] * params["epochs"]`` steps, or the epochs
    when ``steps`` is None), reports each epoch's end with its logs as metrics, and completes at
    ``on_train_end``."""

    def __init__(self, job: Optional[str] = None, *, title: Optional[str] = None, app_id: Optional[str] = None,
                 per_batch: bool = False, client: Optional[Client] = None) -> None:
        super().__init__()
        self.client = client or Client(job, title=title, app_id=app_id)
        self._steps: Optional[int] = None
        self._epochs = 1
        self._batches = 0
        if per_batch:
            # Bound only when asked: its mere presence costs Keras 3 its asynchronous dispatch.
            self.on_train_batch_end = self._batch_end
        _runlink.announce("covers progress", self.client.job)

    def _params(self) -> Dict[str, Any]:
        return dict(getattr(self, "params", None) or {})

    def on_train_begin(self, logs: Optional[Dict[str, Any]] = None) -> None:
        params = self._params()
        self._epochs = int(params.get("epochs") or 1)
        steps = params.get("steps")
        self._steps = int(steps) if steps else None
        total = self._steps * self._epochs if self._steps else self._epochs
        self.client.start(total=total)

    def on_epoch_end(self, epoch: int, logs: Optional[Dict[str, Any]] = None) -> None:
        done = (epoch + 1) * self._steps if self._steps else epoch + 1
        self._batches = done
        self.client.progress(done)
        numbers = {k: float(v) for k, v in (logs or {}).items() if isinstance(v, (int, float))}
        if numbers:
            self.client.metrics(done, **numbers)

    def _batch_end(self, batch: int, logs: Optional[Dict[str, Any]] = None) -> None:
        self._batches += 1
        self.client.progress(self._batches)

    def on_train_end(self, logs: Optional[Dict[str, Any]] = None) -> None:
        self.client.complete()
        self.client.flush()
