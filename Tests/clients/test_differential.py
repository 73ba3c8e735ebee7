"""Differential tests: the same raw bytes to memcached 1.6 and to swiftcached, identical replies.

Both servers run with the same flags (`-U 0 -l 127.0.0.1 -p FREEPORT -m 64 -t 2 -f 1.25`: memcached's
growth factor, so class ids and chunk sizes compare; swiftcached's default table is finer). Each case runs
on a fresh connection to each server; a step's reply is everything the server sends until it has
been quiet for difftest.QUIET seconds (bounded by difftest.STEP_CAP), plus whether it closed the
connection. normalise() masks only the VERSION text, STAT values and absolute cas uniques.

Cases share one pair of servers and use keys unique to the case, except cases marked fresh
(flush_all, stats), which get their own pair. Intentional differences are listed as
`expected_difference=` with a check of what each side must answer instead; none is skipped.
"""
import concurrent.futures
import time

import pytest

from conftest import (MEASUREMENTS, MEMCACHED_BINARY, MEMCACHED_CLASS_TABLE, SWIFTCACHED_BINARY, TARGET_IS_MEMCACHED,
                      Server)
from difftest import Case, Dynamic, Sleep, cas_of, normalise, run_both, show

CASES = []
WORKERS = 12   # cases run at once


def case(name, *steps, fresh=False, expected_difference=None, sut_args=(), args=()):
    CASES.append(Case(name, list(steps), fresh=fresh or bool(args), expected_difference=expected_difference,
                      sut_args=sut_args, args=args))


def key_of_len(n, tag):
    k = ("%s_" % tag).encode()
    return k + b"k" * (n - len(k))


def setcmd(cmd, key, value, flags=0, exptime=0, noreply=False):
    if isinstance(key, str):
        key = key.encode()
    if isinstance(value, str):
        value = value.encode()
    return b"%s %s %d %d %d%s\r\n%s\r\n" % (cmd.encode(), key, flags, exptime, len(value),
                                              b" noreply" if noreply else b"", value)


# ------------------------------------------------------------------ storage commands
case("set_get", setcmd("set", "sg", "hello"), "get sg\r\n", "get sg_missing\r\n")
case("set_flags_max", setcmd("set", "sfm", "v", flags=4294967295), "get sfm\r\n")
case("set_flags_over_32bit", "set sfo 4294967296 0 1\r\nv\r\n", "get sfo\r\n")
case("set_flags_negative", "set sfn -1 0 1\r\nv\r\n", "get sfn\r\n")
case("set_empty_value", "set sev 0 0 0\r\n\r\n", "get sev\r\n")
case("set_overwrite", setcmd("set", "sov", "one"), setcmd("set", "sov", "twotwo", flags=7), "get sov\r\n")
case("set_noreply", setcmd("set", "snr", "quiet", noreply=True), "get snr\r\n")
case("set_double_space_tokens", "set  sds  5  0  1\r\nx\r\n", "get  sds \r\n")
case("set_trailing_space", "set sts 0 0 1 \r\nx\r\n", "get sts\r\n")
case("set_lf_only_line", "set slf 0 0 1\nx\r\nget slf\n")
case("set_value_lf_only_terminator", "set svl 0 0 1\r\nx\n", "get svl\r\n")
case("set_bad_data_chunk", "set bdc 0 0 3\r\nabcd\r\n", "get bdc\r\n")
case("set_bad_data_chunk_short", "set bds 0 0 5\r\nab\r\n", "\r\nget bds\r\n")
case("set_data_missing_crlf", "set dmc 0 0 2\r\nabXYget dmc\r\n")
case("set_binary_every_byte", setcmd("set", "sbe", bytes(range(256)) * 4), "get sbe\r\n")
case("set_binary_crlf_inside", setcmd("set", "sbc", b"a\r\nb\r\nEND\r\n"), "get sbc\r\n")
case("set_exptime_negative", setcmd("set", "sen", "gone", exptime=-1), "get sen\r\n")
# memcached's clock ticks once a second: with exptime 2 the first get is still a hit, and after
# 3.2 s the item is gone on any server that follows memcached's rule (expired when exptime <= now).
case("set_exptime_expires", setcmd("set", "sex", "soon", exptime=2), "get sex\r\n", Sleep(3.2), "get sex\r\n")
case("set_exptime_absolute_past", setcmd("set", "sap", "old", exptime=1000000000), "get sap\r\n")
# exptime over 30 days (2592000 s) is an absolute unix time: 2592001 is in 1970, so already expired
case("set_exptime_30_days_relative", setcmd("set", "s30", "v", exptime=2592000), "get s30\r\n")
case("set_exptime_30_days_plus_1_absolute", setcmd("set", "s31d", "v", exptime=2592001), "get s31d\r\n")
case("set_exptime_absolute_future", setcmd("set", "saf", "v", exptime=int(time.time()) + 3600), "get saf\r\n")
case("touch_absolute_past", setcmd("set", "tap", "v"), "touch tap 2592001\r\n", "get tap\r\n")
case("set_exptime_bad", "set seb 0 abc 1\r\nx\r\n", "get seb\r\n")

