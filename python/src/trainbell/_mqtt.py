"""The broker side: a training's reports as MQTT messages of trainbell's schema v1 (README "Through an
MQTT broker", "Schema v1"), published with paho-mqtt (the optional extra ``pip install trainbell[mqtt]``).

The broker URL follows the daemon's rules (Sources/TrainBellCore/Remote/BrokerURL.swift): ``mqtts://``
is TLS (port 8883 unless given), plain ``mqtt://`` (1883) only to the loopback unless
``TRAINBELL_BROKER_INSECURE=1``; the password comes from ``TRAINBELL_BROKER_PASSWORD_FILE``, never from
the URL, and is never logged.
"""

from __future__ import annotations

import itertools
import json
import os
import queue
import ssl
import threading
import time
from typing import Any, Callable, Dict, List, Optional, Set

#: The schema version this package writes.
VERSION = 1
#: What trainbelld takes as a host name (RemoteHostName.swift).
HOST_ACCEPTED = "1 to 64 letters, digits, '.', '-' or '_', starting with a letter or a digit (e.g. gpu-07)"
#: The longest job id trainbelld takes from a broker.
MAXIMUM_JOB_BYTES = 255
#: Payloads over 256 KiB are refused by trainbelld; long texts are cut to stay well below.
MAXIMUM_TEXT_BYTES = 192 << 10
#: The largest step trainbelld reads from JSON (a whole number up to 2^53).
MAXIMUM_STEP = 2 ** 53
#: Messages handed to paho and not yet acknowledged, past which reports wait in the client's queue
#: (bounded there) rather than in paho's (unbounded).
MAXIMUM_UNACKNOWLEDGED = 64
#: How long a connection attempt (TCP and TLS handshake) may take.
CONNECT_TIMEOUT = 5.0
#: Action names of schema v1.
ACTIONS = ("retry", "details", "cancel", "default")

ACCEPTED = "mqtts://[USER@]HOST[:PORT]/TOPIC/BASE (or mqtt:// to the loopback, or anywhere with TRAINBELL_BROKER_INSECURE=1)"
INSTALL_HINT = "pip install trainbell[mqtt] (from a checkout: pip install ./python[mqtt])"


class BrokerUnavailable(Exception):
    """The broker cannot be used: a bad URL or file, paho-mqtt missing, or the broker refused us."""


class BrokerURL:
    """A broker URL as trainbelld reads it: ``mqtts://user@host:8883/trainbell/alice``."""

    def __init__(self, text: str, insecure: bool = False) -> None:
        shown = _without_password(text)
        if text.startswith("mqtts://"):
            self.tls, rest = True, text[8:]
        elif text.startswith("mqtt://"):
            self.tls, rest = False, text[7:]
        else:
            raise BrokerUnavailable("'%s' is not a broker URL; accepted: %s" % (shown, ACCEPTED))
        slash = rest.find("/")
        if slash < 0:
            raise BrokerUnavailable("'%s' has no topic base (the path, e.g. /trainbell/alice); accepted: %s" % (shown, ACCEPTED))
        authority, path = rest[:slash], rest[slash + 1:].rstrip("/")
        if not path or "+" in path or "#" in path or "" in path.split("/"):
            raise BrokerUnavailable("'%s': the topic base must be non-empty topic levels without '+' or '#' (e.g. /trainbell/alice)" % shown)
        self.base = path
        self.user: Optional[str] = None
        at = authority.rfind("@")
        if at >= 0:
            user = authority[:at]
            if not user or ":" in user:
                raise BrokerUnavailable("'%s': put no password in the URL (use TRAINBELL_BROKER_PASSWORD_FILE); the user goes before '@'"
                                        % shown)
            self.user, authority = user, authority[at + 1:]
        host, port = authority, None
        if host.startswith("["):
            close = host.find("]")
            if close < 0:
                raise BrokerUnavailable("'%s': an unclosed '['" % shown)
            after = host[close + 1:]
            if after.startswith(":"):
                port = after[1:]
            elif after:
                raise BrokerUnavailable("'%s': text after ']'" % shown)
            host = host[1:close]
        elif ":" in host:
            host, port = host.rsplit(":", 1)
        if not host:
            raise BrokerUnavailable("'%s' names no host; accepted: %s" % (shown, ACCEPTED))
        self.host = host
        if port is not None:
            if not (port.isascii() and port.isdigit() and 1 <= int(port) <= 65535):
                raise BrokerUnavailable("'%s': port '%s' is not 1 to 65535" % (shown, port))
            self.port = int(port)
        else:
            self.port = 8883 if self.tls else 1883
        if not self.tls and not insecure and not self.is_loopback:
            raise BrokerUnavailable("'%s': plain mqtt:// sends the password and the events unencrypted; use mqtts://, "
                                    "or set TRAINBELL_BROKER_INSECURE=1 for a trusted network" % shown)

    @property
    def is_loopback(self) -> bool:
        parts = self.host.split(".")
        return self.host in ("localhost", "::1") or (self.host.startswith("127.") and len(parts) == 4)

    def __str__(self) -> str:
        host = "[%s]" % self.host if ":" in self.host else self.host
        return "%s://%s%s:%d/%s" % ("mqtts" if self.tls else "mqtt", self.user + "@" if self.user else "", host,
                                    self.port, self.base)


