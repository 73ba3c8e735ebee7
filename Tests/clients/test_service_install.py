"""Scripts/install.sh into a temporary root (DESTDIR): what it installs, `systemd-analyze verify` on the
installed units, the default configuration (loopback only), and `--uninstall` removing exactly that."""
import os
import shutil
import signal
import stat
import subprocess

import pytest

from conftest import SWIFTCACHED_BINARY, ArgvServer, exchange

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
INSTALLER = os.path.join(REPO, "Scripts", "install.sh")
BIN_DIR = os.path.dirname(SWIFTCACHED_BINARY)   # the build under test has both executables
INSTALLED = {
    "usr/local/bin/swiftcached": 0o755,
    "usr/local/bin/swiftcached-config": 0o755,
    "etc/systemd/system/swiftcached.service": 0o644,
    "etc/systemd/system/swiftcached-config.service": 0o644,
    "etc/swiftcached.conf": 0o644,
    "etc/swiftcached-config.conf": 0o644,
    "usr/local/share/swiftcached/install-manifest": 0o644,
}
UNITS = ["etc/systemd/system/swiftcached.service", "etc/systemd/system/swiftcached-config.service"]


def run_installer(root, *args):
    env = dict(os.environ, DESTDIR=root, BIN_DIR=BIN_DIR)
    return subprocess.run([INSTALLER] + list(args), env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          timeout=120)


def tree(root):
    found = set()
    for directory, subdirectories, files in os.walk(root):
        for name in subdirectories + files:
            found.add(os.path.relpath(os.path.join(directory, name), root))
    return found


@pytest.fixture
def root(tmp_path):
    path = str(tmp_path / "root")
    os.mkdir(path)
    return path


def test_install_then_uninstall_leaves_the_root_as_it_was(root):
    os.makedirs(os.path.join(root, "etc"))
    with open(os.path.join(root, "etc", "unrelated.conf"), "w") as f:
        f.write("not ours\n")
    before = tree(root)
    result = run_installer(root)
    assert result.returncode == 0, result.stdout
    for path, mode in INSTALLED.items():
        full = os.path.join(root, path)
        assert os.path.isfile(full), path
        assert stat.S_IMODE(os.stat(full).st_mode) == mode, path
    with open(os.path.join(root, "usr/local/bin/swiftcached"), "rb") as a, open(SWIFTCACHED_BINARY, "rb") as b:
        assert a.read() == b.read()
    assert run_installer(root).returncode == 1        # a second install refuses: uninstall first
    result = run_installer(root, "--uninstall")
    assert result.returncode == 0, result.stdout
    assert tree(root) == before
    assert run_installer(root, "--uninstall").returncode == 1   # nothing left to uninstall


def test_uninstall_keeps_an_edited_configuration_and_an_existing_one(root):
    os.makedirs(os.path.join(root, "etc"))
    existing = os.path.join(root, "etc", "swiftcached.conf")
    with open(existing, "w") as f:
        f.write("-m 128\n")
    assert run_installer(root).returncode == 0
    with open(existing) as f:
        assert f.read() == "-m 128\n"                # the operator's file is not replaced
    edited = os.path.join(root, "etc", "swiftcached-config.conf")
    with open(edited, "a") as f:
        f.write("-v\n")
    result = run_installer(root, "--uninstall")
    assert result.returncode == 0
    assert b"kept " + edited.encode() + b": changed since it was installed" in result.stdout
    assert tree(root) == {"etc", "etc/swiftcached.conf", "etc/swiftcached-config.conf"}


def test_installed_units_pass_systemd_analyze_verify(root):
    assert run_installer(root).returncode == 0
    # The root must hold what the units name beyond the install: systemd's own units and /bin/kill.
    shutil.copytree("/usr/lib/systemd/system", os.path.join(root, "usr/lib/systemd/system"), symlinks=True)
    os.makedirs(os.path.join(root, "bin"))
    shutil.copy2("/bin/kill", os.path.join(root, "bin", "kill"))
    units = [os.path.join(root, unit) for unit in UNITS]
    result = subprocess.run(["systemd-analyze", "verify", "--root=" + root] + units,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60)
    # verify exits 0 on unknown keys; it warns on stderr then, so a clean run is silent.
    assert (result.returncode, result.stdout, result.stderr) == (0, b"", b"")
    for unit in units:
        text = open(unit).read()
        for setting in ["DynamicUser=yes", "NoNewPrivileges=true", "ProtectSystem=strict", "ProtectHome=true",
                        "PrivateTmp=true", "RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX",
                        "MemoryDenyWriteExecute=true", "CapabilityBoundingSet=\n",
                        "ExecReload=/bin/kill -HUP $MAINPID", "--config-file /etc/swiftcached"]:
            assert setting in text, (unit, setting)


def test_default_configuration_listens_on_loopback_only(root, tmp_path):
    assert run_installer(root).returncode == 0
    conf = os.path.join(root, "etc", "swiftcached.conf")
    # Only the port and pid file are moved (the system may have 11211 taken, /run not writable).
    server = ArgvServer([SWIFTCACHED_BINARY, "--config-file", conf, "-p", "{port}", "-P", str(tmp_path / "pid")])
    try:
        server.start()
        with server.connect() as sock:
            reply = exchange(sock, b"stats settings\r\n", until=b"END\r\n")
        assert b"STAT inter 127.0.0.1\r\n" in reply
    finally:
        server.stop()
    with open(conf) as f:
        flags = [line.split() for line in f if line.strip() and not line.startswith("#")]
    assert ["-l", "127.0.0.1"] in flags and not any(flag[0] == "-l" and flag != ["-l", "127.0.0.1"] for flag in flags)


def unit_setting(unit_path, name):
    with open(unit_path) as f:
        values = [line.split("=", 1)[1].strip() for line in f if line.startswith(name + "=")]
    assert len(values) == 1, (unit_path, name, values)
    return values[0]


def test_the_units_stop_signal_with_the_shipped_memory_file_line_is_a_warm_restart(root, tmp_path):
    """`systemctl stop`/`restart` send the unit's KillSignal: with the configuration's `-e` line
    uncommented (pointed at a temporary folder), that signal must save the items for the next start."""
    assert run_installer(root).returncode == 0
    stop_signal = getattr(signal, unit_setting(os.path.join(root, UNITS[0]), "KillSignal"))
    assert unit_setting(os.path.join(root, UNITS[0]), "RuntimeDirectoryPreserve") == "yes"
    with open(os.path.join(root, "etc", "swiftcached.conf")) as f:
        conf = f.read()
    assert "# -e /run/swiftcached/memory\n" in conf
    conf_path = tmp_path / "swiftcached.conf"
    conf_path.write_text(conf.replace("# -e /run/swiftcached/memory\n", "-e %s\n" % (tmp_path / "memory")))
    argv = [SWIFTCACHED_BINARY, "--config-file", str(conf_path), "-p", "{port}", "-P", str(tmp_path / "pid")]
    first = ArgvServer(argv)
    try:
        first.start()
        with first.connect() as sock:
            assert exchange(sock, b"set kept 7 0 5\r\nvalue\r\n") == b"STORED\r\n"
        os.kill(first.proc.pid, stop_signal)
        assert first.proc.wait(10) == 0
    finally:
        first.stop()
    second = ArgvServer(argv)
    try:
        second.start()
        with second.connect() as sock:
            reply = exchange(sock, b"get kept\r\n", until=b"END\r\n")
        assert reply == b"VALUE kept 7 5\r\nvalue\r\nEND\r\n"
    finally:
        second.stop()