# wrong argument counts and bad numbers
case("set_too_few_args", "set stf 0 0\r\n", "x\r\n", "get stf\r\n")
case("set_too_many_args", "set stm 0 0 1 noreply extra\r\nx\r\n", "get stm\r\n")
case("set_no_args", "set\r\n")
case("set_bad_flags", "set sbf abc 0 1\r\nx\r\n", "get sbf\r\n")
case("set_bad_length", "set sbl 0 0 abc\r\nx\r\n", "get sbl\r\n")
case("set_negative_length", "set snl 0 0 -1\r\nx\r\n", "get snl\r\n")
case("set_huge_length", "set shl 0 0 4294967296\r\nx\r\n", "get shl\r\n")
case("set_length_2pow31", "set s31 0 0 2147483648\r\nx\r\n", "get s31\r\n")
case("set_too_large_swallowed",
     b"set tl1 0 0 2000000\r\n" + b"z" * 2000000 + b"\r\n", "get tl1\r\nget tl1\r\n")
case("set_too_large_exact_1MiB",
     b"set tl2 0 0 1048576\r\n" + b"y" * 1048576 + b"\r\n", "get tl2\r\n")
case("set_near_limit_stores",
     b"set nl1 0 0 1047552\r\n" + b"n" * 1047552 + b"\r\n", "get nl1\r\n")
case("set_too_large_then_pipelined",
     b"set tl3 0 0 1100000\r\n" + b"w" * 1100000 + b"\r\nset tl3b 0 0 2\r\nok\r\nget tl3 tl3b\r\n")

# keys: 250 bytes is the limit
K250 = key_of_len(250, "k250")
K251 = key_of_len(251, "k251")
case("key_250_ok", setcmd("set", K250, "v"), b"get " + K250 + b"\r\n", b"delete " + K250 + b"\r\n")
case("key_251_set", setcmd("set", K251, "v"), b"get " + K251 + b"\r\n")
case("key_251_get", b"get " + K251 + b"\r\n")
case("key_251_in_multiget", setcmd("set", "k251m", "v"), b"get k251m " + K251 + b" k251m\r\n")
case("key_251_delete", b"delete " + K251 + b"\r\n")
case("key_251_incr", b"incr " + K251 + b" 1\r\n")
case("key_251_touch", b"touch " + K251 + b" 10\r\n")
case("key_251_add_noreply", setcmd("add", K251, "v", noreply=True), "get x251\r\n")

# add / replace / append / prepend
case("add_new_then_existing", setcmd("add", "an", "first"), setcmd("add", "an", "second"), "get an\r\n")
case("add_noreply", setcmd("add", "anr", "a", noreply=True), setcmd("add", "anr", "b", noreply=True), "get anr\r\n")
case("replace_missing_then_existing", setcmd("replace", "rp", "x"), setcmd("set", "rp", "y"),
     setcmd("replace", "rp", "zz", flags=3), "get rp\r\n")
case("replace_noreply", setcmd("replace", "rpn", "x", noreply=True), "get rpn\r\n")
case("append_missing_existing", setcmd("append", "ap", "x"), setcmd("set", "ap", "mid", flags=9),
     setcmd("append", "ap", "END", flags=1), setcmd("prepend", "ap", "BEG", flags=2), "gets ap\r\n")
case("prepend_missing", setcmd("prepend", "ppm", "x"), "get ppm\r\n")
case("append_prepend_noreply", setcmd("set", "apn", "m"), setcmd("append", "apn", "a", noreply=True),
     setcmd("prepend", "apn", "p", noreply=True), "get apn\r\n")
case("append_too_large",
     b"set atl 0 0 1000000\r\n" + b"a" * 1000000 + b"\r\n",
     b"append atl 0 0 100000\r\n" + b"b" * 100000 + b"\r\n", "get atl\r\n")
case("append_bad_data_chunk", setcmd("set", "abd", "v"), "append abd 0 0 1\r\nxyz\r\n", "get abd\r\n")

# cas
case("cas_not_found", "cas cnf 0 0 1 12345\r\nx\r\n")
case("cas_exists", setcmd("set", "cex", "v"), "cas cex 0 0 1 999999999\r\nx\r\n", "get cex\r\n")
case("cas_success", setcmd("set", "cok", "v"), "gets cok\r\n",
     Dynamic(lambda r: b"cas cok 5 0 2 " + cas_of(r[1]) + b"\r\nv2\r\n", "cas with the gets unique"),
     "gets cok\r\n",
     Dynamic(lambda r: b"cas cok 5 0 2 " + cas_of(r[1]) + b"\r\nv3\r\n", "cas with the stale unique"))
