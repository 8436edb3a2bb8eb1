"""The callbacks, driven by the real frameworks' objects where they can be imported here (Transformers'
TrainerState/TrainerControl/CallbackHandler, real tqdm), else by objects carrying exactly the attributes
the framework passes (named in each test), against the real trainbelld."""

from __future__ import annotations

import math
import time
import types

import pytest

import trainbell
from conftest import Daemon, PrivateBus, wait_for


def history(job):
    return wait_for(lambda: trainbell.Client(job).history(), what="the history of %s" % job)


def settle(job, last_type):
    return wait_for(lambda: [r for r in trainbell.Client(job).history() if r["type"] == last_type]
                    and trainbell.Client(job).history(), what="a %s for %s" % (last_type, job))


def test_transformers_callback_in_a_simulated_run(session: PrivateBus, daemon: Daemon) -> None:
    transformers = pytest.importorskip("transformers")
    from transformers.trainer_callback import CallbackHandler, TrainerControl, TrainerState

    from trainbell.transformers import TrainBellCallback

    # TrainingArguments needs torch: TrainBellCallback reads no attribute of args, so a bare object stands in.
    args = types.SimpleNamespace()
    callback = TrainBellCallback("hf", title="BERT fine-tune")
    handler = CallbackHandler([callback], None, None, None, None)
    state = TrainerState(max_steps=40, is_world_process_zero=True)
    control = TrainerControl()
    handler.on_train_begin(args, state, control)
    for step in range(1, 41):
        state.global_step = step
        handler.on_step_end(args, state, control)
        if step % 10 == 0:
            handler.on_log(args, state, control, logs={"loss": 1.0 / step, "learning_rate": 2e-5})
            time.sleep(0.12)
    handler.on_train_end(args, state, control)
    records = settle("hf", "completion")
    assert [r["type"] for r in records] == ["progress", "progress", "progress", "completion"]
    assert "BERT fine-tune" in records[-1]["message"] or "BERT fine-tune" in records[-1]["title"]


def test_transformers_nan_loss_is_a_loss_divergence(session: PrivateBus, daemon: Daemon) -> None:
    pytest.importorskip("transformers")
    from transformers.trainer_callback import TrainerControl, TrainerState

    from trainbell.transformers import TrainBellCallback

    callback = TrainBellCallback("hf-nan")
    state = TrainerState(max_steps=100, is_world_process_zero=True)
    callback.on_train_begin(None, state, TrainerControl())
    state.global_step = 7
    callback.on_log(None, state, TrainerControl(), logs={"loss": math.nan})
    callback.on_log(None, state, TrainerControl(), logs={"loss": math.inf})  # reported once
    callback.on_train_end(None, state, TrainerControl())  # after a divergence: no completion
    callback.client.flush()
    records = settle("hf-nan", "error")
    assert [r["type"] for r in records] == ["error"]
    assert records[0]["error_type"] == "loss_divergence" and "step 7" in records[0]["message"]


def test_transformers_other_processes_stay_silent(session: PrivateBus, daemon: Daemon) -> None:
    pytest.importorskip("transformers")
    from transformers.trainer_callback import TrainerControl, TrainerState

    from trainbell.transformers import TrainBellCallback

    callback = TrainBellCallback("hf-rank1")
    state = TrainerState(max_steps=10, is_world_process_zero=False)  # process_index 1 of a distributed run
    callback.on_train_begin(None, state, TrainerControl())
    for step in range(1, 11):
        state.global_step = step
        callback.on_step_end(None, state, TrainerControl())
    callback.on_train_end(None, state, TrainerControl())
    callback.client.flush()
    time.sleep(0.3)
    with pytest.raises(trainbell.TrainBellError, match="no job"):
        trainbell.Client("hf-rank1").history()


def test_tqdm_reports_its_position(session: PrivateBus, daemon: Daemon, capsys: pytest.CaptureFixture) -> None:
    pytest.importorskip("tqdm")
    for _ in trainbell.tqdm(range(50), job="bar", desc="epochs", mininterval=0):
        time.sleep(0.01)
    records = settle("bar", "completion")
    assert [r["type"] for r in records][-1] == "completion"
    assert "50/50" in capsys.readouterr().err  # the bar still draws


