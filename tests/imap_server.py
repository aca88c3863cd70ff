"""A real IMAP server for the tests: Debian's Dovecot on free loopback ports.

One Dovecot a test session (per pytest-xdist worker), with its own configuration, state, log
and mail folders in temporary directories. It accepts any user name with ``PASSWORD`` and
gives each name a mailbox of its own, so every test takes a fresh name (``mailbox_user``)
and starts on an empty mailbox without anything being cleaned up.

- ``port``: plain IMAP, STARTTLS offered; ``ssl_port``: IMAP over TLS. The certificate is
  made at start (openssl), for 127.0.0.1 and localhost; ``ca_file`` trusts it.
- On 127.0.0.1 the server announces what Dovecot can do (MOVE, UIDPLUS); on 127.0.0.2, the
  same ports announce neither, as an older server would, so the client's COPY, \\Deleted and
  EXPUNGE path runs too.

``make test-tools`` installs Dovecot (``dovecot-imapd``); a test run never does. Without it
these tests are skipped, and fail in CI. Root may run Dovecot, but Dovecot never gives mail
to uid 0: running as root, the mail belongs to ``nobody``.
"""

from __future__ import annotations

import imaplib
import itertools
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path

import pytest

from eventplanner.inbox.imap import MailboxSettings
from tests.conftest import free_port, not_installed

DOVECOT = "/usr/sbin/dovecot"
PASSWORD = "mailbox-password-for-tests"
HOST = "127.0.0.1"
#: The same server, announcing neither MOVE nor UIDPLUS to clients connecting here.
HOST_WITHOUT_MOVE = "127.0.0.2"
MAILBOX_USERS = itertools.count(1)


@dataclass(frozen=True)
class Dovecot:
    port: int
    ssl_port: int
    ca_file: str
    log_path: Path

    def settings(self, username: str, **overrides) -> MailboxSettings:
        """Settings for ``username``'s mailbox: plain IMAP on loopback unless overridden."""
        plain = MailboxSettings(host=HOST, port=self.port, tls="none", username=username,
                                password=PASSWORD, ca_file=self.ca_file, timeout=10)
        return replace(plain, **overrides)

    @contextmanager
    def mailbox(self, username: str) -> Iterator[imaplib.IMAP4]:
        """A logged-in connection, as a mail client would have: to put mail in and look."""
        connection = imaplib.IMAP4(HOST, self.port, timeout=10)
        try:
            connection.login(username, PASSWORD)
            yield connection
        finally:
            connection.logout()

    def log(self) -> str:
        """What Dovecot wrote: its log file and its standard error."""
        files = (self.log_path, self.log_path.with_suffix(".stderr"))
        return "".join(file.read_text() for file in files if file.exists())


@pytest.fixture(scope="session")
def dovecot(tmp_path_factory) -> Iterator[Dovecot]:
    """Dovecot running for the session; stopped at its end."""
    if not Path(DOVECOT).exists():
        not_installed("Dovecot (dovecot-imapd)")
    directory = tmp_path_factory.mktemp("dovecot")
    homes = mail_homes()
    try:
        server = Dovecot(port=free_port(), ssl_port=free_port(),
                         ca_file=str(self_signed_certificate(directory)),
                         log_path=directory / "dovecot.log")
        config = directory / "dovecot.conf"
        config.write_text(dovecot_config(server, directory, homes))
        with open(directory / "dovecot.stderr", "wb") as errors:
            process = subprocess.Popen([DOVECOT, "-F", "-c", str(config)],
                                       stdout=errors, stderr=errors)
        try:
            wait_until_listening(process, server)
            yield server
        finally:
            process.terminate()
            process.wait(timeout=10)
    finally:
        shutil.rmtree(homes, ignore_errors=True)


@pytest.fixture
def mailbox_user() -> str:
    """A user name no test has used: an empty mailbox."""
    return f"guestreplies{next(MAILBOX_USERS)}"


def mail_owner() -> pwd.struct_passwd:
    """Who owns the mail: the user running the tests, or ``nobody`` for root."""
    return pwd.getpwuid(os.getuid()) if os.getuid() else pwd.getpwnam("nobody")


def mail_homes() -> Path:
    """A directory for the mailboxes that their owner can reach (pytest's temporary
    directories are closed to others, and for root the owner is ``nobody``)."""
    homes = Path(tempfile.mkdtemp(prefix="eventplanner-dovecot-"))
    owner = mail_owner()
    os.chown(homes, owner.pw_uid, owner.pw_gid)
    return homes


def self_signed_certificate(directory: Path) -> Path:
    """A certificate and key for 127.0.0.1 and localhost; the certificate is its own CA."""
    if not shutil.which("openssl"):
        not_installed("openssl")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                    "-subj", "/CN=eventplanner test IMAP",
                    "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
                    "-keyout", str(directory / "key.pem"), "-out", str(directory / "cert.pem")],
                   check=True, capture_output=True)
    return directory / "cert.pem"


def dovecot_config(server: Dovecot, directory: Path, homes: Path) -> str:
    """Only IMAP, only on loopback, any user with ``PASSWORD``, maildir under ``homes``."""
    owner = mail_owner()
    running_as_root = os.getuid() == 0
    # Root keeps Dovecot's own unprivileged users for its helpers (its login processes
    # refuse root) and chroots them; anyone else runs every process as themself.
    users = "" if running_as_root else (f"default_internal_user = {owner.pw_name}\n"
                                        f"default_login_user = {owner.pw_name}\n")
    chroot = "" if running_as_root else "  chroot =\n"
    for name in ("run", "state"):
        (directory / name).mkdir()
    return f"""\
base_dir = {directory / "run"}
state_dir = {directory / "state"}
log_path = {server.log_path}
info_log_path = {server.log_path}
listen = {HOST} {HOST_WITHOUT_MOVE}
protocols = imap
{users}first_valid_uid = {owner.pw_uid}
first_valid_gid = {owner.pw_gid}
ssl = yes
ssl_cert = <{server.ca_file}
ssl_key = <{directory / "key.pem"}
disable_plaintext_auth = no
auth_failure_delay = 0
mail_location = maildir:~/Maildir
namespace inbox {{
  inbox = yes
  separator = /
}}
passdb {{
  driver = static
  args = password={PASSWORD}
}}
userdb {{
  driver = static
  args = uid={owner.pw_uid} gid={owner.pw_gid} home={homes}/%u
}}
service imap-login {{
{chroot}  inet_listener imap {{
    port = {server.port}
  }}
  inet_listener imaps {{
    port = {server.ssl_port}
    ssl = yes
  }}
}}
# No auth penalty (Dovecot's documented way): after a test's wrong password, the next
# login from this address would otherwise wait about 4 s.
service anvil {{
{chroot}  unix_listener anvil-auth-penalty {{
    mode = 0
  }}
}}
local {HOST_WITHOUT_MOVE} {{
  protocol imap {{
    imap_capability = IMAP4rev1 LITERAL+ SASL-IR
  }}
}}
"""


def wait_until_listening(process: subprocess.Popen, server: Dovecot) -> None:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"Dovecot stopped:\n{server.log()}")
        if all(answers(HOST, port) for port in (server.port, server.ssl_port)):
            return
        time.sleep(0.05)
    pytest.fail(f"Dovecot did not listen within 10 s\n{server.log()}")


def answers(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False
