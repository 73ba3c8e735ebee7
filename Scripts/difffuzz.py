#!/usr/bin/env python3
"""Differential fuzzer: the same random requests to Swiftcached and to memcached 1.6.18, first
answers compared.

Each input is a short pipeline of text, meta or binary requests generated from a grammar of real
commands and then mutated (random keys, flags, lengths, bad numbers, truncated lines, oversized
tokens). It is sent on a fresh connection to each server, the client half-closes, and the first
answer is read: the first line for text, the first 24-byte header for binary, or nothing. Answers
are normalised only where the servers may legitimately differ (version text, statistic values,
cas values, seconds left). Differences are grouped into classes (protocol, command, both answers
with digits masked); each class is reported with its shortest input. Classes listed in
DOCUMENTED (docs/fuzzing.md says why) are expected; any other class makes the exit status 1.

Usage: difffuzz.py [--count N] [--seed S] [--seconds T] [--verbose]
Servers: SWIFTCACHED_BINARY and MEMCACHED_BINARY as in Tests/clients/conftest.py, whose Server
class starts them on free 127.0.0.1 ports; both are always stopped.
"""
import argparse
import base64
import os
import random
import re
import select
import socket
import struct
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "Tests", "clients"))
from conftest import MEMCACHED_BINARY, SWIFTCACHED_BINARY, Server  # noqa: E402
from bindiff import HEADER  # noqa: E402

SERVER_FLAGS = ["-m", "64", "-t", "2"]
ANSWER_CAP = 2.0   # seconds to wait for a first answer before calling it "no answer"
RESYNC_CAP = 10.0  # seconds a server gets to answer flush_all: longer means it hangs
SILENCE = 0.02     # seconds of silence after which a server is taken to wait for more input
REPLAY_QUIET = 0.5  # seconds of silence that end a replay's answers (a sanitizer build may stall)

# Difference classes that are deliberate, matched against the class text (see docs/fuzzing.md).
DOCUMENTED = {
    r"\[key with control bytes\]": "keys with control bytes are refused (memcached stores them)",
    r"\[flag of later memcached\]": "meta flags E (explicit CAS) and x (md: empty the value) of memcached 1.6.21+ are accepted",
    r"\[only at end of input\]": "both answer alike while the connection is open; they differ only in what is sent when the client half-closes in the middle of a request (memcached sometimes sends held answers then, sometimes drops them)",
    r"\[memcached drops the answer\]": "answers are sent as they are made; memcached drops answers of a read batch: held ones when the connection ends first, those before a get with a key over 250 bytes",
    r"\[memcached holds answers while waiting\]": "answers are sent as they are made; memcached holds those of a read batch while it waits for the rest of a later request (see TextSession's list of differences)",
    r"\[store body of 2 GB or more\]": "a binary store claiming a body of 2 GB or more: memcached's C int arithmetic answers at once or waits depending on the flags; swiftcached swallows the declared body like any too-large value",
    r"\[memcached closes without answering\]": "both close the connection on a later request; memcached drops the answers it had not sent yet, swiftcached sends them first",
}

KEYS = ["k%d" % i for i in range(8)]
ODD_KEYS = ["", "a" * 250, "b" * 251, "k\x01", "k\x7f", "k\xff", "k\x00x", "\xc3\xa9t\xc3\xa9", "k:1/2"]
BAD_NUMBERS = ["-1", "-0", "abc", "1a", "0x10", "1e3", "+5", " ", "4294967295", "4294967296", "2147483648",
               "-2147483649", "18446744073709551615", "18446744073709551616", "99999999999999999999999",
               "00000000000000000000001", "9" * 40]
OVERSIZED = [251, 300, 2049, 4100]
LONG_TTL = ["0", "1000", "-1"]   # never a few seconds: the servers' clocks tick at different moments


# ---------------------------------------------------------------- generation

def value(rng):
    return "".join(rng.choice("abcxyz0123") for _ in range(rng.randint(0, 12)))


