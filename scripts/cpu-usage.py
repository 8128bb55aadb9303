#!/usr/bin/env python3
"""CPU time for the benchmarks, split into user and system (kernel) seconds.

    cpu-usage.py run -- COMMAND...   runs COMMAND, then prints what it used to stderr:
                                     "cpu: U user S system" (its exit code is passed on)
    cpu-usage.py cluster DATA_DIR    prints "U S": the seconds used so far by the PostgreSQL
                                     cluster of DATA_DIR (its postmaster, the backends it has
                                     reaped and those still running)

On this machine a third of a heavy day's CPU is the kernel's (writing files and WAL into the page
cache, faulting memory in), which wall time alone does not show.
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


def run(command):
    code = subprocess.call(command)
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    print(f"cpu: {used.ru_utime:.1f} user {used.ru_stime:.1f} system", file=sys.stderr)
    return code


if __name__ == "__main__":
    if len(sys.argv) >= 4 and sys.argv[1] == "run" and sys.argv[2] == "--":
        sys.exit(run(sys.argv[3:]))
    if len(sys.argv) == 3 and sys.argv[1] == "cluster":
        cluster(sys.argv[2])
        sys.exit(0)
    sys.exit(__doc__)
