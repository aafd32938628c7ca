#!/usr/bin/env python3
"""Load and soak driver for bench/soak.sh (a benchmark: it prints figures, asserts nothing).

  soak.py server NAME SECONDS CONNS PORT -- CMD...   hold CONNS echo connections to the
        server CMD starts (it prints "ready"), each sending one 32-byte line a second and
        reading it back, for SECONDS; sample the server's fds, threads and RSS after all
        connected (start), at the middle and at the end.
  soak.py threads NAME -- CMD...   run CMD (bench/soak/threads.c), sampling it at each
        "checkpoint K" line it prints.

Prints one table row per run: the samples, and errors (a failed connect, read or write, a
wrong echo) and drops (a connection closed by the server). Loops are bounded by count and
by time; every process it starts is ended by pid.
"""
import asyncio, os, resource, subprocess, sys, time


def sample(pid):
    """(fds, threads, RSS MiB) of pid, from /proc."""
    try:
        fds = len(os.listdir(f"/proc/{pid}/fd"))
        status = open(f"/proc/{pid}/status").read()
        threads = int(status.split("Threads:")[1].split()[0])
        rss = int(status.split("VmRSS:")[1].split()[0]) / 1024
        return fds, threads, rss
    except (OSError, IndexError, ValueError):
        return None


def fmt(s):
    return "-" if s is None else f"{s[0]:>5} {s[1]:>5} {s[2]:>7.2f}"


def start(cmd):
    p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         text=True)
    return p


async def hold(port, conns, seconds, samples, pid):
    errors = drops = ok = 0
    stop = time.monotonic() + seconds + 60  # hard bound, besides the rounds below

    async def one(i, connected, finished):
        try:
            await rounds(i, connected)
        finally:
            finished.set_result(True)
            await closing.wait()
            for w in writers.pop(i, []):
                w.close()

    writers = {}

    async def rounds(i, connected):
        nonlocal errors, drops, ok
        try:
            r, w = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", port), 30)
        except (OSError, asyncio.TimeoutError):
            errors += 1
            connected.set_result(False) if not connected.done() else None
            return
        writers[i] = [w]
        connected.set_result(True)
        await go.wait()
        for k in range(seconds):
            if time.monotonic() > stop:
                break
            msg = f"conn {i:5d} round {k:5d} xxxx\n".encode()[:32]
            try:
                w.write(msg)
                await w.drain()
                got = await asyncio.wait_for(r.readexactly(len(msg)), 30)
                if got != msg:
                    errors += 1
                else:
                    ok += 1
            except asyncio.IncompleteReadError:
                drops += 1
                return
            except (OSError, asyncio.TimeoutError):
                errors += 1
                return
            await asyncio.sleep(1)

    go = asyncio.Event()
    closing = asyncio.Event()
    loop = asyncio.get_running_loop()
    futs = [loop.create_future() for _ in range(conns)]
    fins = [loop.create_future() for _ in range(conns)]
    tasks = []
    for i in range(conns):
        tasks.append(asyncio.create_task(one(i, futs[i], fins[i])))
        if i % 50 == 49:
            await asyncio.sleep(0.05)  # do not overflow the listen backlog at once
    await asyncio.gather(*futs)
    await asyncio.sleep(1)
    samples.append(sample(pid))
    go.set()
    await asyncio.sleep(seconds / 2)
    samples.append(sample(pid))
    await asyncio.gather(*fins)
    samples.append(sample(pid))  # every connection still open
    closing.set()
    await asyncio.gather(*tasks)
    return ok, errors, drops


def server(name, seconds, conns, port, cmd):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, max(soft, conns + 256)), hard))
    p = start(cmd)
    try:
        line = p.stdout.readline()
        if "ready" not in line:
            print(f"{name}: the server did not start: {line!r} {p.stderr.read()[:300]!r}")
            return
        samples = []
        ok, errors, drops = asyncio.run(hold(port, conns, seconds, samples, p.pid))
        alive = p.poll() is None
        print(f"{name:<34} {fmt(samples[0])} | {fmt(samples[1])} | {fmt(samples[2])} | "
              f"{ok:>7} {errors:>4} {drops:>4} {'yes' if alive else 'NO'}")
    finally:
        p.kill()
        p.wait()


def threads(name, cmd):
    p = start(cmd)
    samples = [None, None, None]
    try:
        deadline = time.monotonic() + 600
        for line in p.stdout:
            if line.startswith("checkpoint "):
                k = int(line.split()[1])
                if 0 <= k < 3:
                    samples[k] = sample(p.pid)
            if time.monotonic() > deadline:
                break
        rc = p.wait(timeout=60)
        err = p.stderr.read().strip().splitlines()
        print(f"{name:<34} {fmt(samples[0])} | {fmt(samples[1])} | {fmt(samples[2])} | "
              f"status {rc}{(': ' + err[-1][:60]) if rc and err else ''}")
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()


def main():
    a = sys.argv[1:]
    cut = a.index("--")
    head, cmd = a[:cut], a[cut + 1:]
    if head[0] == "server":
        server(head[1], int(head[2]), int(head[3]), int(head[4]), cmd)
    elif head[0] == "threads":
        threads(head[1], cmd)
    elif head[0] == "header":
        pass
    else:
        sys.exit("usage: see the docstring")


if __name__ == "__main__":
    main()