def _without_password(text: str) -> str:
    """``text`` with what stands between ``//`` and ``@`` reduced to the user (a password is never shown)."""
    head, sep, rest = text.partition("://")
    authority, slash, path = rest.partition("/")
    if "@" in authority:
        user, _, host = authority.rpartition("@")
        authority = user.split(":", 1)[0] + ":…@" + host
    return head + sep + authority + slash + path


def escape(segment: str) -> str:
    """One topic segment for ``segment``: ``%``, ``/``, ``+``, ``#`` (and NUL) escaped as trainbelld reads them."""
    return (segment.replace("%", "%25").replace("/", "%2F").replace("+", "%2B").replace("#", "%23")
            .replace("\0", "%00"))


def valid_host(name: str) -> bool:
    data = name.encode("utf-8", "replace")
    return 1 <= len(data) <= 64 and data[:1].isalnum() and data.isascii() \
        and all(c.isalnum() or c in "._-" for c in name)


def check_names(host: str, job: str) -> None:
    """BrokerUnavailable when trainbelld would refuse every event of this host or job."""
    if not valid_host(host):
        raise BrokerUnavailable("the host name '%s' (TRAINBELL_HOST, or this machine's name) is not accepted by "
                                "trainbelld; accepted: %s" % (host, HOST_ACCEPTED))
    if not job or len(job.encode("utf-8")) > MAXIMUM_JOB_BYTES:
        raise BrokerUnavailable("the job id '%s…' is %d bytes; through a broker: 1 to %d"
                                % (job[:40], len(job.encode("utf-8")), MAXIMUM_JOB_BYTES))


def _flag(value: str) -> bool:
    return value.strip().lower() in ("1", "true", "yes", "on")


class Settings:
    """Where and how to publish: the URL, the password (first line of its file), the CA file."""

    def __init__(self, broker: str, environ: Optional[Dict[str, str]] = None) -> None:
        env = os.environ if environ is None else environ
        self.url = BrokerURL(broker.strip(), insecure=_flag(env.get("TRAINBELL_BROKER_INSECURE", "")))
        self.password: Optional[str] = None
        path = env.get("TRAINBELL_BROKER_PASSWORD_FILE", "").strip()
        if path and self.url.user is not None:
            try:
                with open(path, "rb") as file:
                    line = file.readline(4096)
            except OSError as exc:
                raise BrokerUnavailable("cannot read the password file %s (TRAINBELL_BROKER_PASSWORD_FILE): %s"
                                        % (path, exc.strerror or exc)) from None
            self.password = line.decode("utf-8", "replace").rstrip("\r\n")
        self.ca_file = env.get("TRAINBELL_BROKER_CA_FILE", "").strip() or None
        if self.ca_file is not None and not os.access(self.ca_file, os.R_OK):
            raise BrokerUnavailable("cannot read the CA file %s (TRAINBELL_BROKER_CA_FILE)" % self.ca_file)


