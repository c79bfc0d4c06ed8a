#!/usr/bin/python3
"""Fuzzing the stored types: barometer.tally, magnitude, replicate_plan and
replicates.  For each type, valid values of every kind (every design kind,
every replication method, magnitudes of several keep, plans of every method
with their options, replicate specifications) and extremes (subnormal sums,
-0, huge counts, identifiers in several scripts with quotes, backslashes and
spaces) are mutated thousands of times, in their text form and in their
binary form (through COPY ... FROM STDIN (FORMAT binary), which calls the
type's receive function): byte and bit flips, truncations, extensions, field
swaps, numeric edge values (subnormals, -0, NaN payloads, huge, negative)
and identifier mutations (NUL bytes, invalid UTF-8, quotes, backslashes).

The aggregates themselves also run on random data at the extremes (tiny,
subnormal and huge weights, values and fpc, replicate weights, merges): each
must store a value or raise class 22, and what they store joins the values
checked below.

Asserted, per type: the backend survives every mutant; every rejection is
of class 22 (54000 for what passes barometer.max_state_bytes); every
accepted value reads back from its own text form to the same text and the
same send bytes, and through COPY binary to the same send bytes; a binary
mutant that is accepted is its value's own send form (the version 1 and 2
tallies, upgraded, excepted); the readers run on every accepted value, failing only
with class 22.  The seed is fixed; the counts are printed as diagnostics."""
import io
import os
import random
import re
import struct
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from opslib import Tap, connect, fresh_db, run  # noqa: E402

import psycopg2  # noqa: E402

DB = "barometer_ops_fuzz"
# fixed; BAROMETER_FUZZ_SEED and BAROMETER_FUZZ_SCALE (a factor on the
# counts) are for exploring by hand, and BAROMETER_FUZZ_TYPES for one type
SEED = int(os.environ.get("BAROMETER_FUZZ_SEED", "20261203"))
SCALE = float(os.environ.get("BAROMETER_FUZZ_SCALE", "1"))
TEXT_MUTANTS = int(4000 * SCALE)
BINARY_MUTANTS = int(4000 * SCALE)
AGGREGATES = int(300 * SCALE)
TEXT_BATCH = 250

# ---------------------------------------------------------------------------
# the database: per type a table of accepted values, a batch text input
# function and a checker that runs each accepted value's round trips and
# readers (each step in its own subtransaction)
# ---------------------------------------------------------------------------
SETUP = r"""
CREATE TABLE fz_tally (id int, src text DEFAULT 'binary', v barometer.tally);
CREATE TABLE fz_magnitude (id int, src text DEFAULT 'binary', v barometer.magnitude);
CREATE TABLE fz_replicate_plan (id int, src text DEFAULT 'binary', v barometer.replicate_plan);
CREATE TABLE fz_replicates (id int, src text DEFAULT 'binary', v barometer.replicates);
CREATE TABLE fz_tally_back (LIKE fz_tally);
CREATE TABLE fz_magnitude_back (LIKE fz_magnitude);
CREATE TABLE fz_replicate_plan_back (LIKE fz_replicate_plan);
CREATE TABLE fz_replicates_back (LIKE fz_replicates);

-- text inputs in a batch: the SQLSTATE of each (NULL: accepted and stored)
CREATE FUNCTION fuzz_text(typ text, first_id int, inputs text[])
RETURNS TABLE (k int, state text, message bytea) LANGUAGE plpgsql AS $f$
BEGIN
	FOR i IN 1 .. coalesce(array_length(inputs, 1), 0) LOOP
		k := i;
		state := NULL;
		message := NULL;
		BEGIN
			EXECUTE format('INSERT INTO %I (id, src, v) VALUES ($1, ''text'', $2::barometer.%I)',
			               'fz_' || typ, typ)
				USING first_id + i - 1, inputs[i];
		EXCEPTION WHEN OTHERS THEN
			state := SQLSTATE;
			message := textsend(SQLERRM);
		END;
		RETURN NEXT;
	END LOOP;
END $f$;

-- every stored value: its text reads back to the same text and send bytes;
-- every reader runs, or fails with class 22 (or 54000)
CREATE FUNCTION fuzz_check(typ text, readers text[])
RETURNS TABLE (id int, kind text, detail text) LANGUAGE plpgsql AS $f$
DECLARE
	r record;
	t2 text;
	b2 bytea;
	rd text;
	dummy text;
BEGIN
	FOR r IN EXECUTE format('SELECT id, v::text AS t, barometer.%1$s_send(v) AS b FROM %2$I ORDER BY id',
	                        typ, 'fz_' || typ) LOOP
		id := r.id;
		BEGIN
			EXECUTE format('SELECT v::text, barometer.%1$s_send(v) FROM (SELECT $1::barometer.%1$s AS v) s', typ)
				INTO t2, b2 USING r.t;
			IF t2 IS DISTINCT FROM r.t THEN
				kind := 'text'; detail := left(r.t, 300) || ' => ' || left(t2, 300); RETURN NEXT;
			END IF;
			IF b2 IS DISTINCT FROM r.b THEN
				kind := 'agree'; detail := left(r.t, 300); RETURN NEXT;
			END IF;
		EXCEPTION WHEN OTHERS THEN
			kind := 'text'; detail := SQLSTATE || ' ' || SQLERRM || ': ' || left(r.t, 300); RETURN NEXT;
		END;
		FOREACH rd IN ARRAY readers LOOP
			BEGIN
				EXECUTE format('SELECT (%s)::text FROM %I AS f WHERE f.id = $1', rd, 'fz_' || typ)
					INTO dummy USING r.id;
				kind := 'reader ok'; detail := rd; RETURN NEXT;
			EXCEPTION WHEN OTHERS THEN
				IF SQLSTATE LIKE '22%' OR SQLSTATE = '54000' THEN
					kind := 'reader 22'; detail := rd; RETURN NEXT;
				ELSE
					kind := 'reader'; detail := rd || ': ' || SQLSTATE || ' ' || SQLERRM || ': ' || left(r.t, 200);
					RETURN NEXT;
				END IF;
			END;
		END LOOP;
	END LOOP;
END $f$;
"""

