"""Starting a server binary briefly with given flags, to compare how swiftcached and memcached
accept or refuse command lines (exit status 64 and memcached's message)."""
import subprocess

from conftest import MEMCACHED_BINARY, SWIFTCACHED_BINARY, free_port, with_user


def run_briefly(binary, args, seconds=2.0):
    """(exit status or None if still running after `seconds`, output)."""
    argv = with_user([binary, "-U", "0", "-l", "127.0.0.1", "-p", str(free_port())] + args)
    proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        out, _ = proc.communicate(timeout=seconds)
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
    ref_status, ref_out = run_briefly(MEMCACHED_BINARY, args)
    # A refusal expected: wait longer for it (a sanitizer build on a busy machine exits slowly).
    sut_status, sut_out = run_briefly(SWIFTCACHED_BINARY, args, seconds=2.0 if ref_status is None else 15.0)
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