_PROCESS_TOKEN = os.urandom(4).hex()
_sequence = itertools.count(1)


def _new_process() -> None:
    global _PROCESS_TOKEN, _sequence
    _PROCESS_TOKEN, _sequence = os.urandom(4).hex(), itertools.count(1)


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_new_process)


def event_id(host: str) -> str:
    """An event id unique per publisher: host, pid, a random token of this process (pids are reused,
    in containers every run may be pid 1) and a sequence number."""
    return "%s-%d-%s-%d" % (host, os.getpid(), _PROCESS_TOKEN, next(_sequence))


def fit(text: str, limit: int = MAXIMUM_TEXT_BYTES) -> str:
    """``text`` cut to ``limit`` UTF-8 bytes, keeping its beginning and its end (a traceback's last lines)."""
    data = text.encode("utf-8", "replace")
    if len(data) <= limit:
        return text
    if limit < 1024:
        return data[:limit].decode("utf-8", "ignore")
    head, tail = limit // 4, limit - limit // 4 - 64
    return (data[:head].decode("utf-8", "ignore") + "\n[… %d bytes left out …]\n" % (len(data) - head - tail)
            + data[-tail:].decode("utf-8", "ignore"))


def step_number(value: int) -> int:
    return min(max(int(value), 0), MAXIMUM_STEP)


def payload(host: str, job: str, event: str, **members: Any) -> bytes:
    """One JSON message of schema v1 (NaN and infinities bare, as trainbelld reads them)."""
    message: Dict[str, Any] = {"v": VERSION, "id": event_id(host), "host": host, "job": job, "event": event,
                               "time": time.time()}
    message.update(members)
    # "replace": a lone surrogate (an undecodable file name in a message) becomes '?', not an exception.
    return json.dumps(message, separators=(",", ":"), ensure_ascii=False, allow_nan=True).encode("utf-8", "replace")


def paho() -> Any:
    """The paho-mqtt client module (2.0 or later), or BrokerUnavailable naming the extra to install."""
    try:
        import paho.mqtt.client as client
        client.CallbackAPIVersion  # paho-mqtt 2.0 and later
    except (ImportError, AttributeError):
        raise BrokerUnavailable("publishing to a broker (TRAINBELL_BROKER) needs paho-mqtt 2.0 or later, which is "
                                "not installed: %s" % INSTALL_HINT) from None
    return client


