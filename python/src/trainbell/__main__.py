"""``python -m trainbell run [OPTIONS] script.py [ARGS]``: ``trainbell run`` for a Python script, with this
interpreter. Without the ``trainbell`` command (trainbelld's package not installed), the script runs here,
instrumented from the inside: its steps, errors and completion are still reported."""

from __future__ import annotations

import os
import runpy
import shutil
import sys
from typing import List

USAGE = """usage: python -m trainbell run [--job ID] [--title TEXT] [--app-id ID] [--grace SECONDS] [--] script.py [ARGS...]
       python -m trainbell run -m module [ARGS...]

Runs the script with this Python under `trainbell run`, which reports its progress, errors and
completion as desktop notifications (see `trainbell run --help`)."""

_WITH_VALUE = {"--job", "--title", "--app-id", "--grace"}


def main(argv: List[str]) -> int:
    if not argv or argv[0] in ("-h", "--help"):
        print(USAGE)
        return 0 if argv else 2
    if argv[0] != "run":
        print("python -m trainbell: unknown command %r; the command is `run`\n\n%s" % (argv[0], USAGE), file=sys.stderr)
        return 2
    options: List[str] = []
    rest = argv[1:]
    while rest and rest[0].startswith("--") and rest[0] != "--":
        option = rest.pop(0)
        name = option.split("=", 1)[0]
        if name not in _WITH_VALUE:
            print("python -m trainbell run: unknown option %r (accepted: %s)" % (option, ", ".join(sorted(_WITH_VALUE))), file=sys.stderr)
            return 2
        options.append(option)
        if "=" not in option:
            if not rest:
                print("python -m trainbell run: %s needs a value" % option, file=sys.stderr)
                return 2
            options.append(rest.pop(0))
    if rest and rest[0] == "--":
        rest.pop(0)
    if not rest:
        print("python -m trainbell run: missing the script to run\n\n%s" % USAGE, file=sys.stderr)
        return 2
    command = shutil.which("trainbell")
    if command:
        os.execv(command, [command, "run", *options, "--", sys.executable, *rest])
    return _run_here(options, rest)


def _run_here(options: List[str], rest: List[str]) -> int:
    """No `trainbell` command: the script runs in this interpreter, reported from the inside."""
    values = {}
    i = 0
    while i < len(options):
        name, _, value = options[i].partition("=")
        if not value:
            i += 1
            value = options[i]
        values[name] = value
        i += 1
    from .client import default_job_id

    sys.argv = rest[:]
    os.environ["TRAINBELL_JOB"] = values.get("--job") or default_job_id()
    os.environ.setdefault("TRAINBELL_TITLE", values.get("--title") or " ".join(rest))
    if values.get("--app-id"):
        os.environ["TRAINBELL_APP_ID"] = values["--app-id"]
    from . import _autoload

    try:
        if rest[0] == "-m" and len(rest) > 1:
            sys.argv = rest[1:]
            runpy.run_module(rest[1], run_name="__main__", alter_sys=True)
        else:
            runpy.run_path(rest[0], run_name="__main__")
    except SystemExit as exit:
        code = exit.code if isinstance(exit.code, int) else (0 if exit.code is None else 1)
        if code == 0:
            _autoload.client().complete()
        return code
    except BaseException as exc:
        _autoload._report_uncaught(exc)
        raise
    _autoload.client().complete()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
