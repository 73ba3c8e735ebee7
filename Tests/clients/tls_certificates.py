"""Test certificates made with the `openssl` command into a directory: a CA, server certificates
and a client certificate it signs (subjectAltName localhost and 127.0.0.1), and a self-signed
client certificate no CA vouches for. Shared by the TLS tests and the TLS benchmark."""
import os
import shutil
import subprocess

OPENSSL = shutil.which("openssl") or "/usr/bin/openssl"


def openssl(*args, cwd):
    subprocess.run([OPENSSL, *args], cwd=cwd, check=True, capture_output=True, timeout=60)


def make_key_and_request(directory, name, subject):
    openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
            "-keyout", name + ".key", "-out", name + ".csr", "-subj", subject, cwd=directory)


def sign(directory, name, ca="ca"):
    with open(os.path.join(directory, "san.ext"), "w") as f:
        f.write("subjectAltName=DNS:localhost,IP:127.0.0.1\n")
    openssl("x509", "-req", "-in", name + ".csr", "-CA", ca + ".pem", "-CAkey", ca + ".key",
            "-CAcreateserial", "-out", name + ".pem", "-days", "2", "-extfile", "san.ext", cwd=directory)


def make_certificates(directory):
    """ca.pem/.key; server, server2 and client .pem/.key signed by it; rogue.pem/.key self-signed.
    Returns `directory`."""
    openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
            "-keyout", "ca.key", "-out", "ca.pem", "-days", "2", "-subj", "/CN=swiftcached test CA", cwd=directory)
    for name, subject in [("server", "/CN=server-one"), ("server2", "/CN=server-two"), ("client", "/CN=client")]:
        make_key_and_request(directory, name, subject)
        sign(directory, name)
    openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
            "-keyout", "rogue.key", "-out", "rogue.pem", "-days", "2", "-subj", "/CN=rogue", cwd=directory)
    return directory


if __name__ == "__main__":  # Scripts/cluster.sh (TLS=1) makes its certificates with this
    import sys
    make_certificates(sys.argv[1])
