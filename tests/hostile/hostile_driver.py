"""Run many ``kpitools`` command lines in one interpreter, each as the console script would.

Usage: ``python hostile_driver.py CASES.json RESULTS.json``. ``CASES.json`` is a list of
``{"id", "argv", "cwd", "limit"}``; for each case this runs ``kpitools.cli.main(argv)`` in
``cwd`` with its own stdout and stderr captured at the file-descriptor level (so that what
a C library or Python's "Exception ignored" printer writes is caught too), every Python
warning shown (as a user would see it on the console), and a time limit (SIGALRM). One
interpreter start for the whole batch: the harness stays a small share of ``make test``.

Each result: ``{"id", "code", "stdout", "stderr", "seconds", "timed_out"}``; ``code`` is
the exit code the console script would give (``SystemExit`` included).
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import signal
import sys
import tempfile
import time
import warnings


class CaseTimeout(BaseException):
    """The case ran past its time limit (a hang)."""


def _alarm(signum, frame):  # noqa: ARG001 - the signal handler's signature
    raise CaseTimeout


@contextlib.contextmanager
def _captured_fds():
    """Point fds 1 and 2 (and sys.stdout/stderr) at temporary files; yield a reader."""
    out_file = tempfile.TemporaryFile()
    err_file = tempfile.TemporaryFile()
    sys.stdout.flush()
    sys.stderr.flush()
    saved = os.dup(1), os.dup(2)
    os.dup2(out_file.fileno(), 1)
    os.dup2(err_file.fileno(), 2)
    py_out, py_err = sys.stdout, sys.stderr
    sys.stdout = io.TextIOWrapper(os.fdopen(os.dup(1), "wb"), encoding="utf-8", line_buffering=True)
    sys.stderr = io.TextIOWrapper(os.fdopen(os.dup(2), "wb"), encoding="utf-8", line_buffering=True)
    texts: dict[str, str] = {}
    try:
        yield texts
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        sys.stdout.close()
        sys.stderr.close()
        sys.stdout, sys.stderr = py_out, py_err
        os.dup2(saved[0], 1)
        os.dup2(saved[1], 2)
        os.close(saved[0])
        os.close(saved[1])
        for name, f in (("stdout", out_file), ("stderr", err_file)):
            f.seek(0)
            texts[name] = f.read().decode("utf-8", errors="backslashreplace")
            f.close()


def run_case(case: dict) -> dict:
    """Run one command line; return what a user would have seen."""
    from kpitools.cli import main  # imported once, after the fds are set up by the caller

    start = time.perf_counter()
    code: object = None
    timed_out = False
    here = os.getcwd()
    with _captured_fds() as texts:
        os.chdir(case["cwd"])
        signal.signal(signal.SIGALRM, _alarm)
        signal.setitimer(signal.ITIMER_REAL, float(case.get("limit", 60)))
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("always")
                try:
                    code = main(list(case["argv"]))
                except SystemExit as exc:
                    code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        except CaseTimeout:
            timed_out = True
        except BaseException as exc:  # noqa: BLE001 - what escapes main() is the finding
            import traceback

            traceback.print_exc()
            code = f"escaped: {type(exc).__name__}"
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            os.chdir(here)
    return {
        "id": case["id"],
        "code": code,
        "stdout": texts["stdout"],
        "stderr": texts["stderr"],
        "seconds": round(time.perf_counter() - start, 3),
        "timed_out": timed_out,
    }


def main(cases_file: str, results_file: str) -> int:
    """Run every case of ``cases_file``; write the results (one JSON list) to ``results_file``."""
    os.environ.setdefault("MPLBACKEND", "Agg")
    import kpitools.cli  # noqa: F401 - pay the import once, outside every case's time limit
    import kpitools.data  # noqa: F401
    import kpitools.engine  # noqa: F401

    with open(cases_file, encoding="utf-8") as fh:
        cases = json.load(fh)
    results = [run_case(case) for case in cases]
    with open(results_file, "w", encoding="utf-8") as fh:
        json.dump(results, fh)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(*sys.argv[1:]))
