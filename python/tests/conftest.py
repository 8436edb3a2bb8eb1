"""Real components for the Python tests: a private dbus-daemon, a notification server on it (this file's
``NotificationServer``, speaking org.freedesktop.Notifications as the spec has it), and the real
trainbelld built by ``swift build`` (``TRAINBELL_BIN_DIR``, default ``.build/debug`` of the checkout)."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from collections import deque
from pathlib import Path
from typing import Any, Callable, Deque, Dict, Iterator, List, Optional

import pytest
from jeepney import DBusAddress, HeaderFields, MatchRule, MessageType, new_method_call, new_method_return, new_signal
from jeepney.bus_messages import message_bus
from jeepney.io.blocking import open_dbus_connection

ROOT = Path(__file__).resolve().parents[2]
BIN_DIR = Path(os.environ.get("TRAINBELL_BIN_DIR", ROOT / ".build" / "debug"))


def wait_for(condition: Callable[[], Any], timeout: float = 10.0, what: str = "the condition") -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError("timed out after %.0f s waiting for %s" % (timeout, what))
        time.sleep(0.02)


class PrivateBus:
    def __init__(self) -> None:
        daemon = shutil.which("dbus-daemon")
        if daemon is None:
            pytest.skip("dbus-daemon is not installed (Debian: dbus-daemon; make test installs it)")
        self.directory = tempfile.mkdtemp(prefix="trainbell-py-bus-")
        socket = os.path.join(self.directory, "bus")
        self.address = "unix:path=" + socket
        config = os.path.join(self.directory, "bus.conf")
        Path(config).write_text(
            '<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN" '
            '"http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">\n'
            "<busconfig><type>session</type><listen>%s</listen><auth>EXTERNAL</auth>"
            '<policy context="default"><allow send_destination="*" eavesdrop="true"/><allow eavesdrop="true"/>'
            '<allow own="*"/></policy></busconfig>\n' % self.address)
        self.process = subprocess.Popen([daemon, "--config-file=" + config, "--nofork", "--nopidfile"],
                                        stderr=subprocess.DEVNULL)
        wait_for(lambda: os.path.exists(socket), what="the private bus")
        time.sleep(0.05)

    def connect(self) -> Any:
        return open_dbus_connection(bus=self.address)

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(5)
        shutil.rmtree(self.directory, ignore_errors=True)


class NotificationServer(threading.Thread):
    """org.freedesktop.Notifications as a server answers it: ``Notify`` returns ids from 1 (or the id it
    replaces), every call is kept in ``notifications``; ``click`` emits ``ActionInvoked`` as a user's click."""

    PATH = "/org/freedesktop/Notifications"
    INTERFACE = "org.freedesktop.Notifications"

    def __init__(self, bus: PrivateBus) -> None:
        super().__init__(daemon=True)
        self.connection = bus.connect()
        reply = self.connection.send_and_get_reply(message_bus.RequestName(self.INTERFACE, 4), timeout=5)
        assert reply.body[0] == 1, "could not own org.freedesktop.Notifications"
        self.notifications: List[Dict[str, Any]] = []
        self.outgoing: Deque[Any] = deque()
        self.next_id = 1
        self.running = True
        self.start()

    def run(self) -> None:
        while self.running:
            while self.outgoing:
                self.connection.send(self.outgoing.popleft())
            try:
                message = self.connection.receive(timeout=0.02)
            except TimeoutError:
                continue
            except Exception as exc:  # the bus went away: say so, a silent end would look like a lost Notify
                if self.running:
                    print("NotificationServer: stopped receiving: %r" % exc)
                return
            if message.header.message_type != MessageType.method_call:
                continue
            member = message.header.fields.get(HeaderFields.member)
            if member == "GetCapabilities":
                reply = new_method_return(message, "as", (["actions", "body", "body-markup", "icon-static"],))
            elif member == "GetServerInformation":
                reply = new_method_return(message, "ssss", ("trainbell-py-test", "trainbell", "1.0", "1.2"))
            elif member == "Notify":
                app, replaces, icon, summary, body, actions, hints, timeout = message.body
                nid = replaces or self.next_id
                if not replaces:
                    self.next_id += 1
                self.notifications.append(dict(id=nid, app=app, summary=summary, body=body, actions=actions,
                                               hints=hints, timeout=timeout))
                reply = new_method_return(message, "u", (nid,))
            elif member == "CloseNotification":
                reply = new_method_return(message)
                self.outgoing.append(new_signal(DBusAddress(self.PATH, interface=self.INTERFACE),
                                                "NotificationClosed", "uu", (message.body[0], 3)))
            else:
                continue
            self.connection.send(reply)

    def click(self, notification_id: int, action: str) -> None:
        self.outgoing.append(new_signal(DBusAddress(self.PATH, interface=self.INTERFACE), "ActionInvoked", "us",
                                        (notification_id, action)))

    def stop(self) -> None:
        self.running = False
        self.join(2)
        self.connection.close()


