"""A throw-away dovecot IMAP server for tests: its own config, base_dir, passwd-file and Maildir
in a temp directory, plain auth on 127.0.0.1 only, run in the foreground as a subprocess.

Dovecot refuses root for mail and login processes, so the mail user gets the uid/gid of the
unprivileged system user ``mail`` (when the tests run as root) or of the current user.
"""

from __future__ import annotations

import grp
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from datetime import datetime
from pathlib import Path

DOVECOT = Path("/usr/sbin/dovecot")
USER, PASSWORD = "dsr", "throw-away-password"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Dovecot:
    """Start, stop and restart one dovecot; ``settings`` is a ``[mail_ingest]`` mailbox."""

    def __init__(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="dsr-dovecot-", dir="/tmp"))
        self.root.chmod(0o755)
        self.port = free_port()
        # dovecot refuses root for mail and login processes: as root, use the system user `mail`
        account = pwd.getpwnam("mail") if os.geteuid() == 0 else pwd.getpwuid(os.geteuid())
        self.uid, self.gid, self.account = account.pw_uid, account.pw_gid, account.pw_name
        self.process: subprocess.Popen[bytes] | None = None
        self._write_config()

    def _write_config(self) -> None:
        home = self.root / "mail" / USER
        home.mkdir(parents=True)
        for path in (self.root / "mail", home):
            os.chown(path, self.uid, self.gid)
        (self.root / "run").mkdir()
        (self.root / "state").mkdir()
        (self.root / "passwd").write_text(
            f"{USER}:{{PLAIN}}{PASSWORD}:{self.uid}:{self.gid}::{home}\n")
        (self.root / "dovecot.conf").write_text(f"""
base_dir = {self.root}/run
state_dir = {self.root}/state
log_path = {self.root}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
default_login_user = {self.account}
default_internal_user = {self.account}
default_internal_group = {grp.getgrgid(self.gid).gr_name}
first_valid_uid = {self.uid}
last_valid_uid = {self.uid}
mail_location = maildir:{home}/Maildir
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {self.root}/passwd
}}
userdb {{
  driver = passwd-file
  args = username_format=%u {self.root}/passwd
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {self.port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
namespace inbox {{
  inbox = yes
  separator = /
}}
""")

    @property
    def settings(self) -> dict[str, object]:
        return {"name": "privacy", "host": "127.0.0.1", "port": self.port, "tls": False,
                "user": USER, "password": PASSWORD, "password_env": "", "folder": "INBOX",
                "processed_folder": "DSR-Processed", "fax": False}

    def start(self) -> None:
        self.process = subprocess.Popen([str(DOVECOT), "-F", "-c", str(self.root / "dovecot.conf")],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                        start_new_session=True)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                error = self.process.stderr.read().decode() if self.process.stderr else ""
                raise RuntimeError(f"dovecot did not start: {error}")
            with socket.socket() as sock:
                if sock.connect_ex(("127.0.0.1", self.port)) == 0:
                    return
            time.sleep(0.05)
        raise RuntimeError("dovecot did not open its port")

    def stop(self) -> None:
        """Stop the server and every process it started (open IMAP sessions included)."""
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)  # its own session: only dovecot's processes
            self.process.wait(timeout=10)
        self.process = None

    def client(self):  # type: ignore[no-untyped-def]
        from imapclient import IMAPClient

        client = IMAPClient("127.0.0.1", port=self.port, ssl=False, timeout=10)
        client.login(USER, PASSWORD)
        client.normalise_times = False
        return client

    def deliver(self, message: bytes, internal_date: datetime, folder: str = "INBOX") -> None:
        """APPEND with an explicit INTERNALDATE (the mailbox's arrival time)."""
        client = self.client()
        try:
            client.append(folder, message, msg_time=internal_date)
        finally:
            client.logout()

    def count(self, folder: str) -> int:
        client = self.client()
        try:
            if not client.folder_exists(folder):
                return 0
            return int(client.folder_status(folder, ["MESSAGES"])[b"MESSAGES"])
        finally:
            client.logout()

    def cleanup(self) -> None:
        self.stop()
        shutil.rmtree(self.root, ignore_errors=True)