class BrokerLink:
    """One connection to the broker for one job: publishes its events (QoS 1) and progress (QoS 0,
    retained), knows which messages the broker has not acknowledged yet, and receives the job's actions.

    paho runs its network loop in a thread of its own (``loop_start``) and reconnects by itself (1 s,
    doubling to 60 s). ``wake`` is called (from that thread) when the connection or the count of
    unacknowledged messages changes; it must not call back into paho.
    """

    def __init__(self, settings: Settings, host: str, job: str, wake: Callable[[], None]) -> None:
        check_names(host, job)
        mqtt = paho()
        self.settings = settings
        self.url = settings.url
        self.host, self.job = host, job
        self.events_topic = self.url.base + "/events"
        self.progress_topic = "%s/progress/%s/%s" % (self.url.base, escape(host), escape(job))
        self.actions_topic = "%s/actions/%s/%s" % (self.url.base, escape(host), escape(job))
        self._wake = wake
        self.connected = False
        #: Why the broker cannot be used at all (it refused us): set once, then nothing is sent.
        self.refused: Optional[str] = None
        #: The latest reason a connection failed or was lost (for the one warning).
        self.trouble: Optional[str] = None
        self._acks = threading.Lock()
        self._pending: Set[int] = set()
        self._early: Set[int] = set()  # acknowledged before publish() returned its mid
        self._actions: Optional["queue.SimpleQueue[str]"] = None
        self._subscribed = False
        self.action_callbacks: List[Callable[[str], Any]] = []
        self._client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id="", clean_session=True,
                                   protocol=mqtt.MQTTv311)
        self._client.connect_timeout = CONNECT_TIMEOUT
        self._client.reconnect_delay_set(1, 60)
        if self.url.user is not None:
            self._client.username_pw_set(self.url.user, settings.password)
        if self.url.tls:
            context = ssl.create_default_context(cafile=settings.ca_file)
            self._client.tls_set_context(context)
        # A publisher that dies (killed, its host gone) leaves no progress behind: the broker clears the
        # retained message then, as complete, cancel and close do.
        self._client.will_set(self.progress_topic, b"", qos=1, retain=True)
        self._retained = False
        self._client.on_connect = self._connected
        self._client.on_disconnect = self._disconnected
        self._client.on_publish = self._published
        self._client.on_message = self._message

    # -- connecting --------------------------------------------------------------------------------------

    def start(self) -> None:
        """Connects (the first attempt here, to know why it fails), then lets paho's thread go on."""
        try:
            self._client.connect(self.url.host, self.url.port, keepalive=60)
        except ssl.SSLCertVerificationError as exc:
            raise BrokerUnavailable("the broker at %s failed TLS verification: %s (TRAINBELL_BROKER_CA_FILE names the CA)"
                                    % (self.url, exc.verify_message or exc)) from None
        except (OSError, ValueError) as exc:
            # Not there (yet): paho keeps trying; reports wait for it.
            self.trouble = "cannot reach the broker at %s: %s" % (self.url, _reason(exc))
            self._client.connect_async(self.url.host, self.url.port, keepalive=60)
        self._client.loop_start()

    def _connected(self, client: Any, userdata: Any, flags: Any, reason: Any, properties: Any) -> None:
        if reason.is_failure:
            self.refused = "the broker at %s refused the connection: %s" % (self.url, reason)
            client.disconnect()
        else:
            self.connected = True
            self.trouble = None
            if self.action_callbacks:
                self._subscribed = False
                self.subscribe_actions()
        self._wake()

    def _disconnected(self, client: Any, userdata: Any, flags: Any, reason: Any, properties: Any) -> None:
        was = self.connected
        self.connected = False
        if was and self.refused is None and reason.is_failure:
            self.trouble = "lost the broker at %s: %s" % (self.url, reason)
        self._subscribed = False
        self._wake()

    def _published(self, client: Any, userdata: Any, mid: int, reason: Any, properties: Any) -> None:
        with self._acks:
            if mid in self._pending:
                self._pending.discard(mid)
            else:
                self._early.add(mid)
        self._wake()

    # -- publishing ----------------------------------------------------------------------------------------

    @property
    def has_room(self) -> bool:
        return len(self._pending) < MAXIMUM_UNACKNOWLEDGED

    @property
    def unacknowledged(self) -> int:
        return len(self._pending)

    def _publish(self, topic: str, data: bytes, qos: int, retain: bool = False) -> bool:
        info = self._client.publish(topic, data, qos=qos, retain=retain)
        if qos == 0 and info.rc != 0:
            return False  # not connected after all: QoS 0 is not kept by paho
        with self._acks:
            if info.mid in self._early:
                self._early.discard(info.mid)
            else:
                self._pending.add(info.mid)
        return True

    def event(self, event: str, **members: Any) -> None:
        """An event on ``B/events``, QoS 1 (paho keeps it until the broker acknowledges it)."""
        self._publish(self.events_topic, payload(self.host, self.job, event, **members), qos=1)

    def progress(self, step: int, total: int) -> bool:
        """The job's progress on its retained topic, QoS 0; False when it could not go out now."""
        data = payload(self.host, self.job, "progress", step=step_number(step), total=step_number(total))
        if not self._publish(self.progress_topic, data, qos=0, retain=True):
            return False
        self._retained = True
        return True

    def clear_progress(self) -> None:
        """Clears the retained progress (an empty retained message; QoS 1 so that it is not lost)."""
        self._publish(self.progress_topic, b"", qos=1, retain=True)
        self._retained = False

    # -- actions ---------------------------------------------------------------------------------------------

    def subscribe_actions(self) -> None:
        """Receives ``B/actions/<host>/<job>``; each action goes to ``action_callbacks`` on a thread of its own."""
        if self._actions is None:
            self._actions = queue.SimpleQueue()
            threading.Thread(target=self._dispatch, name="trainbell-actions", daemon=True).start()
        if self.connected and not self._subscribed:
            self._subscribed = True
            self._client.subscribe(self.actions_topic, qos=1)

    def _message(self, client: Any, userdata: Any, message: Any) -> None:
        if message.topic != self.actions_topic or self._actions is None or len(message.payload) > 4096:
            return
        try:
            value = json.loads(message.payload.decode("utf-8"))
        except (ValueError, UnicodeDecodeError):
            return
        if isinstance(value, dict) and value.get("v") == VERSION and value.get("host") == self.host \
                and value.get("job") == self.job and value.get("action") in ACTIONS:
            self._actions.put(value["action"])

    def _dispatch(self) -> None:
        import warnings

        assert self._actions is not None
        while True:
            action = self._actions.get()
            if action is None:
                return
            for callback in list(self.action_callbacks):
                try:
                    callback(action)
                except Exception as exc:  # a failing callback must not stop the others
                    warnings.warn("trainbell: on_action callback failed: %r" % exc, RuntimeWarning)

    # -- the end ---------------------------------------------------------------------------------------------

    def close(self, timeout: float = 1.0) -> None:
        """Clears the retained progress the run left (it ended without complete or cancel), then
        disconnects; paho's thread ends by itself (never waited for beyond ``timeout``)."""
        try:
            if self.connected and self._retained:
                self.clear_progress()
                deadline = time.monotonic() + timeout
                while self._pending and self.connected and time.monotonic() < deadline:
                    time.sleep(0.01)
            self._client.disconnect()
        except Exception:
            pass
        if self._actions is not None:
            self._actions.put(None)  # type: ignore[arg-type]