case("cas_noreply", setcmd("set", "cnr", "v"), "gets cnr\r\n",
     Dynamic(lambda r: b"cas cnr 0 0 1 " + cas_of(r[1]) + b" noreply\r\nw\r\n", "cas noreply"),
     "cas cnr 0 0 1 1 noreply\r\nq\r\n", "gets cnr\r\n")
case("cas_missing_unique", "cas cmu 0 0 1\r\nx\r\n", "get cmu\r\n")
case("cas_bad_unique", "cas cbu 0 0 1 abc\r\nx\r\n", "get cbu\r\n")
case("cas_negative_unique", "cas cnu 0 0 1 -5\r\nx\r\n")
case("gets_unique_changes_on_write", setcmd("set", "gu", "1"), "gets gu\r\n", setcmd("set", "gu", "2"),
     "gets gu\r\n", "touch gu 100\r\n", "gets gu\r\n", "incr gu 1\r\n", "gets gu\r\n")

# retrieval
case("get_no_key", "get\r\n", "gets\r\n", "get \r\n")
case("get_multi_mixed", setcmd("set", "gm1", "a"), setcmd("set", "gm3", "ccc", flags=3),
     "get gm1 gm2 gm3 gm1\r\n", "gets gm1 gm2 gm3\r\n")
case("get_uppercase_is_unknown", setcmd("set", "gup", "a"), "GET gup\r\n")
MANY = [b"mg%03d" % i for i in range(100)]
case("get_100_keys", b"".join(setcmd("set", k, k) for k in MANY[::3]), b"get " + b" ".join(MANY) + b"\r\n")
LONG = [b"longkey_%040d" % i for i in range(150)]   # 48-byte keys: ~7.3 KB line
case("get_line_over_2048_bytes", b"".join(setcmd("set", k, b"v") for k in LONG[::10]),
     b"get " + b" ".join(LONG) + b"\r\n")
case("gets_line_over_2048_bytes", b"".join(setcmd("set", k, b"w") for k in LONG[5::10]),
     b"gets " + b" ".join(LONG) + b"\r\n")
case("get_key_list_with_251", b"get a " + K251 + b"\r\n")

# gat / gats / touch
case("touch_hit_miss", setcmd("set", "th", "v"), "touch th 100\r\n", "touch thm 100\r\n", "get th\r\n")
case("touch_noreply", setcmd("set", "tn", "v"), "touch tn 100 noreply\r\n", "touch tnm 1 noreply\r\n", "get tn\r\n")
case("touch_bad_exptime", setcmd("set", "tb", "v"), "touch tb abc\r\n", "get tb\r\n")
case("touch_wrong_args", "touch\r\n", "touch tw\r\n", "touch tw 1 2 3\r\n")
case("touch_expires", setcmd("set", "tex", "v"), "touch tex 1\r\n", Sleep(2.6), "get tex\r\n")
case("touch_negative_expires", setcmd("set", "tne", "v"), "touch tne -1\r\n", "get tne\r\n")
case("gat_hit_miss", setcmd("set", "ga", "val", flags=4), "gat 100 ga gam\r\n", "gats 100 ga\r\n")
case("gat_multi", setcmd("set", "gt1", "a"), setcmd("set", "gt2", "b"), "gat 0 gt1 gtx gt2\r\n")
case("gat_bad_exptime", setcmd("set", "gbe", "v"), "gat abc gbe\r\n", "gats abc gbe\r\n")
case("gat_no_key", "gat 10\r\n", "gats\r\n", "gat\r\n")
case("gat_expires", setcmd("set", "gex", "v"), "gat 1 gex\r\n", Sleep(2.6), "get gex\r\n")
case("gat_negative_expires", setcmd("set", "gne", "v"), "gat -1 gne\r\n", "get gne\r\n")

# delete
case("delete_hit_miss", setcmd("set", "dh", "v"), "delete dh\r\n", "delete dh\r\n", "get dh\r\n")
case("delete_noreply", setcmd("set", "dn", "v"), "delete dn noreply\r\n", "get dn\r\n")
case("delete_with_zero_time", setcmd("set", "dz", "v"), "delete dz 0\r\n", "get dz\r\n")
case("delete_with_time", setcmd("set", "dt", "v"), "delete dt 10\r\n", "get dt\r\n")
case("delete_too_many_args", setcmd("set", "dta", "v"), "delete dta 0 noreply extra\r\n", "get dta\r\n")
case("delete_no_key", "delete\r\n")

# incr / decr
case("incr_basic", setcmd("set", "ib", "10"), "incr ib 5\r\n", "get ib\r\n", "decr ib 3\r\n", "get ib\r\n")
case("incr_missing", "incr im 1\r\n", "decr im 1\r\n")
case("incr_non_numeric", setcmd("set", "inn", "abc"), "incr inn 1\r\n", "decr inn 1\r\n")
case("incr_non_numeric_mixed", setcmd("set", "inm", "12ab"), "incr inm 1\r\n")
case("incr_leading_space_value", setcmd("set", "ils", " 12"), "incr ils 1\r\n")
case("incr_bad_delta", setcmd("set", "ibd", "1"), "incr ibd abc\r\n", "incr ibd -1\r\n",
     "incr ibd 18446744073709551616\r\n", "decr ibd x\r\n")
