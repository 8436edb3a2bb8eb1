"""The start-up hook (trainbell-autoload.pth → trainbell._autoload) in fresh interpreters: inert without
TRAINBELL_JOB; with it, callbacks added when a framework's trainer is built, and exceptions reported."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

from conftest import Daemon, PrivateBus, wait_for

import trainbell


def python(code: str, tmp_path: Path, **env: str) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("TRAINBELL_")}
    environment.update(env)
    environment["PYTHONPATH"] = os.pathsep.join(filter(None, [str(tmp_path), os.environ.get("PYTHONPATH", "")]))
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], env=environment, capture_output=True,
                          timeout=60, cwd=tmp_path)


def test_the_hook_does_nothing_without_trainbell_job(tmp_path: Path) -> None:
    done = python("import sys; print('trainbell' in sys.modules, getattr(sys, '_trainbell_instrumented', False))", tmp_path)
    assert done.stdout.split() == [b"False", b"False"], done.stderr


def test_keras_fit_gets_the_callback_and_lightning_the_factory(tmp_path: Path) -> None:
    # A stand-in `keras` with what the hook touches: keras.Model.fit(callbacks=...).
    (tmp_path / "keras").mkdir()
    (tmp_path / "keras" / "__init__.py").write_text(textwrap.dedent('''
        class Model:
            def fit(self, x=None, y=None, callbacks=None, epochs=1):
                return [type(c).__name__ for c in callbacks or []]
    '''))
    done = python('''
        import keras
        print(keras.Model().fit(callbacks=[]))
        from trainbell.lightning import callbacks_factory
        print([type(c).__name__ for c in callbacks_factory()])
    ''', tmp_path, TRAINBELL_JOB="hooked", DBUS_SESSION_BUS_ADDRESS="unix:path=/nonexistent")
    assert done.returncode == 0, done.stderr.decode()
    assert done.stdout.decode().splitlines() == ["['TrainBellCallback']", "['TrainBellCallback']"]


def test_an_uncaught_exception_is_reported_then_printed(session: PrivateBus, daemon: Daemon, tmp_path: Path) -> None:
    done = python('''
        raise RuntimeError("CUDA error: an illegal memory access was encountered")
    ''', tmp_path, TRAINBELL_JOB="uncaught", DBUS_SESSION_BUS_ADDRESS=session.address)
    assert done.returncode == 1 and b"RuntimeError: CUDA error" in done.stderr
    records = wait_for(lambda: trainbell.Client("uncaught").history(), what="the uncaught error")
    assert [r["type"] for r in records] == ["error"] and records[0]["error_type"] == "cuda_error"


def test_python_m_trainbell_without_the_trainbell_command(session: PrivateBus, daemon: Daemon, tmp_path: Path) -> None:
    (tmp_path / "job.py").write_text("print('step done')\n")
    environment = {k: v for k, v in os.environ.items() if not k.startswith("TRAINBELL_")}
    environment.update(DBUS_SESSION_BUS_ADDRESS=session.address, PATH=os.path.dirname(sys.executable))
    done = subprocess.run([sys.executable, "-m", "trainbell", "run", "--job", "inproc", "job.py"], env=environment,
                          capture_output=True, timeout=60, cwd=tmp_path)
    assert done.returncode == 0 and b"step done" in done.stdout, done.stderr.decode()
    records = wait_for(lambda: trainbell.Client("inproc").history(), what="the in-process completion")
    assert [r["type"] for r in records] == ["completion"]
