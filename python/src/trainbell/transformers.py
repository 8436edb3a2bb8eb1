"""``trainbell.transformers.TrainBellCallback``: a Hugging Face ``Trainer`` reports to trainbell.

    from trainbell.transformers import TrainBellCallback
    trainer = Trainer(model=model, args=args, train_dataset=data, callbacks=[TrainBellCallback()])

Only the world's process zero reports (``state.is_world_process_zero``). A NaN or infinite ``loss`` in the
logs is reported once as ``loss_divergence``.
"""

from __future__ import annotations

import math
from typing import Any, Dict, Optional

from transformers.trainer_callback import TrainerCallback

from . import _runlink
from .client import Client


class TrainBellCallback(TrainerCallback):  # type: ignore[misc]
    """Starts the job at ``on_train_begin`` with ``state.max_steps``, reports ``state.global_step`` at
    each ``on_step_end``, the logged numbers as metrics, and completes at ``on_train_end``."""

    def __init__(self, job: Optional[str] = None, *, title: Optional[str] = None, app_id: Optional[str] = None,
                 client: Optional[Client] = None) -> None:
        self.client = client or Client(job, title=title, app_id=app_id)
        self._diverged = False
        _runlink.announce("covers progress", self.client.job)

    @staticmethod
    def _is_zero(state: Any) -> bool:
        return bool(getattr(state, "is_world_process_zero", True))

    def on_train_begin(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        if self._is_zero(state):
            self.client.start(total=state.max_steps or 0)

    def on_step_end(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        if self._is_zero(state):
            self.client.progress(state.global_step, state.max_steps or None)

    def on_log(self, args: Any, state: Any, control: Any, logs: Optional[Dict[str, Any]] = None,
               **kwargs: Any) -> None:
        if not self._is_zero(state) or not logs:
            return
        numbers = {k: float(v) for k, v in logs.items() if isinstance(v, (int, float)) and not isinstance(v, bool)}
        loss = numbers.get("loss", numbers.get("train_loss"))
        # The error before the metrics: trainbelld applies the same rule to the metrics, and does not
        # report it again once the trainer has.
        if loss is not None and not math.isfinite(loss) and not self._diverged:
            self._diverged = True
            self.client.error("loss is %s at step %d" % (loss, state.global_step), type="loss_divergence",
                              details="logs at step %d: %r" % (state.global_step, logs))
        if numbers:
            self.client.metrics(state.global_step, **numbers)

    def on_train_end(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        if self._is_zero(state) and not self._diverged:
            self.client.complete()
            self.client.flush()