case("incr_wraps_at_2pow64", setcmd("set", "iw", "18446744073709551615"), "incr iw 1\r\n", "get iw\r\n",
     setcmd("set", "iw2", "18446744073709551610"), "incr iw2 10\r\n")
case("incr_max_delta", setcmd("set", "imd", "0"), "incr imd 18446744073709551615\r\n", "get imd\r\n")
case("incr_value_over_2pow64", setcmd("set", "io", "18446744073709551616"), "incr io 1\r\n")
case("decr_floor_zero", setcmd("set", "df", "5"), "decr df 100\r\n", "get df\r\n")
case("decr_shrinks_length", setcmd("set", "ds", "10"), "decr ds 1\r\n", "get ds\r\n",
     setcmd("set", "ds2", "1000"), "decr ds2 991\r\n", "get ds2\r\n")
case("incr_grows_length", setcmd("set", "ig", "99"), "incr ig 1\r\n", "get ig\r\n",
     setcmd("set", "ig2", "9"), "incr ig2 18446744073709551600\r\n", "get ig2\r\n")
case("incr_keeps_flags", setcmd("set", "ikf", "1", flags=77), "incr ikf 1\r\n", "get ikf\r\n")
case("incr_noreply", setcmd("set", "inr", "1"), "incr inr 5 noreply\r\n", "decr inr 2 noreply\r\n",
     "incr inrm 1 noreply\r\n", "get inr\r\n")
case("incr_wrong_args", "incr\r\n", "incr x\r\n", "decr x 1 2 3\r\n")
case("incr_on_empty_value", "set iev 0 0 0\r\n\r\n", "incr iev 1\r\n")
case("incr_on_long_numeric", setcmd("set", "ilong", "0" * 30 + "5"), "incr ilong 1\r\n", "get ilong\r\n")

# misc commands
case("version", "version\r\n")
case("version_extra_args", "version x\r\n")
case("verbosity", "verbosity 1\r\n", "verbosity 0 noreply\r\n", "verbosity\r\n", "verbosity 1 2 3\r\n",
     "verbosity abc\r\n")
case("unknown_command", "foo\r\n", "foo bar baz\r\n", "\r\n", "bogus_long_command_name 1 2 3 4 5 6 7 8\r\n")
case("lf_only_commands", "version\n", "nosuch\n", setcmd("set", "lfo", "v"), "get lfo\n")
case("quit", "quit\r\n", "get x\r\n")
case("quit_after_pipeline", setcmd("set", "qap", "v") + b"get qap\r\nquit\r\nget qap\r\n")
case("shutdown_not_enabled", "shutdown\r\n")
case("line_over_2048_no_newline", b"x" * 4096, b"\r\nversion\r\n")
case("line_over_2048_set_no_newline", b"set " + b"k" * 3000, b" 0 0 1\r\nx\r\n")
case("line_over_2048_with_newline", b"foo " + b"a" * 3000 + b"\r\n", "version\r\n")
case("get_line_huge_no_newline", b"get " + b"k " * 4000, b"\r\n")
case("key_with_control_char",
     b"set ctl\x01key 0 0 1\r\nv\r\n", b"get ctl\x01key\r\n",
     expected_difference="control_key")
case("key_with_del_char",
     b"set del\x7fkey 0 0 1\r\nv\r\n", b"get del\x7fkey\r\n",
     expected_difference="control_key")

case("http_request_line_closes", "GET / HTTP/1.1\r\nHost: x\r\n\r\n", "version\r\n")
case("meta_noop", "mn\r\n", setcmd("set", "mno", "v", noreply=True) + b"mn\r\nget mno\r\n")
case("bget_alias", setcmd("set", "bga", "v"), "bget bga\r\n")
# The meta commands in their simplest forms (Tests/clients/test_differential_meta.py has the rest).
case("meta_basic", "mg nokey v\r\n", "ms msk 1\r\nx\r\n", "mg msk v f t\r\n", "md nokey\r\n",
     "ma nokey\r\n", "me nokey\r\n", "md msk q\r\nmn\r\n")
# Admin commands and the flags that guard them (fresh servers: they change server-wide state).
case("cache_memlimit", "cache_memlimit 100\r\n", "cache_memlimit 7\r\n", "cache_memlimit 4294967296\r\n",
     "cache_memlimit 1000000001\r\n", "cache_memlimit x\r\n", "cache_memlimit -1\r\n", "cache_memlimit\r\n",
     "cache_memlimit +9\r\n", "cache_memlimit 9 x\r\n", "cache_memlimit 9 noreply\r\n", "cache_memlimit 1 2 3\r\n",
     fresh=True)