def classic_request(rng):
    key = rng.choice(KEYS)
    kind = rng.choice(["store", "store", "cas", "get", "gets", "gat", "arith", "delete", "touch", "misc"])
    noreply = " noreply" if rng.random() < 0.1 else ""
    if kind == "store":
        data = value(rng)
        command = rng.choice(["set", "add", "replace", "append", "prepend"])
        return "%s %s %d %s %d%s\r\n%s\r\n" % (command, key, rng.randint(0, 70000), rng.choice(LONG_TTL), len(data), noreply, data)
    if kind == "cas":
        data = value(rng)
        return "cas %s %d %s %d %d%s\r\n%s\r\n" % (key, rng.randint(0, 9), rng.choice(LONG_TTL), len(data), rng.randint(0, 40), noreply, data)
    if kind in ("get", "gets"):
        return "%s %s\r\n" % (kind, " ".join(rng.sample(KEYS, rng.randint(1, 3))))
    if kind == "gat":
        return "%s %s %s\r\n" % (rng.choice(["gat", "gats"]), rng.choice(LONG_TTL), " ".join(rng.sample(KEYS, rng.randint(1, 3))))
    if kind == "arith":
        return "%s %s %d%s\r\n" % (rng.choice(["incr", "decr"]), key, rng.randint(0, 1000), noreply)
    if kind == "delete":
        return "delete %s%s%s\r\n" % (key, rng.choice(["", "", " 0"]), noreply)
    if kind == "touch":
        return "touch %s %s%s\r\n" % (key, rng.choice(LONG_TTL), noreply)
    return rng.choice(["version\r\n", "verbosity 1\r\n", "verbosity 0 noreply\r\n", "stats\r\n", "stats settings\r\n",
                       "flush_all\r\n", "flush_all noreply\r\n", "bogus k0\r\n", "\r\n", "GET k0\r\n"])


META_FLAGS = {
    # R30 never wins and R2000 always does (items live 1000 s): a recache limit near the TTL would
    # depend on when each server's clock ticks.
    "mg": ["v", "k", "c", "f", "t", "s", "h", "l", "q", "u", "O1", "Oabc", "N1000", "R30", "R2000", "T1000", "E5", "b"],
    "ms": ["c", "k", "q", "O9", "F5", "T1000", "I", "MS", "MA", "MP", "MR", "ME", "C1", "E7", "b"],
    "md": ["q", "k", "O2", "I", "T1000", "C1", "x", "b"],
    "ma": ["N1000", "J13", "D5", "MI", "MD", "M+", "q", "t", "c", "v", "k", "O3", "C1", "b"],
}


def meta_request(rng):
    command = rng.choice(["mg", "mg", "ms", "ms", "md", "ma", "mn", "me"])
    key = rng.choice(KEYS)
    if command == "mn":
        return "mn\r\n"
    if command == "me":
        return "me %s\r\n" % key
    flags = rng.sample(META_FLAGS[command], rng.randint(0, 4))
    if "b" in flags:
        key = base64.b64encode(key.encode()).decode()
    flag_text = "".join(" " + f for f in flags)
    if command == "ms":
        data = value(rng)
        return "ms %s %d%s\r\n%s\r\n" % (key, len(data), flag_text, data)
    return "%s %s%s\r\n" % (command, key, flag_text)


def text_mutation(rng, text):
    """One random change to a text request."""
    if not text:
        return text   # truncated to nothing already
    words = text.split(" ")
    choice = rng.randrange(8)
    if choice == 0:      # a bad number (or any word) in a random place
        words[rng.randrange(len(words))] = rng.choice(BAD_NUMBERS)
    elif choice == 1:    # an odd key
        if len(words) > 1:
            words[1] = rng.choice(ODD_KEYS) + ("\r\n" if words[1].endswith("\r\n") else "")
    elif choice == 2:    # truncated
        return text[:rng.randrange(len(text))]
    elif choice == 3:    # an oversized word
        words[rng.randrange(len(words))] = "x" * rng.choice(OVERSIZED)
    elif choice == 4:    # a word dropped or doubled
        index = rng.randrange(len(words))
        if rng.random() < 0.5 and len(words) > 1:
            del words[index]
        else:
            words.insert(index, words[index])
    elif choice == 5:    # bare \n line ends
        return text.replace("\r\n", "\n")
    elif choice == 6:    # a wrong data length
        return re.sub(r" (\d+)(\s|\r\n)", lambda m: " %d%s" % (int(m.group(1)) + rng.choice([-1, 1, 2]), m.group(2)), text, count=1)
    else:                # a random byte somewhere
        position = rng.randrange(len(text) + 1)
        return text[:position] + rng.choice(["\t", "  ", "\x00", "\r", "\x7f", "=", "\xff"]) + text[position:]
    return " ".join(words)


