"""The bus side: where trainbelld is, and the messages of its interface (dbus/org.trainbell.TrainBell1.xml).

Only jeepney (pure Python) is used, so the package installs anywhere Python does.
"""

from __future__ import annotations

import os
from typing import Any, Dict, Optional, Tuple

from jeepney import DBusAddress, Message, new_method_call
from jeepney.io.blocking import DBusConnection, open_dbus_connection
from jeepney.low_level import MessageFlag

BUS_NAME = "org.trainbell.TrainBell1"
PATH = "/org/trainbell/TrainBell1"
INTERFACE = "org.trainbell.TrainBell1"

TRAINBELL = DBusAddress(PATH, bus_name=BUS_NAME, interface=INTERFACE)
PEER = DBusAddress(PATH, bus_name=BUS_NAME, interface="org.freedesktop.DBus.Peer")
INTROSPECTABLE = DBusAddress(PATH, bus_name=BUS_NAME, interface="org.freedesktop.DBus.Introspectable")


class NoBus(Exception):
    """No session bus could be found or reached."""


FORWARDED_NAME = "desktop"


def forwarded_candidates(environ: Optional[Dict[str, str]] = None) -> "list[str]":
    """Where a desktop's trainbell socket forwarded by ``trainbell ssh`` is looked for, in order:
    ``$XDG_RUNTIME_DIR/trainbell/desktop``, then ``~/.cache/trainbell/desktop``."""
    env = os.environ if environ is None else environ
    paths = []
    runtime = env.get("XDG_RUNTIME_DIR", "")
    if runtime.startswith("/"):
        paths.append(os.path.join(runtime, "trainbell", FORWARDED_NAME))
    home = env.get("HOME", "")
    if home.startswith("/"):
        paths.append(os.path.join(home, ".cache", "trainbell", FORWARDED_NAME))
    return paths


def _answers(path: str) -> bool:
    """Whether something accepts connections on the Unix socket at ``path``."""
    import socket
    import stat

    try:
        if not stat.S_ISSOCK(os.stat(path).st_mode):
            return False
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as probe:
            probe.settimeout(1.0)
            probe.connect(path)
        return True
    except OSError:
        return False


def bus_address(environ: Optional[Dict[str, str]] = None) -> str:
    """The address trainbell reaches: ``TRAINBELL_ADDRESS`` when set, else a desktop's trainbell
    socket forwarded to this host (``trainbell ssh``) when it answers, else the session bus as libdbus
    finds it (``DBUS_SESSION_BUS_ADDRESS``, else ``unix:path=$XDG_RUNTIME_DIR/bus``)."""
    env = os.environ if environ is None else environ
    value = env.get("TRAINBELL_ADDRESS", "").strip()
    if value:
        return value
    for path in forwarded_candidates(env):
        if _answers(path):
            return "unix:path=" + path
    value = env.get("DBUS_SESSION_BUS_ADDRESS", "").strip()
    if value:
        return value
    runtime = env.get("XDG_RUNTIME_DIR", "")
    if runtime and os.path.exists(os.path.join(runtime, "bus")):
        return "unix:path=" + os.path.join(runtime, "bus")
    raise NoBus(
        "no D-Bus session bus: DBUS_SESSION_BUS_ADDRESS and TRAINBELL_ADDRESS are unset, "
        "$XDG_RUNTIME_DIR/bus does not exist, and no forwarded trainbell socket answers"
    )


def _open_forwarded(path: str, timeout: float) -> DBusConnection:
    """A connection to a forwarded trainbell socket, authenticated as ANONYMOUS: through ``ssh`` the
    desktop sees the ssh process (of its own user) connect, whatever this host's user id is, so
    EXTERNAL with this host's id could be refused."""
    import socket

    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        sock.settimeout(timeout)
        sock.connect(path)
        sock.sendall(b"\0AUTH ANONYMOUS 747261696e62656c6c\r\n")  # hex of "trainbell"
        answer = b""
        while b"\r\n" not in answer and len(answer) < 4096:
            chunk = sock.recv(4096)
            if not chunk:
                break
            answer += chunk
        if not answer.startswith(b"OK "):
            raise OSError("the forwarded trainbell socket refused to authenticate: %r" % answer[:200])
        sock.sendall(b"BEGIN\r\n")
        sock.settimeout(None)
    except BaseException:
        sock.close()
        raise
    connection = DBusConnection(sock)
    # The desktop learns where these jobs run; their ids there are HOST/ID.
    host = local_host_name()
    if host:
        try:
            connection.send_and_get_reply(call("IdentifyHost", "s", (host,)), timeout=timeout)
            connection.trainbell_host = host  # type: ignore[attr-defined]
        except Exception:
            pass
    return connection


def local_host_name() -> str:
    """This machine's name for a desktop it reports to: ``TRAINBELL_HOST`` when set, else the host
    name up to its first dot."""
    import socket

    given = os.environ.get("TRAINBELL_HOST", "").strip()
    if given:
        return given
    return socket.gethostname().split(".")[0]


def desktop_job_id(connection: DBusConnection, job: str) -> str:
    """The id the desktop knows ``job`` by: ``HOST/job`` through a forwarded socket that took the host."""
    host = getattr(connection, "trainbell_host", "")
    return "%s/%s" % (host, job) if host and not job.startswith(host + "/") else job


def connect(address: Optional[str] = None, timeout: float = 2.0) -> DBusConnection:
    """A blocking connection to the bus (``bus_address()`` unless given)."""
    where = address or bus_address()
    try:
        if where.startswith("unix:path=") and where.endswith("/trainbell/" + FORWARDED_NAME):
            return _open_forwarded(where[len("unix:path="):], timeout)
        return open_dbus_connection(bus=where, auth_timeout=timeout)
    except Exception as exc:  # jeepney raises OSError, KeyError or ValueError for bad addresses
        raise NoBus("cannot connect to the D-Bus bus at %s: %s" % (where, exc)) from exc


def call(method: str, signature: Optional[str] = None, body: Tuple[Any, ...] = (), *,
         no_reply: bool = False, address: DBusAddress = TRAINBELL) -> Message:
    """A method call to trainbelld; ``no_reply`` sets NO_REPLY_EXPECTED (the daemon sends nothing back)."""
    message = new_method_call(address, method, signature, body)
    if no_reply:
        message.header.flags |= MessageFlag.no_reply_expected
    return message


def variant(value: Any) -> Tuple[str, Any]:
    """A Python value as the (signature, value) pair jeepney sends for a ``v``."""
    if isinstance(value, bool):
        return ("b", value)
    if isinstance(value, int):
        return ("i", value) if -(2 ** 31) <= value < 2 ** 31 else ("x", value)
    if isinstance(value, float):
        return ("d", value)
    if isinstance(value, str):
        return ("s", value)
    if isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value):
        return ("as", list(value))
    if isinstance(value, dict) and all(isinstance(k, str) for k in value):
        return ("a{sv}", {k: variant(v) for k, v in value.items()})
    raise TypeError("cannot send %r (%s) over D-Bus: use bool, int, float, str, a list of str, or a dict of these"
                    % (value, type(value).__name__))


def unwrap(value: Any) -> Any:
    """A received ``v`` (signature, value) as a plain Python value; dicts and lists unwrapped too."""
    if isinstance(value, tuple) and len(value) == 2 and isinstance(value[0], str):
        return unwrap(value[1])
    if isinstance(value, dict):
        return {k: unwrap(v) for k, v in value.items()}
    if isinstance(value, list):
        return [unwrap(v) for v in value]
    return value
