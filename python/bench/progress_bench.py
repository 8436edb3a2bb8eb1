"""What trainbell costs a training loop (make bench prints it; nothing is asserted).

Against the real trainbelld on a private bus: the time per ``Client.progress()`` over 100,000 calls, and
per Transformers ``on_step_end`` through the real ``CallbackHandler``, each beside the same loop without
trainbell."""

from __future__ import annotations

import os
import sys
import time
import types
import warnings

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests"))

from conftest import Daemon, NotificationServer, PrivateBus  # noqa: E402

import trainbell  # noqa: E402

CALLS = 100_000


def per_call(loop) -> float:
    best = float("inf")
    for _ in range(3):
        started = time.perf_counter()
        loop()
        best = min(best, time.perf_counter() - started)
    return best / CALLS * 1e6


def main() -> None:
    bus = PrivateBus()
    server = NotificationServer(bus)
    daemon = Daemon(bus)
    os.environ["DBUS_SESSION_BUS_ADDRESS"] = bus.address
    try:
        def empty() -> None:
            for step in range(CALLS):
                pass

        bell = trainbell.Client("bench", total=CALLS)
        bell.start()
        bell.flush()

        def progress() -> None:
            for step in range(CALLS):
                bell.progress(step)

        base = per_call(empty)
        with_bell = per_call(progress)
        bell.flush()
        print("python: progress() per call, 100,000 calls, daemon running: %.3f µs (empty loop %.3f µs)" % (with_bell, base))

        os.environ["DBUS_SESSION_BUS_ADDRESS"] = "unix:path=/nonexistent/bus"
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            off = trainbell.Client("bench-off", total=CALLS)
            off.progress(0)
            off.flush()

            def progress_off() -> None:
                for step in range(CALLS):
                    off.progress(step)

            print("python: progress() per call, no bus (notifications off): %.3f µs" % per_call(progress_off))
        os.environ["DBUS_SESSION_BUS_ADDRESS"] = bus.address

        # The daemon killed a quarter of the way through: the loop goes on (one warning at most).
        killed_bus = PrivateBus()
        killed_server = NotificationServer(killed_bus)
        killed = Daemon(killed_bus)
        os.environ["DBUS_SESSION_BUS_ADDRESS"] = killed_bus.address
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            doomed = trainbell.Client("bench-killed", total=CALLS)
            doomed.start()
            doomed.flush()
            started = time.perf_counter()
            for step in range(CALLS):
                doomed.progress(step)
                if step == CALLS // 4:
                    killed.kill()
            elapsed = time.perf_counter() - started
            doomed.close(1)
        print("python: progress() per call, trainbelld killed at call 25,000 of 100,000: %.3f µs" % (elapsed / CALLS * 1e6))
        killed.stop()
        killed_server.stop()
        killed_bus.stop()
        os.environ["DBUS_SESSION_BUS_ADDRESS"] = bus.address

        try:
            from transformers.trainer_callback import CallbackHandler, TrainerControl, TrainerState
        except ImportError:
            print("python: transformers is not installed: no on_step_end figure")
            return
        from trainbell.transformers import TrainBellCallback

        args = types.SimpleNamespace()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            plain = CallbackHandler([], None, None, None, None)
            instrumented = CallbackHandler([TrainBellCallback("bench-hf")], None, None, None, None)
        state, control = TrainerState(max_steps=CALLS, is_world_process_zero=True), TrainerControl()
        instrumented.on_train_begin(args, state, control)

        def steps(handler):
            def loop() -> None:
                for step in range(CALLS):
                    state.global_step = step
                    handler.on_step_end(args, state, control)
            return loop

        without = per_call(steps(plain))
        with_cb = per_call(steps(instrumented))
        print("python: Transformers on_step_end per step: %.3f µs with TrainBellCallback, %.3f µs without (+%.3f µs)"
              % (with_cb, without, with_cb - without))
        bell.close(1)
        instrumented.callbacks[0].client.close(1)
    finally:
        daemon.stop()
        server.stop()
        bus.stop()


if __name__ == "__main__":
    main()
