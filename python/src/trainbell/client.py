"""``trainbell.Client``: a training's reports to trainbelld, sent from a thread of their own so that the
training never waits on the bus, and never breaks because the desktop is not there."""

from __future__ import annotations

import atexit
import collections
import math
import os
import sys
import threading
import time
import warnings
import weakref
from typing import Any, Callable, Deque, Dict, List, Optional, Tuple

from . import _bus, _runlink

#: The least time between two progress reports; the latest value is always sent in the end.
PROGRESS_INTERVAL = 0.1
#: The same through a broker, per job (and for metrics there): brokers cap what they keep for an offline
#: subscriber (Mosquitto: 1,000 messages), so a flood must never push the completion out.
BROKER_INTERVAL = 1.0
#: How many reports (other than progress) may wait; past it, warnings and `send`s are dropped, never
#: errors, completions or cancels.
QUEUE_LIMIT = 1024
#: How long a call that expects an answer waits for it.
CALL_TIMEOUT = 25.0
#: How long the interpreter's exit waits for the reports still queued.
EXIT_FLUSH_TIMEOUT = 5.0


class TrainBellError(RuntimeError):
    """trainbell could not be reached, or refused a report (``strict=True`` only)."""


def distributed_rank(environ: Optional[Dict[str, str]] = None) -> int:
    """This process's rank in a distributed run (torchrun's ``RANK``/``LOCAL_RANK``, Slurm's
    ``SLURM_PROCID``), 0 when it is the main process or not distributed."""
    env = os.environ if environ is None else environ
    for name in ("RANK", "LOCAL_RANK", "SLURM_PROCID"):
        value = env.get(name, "").strip()
        if value:
            try:
                rank = int(value)
            except ValueError:
                continue
            if rank != 0:
                return rank
    return 0


def default_job_id() -> str:
    """The job id used when none is given: ``TRAINBELL_JOB`` (set by ``trainbell run``), else the script's
    name, the start time and the pid, as ``trainbell run`` makes it."""
    if os.environ.get("TRAINBELL_JOB"):
        return os.environ["TRAINBELL_JOB"]
    script = os.path.basename(sys.argv[0]) if sys.argv and sys.argv[0] else "python"
    name = script.rsplit(".", 1)[0] if "." in script[1:] else script
    name = "".join(c if c.isalnum() or c in "-_." else "-" for c in name) or "python"
    return "%s-%s-%d" % (name, time.strftime("%Y%m%d-%H%M%S"), os.getpid())


class _Report:
    __slots__ = ("method", "signature", "body", "essential", "future", "no_reply")

    def __init__(self, method: str, signature: Optional[str], body: Tuple[Any, ...], *, essential: bool,
                 future: Optional["_Future"] = None, no_reply: bool = False) -> None:
        self.method = method
        self.signature = signature
        self.body = body
        self.essential = essential
        self.future = future
        self.no_reply = no_reply


class _Future:
    def __init__(self) -> None:
        self._done = threading.Event()
        self.value: Any = None
        self.error: Optional[BaseException] = None

    def set(self, value: Any = None, error: Optional[BaseException] = None) -> None:
        self.value, self.error = value, error
        self._done.set()

    def wait(self, timeout: float) -> Any:
        if not self._done.wait(timeout):
            raise TrainBellError("trainbelld did not answer within %.0f s" % timeout)
        if self.error is not None:
            raise self.error
        return self.value


