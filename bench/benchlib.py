"""bench/benchlib.py — what the bench scripts share: free ports, pinned servers, medians.

    srv = start_server(binary, cpu, workdir, "--maxclients", "10000")
    try:
        c = srv.client()          # redis-py client on srv.port
        ...
    finally:
        srv.stop()                # SIGTERM by PID, SIGKILL after the timeout

Every server runs as `taskset -c <cpu> <binary> --port <free port> --bind 127.0.0.1
--dir <workdir> --save "" --appendonly no <args...>`, logs to <workdir>/<log> and is started
in its own session, so a Ctrl-C in the terminal reaches only the script, whose `finally`
stops the server by PID.  Later arguments override earlier ones (`--save 60 1` in args wins).
"""
import os
import shutil
import socket
import statistics
import subprocess
import sys
import time


def free_port(taken=()):
    """A free loopback TCP port, never 6379 and never one of `taken`."""
    while True:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        if port != 6379 and port not in taken:
            return port


def ping(port, timeout=1.0):
    """True when the server on `port` answers +PONG (a -LOADING reply is False)."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
            s.sendall(b"*1\r\n$4\r\nPING\r\n")
            buf = b""
            while not buf.endswith(b"\r\n"):
                data = s.recv(64)
                if not data:
                    return False
                buf += data
            return buf == b"+PONG\r\n"
    except OSError:
        return False


class Server:
    """A started server: .port, .pid, .proc, .logpath, .startup_secs, .client(), .stop()."""

    def __init__(self, name, binary, cpu, proc, port, log, logpath):
        self.name, self.binary, self.cpu = name, binary, cpu
        self.proc, self.port, self.log, self.logpath = proc, port, log, logpath
        self.pid = proc.pid
        self.startup_secs = None

    def client(self, **kw):
        import redis
        kw.setdefault("socket_timeout", 600)
        return redis.Redis(host="127.0.0.1", port=self.port, **kw)

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def stop(self, timeout=10):
        """SIGTERM by PID, SIGKILL if it has not exited after `timeout` s.  Idempotent."""
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None
        self.log.close()

    def version(self):
        return subprocess.run([self.binary, "--version"], capture_output=True,
                              text=True).stdout.strip()


def start_server(binary, cpu, workdir, *args, name="server", log=None, taken=(), timeout=10):
    """Start `binary` pinned to `cpu` and wait until it answers PING (up to `timeout` s).

    The log goes to <workdir>/<log> (default <name>.log), appended to.  Raises RuntimeError
    if the server exits or does not answer in time (it is stopped first)."""
    port = free_port(taken)
    logpath = os.path.join(workdir, log or name + ".log")
    logf = open(logpath, "ab")
    cmd = ["taskset", "-c", str(cpu), binary, "--port", str(port), "--bind", "127.0.0.1",
           "--dir", workdir, "--save", "", "--appendonly", "no"] + [str(a) for a in args]
    t0 = time.monotonic()
    proc = subprocess.Popen(cmd, stdout=logf, stderr=subprocess.STDOUT,
                            stdin=subprocess.DEVNULL, start_new_session=True)
    srv = Server(name, binary, cpu, proc, port, logf, logpath)
    try:
        deadline = t0 + timeout
        while not ping(port):
            if proc.poll() is not None:
                raise RuntimeError("%s (%s) exited during start-up, see %s"
                                   % (name, binary, logpath))
            if time.monotonic() > deadline:
                raise RuntimeError("%s did not answer PING on port %d within %g s"
                                   % (name, port, timeout))
            time.sleep(0.005)
        srv.startup_secs = time.monotonic() - t0
        return srv
    except BaseException:
        srv.stop()
        raise


REPO_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def add_binary_args(ap):
    """--ferrite and --redis (env FERRITE_SERVER, REDIS_SERVER) on an argparse parser."""
    ap.add_argument("--ferrite", default=os.environ.get(
        "FERRITE_SERVER", os.path.join(REPO_DIR, "build", "ferrite-server")),
        help="ferrite binary (env FERRITE_SERVER)")
    ap.add_argument("--redis", default=os.environ.get("REDIS_SERVER", "/usr/bin/redis-server"),
                    help="reference binary (env REDIS_SERVER)")


def require(prog, *binaries):
    """Exit with a message unless every binary is executable and taskset exists."""
    for b in binaries:
        if not (os.path.isfile(b) and os.access(b, os.X_OK)):
            sys.exit("%s: not executable: %s (build ferrite with 'make' or set "
                     "FERRITE_SERVER)" % (prog, b))
    if shutil.which("taskset") is None:
        sys.exit("%s: taskset not found (util-linux)" % prog)


def median(xs):
    return statistics.median(list(xs))


def ratio(a, b):
    """a / b, or nan when b is 0."""
    return a / b if b else float("nan")
