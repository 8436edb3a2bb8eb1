"""The examples of the README's "From Python" section, run as they are written there. What they leave
to the reader (a model, a data loader, a train_step) is given here; a framework that cannot run here
without torch or Keras (Transformers' Trainer, Lightning's Trainer, a Keras model) is a stand-in that
calls the callback as the framework does: the same hooks, in the same order, with the attributes the
framework passes (named in each stand-in)."""

from __future__ import annotations

import re
import sys
import types
from pathlib import Path
from typing import Dict, List

import pytest

import trainbell
from conftest import Daemon, PrivateBus, wait_for

README = Path(__file__).resolve().parents[2] / "README.md"


def examples() -> List[str]:
    text = README.read_text()
    section = text.split("## From Python", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```python\n(.*?)```", section, re.S)


def example(marker: str) -> str:
    found = [code for code in examples() if marker in code]
    assert len(found) == 1, "one README example with %r" % marker
    return found[0]


def history(job: str, all_jobs: bool = False) -> List[Dict]:
    # The example's reports go out on its client's connection, this question on another: until its
    # StartJob arrives, trainbelld does not know the job.
    try:
        return trainbell.Client(job).history(all_jobs=all_jobs)
    except trainbell.TrainBellError:
        return []


def completed(job: str) -> List[Dict]:
    return wait_for(lambda: [r for r in history(job) if r["type"] == "completion"], what="the completion of %s" % job)


def test_the_readme_has_six_python_examples() -> None:
    assert len(examples()) == 6


def test_any_loop(session: PrivateBus, daemon: Daemon) -> None:
    exec(example("trainbell.Client("), {"train_step": lambda: 0.25})
    # The example reports loss as a metric every 100 steps: the completion also says how it went.
    assert completed("llama-lora")[-1]["message"] == "Llama LoRA finished after 1000 steps.\nloss 0.25 → 0.25"


def test_watch(session: PrivateBus, daemon: Daemon) -> None:
    exec(example("trainbell.watch("), {"train_epoch": lambda: None})
    completed("resnet")


def test_tqdm(session: PrivateBus, daemon: Daemon) -> None:
    exec(example("trainbell.tqdm("), {"loader": range(20), "train_step": lambda batch: None})
    completed("finetune")


def test_transformers(session: PrivateBus, daemon: Daemon, monkeypatch: pytest.MonkeyPatch) -> None:
    transformers = pytest.importorskip("transformers")
    from transformers.trainer_callback import CallbackHandler, TrainerControl, TrainerState

    class Trainer:
        """Trainer without torch: builds the real CallbackHandler, then calls on_train_begin, on_step_end
        and on_log (with state.global_step, state.max_steps, state.is_world_process_zero), on_train_end."""

        def __init__(self, model, args, train_dataset, callbacks):
            self.handler = CallbackHandler(callbacks, model, None, None, None)
            self.args = args

        def train(self):
            state, control = TrainerState(max_steps=12, is_world_process_zero=True), TrainerControl()
            self.handler.on_train_begin(self.args, state, control)
            for step in range(1, 13):
                state.global_step = step
                self.handler.on_step_end(self.args, state, control)
                self.handler.on_log(self.args, state, control, logs={"loss": 1.0 / step})
            self.handler.on_train_end(self.args, state, control)

    monkeypatch.setattr(transformers, "Trainer", Trainer, raising=False)
    exec(example("trainbell.transformers"), {"model": None, "args": types.SimpleNamespace(), "train_dataset": None})
    assert "BERT fine-tune" in str(completed(transformers_job())[-1])


def transformers_job() -> str:
    # TrainBellCallback() without a job: the client's default, the script's name and the time.
    def jobs():
        return [r["job_id"] for r in history("any", all_jobs=True) if "BERT" in r.get("message", "") + r.get("title", "")]
    return wait_for(jobs, what="the Transformers job")[0]


def test_lightning(session: PrivateBus, daemon: Daemon, monkeypatch: pytest.MonkeyPatch) -> None:
    class Trainer:
        """Lightning's Trainer as its callbacks see it: is_global_zero, estimated_stepping_batches, global_step;
        on_train_start, on_train_batch_end after each batch, on_train_end."""

        def __init__(self, max_epochs, callbacks):
            self.max_epochs, self.callbacks = max_epochs, callbacks
            self.is_global_zero, self.global_step = True, 0

        def fit(self, model, loader):
            self.estimated_stepping_batches = self.max_epochs * len(loader)
            for callback in self.callbacks:
                callback.on_train_start(self, model)
            for _ in range(self.max_epochs):
                for index, batch in enumerate(loader):
                    self.global_step += 1
                    for callback in self.callbacks:
                        callback.on_train_batch_end(self, model, None, batch, index)
            for callback in self.callbacks:
                callback.on_train_end(self, model)

    lightning = types.ModuleType("lightning")
    pytorch = types.ModuleType("lightning.pytorch")
    pytorch.Trainer = Trainer
    lightning.pytorch = pytorch
    monkeypatch.setitem(sys.modules, "lightning", lightning)
    monkeypatch.setitem(sys.modules, "lightning.pytorch", pytorch)
    namespace = {"model": None, "train_loader": list(range(4))}
    exec(example("trainbell.lightning"), namespace)
    job = namespace["trainer"].callbacks[0].client.job
    assert "ViT" in str(completed(job)[-1])


def test_keras(session: PrivateBus, daemon: Daemon) -> None:
    class Model:
        """Model.fit as Keras runs callbacks: sets params {"epochs", "steps"}, on_train_begin, on_epoch_end with
        the epoch's logs, on_train_end."""

        def fit(self, x, y, epochs, callbacks):
            for callback in callbacks:
                callback.params = {"epochs": epochs, "steps": 5, "verbose": 1}
                callback.on_train_begin()
            for epoch in range(epochs):
                for callback in callbacks:
                    callback.on_epoch_end(epoch, {"loss": 0.1, "accuracy": 0.9})
            for callback in callbacks:
                callback.on_train_end()
            self.callbacks = callbacks

    model = Model()
    exec(example("trainbell.keras"), {"model": model, "x_train": None, "y_train": None})
    assert "MNIST" in str(completed(model.callbacks[0].client.job)[-1])