BINARY_OPCODES = {  # opcode: (extras builder, has key, has value)
    0x00: (lambda r: b"", True, False), 0x09: (lambda r: b"", True, False), 0x0C: (lambda r: b"", True, False),
    0x01: (lambda r: struct.pack(">II", r.randint(0, 9), 0), True, True), 0x02: (lambda r: struct.pack(">II", 1, 0), True, True),
    0x03: (lambda r: struct.pack(">II", 2, 0), True, True), 0x11: (lambda r: struct.pack(">II", 3, 0), True, True),
    0x04: (lambda r: b"", True, False), 0x05: (lambda r: struct.pack(">QQI", r.randint(0, 9), 5, 0), True, False),
    0x06: (lambda r: struct.pack(">QQI", 1, 5, 0), True, False), 0x07: (lambda r: b"", False, False),
    0x08: (lambda r: b"", False, False), 0x0A: (lambda r: b"", False, False), 0x0B: (lambda r: b"", False, False),
    0x0E: (lambda r: b"", True, True), 0x0F: (lambda r: b"", True, True), 0x10: (lambda r: b"", False, False),
    0x1B: (lambda r: struct.pack(">I", 0), False, False), 0x1C: (lambda r: struct.pack(">I", 1000), True, False),
    0x1D: (lambda r: struct.pack(">I", 1000), True, False), 0x23: (lambda r: struct.pack(">I", 0), True, False),
    0x20: (lambda r: b"", False, False), 0x42: (lambda r: b"", True, False),
}


def binary_request(rng):
    opcode = rng.choice(list(BINARY_OPCODES))
    extras_of, has_key, has_value = BINARY_OPCODES[opcode]
    key = rng.choice(KEYS).encode() if has_key else b""
    data = value(rng).encode() if has_value else b""
    extras = extras_of(rng)
    return HEADER.pack(0x80, opcode, len(key), len(extras), 0, 0, len(key) + len(extras) + len(data),
                       rng.getrandbits(32), rng.choice([0, 0, 0, 1, 2**64 - 1])) + extras + key + data


def binary_mutation(rng, packet):
    if len(packet) < 24:
        return packet   # already truncated
    packet = bytearray(packet)
    choice = rng.randrange(6)
    if choice == 0:    # a random header byte
        packet[rng.randrange(24)] = rng.randrange(256)
    elif choice == 1:  # key length
        struct.pack_into(">H", packet, 2, rng.choice([0, 1, 250, 251, 300, 65535]))
    elif choice == 2:  # extras length
        packet[4] = rng.choice([0, 4, 8, 20, 255])
    elif choice == 3:  # body length
        struct.pack_into(">I", packet, 8, rng.choice([0, 1, 7, 24, 1 << 20, 2**32 - 1]))
    elif choice == 4:  # truncated
        return bytes(packet[:rng.randrange(len(packet))])
    else:              # an oversized key
        key = b"x" * rng.choice(OVERSIZED)
        struct.pack_into(">HI", packet, 2, len(key), 0)
        struct.pack_into(">I", packet, 8, len(key) + packet[4])
        packet = packet[:24] + bytes(packet[4]) + key
    return bytes(packet)


