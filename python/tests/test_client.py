"""trainbell.Client against the real trainbelld on a private bus, checked through GetNotifications, the
signals trainbelld emits and what the notification server was asked to show."""

from __future__ import annotations

import time
import warnings

import pytest

import trainbell
from conftest import Daemon, NotificationServer, PrivateBus, SignalWatcher, wait_for


def types_of(records):
    return [r["type"] for r in records]


def test_every_report_reaches_the_daemon_and_the_screen(session: PrivateBus, daemon: Daemon,
                                                         server: NotificationServer, signals: SignalWatcher) -> None:
    bell = trainbell.Client("llama", title="Llama LoRA", total=100)
    bell.start()
    for step in (10, 25, 50, 75):
        bell.progress(step)
        time.sleep(0.15)  # past the 0.1 s coalescing: each milestone crossed on its own
    bell.warn("learning rate scheduler reached its floor")
    bell.error("CUDA out of memory. Tried to allocate 2.00 GiB", type="oom_error", details="Traceback (most recent call last):\n  ...")
    bell.complete("done")
    assert bell.flush()
    records = wait_for(lambda: [r for r in bell.history() if r["type"] == "completion"] and bell.history(),
                       what="the completion in the history")
    assert types_of(records) == ["progress", "progress", "progress", "warning", "error", "completion"]
    error = records[4]
    assert error["error_type"] == "oom_error" and error["urgency"] == "critical"
    assert "Traceback (most recent call last)" in error["message"]
    assert records[0]["title"].startswith("Llama LoRA") or "Llama LoRA" in records[0]["message"]
    # The signals carry the same records; the server was asked to show them (the error with its actions).
    wait_for(lambda: len(signals.emitted("llama")) == len(records), what="NotificationEmitted for every record")
    assert [n["type"] for n in signals.emitted("llama")] == types_of(records)
    shown = [n for n in server.notifications if n["summary"] == "Training Error"]
    assert len(shown) == 1 and "retry" in shown[0]["actions"] and shown[0]["hints"]["urgency"] == ("y", 2)


def test_send_history_and_do_not_disturb(session: PrivateBus, daemon: Daemon, server: NotificationServer) -> None:
    bell = trainbell.Client("sender")
    bell.send("Checkpoint saved", "step 1000, 2.1 GB", urgency="low", category="transfer.complete")
    assert bell.flush()
    wait_for(lambda: any(n["summary"] == "Checkpoint saved" for n in server.notifications), what="the Send")
    sent = [n for n in server.notifications if n["summary"] == "Checkpoint saved"][0]
    assert sent["body"] == "step 1000, 2.1 GB" and sent["hints"]["urgency"] == ("y", 0)
    active, source = bell.dnd()
    assert active is False and isinstance(source, str)
    # A question (not a report) about a job trainbelld never saw is answered with its clear refusal.
    with pytest.raises(trainbell.TrainBellError, match="no job 'nobody-yet'"):
        trainbell.Client("nobody-yet").history()


def test_on_action_receives_the_users_click(session: PrivateBus, daemon: Daemon, server: NotificationServer) -> None:
    bell = trainbell.Client("clicky")
    clicked = []
    bell.on_action(clicked.append)
    bell.error("NCCL error: unhandled system error", type="cuda_error")
    assert bell.flush()
    shown = wait_for(lambda: [n for n in server.notifications if n["summary"] == "Training Error"], what="the error")
    server.click(shown[0]["id"], "retry")
    wait_for(lambda: clicked, what="the ActionInvoked of the click")
    assert clicked == ["retry"]
    bell.close()


def test_progress_is_coalesced_and_the_last_value_is_sent(session: PrivateBus, daemon: Daemon) -> None:
    bell = trainbell.Client("many", total=100_000)
    for step in range(1, 100_001):
        bell.progress(step)
    assert bell.flush()
    conn = session.connect()
    from trainbell import _bus
    reply = conn.send_and_get_reply(_bus.call("GetNotifications", "s", ("many",)), timeout=5)
    conn.close()
    assert [r["type"][1] for r in reply.body[0]][-1] == "completion"


