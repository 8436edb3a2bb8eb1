"""``trainbell.lightning.TrainBellCallback``: a Lightning ``Trainer`` reports to trainbell.

    from trainbell.lightning import TrainBellCallback
    trainer = lightning.pytorch.Trainer(max_epochs=3, callbacks=[TrainBellCallback()])

Works with ``lightning.pytorch`` and ``pytorch_lightning``. Only the global zero process reports. A total of
``inf`` (``estimated_stepping_batches`` of an iterable dataset) is indeterminate progress.
"""

from __future__ import annotations

import os
from typing import Any, List, Optional

from . import _runlink
from ._watch import report
from .client import Client

try:
    from lightning.pytorch.callbacks import Callback as _Base
except ImportError:  # the older package name, else none: the class still works as a plain object
    try:
        from pytorch_lightning.callbacks import Callback as _Base  # type: ignore[no-redef]
    except ImportError:
        _Base = object  # type: ignore[misc,assignment]


class TrainBellCallback(_Base):  # type: ignore[misc,valid-type]
    """Starts the job at ``on_train_start`` (total: ``trainer.estimated_stepping_batches``), reports
    ``trainer.global_step`` after each batch, an exception as a typed error (``KeyboardInterrupt``: a
    cancel), and completes at ``on_train_end``."""

    def __init__(self, job: Optional[str] = None, *, title: Optional[str] = None, app_id: Optional[str] = None,
                 client: Optional[Client] = None) -> None:
        super().__init__()
        self.client = client or Client(job, title=title, app_id=app_id)
        self._failed = False
        _runlink.announce("covers progress", self.client.job)

    def on_train_start(self, trainer: Any, pl_module: Any) -> None:
        if trainer.is_global_zero:
            self.client.start(total=trainer.estimated_stepping_batches)

    def on_train_batch_end(self, trainer: Any, pl_module: Any, outputs: Any, batch: Any, batch_idx: int) -> None:
        if trainer.is_global_zero:
            self.client.progress(trainer.global_step)

    def on_exception(self, trainer: Any, pl_module: Any, exception: BaseException) -> None:
        self._failed = True
        if trainer.is_global_zero or not isinstance(exception, KeyboardInterrupt):
            report(self.client, exception)
            self.client.flush()

    def on_train_end(self, trainer: Any, pl_module: Any) -> None:
        if trainer.is_global_zero and not self._failed:
            self.client.complete()
            self.client.flush()


def callbacks_factory() -> List[Any]:
    """Lightning's ``callbacks_factory`` entry point: the callback when ``trainbell run`` started the
    training (``TRAINBELL_JOB`` set), else nothing, so installing trainbell never changes a training."""
    if not os.environ.get("TRAINBELL_JOB"):
        return []
    return [TrainBellCallback()]