def generate(rng):
    """(protocol, first command, bytes) of one input: 1-3 requests, the first mutated half the time."""
    protocol = rng.choice(["text", "meta", "binary"])
    make = {"text": classic_request, "meta": meta_request, "binary": binary_request}[protocol]
    requests = [make(rng) for _ in range(rng.randint(1, 3))]
    mutate = binary_mutation if protocol == "binary" else text_mutation
    while rng.random() < 0.5:
        index = rng.randrange(len(requests))
        requests[index] = mutate(rng, requests[index])
    if protocol == "binary":
        data = b"".join(requests)
        command = "op%02x" % data[1] if len(data) > 1 else "short"
    else:
        data = "".join(requests).encode("latin-1")
        command = (data.split(b" ", 1)[0].split(b"\r", 1)[0][:12] or b"(empty)").decode("latin-1")
    return protocol, command, data


# ---------------------------------------------------------------- exchange and comparison

def complete(received, binary):
    return len(received) >= 24 if binary else b"\n" in received


def first_answers(ports, data, binary):
    """Sends `data` on a fresh connection to each port and returns each server's first answer:
    the first line (text) or header (binary), b"" when the server sent nothing before closing.
    A server still silent after SILENCE seconds (longer for a long input) is waiting for more
    input: the client half-closes so it ends the connection. Half-closing at once would race:
    memcached drops a read batch larger than its 2 KB buffer when the end of input comes with it."""
    sockets = [socket.create_connection(("127.0.0.1", port), timeout=ANSWER_CAP) for port in ports]
    received = [bytearray() for _ in ports]
    open_ = list(range(len(ports)))
    try:
        for sock in sockets:
            try:
                sock.sendall(data)
            except OSError:
                pass   # the server hung up early; what it sent is still readable
        silence = SILENCE if len(data) < 1024 else 5 * SILENCE
        half_closed = False
        deadline = time.monotonic() + ANSWER_CAP
        while open_ and time.monotonic() < deadline:
            ready, _, _ = select.select([sockets[i] for i in open_], [], [], silence if not half_closed else 0.2)
            if not ready and not half_closed:
                for i in open_:
                    try:
                        sockets[i].shutdown(socket.SHUT_WR)
                    except OSError:
                        pass
                half_closed = True
                continue
            for sock in ready:
                i = sockets.index(sock)
                try:
                    chunk = sock.recv(65536)
                except OSError:
                    chunk = b""
                received[i] += chunk
                if not chunk or complete(received[i], binary):
                    open_.remove(i)
    finally:
        for sock in sockets:
            sock.close()
    return [first_part(r, binary) for r in received]


def transcript(port, data, quiet=0.2):
    """Everything a server sends for `data` without the client half-closing, and whether the
    server closed the connection itself."""
    with socket.create_connection(("127.0.0.1", port), timeout=ANSWER_CAP) as sock:
        try:
            sock.sendall(data)
        except OSError:
            pass
        received = bytearray()
        deadline = time.monotonic() + ANSWER_CAP
        while time.monotonic() < deadline:
            if not select.select([sock], [], [], quiet)[0]:
                return bytes(received), False
            try:
                chunk = sock.recv(65536)
            except OSError:
                chunk = b""
            if not chunk:
                return bytes(received), True
            received += chunk
        return bytes(received), False


def first_part(received, binary):
    if binary:
        return bytes(received[:24])
    return bytes(received.split(b"\n", 1)[0] + b"\n") if b"\n" in received else bytes(received)


def normalise_text(line):
    line = line.rstrip(b"\r\n")
    if line.startswith(b"VERSION "):
        return b"VERSION <v>"
    if line.startswith(b"STAT "):
        return b" ".join(line.split(b" ")[:2]) + b" <n>"
    if line.startswith(b"ME "):
        return b"ME <debug>"
    if line.startswith(b"VALUE ") and len(line.split(b" ")) == 5:
        return b" ".join(line.split(b" ")[:4]) + b" <cas>"
    words = line.split(b" ")
    return b" ".join([w[:1] + b"<n>" if w[:1] in (b"c", b"t", b"l") and w[1:].lstrip(b"-").isdigit() else w
                      for w in words])


