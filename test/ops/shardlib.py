"""Throwaway PostgreSQL clusters on this machine for the tests and the
benchmark of barometer across servers (test/ops/shards_test.py,
bench/shards_run): initdb once, copy the data directory for every further
cluster, start each on its own port (TCP on 127.0.0.1, socket in the
cluster's temporary folder), and stop and remove them all on exit, on an
exception and on SIGTERM/SIGINT.

Which PostgreSQL: $BAROMETER_PG_BINDIR, else the bindir of $PG_CONFIG
(test/run exports /usr/lib/postgresql/15/bin/pg_config, where it installs
the extension), else /usr/lib/postgresql/15/bin.  Ports: the first free ones
from $BAROMETER_SHARD_PORT_BASE (default 5460) up to 20 further.  As root the
clusters run as user postgres (initdb refuses root)."""
import atexit
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile


def bindir():
    if os.environ.get("BAROMETER_PG_BINDIR"):
        return os.environ["BAROMETER_PG_BINDIR"]
    pg_config = os.environ.get("PG_CONFIG")
    if pg_config:
        try:
            return subprocess.run([pg_config, "--bindir"], check=True, capture_output=True,
                                  text=True).stdout.strip()
        except (OSError, subprocess.CalledProcessError):
            pass
    return "/usr/lib/postgresql/15/bin"


def _port_free(port):
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


class Cluster:
    def __init__(self, name, datadir, port, sockdir):
        self.name = name
        self.datadir = datadir
        self.port = port
        self.sockdir = sockdir

    def dsn(self, dbname="postgres"):
        return f"host=127.0.0.1 port={self.port} dbname={dbname} user=postgres"


class Clusters:
    """count clusters; use as a context manager (or call stop())."""

    def __init__(self, count, settings=(), prefix="barometer-shards", bin_dir=None):
        self.count = count
        self.settings = list(settings)
        self.prefix = prefix
        self.bindir = bin_dir or bindir()
        self.root = None
        self.clusters = []
        self._stopped = False

    # -- running commands as the cluster owner
    def _run(self, args, **kw):
        if os.geteuid() == 0:
            args = ["runuser", "-u", "postgres", "--"] + args
        return subprocess.run(args, check=True, capture_output=True, text=True, **kw)

    def _chown(self, path):
        if os.geteuid() == 0:
            pw = pwd.getpwnam("postgres")
            os.chown(path, pw.pw_uid, pw.pw_gid)

    def start(self):
        atexit.register(self.stop)
        for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            signal.signal(sig, self._on_signal)
        self.root = tempfile.mkdtemp(prefix=self.prefix + ".")
        os.chmod(self.root, 0o755)
        self._chown(self.root)
        base = int(os.environ.get("BAROMETER_SHARD_PORT_BASE", "5460"))
        ports = [p for p in range(base, base + 20) if _port_free(p)][: self.count]
        if len(ports) < self.count:
            raise RuntimeError(f"fewer than {self.count} free ports in {base}-{base + 19}")
        template = os.path.join(self.root, "template")
        self._run([os.path.join(self.bindir, "initdb"), "-D", template, "-U", "postgres",
                   "-A", "trust", "-E", "UTF8", "--locale=C", "--no-sync"])
        for i, port in enumerate(ports):
            name = f"c{i + 1}"
            datadir = os.path.join(self.root, name)
            sockdir = os.path.join(self.root, name + ".sock")
            self._run(["cp", "-a", template, datadir])
            self._run(["mkdir", "-p", sockdir])
            conf = [f"port = {port}", "listen_addresses = '127.0.0.1'",
                    f"unix_socket_directories = '{sockdir}'", "fsync = off",
                    "synchronous_commit = off", "full_page_writes = off",
                    "max_connections = 30", "shared_buffers = '32MB'",
                    "max_worker_processes = 4", "max_parallel_workers_per_gather = 0",
                    "jit = off", "log_min_messages = warning"] + self.settings
            self._run(["sh", "-c", "cat >> \"$1\"", "sh", os.path.join(datadir, "postgresql.conf")],
                      input="\n".join(conf) + "\n")
            c = Cluster(name, datadir, port, sockdir)
            self.clusters.append(c)
            self._run([os.path.join(self.bindir, "pg_ctl"), "-D", datadir, "-l",
                       os.path.join(self.root, name + ".log"), "-w", "-t", "60", "start"])
        shutil.rmtree(template, ignore_errors=True)
        return self

    def stop(self):
        if self._stopped or self.root is None:
            return
        self._stopped = True
        for c in self.clusters:
            try:
                self._run([os.path.join(self.bindir, "pg_ctl"), "-D", c.datadir, "-m",
                           "immediate", "-w", "-t", "30", "stop"])
            except (OSError, subprocess.CalledProcessError):
                pass
        shutil.rmtree(self.root, ignore_errors=True)

    def _on_signal(self, signum, frame):
        self.stop()
        raise SystemExit(128 + signum)

    def log(self, c):
        try:
            with open(os.path.join(self.root, c.name + ".log")) as f:
                return f.read()
        except OSError:
            return ""

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
        return False

    def __iter__(self):
        return iter(self.clusters)

    def __getitem__(self, i):
        return self.clusters[i]