case("verbosity", "verbosity 5\r\n", "verbosity x\r\n", "verbosity\r\n", "verbosity 1 2 3\r\n",
     "verbosity 1 noreply\r\n", "verbosity noreply\r\n", "verbosity 0\r\n", fresh=True)
case("flush_all_disabled", setcmd("set", "fd", "v"), "flush_all\r\n", "flush_all 10\r\n", "flush_all noreply\r\n",
     "flush_all 1 2 3\r\n", "get fd\r\n", args=["-F"])
case("watch_disabled", "watch\r\n", "watch fetchers mutations\r\n", "watch fetchers noreply\r\n", args=["-W"])
case("shutdown_modes", "shutdown x\r\n", "shutdown graceful x\r\n", "shutdown x noreply\r\n", "shutdown  x\r\n",
     args=["-A"])
case("stats_detail_switch", "stats detail\r\n", "stats detail x\r\n", "stats detail off\r\n", "stats detail on\r\n",
     "stats detail dump\r\n", args=["-D", "#"])

# lru tune / mode / temp_ttl against swiftcached running memcached's policy (its maintainer thread
# is what `lru mode` and `lru temp_ttl` need, as in memcached). Fresh servers: they change settings.
SEGMENTED = ["-o", "eviction_policy=segmented"]
case("lru_commands", "lru tune 10 30 0.5 3\r\n", "lru tune 50 31 1 1\r\n", "lru tune 10 10 0 1\r\n",
     "lru tune 10 10 1 -1\r\n", "lru tune x 10 1 1\r\n", "lru tune -1 10 1 1\r\n", "lru tune 10 10 1x 1\r\n",
     "lru tune 10 10 1\r\n", "lru tune 10 10 1e400 1\r\n", "lru tune +5 -0 0x10 .5\r\n",
     "lru tune 10 10 1 1 noreply\r\n", "lru tune 90 10 1 1 noreply\r\n", "lru\r\n", "lru bogus\r\n",
     "lru bogus 1 2\r\n", "lru mode\r\n", "lru mode flat\r\n", "lru mode segmented\r\n", "lru mode round\r\n",
     "lru mode flat noreply\r\n", "lru mode Flat\r\n", "lru temp_ttl 30\r\n", "lru temp_ttl -1\r\n",
     "lru temp_ttl abc\r\n", "lru temp_ttl\r\n", "lru temp_ttl 5 noreply\r\n", "version\r\n",
     fresh=True, sut_args=SEGMENTED)
case("lru_tune_wraps", "lru tune 4294967295 2 1 1\r\n", "lru tune 4294967296 80 1 1\r\n", "stats settings\r\n",
     fresh=True, sut_args=SEGMENTED, expected_difference="lru_settings")
case("lru_settings_after_commands", "lru tune 15 25 0.25 4.5\r\n", "lru temp_ttl 42\r\n", "lru mode flat\r\n",
     "stats settings\r\n", fresh=True, sut_args=SEGMENTED, expected_difference="lru_settings")
case("lru_settings_default", "stats settings\r\n", fresh=True, sut_args=SEGMENTED, expected_difference="lru_settings")
case("lru_stats_items_names", "set lsi 0 0 1\r\nx\r\n", "get lsi\r\nget lsi\r\n", "stats items\r\n",
     fresh=True, sut_args=SEGMENTED, expected_difference="stats_subset_last")

# slabs reassign / automove: the answers that do not depend on class geometry (fresh servers: a
# fresh class 1 has no page, so both answer NOSPARE; 99 is past the largest class of both).
case("slabs_commands", "slabs reassign 1 1\r\n", "slabs reassign 1 2\r\n", "slabs reassign 1 99\r\n",
     "slabs reassign a b\r\n", "slabs reassign 1\r\n", "slabs foo\r\n", "slabs automove 3\r\n",
     "slabs automove ratio x\r\n", "slabs automove ratio 0.5\r\n", "slabs automove 0\r\n",
     "slabs automove 1 noreply\r\n", "slabs automove 1\r\n", fresh=True)

# The global page pool (slab class 0): twenty 200 KB values fill three or more pages of one class on both
# servers (class ids differ, so -1 names it: the only class with a spare page). `-1 0` empties one of
# its pages into the pool, `0 N` needs two pool pages and hands one out; each move is waited for
# (a page of a few items takes milliseconds) before the next request, which would otherwise be BUSY.
# Automove off on both, so no page moves unasked.
POOL_FILL = b"".join(setcmd("set", "gpp%02d" % i, b"p" * 200000) for i in range(20))
case("slabs_reassign_global_page_pool", "slabs reassign 0 1\r\n", POOL_FILL, "slabs reassign -1 0\r\n",
     Sleep(1.0), "slabs reassign 0 5\r\n", "stats\r\n", "slabs reassign -1 0\r\n", Sleep(1.0), "stats\r\n",
     "slabs reassign 0 0\r\n", "slabs reassign -1 -1\r\n", "slabs reassign 0 64\r\n", "slabs reassign 0 -2\r\n",
     "slabs reassign 0 5\r\n", Sleep(1.0), "stats\r\n", "stats slabs\r\n",
     args=("-o", "slab_automove=0"), expected_difference="page_pool")