READERS = {
    "tally": [
        "barometer.estimate(v)", "barometer.se(v)", "barometer.variance(v)", "barometer.cv(v)",
        "barometer.n(v)", "barometer.n_missing(v)", "barometer.weighted_n(v)",
        "barometer.kish_n_eff(v)", "barometer.deff(v)", "barometer.deff(v, true)",
        "barometer.df(v)", "barometer.kind(v)", "barometer.ci_lower(v)", "barometer.ci_upper(v)",
        "barometer.n_true(v)", "barometer.replicate_rank(v)",
        "barometer.ci_lower(v, 0.9, 'logit')", "barometer.ci_upper(v, 0.99, 'wilson')",
        "barometer.ci_lower(v, 0.95, 'likelihood')", "barometer.ci_upper(v, 0.95, 'mean', 3)",
        "barometer.report(v)", "barometer.report(v, 0.9, NULL, 'statcan_cv')",
        "barometer.publication_status(v)",
        "barometer.total(v)", "barometer.total_se(v)", "barometer.total_deff(v)",
        "barometer.total_ci_lower(v, 0.9)", "barometer.total_report(v)",
        "barometer.total_publication_status(v)",
        "(SELECT barometer.merge(x) FROM (VALUES (v), (v)) m(x))",
        "barometer.diff_test(v, v)", "barometer.diff_test(v, v, 'domains')",
        "barometer.diff_test(v, (SELECT barometer.merge(x) FROM (VALUES (v), (v)) m(x)), 'part')",
        "barometer.significance(barometer.diff_test(v, v))",
    ],
    "magnitude": [
        "barometer.contributors(v)", "barometer.total(v)", "barometer.top(v)",
        "barometer.top_share(v, 1)", "barometer.top_share(v, 3)", "barometer.p_percent(v)",
        "barometer.publication_status(v, 'dominance_2_85')", "barometer.publication_status(v, 'p_percent')",
        "(SELECT barometer.merge(x) FROM (VALUES (v), (v)) m(x))",
    ],
    "replicate_plan": [
        "barometer.replicate_describe(v)", "barometer.replicate_count(v)", "barometer.replicate_scale(v)",
        "barometer.replicate_rscales(v)", "barometer.replicate_df(v)", "barometer.replicate_method(v)",
        "barometer.replicate_spec(v)",
    ],
    "replicates": [
        "(SELECT barometer.se(barometer.tally(i % 2 = 0, 1.0::float8, array_fill((1 + i % 3)::float8, "
        "ARRAY[coalesce(array_length(string_to_array(nullif(substring(v::text from 'rscales=\\{(.*)\\}'), ''), ','), 1), 3)]), v)) "
        "FROM generate_series(1, 6) i)",
    ],
}

# ---------------------------------------------------------------------------
# seeds: valid values of every kind, and extremes
# ---------------------------------------------------------------------------
DATA = r"""
CREATE TEMP TABLE d0 AS
SELECT i, 1 + i % 3 AS s, 'p' || (i % 7) AS p, i % 5 AS q,
       CASE WHEN i % 9 = 0 THEN NULL ELSE i % 4 = 0 END AS y,
       CASE WHEN i % 10 = 0 THEN NULL ELSE (i % 11) * 0.7 + i / 13.0 - 3 END AS x,
       (0.5 + (i % 6) * 0.3)::float8 AS w,
       ARRAY(SELECT ((0.5 + (i % 6) * 0.3) * (1 + ((i * r) % 5) / 10.0))::float8
             FROM generate_series(1, 4) r) AS repw
FROM generate_series(1, 48) i;
CREATE TEMP TABLE d AS
SELECT d0.*, barometer.psu_count(p) OVER (PARTITION BY s) AS n_psu,
       barometer.psu_count(q) OVER (PARTITION BY s, p) AS n_ssu,
       count(*) OVER () AS n_sample,
       count(*) OVER (PARTITION BY s) AS n_s,
       'S"é\ ' || s AS st, p || ' ž' || chr(12354) AS pt
FROM d0;
"""

