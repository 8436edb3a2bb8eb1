#!/usr/bin/env python3
"""Records what a Hugging Face `Trainer.train()` prints on its console.

Drives the real `transformers.trainer_callback.ProgressCallback` (the callback
that draws the training bar, the nested evaluation bar and the log dicts)
through one short training with a fake `TrainerState`, the way `Trainer`
calls it, so no model and no PyTorch are needed. tqdm's clock is replaced as
in tqdm_bars.py, so the output is the same on every run.

    python3 record_transformers.py [--nan] 2> transformers_trainer.txt
"""
import sys

import tqdm.std

from transformers.trainer_callback import ProgressCallback, TrainerControl, TrainerState


class FakeClock:
    def __init__(self):
        self.now = 1_700_000_000.0

    def __call__(self):
        return self.now


clock = FakeClock()
tqdm.std.time = clock
tqdm.std.tqdm.monitor_interval = 0

nan = "--nan" in sys.argv
state = TrainerState()
state.max_steps = 40
state.is_world_process_zero = True
control = TrainerControl()
callback = ProgressCallback()
callback.on_train_begin(None, state, control)
eval_loader = list(range(5))
for step in range(1, state.max_steps + 1):
    clock.now += 0.4
    state.global_step = step
    state.epoch = step / 20
    callback.on_step_end(None, state, control)
    if step % 10 == 0:
        loss = float("nan") if nan and step >= 20 else 1.0 / step
        callback.on_log(None, state, control, logs={
            "loss": loss, "grad_norm": float("nan") if nan and step >= 20 else 2.5,
            "learning_rate": 2e-05 * (1 - step / 40), "epoch": state.epoch})
    if step == 20:
        for _ in eval_loader:
            clock.now += 0.1
            callback.on_prediction_step(None, state, control, eval_dataloader=eval_loader)
        callback.on_evaluate(None, state, control)
        callback.on_log(None, state, control, logs={
            "eval_loss": 0.3, "eval_runtime": 0.5, "eval_samples_per_second": 80.0,
            "eval_steps_per_second": 10.0, "epoch": state.epoch})
callback.on_log(None, state, control, logs={
    "train_runtime": 16.5, "train_samples_per_second": 19.39, "train_steps_per_second": 2.424,
    "total_flos": 1234567.0, "train_loss": 0.1, "epoch": 2.0})
callback.on_train_end(None, state, control)