# pipelining
PIPE_SETS = b"".join(setcmd("set", "pp%02d" % i, "val%02d" % i, flags=i) for i in range(50))
case("pipeline_50_sets_then_multiget", PIPE_SETS + b"get " + b" ".join(b"pp%02d" % i for i in range(50)) + b"\r\n")
case("pipeline_mixed_noreply",
     setcmd("set", "pm1", "1", noreply=True) + b"incr pm1 5 noreply\r\nincr pm1 1\r\n" +
     setcmd("add", "pm1", "x") + setcmd("append", "pm1", "0", noreply=True) + b"get pm1\r\n" +
     b"delete pm1 noreply\r\nget pm1\r\nversion\r\n")
case("pipeline_errors_between",
     setcmd("set", "pe1", "a") + b"bogus\r\nget pe1\r\nset pe2 0 0 x\r\nget pe1 pe2\r\n")
case("pipeline_split_mid_command", b"se", b"t psm 0 0 3\r\nab", b"c\r\nge", b"t psm\r\n")

# stats (values masked; names compared) and flush_all: fresh servers each
# Every form of verbosity, each followed by `stats settings` to see the level it left (fresh: the
# level is server-wide); compared raw on the answers and the `verbosity` line.
VERBOSITY_FORMS = ["verbosity 1", "verbosity 0", "verbosity 1 noreply", "verbosity noreply", "verbosity abc",
                   "verbosity -1", "verbosity 99", "verbosity 0 2", "verbosity 1 2 3", "verbosity 4294967296",
                   "verbosity  2", "verbosity 1 ", "verbosity 2 noreply extra", "verbosity 0 foo", "verbosity 0x5",
                   "verbosity 5abc", "verbosity 18446744073709551616", "verbosity -5 noreply", "verbosity",
                   "VERBOSITY 1", "verbosity 4294967297 noreply"]
case("verbosity_levels", *["%s\r\nstats settings\r\n" % form for form in VERBOSITY_FORMS], fresh=True,
     expected_difference="verbosity_levels")
case("stats_names", "stats\r\n", fresh=True, expected_difference="stats_subset")
case("stats_settings_names", "stats settings\r\n", fresh=True, expected_difference="stats_subset")
# memcached 1.4's defaults drop the page-mover, crawler, maintainer and rejected_connections lines
case("stats_names_no_modern", "stats\r\n", args=("-o", "no_modern"), expected_difference="stats_subset")
case("stats_settings_names_no_modern", "stats settings\r\n", args=("-o", "no_modern"), expected_difference="stats_subset")
case("stats_idle_figures", "stats\r\n", fresh=True, expected_difference="idle_figures")
case("stats_items_names", setcmd("set", "sin", "v"), "get sin\r\n", "stats items\r\n", fresh=True,
     expected_difference="stats_subset_last")
case("stats_slabs_names", setcmd("set", "ssn", "v"), "get ssn\r\n", "stats slabs\r\n", fresh=True,
     expected_difference="stats_subset_last")
case("stats_reset", "stats reset\r\n", fresh=True)
case("stats_unknown_subcommand", "stats nosuchthing\r\n", fresh=True)
case("flush_all", setcmd("set", "fa", "v"), "flush_all\r\n", "get fa\r\n", setcmd("set", "fa", "w"),
     "get fa\r\n", fresh=True)
case("flush_all_noreply", setcmd("set", "fan", "v"), "flush_all noreply\r\n", "get fan\r\n", fresh=True)
case("flush_all_zero", setcmd("set", "faz", "v"), "flush_all 0\r\n", "get faz\r\n", fresh=True)
# A delayed flush takes effect at the start of the second before its deadline (memcached's
# oldest_live = now + delay - 1), so with a delay of 2 a get right after it hits or misses depending on
# where the servers' clocks tick. A delay of 3 leaves at least a second either way.
case("flush_all_delay", setcmd("set", "fad", "v"), "flush_all 3\r\n", "get fad\r\n", Sleep(4.2),
     "get fad\r\n", setcmd("set", "fad", "new"), "get fad\r\n", fresh=True)
case("flush_all_delay_noreply", setcmd("set", "fdn", "v"), "flush_all 3 noreply\r\n", "get fdn\r\n",
     Sleep(4.2), "get fdn\r\n", fresh=True)
case("flush_all_bad_arg", setcmd("set", "fab", "v"), "flush_all abc\r\n", "flush_all -1\r\n", "get fab\r\n",
     "flush_all 1 2 3\r\n", fresh=True)