SEEDS = {
    "tally": [
        "SELECT barometer.tally(y, w) FROM d",
        "SELECT barometer.tally(x, w) FROM d",
        "SELECT barometer.tally(y, w) FROM d WHERE false",
        "SELECT barometer.tally(y, 0.0) FROM d WHERE i < 5",
        "SELECT barometer.tally(y, w, n_sample) FROM d WHERE i % 2 = 0",
        "SELECT barometer.tally(x, w, n_sample) FROM d WHERE i % 3 = 0",
        "SELECT barometer.tally(y, w, s, p, n_psu, 30.0) FROM d",
        "SELECT barometer.tally(y, w, s, p, n_psu, 0.5, 'remove') FROM d WHERE i % 2 = 0",
        "SELECT barometer.tally(x, w, s, p, n_psu, NULL, 'certainty') FROM d",
        "SELECT barometer.tally(y, w, s, p, n_psu, 40, 'adjust') FROM d WHERE s = 1",
        "SELECT barometer.tally(x, w, s, p, n_psu, 40, 'average') FROM d",
        "SELECT barometer.tally(x, w, st, pt, n_psu, NULL) FROM d",
        "SELECT barometer.tally(y, w, st, i, n_psu + 50, NULL) FROM d",
        "SELECT barometer.tally(x, w, s, p, n_psu, 30.0, q, n_ssu, 12.0, 'fail') FROM d",
        "SELECT barometer.tally(y, w, s, pt, n_psu, 0.9, q::text || '\"', n_ssu, 0.5, 'adjust') FROM d",
        "SELECT barometer.tally(y, w, repw, barometer.replicates('jk1'::text)) FROM d",
        "SELECT barometer.tally(x, w, repw, barometer.replicates('jkn', rscales => '{0.5,0.5,0.75,0.75}', mse => true, df => 2)) FROM d",
        "SELECT barometer.tally(y, w, repw, barometer.replicates('brr'::text)) FROM d",
        # replicate ranks below R: the Gram matrix is stored (form version 3)
        "SELECT barometer.tally(y, w, ARRAY[w, 2 * w, 0, w]::float8[], barometer.replicates('jk1'::text)) FROM d",
        "SELECT barometer.tally(x, w, ARRAY[w * (i % 3), w * ((i + 1) % 3), w * ((i + 2) % 3), 0.5 * w * (i % 3)]::float8[], barometer.replicates('bootstrap'::text)) FROM d",
        "SELECT barometer.tally(y, w, repw, barometer.replicates('fay', rho => 0.3)) FROM d",
        "SELECT barometer.tally(x, w, repw::real[], barometer.replicates('bootstrap'::text)) FROM d",
        "SELECT barometer.tally(y, w, repw, barometer.replicates('sdr', mse => true)) FROM d",
        "SELECT barometer.tally(x, w, repw, barometer.replicates('other', scale => 0.25, df => 'NaN')) FROM d",
        "SELECT barometer.merge(t) FROM (SELECT barometer.tally(y, w, s, p, n_psu, 30.0) AS t FROM d GROUP BY i % 4) g",
        "SELECT barometer.tally_stratified(y, w, s, n_s, 100.0) FROM d",
        "SELECT barometer.tally_stratified(x, w, st, n_s, 0.5, 'adjust') FROM d",
        "SELECT barometer.tally_stratified(y, w, pt, n_s + 3, NULL, 'average') FROM d WHERE i % 2 = 0",
        "SELECT barometer.tally_stratified(x, 0.0, s, n_s, NULL, 'certainty') FROM d WHERE i < 9",
        "SELECT barometer.merge(t) FROM (SELECT barometer.tally_stratified(x, w, s, n_s, 1e6, 'remove') AS t FROM d GROUP BY i % 4) g",
        # ratios (tally_ratio, 22_totals_ratios.sql)
        "SELECT barometer.tally_ratio(x, abs(x) + i % 3, w) FROM d",
        "SELECT barometer.tally_ratio(x, (i % 2)::float8, w, n_sample) FROM d WHERE i % 3 = 0",
        "SELECT barometer.tally_ratio(x, abs(x), w, st, pt, n_psu, 0.5, 'adjust') FROM d",
        "SELECT barometer.tally_ratio(x, i::float8, w, s, p, n_psu, 30.0, q, n_ssu, 12.0, 'fail') FROM d",
        "SELECT barometer.tally_ratio(x, abs(x), w, repw::real[], barometer.replicates('bootstrap'::text)) FROM d",
        "SELECT barometer.tally_ratio_stratified(x, 0.0, w, s, n_s, NULL, 'certainty') FROM d",
        "SELECT barometer.tally_ratio(y, x, w) FROM (VALUES (1e75::float8, 1e75::float8, 1e75::float8), (-1e75, 5e-324, 1e-160), (1e-310, 0, 1)) v(y, x, w)",
        # extremes
        "SELECT barometer.tally(true, 1e-160::float8)",
        "SELECT barometer.tally(b, w) FROM (VALUES (true, 1e-170::float8), (false, 3e-170)) v(b, w)",
        "SELECT barometer.tally(1e-310::float8, 1)",
        "SELECT barometer.tally(y, w) FROM (VALUES (1e-155::float8, 1e-160::float8), (-2e-150, 3e-160), (5e-324, 1)) v(y, w)",
        "SELECT barometer.tally(y, w) FROM (VALUES (1e75::float8, 1e75::float8), (-1e75, 1e75), (1, 1e-75)) v(y, w)",
        "SELECT barometer.tally(y, w, s, p, 2, 1e300) FROM (VALUES (1e-160::float8, 1e-160::float8, 1, 'a'), (2e-160, 1e-300, 1, 'b')) v(y, w, s, p)",
        "SELECT barometer.tally_stratified(y, w, s, 2::bigint, 1e300) FROM (VALUES (1e-160::float8, 1e-160::float8, 'é \"1\"'), (2e-160, 1e-300, 'é \"1\"')) v(y, w, s)",
        "SELECT barometer.tally_stratified(y, w, s, 9223372036854775807, NULL, 'fail') FROM (VALUES (1e75::float8, 1e75::float8, 1), (-1e75, 1e75, 1), (5e-324, 1, 2)) v(y, w, s)",
        "SELECT barometer.tally(true, 1e-160::float8, ARRAY[1e-160, 5e-324, 0]::float8[], barometer.replicates('jk1', rho => '-0'))",
        "SELECT 'v2 mean n=2305843009213693951 missing=2305843009213693951 positive=1 sw=1:0 swy=1:0 swyy=1:0 sww=1:0 swwy=1:0 swwyy=1:0 design=weights_domain sample=9223372036854775807'::barometer.tally",
        "SELECT 'v1 proportion n=2 missing=0 positive=2 sw=4:0 swy=3:0 swyy=3:0 sww=10:0 swwy=9:0 swwyy=9:0'::barometer.tally",
    ],
    "magnitude": [
        "SELECT barometer.magnitude(abs(x)) FROM d",
        "SELECT barometer.magnitude(abs(x), 1) FROM d",
        "SELECT barometer.magnitude(abs(x), 1000) FROM d",
        "SELECT barometer.magnitude(x) FROM d WHERE x IS NULL",
        "SELECT barometer.merge(m) FROM (SELECT barometer.magnitude(abs(x), 2 + s) AS m FROM d GROUP BY s) g",
        "SELECT barometer.magnitude(1e-310)",
        "SELECT barometer.magnitude(v, 2) FROM (VALUES (5e-324::float8), (5e-324), (0), ('-0')) t(v)",
        "SELECT barometer.magnitude(v, 3) FROM (VALUES (1e15::float8), (1e15), (1e-300), (0)) t(v)",
        "SELECT 'm1 keep=1 n=2305843009213693951 total=1e+30:0 top=1e+15'::barometer.magnitude",
    ],
    "replicate_plan": [
        "SELECT barometer.replicate_plan('jk1', 1, p) FROM d",
        "SELECT barometer.replicate_plan('jkn', s, p) FROM d",
        "SELECT barometer.replicate_plan('jkn', s, p, 'lonely=remove') FROM d WHERE p <> 'p1' OR s <> 1",
        "SELECT barometer.replicate_plan('jkn', s, i, 'lonely=certainty') FROM d WHERE i < 8",
        "SELECT barometer.replicate_plan('jkn', s, i, 'lonely=average') FROM d WHERE i < 8",
        "SELECT barometer.replicate_plan('jkn', s, i, 'lonely=adjust') FROM d WHERE i < 8",
        "SELECT barometer.replicate_plan('brr', s, i % 2) FROM d",
        "SELECT barometer.replicate_plan('brr', s, p, 'small=split, large=merge') FROM d",
        "SELECT barometer.replicate_plan('fay', s, i % 2, 'rho=0.5') FROM d",
        "SELECT barometer.replicate_plan('fay', s, i % 4, 'rho=5e-324 small=fail large=split') FROM d",
        "SELECT barometer.replicate_plan('bootstrap', st, pt) FROM d",
        "SELECT barometer.replicate_plan('bootstrap', s, p, 'replicates=7, seed=-42') FROM d",
        "SELECT barometer.replicate_plan('subbootstrap', st, i::numeric / 4, 'replicates=3, seed=9223372036854775807') FROM d",
        "SELECT barometer.replicate_plan('jkn', s, md5(i::text)::uuid) FROM d",
        "SELECT barometer.replicate_plan('jkn', sv, pv) FROM (VALUES ('één \"1\"', 'a\\b'), ('één \"1\"', 'c; d: \"e\"'), ('ž', ''), ('ž', ' ')) t(sv, pv)",
    ],
    "replicates": [
        "SELECT 'jk1'::barometer.replicates",
        "SELECT barometer.replicates('jkn', rscales => '{0.5,0.5,0.75}')",
        "SELECT barometer.replicates('brr', mse => true)",
        "SELECT barometer.replicates('fay', rho => 0.5, df => 12)",
        "SELECT barometer.replicates('bootstrap', scale => 0.1)",
        "SELECT barometer.replicates('sdr', df => -'NaN'::float8)",
        "SELECT barometer.replicates('other', scale => 5e-324, rscales => ARRAY[5e-324, 0, 1e-310], df => 1e-310)",
        "SELECT barometer.replicates('jk1', rho => '-0')",
    ],
}

