"""A throwaway PostgreSQL cluster: initdb in a temporary directory, the server on a free loopback
port with its unix socket in that directory, stopped (and the directory removed) by stop().

PostgreSQL refuses to run as root, so as root the cluster belongs to an unprivileged account
(`nobody`) and every server binary runs through `runuser`. The binaries come from `pg_config
--bindir`, else the newest /usr/lib/postgresql/*/bin (Debian's layout).
"""
import glob
import os
import pwd
import shutil
import socket
import subprocess

import psycopg

UNPRIVILEGED_USER = "nobody"


def bin_dir():
    candidates = []
    if shutil.which("pg_config"):
        out = subprocess.run(["pg_config", "--bindir"], capture_output=True, text=True)
        candidates.append(out.stdout.strip())
    candidates += sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(p.split("/")[-2]), reverse=True)
    for directory in candidates:
        if directory and os.access(os.path.join(directory, "initdb"), os.X_OK):
            return directory
    raise RuntimeError("PostgreSQL server binaries not found (Debian package: postgresql)")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class TempPostgres:
    """start() returns self; dsn() connects over the unix socket; stop() is idempotent. As root,
    every directory above `directory` must be searchable by the unprivileged account."""

    def __init__(self, directory):
        self.directory = directory
        self.data = os.path.join(directory, "pgdata")
        self.bin = bin_dir()
        self.port = None
        self.user = UNPRIVILEGED_USER if os.geteuid() == 0 else pwd.getpwuid(os.geteuid()).pw_name
        self.running = False

    def _run(self, tool, *args, timeout=60):
        argv = [os.path.join(self.bin, tool), *args]
        if os.geteuid() == 0:
            argv = ["runuser", "-u", self.user, "--"] + argv
        done = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=timeout)
        if done.returncode != 0:
            raise RuntimeError("%s failed (%d): %s" % (tool, done.returncode, done.stdout.decode(errors="replace")[-2000:]))

    def start(self):
        if os.geteuid() == 0:
            account = pwd.getpwnam(self.user)
            os.chown(self.directory, account.pw_uid, account.pw_gid)
        self._run("initdb", "-D", self.data, "-A", "trust", "-U", self.user, "-E", "UTF8", "--no-instructions")
        self.port = free_port()
        options = "-p %d -k %s -c listen_addresses=127.0.0.1 -c max_connections=200" % (self.port, self.directory)
        self._run("pg_ctl", "-D", self.data, "-l", os.path.join(self.directory, "postgres.log"), "-o", options,
                  "-w", "-t", "30", "start")
        self.running = True
        return self

    def dsn(self):
        return "host=%s port=%d user=%s dbname=postgres" % (self.directory, self.port, self.user)

    def connect(self, autocommit=True):
        return psycopg.connect(self.dsn(), autocommit=autocommit)

    def stop(self):
        if self.running:
            self.running = False
            self._run("pg_ctl", "-D", self.data, "-m", "fast", "-w", "-t", "30", "stop")