def test_lightning_callback(session: PrivateBus, daemon: Daemon) -> None:
    from trainbell.lightning import TrainBellCallback, callbacks_factory

    # What Lightning passes: a Trainer with is_global_zero, estimated_stepping_batches and global_step.
    trainer = types.SimpleNamespace(is_global_zero=True, estimated_stepping_batches=float("inf"), global_step=0)
    callback = TrainBellCallback("pl")
    callback.on_train_start(trainer, None)  # inf: indeterminate progress
    for step in range(1, 6):
        trainer.global_step = step
        callback.on_train_batch_end(trainer, None, None, None, step - 1)
    callback.on_exception(trainer, None, KeyboardInterrupt())  # a cancel, not an error
    callback.client.flush()
    time.sleep(0.3)
    assert [r["type"] for r in trainbell.Client("pl").history()] == []

    trainer = types.SimpleNamespace(is_global_zero=True, estimated_stepping_batches=20, global_step=0)
    callback = TrainBellCallback("pl-oom")
    callback.on_train_start(trainer, None)
    try:
        raise RuntimeError("CUDA out of memory. Tried to allocate 20.00 MiB")
    except RuntimeError as exc:
        callback.on_exception(trainer, None, exc)
    records = settle("pl-oom", "error")
    assert records[-1]["error_type"] == "oom_error" and "Traceback" in records[-1]["message"]
    assert callbacks_factory() == []  # not under trainbell run: Lightning gets nothing from trainbell


def test_keras_callback(session: PrivateBus, daemon: Daemon) -> None:
    from trainbell.keras import TrainBellCallback

    # What Keras sets: callback.params with "epochs" and "steps" (None for a generator of unknown length).
    callback = TrainBellCallback("keras")
    callback.params = {"epochs": 4, "steps": 25, "verbose": 1}
    callback.on_train_begin()
    for epoch in range(4):
        callback.on_epoch_end(epoch, {"loss": 0.5 / (epoch + 1), "accuracy": 0.8})
        time.sleep(0.12)
    callback.on_train_end()
    records = settle("keras", "completion")
    assert [r["type"] for r in records] == ["progress", "progress", "progress", "completion"]
    assert not hasattr(TrainBellCallback, "_batch_end") or "on_train_batch_end" not in TrainBellCallback.__dict__


def test_watch_reports_the_exception_and_reraises(session: PrivateBus, daemon: Daemon) -> None:
    class OutOfMemoryError(RuntimeError):  # torch.cuda.OutOfMemoryError's name and message
        pass

    with pytest.raises(OutOfMemoryError):
        with trainbell.watch("watched", title="watched run", total=10) as bell:
            bell.progress(3)
            raise OutOfMemoryError("CUDA out of memory. Tried to allocate 1.00 GiB")
    records = settle("watched", "error")
    assert records[-1]["error_type"] == "oom_error"

    @trainbell.watch("decorated")
    def train() -> str:
        return "ok"

    assert train() == "ok"
    assert settle("decorated", "completion")[-1]["type"] == "completion"

    with pytest.raises(KeyboardInterrupt):
        with trainbell.watch("interrupted"):
            raise KeyboardInterrupt
    time.sleep(0.3)
    assert all(r["type"] != "error" for r in trainbell.Client("interrupted").history())


@pytest.mark.parametrize("exc, kind", [
    (RuntimeError("CUDA out of memory. Tried to allocate 2.00 GiB"), "oom_error"),
    (type("OutOfMemoryError", (RuntimeError,), {})("x"), "oom_error"),
    (MemoryError(), "oom_error"),
    (RuntimeError("CUDA error: device-side assert triggered"), "cuda_error"),
    (RuntimeError("NCCL communicator was aborted"), "cuda_error"),
    (ValueError("Loss is NaN"), "loss_divergence"),
    (KeyError("label"), "system_crash"),
])
def test_exceptions_are_typed_as_run_types_output(exc, kind) -> None:
    assert trainbell.error_type(exc) == kind
