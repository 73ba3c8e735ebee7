"""The differential fuzzer's classifier (Scripts/difffuzz.py): how it splits an input into requests,
and its check that a difference comes only from memcached answering a read batch differently,
shown able to find a difference as well as to clear one. Real memcached and swiftcached."""
import os
import struct
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "Scripts"))
import difffuzz  # noqa: E402

LONG_KEY = b"x" * 251


def test_a_data_length_keeps_memcacheds_low_32_bits():
    assert difffuzz.first_request(b"set k 0 0 4294967296\r\n3ba\r\nget k\r\n", False) == b"set k 0 0 4294967296\r\n3b"
    assert difffuzz.first_request(b"set k 0 0 2147483648\r\nab\r\n", False) == b"set k 0 0 2147483648\r\n"
    assert difffuzz.first_request(b"set k 0 0 2\r\nab\r\nget k\r\n", False) == b"set k 0 0 2\r\nab\r\n"


def test_requests_of_splits_lines_and_data_blocks():
    assert difffuzz.requests_of(b"set a 0 0 1\r\nx\r\nget a\r\nget b") == [b"set a 0 0 1\r\nx\r\n", b"get a\r\n", b"get b"]


def test_a_binary_request_that_is_not_a_store_ends_after_its_key():
    stat = struct.pack(">BBHBBHIIQ", 0x80, 0x10, 0, 0, 0, 0, 1 << 20, 0, 0)
    noop = struct.pack(">BBHBBHIIQ", 0x80, 0x0A, 0, 0, 0, 0, 0, 0, 0)
    assert difffuzz.bytes_after_key(stat + noop, True)
    assert not difffuzz.bytes_after_key(stat, True)
    store = struct.pack(">BBHBBHIIQ", 0x80, 0x01, 1, 8, 0, 0, 1 << 20, 0, 0) + b"\0" * 8 + b"k" + b"value"
    assert not difffuzz.bytes_after_key(store, True)


def test_memcached_drops_earlier_answers_of_a_batch_with_a_long_key_and_the_check_sees_it(module_pair):
    ref, sut = module_pair
    batch = b"set a 0 0 1\r\nx\r\nget " + LONG_KEY + b"\r\n"
    # memcached against itself: one request at a time it answers STORED, in one batch it does not.
    assert not difffuzz.answered_alike_one_at_a_time(ref, ref, batch, False)
    # swiftcached answers the batch as memcached answers the requests one at a time.
    assert difffuzz.answered_alike_one_at_a_time(ref, sut, batch, False)


def test_the_check_finds_answers_that_differ_one_at_a_time(module_pair):
    ref, sut = module_pair
    # A key with a control byte: memcached stores it, swiftcached refuses it (a documented
    # difference of another kind), so the requests' answers differ however they are sent.
    assert not difffuzz.answered_alike_one_at_a_time(ref, sut, b"set k\x01 0 0 1\r\nx\r\nget a\r\n", False)
