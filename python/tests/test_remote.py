"""The package on a machine that reaches the desktop through a forwarded trainbell socket (issue 12).

``trainbell ssh`` forwards the desktop's ``$XDG_RUNTIME_DIR/trainbell/bus`` to
``$XDG_RUNTIME_DIR/trainbell/desktop`` on the remote host (tested end to end with a real sshd by the
Swift suite, RemoteSocketTests); here "the remote host" is an environment whose runtime directory
holds a link to the daemon's socket, with no session bus."""

from __future__ import annotations

import os
import tempfile

import pytest

import trainbell
from trainbell import _bus
from conftest import Daemon, NotificationServer, PrivateBus, SignalWatcher, wait_for


@pytest.fixture
def remote(daemon: Daemon, monkeypatch: pytest.MonkeyPatch) -> str:
    """This process as a remote host named gpu-07 whose desktop is forwarded to it."""
    wait_for(lambda: os.path.exists(daemon.socket), what="the daemon's socket")
    runtime = tempfile.mkdtemp(prefix="trainbell-py-remote-")
    os.makedirs(os.path.join(runtime, "trainbell"), mode=0o700)
    os.symlink(daemon.socket, os.path.join(runtime, "trainbell", "desktop"))
    for name in ("DBUS_SESSION_BUS_ADDRESS", "TRAINBELL_ADDRESS", "TRAINBELL_JOB", "TRAINBELL_RUN_FD",
                 "RANK", "LOCAL_RANK", "SLURM_PROCID"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("XDG_RUNTIME_DIR", runtime)
    monkeypatch.setenv("HOME", runtime)
    monkeypatch.setenv("TRAINBELL_HOST", "gpu-07")
    return runtime


def test_the_forwarded_socket_is_found_before_the_session_bus(remote: str, monkeypatch: pytest.MonkeyPatch) -> None:
    forwarded = "unix:path=" + os.path.join(remote, "trainbell", "desktop")
    assert _bus.bus_address() == forwarded
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/bus")
    assert _bus.bus_address() == forwarded, "a forwarded desktop wins over the host's own session bus"
    monkeypatch.setenv("TRAINBELL_ADDRESS", "unix:path=/given")
    assert _bus.bus_address() == "unix:path=/given", "TRAINBELL_ADDRESS comes first"


def test_a_stale_forwarded_socket_is_passed_over(remote: str, monkeypatch: pytest.MonkeyPatch, bus: PrivateBus) -> None:
    os.unlink(os.path.join(remote, "trainbell", "desktop"))
    os.symlink("/nonexistent/socket", os.path.join(remote, "trainbell", "desktop"))
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", bus.address)
    assert _bus.bus_address() == bus.address


def test_a_remote_run_notifies_the_desktop_with_its_host(remote: str, server: NotificationServer,
                                                         signals: SignalWatcher) -> None:
    bell = trainbell.Client("run-1", title="LoRA on the cluster", total=4)
    clicked = []
    bell.on_action(clicked.append)
    for step in range(1, 3):
        bell.progress(step)
    bell.error("CUDA out of memory", type="oom_error")
    assert bell.flush()
    shown = wait_for(lambda: [n for n in server.notifications if n["summary"] == "Training Error"], what="the error")
    assert shown[0]["body"].endswith("on gpu-07"), shown[0]["body"]
    halfway = [n for n in server.notifications if n["summary"] == "Training Halfway There!"]
    assert halfway and halfway[0]["body"].endswith("on gpu-07")
    # On the desktop the job is gpu-07/run-1; the click on Retry comes back to this client.
    kinds = [e["type"] for e in signals.emitted("gpu-07/run-1")]
    assert kinds[-1] == "error" and "progress" in kinds, kinds
    server.click(shown[0]["id"], "retry")
    wait_for(lambda: clicked, what="the click, through the forwarded socket")
    assert clicked == ["retry"]
    bell.close()