def normalise_binary(header):
    if len(header) < 24:
        return header
    magic, opcode, keylen, extlen, dtype, status, bodylen, opaque, cas = HEADER.unpack(header)
    if opcode in (0x0B, 0x10) and status == 0:
        bodylen = keylen = -1   # version text, statistic values
    return (magic, opcode, keylen, extlen, dtype, status, bodylen, opaque, "C" if cas else 0)


def describe(answer, binary):
    if binary:
        if not answer:
            return "(no answer)"
        if len(answer) < 24:
            return "(partial header)"
        _, opcode, _, _, _, status, bodylen, _, _ = HEADER.unpack(answer)
        return "op%02x status %#x body %d" % (opcode, status, bodylen)
    return re.sub(rb"\d+", b"#", answer.rstrip(b"\r\n")).decode("latin-1")[:60] or "(no answer)"


def class_of(protocol, command, ref, sut, binary, tags):
    name = "%s %s: memcached %r, swiftcached %r" % (protocol, command, describe(ref, binary), describe(sut, binary))
    return name + "".join(" [%s]" % tag for tag in tags)


def syntax_tags(protocol, data):
    """What the input holds that the servers treat differently on purpose, on any of its lines."""
    tags = []
    lines = [] if protocol == "binary" else [words_of(line) for line in data.split(b"\n")]
    if any(b < 0x21 or b == 0x7F for words in lines for key in key_words(words) for b in key):
        tags.append("key with control bytes")
    if protocol == "meta" and any(w[:1] in (b"E", b"x") for words in lines if words[:1] and words[0][:1] == b"m" for w in words[2:]):
        tags.append("flag of later memcached")
    return tags


def exchange_tags(ref, sut, protocol, data, sut_answer):
    """Where the difference comes from, found by replaying the input (see DOCUMENTED)."""
    binary = protocol == "binary"
    if binary and big_store_body(data):
        return ["store body of 2 GB or more"]
    normalise = normalise_binary if binary else normalise_text
    ref_live, sut_live = transcript(ref.port, data), transcript(sut.port, data)
    if normalise(first_part(ref_live[0], binary)) == normalise(first_part(sut_live[0], binary)):
        return ["only at end of input"]
    if ref_live == (b"", True) and sut_live[1]:
        return ["memcached closes without answering"]
    pipelined = first_request(data, binary) != data or bytes_after_key(data, binary)
    if pipelined and ref_live == (b"", False) and sut_live[0]:
        return ["memcached holds answers while waiting"]
    if pipelined and (answered_alone_alike(ref, sut, data, binary, sut_answer)
                      or answered_alike_one_at_a_time(ref, sut, data, binary)):
        return ["memcached drops the answer"]
    return []


STORE_OPCODES = {0x01, 0x02, 0x03, 0x0E, 0x0F, 0x11, 0x12, 0x13, 0x19, 0x1A}


def big_store_body(data):
    """A binary store whose first packet claims a body of 2 GB or more."""
    return len(data) >= 24 and data[1] in STORE_OPCODES and struct.unpack(">I", data[8:12])[0] >= 1 << 31


def key_words(words):
    """The words of a request line that are keys."""
    if not words:
        return []
    if words[0] in (b"get", b"gets"):
        return words[1:]
    if words[0] in (b"gat", b"gats"):
        return words[2:]
    return words[1:2]


def words_of(line):
    """The words of a line as the servers split it: on spaces, runs of them counting as one; the
    `\r` of its `\r\n` ending is not part of the last word, any other byte is."""
    if line.endswith(b"\r"):
        line = line[:-1]
    return [word for word in line.split(b" ") if word]


STORAGE = {b"set": 4, b"add": 4, b"replace": 4, b"append": 4, b"prepend": 4, b"cas": 4, b"ms": 2}


