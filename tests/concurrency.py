"""Running the same work in two database connections at the same moment, for the tests that
prove something happens exactly once under concurrency (PostgreSQL only: SQLite cannot share a
test database between threads)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TypeVar

from django.db import connections

T = TypeVar("T")


def at_once(work: Callable[[], T], *, times: int = 2) -> list[T]:
    """Run ``work`` in ``times`` threads released together by a barrier, each on its own
    connection (closed afterwards); return their results, or raise the first error."""
    barrier = threading.Barrier(times)
    results: list[T] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            barrier.wait()
            results.append(work())
        except BaseException as error:  # noqa: BLE001 - raised below, in the test's thread
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(times)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    return results