# ------------------------------------------------------------------ expected differences
def _expect_control_key(ref, sut):
    """swiftcached intentionally refuses keys containing control characters (bytes < 0x21 or 0x7f)
    with a CLIENT_ERROR, where memcached stores them. The get then misses on swiftcached."""
    assert ref[0][0] == b"STORED\r\n", "memcached reference changed:\n" + show(ref)
    assert sut[0][0].startswith(b"CLIENT_ERROR"), "swiftcached should refuse the key:\n" + show(sut)
    assert sut[-1][0] in (b"END\r\n",) or sut[-1][0].startswith(b"CLIENT_ERROR"), show(sut)


# Settings of swiftcached features memcached does not have (-o eviction_policy).
SWIFTCACHED_OWN_STATS = {"eviction_policy"}


def _left_out(name):
    """The lines memcached sends that swiftcached leaves out on purpose: extstore's settings (there is
    no extstore; its -o ext_* options are refused). (The per-class counters' values are compared by
    test_differential_class_stats.py.)"""
    return name.startswith("ext_")


def _expect_stats_subset(ref, sut):
    """swiftcached's STAT names are memcached's, in memcached's order, except the lines `_left_out`
    names and the settings of its own features (SWIFTCACHED_OWN_STATS)."""
    a = [n for n in _stat_names(ref) if not _left_out(n)]
    b = [n for n in _stat_names(sut) if n not in SWIFTCACHED_OWN_STATS]
    assert a and b, "no STAT lines:\n" + show(ref) + "\n" + show(sut)
    assert b == a, "STAT names differ\nonly memcached: %s\nonly swiftcached: %s\nswiftcached's order: %s" % (
        [n for n in a if n not in b], [n for n in b if n not in a], b)
    assert sut[0][0].endswith(b"END\r\n") and ref[0][0].endswith(b"END\r\n")
    left_out = [n for n in _stat_names(ref) if _left_out(n)]
    MEASUREMENTS.append("stats lines memcached sends and swiftcached leaves out on purpose (%d): %s" % (
        len(left_out), " ".join(left_out)))


LRU_SETTINGS = ["lru_maintainer_thread", "lru_segmented", "hot_lru_pct", "warm_lru_pct", "hot_max_factor",
                "warm_max_factor", "temp_lru", "temporary_ttl"]


def _expect_lru_settings(ref, sut):
    """All replies but the last (stats settings) equal; in it the segmented-LRU lines equal memcached's
    (the other settings lines differ by nature, and are checked by stats_settings_names)."""
    assert sut[:-1] == ref[:-1], show(ref) + "\n" + show(sut)

    def lines(results):
        found = {}
        for l in results[-1][0].split(b"\r\n"):
            parts = l.split(b" ")
            if len(parts) == 3 and parts[1].decode() in LRU_SETTINGS:
                found[parts[1].decode()] = parts[2]
        return found
    a, b = lines(ref), lines(sut)
    assert sorted(a) == sorted(LRU_SETTINGS), show(ref)
    assert a == b, "memcached %s\nswiftcached %s" % (a, b)


def _expect_stats_subset_last(ref, sut):
    """Replies equal up to the last, a stats answer whose names follow stats_subset's rule."""
    assert sut[:-1] == ref[:-1], show(ref) + "\n" + show(sut)
    _expect_stats_subset(ref[-1:], sut[-1:])


def _expect_verbosity_levels(ref, sut):
    """Each step: the verbosity command's own answer (or silence) and the level `stats settings` then
    shows are memcached's; the other settings lines differ by nature (ports)."""
    def answers(results):
        return [[l for l in r.split(b"\r\n") if not l.startswith(b"STAT ") or l.startswith(b"STAT verbosity ")]
                for r, _ in results]
    a, b = answers(ref), answers(sut)
    assert len(a) == len(VERBOSITY_FORMS)
    for form, x, y in zip(VERBOSITY_FORMS, a, b):
        assert x == y, "after %r\nmemcached: %s\nswiftcached: %s" % (form, x, y)


# On a fresh server asked for `stats`, these figures are memcached's: one response object (the stats
# answer's, 16 KB), no watcher and no line logged, nothing NAPI did, no page moved or pooled.
IDLE_FIGURES = ["response_obj_oom", "response_obj_count", "response_obj_bytes", "slab_reassign_rescues",
                "slab_reassign_chunk_rescues", "slab_reassign_inline_reclaim", "slab_reassign_busy_deletes",
                "log_worker_dropped", "log_worker_written", "log_watcher_skipped", "log_watcher_sent", "log_watchers",
                "unexpected_napi_ids", "round_robin_fallback", "slab_global_page_pool", "cmd_meta"]


def _expect_idle_figures(ref, sut):
    """IDLE_FIGURES equal memcached's values; reserved_fds counts some descriptors on both."""
    def figures(results):
        return {l.split(b" ")[1].decode(): l.split(b" ")[2] for l in results[0][0].split(b"\r\n")
                if l.startswith(b"STAT ")}
    a, b = figures(ref), figures(sut)
    assert {n: a.get(n) for n in IDLE_FIGURES} == {n: b.get(n) for n in IDLE_FIGURES}
    assert int(a["reserved_fds"]) > 0 and int(b["reserved_fds"]) > 0, (a["reserved_fds"], b["reserved_fds"])