# ---------------------------------------------------------------------------
# mutations
# ---------------------------------------------------------------------------
NUMBERS = ["5e-324", "-5e-324", "2.2250738585072014e-308", "2.225073858507201e-308", "1e-310", "-0", "0",
           "1e-400", "1e308", "1.7976931348623157e+308", "2e308", "nan", "NaN", "inf", "-Infinity", "-1",
           "9223372036854775807", "9223372036854775808", "-9223372036854775808", "2305843009213693951",
           "2305843009213693952", "2147483647", "4294967296", "100000", "100001", "1000", "1001", "10000",
           "10001", "0x1p3", " 1", "+1", "1e", ".5", "5.", "00", "1.5e+10", "-1e75", "1e75", "1e-75", "default"]
CHARS = list("0123456789-+.eE:;= \"\\{},tiabcmpqrsvx") + ["é", "ž", "\u3042", "\U0001F600", "\t", "\n"]
ID_INSERTS = ["\"", "\\", "\\\"", "\\\\", "é", "\u3042", ";", " ", ":", "; p 0 t\"x\"", "\"\"", "t\"", "i"]
NUM_RE = re.compile(r"-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?|default")

# doubles and integers for binary fields
DOUBLE_BITS = [struct.pack(">d", x) for x in (5e-324, -5e-324, 2.2250738585072014e-308, 2.225073858507201e-308,
                                              1e-310, -0.0, 0.0, 1.0, -1.0, 0.5, 1e75, 1e150, 1e308,
                                              1.7976931348623157e308, float("inf"), float("-inf"), 2.0 ** 53 + 1)]
DOUBLE_BITS += [bytes.fromhex(h) for h in ("7ff8000000000000", "7ff8000000000001", "fff8000000000000",
                                           "7ff0000000000001", "7fffffffffffffff", "ffffffffffffffff")]
INT32S = [0, 1, 2, 3, 4, 5, 9, -1, 1000, 1001, 10000, 10001, 100000, 100001, 2 ** 30, 2 ** 31 - 1, -2 ** 31]
INT64S = [0, 1, -1, 2 ** 61 - 1, 2 ** 61, 2 ** 63 - 1, -2 ** 63, 2 ** 53 + 1]
ID_BYTES = [b"", b"t", b"i", b"t\x00", b"ta\x00b", b"t\xff", b"t\xc3", b"t\xed\xa0\x80", b"t\xf4\x90\x80\x80",
            "t\"\\é\u3042".encode(), b"i\x00\x00\x00\x00\x00\x00\x00\x01", b"i\x01", b"x12",
            "é\u3042".encode(), b"\x00", b"\xff\xfe", b"a\\\"b", b"t" + b"z" * 300]


def mutate_text(rng, s, pool):
    ops = rng.randint(1, 3)
    for _ in range(ops):
        op = rng.randrange(13)
        if op >= 11:
            s = mutate_word(rng, s)
        elif op == 0:
            nums = list(NUM_RE.finditer(s))
            if nums:
                m = rng.choice(nums)
                s = s[:m.start()] + rng.choice(NUMBERS) + s[m.end():]
        elif op == 1 and s:
            i = rng.randrange(len(s))
            s = s[:i] + rng.choice(CHARS) + s[i + 1:]
        elif op == 2 and s:
            i = rng.randrange(len(s))
            s = s[:i] + s[i + rng.randint(1, 12):]
        elif op == 3 and s:
            i = rng.randrange(len(s))
            j = min(len(s), i + rng.randint(1, 40))
            s = s[:j] + s[i:j] + s[j:]
        elif op == 4:
            s = s[:rng.randrange(len(s) + 1)]
        elif op == 5:
            s = s + rng.choice([" ", ";", "; s i1 1 0", " x=1", ",1", "}", "\"", rng.choice(NUMBERS)])
        elif op == 6:
            parts = s.split(" ")
            if len(parts) > 2:
                a, b = rng.randrange(len(parts)), rng.randrange(len(parts))
                parts[a], parts[b] = parts[b], parts[a]
                s = " ".join(parts)
        elif op == 7:
            parts = s.split("; ")
            if len(parts) > 2:
                a, b = rng.randrange(1, len(parts)), rng.randrange(1, len(parts))
                parts[a], parts[b] = parts[b], parts[a]
                s = "; ".join(parts)
        elif op == 8:
            quotes = [m.start() for m in re.finditer("\"", s)]
            if quotes:
                i = rng.choice(quotes) + rng.choice([0, 1])
                s = s[:i] + rng.choice(ID_INSERTS) + s[i:]
        elif op == 9 and s:
            i = rng.randrange(len(s))
            s = s[:i] + rng.choice(CHARS) + s[i:]
        else:
            other = rng.choice(pool)
            i, j = rng.randrange(len(s) + 1), rng.randrange(len(other) + 1)
            s = s[:i] + other[j:]
    return s