class Client:
    """Reports one training (a trainbell job) to trainbelld.

    Every method returns at once: the reports go out from one background thread, in order, with progress
    coalesced (at most every 0.1 s, the last value always sent). Without a bus or a daemon the client
    warns once (``warnings.warn``) and does nothing more, unless ``strict=True``, which raises
    :class:`TrainBellError` instead. In a distributed run only rank 0 reports (see :func:`distributed_rank`);
    errors of every rank are reported, with the rank in the message.

    ``job`` defaults to ``TRAINBELL_JOB`` (set by ``trainbell run``), else the script's name and the time.

    ``broker`` (default ``TRAINBELL_BROKER``; ``""``: the bus even when it is set) publishes the reports
    to an MQTT broker instead of the bus (``mqtts://user@host:8883/trainbell/alice``; needs
    ``pip install trainbell[mqtt]``), for a trainbelld subscribed there: README "Through an MQTT broker".
    """

    def __init__(self, job: Optional[str] = None, *, title: Optional[str] = None, total: Optional[int] = None,
                 app_id: Optional[str] = None, strict: bool = False, broker: Optional[str] = None) -> None:
        self.job = job or default_job_id()
        self.title = title if title is not None else (os.environ.get("TRAINBELL_TITLE") if self.job == os.environ.get("TRAINBELL_JOB") else None) or self.job
        self.total = _steps(total, "total") if total is not None else None
        self.app_id = app_id if app_id is not None else (os.environ.get("TRAINBELL_APP_ID") or None)
        self.strict = strict
        self.rank = distributed_rank()
        self._started = False
        self._lock = threading.Condition()
        self._queue: Deque[_Report] = collections.deque()
        self._progress: Optional[Tuple[int, int]] = None  # the newest, not sent yet
        self._progress_sent_at = 0.0
        self._warned = False
        self._disabled = False
        self._closing = False
        self._thread: Optional[threading.Thread] = None
        self._has_metrics: Optional[bool] = None
        self._listener: Optional[_ActionListener] = None
        self._address: Optional[str] = None
        self._broker = (os.environ.get("TRAINBELL_BROKER", "") if broker is None else broker).strip()
        self._interval = BROKER_INTERVAL if self._broker else PROGRESS_INTERVAL
        self._link: Optional[Any] = None  # the _mqtt.BrokerLink, made by the sender thread
        self._sending = False  # the broker's sender holds a report it took from the queue
        # Through a broker: metrics waiting for their second (each name's latest) and at which step;
        # the names whose last value was NaN or infinite.
        self._held_metrics: Optional[Dict[str, float]] = None
        self._held_step = 0
        self._not_finite: set = set()
        self._said_send = False
        self._action_callbacks: List[Callable[[str], Any]] = []
        _live_clients.add(self)
        if strict and self._broker:
            from . import _mqtt

            try:
                _mqtt.check_names(_bus.local_host_name(), self.job)
                _mqtt.probe(_mqtt.Settings(self._broker))
            except _mqtt.BrokerUnavailable as exc:
                raise TrainBellError(str(exc)) from None
        elif strict:
            # strict: a missing bus or daemon is an error now, not a warning later.
            try:
                connection = _bus.connect(self._address)
                try:
                    self._ping(connection)
                finally:
                    connection.close()
            except _bus.NoBus as exc:
                raise TrainBellError(str(exc)) from None

    # -- reports ---------------------------------------------------------------------------------------

    def start(self, total: Optional[int] = None, title: Optional[str] = None) -> "Client":
        """Starts (or starts again) the job: milestones begin anew. ``total`` 0 or None: not known yet."""
        if total is not None:
            self.total = _steps(total, "total")
        if title is not None:
            self.title = title
        self._started = True
        if self.rank != 0:
            return self
        options: Dict[str, Tuple[str, Any]] = {}
        if self.app_id:
            options["app-id"] = ("s", self.app_id)
        _runlink.announce("started", self.job)
        self._push(_Report("StartJob", "ssta{sv}", (self.job, self.title, self.total or 0, options), essential=True))
        return self

    def progress(self, step: int, total: Optional[int] = None) -> None:
        """Step ``step`` of ``total`` (or of the known total). Cheap enough for every step: sent at most
        every 0.1 s (through a broker: every second), without waiting for an answer."""
        if self.rank != 0 or self._disabled:
            return
        if total is not None:
            self.total = _steps(total, "total")
        if not self._started:
            self.start()
        value = (_steps(step, "step"), self.total or 0)
        if self._progress is not None and time.monotonic() - self._progress_sent_at < self._interval:
            # One is waiting already: the sender wakes for it when the interval is over (it also
            # lingers one interval after each send, for a value stored while it was sending).
            self._progress = value
            return
        with self._lock:
            self._progress = value
            self._ensure_thread()
            self._lock.notify()

    def metrics(self, step: int, **values: float) -> None:
        """Metrics at ``step`` (``loss=0.4, lr=2e-5``): sent as ``ReportMetrics`` when the daemon has it,
        else nothing (found out once, by introspection). Through a broker: at most once a second, each
        name's latest value, at once when one is NaN or infinite."""
        if self.rank != 0 or self._disabled or not values:
            return
        clean = {}
        for key, value in values.items():
            try:
                clean[str(key)] = float(value)
            except (TypeError, ValueError):
                continue
        if not clean:
            return
        if self._broker:
            self._hold_metrics(_steps(step, "step"), clean)
            return
        self._push(_Report("ReportMetrics", "sta{sd}", (self.job, _steps(step, "step"), clean), essential=False))

    def error(self, message: str, type: str = "", urgency: str = "", details: Optional[str] = None) -> None:
        """An error (always shown, also during Do Not Disturb). ``type``: ``oom_error``, ``cuda_error``,
        ``loss_divergence``, ``gradient_explosion``, ``data_error``, ``system_crash`` or your own;
        ``urgency`` "" takes the type's. ``details`` (a traceback) is kept behind "View Details"."""
        text = str(message)
        if self.rank != 0:
            text = "rank %d: %s" % (self.rank, text)
        if details and details.strip() and details.strip() != text.strip():
            text = text + "\n\n" + details
        if not self._started and self.rank == 0:
            self.start()
        _runlink.announce("ended", self.job)
        self._push(_Report("ReportError", "ssss", (self.job, text, str(type), str(urgency)), essential=True))

    def warn(self, message: str) -> None:
        """A warning (held during Do Not Disturb)."""
        if self.rank != 0:
            return
        if not self._started:
            self.start()
        self._push(_Report("ReportWarning", "ss", (self.job, str(message)), essential=False))

    def complete(self, message: str = "") -> None:
        """The training finished."""
        if self.rank != 0:
            return
        if not self._started:
            self.start(total=self.total or 1)
        _runlink.announce("ended", self.job)
        self._push(_Report("CompleteJob", "ss", (self.job, str(message)), essential=True))

    def cancel(self) -> None:
        """The training was stopped on purpose (Ctrl-C): no error notification."""
        if self.rank != 0 or not self._started:
            return
        _runlink.announce("ended", self.job)
        self._push(_Report("CancelJob", "s", (self.job,), essential=True))

    def send(self, summary: str, body: str = "", **options: Any) -> None:
        """A notification of your own, through trainbell's Do Not Disturb and urgency rules (``urgency``,
        ``icon``, ``category``, ``expire_timeout``, ``app_name``, ``transient``, ...; underscores become
        dashes: ``expire_timeout`` is ``expire-timeout``)."""
        wire = {key.replace("_", "-"): _bus.variant(value) for key, value in options.items()}
        wire.setdefault("job", ("s", self.job))
        self._push(_Report("Send", "ssa{sv}", (str(summary), str(body), wire), essential=False))

    # -- questions (these wait for the answer) ---------------------------------------------------------

    def history(self, all_jobs: bool = False, timeout: float = CALL_TIMEOUT) -> List[Dict[str, Any]]:
        """The job's notifications as trainbelld recorded them, oldest first (``all_jobs``: every job's).
        Raises :class:`TrainBellError` with trainbelld's reason when it refuses (a job it never saw); without
        a daemon (and not ``strict``) the answer is ``[]``."""
        body = self._ask("GetNotifications", "s", ("" if all_jobs else self.job,), timeout)
        return [] if body is None else [_bus.unwrap(record) for record in body[0]]

    def metrics_points(self, timeout: float = CALL_TIMEOUT) -> List[Tuple[int, Dict[str, float]]]:
        """The job's metrics as trainbelld keeps them (downsampled to about 2,000 points a metric):
        ``[(step, {name: value})]``, oldest first; ``[]`` without a daemon that keeps metrics."""
        body = self._ask("GetMetrics", "s", (self.job,), timeout)
        return [] if body is None else [(int(step), {str(k): float(v) for k, v in values.items()})
                                        for step, values in body[0]]

    def dnd(self, timeout: float = CALL_TIMEOUT) -> Tuple[bool, str]:
        """Whether Do Not Disturb is on, and which desktop setting said so."""
        body = self._ask("GetDoNotDisturb", None, (), timeout)
        return (False, "") if body is None else (bool(body[0]), str(body[1]))

    def on_action(self, callback: Callable[[str], Any]) -> None:
        """Calls ``callback(action)`` on a background thread when the user clicks one of this job's
        actions (``retry``, ``details``, ``default``, or Plasma's cancel); through a broker, from
        ``B/actions/<host>/<job>``."""
        if self._broker:
            with self._lock:
                self._action_callbacks.append(callback)
                link = self._link
                self._ensure_thread()
            if link is not None:
                link.action_callbacks.append(callback)
                link.subscribe_actions()
            return
        if self._listener is None:
            try:
                self._listener = _ActionListener(self.job, self._address)
            except _bus.NoBus as exc:
                self._unavailable(str(exc))
                return
        self._listener.callbacks.append(callback)

    # -- lifetime --------------------------------------------------------------------------------------

    def flush(self, timeout: float = EXIT_FLUSH_TIMEOUT) -> bool:
        """Waits until every queued report went out (at most ``timeout`` s); returns whether they did."""
        deadline = time.monotonic() + timeout
        with self._lock:
            if self._thread is None:
                return True
            self._lock.notify()
            while (self._queue or self._progress is not None or self._in_flight()) and not self._disabled:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._lock.wait(min(left, 0.05))
                self._lock.notify()
        return True

    def close(self, timeout: float = EXIT_FLUSH_TIMEOUT) -> None:
        """Sends what is queued (at most ``timeout`` s), then stops the thread."""
        deadline = time.monotonic() + timeout
        self.flush(timeout)
        with self._lock:
            self._closing = True
            self._lock.notify()
        if self._listener is not None:
            self._listener.stop()
        thread = self._thread
        if self._broker and thread is not None and thread is not threading.current_thread():
            # Its last act (clearing the retained progress, the disconnect) before the interpreter ends.
            thread.join(max(0.0, min(1.5, deadline - time.monotonic())))

    def __enter__(self) -> "Client":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    # -- the sender thread -----------------------------------------------------------------------------

    def _push(self, report: _Report) -> None:
        if self._disabled:
            if report.future is not None:
                report.future.set(None)
            return
        with self._lock:
            if len(self._queue) >= QUEUE_LIMIT and not report.essential:
                return
            if self._held_metrics is not None and report.essential:
                # Through a broker: the metrics held go before the report that starts or ends a run.
                self._queue.append(_Report("ReportMetrics", "sta{sd}", (self.job,) + self._take_metrics(), essential=True))
            if self._progress is not None and (report.essential or not self._broker):
                # The progress made before this report goes before it (100 % before "complete"); through a
                # broker only before the reports that end or start a run, else it waits for its second.
                self._queue.append(_Report("ReportProgress", "stt", (self.job,) + self._progress, essential=True,
                                           no_reply=True))
                self._progress = None
                self._progress_sent_at = time.monotonic()
            self._queue.append(report)
            self._ensure_thread()
            self._lock.notify()

    def _ask(self, method: str, signature: Optional[str], body: Tuple[Any, ...], timeout: float) -> Any:
        if self._broker:
            # A question needs trainbelld's answer, which a broker does not carry.
            if self.strict:
                raise TrainBellError("%s is answered by trainbelld on the bus, not through a broker" % method)
            return None
        future = _Future()
        self._push(_Report(method, signature, body, essential=True, future=future))
        return future.wait(timeout)

    def _ensure_thread(self) -> None:
        if self._thread is None and not self._disabled:
            self._thread = threading.Thread(target=self._run, name="trainbell-sender", daemon=True)
            self._thread.start()

    def _run(self) -> None:
        if self._broker:
            self._run_broker()
            return
        connection = None
        try:
            connection = _bus.connect(self._address)
            self._ping(connection)
        except Exception as exc:  # no bus, no daemon: warn once, then no-ops
            if connection is not None:
                connection.close()
            self._unavailable(str(exc))
            return
        while True:
            with self._lock:
                while not self._queue and not self._closing and not self._progress_due():
                    wait: Optional[float] = None
                    lingering = time.monotonic() < self._progress_sent_at + 2 * PROGRESS_INTERVAL
                    if self._progress is not None or lingering:
                        wait = max(0.001, self._progress_sent_at + PROGRESS_INTERVAL - time.monotonic())
                        if self._progress is None:
                            wait = max(0.001, self._progress_sent_at + 2 * PROGRESS_INTERVAL - time.monotonic())
                    self._lock.wait(wait)
                if self._closing and not self._queue and self._progress is None:
                    break
                report = self._queue.popleft() if self._queue else None
                progress = self._take_progress() if report is None else None
            try:
                if progress is not None:
                    connection.send(_bus.call("ReportProgress", "stt", (self.job,) + progress, no_reply=True))
                if report is not None:
                    self._deliver(connection, report)
            except Exception as exc:  # the bus went away
                self._unavailable("lost the D-Bus connection: %s" % exc)
                if report is not None and report.future is not None:
                    report.future.set(None)
                connection.close()
                return
            finally:
                with self._lock:
                    self._lock.notify_all()
        connection.close()

    # -- the broker's sender (TRAINBELL_BROKER) ---------------------------------------------------------

    def _wake(self) -> None:
        with self._lock:
            self._lock.notify_all()

    def _in_flight(self) -> bool:
        """Through a broker: a report taken from the queue and not yet handed over, metrics held for their
        second, or messages the broker has not acknowledged."""
        link = self._link
        return bool(self._broker) and (self._sending or self._held_metrics is not None
                                       or (link is not None and link.unacknowledged > 0))

    def _run_broker(self) -> None:
        from . import _mqtt

        try:
            link = _mqtt.BrokerLink(_mqtt.Settings(self._broker), _bus.local_host_name(), self.job, self._wake)
        except _mqtt.BrokerUnavailable as exc:
            self._unavailable(str(exc))
            return
        except Exception as exc:  # ssl or paho refusing a setting (a CA file that is no certificate)
            self._unavailable("cannot use the broker: %s" % exc)
            return
        with self._lock:
            self._link = link
            link.action_callbacks.extend(self._action_callbacks)
        if link.action_callbacks:
            link.subscribe_actions()
        try:
            link.start()
        except Exception as exc:  # refused for good (a certificate), or paho failing to start
            self._unavailable(str(exc) if isinstance(exc, _mqtt.BrokerUnavailable) else "cannot use the broker: %r" % exc)
            link.close()
            return
        told = False
        metrics_sent_at = -math.inf
        while True:
            with self._lock:
                while True:
                    now = time.monotonic()
                    ready = link.connected and link.has_room
                    metrics_due = self._held_metrics is not None and (now - metrics_sent_at >= self._interval or self._closing)
                    if link.refused or (link.trouble and not told):
                        break
                    if ready and (self._queue or self._progress_due() or metrics_due
                                  or (self._closing and self._progress is not None)):
                        break
                    if self._closing and (not ready or (self._progress is None and self._held_metrics is None)) \
                            and not (ready and self._queue):
                        break
                    wait: Optional[float] = None
                    if ready:
                        dues = [self._progress_sent_at + self._interval] if self._progress is not None else []
                        if self._held_metrics is not None:
                            dues.append(metrics_sent_at + self._interval)
                        if dues:
                            wait = max(0.001, min(dues) - now)
                    self._lock.wait(wait)
                refused, trouble = link.refused, (link.trouble if not told else None)
                report = progress = metrics = None
                if not refused and not trouble:
                    if not ready:
                        break  # closing, and the broker is not there: flush() waited its bound
                    if self._queue:
                        report = self._queue.popleft()
                    elif self._progress_due() or (self._closing and self._progress is not None):
                        progress = self._take_progress()
                    elif metrics_due:
                        metrics = self._take_metrics()
                    else:
                        break  # closing, nothing left
                    self._sending = True
            if refused:
                link.close()
                self._unavailable(refused)
                return
            if trouble:
                told = True
                self._say_once("trainbell: %s; reports wait for it (at most %d queued)" % (trouble, QUEUE_LIMIT))
                continue
            try:
                if progress is not None:
                    if not link.progress(*progress):
                        with self._lock:  # the connection went just now: sent when it is back
                            if self._progress is None:
                                self._progress = progress
                elif metrics is not None:
                    link.event("metrics", step=_mqtt.step_number(metrics[0]), metrics=metrics[1])
                    metrics_sent_at = time.monotonic()
                elif report is not None:
                    self._publish(link, report)
            except Exception as exc:  # paho refused a message: never the training's problem
                self._say_once("trainbell: the broker client failed: %r" % exc)
            finally:
                with self._lock:
                    self._sending = False
                    self._lock.notify_all()
        link.close()

    def _take_metrics(self) -> Optional[Tuple[int, Dict[str, float]]]:
        """The metrics held (the lock held), now to be sent."""
        if self._held_metrics is None:
            return None
        taken = (self._held_step, self._held_metrics)
        self._held_metrics = None
        return taken

    def _hold_metrics(self, step: int, values: Dict[str, float]) -> None:
        """Through a broker: metrics are held here, not queued, so each name's latest value always goes
        out whatever the queue holds. A name turning NaN or infinite (a diverged loss, the signal) goes at
        once, after what was held, and is never dropped; a run of NaN after it is coalesced as usual."""
        with self._lock:
            turned = {k for k, v in values.items() if not math.isfinite(v)} - self._not_finite
            self._not_finite = (self._not_finite | turned) - {k for k, v in values.items() if math.isfinite(v)}
            if turned:
                held = self._take_metrics()
                if held is not None:
                    self._queue.append(_Report("ReportMetrics", "sta{sd}", (self.job,) + held, essential=True))
                self._queue.append(_Report("ReportMetrics", "sta{sd}", (self.job, step, values), essential=True))
            else:
                first = self._held_metrics is None
                self._held_metrics = dict(self._held_metrics or {}, **values)
                self._held_step = step
                if not first:
                    return
            self._ensure_thread()
            self._lock.notify()

    def _publish(self, link: Any, report: _Report) -> None:
        """One report as schema v1 (README "Schema v1")."""
        from . import _mqtt

        method, body = report.method, report.body
        if method == "ReportProgress":
            link.progress(body[1], body[2])
        elif method == "ReportMetrics":
            link.event("metrics", step=_mqtt.step_number(body[1]), metrics=body[2])
        elif method == "StartJob":
            link.event("start", title=_mqtt.fit(str(body[1]), 4096), total=_mqtt.step_number(body[2]))
        elif method == "ReportError":
            members: Dict[str, Any] = {"message": _mqtt.fit(body[1]), "type": _mqtt.fit(body[2], 64)}
            if body[3] and len(body[3]) <= 16:
                members["urgency"] = body[3]
            link.event("error", **members)
        elif method == "ReportWarning":
            link.event("warning", message=_mqtt.fit(body[1]))
        elif method == "CompleteJob":
            link.event("complete", **({"message": _mqtt.fit(body[1])} if body[1] else {}))
            link.clear_progress()
        elif method == "CancelJob":
            link.event("cancel")
            link.clear_progress()
        elif method == "Send":
            if not self._said_send:
                self._said_send = True
                warnings.warn("trainbell: send() has no message in the broker's schema v1; through a broker it is "
                              "not sent (error, warn and complete are)", RuntimeWarning, stacklevel=2)
        elif report.future is not None:
            report.future.set(None)  # (questions are answered by _ask without a queue)

    def _say_once(self, text: str) -> None:
        with self._lock:
            first = not self._warned
            self._warned = True
        if first:
            warnings.warn(text, RuntimeWarning, stacklevel=2)

    @staticmethod
    def _ping(connection: Any) -> None:
        """Activates trainbelld if it is not running, and tells whether it can be reached."""
        try:
            reply = connection.send_and_get_reply(_bus.call("Ping", address=_bus.PEER), timeout=CALL_TIMEOUT)
        except (OSError, TimeoutError) as exc:
            raise _bus.NoBus("the D-Bus bus did not answer: %s" % exc) from exc
        if reply.header.message_type.name == "error":
            raise _bus.NoBus("trainbelld is not reachable: %s" % (reply.body[0] if reply.body else "no answer"))

    def _progress_due(self) -> bool:
        return self._progress is not None and time.monotonic() - self._progress_sent_at >= self._interval

    def _take_progress(self) -> Optional[Tuple[int, int]]:
        if self._progress is None or not (self._progress_due() or self._closing):
            return None
        progress, self._progress = self._progress, None
        self._progress_sent_at = time.monotonic()
        return progress

    def _deliver(self, connection: Any, report: _Report) -> None:
        if report.no_reply:
            connection.send(_bus.call(report.method, report.signature, report.body, no_reply=True))
            return
        if report.method == "ReportMetrics" and not self._daemon_has_metrics(connection):
            return
        message = _bus.call(report.method, report.signature, report.body)
        reply = connection.send_and_get_reply(message, timeout=CALL_TIMEOUT)
        if reply.header.message_type.name == "error":
            text = "trainbelld refused %s: %s" % (report.method, reply.body[0] if reply.body else "")
            if report.future is not None:
                report.future.set(error=TrainBellError(text))
            elif self.strict:
                warnings.warn(text, RuntimeWarning, stacklevel=2)
            else:
                # trainbelld went away (or refused): said once; reports go on, in case it comes back.
                with self._lock:
                    first = not self._warned
                    self._warned = True
                if first:
                    warnings.warn("trainbell: %s; later reports are still sent" % text, RuntimeWarning, stacklevel=2)
            return
        if report.future is not None:
            report.future.set(reply.body)

    def _daemon_has_metrics(self, connection: Any) -> bool:
        if self._has_metrics is None:
            reply = connection.send_and_get_reply(_bus.call("Introspect", address=_bus.INTROSPECTABLE), timeout=CALL_TIMEOUT)
            self._has_metrics = bool(reply.body) and '"ReportMetrics"' in str(reply.body[0])
        return self._has_metrics

    def _unavailable(self, why: str) -> None:
        with self._lock:
            self._disabled = True
            pending = [r for r in self._queue if r.future is not None]
            self._queue.clear()
            self._progress = None
            self._lock.notify_all()
            first = not self._warned
            self._warned = True
        for report in pending:
            assert report.future is not None
            report.future.set(error=TrainBellError(why)) if self.strict else report.future.set(None)
        if first and not self.strict:
            warnings.warn("trainbell: notifications are off for this run (%s)" % why, RuntimeWarning, stacklevel=2)


