"""Shared pieces of the operations tests (test/ops): connections to the
throwaway cluster (PG* environment variables), a fresh database per test
file, and SQLSTATE checks."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from tap import Tap, run  # noqa: E402,F401

import psycopg2  # noqa: E402
import psycopg2.extensions  # noqa: E402


def connect(dbname, **kw):
    conn = psycopg2.connect(dbname=dbname, **kw)
    conn.autocommit = True
    return conn


def fresh_db(name, extensions=("barometer",)):
    """Drop and create database name with the given extensions; a connection to it."""
    admin = connect(os.environ.get("PGDATABASE", "postgres"))
    with admin.cursor() as cur:
        cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        cur.execute(f'CREATE DATABASE "{name}"')
    admin.close()
    conn = connect(name)
    with conn.cursor() as cur:
        for e in extensions:
            cur.execute(f"CREATE EXTENSION {e}")
    return conn


def sqlstate_of(conn, sql, params=None):
    """Run sql; None when it succeeds, else the SQLSTATE of its error."""
    with conn.cursor() as cur:
        try:
            cur.execute(sql, params)
            if cur.description is not None:
                cur.fetchall()
            return None
        except psycopg2.Error as e:
            return e.pgcode


def scalar(conn, sql, params=None):
    with conn.cursor() as cur:
        cur.execute(sql, params)
        return cur.fetchone()[0]


def stop_latency(dbname, sql, how="timeout", after=1.0, setup=()):
    """Run sql on a new connection and stop it after `after` seconds, by
    statement_timeout (how="timeout") or by pg_cancel_backend from a second
    connection (how="cancel").  Returns (sqlstate, latency, alive): the
    SQLSTATE the statement ended with (None if it finished), the seconds
    from the stop to the error, and whether the backend still answers."""
    import threading
    import time

    conn = connect(dbname)
    with conn.cursor() as cur:
        for s in setup:
            cur.execute(s)
        cur.execute("SELECT pg_backend_pid()")
        pid = cur.fetchone()[0]
        if how == "timeout":
            cur.execute(f"SET statement_timeout = '{int(after * 1000)}ms'")
    stopper = None
    if how == "cancel":
        def cancel():
            time.sleep(after)
            admin = connect(dbname)
            with admin.cursor() as c:
                c.execute("SELECT pg_cancel_backend(%s)", (pid,))
            admin.close()
        stopper = threading.Thread(target=cancel)
    state = None
    start = time.monotonic()
    if stopper:
        stopper.start()
    with conn.cursor() as cur:
        try:
            cur.execute(sql)
            if cur.description is not None:
                cur.fetchall()
        except psycopg2.Error as e:
            state = e.pgcode
    latency = time.monotonic() - start - after
    if stopper:
        stopper.join()
    alive = False
    try:
        with conn.cursor() as cur:
            cur.execute("RESET statement_timeout")
            cur.execute("SELECT 1")
            alive = cur.fetchone()[0] == 1
    except psycopg2.Error:
        alive = False
    conn.close()
    return state, latency, alive


def check_stops(t, dbname, name, sql, setup=(), limit=2.0):
    """Two TAP tests: sql stops with 57014 within `limit` seconds of a
    1 s statement_timeout and of a pg_cancel_backend, and the backend
    lives on.  The latencies are printed as diagnostics."""
    for how in ("timeout", "cancel"):
        state, latency, alive = stop_latency(dbname, sql, how=how, setup=setup)
        t.ok(state == "57014" and latency < limit and alive,
             f"{name}: stops on {how} within {limit:g} s",
             f"sqlstate {state}, {latency:.2f} s after the stop, backend alive: {alive}")
        print(f"# latency {name} [{how}]: {latency:.3f} s", flush=True)


def todo_ok(t, cond, name, todo=None, diag=None):
    """t.ok, or, when todo says why the feature is missing from this build, a
    TAP TODO test: printed with its result, not counted as a failure."""
    if not todo:
        return t.ok(cond, name, diag)
    t.n += 1
    print(f"{'ok' if cond else 'not ok'} {t.n} - {name} # TODO {todo}", flush=True)
    if not cond and diag is not None:
        for line in str(diag).splitlines():
            print(f"# {line}", flush=True)
    return cond