def first_request(data, binary):
    """The bytes of the input's first request (header and body, or line and data block)."""
    if binary:
        if len(data) < 24:
            return data
        return data[:24 + struct.unpack(">I", data[8:12])[0]]
    end = data.find(b"\n")
    if end < 0:
        return data
    words = words_of(data[:end])
    length_word = STORAGE.get(words[0]) if words else None
    if length_word is not None and len(words) > length_word and words[length_word].isdigit():
        length = data_block_length(words[length_word])
        if length is not None:
            return data[:end + 1 + length + 2]
    return data[:end + 1]


def data_block_length(word):
    """The data block length both servers take from a storage line's digits: memcached keeps the
    low 32 bits as a C int (4294967296 is 0), and a negative int is refused with the line alone."""
    length = int(word) & 0xFFFFFFFF
    return length if length < 1 << 31 else None


def bytes_after_key(data, binary):
    """Whether a binary input goes on past its first request's extras and key when that request
    is not a store: both servers read only extras and key for those and take the next bytes as the
    next request, whatever body length the header claims."""
    if not binary or len(data) < 24 or data[1] in STORE_OPCODES:
        return False
    key_length, extras_length = struct.unpack(">H", data[2:4])[0], data[4]
    return len(data) > 24 + extras_length + key_length


def requests_of(data):
    """A text input split into its requests (the last one maybe incomplete)."""
    requests = []
    while data and len(requests) < 100:
        request = first_request(data, False)
        requests.append(request)
        data = data[len(request):]
    return requests


# ---------------------------------------------------------------- driver

def answered_alone_alike(ref, sut, data, binary, sut_answer):
    """Whether the difference comes only from what follows the first request: on emptied caches
    both servers answer the first request alone as swiftcached answered it in the pipeline."""
    alone = first_request(data, binary)
    normalise = normalise_binary if binary else normalise_text
    # As the caches are now (right for a first request that changes nothing), then emptied (right
    # for one that stored or deleted what the pipeline left behind).
    if normalise(first_answers([ref.port], alone, binary)[0]) == normalise(sut_answer):
        return True
    resynchronise(ref, sut)
    ref_alone, sut_alone = first_answers([ref.port, sut.port], alone, binary)
    return normalise(ref_alone) == normalise(sut_alone) == normalise(sut_answer)


def answered_alike_one_at_a_time(ref, sut, data, binary):
    """Whether memcached, sent the requests one at a time, answers them all as swiftcached answers
    the whole input at once (both from emptied caches): then the difference is only memcached
    discarding answers of a read batch (see TextSession's list of differences). Text only."""
    if binary:
        return False
    resynchronise(ref, sut)
    with socket.create_connection(("127.0.0.1", ref.port), timeout=ANSWER_CAP) as sock:
        one_at_a_time = b"".join(exchange(sock, request, REPLAY_QUIET) for request in requests_of(data))
    resynchronise(ref, sut)
    batched = transcript(sut.port, data, REPLAY_QUIET)[0]
    resynchronise(ref, sut)
    return normalised_lines(one_at_a_time) == normalised_lines(batched)


def exchange(sock, request, quiet):
    """Sends one request and returns what comes back until the server has been quiet a while."""
    try:
        sock.sendall(request)
    except OSError:
        return b""
    received = bytearray()
    deadline = time.monotonic() + ANSWER_CAP
    while time.monotonic() < deadline and select.select([sock], [], [], quiet)[0]:
        try:
            chunk = sock.recv(65536)
        except OSError:
            break
        if not chunk:
            break
        received += chunk
    return bytes(received)


def normalised_lines(answers):
    return [normalise_text(line) for line in answers.split(b"\n")]


def resynchronise(*servers):
    """After a difference the caches may hold different items: empty both, so one difference
    does not echo through the inputs after it."""
    for server in servers:
        with server.connect() as sock:
            sock.sendall(b"flush_all\r\n")
            sock.settimeout(RESYNC_CAP)
            answer = b""
            while not answer.endswith(b"\r\n"):
                try:
                    chunk = sock.recv(64)
                except socket.timeout:
                    raise Unresponsive("%s did not answer flush_all within %.0f s" % (server.name, RESYNC_CAP), b"")
                if not chunk:
                    break
                answer += chunk


