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
