#!/usr/bin/env python3
"""Writes the seed corpus and the libFuzzer dictionary of one fuzz target (Scripts/fuzz.sh):
a few valid inputs so the fuzzer starts past the headers, and the words each parser looks for.
Usage: fuzz_seeds.py TARGET CORPUS_DIR DICT_FILE"""
import os
import struct
import sys


def req(op, key=b"", extras=b"", value=b"", cas=0):
    """A binary-protocol request."""
    return struct.pack(">BBHBBHIIQ", 0x80, op, len(key), len(extras), 0, 0,
                       len(key) + len(extras) + len(value), 7, cas) + extras + key + value


def udp(request_id, payload):
    return struct.pack(">HHHH", request_id, 0, 1, 0) + payload


# Session inputs start with two control bytes: the piece size and the request limit (SessionFeeder).
BINARY = [req(1, b"k", struct.pack(">II", 1, 0), b"value") + req(0, b"k") + req(0x0c, b"k"),
          req(5, b"n", struct.pack(">QQI", 1, 5, 0)) + req(0x15, b"n", struct.pack(">QQI", 1, 5, 0)),
          req(0x0e, b"k", value=b"x") + req(4, b"k", cas=3) + req(0x1d, b"k", b"\0\0\0\1"),
          req(0x10, b"settings") + req(8, extras=b"\0\0\0\0") + req(0x0a) + req(0x07)]
TEXT = [b"\x05\x03set a 5 0 3\r\nabc\r\nget a b\r\ngets a\r\nappend a 0 0 1\r\nx\r\nincr n 1\r\n",
        b"\x09\x01cas a 0 0 1 9\r\nz\r\ntouch a 10\r\ngat 5 a\r\nflush_all 0\r\nstats\r\nverbosity 1\r\n",
        b"\x40\x10add b 1 0 2 noreply\r\nhi\r\nprepend b 0 0 1\r\n>\r\ndecr b 1\r\ndelete b\r\nconfig get cluster\r\n",
        b"\x20\x08stats slabs\r\nstats items\r\nslabs automove 1\r\nlru_crawler metadump all\r\nversion\r\nquit\r\n"]
META = [b"\x01\x02ms k 2 T10 F5 c\r\nhi\r\nmg k v c f t s k O1 q\r\nmn\r\nma k N0 J5 D3 MI\r\nmd k I q\r\nme k\r\n",
        b"\x09\x01mg Zm9v b v k\r\nms Zm9v 3 b I\r\nbar\r\nmg k N30 R10 v\r\nma n N0 J13 MD D2\r\n",
        b"\x30\x04ms k S3 MA\r\nabc\r\nms k 1 MP C5\r\nx\r\nmg k h l t E9 q\r\nmd k C5 q I T30\r\nmn\r\n",
        b"\x10\x08mg kk\r\nms kk 0 ME\r\n\r\nma kk MI D18446744073709551615\r\nmg kk s v Oabc\r\n"]
AUTH = [b"\x10\x03set k 0 0 12\r\nalice secret\r\nget k\r\n", b"\x01\x01get x\r\nset a b c 3\r\nabc\r\n",
        b"\x20\x02set a 0 0 6\r\nbob pw\r\nset z 0 0 1\r\nq\r\n", b"alice:secret\nbob:x:y\r\n"]
SASL = [b"\x30\x04" + req(0x20) + req(0x21, b"PLAIN", value=b"\0alice\0secret") + req(0x11, b"q", struct.pack(">II", 0, 0), b"v"),
        b"\x18\x02" + req(0x0b) + req(0x21, b"PLAIN", value=b"alice\0alice\0secret") + req(0) + req(0x22, b"PLAIN", value=b"x"),
        b"\x08\x01" + req(0x21, b"PLAIN", value=b"\0alice\0wrong") + req(1, b"k", struct.pack(">II", 0, 0), b"v"),
        b"\0alice\0secret"]
CLUSTER = [b"1\nhost-a|10.0.0.1|11211 host-b||11212\n", b"7\r\nb.example|10.1.2.3|1 a.example||65535",
           b"12\n\n", b"3\nx|1.2.3.4|80 x|1.2.3.5|80\n"]
RESPONSE = [b"CONFIG cluster 0 %d\r\n%s\r\nEND\r\n" % (len(p), p) for p in
            (b"1\nhost-a|10.0.0.1|11211 host-b||11212\n", b"4\n\n", b"9\nn|127.0.0.1|1\n")]