def id_segments(b):
    """Offsets of what looks like a length-prefixed identifier."""
    segs = []
    for i in range(0, len(b) - 4):
        n = struct.unpack(">i", b[i:i + 4])[0]
        if 1 <= n <= 64 and i + 4 + n <= len(b):
            body = b[i + 4:i + 4 + n]
            if (body[:1] == b"i" and n == 9) or (body[:1] == b"t" and all(c >= 32 for c in body)):
                segs.append((i, n))
            elif all(32 <= c < 127 or c >= 0xc0 for c in body[:1]) and all(c >= 32 for c in body):
                segs.append((i, n))
    return segs


def mutate_binary(rng, b, pool):
    b = bytearray(b)
    ops = rng.randint(1, 3)
    for _ in range(ops):
        op = rng.randrange(12)
        n = len(b)
        if op == 0 and n:
            b[rng.randrange(n)] = rng.randrange(256)
        elif op == 1 and n:
            b[rng.randrange(n)] ^= 1 << rng.randrange(8)
        elif op == 2:
            del b[rng.randrange(n + 1):]
        elif op == 3:
            b += bytes(rng.randrange(256) for _ in range(rng.choice([1, 3, 4, 8, 16, 40])))
        elif op == 4 and n:
            i = rng.randrange(n)
            b[i:i] = bytes(rng.randrange(256) for _ in range(rng.choice([1, 4, 8])))
        elif op == 5 and n:
            i = rng.randrange(n)
            del b[i:i + rng.choice([1, 4, 8, 16])]
        elif op == 6 and n >= 4:
            i = rng.randrange(0, n - 3)
            b[i:i + 4] = struct.pack(">i", rng.choice(INT32S))
        elif op == 7 and n >= 8:
            i = rng.randrange(0, n - 7)
            if rng.random() < 0.7:
                b[i:i + 8] = rng.choice(DOUBLE_BITS)
            else:
                b[i:i + 8] = struct.pack(">q", rng.choice(INT64S))
        elif op == 8 and n >= 16:
            i, j = rng.randrange(0, n - 7), rng.randrange(0, n - 7)
            b[i:i + 8], b[j:j + 8] = b[j:j + 8], b[i:i + 8]
        elif op == 9:
            segs = id_segments(bytes(b))
            if segs:
                i, length = rng.choice(segs)
                new = rng.choice(ID_BYTES)
                if rng.random() < 0.5 and length > 1:
                    body = bytearray(b[i + 4:i + 4 + length])
                    body[rng.randrange(1, length)] = rng.choice([0, 0xff, 0xc3, ord('"'), ord('\\'), 0x80])
                    new = bytes(body)
                b[i:i + 4 + length] = struct.pack(">i", len(new)) + new
        elif op == 10 and n >= 8:
            # a field-aligned double from the start of the sums or records
            i = rng.randrange(0, n - 7) & ~3
            b[i:i + 8] = rng.choice(DOUBLE_BITS)
        else:
            other = rng.choice(pool)
            i, j = rng.randrange(n + 1), rng.randrange(len(other) + 1)
            b = b[:i] + bytearray(other[j:])
    return bytes(b)