class Unresponsive(Exception):
    """A server stopped answering: a hang, reported with the input before it."""


def documented_reason(name):
    for pattern, reason in DOCUMENTED.items():
        if re.search(pattern, name):
            return reason
    return None


def run(count, seed, seconds, verbose):
    ref = Server(MEMCACHED_BINARY, SERVER_FLAGS, name="memcached")
    sut = Server(SWIFTCACHED_BINARY, SERVER_FLAGS, name="swiftcached")
    started = time.monotonic()
    classes = {}   # name -> [occurrences, shortest input, memcached's answer, swiftcached's answer]
    try:
        for server in (ref, sut):
            server.start()
            drain_log(server)
        done = compare(ref, sut, random.Random(seed), count, started + seconds, classes, verbose)
        for server in (ref, sut):
            if not server.alive():
                print("FAIL: %s died during the run" % server.name)
                return 1
    except Unresponsive as error:
        print("FAIL: %s after input %r" % (error.args[0], error.args[1][:300]))
        return 1
    finally:
        ref.stop()
        sut.stop()
    undocumented = report(classes)
    print("difffuzz: %d inputs (seed %d) in %.1fs, %d classes of difference, %d undocumented"
          % (done, seed, time.monotonic() - started, len(classes), undocumented))
    return 1 if undocumented else 0


def drain_log(server):
    """Reads a server's output as it comes: after `verbosity 1` it logs every request, and a full
    pipe would block it in the middle of one."""
    def read():
        while server.proc.stdout.read1(65536):
            pass
    threading.Thread(target=read, daemon=True).start()


def compare(ref, sut, rng, count, deadline, classes, verbose):
    """Runs up to `count` inputs (until `deadline`), filling `classes`; returns the inputs run."""
    done = 0
    while done < count and time.monotonic() < deadline:
        protocol, command, data = generate(rng)
        binary = protocol == "binary"
        ref_answer, sut_answer = first_answers([ref.port, sut.port], data, binary)
        done += 1
        normalise = normalise_binary if binary else normalise_text
        tags = syntax_tags(protocol, data)
        try:
            if normalise(ref_answer) == normalise(sut_answer):
                if tags:
                    resynchronise(ref, sut)   # a later request may have changed one cache only
                continue
            if not tags:
                tags = exchange_tags(ref, sut, protocol, data, sut_answer)
            resynchronise(ref, sut)
        except Unresponsive as error:
            raise Unresponsive(error.args[0], data)
        name = class_of(protocol, command, ref_answer, sut_answer, binary, tags)
        entry = classes.setdefault(name, [0, data, ref_answer, sut_answer])
        entry[0] += 1
        if len(data) < len(entry[1]):
            entry[1:] = [data, ref_answer, sut_answer]
        if verbose:
            print("difference:", name, data[:200])
    return done


def report(classes):
    """Prints every class, then the inputs per reason; returns the number of undocumented classes."""
    undocumented = 0
    by_reason = {}
    for name, (occurrences, data, ref_answer, sut_answer) in sorted(classes.items()):
        reason = documented_reason(name)
        undocumented += reason is None
        print("%s (%d inputs) %s\n  shortest input: %r\n  memcached:   %r\n  swiftcached: %r"
              % ("documented" if reason else "UNDOCUMENTED", occurrences, name, data[:300], ref_answer, sut_answer))
        if reason:
            print("  why: " + reason)
        counts = by_reason.setdefault(reason or "UNDOCUMENTED", [0, 0])
        counts[0] += 1
        counts[1] += occurrences
    for reason, (class_count, occurrences) in sorted(by_reason.items(), key=lambda item: -item[1][1]):
        print("%5d inputs in %3d classes: %s" % (occurrences, class_count, reason))
    return undocumented


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--count", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--seconds", type=float, default=600)
    parser.add_argument("--verbose", action="store_true")
    arguments = parser.parse_args()
    sys.exit(run(arguments.count, arguments.seed, arguments.seconds, arguments.verbose))


if __name__ == "__main__":
    main()
