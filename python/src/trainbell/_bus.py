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


def bus_address(environ: Optional[Dict[str, str]] = None) -> str:
    """The address trainbell reaches: ``TRAINBELL_ADDRESS`` when set (a remote desktop's bus reached
    through a tunnel), else the session bus as libdbus finds it (``DBUS_SESSION_BUS_ADDRESS``, else
    ``unix:path=$XDG_RUNTIME_DIR/bus``)."""
    env = os.environ if environ is None else environ
    for name in ("TRAINBELL_ADDRESS", "DBUS_SESSION_BUS_ADDRESS"):
        value = env.get(name, "").strip()
        if value:
            return value
    runtime = env.get("XDG_RUNTIME_DIR", "")
    if runtime and os.path.exists(os.path.join(runtime, "bus")):
        return "unix:path=" + os.path.join(runtime, "bus")
    raise NoBus(
        "no D-Bus session bus: DBUS_SESSION_BUS_ADDRESS and TRAINBELL_ADDRESS are unset and "
        "$XDG_RUNTIME_DIR/bus does not exist"
    )


def connect(address: Optional[str] = None, timeout: float = 2.0) -> DBusConnection:
    """A blocking connection to the bus (``bus_address()`` unless given)."""
    where = address or bus_address()
    try:
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
