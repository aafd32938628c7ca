#!/usr/bin/env python3
"""Time from process start to the first HTTP response, and memory, for bench/box.sh.

  first_response.py one CMD...        start CMD with PORT=<free port>, poll GET / until
                                      an answer; print "ms peak_rss_kb", end the process
  first_response.py many N CMD...     start N copies at once (each its own PORT), wait
                                      until every one has answered, print
                                      "seconds total_pss_kb total_rss_kb", end them all

Only the processes started here are ended (each in its own process group, by pid)."""
import os, signal, socket, subprocess, sys, time

_next = [20000 + os.getpid() % 5000]

def free_port():
    # Below the kernel's ephemeral range (32768 and up): a port taken from that range
    # can be given to a client socket (the polls below) before its server binds it.
    while True:
        p = _next[0]
        _next[0] = 20000 + (p - 20000 + 1) % 12000
        s = socket.socket()
        try:
            s.bind(("127.0.0.1", p))
            return p
        except OSError:
            pass
        finally:
            s.close()

def start(cmd, port):
    env = dict(os.environ, PORT=str(port))
    return subprocess.Popen([c.replace("{PORT}", str(port)) for c in cmd], env=env,
                            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)

def answered(port):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=2) as s:
            s.sendall(b"GET / HTTP/1.0\r\nHost: x\r\n\r\n")
            data = b""
            while True:
                b = s.recv(4096)
                if not b:
                    break
                data += b
            return b"hello" in data
    except OSError:
        return False

def kb(pid, field, f="status"):
    total = 0
    for p in [pid] + children(pid):
        try:
            for line in open(f"/proc/{p}/{f}"):
                if line.startswith(field + ":"):
                    total += int(line.split()[1])
        except OSError:
            pass
    return total

def children(pid):
    out = []
    try:
        for t in os.listdir(f"/proc/{pid}/task"):
            for c in open(f"/proc/{pid}/task/{t}/children").read().split():
                out.append(int(c))
                out += children(int(c))
    except OSError:
        pass
    return out

def stop(p):
    try:
        os.killpg(p.pid, signal.SIGTERM)
    except ProcessLookupError:
        pass
    try:
        p.wait(timeout=5)
    except subprocess.TimeoutExpired:
        os.killpg(p.pid, signal.SIGKILL)
        p.wait()

def main():
    mode = sys.argv[1]
    if mode == "one":
        cmd, port = sys.argv[2:], free_port()
        t0 = time.monotonic()
        p = start(cmd, port)
        try:
            while not answered(port):
                if p.poll() is not None or time.monotonic() - t0 > 120:
                    print("failed", file=sys.stderr)
                    sys.exit(1)
                time.sleep(0.002)
            ms = (time.monotonic() - t0) * 1000
            print(f"{ms:.1f} {kb(p.pid, 'VmHWM')}")
        finally:
            stop(p)
    else:
        n, cmd = int(sys.argv[2]), sys.argv[3:]
        ports = [free_port() for _ in range(n)]
        t0 = time.monotonic()
        procs = [start(cmd, port) for port in ports]
        try:
            left = set(range(n))
            while left:
                for i in list(left):
                    if procs[i].poll() is not None:
                        print(f"instance {i} exited", file=sys.stderr)
                        sys.exit(1)
                    if answered(ports[i]):
                        left.discard(i)
                if time.monotonic() - t0 > 600:
                    print(f"{len(left)} never answered", file=sys.stderr)
                    sys.exit(1)
                time.sleep(0.01)
            secs = time.monotonic() - t0
            pss = sum(kb(p.pid, "Pss", "smaps_rollup") for p in procs)
            rss = sum(kb(p.pid, "VmRSS") for p in procs)
            print(f"{secs:.1f} {pss} {rss}")
        finally:
            for p in procs:
                stop(p)

main()
