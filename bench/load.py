"""Time `maillage load` against pyoxigraph's bulk loader on the département data.

The script writes the `departement` preset of `generate.py` (about 700 k triples), then
loads it, each run into a new store folder, with two commands run as subprocesses:

- `maillage load --store PATH FILE`, the project's command line;
- `Store(PATH).bulk_load(path=FILE, format=RdfFormat.N_QUADS)` of pyoxigraph alone.

Each figure covers the whole command, start-up and imports included. The peak memory
is the maximum resident set size of the command, as GNU `time -v` reports it, or as
`wait4(2)` reports it when `/usr/bin/time` is absent. The target is a `maillage load`
rate of at least half of pyoxigraph's.

Command: `.venv/bin/python bench/load.py` (or `make bench`).
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph
from generate import generate

BENCH = Path(__file__).resolve().parent
TARGET_RATIO = 0.5
# GNU time measures the command alone: a direct child of this script would count this
# script's own memory too, because the child shares it until it calls exec.
GNU_TIME = Path("/usr/bin/time")

_BULK_LOAD = """
import sys
from pyoxigraph import RdfFormat, Store
Store(sys.argv[1]).bulk_load(path=sys.argv[2], format=RdfFormat.N_QUADS)
"""


@dataclass(frozen=True)
class Run:
    """Wall time, processor time and peak resident memory of one finished command."""

    seconds: float
    cpu_seconds: float  # user and system time of the command and its children
    peak_kib: int


def run_measured(command: Sequence[str], log: Path) -> Run:
    """Run `command` with its output sent to `log`; return its times and peak memory.

    Raises `RuntimeError` with the end of the log when the command exits with an error.
    """
    usage_path = log.with_suffix(".usage")
    if GNU_TIME.exists():
        command = [str(GNU_TIME), "-v", "-o", str(usage_path), *command]
    with log.open("wb") as output:
        started = time.perf_counter()
        process = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        tail = log.read_text(errors="replace")[-2000:]
        raise RuntimeError(f"{command[0]} exited with {process.returncode}:\n{tail}")
    cpu_seconds = usage.ru_utime + usage.ru_stime
    if GNU_TIME.exists():
        return Run(seconds, cpu_seconds, read_peak_kib(usage_path))
    # NOTE: without GNU time, ru_maxrss (KiB on Linux) of the direct child also counts
    # the memory of this Python process, which the child shares until it calls exec.
    return Run(seconds, cpu_seconds, usage.ru_maxrss)


def read_peak_kib(usage_path: Path) -> int:
    """Return the maximum resident set size, in KiB, from the output of `time -v`."""
    for line in usage_path.read_text().splitlines():
        label, _, value = line.strip().rpartition(": ")
        if label == "Maximum resident set size (kbytes)":
            return int(value)
    raise RuntimeError(f"no maximum resident set size in {usage_path}")


def count_quads(store_path: Path) -> int:
    """Return the number of quads in the store at `store_path`."""
    return len(pyoxigraph.Store(str(store_path)))


def measure(
    commands: dict[str, list[str]], runs: int, work: Path
) -> dict[str, list[Run]]:
    """Run each command `runs` times, in turns, each time into a new store folder.

    The argument `{store}` of a command is replaced by the path of that folder, which is
    `work/{name}-{index}`. Taking turns spreads any change in the machine's load over
    every command.
    """
    results: dict[str, list[Run]] = {name: [] for name in commands}
    for index in range(runs):
        for name, command in commands.items():
            store = work / f"{name}-{index}"
            argv = [str(store) if part == "{store}" else part for part in command]
            results[name].append(run_measured(argv, work / f"{name}-{index}.log"))
    return results


def describe_machine() -> str:
    """Return the processor model, core count and software versions in one line."""
    model = platform.processor() or "unknown processor"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    return (
        f"{model}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"pyoxigraph {pyoxigraph.__version__}"
    )


def report(label: str, results: list[Run], triples: int) -> float:
    """Print the best run's rate and peak memory of one command; return that rate."""
    best = min(results, key=lambda run: run.seconds)
    rate = triples / best.seconds
    times = ", ".join(f"{run.seconds:.2f}" for run in results)
    median = statistics.median(run.seconds for run in results)
    print(
        f"{label:<21} best {best.seconds:6.2f} s  {rate:>7,.0f} triples/s  "
        f"processor {best.cpu_seconds:6.2f} s  peak {best.peak_kib / 1024:4.0f} MiB  "
        f"(runs: {times} s, median {median:.2f} s)"
    )
    return rate


def main(argv: Sequence[str] | None = None) -> int:
    """Parse the command line, generate the file, time both loaders, print figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=BENCH / "out" / "dep.nq")
    parser.add_argument("--runs", type=int, default=3, help="loads per command")
    parser.add_argument(
        "--maillage",
        default=str(Path(sys.executable).parent / "maillage"),
        help="the maillage executable (default: beside this Python)",
    )
    args = parser.parse_args(argv)

    counts = generate(args.out, "departement")
    size = args.out.stat().st_size / 2**20
    print(f"machine: {describe_machine()}")
    print(f"load average before: {os.getloadavg()[0]:.2f}")
    print(f"file: {args.out}, {counts.triples:,} triples, {size:.0f} MiB")

    commands = {
        "maillage": [args.maillage, "load", "--store", "{store}", str(args.out)],
        "pyoxigraph": [sys.executable, "-c", _BULK_LOAD, "{store}", str(args.out)],
    }
    with tempfile.TemporaryDirectory(prefix="maillage-bench-") as folder:
        work = Path(folder)
        runs = measure(commands, args.runs, work)
        loaded = {name: count_quads(work / f"{name}-0") for name in commands}

    print(f"load average after: {os.getloadavg()[0]:.2f}")
    print(f"quads in the stores: {loaded}")
    maillage_rate = report("maillage load", runs["maillage"], counts.triples)
    oxigraph_rate = report("pyoxigraph bulk_load", runs["pyoxigraph"], counts.triples)
    if loaded["maillage"] < counts.triples:
        print(f"maillage load stored fewer quads than the {counts.triples:,} written")
        return 1
    ratio = maillage_rate / oxigraph_rate
    verdict = "met" if ratio >= TARGET_RATIO else "NOT met"
    print(
        f"ratio maillage / pyoxigraph: {ratio:.2f} (target {TARGET_RATIO}: {verdict})"
    )
    cpu = {name: min(run.cpu_seconds for run in runs[name]) for name in commands}
    print(f"processor time ratio: {cpu['pyoxigraph'] / cpu['maillage']:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