class Daemon:
    """The real trainbelld on ``bus``, with a home (state, configuration, runtime directory) of its own;
    ``configuration`` is written to its config file first. ``halt`` stops it and keeps the home, so that
    ``start`` brings it back with its history."""

    def __init__(self, bus: PrivateBus, configuration: Optional[str] = None) -> None:
        self.executable = BIN_DIR / "trainbelld"
        if not self.executable.exists():
            pytest.fail("%s is missing: build it first (swift build, or make test)" % self.executable)
        self.bus = bus
        self.home = tempfile.mkdtemp(prefix="trainbell-py-daemon-")
        # A runtime directory of its own: the daemon's peer socket goes there (``socket``).
        self.runtime = os.path.join(self.home, "run")
        os.mkdir(self.runtime, 0o700)
        self.socket = os.path.join(self.runtime, "trainbell", "bus")
        if configuration is not None:
            os.makedirs(os.path.join(self.home, "config", "trainbell"))
            Path(self.home, "config", "trainbell", "config").write_text(configuration)
        self.log_path = os.path.join(self.home, "trainbelld.log")
        self.log = open(self.log_path, "ab")
        self.start()

    def start(self) -> None:
        env = dict(os.environ, XDG_STATE_HOME=self.home + "/state", XDG_CONFIG_HOME=self.home + "/config",
                   DBUS_SESSION_BUS_ADDRESS=self.bus.address, XDG_RUNTIME_DIR=self.runtime)
        self.process = subprocess.Popen([str(self.executable), "--address", self.bus.address, "--log-level", "debug"],
                                        env=env, stdout=self.log, stderr=self.log)
        probe = self.bus.connect()
        try:
            wait_for(lambda: probe.send_and_get_reply(message_bus.NameHasOwner("org.trainbell.TrainBell1"),
                                                      timeout=5).body[0], what="trainbelld on the bus")
        finally:
            probe.close()

    def logged(self) -> str:
        self.log.flush()
        return Path(self.log_path).read_text(errors="replace")

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(5)

    def halt(self) -> None:
        """Stops trainbelld (SIGTERM) and keeps its home."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.kill()

    def stop(self) -> None:
        self.halt()
        self.log.close()
        shutil.rmtree(self.home, ignore_errors=True)


class SignalWatcher(threading.Thread):
    """Keeps every signal trainbelld emits on its interface."""

    def __init__(self, bus: PrivateBus) -> None:
        super().__init__(daemon=True)
        self.connection = bus.connect()
        self.rule = MatchRule(type="signal", interface="org.trainbell.TrainBell1")
        self.connection.send_and_get_reply(message_bus.AddMatch(self.rule), timeout=5)
        self.signals: List[Any] = []
        self.running = True
        self.start()

    def run(self) -> None:
        with self.connection.filter(self.rule, bufsize=10000) as queue:
            while self.running:
                try:
                    message = self.connection.recv_until_filtered(queue, timeout=0.05)
                except TimeoutError:
                    continue
                except Exception:
                    return
                self.signals.append((message.header.fields.get(HeaderFields.member), message.body))

    def emitted(self, job: str) -> List[Dict[str, Any]]:
        return [{k: v[1] for k, v in body[1].items()} for member, body in list(self.signals)
                if member == "NotificationEmitted" and body[0] == job]

    def stop(self) -> None:
        self.running = False
        self.join(2)
        self.connection.close()


@pytest.fixture
def bus() -> Iterator[PrivateBus]:
    private = PrivateBus()
    yield private
    private.stop()


@pytest.fixture
def server(bus: PrivateBus) -> Iterator[NotificationServer]:
    s = NotificationServer(bus)
    yield s
    s.stop()


@pytest.fixture
def daemon(bus: PrivateBus, server: NotificationServer) -> Iterator[Daemon]:
    d = Daemon(bus)
    yield d
    d.stop()


@pytest.fixture
def signals(bus: PrivateBus) -> Iterator[SignalWatcher]:
    w = SignalWatcher(bus)
    yield w
    w.stop()


@pytest.fixture
def session(bus: PrivateBus, monkeypatch: pytest.MonkeyPatch) -> PrivateBus:
    """The private bus as this process's session bus (and no trainbell run around the test)."""
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", bus.address)
    for name in ("TRAINBELL_ADDRESS", "TRAINBELL_JOB", "TRAINBELL_RUN_FD", "TRAINBELL_TITLE", "TRAINBELL_APP_ID",
                 "RANK", "LOCAL_RANK", "SLURM_PROCID"):
        monkeypatch.delenv(name, raising=False)
    return bus
