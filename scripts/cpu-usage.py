#!/usr/bin/env python3
"""CPU time for the benchmarks, split into user and system (kernel) seconds.

    cpu-usage.py run -- COMMAND...   runs COMMAND, then prints what it used to stderr:
                                     "cpu: U user S system" (its exit code is passed on), and
                                     how long the machine stalled on its disk meanwhile and
                                     how much it wrote to it (all processes, PostgreSQL's too)
    cpu-usage.py cluster DATA_DIR    prints "U S": the seconds used so far by the PostgreSQL
                                     cluster of DATA_DIR (its postmaster, the backends it has
                                     reaped and those still running)

On this machine a third of a heavy day's CPU is the kernel's (writing files and WAL into the page
cache, faulting memory in), which wall time alone does not show. Nor does it show time lost
waiting for the disk, which Linux's pressure stall information counts (/proc/pressure/io): on
this shared VM one build's run of a 10M day took 126.5 s and then 182.8 s with about the same CPU
time (169 and 168 s), while over those minutes every busy task was stalled on I/O for up to a
quarter of the time.
"""
import os
import resource
import subprocess
import sys

TICKS = os.sysconf("SC_CLK_TCK")


def stat_fields(pid):
    with open(f"/proc/{pid}/stat") as f:
        text = f.read()
    # The command name is in parentheses and may hold spaces: fields follow the last ')'.
    return text[text.rindex(")") + 2:].split()


def cluster(data_dir):
    with open(os.path.join(data_dir, "postmaster.pid")) as f:
        postmaster = int(f.readline())
    fields = stat_fields(postmaster)
    # utime, stime, cutime, cstime are fields 14-17 of /proc/PID/stat (11-14 after the name).
    user = int(fields[11]) + int(fields[13])
    system = int(fields[12]) + int(fields[14])
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            child = stat_fields(int(entry))
        except OSError:
            continue  # ended meanwhile: its time is in the postmaster's cutime/cstime
        if int(child[1]) == postmaster:
            user += int(child[11])
            system += int(child[12])
    print(f"{user / TICKS:.1f} {system / TICKS:.1f}")


def io_stalls():
    """Microseconds so far in which some task, and in which every non-idle task, waited for I/O."""
    totals = {}
    try:
        with open("/proc/pressure/io") as f:
            for line in f:
                kind, *fields = line.split()
                totals[kind] = int(dict(x.split("=") for x in fields)["total"])
    except OSError:
        return None
    return totals.get("some", 0), totals.get("full", 0)


def bytes_written():
    """Bytes written so far to the machine's disks (not their partitions: /sys/block lists disks)."""
    disks = set(os.listdir("/sys/block"))
    written = 0
    with open("/proc/diskstats") as f:
        for line in f:
            fields = line.split()
            if fields[2] in disks:
                written += int(fields[9]) * 512
    return written


def run(command):
    stalls_before, written_before = io_stalls(), bytes_written()
    code = subprocess.call(command)
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    print(f"cpu: {used.ru_utime:.1f} user {used.ru_stime:.1f} system", file=sys.stderr)
    stalls_after, written_after = io_stalls(), bytes_written()
    if stalls_before and stalls_after:
        some, full = (after - before for after, before in zip(stalls_after, stalls_before))
        print(
            f"disk: {(written_after - written_before) / 1e9:.1f} GB written; stalled on I/O "
            f"{some / 1e6:.1f} s (some task), {full / 1e6:.1f} s (every busy task)",
            file=sys.stderr,
        )
    return code


if __name__ == "__main__":
    if len(sys.argv) >= 4 and sys.argv[1] == "run" and sys.argv[2] == "--":
        sys.exit(run(sys.argv[3:]))
    if len(sys.argv) == 3 and sys.argv[1] == "cluster":
        cluster(sys.argv[2])
        sys.exit(0)
    sys.exit(__doc__)