def _steps(value: Any, what: str) -> int:
    """A step count as D-Bus's unsigned 64-bit integer; floats (inf from Lightning) mean "not known"."""
    if type(value) is int and 0 <= value < 2 ** 64:
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            return 0
        value = int(value)
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise TypeError("%s must be a whole number of steps, not %r" % (what, value)) from None
    return min(max(number, 0), 2 ** 64 - 1)


class _ActionListener:
    """A connection of its own that receives trainbell's ``ActionInvoked`` for one job."""

    def __init__(self, job: str, address: Optional[str]) -> None:
        from jeepney import MatchRule
        from jeepney.bus_messages import message_bus

        self.job = job
        self.callbacks: List[Callable[[str], Any]] = []
        self.connection = _bus.connect(address)
        # Through a forwarded socket the desktop names the job HOST/ID.
        job = _bus.desktop_job_id(self.connection, job)
        # The bus matches the sender by the name's owner; jeepney's local filter would compare the unique
        # name with the well-known one, so the local rule leaves the sender out.
        on_bus = MatchRule(type="signal", sender=_bus.BUS_NAME, interface=_bus.INTERFACE,
                           member="ActionInvoked", path=_bus.PATH)
        on_bus.add_arg_condition(0, job)
        self.rule = MatchRule(type="signal", interface=_bus.INTERFACE, member="ActionInvoked", path=_bus.PATH)
        self.rule.add_arg_condition(0, job)
        self.connection.send_and_get_reply(message_bus.AddMatch(on_bus), timeout=CALL_TIMEOUT)
        self._stop = threading.Event()
        self.thread = threading.Thread(target=self._run, name="trainbell-actions", daemon=True)
        self.thread.start()

    def _run(self) -> None:
        try:
            self._receive()
        finally:
            self.connection.close()

    def _receive(self) -> None:
        with self.connection.filter(self.rule, bufsize=64) as queue:
            while not self._stop.is_set():
                try:
                    message = self.connection.recv_until_filtered(queue, timeout=0.5)
                except TimeoutError:
                    continue
                except Exception:
                    return
                action = str(message.body[1]) if len(message.body) > 1 else ""
                for callback in list(self.callbacks):
                    try:
                        callback(action)
                    except Exception as exc:  # a failing callback must not stop the others
                        warnings.warn("trainbell: on_action callback failed: %r" % exc, RuntimeWarning)

    def stop(self) -> None:
        self._stop.set()
        if threading.current_thread() is not self.thread:
            self.thread.join(1.0)


_live_clients: "weakref.WeakSet[Client]" = weakref.WeakSet()


@atexit.register
def _flush_at_exit() -> None:
    deadline = time.monotonic() + EXIT_FLUSH_TIMEOUT
    for client in list(_live_clients):
        client.close(max(0.0, deadline - time.monotonic()))
