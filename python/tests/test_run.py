"""`trainbell run -- python script.py` with the package installed: the interpreter is instrumented from the
inside (the package's .pth start-up hook), reports exact steps and the typed exception, and run's output
parser stands down for them, so nothing is reported twice."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import trainbell
from conftest import BIN_DIR, Daemon, PrivateBus, wait_for

SCRIPT = textwrap.dedent('''
    import sys, time
    from tqdm import tqdm
    from transformers.trainer_callback import CallbackHandler, TrainerControl, TrainerState

    # What Trainer.__init__ builds: trainbell adds its callback to it. TrainingArguments needs torch;
    # the callbacks read nothing from args.
    handler = CallbackHandler([], None, None, None, None)
    # A bar of 7 items drawn during training (as Trainer's own ProgressCallback draws one): parsed from
    # the text, it would be a 100 % milestone. Instrumented, it is not read.
    for _ in tqdm(range(7), file=sys.stderr, mininterval=0):
        time.sleep(0.01)
    state, control, args = TrainerState(max_steps=40, is_world_process_zero=True), TrainerControl(), object()
    handler.on_train_begin(args, state, control)
    for step in range(1, 31):
        state.global_step = step
        handler.on_step_end(args, state, control)
        if step % 10 == 0:
            time.sleep(0.15)

    class OutOfMemoryError(RuntimeError):
        pass
    OutOfMemoryError.__module__ = "torch.cuda"
    raise OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB (GPU 0; 23.65 GiB total capacity)")
''')


def run(bus: PrivateBus, tmp_path: Path, *arguments: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, DBUS_SESSION_BUS_ADDRESS=bus.address,
               PATH=os.pathsep.join([str(BIN_DIR), os.path.dirname(sys.executable), os.environ.get("PATH", "")]))
    for name in ("TRAINBELL_JOB", "TRAINBELL_RUN_FD", "TRAINBELL_ADDRESS"):
        env.pop(name, None)
    return subprocess.run(list(arguments), env=env, cwd=tmp_path, capture_output=True, timeout=120)


def records(job: str, last: str):
    return wait_for(lambda: [r for r in trainbell.Client(job).history() if r["type"] == last]
                    and trainbell.Client(job).history(), timeout=15, what="%s in the history of %s" % (last, job))


def test_run_reports_exact_steps_and_one_typed_error(session: PrivateBus, daemon: Daemon, tmp_path: Path) -> None:
    (tmp_path / "train.py").write_text(SCRIPT)
    done = run(session, tmp_path, str(BIN_DIR / "trainbell"), "run", "--job", "hfrun", "--", sys.executable, "train.py")
    assert done.returncode == 1, done.stderr.decode()
    assert b"OutOfMemoryError: CUDA out of memory" in done.stderr  # the traceback still prints
    history = records("hfrun", "error")
    kinds = [r["type"] for r in history]
    # 25/50/75 % of the callback's 40 steps (steps 10, 20, 30), never the bar's 7/7.
    assert kinds == ["progress", "progress", "progress", "error"], history
    error = history[-1]
    assert error["error_type"] == "oom_error"
    assert "Traceback (most recent call last)" in error["message"] and "train.py" in error["message"]


def test_python_m_trainbell_run_goes_through_trainbell_run(session: PrivateBus, daemon: Daemon, tmp_path: Path) -> None:
    (tmp_path / "ok.py").write_text("print('training done')\n")
    done = run(session, tmp_path, sys.executable, "-m", "trainbell", "run", "--job", "pym", "ok.py")
    assert done.returncode == 0 and b"training done" in done.stdout, done.stderr.decode()
    assert [r["type"] for r in records("pym", "completion")] == ["completion"]
    bad = run(session, tmp_path, sys.executable, "-m", "trainbell", "run", "--color", "x", "ok.py")
    assert bad.returncode == 2 and b"unknown option '--color'" in bad.stderr


def test_without_the_package_run_reads_the_output_as_before(session: PrivateBus, daemon: Daemon, tmp_path: Path) -> None:
    # -S: no site, so no .pth: the interpreter is not instrumented, and run parses the bar as it always did.
    (tmp_path / "bar.py").write_text(textwrap.dedent('''
        import sys, time
        for i in range(1, 5):
            sys.stderr.write("\\r%d%%|##| %d/4 [00:01<00:00]" % (i * 25, i)); sys.stderr.flush(); time.sleep(0.3)
        sys.stderr.write("\\n")
    '''))
    done = run(session, tmp_path, str(BIN_DIR / "trainbell"), "run", "--job", "plain", "--", sys.executable, "-S", "bar.py")
    assert done.returncode == 0, done.stderr.decode()
    assert "completion" in [r["type"] for r in records("plain", "completion")]