POOL_FIGURES = ("slab_global_page_pool", "slabs_moved", "slab_reassign_running")


def _expect_page_pool(ref, sut):
    """Every answer as memcached's once STAT values are masked, except `stats slabs` (class ids and
    chunk sizes differ), whose lines must still name no class 0; the pool figures of each `stats`
    equal memcached's values."""
    def stats(results):
        return [{l.split(b" ")[1]: l.split(b" ")[2] for l in r.split(b"\r\n") if l.startswith(b"STAT ")}
                for r, _ in results if isinstance(r, bytes) and b"STAT slab_global_page_pool" in r]
    nref, nsut = normalise(ref), normalise(sut)
    assert nsut[:-1] == nref[:-1], "replies differ (after masking)\nmemcached:\n%s\nswiftcached:\n%s" % (
        show(nref), show(nsut))
    for results in (ref, sut):
        assert not any(l.startswith(b"STAT 0:") for l in results[-1][0].split(b"\r\n"))
    a, b = stats(ref), stats(sut)
    assert len(a) == len(b) == 3
    for x, y in zip(a, b):
        assert [x[n.encode()] for n in POOL_FIGURES] == [y[n.encode()] for n in POOL_FIGURES], (x, y)
    assert [int(x[b"slab_global_page_pool"]) for x in a] == [1, 2, 1]


RAW_EXPECTED = {"lru_settings", "verbosity_levels", "idle_figures", "page_pool"}
EXPECTED = {"control_key": _expect_control_key, "stats_subset": _expect_stats_subset,
            "lru_settings": _expect_lru_settings, "verbosity_levels": _expect_verbosity_levels,
            "idle_figures": _expect_idle_figures,
            "page_pool": _expect_page_pool,
            "stats_subset_last": _expect_stats_subset_last}


def _fresh_pair(sut_args=(), args=()):
    flags = ["-m", "64", "-t", "2"] + MEMCACHED_CLASS_TABLE + list(args)
    sut_flags = flags + ([] if TARGET_IS_MEMCACHED else list(sut_args))
    return Server(MEMCACHED_BINARY, flags, name="memcached"), Server(SWIFTCACHED_BINARY, sut_flags, name="swiftcached")


def _run_case(c, pair):
    if not c.fresh:
        ref_srv, sut_srv = pair
        return run_both(ref_srv.port, sut_srv.port, c.steps)
    ref_srv, sut_srv = _fresh_pair(c.sut_args, c.args)
    try:
        ref_srv.start()
        sut_srv.start()
        return run_both(ref_srv.port, sut_srv.port, c.steps)
    finally:
        ref_srv.stop()
        sut_srv.stop()


@pytest.fixture(scope="module")
def results(module_pair):
    """Every case's replies, gathered up front with WORKERS cases at a time (each case has its own
    keys and connections, so they do not interfere; the quiet waits overlap). Returns
    {name: (ref, sut) or an exception}, and whether swiftcached was still alive afterwards."""
    out = {}
    with concurrent.futures.ThreadPoolExecutor(WORKERS) as pool:
        futures = {pool.submit(_run_case, c, module_pair): c.name for c in CASES}
        for f in concurrent.futures.as_completed(futures, timeout=600):
            try:
                out[futures[f]] = f.result()
            except Exception as e:
                out[futures[f]] = e
    return out, module_pair[1].alive(), module_pair[1]


@pytest.mark.parametrize("c", CASES, ids=[c.name for c in CASES])
def test_differential(c, results):
    res, sut_alive, sut_srv = results
    r = res[c.name]
    if isinstance(r, Exception):
        raise r
    assert sut_alive, "swiftcached died during the differential run; its output:\n%r" % sut_srv.log[-2000:]
    ref, sut = r
    nref, nsut = normalise(ref), normalise(sut)
    if c.expected_difference and not TARGET_IS_MEMCACHED:
        raw = c.expected_difference in RAW_EXPECTED   # compares STAT values, which normalise masks
        EXPECTED[c.expected_difference](*((ref, sut) if raw else (nref, nsut)))
        return
    assert nsut == nref, "replies differ (after masking)\nmemcached:\n%s\nswiftcached:\n%s%s" % (
        show(nref), show(nsut), _stat_name_diff(nref, nsut))


def _stat_names(results):
    return [l.split(b" ")[1].decode() for r, _ in results if isinstance(r, bytes)
            for l in r.split(b"\r\n") if l.startswith(b"STAT ")]


def _stat_name_diff(ref, sut):
    a, b = _stat_names(ref), _stat_names(sut)
    if not a and not b:
        return ""
    return "\nSTAT names only memcached sends: %s\nSTAT names only swiftcached sends: %s\n" % (
        [n for n in a if n not in b], [n for n in b if n not in a])