CLUSTER_FILE = [b"# nodes\nhost-a|10.0.0.1|11211\nhost-b||11212 # spare\n\n",
                b"host-c|192.168.1.1|1 host-d|192.168.1.2|2\r\n", b"5\nhost-a|10.0.0.1|11211\n", b"0\n\n"]
CONFIG_FILE = [b"# memcached.conf\n-d\nlogfile /var/log/memcached.log\n-m 64\n-p 11211\n-u memcache\n-l 127.0.0.1\n",
               b"-o idle_timeout=30,slab_automove=2 # tuning\r\n-c\t100\n-vv\n-o a\\#b\n", b"-h\n  \n--listen=::1\n"]

SEEDS = {
    "binary": BINARY, "text": TEXT, "meta": META, "auth": AUTH, "sasl": SASL,
    "udp": [udp(1, b"set a 0 0 1\r\nx\r\nget a b\r\n"), udp(2, BINARY[0]), udp(3, b"mg a v\r\nmn\r\n")],
    "cluster": CLUSTER, "clusterresponse": RESPONSE, "clusterfile": CLUSTER_FILE, "configfile": CONFIG_FILE,
}

TEXT_WORDS = ["set", "add", "replace", "append", "prepend", "cas", "get", "gets", "gat", "gats", "touch",
              "incr", "decr", "delete", "stats", "flush_all", "version", "verbosity", "quit", "noreply",
              "slabs", "reassign", "automove", "lru", "lru_crawler", "crawl", "metadump", "cachedump",
              "settings", "items", "sizes", "detail", "config", "cluster", "shutdown", "misbehave", "\r\n",
              "4294967295", "4294967296", "18446744073709551615", "18446744073709551616", "-1", "2048"]
META_WORDS = ["mg", "ms", "md", "ma", "mn", "me", "\r\n", " b", " v", " k", " c", " f", " t", " s", " h", " l",
              " q", " u", " O", " N", " R", " T", " E", " F", " C", " I", " S", " M", " D", " J",
              " MA", " MP", " MR", " ME", " MS", " MI", " MD", " MI", "=", "==", "Zm9v", "18446744073709551615"]
BINARY_WORDS = ["\\x80", "\\x81", "\\x00\\x00\\x00\\x00", "\\xff\\xff\\xff\\xff", "\\x00\\x18", "PLAIN"]
WORDS = {
    "binary": BINARY_WORDS,
    "text": TEXT_WORDS,
    "meta": META_WORDS,
    "udp": TEXT_WORDS + META_WORDS + BINARY_WORDS + ["\\x00\\x01\\x00\\x00"],
    "auth": ["set", "alice", "secret", "bob", "pw", ":", "\r\n", "\n", " "],
    "sasl": BINARY_WORDS + ["\\x20", "\\x21", "\\x22", "alice", "secret", "\\x00alice\\x00secret"],
    "cluster": ["|", "||", "\n", "\r\n", " ", "127.0.0.1", "255.255.255.255", "256", "65535", "65536", "0", "#"],
    "clusterresponse": ["CONFIG cluster 0 ", "\r\nEND\r\n", "\r\n", "|", "||", "\n", "10.0.0.1", "65535"],
    "clusterfile": ["#", "|", "||", "\n", "\r\n", " ", "\t", "10.0.0.1", "65535", "65536"],
    "configfile": ["#", "\\#", "\n", "\r\n", "\r", " ", "\t", "-", "--", "-d", "-h", "logfile", "\"", "'", "-o",
                   "--config-file", "="],
}


def dictionary_entry(word):
    """A libFuzzer dictionary line; words spelled with \\x escapes keep them."""
    if "\\x" in word:
        return '"%s"' % word
    return '"%s"' % "".join(c if 32 <= ord(c) < 127 and c not in '"\\' else "\\x%02x" % ord(c) for c in word)


def main():
    target, corpus, dictionary = sys.argv[1:4]
    os.makedirs(corpus, exist_ok=True)
    for index, seed in enumerate(SEEDS[target]):
        with open(os.path.join(corpus, "seed%d" % index), "wb") as f:
            f.write(seed)
    with open(dictionary, "w") as f:
        f.write("".join(dictionary_entry(w) + "\n" for w in sorted(set(WORDS[target]))))


if __name__ == "__main__":
    main()
