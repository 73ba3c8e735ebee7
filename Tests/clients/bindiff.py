"""Binary-protocol packets for the differential tests: building requests, and normalising replies
so that only what may legitimately differ is masked (the version text, statistic values, absolute
cas values, which become C1, C2, … in order of first appearance on the connection)."""
import struct

HEADER = struct.Struct(">BBHBBHIIQ")   # magic opcode keylen extlen datatype status|vbucket bodylen opaque cas

GET, SET, ADD, REPLACE, DELETE, INCR, DECR, QUIT, FLUSH, GETQ, NOOP, VERSION = range(0x0C)
GETK, GETKQ, APPEND, PREPEND, STAT = 0x0C, 0x0D, 0x0E, 0x0F, 0x10
SETQ, ADDQ, REPLACEQ, DELETEQ, INCRQ, DECRQ, QUITQ, FLUSHQ, APPENDQ, PREPENDQ = range(0x11, 0x1B)
VERBOSITY, TOUCH, GAT, GATQ = 0x1B, 0x1C, 0x1D, 0x1E
SASL_LIST, SASL_AUTH, SASL_STEP, GATK, GATKQ = 0x20, 0x21, 0x22, 0x23, 0x24


def req(opcode, key=b"", extras=b"", value=b"", opaque=0xA1B2C3D4, cas=0, bodylen=None, magic=0x80,
        keylen=None, extlen=None, datatype=0):
    if isinstance(key, str):
        key = key.encode()
    if isinstance(value, str):
        value = value.encode()
    body = len(key) + len(extras) + len(value) if bodylen is None else bodylen
    return HEADER.pack(magic, opcode, len(key) if keylen is None else keylen,
                       len(extras) if extlen is None else extlen, datatype, 0, body, opaque, cas) + extras + key + value


def store(opcode, key, value, flags=0, exptime=0, **kw):
    return req(opcode, key, struct.pack(">II", flags, exptime), value, **kw)


def arith(opcode, key, delta, initial=0, exptime=0, **kw):
    return req(opcode, key, struct.pack(">QQI", delta, initial, exptime), **kw)


def touch(opcode, key, exptime, **kw):
    return req(opcode, key, struct.pack(">I", exptime), **kw)


def packets(data):
    """Split a reply into (header fields, extras, key, value) packets; a trailing partial packet is
    returned as raw bytes."""
    out = []
    pos = 0
    while pos + 24 <= len(data):
        fields = HEADER.unpack_from(data, pos)
        magic, opcode, keylen, extlen, datatype, status, bodylen, opaque, cas = fields
        if pos + 24 + bodylen > len(data):
            break
        body = data[pos + 24: pos + 24 + bodylen]
        out.append((fields, body[:extlen], body[extlen:extlen + keylen], body[extlen + keylen:]))
        pos += 24 + bodylen
    if pos < len(data):
        out.append(("PARTIAL", data[pos:]))
    return out


def normalise(results):
    cas_names = {}
    out = []
    for reply, closed in results:
        if isinstance(reply, str):
            out.append((reply, closed))
            continue
        norm = []
        for p in packets(reply):
            if p[0] == "PARTIAL":
                norm.append(p)
                continue
            (magic, opcode, keylen, extlen, datatype, status, bodylen, opaque, cas), extras, key, value = p
            if cas:
                cas = cas_names.setdefault(cas, "C%d" % (len(cas_names) + 1))
            if opcode == VERSION and status == 0:
                value, bodylen = b"<version>", "<len>"
            if opcode == STAT and status == 0 and keylen:
                value, bodylen = b"<v>", "<len>"
            norm.append((magic, opcode, keylen, extlen, datatype, status, bodylen, opaque, cas, extras, key, value))
        out.append((norm, closed))
    return out