def test_rank_other_than_zero_reports_only_errors(session: PrivateBus, daemon: Daemon,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RANK", "3")
    bell = trainbell.Client("ddp", total=10)
    bell.start()
    bell.progress(10)
    bell.warn("a warning")
    bell.error("RuntimeError: NCCL error", type="cuda_error")
    bell.complete()
    assert bell.flush()
    monkeypatch.delenv("RANK")
    records = wait_for(lambda: trainbell.Client("ddp").history(), what="the rank's error")
    assert types_of(records) == ["error"]
    assert records[0]["message"].startswith("rank 3: ")


def test_no_bus_warns_once_and_never_raises(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/trainbell-test-bus")
    monkeypatch.delenv("TRAINBELL_ADDRESS", raising=False)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        bell = trainbell.Client("offline", total=1000)
        for step in range(1000):
            bell.progress(step)
        bell.error("boom")
        bell.complete()
        bell.flush()
        assert bell.history() == [] and bell.dnd() == (False, "")
    assert len([w for w in caught if "trainbell" in str(w.message)]) == 1
    with pytest.raises(trainbell.TrainBellError):
        trainbell.Client("offline", strict=True)


def test_no_daemon_warns_once(session: PrivateBus) -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        bell = trainbell.Client("nodaemon")
        bell.progress(1, 10)
        bell.error("x")
        bell.flush()
    messages = [str(w.message) for w in caught if "trainbell" in str(w.message)]
    assert len(messages) == 1 and "notifications are off" in messages[0]


def test_a_daemon_killed_mid_run_never_stops_the_loop(session: PrivateBus, daemon: Daemon) -> None:
    bell = trainbell.Client("killed", total=200_000)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        started = time.perf_counter()
        for step in range(1, 200_001):
            bell.progress(step)
            if step == 50_000:
                daemon.kill()
            if step % 50_000 == 0:
                bell.warn("at %d" % step)
        bell.error("after the daemon died")
        bell.complete()
        elapsed = time.perf_counter() - started
        bell.flush(timeout=5)
    # One warning: that the daemon stopped taking reports, or (when the sender thread first reached
    # the bus after the kill, as on a loaded machine) that notifications are off.
    said = [str(w.message) for w in caught if "trainbell" in str(w.message)]
    assert len(said) == 1 and ("later reports are still sent" in said[0] or "notifications are off" in said[0]), said
    print("\n200,000 progress() calls with the daemon killed at 50,000: %.3f s, %.2f µs a call" % (elapsed, elapsed / 200_000 * 1e6))


def test_metrics_reach_get_metrics_and_a_nan_loss_is_one_error(session: PrivateBus, daemon: Daemon,
                                                             signals: SignalWatcher) -> None:
    bell = trainbell.Client("quiet", total=100)
    bell.start()
    bell.metrics(10, loss=0.5, lr=2e-5, note="not a number")  # a value that is no number is left out
    bell.metrics(20, loss=float("nan"))  # NaN is the signal: kept
    bell.progress(20)
    bell.cancel()
    assert bell.flush()
    assert bell._has_metrics is True  # found out once, by introspection
    assert bell.metrics_points() == [(10, {"loss": 0.5, "lr": 2e-5}), (20, {"loss": pytest.approx(float("nan"), nan_ok=True)})]
    # The NaN loss is trainbelld's loss_divergence rule at work, for this client too; the cancel says nothing.
    records = wait_for(lambda: bell.history(), what="the divergence error")
    assert [(r["type"], r.get("error_type")) for r in records] == [("error", "loss_divergence")]
    assert records[0]["message"] == "loss is nan at step 20"


def test_lightning_finds_the_factory_through_its_entry_point_group() -> None:
    from importlib.metadata import entry_points

    for group in ("lightning.pytorch.callbacks_factory", "pytorch_lightning.callbacks_factory"):
        found = [e for e in entry_points().select(group=group) if e.name == "trainbell"] \
            if hasattr(entry_points(), "select") else [e for e in entry_points().get(group, []) if e.name == "trainbell"]
        assert [e.value for e in found] == ["trainbell.lightning:callbacks_factory"]
        assert found[0].load()() == []  # not under trainbell run


def test_the_bus_is_found_as_libdbus_finds_it(tmp_path) -> None:
    from trainbell._bus import NoBus, bus_address

    (tmp_path / "bus").touch()
    assert bus_address({"TRAINBELL_ADDRESS": "tcp:host=gpu-box,port=4000", "DBUS_SESSION_BUS_ADDRESS": "unix:path=/a"}) \
        == "tcp:host=gpu-box,port=4000"
    assert bus_address({"DBUS_SESSION_BUS_ADDRESS": "unix:path=/a", "XDG_RUNTIME_DIR": str(tmp_path)}) == "unix:path=/a"
    assert bus_address({"XDG_RUNTIME_DIR": str(tmp_path)}) == "unix:path=%s/bus" % tmp_path
    with pytest.raises(NoBus, match="DBUS_SESSION_BUS_ADDRESS and TRAINBELL_ADDRESS are unset"):
        bus_address({"XDG_RUNTIME_DIR": str(tmp_path / "nowhere")})


def test_reports_queued_at_exit_still_go_out(session: PrivateBus, daemon: Daemon, tmp_path) -> None:
    import os
    import subprocess
    import sys

    script = "import trainbell\nb = trainbell.Client('atexit', total=4)\nb.progress(4)\nb.complete()\n"
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRAINBELL_")}
    done = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, timeout=60)
    assert done.returncode == 0, done.stderr
    records = wait_for(lambda: trainbell.Client("atexit").history(), what="the reports flushed at exit")
    assert [r["type"] for r in records] == ["completion"]
