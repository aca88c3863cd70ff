"""The browser tests' own set-up, on a fresh machine of this kind (Debian, root)."""

from __future__ import annotations

import fcntl
import os
import shutil
import threading
import time

import pytest

from tests.browser.conftest import install_chromium

DPKG_LOCK = "/var/lib/dpkg/lock-frontend"


@pytest.mark.skipif(os.geteuid() != 0 or not shutil.which("apt-get"),
                    reason="needs apt-get and root, as the set-up does")
def test_installing_chromium_waits_while_another_apt_holds_the_dpkg_lock():
    """A fresh machine updates itself at boot: apt-get must wait for the lock, not fail."""
    holder = os.open(DPKG_LOCK, os.O_RDWR)
    fcntl.lockf(holder, fcntl.LOCK_EX | fcntl.LOCK_NB)  # as apt and dpkg take it
    release = threading.Timer(3, os.close, [holder])
    release.start()
    started = time.monotonic()
    try:
        install_chromium()  # already installed here: it only has to get the lock
    finally:
        release.join()
    assert time.monotonic() - started >= 3, "apt-get ran while the lock was held"
