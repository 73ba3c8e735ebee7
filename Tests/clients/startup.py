"""Starting a server binary briefly with given flags, to compare how swiftcached and memcached
accept or refuse command lines (exit status 64 and memcached's message)."""
import subprocess
import time

from conftest import MEMCACHED_BINARY, SWIFTCACHED_BINARY, free_port, with_user


def launch(binary, args, port=None):
    """Starts `binary` with `args` on `port` (a free one if None); (process, the time it started)."""
    argv = with_user([binary, "-U", "0", "-l", "127.0.0.1", "-p", str(port or free_port())] + args)
    proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    return proc, time.monotonic()


def outcome(launched, seconds):
    """(exit status, or None if still running `seconds` after it started; output). Stops it if running."""
    proc, started = launched
    try:
        out, _ = proc.communicate(timeout=max(0.0, started + seconds - time.monotonic()))
        return proc.returncode, out.decode(errors="replace")
    except subprocess.TimeoutExpired:
        proc.terminate()
        try:
            out, _ = proc.communicate(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            out, _ = proc.communicate()
        return None, out.decode(errors="replace")


def assert_refused_like_memcached(args):
    """Both servers accept `args` (still running after a moment), or swiftcached exits 64 with
    memcached's first line of explanation."""
    # Both start together, so the two waits overlap; each server still gets its whole time.
    ports = {free_port()}
    while len(ports) < 2:
        ports.add(free_port())
    ref, sut = (launch(binary, args, port) for binary, port in zip((MEMCACHED_BINARY, SWIFTCACHED_BINARY), ports))
    ref_status, ref_out = outcome(ref, 2.0)
    # A refusal expected: wait longer for it (a sanitizer build on a busy machine exits slowly).
    sut_status, sut_out = outcome(sut, 2.0 if ref_status is None else 15.0)
    if ref_status is None:
        assert sut_status is None, "memcached accepts %s, swiftcached said %r" % (args, sut_out)
        return
    assert sut_status == 64, (args, sut_status, sut_out)
    first_line = ref_out.strip().splitlines()[0] if ref_out.strip() else ""
    if ref_status == 64 or first_line:
        # memcached's message, word for word (when it prints one before exiting or crashing).
        assert first_line in sut_out, (args, ref_out, sut_out)
    else:
        assert sut_out.strip(), "swiftcached should say why it refuses %s" % args
