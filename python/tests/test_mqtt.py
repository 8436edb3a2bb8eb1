"""The package publishing to an MQTT broker (issue 12, part 2, the client side), against a real Mosquitto
started here on a loopback port (TLS with a CA and a server certificate made with ``openssl``, a password
file made with ``mosquitto_passwd``; stopped by its PID) and the real trainbelld subscribed to it
(``[remote] broker=…``, ``password-file``, ``ca-file``), checked through trainbelld's D-Bus (history,
metrics, signals, the notification server) and through a raw paho subscriber on the broker."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import warnings
from pathlib import Path
from typing import Any, Iterator, List, Optional, Tuple

import pytest
from jeepney import DBusAddress

import trainbell
from trainbell import _bus, _mqtt
from conftest import Daemon, NotificationServer, PrivateBus, SignalWatcher, wait_for

BASE = "trainbell/alice"
HOST = "gpu-07"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def accepts(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


class Mosquitto:
    """A real broker on a free loopback port, as Sources/BusTestSupport/MosquittoBroker.swift makes it: TLS
    only, one user with a password, persistence in its own folder (a restart keeps the sessions)."""

    USER = "alice"
    PASSWORD = "s3cret-pw"

    def __init__(self, start: bool = True, max_queued: int = 1000) -> None:
        for tool, package in (("/usr/sbin/mosquitto", "mosquitto"), ("/usr/bin/mosquitto_passwd", "mosquitto"),
                              ("/usr/bin/openssl", "openssl")):
            if not os.access(tool, os.X_OK):
                pytest.fail("%s is missing: install the Debian package %s (make deps-test does)" % (tool, package))
        self.directory = tempfile.mkdtemp(prefix="trainbell-py-mqtt-")
        self.port = free_port()
        d = self.directory
        Path(d, "san.ext").write_text("subjectAltName=DNS:127.0.0.1,IP:127.0.0.1,DNS:localhost\n")
        for step in (
            ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", d + "/ca.key",
             "-out", d + "/ca.crt", "-subj", "/CN=trainbell test CA", "-days", "2"],
            ["req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", d + "/server.key",
             "-out", d + "/server.csr", "-subj", "/CN=127.0.0.1"],
            ["x509", "-req", "-in", d + "/server.csr", "-CA", d + "/ca.crt", "-CAkey", d + "/ca.key", "-CAcreateserial",
             "-out", d + "/server.crt", "-days", "2", "-extfile", d + "/san.ext"],
        ):
            done = subprocess.run(["/usr/bin/openssl"] + step, capture_output=True, timeout=60)
            assert done.returncode == 0, "openssl %s failed: %s" % (step[0], done.stderr.decode())
        done = subprocess.run(["/usr/bin/mosquitto_passwd", "-b", "-c", d + "/passwords", self.USER, self.PASSWORD],
                              capture_output=True, timeout=60)
        assert done.returncode == 0, "mosquitto_passwd failed: %s" % done.stderr.decode()
        self.ca_file = d + "/ca.crt"
        self.password_file = d + "/client-password"
        Path(self.password_file).write_text(self.PASSWORD + "\n")
        os.chmod(self.password_file, 0o600)
        os.chmod(d + "/passwords", 0o600)
        os.mkdir(d + "/data", 0o700)
        config = ("listener %d 127.0.0.1\ncafile %s/ca.crt\ncertfile %s/server.crt\nkeyfile %s/server.key\n"
                  "allow_anonymous false\npassword_file %s/passwords\npersistence true\npersistence_location %s/data/\n"
                  "autosave_interval 1\nmax_queued_messages %d\nlog_dest file %s/mosquitto.log\nlog_type all\n"
                  % ((self.port,) + (d,) * 5 + (max_queued, d)))
        if os.getuid() == 0:
            config += "user root\n"
        Path(d, "mosquitto.conf").write_text(config)
        self.process: Optional[subprocess.Popen] = None
        if start:
            self.start()

    def start(self) -> None:
        with open(self.directory + "/mosquitto.stderr", "ab") as stderr:
            self.process = subprocess.Popen(["/usr/sbin/mosquitto", "-c", self.directory + "/mosquitto.conf"],
                                            stdout=subprocess.DEVNULL, stderr=stderr)
        wait_for(lambda: accepts(self.port) or self.process.poll() is not None, what="mosquitto on port %d" % self.port)
        assert self.process.poll() is None, "mosquitto exited: %s" % self.log()

    def log(self) -> str:
        path = Path(self.directory, "mosquitto.log")
        return path.read_text(errors="replace") if path.exists() else ""

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(10)
        self.process = None

    def remove(self) -> None:
        self.stop()
        shutil.rmtree(self.directory, ignore_errors=True)

    @property
    def url(self) -> str:
        return "mqtts://%s@127.0.0.1:%d/%s" % (self.USER, self.port, BASE)

    def remote_configuration(self, client_id: str) -> str:
        return "[remote]\nbroker=%s\npassword-file=%s\nca-file=%s\nclient-id=%s\n" % (
            self.url, self.password_file, self.ca_file, client_id)

    def environment(self) -> dict:
        """What a publisher on a GPU host sets (with TRAINBELL_HOST standing for its host name)."""
        return {"TRAINBELL_BROKER": self.url, "TRAINBELL_BROKER_PASSWORD_FILE": self.password_file,
                "TRAINBELL_BROKER_CA_FILE": self.ca_file, "TRAINBELL_HOST": HOST}


class Subscriber:
    """A raw paho subscriber on the broker: every message of ``topic``, as (topic, payload, retain).
    ``persistent``: a session the broker keeps (and queues for) while this subscriber or the broker is away."""

    def __init__(self, broker: Mosquitto, topic: str, persistent: bool = False) -> None:
        import ssl

        import paho.mqtt.client as mqtt

        self.messages: List[Tuple[str, bytes, bool]] = []
        self.ready = threading.Event()
        self.client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id="tb-py-watcher" if persistent else "",
                                  clean_session=not persistent, protocol=mqtt.MQTTv311)
        self.client.reconnect_delay_set(1, 1)
        self.client.username_pw_set(broker.USER, broker.PASSWORD)
        self.client.tls_set_context(ssl.create_default_context(cafile=broker.ca_file))
        self.client.on_connect = lambda c, u, f, reason, p: c.subscribe(topic, qos=1)
        self.client.on_subscribe = lambda c, u, mid, codes, p: self.ready.set()
        self.client.on_message = lambda c, u, m: self.messages.append((m.topic, bytes(m.payload), bool(m.retain)))
        self.client.connect("127.0.0.1", broker.port)
        self.client.loop_start()
        assert self.ready.wait(10), "the test's subscriber did not subscribe"

    def stop(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


def dbus_call(bus: PrivateBus, method: str, signature: Optional[str] = None, body: tuple = (),
              interface: Optional[str] = None) -> Any:
    connection = bus.connect()
    try:
        address = DBusAddress(_bus.PATH, bus_name=_bus.BUS_NAME, interface=interface or _bus.INTERFACE)
        from jeepney import new_method_call

        reply = connection.send_and_get_reply(new_method_call(address, method, signature, body), timeout=10)
    finally:
        connection.close()
    assert reply.header.message_type.name != "error", "%s refused: %s" % (method, reply.body)
    return reply.body


def remote_state(bus: PrivateBus) -> str:
    return dbus_call(bus, "Get", "ss", (_bus.INTERFACE, "RemoteState"), interface="org.freedesktop.DBus.Properties")[0][1]


def history(bus: PrivateBus, job: str) -> List[dict]:
    return [_bus.unwrap(record) for record in dbus_call(bus, "GetNotifications", "s", (job,))[0]]


def connected(bus: PrivateBus, daemon: Daemon) -> None:
    wait_for(lambda: remote_state(bus) == "connected", timeout=20,
             what="trainbelld connected to the broker; its log:\n" + daemon.logged())


@pytest.fixture
def broker() -> Iterator[Mosquitto]:
    b = Mosquitto()
    yield b
    b.remove()


@pytest.fixture
def publisher(broker: Mosquitto, monkeypatch: pytest.MonkeyPatch) -> Mosquitto:
    """This process as a GPU host named gpu-07 publishing to ``broker`` (and no bus to fall back on)."""
    for name, value in broker.environment().items():
        monkeypatch.setenv(name, value)
    for name in ("DBUS_SESSION_BUS_ADDRESS", "TRAINBELL_ADDRESS", "TRAINBELL_JOB", "TRAINBELL_RUN_FD", "TRAINBELL_TITLE",
                 "TRAINBELL_APP_ID", "TRAINBELL_BROKER_INSECURE", "RANK", "LOCAL_RANK", "SLURM_PROCID"):
        monkeypatch.delenv(name, raising=False)
    return broker


@pytest.fixture
def desktop(bus: PrivateBus, server: NotificationServer, broker: Mosquitto, request: pytest.FixtureRequest) -> Iterator[Daemon]:
    """trainbelld subscribed to ``broker`` (a client id of its own per test), connected, past its catch-up."""
    d = Daemon(bus, broker.remote_configuration("tb-py-" + request.node.name[-40:]))
    connected(bus, d)
    time.sleep(0.7)  # past the window in which a resumed session's backlog is gathered for the digest
    yield d
    d.stop()


def python_script(code: str, env: dict, timeout: float = 60) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if not k.startswith("TRAINBELL_") and k != "DBUS_SESSION_BUS_ADDRESS"}
    return subprocess.run([sys.executable, "-c", code], env=dict(base, **env), capture_output=True, timeout=timeout)


def trainbell_warnings(stderr: bytes) -> List[str]:
    return [line for line in stderr.decode(errors="replace").splitlines() if "Warning: trainbell:" in line]


# -- through trainbelld ----------------------------------------------------------------------------------


def test_a_run_published_while_trainbelld_was_stopped_arrives_as_one_digest_with_its_history(
        bus: PrivateBus, server: NotificationServer, broker: Mosquitto) -> None:
    daemon = Daemon(bus, broker.remote_configuration("tb-py-digest"))
    try:
        # The first connection makes trainbelld's session at the broker; then it goes away.
        connected(bus, daemon)
        daemon.halt()
        # A training on gpu-07 while the desktop is away; the second run's reports go out at the
        # interpreter's exit (nothing flushes them by hand).
        script = (
            "import trainbell\n"
            "with trainbell.Client('run-42', title='ResNet', total=100) as bell:\n"
            "    bell.start()\n"
            "    bell.metrics(10, loss=2.5)\n"
            "    bell.progress(50)\n"
            "    bell.warn('slow data loader')\n"
            "    bell.progress(100)\n"
            "    bell.complete('done')\n"
            "bell = trainbell.Client('run-43', title='ViT', total=100)\n"
            "bell.start()\n"
            "bell.error('CUDA out of memory', type='oom_error')\n"
        )
        done = python_script(script, broker.environment())
        assert done.returncode == 0, done.stderr.decode()
        assert trainbell_warnings(done.stderr) == [], done.stderr.decode()

        daemon.start()
        connected(bus, daemon)
        wait_for(lambda: server.notifications, timeout=20, what="the digest; log:\n" + daemon.logged())
        time.sleep(1.5)  # what a burst would have shown by now
        assert [n["summary"] for n in server.notifications] == ["While you were away"], server.notifications
        assert server.notifications[0]["body"] == \
            "run-42 finished on gpu-07 (1 warning)\nrun-43 failed on gpu-07: CUDA out of memory"
        records = history(bus, "gpu-07/run-42")
        assert [r["type"] for r in records] == ["warning", "completion"], records
        assert all(r["delivery"] == "away-digest" for r in records)
        assert [r["type"] for r in history(bus, "gpu-07/run-43")] == ["error"]
        assert history(bus, "gpu-07/run-43")[0]["error_type"] == "oom_error"
        metrics = dbus_call(bus, "GetMetrics", "s", ("gpu-07/run-42",))[0]
        assert [(step, dict(values)) for step, values in metrics] == [(10, {"loss": 2.5})]
    finally:
        daemon.stop()


def test_a_flood_of_progress_and_metrics_never_pushes_the_completion_out_of_a_small_offline_queue(
        bus: PrivateBus, server: NotificationServer) -> None:
    # The broker keeps at most 20 messages for trainbelld while it is away (Mosquitto's default is
    # 1,000): 10,000 steps with progress and metrics at each still fit, coalesced before the broker.
    small = Mosquitto(max_queued=20)
    daemon = Daemon(bus, small.remote_configuration("tb-py-small-queue"))
    try:
        connected(bus, daemon)
        daemon.halt()
        script = (
            "import trainbell\n"
            "bell = trainbell.Client('run-7', title='Flood', total=10000)\n"
            "for step in range(1, 10001):\n"
            "    bell.progress(step)\n"
            "    bell.metrics(step, loss=1.0 / step)\n"
            "bell.complete()\n"
        )
        done = python_script(script, small.environment())
        assert done.returncode == 0 and trainbell_warnings(done.stderr) == [], done.stderr.decode()
        daemon.start()
        connected(bus, daemon)
        wait_for(lambda: server.notifications, timeout=20, what="the digest; log:\n" + daemon.logged())
        assert [n["summary"] for n in server.notifications] == ["While you were away"]
        assert server.notifications[0]["body"].startswith("run-7 finished on gpu-07"), server.notifications[0]["body"]
        assert [r["type"] for r in history(bus, "gpu-07/run-7")] == ["completion"]
        metrics = dbus_call(bus, "GetMetrics", "s", ("gpu-07/run-7",))[0]
        assert metrics and metrics[-1][0] == 10_000, metrics  # each name's latest value goes before the end
    finally:
        daemon.stop()
        small.remove()


def test_a_live_error_shows_its_host_and_the_retry_clicked_on_the_desktop_reaches_on_action(
        publisher: Mosquitto, desktop: Daemon, server: NotificationServer, signals: SignalWatcher) -> None:
    bell = trainbell.Client("run-1", title="LoRA on the cluster", total=4)
    clicked: List[str] = []
    bell.on_action(clicked.append)
    bell.start()
    bell.progress(2)
    bell.error("CUDA out of memory", type="oom_error")
    assert bell.flush()
    shown = wait_for(lambda: [n for n in server.notifications if n["summary"] == "Training Error"
                              and "CUDA" in n["body"]], timeout=20, what="the error; log:\n" + desktop.logged())
    assert shown[0]["body"].endswith("on gpu-07"), shown[0]["body"]
    # On the desktop the job is gpu-07/run-1.
    wait_for(lambda: "error" in [e["type"] for e in signals.emitted("gpu-07/run-1")], what="the error's signal")
    kinds = [e["type"] for e in signals.emitted("gpu-07/run-1")]
    assert kinds == ["progress", "error"], kinds
    # The user clicks Retry: trainbelld publishes it to trainbell/alice/actions/gpu-07/run-1.
    server.click(shown[0]["id"], "retry")
    wait_for(lambda: clicked, what="the click, through the broker; log:\n" + desktop.logged())
    assert clicked == ["retry"]
    bell.close()


def test_progress_is_coalesced_before_the_broker_and_its_retained_message_cleared_at_the_end(
        publisher: Mosquitto, desktop: Daemon, bus: PrivateBus) -> None:
    watcher = Subscriber(publisher, BASE + "/#")
    try:
        bell = trainbell.Client("many", total=10_000)
        started = time.monotonic()
        for step in range(1, 10_001):
            bell.progress(step)
            if step == 5000:
                bell.metrics(step, loss=float("nan"))  # a diverged loss: bare JSON NaN, sent at once
        elapsed = time.monotonic() - started
        bell.complete()
        assert bell.flush()
        topic = BASE + "/progress/gpu-07/many"
        wait_for(lambda: [m for m in watcher.messages if m[0] == topic and m[1] == b""], what="the cleared progress")
        progress = [json.loads(m[1]) for m in watcher.messages if m[0] == topic and m[1]]
        events = [json.loads(m[1]) for m in watcher.messages if m[0] == BASE + "/events"]
        # At most one a second, plus the latest before the completion.
        assert 1 <= len(progress) <= 2 + int(elapsed / trainbell.client.BROKER_INTERVAL), (len(progress), elapsed)
        assert progress[-1]["step"] == 10_000 and progress[-1]["total"] == 10_000
        assert [e["event"] for e in events] == ["start", "metrics", "complete"], events
        ids = [m["id"] for m in progress + events]
        assert len(set(ids)) == len(ids) and all(i.startswith("gpu-07-%d-" % os.getpid()) for i in ids), ids
        assert all(m["v"] == 1 and m["host"] == "gpu-07" and m["job"] == "many" for m in progress + events)
        # The last message on the progress topic is the empty one that clears it.
        assert [m[1] for m in watcher.messages if m[0] == topic][-1] == b""
        records = wait_for(lambda: [r for r in history(bus, "gpu-07/many") if r["type"] == "completion"]
                           and history(bus, "gpu-07/many"), what="the completion in the history")
        assert [r["type"] for r in records][-1] == "completion", records
        metrics = dbus_call(bus, "GetMetrics", "s", ("gpu-07/many",))[0]
        assert [step for step, _ in metrics] == [5000] and metrics[0][1]["loss"] != metrics[0][1]["loss"], metrics
        print("\n10,000 progress() calls in %.3f s: %d progress messages on the broker" % (elapsed, len(progress)))
        bell.close()
    finally:
        watcher.stop()


@pytest.mark.parametrize("ending", ["an error, then close", "SIGKILL"])
def test_a_run_that_ends_without_complete_leaves_no_retained_progress(publisher: Mosquitto, ending: str) -> None:
    watcher = Subscriber(publisher, BASE + "/progress/#")
    try:
        if ending == "SIGKILL":
            # Cleared by the broker: the client's will, published when its connection ends without goodbye.
            script = ("import os, signal, trainbell\nbell = trainbell.Client('ends', total=10)\nbell.progress(5)\n"
                      "assert bell.flush()\nos.kill(os.getpid(), signal.SIGKILL)\n")
            done = python_script(script, publisher.environment())
            assert done.returncode == -signal.SIGKILL, done.stderr.decode()
        else:
            # Cleared by the client as it closes (it says goodbye: no will).
            bell = trainbell.Client("ends", total=10)
            bell.progress(5)
            assert bell.flush()
            bell.error("boom")
            bell.close()
        topic = BASE + "/progress/gpu-07/ends"
        wait_for(lambda: [m for m in watcher.messages if m[0] == topic][-1:] == [(topic, b"", False)],
                 what="the progress cleared: %r" % watcher.messages)
        assert json.loads([m for m in watcher.messages if m[0] == topic][0][1])["step"] == 5
    finally:
        watcher.stop()


# -- the publisher alone ----------------------------------------------------------------------------------


def test_reports_wait_for_a_broker_that_comes_late_and_errors_and_completions_are_never_dropped(
        publisher: Mosquitto, monkeypatch: pytest.MonkeyPatch) -> None:
    # The subscriber's session is made first and kept by the broker across its restart, so that it
    # misses nothing whenever the publisher gets through (the queue it keeps is above what is sent).
    late = Mosquitto(max_queued=5000)
    watcher = Subscriber(late, BASE + "/events", persistent=True)
    late.stop()
    try:
        monkeypatch.setenv("TRAINBELL_BROKER", late.url)
        monkeypatch.setenv("TRAINBELL_BROKER_PASSWORD_FILE", late.password_file)
        monkeypatch.setenv("TRAINBELL_BROKER_CA_FILE", late.ca_file)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            bell = trainbell.Client("late", total=10)
            bell.start()
            for n in range(3000):  # more than the queue holds: warnings past it are dropped, never the end
                bell.warn("warning %d" % n)
            bell.error("CUDA out of memory", type="oom_error")
            bell.complete()
            assert not bell.flush(timeout=0.5), "nothing can have gone out yet"
            wait_for(lambda: [w for w in caught if "trainbell" in str(w.message)], what="the warning")
            late.start()
            assert bell.flush(timeout=60)
        said = [str(w.message) for w in caught if "trainbell" in str(w.message)]
        assert len(said) == 1 and "cannot reach the broker at mqtts://alice@127.0.0.1:%d/trainbell/alice" % late.port in said[0], said
        assert Mosquitto.PASSWORD not in said[0]
        wait_for(lambda: [m for m in watcher.messages if b'"complete"' in m[1]], what="the completion")
        events = [json.loads(m[1])["event"] for m in watcher.messages]
        assert events[-2:] == ["error", "complete"] and events.count("warning") <= trainbell.client.QUEUE_LIMIT, events[-3:]
        bell.close()
    finally:
        watcher.stop()
        late.remove()


def test_a_broker_restarted_mid_run_loses_nothing_and_is_one_warning(publisher: Mosquitto) -> None:
    watcher = Subscriber(publisher, BASE + "/events", persistent=True)
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            bell = trainbell.Client("restart", total=10)
            bell.start()
            bell.warn("before")
            assert bell.flush()
            publisher.stop()
            wait_for(lambda: [w for w in caught if "trainbell" in str(w.message)], what="the warning")
            bell.warn("while it was away")
            bell.error("CUDA out of memory", type="oom_error")
            bell.complete()
            publisher.start()
            assert bell.flush(timeout=60)
            bell.close()
        said = [str(w.message) for w in caught if "trainbell" in str(w.message)]
        assert len(said) == 1 and "lost the broker at %s" % publisher.url in said[0], said
        wait_for(lambda: [m for m in watcher.messages if b'"complete"' in m[1]], what="the completion")
        # Nothing lost; a QoS 1 message sent again (at least once) has the same id, as trainbelld dedups it.
        events = list({e["id"]: e for e in (json.loads(m[1]) for m in watcher.messages)}.values())
        assert [e["event"] for e in events] == ["start", "warning", "warning", "error", "complete"], events
    finally:
        watcher.stop()


def test_an_unreachable_broker_is_one_warning_and_the_exit_is_bounded(tmp_path: Path) -> None:
    port = free_port()  # nothing listens there
    env = {"TRAINBELL_BROKER": "mqtts://alice@127.0.0.1:%d/%s" % (port, BASE), "TRAINBELL_HOST": HOST}
    script = ("import trainbell\nbell = trainbell.Client('nowhere', total=1000)\n"
              "for step in range(1000):\n    bell.progress(step)\n"
              "bell.warn('w')\nbell.error('boom')\nbell.complete()\n")
    done = python_script(script, env)
    assert done.returncode == 0, done.stderr.decode()
    said = trainbell_warnings(done.stderr)
    assert len(said) == 1 and "cannot reach the broker at mqtts://alice@127.0.0.1:%d/trainbell/alice" % port in said[0], said
    with pytest.raises(trainbell.TrainBellError, match="cannot reach the broker"):
        trainbell.Client("nowhere", strict=True, broker=env["TRAINBELL_BROKER"])


def test_a_wrong_password_or_an_unknown_ca_is_one_clear_warning_that_never_shows_the_password(
        publisher: Mosquitto, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    wrong = tmp_path / "wrong-password"
    wrong.write_text("not-the-password-42\n")
    cases = [({"TRAINBELL_BROKER_PASSWORD_FILE": str(wrong)}, "refused the connection: Not authorized"),
             ({"TRAINBELL_BROKER_CA_FILE": ""}, "failed TLS verification"),
             ({"TRAINBELL_BROKER_PASSWORD_FILE": str(tmp_path / "missing")}, "cannot read the password file %s" % (tmp_path / "missing")),
             ({"TRAINBELL_BROKER": publisher.url.replace("mqtts://alice@127.0.0.1", "mqtts://alice:pw-in-url@127.0.0.1")},
              "put no password in the URL")]
    for change, expected in cases:
        for name, value in change.items():
            monkeypatch.setenv(name, value)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            bell = trainbell.Client("refused")
            bell.progress(1, 10)
            bell.error("boom")
            bell.complete()
            bell.flush(timeout=20)
            wait_for(lambda: bell._disabled, what="notifications off: %s" % expected)
        said = [str(w.message) for w in caught if "trainbell" in str(w.message)]
        assert len(said) == 1 and expected in said[0] and "notifications are off" in said[0], (expected, said)
        assert "not-the-password-42" not in said[0] and "pw-in-url" not in said[0] and Mosquitto.PASSWORD not in said[0]
        with pytest.raises(trainbell.TrainBellError, match=expected.split(" %s" % tmp_path)[0]):
            trainbell.Client("refused", strict=True)
        for name, value in publisher.environment().items():
            monkeypatch.setenv(name, value)


def test_what_a_broker_cannot_carry_is_said_once_and_questions_answer_empty(
        publisher: Mosquitto, monkeypatch: pytest.MonkeyPatch) -> None:
    watcher = Subscriber(publisher, BASE + "/events")
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            bell = trainbell.Client("asks")
            bell.start()
            assert bell.history() == [] and bell.metrics_points() == [] and bell.dnd() == (False, "")
            bell.send("Checkpoint saved")
            bell.send("Checkpoint saved again")
            bell.complete()
            assert bell.flush()
            bell.close()
        said = [str(w.message) for w in caught if "trainbell" in str(w.message)]
        assert len(said) == 1 and "send() has no message in the broker's schema v1" in said[0], said
        wait_for(lambda: len(watcher.messages) == 2, what="start and complete")
        assert [json.loads(m[1])["event"] for m in watcher.messages] == ["start", "complete"]
        with pytest.raises(trainbell.TrainBellError, match="not through a broker"):
            trainbell.Client("asks", strict=True).history()
    finally:
        watcher.stop()
    # A host name trainbelld would refuse in every event: said at once, not lost silently.
    monkeypatch.setenv("TRAINBELL_HOST", "gpu 07!")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        bell = trainbell.Client("badhost")
        bell.error("boom")
        wait_for(lambda: bell._disabled, what="notifications off")
    said = [str(w.message) for w in caught if "trainbell" in str(w.message)]
    assert len(said) == 1 and "the host name 'gpu 07!'" in said[0], said
    with pytest.raises(trainbell.TrainBellError, match="the host name 'gpu 07!'"):
        trainbell.Client("badhost", strict=True)


def test_without_paho_one_warning_names_the_extra_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "paho.mqtt.client", None)  # as if it were not installed
    monkeypatch.setenv("TRAINBELL_BROKER", "mqtts://alice@broker.example/" + BASE)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        bell = trainbell.Client("no-paho", total=10)
        bell.progress(5)
        bell.error("boom")
        bell.complete()
        bell.flush()
    said = [str(w.message) for w in caught if "trainbell" in str(w.message)]
    assert len(said) == 1 and "pip install trainbell[mqtt]" in said[0], said
    with pytest.raises(trainbell.TrainBellError, match=r"pip install trainbell\[mqtt\]"):
        trainbell.Client("no-paho", strict=True)


@pytest.mark.parametrize("url, insecure, expected", [
    ("mqtts://alice@broker.example/trainbell/alice", False, "mqtts://alice@broker.example:8883/trainbell/alice"),
    ("mqtts://broker.example:9883/t/", False, "mqtts://broker.example:9883/t"),
    ("mqtt://127.0.0.1/t", False, "mqtt://127.0.0.1:1883/t"),
    ("mqtt://localhost:1884/t", False, "mqtt://localhost:1884/t"),
    ("mqtt://[::1]/t", False, "mqtt://[::1]:1883/t"),
    ("mqtt://broker.example/t", True, "mqtt://broker.example:1883/t"),
    ("mqtt://broker.example/t", False, "plain mqtt:// sends the password and the events unencrypted"),
    ("mqtt://127.0.0.1.example/t", False, "plain mqtt://"),
    ("https://broker.example/t", False, "is not a broker URL"),
    ("mqtts://broker.example", False, "has no topic base"),
    ("mqtts://broker.example/a//b", False, "the topic base must be non-empty topic levels"),
    ("mqtts://broker.example/a/+", False, "without '+' or '#'"),
    ("mqtts://alice:secret@broker.example/t", False, "put no password in the URL"),
    ("mqtts://@broker.example/t", False, "put no password in the URL"),
    ("mqtts://broker.example:0/t", False, "port '0' is not 1 to 65535"),
    ("mqtts://broker.example:x/t", False, "port 'x' is not 1 to 65535"),
    ("mqtts://[::1/t", False, "an unclosed '['"),
    ("mqtts://:8883/t", False, "names no host"),
])
def test_broker_urls_follow_the_daemons_rules(url: str, insecure: bool, expected: str) -> None:
    try:
        parsed = str(_mqtt.BrokerURL(url, insecure=insecure))
    except _mqtt.BrokerUnavailable as exc:
        parsed = str(exc)
        assert "secret" not in parsed
    assert expected in parsed, parsed


def test_topic_segments_are_escaped_as_trainbelld_reads_them() -> None:
    assert _mqtt.escape("a/b+c#d%e") == "a%2Fb%2Bc%23d%25e"
    assert _mqtt.escape("run-1") == "run-1"
    message = json.loads(_mqtt.payload("gpu-07", "a/b", "metrics", step=3, metrics={"loss": float("nan")})
                         .replace(b"NaN", b"null"))
    assert message["v"] == 1 and message["host"] == "gpu-07" and message["job"] == "a/b" and message["event"] == "metrics"
    assert b"NaN" in _mqtt.payload("h", "j", "metrics", step=1, metrics={"loss": float("nan")})
