"""The kernel manager of report notebooks: quiet, and forked warm in batch workers.

The kernel's own log lines (start-up warnings, "KeyboardInterrupt caught in kernel" on
shutdown) would clutter the batch output, so its stdout and stderr go nowhere (errors of
the notebook itself are in the executed notebook). In a batch worker that started a
zygote (:mod:`kpitools.report.zygote`), each kernel is forked from it with its modules
already imported instead of being launched from scratch.
"""

from __future__ import annotations

import functools
import os
import subprocess
from typing import Any

from . import zygote

__all__ = ["quiet_kernel_manager"]


@functools.cache
def quiet_kernel_manager() -> type:
    """The kernel manager class papermill runs report notebooks with (built once)."""
    # heavy (zmq, tornado): loaded only when a notebook runs
    from jupyter_client.manager import AsyncKernelManager, KernelManager  # heavy; only when a repor

    class QuietKernelManager(AsyncKernelManager):
        """A kernel manager whose kernels write nothing to our terminal."""

        async def start_kernel(self, **kw: Any) -> None:
            """Start the kernel with its stdout and stderr discarded."""
            kw.setdefault("stdout", subprocess.DEVNULL)
            kw.setdefault("stderr", subprocess.DEVNULL)
            await KernelManager._async_start_kernel(self, **kw)

        async def _async_launch_kernel(self, kernel_cmd: list[str], **kw: Any) -> None:
            # In a batch worker, fork the kernel from the warm zygote.
            warm, argv = zygote.current(), zygote.kernel_argv(kernel_cmd)
            if warm is None or argv is None:
                return await super()._async_launch_kernel(kernel_cmd, **kw)
            # papermill runs the notebook in its cwd by changing ours: a Popen'd kernel
            # inherits it, a forked one is told.
            cwd = str(kw.get("cwd") or os.getcwd())
            try:
                pid = warm.spawn(argv, cwd, kw.get("env"))
            except (OSError, ValueError):
                return await super()._async_launch_kernel(kernel_cmd, **kw)
            provisioner = self.provisioner
            provisioner.process = zygote.ForkedProcess(pid)
            provisioner.pid = provisioner.pgid = pid
            provisioner.cwd = cwd
            self._reconcile_connection_info(provisioner.connection_info)

    return QuietKernelManager
