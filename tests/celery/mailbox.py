"""A test email backend for real Celery workers: each message becomes a JSON file in a folder.

The worker is another process, so Django's in-memory (locmem) outbox cannot be read by the test;
a folder can. The folder is ``TEST_MAILBOX_DIR``. To play a slow SMTP server, the test writes a
``block`` file holding a number of seconds: the backend then records that it is sending (a
``sending-<pid>`` file, so the test knows which pool process to kill and when) and waits, up to
that many seconds, until the ``block`` file is removed, BEFORE writing the message. A worker
killed while waiting has therefore sent nothing, as a real SMTP conversation cut before the
final dot.
"""

from __future__ import annotations

import json
import os
import time
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.message import EmailMessage

BLOCK = "block"
SENDING_PREFIX = "sending-"
MESSAGE_SUFFIX = ".json"


def mailbox_dir() -> Path:
    """The folder the worker writes to (set by the test in the worker's environment)."""
    return Path(os.environ["TEST_MAILBOX_DIR"])


class EmailBackend(BaseEmailBackend):
    """Writes each message as ``<time>-<uuid>.json`` (to, subject, body), after any block."""

    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        folder = mailbox_dir()
        sent = 0
        for message in email_messages:
            self._wait_while_blocked(folder)
            name = f"{time.time():.6f}-{uuid.uuid4().hex}{MESSAGE_SUFFIX}"
            data = {"to": list(message.to), "subject": message.subject, "body": message.body,
                    "pid": os.getpid()}
            # Written to a temporary name and renamed, so a reader never sees half a message.
            partial = folder / f".{name}.part"
            partial.write_text(json.dumps(data))
            partial.rename(folder / name)
            sent += 1
        return sent

    @staticmethod
    def _wait_while_blocked(folder: Path) -> None:
        block = folder / BLOCK
        try:
            seconds = float(block.read_text() or "0")
        except FileNotFoundError:
            return
        (folder / f"{SENDING_PREFIX}{os.getpid()}").write_text(f"{time.time():.6f}")
        deadline = time.monotonic() + seconds
        while block.exists() and time.monotonic() < deadline:
            time.sleep(0.02)


def messages(folder: Path) -> list[dict[str, Any]]:
    """The messages written so far, oldest first."""
    return [json.loads(path.read_text())
            for path in sorted(folder.glob(f"*{MESSAGE_SUFFIX}"))]