def _reason(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return str(exc) or type(exc).__name__


def probe(settings: Settings, timeout: float = CONNECT_TIMEOUT) -> None:
    """Connects once and waits for the broker's answer (``strict=True``); BrokerUnavailable when it fails."""
    mqtt = paho()
    answer: Dict[str, Any] = {}
    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id="", clean_session=True, protocol=mqtt.MQTTv311)
    client.connect_timeout = timeout
    if settings.url.user is not None:
        client.username_pw_set(settings.url.user, settings.password)
    if settings.url.tls:
        client.tls_set_context(ssl.create_default_context(cafile=settings.ca_file))
    client.on_connect = lambda c, u, f, reason, p: answer.setdefault("reason", reason)
    try:
        client.connect(settings.url.host, settings.url.port, keepalive=60)
        deadline = time.monotonic() + timeout
        while "reason" not in answer and time.monotonic() < deadline:
            client.loop(timeout=0.1)
    except ssl.SSLCertVerificationError as exc:
        raise BrokerUnavailable("the broker at %s failed TLS verification: %s" % (settings.url, exc.verify_message or exc)) from None
    except (OSError, ValueError) as exc:
        raise BrokerUnavailable("cannot reach the broker at %s: %s" % (settings.url, _reason(exc))) from None
    finally:
        try:
            client.disconnect()
        except Exception:
            pass
    if "reason" not in answer:
        raise BrokerUnavailable("the broker at %s did not answer within %.0f s" % (settings.url, timeout))
    if answer["reason"].is_failure:
        raise BrokerUnavailable("the broker at %s refused the connection: %s" % (settings.url, answer["reason"]))