# ---- the fields of the binary forms, for field-aware mutations ----------
def _fields_tally(b):
    f, pos = [], 0

    def take(kind, size):
        nonlocal pos
        if pos + size > len(b):
            raise IndexError
        f.append((pos, kind))
        v = b[pos:pos + size]
        pos += size
        return v

    def i32():
        return struct.unpack(">i", take("i32", 4))[0]

    def i64():
        take("i64", 8)

    def f8(k=1):
        for _ in range(k):
            take("f8", 8)

    def ident():
        n = struct.unpack(">i", b[pos:pos + 4])[0]
        take("id", 4 + n)

    version = i32()
    i32(), i32(), i64(), i64(), i64()
    if version >= 3:
        i64()                       # n_true
    f8(12)
    if version >= 2:
        kind = i32()
        i32(), i64()
        ns, npsu, nssu = i32(), i32(), i32()
        if kind == 4:
            i32()
            nrep = i32()
            i32(), i32(), f8(3)
            rank = i32() if version >= 3 else -1
            for _ in range(nrep):
                f8(5)
            if 0 <= rank < nrep:
                f8(nrep * (nrep + 1) // 2)  # the Gram matrix
        for _ in range(ns):
            ident(), i64(), f8()
            if kind == 5:
                i64(), i64(), f8(10)
        for _ in range(npsu):
            i32(), ident(), i64(), i64(), f8(4), i64(), f8()
        for _ in range(nssu):
            i32(), ident(), i64(), f8(4)
    return f


def _fields_magnitude(b):
    f = [(0, "i32"), (4, "i32"), (8, "i64"), (16, "f8"), (24, "f8"), (32, "i32")]
    ntop = struct.unpack(">i", b[32:36])[0]
    f += [(36 + 8 * k, "f8") for k in range(min(ntop, (len(b) - 36) // 8))]
    return f


def _fields_replicate_plan(b):
    f = [(4 * k, "i32") for k in range(6)] + [(24, "f8"), (32, "i64"), (40, "i32")]
    pos, ns = 44, struct.unpack(">i", b[40:44])[0]
    for _ in range(ns):
        n = struct.unpack(">i", b[pos:pos + 4])[0]
        f.append((pos, "i32"))
        pos += 4
        for _ in range(n + 1):
            length = struct.unpack(">i", b[pos:pos + 4])[0]
            f.append((pos, "id"))
            pos += 4 + length
    return f


def _fields_replicates(b):
    f = [(0, "i32"), (4, "i32"), (8, "i32"), (12, "f8"), (20, "f8"), (28, "f8"), (36, "i32")]
    n = struct.unpack(">i", b[36:40])[0]
    return f + [(40 + 8 * k, "f8") for k in range(min(n, (len(b) - 40) // 8))]


FIELDS = {"tally": _fields_tally, "magnitude": _fields_magnitude,
          "replicate_plan": _fields_replicate_plan, "replicates": _fields_replicates}


def mutate_field(rng, typ, b):
    """Replace one field of a well-formed binary value with an edge value of its kind."""
    try:
        fields = FIELDS[typ](b)
    except (IndexError, struct.error):
        return b
    size = {"i32": 4, "i64": 8, "f8": 8}
    fields = [(p, k) for p, k in fields if p + size.get(k, 4) <= len(b)]
    if not fields:
        return b
    pos, kind = rng.choice(fields)
    b = bytearray(b)
    if kind == "i32":
        v = rng.choice(INT32S + [struct.unpack(">i", b[pos:pos + 4])[0] + rng.choice([-1, 1])])
        b[pos:pos + 4] = struct.pack(">i", max(-2 ** 31, min(2 ** 31 - 1, v)))
    elif kind == "i64":
        v = rng.choice(INT64S + [struct.unpack(">q", b[pos:pos + 8])[0] + rng.choice([-1, 1])])
        b[pos:pos + 8] = struct.pack(">q", max(-2 ** 63, min(2 ** 63 - 1, v)))
    elif kind == "f8":
        b[pos:pos + 8] = rng.choice(DOUBLE_BITS + [struct.pack(">d", -struct.unpack(">d", b[pos:pos + 8])[0])])
    else:
        length = max(0, struct.unpack(">i", b[pos:pos + 4])[0])
        body = bytes(b[pos + 4:pos + 4 + length])
        new = rng.choice(ID_BYTES)
        if typ == "tally" and rng.random() < 0.5:
            new = b"t" + new.lstrip(b"t")
        if rng.random() < 0.4 and length > 1:
            body = bytearray(body)
            body[rng.randrange(1, length)] = rng.choice([0, 0xff, 0xc3, 0x80, ord('"'), ord("\\")])
            new = bytes(body)
        elif rng.random() < 0.2:
            new = body + rng.choice(ID_BYTES)
        b[pos:pos + 4 + length] = struct.pack(">i", len(new)) + new
    return bytes(b)


WORDS = ["weights", "weights_domain", "cluster", "cluster2", "replicate", "stratified", "fail", "remove", "certainty",
         "adjust", "average", "jk1", "jkn", "brr", "fay", "bootstrap", "subbootstrap", "sdr", "other",
         "true", "false", "given", "none", "default", "split", "merge", "proportion", "mean", "median", ""]
WORD_RE = re.compile(r"(?<=[= ])[a-z_][a-z_0-9]*")


def mutate_word(rng, s):
    words = list(WORD_RE.finditer(s))
    if not words:
        return s
    m = rng.choice(words)
    return s[:m.start()] + rng.choice(WORDS) + s[m.end():]


def copy_file(rows):
    out = bytearray(b"PGCOPY\n\xff\r\n\x00" + struct.pack(">ii", 0, 0))
    for rid, payload in rows:
        out += struct.pack(">hii", 2, 4, rid) + struct.pack(">i", len(payload)) + payload
    out += struct.pack(">h", -1)
    return bytes(out)


# ---- random data at the extremes, through the aggregates themselves -------
EXTREME_FLOATS = [0.0, -0.0, 5e-324, 1e-310, 2.2250738585072014e-308, 1e-300, 1e-170, 1e-160, 1e-155,
                  1e-75, 0.5, 1.0, 3.0, 1e15, 1e75]


def sql_float(x):
    return "'-0'::float8" if x == 0 and str(x).startswith("-") else f"{x!r}::float8"


def extreme(rng):
    return rng.choice(EXTREME_FLOATS) if rng.random() < 0.8 else rng.uniform(0, 100)


def random_ident(rng):
    pool = ["a", "b", "\u00e9", "\u017e", "\u3042", "\U0001F600", "\"", "\\", " ", ";", ":", "t\"", "1", "-2"]
    return "".join(rng.choice(pool) for _ in range(rng.randint(0, 4)))


def sql_text(x):
    return "'" + x.replace("'", "''") + "'"


def aggregate_query(rng, typ):
    """One random aggregate over a few rows of extreme data (its value or a class 22 error)."""
    rows = []
    for k in range(rng.randint(1, 6)):
        y = extreme(rng) * rng.choice([1, -1])
        rows.append("(%s, %s, %s, %s, %s, %s, %s, %s)" % (
            sql_float(y), sql_float(extreme(rng)), "true" if rng.random() < 0.5 else "false",
            rng.randint(1, 2), sql_text(random_ident(rng)), rng.randint(1, 3),
            "ARRAY[%s]" % ", ".join(sql_float(extreme(rng)) for _ in range(3)), k))
    data = "(VALUES %s) d(y, w, b, s, p, q, r, k)" % ", ".join(rows)
    if typ == "tally":
        y = rng.choice(["y", "b"])
        fpc = rng.choice(["NULL", "0.5", "1e-300", "100", "1e300", "1e-310"])
        agg = rng.choice([
            f"barometer.tally({y}, w)",
            f"barometer.tally({y}, w, 100)",
            f"barometer.tally({y}, w, s, p, 8, {fpc})",
            f"barometer.tally({y}, w, s, p, 8, {fpc}, '{rng.choice(['fail', 'remove', 'certainty', 'adjust', 'average'])}')",
            f"barometer.tally({y}, w, s, p, 8, 1e6, q, 5, {rng.choice(['1e6', '0.5', '1e-300'])}, 'average')",
            f"barometer.tally_stratified({y}, w, {rng.choice(['s', 'p'])}, 8::bigint, {fpc}, "
            f"'{rng.choice(['fail', 'remove', 'certainty', 'adjust', 'average'])}')",
            f"barometer.tally({y}, w, r, barometer.replicates('{rng.choice(['jk1', 'brr', 'bootstrap', 'sdr'])}', "
            f"mse => {rng.choice(['true', 'false'])}, df => {rng.choice(['NULL', '1e-310', '5'])}))",
            f"barometer.tally({y}, w, r, barometer.replicates('fay', rho => {rng.choice(['0', '5e-324', '0.99'])}))",
            f"barometer.tally({y}, w, r::real[], barometer.replicates('jkn', rscales => ARRAY[5e-324, 1, 0]))",
        ])
        if rng.random() < 0.3:
            return f"SELECT barometer.merge(t) FROM (SELECT {agg} AS t FROM {data} GROUP BY k % 2) g"
        return f"SELECT {agg} FROM {data}"
    if typ == "magnitude":
        agg = f"barometer.magnitude(least(abs(y), 1e15), {rng.choice([1, 2, 5, 1000])})"
        if rng.random() < 0.3:
            return f"SELECT barometer.merge(m) FROM (SELECT {agg} AS m FROM {data} GROUP BY k % 2) g"
        return f"SELECT {agg} FROM {data}"
    if typ == "replicate_plan":
        method = rng.choice(["jk1", "jkn", "brr", "fay", "bootstrap", "subbootstrap"])
        opts = {"jkn": "lonely=" + rng.choice(["fail", "remove", "certainty", "average", "adjust"]),
                "brr": "small=split, large=" + rng.choice(["split", "merge"]),
                "fay": "rho=" + rng.choice(["5e-324", "0.5", "0"]) + ", small=split, large=merge",
                "bootstrap": "replicates=%d, seed=%d" % (rng.randint(2, 20), rng.randint(-2 ** 63, 2 ** 63 - 1)),
                "subbootstrap": "replicates=3"}.get(method, "")
        st = "1" if method == "jk1" else rng.choice(["s", "p || s::text"])
        return (f"SELECT barometer.replicate_plan('{method}', {st}, p || k::text, {sql_text(opts)}) "
                f"FROM {data}")
    return ("SELECT barometer.replicates(%s, rho => %s, scale => %s, rscales => %s, mse => %s, df => %s)" % (
        sql_text(rng.choice(["jk1", "jkn", "brr", "fay", "bootstrap", "sdr", "other"])),
        rng.choice(["NULL", "0", "'-0'", "5e-324", "0.5"]),
        rng.choice(["NULL", "5e-324", "1e-310", "1", "1e300", "'NaN'", "-'NaN'::float8"]),
        rng.choice(["NULL", "ARRAY[5e-324, 0, 1]", "ARRAY['-0', 1e-310]::float8[]", "ARRAY[1, 2, 3, 4]"]),
        rng.choice(["true", "false"]),
        rng.choice(["NULL", "1e-310", "3", "'NaN'", "-'NaN'::float8"])))


def message_text(m):
    """An error message; one that is not valid UTF-8 is marked (and counted as a failure)."""
    if m is None:
        return None
    try:
        return bytes(m).decode("utf-8")
    except UnicodeDecodeError:
        return "INVALID UTF-8: " + bytes(m).decode("utf-8", "replace")


class Fuzzer:
    def __init__(self, t):
        self.t = t
        self.conn = connect(DB)
        self.crashes = []

    def alive(self):
        try:
            with self.conn.cursor() as cur:
                cur.execute("SELECT 1")
                return cur.fetchone()[0] == 1
        except psycopg2.Error:
            return False

    def reconnect(self):
        for _ in range(60):
            try:
                self.conn = connect(DB)
                return
            except psycopg2.Error:
                time.sleep(1)
        self.t.bail("the server did not come back after a crash")

    def copy_in(self, typ, rows, table=None):
        """COPY rows (id, send bytes) in binary; None, or the SQLSTATE and message."""
        table = table or f"fz_{typ}"
        try:
            with self.conn.cursor() as cur:
                cur.copy_expert(f"COPY {table} (id, v) FROM STDIN (FORMAT binary)", io.BytesIO(copy_file(rows)))
            return None
        except psycopg2.Error as e:
            if e.pgcode is None and not self.alive():
                self.crashes.append((typ, "binary", rows[0][1][:200].hex()))
                self.reconnect()
                return ("crash", str(e))
            return (e.pgcode, (e.pgerror or "").strip())

    def text_batch(self, typ, first_id, inputs):
        try:
            with self.conn.cursor() as cur:
                cur.execute("SELECT k, state, message FROM fuzz_text(%s, %s, %s) ORDER BY k",
                            (typ, first_id, inputs))
                return [(s, message_text(m)) for _, s, m in cur.fetchall()]
        except psycopg2.Error:
            if not self.alive():
                self.reconnect()
            # find the culprit one by one
            out = []
            for k, s in enumerate(inputs):
                try:
                    with self.conn.cursor() as cur:
                        cur.execute("SELECT state, message FROM fuzz_text(%s, %s, %s)",
                                    (typ, first_id + k, [s]))
                        st, m = cur.fetchone()
                        out.append((st, message_text(m)))
                except psycopg2.Error as e2:
                    if e2.pgcode is None and not self.alive():
                        self.crashes.append((typ, "text", s[:200]))
                        self.reconnect()
                        out.append(("crash", str(e2)))
                    else:
                        out.append(("harness " + str(e2.pgcode), str(e2)))
            return out

    def scalar_rows(self, sql, params=None):
        with self.conn.cursor() as cur:
            cur.execute(sql, params)
            return cur.fetchall()


def main():
    types = os.environ.get("BAROMETER_FUZZ_TYPES", "tally magnitude replicate_plan replicates").split()
    t = Tap(len(types) * 9)
    rng = random.Random(SEED)
    start = time.monotonic()
    conn = fresh_db(DB)
    with conn.cursor() as cur:
        cur.execute(SETUP)
    conn.close()
    fz = Fuzzer(t)
    with fz.conn.cursor() as cur:
        cur.execute(DATA)
    next_id = 1
    types = os.environ.get("BAROMETER_FUZZ_TYPES", "tally magnitude replicate_plan replicates").split()
    for typ in types:
        t0 = time.monotonic()
        seeds_text, seeds_bin = [], []
        seed_fail = []
        for q in SEEDS[typ]:
            try:
                rows = fz.scalar_rows(f"SELECT v::text, barometer.{typ}_send(v) FROM ({q}) s(v) WHERE v IS NOT NULL")
            except psycopg2.Error as e:
                seed_fail.append((e.pgcode, (e.pgerror or "").strip(), q))
                rows = []
            for txt, snd in rows:
                seeds_text.append(txt)
                seeds_bin.append(bytes(snd))

        # the seeds themselves: accepted by both inputs
        states = fz.text_batch(typ, next_id, seeds_text)
        seed_fail += [(s, m, x) for (s, m), x in zip(states, seeds_text) if s is not None]
        next_id += len(seeds_text)
        for b in seeds_bin:
            r = fz.copy_in(typ, [(next_id, b)])
            next_id += 1
            if r is not None:
                seed_fail.append((r[0], r[1], b.hex()[:200]))
        t.ok(not seed_fail and len(seeds_text) == len(SEEDS[typ]),
             f"{typ}: its {len(seeds_text)} seed values are accepted by both inputs", seed_fail[:5])

        # the aggregates on random extreme data: a value, or a class 22 error
        agg_states, agg_bad = {}, []
        for _ in range(AGGREGATES):
            q = aggregate_query(rng, typ)
            try:
                with fz.conn.cursor() as cur:
                    cur.execute(f"INSERT INTO fz_{typ} (id, src, v) SELECT {next_id}, 'aggregate', v "
                                f"FROM ({q}) s(v) WHERE v IS NOT NULL")
                agg_states["ok"] = agg_states.get("ok", 0) + 1
            except psycopg2.Error as e:
                agg_states[e.pgcode] = agg_states.get(e.pgcode, 0) + 1
                if not (e.pgcode and (e.pgcode.startswith("22") or e.pgcode == "54000")):
                    agg_bad.append((e.pgcode, (e.pgerror or "")[:300], q[:300]))
                    if not fz.alive():
                        fz.crashes.append((typ, "aggregate", q[:200]))
                        fz.reconnect()
            next_id += 1
        print(f"# fuzz {typ} aggregates on extreme data: {AGGREGATES} queries {dict(sorted(agg_states.items()))}",
              flush=True)
        t.ok(not agg_bad, f"{typ}: the aggregates on extreme data store a value or raise class 22", agg_bad[:5])

        # text mutants, in batches
        rejected_states = {}
        bad_states = []
        accepted_text = 0
        mutants = [mutate_text(rng, rng.choice(seeds_text), seeds_text) for _ in range(TEXT_MUTANTS)]
        for k in range(0, len(mutants), TEXT_BATCH):
            batch = mutants[k:k + TEXT_BATCH]
            for (s, m), x in zip(fz.text_batch(typ, next_id, batch), batch):
                if s is None:
                    accepted_text += 1
                else:
                    rejected_states[s] = rejected_states.get(s, 0) + 1
                    if not (s.startswith("22") or s == "54000") or m.startswith("INVALID UTF-8"):
                        bad_states.append((s, m, x[:200]))
            next_id += len(batch)
        print(f"# fuzz {typ} text: {len(mutants)} mutants, {accepted_text} accepted, "
              f"{len(mutants) - accepted_text} rejected {dict(sorted(rejected_states.items()))}", flush=True)

        # binary mutants, one COPY each
        accepted_bin = {}
        bin_states = {}
        for k in range(BINARY_MUTANTS):
            # half structure-blind, half one field replaced (then maybe more)
            b = rng.choice(seeds_bin)
            if k % 2 == 0:
                b = mutate_field(rng, typ, b)
                if rng.random() < 0.3:
                    b = mutate_field(rng, typ, b)
            else:
                b = mutate_binary(rng, b, seeds_bin)
            r = fz.copy_in(typ, [(next_id, b)])
            if r is None:
                accepted_bin[next_id] = b
            else:
                bin_states[r[0]] = bin_states.get(r[0], 0) + 1
                if not (r[0] and (r[0].startswith("22") or r[0] == "54000")):
                    bad_states.append((r[0], r[1], b.hex()[:200]))
            next_id += 1
        print(f"# fuzz {typ} binary: {BINARY_MUTANTS} mutants, {len(accepted_bin)} accepted, "
              f"{BINARY_MUTANTS - len(accepted_bin)} rejected {dict(sorted(bin_states.items(), key=str))}",
              flush=True)

        t.ok(not [c for c in fz.crashes if c[0] == typ] and fz.alive(),
             f"{typ}: the backend survives every mutant", [c for c in fz.crashes if c[0] == typ][:5])
        t.ok(not bad_states, f"{typ}: every rejection is of class 22 (or 54000), its message valid UTF-8",
             bad_states[:10])
        t.ok(accepted_text > 0 and len(accepted_bin) > 0,
             f"{typ}: some mutants of each form are accepted (the fuzzer reaches past the syntax)",
             f"text {accepted_text}, binary {len(accepted_bin)}")

        # an accepted binary mutant is its value's own send form
        sends = dict(fz.scalar_rows(f"SELECT id, barometer.{typ}_send(v) FROM fz_{typ} WHERE src = 'binary'"))
        noncanon = [(i, b.hex()[:120]) for i, b in accepted_bin.items()
                    if bytes(sends[i]) != b and not (typ == "tally" and b[:4] in (b"\x00\x00\x00\x01", b"\x00\x00\x00\x02"))]
        t.ok(not noncanon, f"{typ}: an accepted binary value is its own send form",
             [f"{len(noncanon)} are not"] + noncanon[:5])

        # round trips and readers of every accepted value
        problems = fz.scalar_rows("SELECT id, kind, detail FROM fuzz_check(%s, %s)", (typ, READERS[typ]))
        text_bad = [p for p in problems if p[1] in ("text", "agree")]
        reader_bad = [p for p in problems if p[1] == "reader"]
        reader_ok = sum(1 for p in problems if p[1] == "reader ok")
        reader_22 = sum(1 for p in problems if p[1] == "reader 22")
        t.ok(not text_bad, f"{typ}: every accepted value reads back from its text: same text, same send bytes",
             [f"{len(text_bad)} values do not"] + text_bad[:5])
        t.ok(not reader_bad, f"{typ}: the readers run on every accepted value (or fail with class 22)",
             reader_bad[:5])
        print(f"# fuzz {typ} readers: {reader_ok} calls returned, {reader_22} raised class 22", flush=True)

        # binary round trip of every stored value through COPY
        out = io.BytesIO()
        with fz.conn.cursor() as cur:
            cur.copy_expert(f"COPY (SELECT id, v FROM fz_{typ}) TO STDOUT (FORMAT binary)", out)
        r = None
        try:
            with fz.conn.cursor() as cur:
                cur.copy_expert(f"COPY fz_{typ}_back (id, v) FROM STDIN (FORMAT binary)",
                                io.BytesIO(out.getvalue()))
        except psycopg2.Error as e:
            r = (e.pgcode, e.pgerror)
        diff = fz.scalar_rows(
            f"SELECT a.id, a.v::text FROM fz_{typ} a LEFT JOIN fz_{typ}_back b USING (id) "
            f"WHERE b.id IS NULL OR barometer.{typ}_send(a.v) <> barometer.{typ}_send(b.v) LIMIT 5")
        total = fz.scalar_rows(f"SELECT count(*) FROM fz_{typ}")[0][0]
        t.ok(r is None and not diff,
             f"{typ}: all {total} stored values read back through COPY binary to the same send bytes",
             r or diff)
        print(f"# fuzz {typ}: {time.monotonic() - t0:.1f} s", flush=True)
    print(f"# fuzz: {time.monotonic() - start:.1f} s in all (seed {SEED})", flush=True)
    fz.conn.close()
    t.done()


if __name__ == "__main__":
    run(main)
