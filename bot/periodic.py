"""Background jobs that repeat: one daemon thread per job, run now and then every `interval_s` seconds until a
stop event is set. Used by `strikebot serve` for reminders and the retention sweep."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

log = logging.getLogger(__name__)


def start_periodic(name: str, job: Callable[[], None], *, stop_event: threading.Event, interval_s: float,
                   on_stop: Callable[[], None] | None = None) -> threading.Thread:
    """Start daemon thread `name` running `job()` at once and then every `interval_s` seconds until `stop_event`
    is set; then `on_stop()` (e.g. closing the thread's database connection). An exception in one run is logged
    and the next run goes ahead. Returns the started thread."""

    def run() -> None:
        while not stop_event.is_set():
            try:
                job()
            except Exception:  # noqa: BLE001 - keep the thread alive; the next tick tries again
                log.exception("%s: run failed", name)
            stop_event.wait(interval_s)
        if on_stop is not None:
            on_stop()

    thread = threading.Thread(target=run, name=name, daemon=True)
    thread.start()
    return thread
