"""kvnet at scale: wall time, CPU time and peak memory of check, compile and generate on synthetic sites.

    python benchmarks/run.py                         # 100, 1k, 10k and 50k VMs, best of 3
    python benchmarks/run.py --sizes 100,1000 --repeat 1

Every figure is one whole process (interpreter start-up included), run in a subprocess and measured with
os.wait4: wall time, CPU time (user + system) and peak resident memory. Per size it measures

- `kvnet check site.yaml` (the site and its kvnet.lock.yaml) and the cost of merely parsing the same files
  with PyYAML's C loader (`yaml.load_all(text, Loader=yaml.CSafeLoader)` in a process of its own);
- `kvnet check manifests/` (the compiled manifests of the same site, one object per file) against the C-loader
  parse of the same files;
- `kvnet compile site.yaml -o DIR` and `kvnet generate` (the Argo CD plugin: the stream on stdout);
- kubeconform on the manifests, when it is installed and the upstream schemas are at hand (no network);

then the scaling exponent log(t2/t1) / log(n2/n1) between successive sizes, and the start-up figure:
`kvnet check samples/minimal/site.yaml` against `python -c "import yaml"`. Ratios are of CPU time, which a
busy machine disturbs less than wall time; both times are printed. The targets are checked at the end.

With `--instructions` (needs valgrind) each check and its C-loader baseline also run once under callgrind,
which counts the instructions they execute: a figure that does not move with the machine's load (CPU
time here moves by ±5%), for telling a small change's effect from noise. It is not a time: the same
count costs more in Python's interpreter loop, with its branches and scattered objects, than in libyaml's C.
"""

from __future__ import annotations

import argparse
import itertools
import math
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

from generate import generate  # noqa: E402  (benchmarks/ is not a package)

KVNET = [sys.executable, "-m", "kvnet"]
SCHEMAS = ROOT.parent / "shared" / "upstream-schemas"
MINIMAL = ROOT / "samples" / "minimal" / "site.yaml"
MIB = 1024 * 1024

# The baseline: parse the same files with PyYAML's C loader, nothing else.
C_LOADER_PARSE = """\
import sys, yaml
for name in open(sys.argv[1], encoding="utf-8").read().splitlines():
    with open(name, encoding="utf-8") as f:
        list(yaml.load_all(f.read(), Loader=yaml.CSafeLoader))
"""

TARGETS = {
    "check_ratio": 1.5,  # check ≤ 1.5 × the C-loader parse of the same input
    "exponent": 1.1,  # time grows at most like n^1.1
    "compile_50k_mib": 2048,  # compile of 50k VMs under 2 GiB
    "startup_ratio": 3.0,  # small-site check ≤ 3 × python + import yaml
    "generate_10k_s": 90.0,  # Argo CD's default exec timeout for a plugin
}


@dataclass(frozen=True)
class Run:
    wall: float  # seconds
    cpu: float  # seconds, user + system
    rss_mib: float  # peak resident set size
    code: int


def measure(command: list[str], *, cwd: Path | None = None, stdout: int | None = subprocess.DEVNULL) -> Run:
    """Run one process to completion and take its wall time, CPU time and peak RSS (os.wait4's rusage)."""
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=cwd, stdout=stdout, stderr=subprocess.PIPE)
    assert process.stderr is not None
    errors = process.stderr.read()
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode not in (0,):
        sys.stderr.write(f"note: {' '.join(command)} exited {process.returncode}:\n"
                         f"{errors.decode(errors='replace')[-2000:]}\n")
    rss = usage.ru_maxrss / 1024 if sys.platform != "darwin" else usage.ru_maxrss / MIB  # KiB on Linux
    return Run(wall, usage.ru_utime + usage.ru_stime, rss, process.returncode)


def best_of(repeat: int, command: list[str], **kwargs: object) -> Run:
    """The fastest of `repeat` runs (the least disturbed), with the highest peak memory seen."""
    runs = [measure(command, **kwargs) for _ in range(repeat)]  # type: ignore[arg-type]
    return Run(min(r.wall for r in runs), min(r.cpu for r in runs), max(r.rss_mib for r in runs),
               max(r.code for r in runs))


def instructions(command: list[str]) -> int | None:
    """Instructions one process executes, counted by valgrind's callgrind (None without valgrind)."""
    valgrind = shutil.which("valgrind")
    if valgrind is None:
        return None
    done = subprocess.run([valgrind, "--tool=callgrind", "--callgrind-out-file=/dev/null", *command],
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, check=False)
    found = re.search(r"Collected : ([0-9]+)", done.stderr)
    if done.returncode != 0 or found is None:
        sys.stderr.write(f"note: callgrind of {' '.join(command)} exited {done.returncode}\n")
        return None
    return int(found.group(1))


def size_mib(files: list[Path]) -> float:
    return sum(p.stat().st_size for p in files) / MIB


def manifest_files(folder: Path) -> list[Path]:
    """The files `kvnet check folder` reads: YAML below it, except kustomization.yaml."""
    return sorted(p for p in folder.rglob("*.yaml") if p.name != "kustomization.yaml")


def c_loader_command(files: list[Path], work: Path) -> list[str]:
    listing = work / f"files-{len(files)}-{abs(hash(tuple(files)))}.txt"
    listing.write_text("".join(f"{p}\n" for p in files), encoding="utf-8")
    return [sys.executable, "-c", C_LOADER_PARSE, str(listing)]


def kubeconform_command(folder: Path) -> list[str] | None:
    binary = shutil.which("kubeconform") or shutil.which(str(Path.home() / "go" / "bin" / "kubeconform"))
    if binary is None or not SCHEMAS.is_dir():
        return None
    return [binary, "-summary", "-skip", "Kustomization", "-ignore-missing-schemas",
            "-schema-location", f"{SCHEMAS}/{{{{.Group}}}}/{{{{.ResourceKind}}}}_{{{{.ResourceAPIVersion}}}}.json",
            "-schema-location", f"{SCHEMAS}/core/{{{{.ResourceKind}}}}{{{{.KindSuffix}}}}.json", str(folder)]


@dataclass
class Row:
    vms: int
    what: str
    run: Run
    baseline: Run | None = None
    size_mib: float = 0.0
    files: int = 0
    counted: tuple[int, int] | None = None  # instructions of the run and of its baseline (--instructions)

    @property
    def ratio(self) -> float | None:
        return self.run.cpu / self.baseline.cpu if self.baseline else None

    @property
    def instruction_ratio(self) -> float | None:
        return self.counted[0] / self.counted[1] if self.counted and self.counted[1] else None


def checked(vms: int, what: str, command: list[str], baseline: list[str], files: list[Path], repeat: int,
            count: bool) -> Row:
    """A check and the C-loader parse of the same files (with both instruction counts when `count`)."""
    row = Row(vms, what, best_of(repeat, command), best_of(repeat, baseline), size_mib(files), len(files))
    if count:
        ours, theirs = instructions(command), instructions(baseline)
        row.counted = (ours, theirs) if ours is not None and theirs is not None else None
    return row


def bench_size(vms: int, repeat: int, work: Path, *, count: bool = False) -> list[Row]:
    folder = work / str(vms)
    started = time.perf_counter()
    if folder.exists():
        shutil.rmtree(folder)
    site = generate(vms, folder)
    sys.stderr.write(f"generated {vms} VMs in {time.perf_counter() - started:.1f}s\n")
    lock = site.parent / "kvnet.lock.yaml"
    manifests = folder / "manifests"
    site_files = [site, lock]
    m_files = manifest_files(manifests)
    rows: list[Row] = []

    rows.append(checked(vms, "check site", [*KVNET, "check", str(site)], c_loader_command(site_files, work),
                        site_files, repeat, count))
    rows.append(checked(vms, "check manifests", [*KVNET, "check", str(manifests)], c_loader_command(m_files, work),
                        m_files, repeat, count))
    compile_runs = []
    for _ in range(repeat):
        out = Path(tempfile.mkdtemp(dir=work)) / "out"
        compile_runs.append(measure([*KVNET, "compile", str(site), "-o", str(out), "--summary", "none"]))
        shutil.rmtree(out.parent)
    rows.append(Row(vms, "compile", Run(min(r.wall for r in compile_runs), min(r.cpu for r in compile_runs),
                                        max(r.rss_mib for r in compile_runs), max(r.code for r in compile_runs)),
                    size_mib=size_mib(site_files), files=len(site_files)))
    rows.append(Row(vms, "generate", best_of(repeat, [*KVNET, "generate"], cwd=site.parent),
                    size_mib=size_mib(site_files), files=len(site_files)))
    kubeconform = kubeconform_command(manifests)
    if kubeconform is not None:
        rows.append(Row(vms, "kubeconform", best_of(repeat, kubeconform), size_mib=size_mib(m_files),
                        files=len(m_files)))
    return rows


def exponents(rows: list[Row]) -> dict[tuple[int, str], float]:
    """log(t2/t1) / log(n2/n1) of CPU time, for each measurement between successive sizes."""
    found: dict[tuple[int, str], float] = {}
    by_what: dict[str, list[Row]] = {}
    for row in rows:
        by_what.setdefault(row.what, []).append(row)
    for what, series in by_what.items():
        for a, b in itertools.pairwise(series):
            if a.run.cpu > 0 and b.run.cpu > 0 and b.vms != a.vms:
                found[(b.vms, what)] = math.log(b.run.cpu / a.run.cpu) / math.log(b.vms / a.vms)
    return found


def _fmt(value: float | None, spec: str) -> str:
    return "" if value is None else format(value, spec)


def table(rows: list[Row]) -> str:
    exps = exponents(rows)
    counted = any(r.counted for r in rows)
    lines = ["| VMs | measurement | files | input MiB | wall s | CPU s | peak MiB | C-loader CPU s | × C-loader "
             "| exponent | exit |" + (" instructions | × C-loader's |" if counted else ""),
             "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|" + ("---:|---:|" if counted else "")]
    for r in rows:
        line = (f"| {r.vms} | {r.what} | {r.files} | {r.size_mib:.2f} | {r.run.wall:.2f} | {r.run.cpu:.2f} | "
                f"{r.run.rss_mib:.0f} | {_fmt(r.baseline.cpu if r.baseline else None, '.2f')} | "
                f"{_fmt(r.ratio, '.2f')} | {_fmt(exps.get((r.vms, r.what)), '.2f')} | {r.run.code} |")
        if counted:
            billions = f"{r.counted[0] / 1e9:.2f}G" if r.counted else ""
            line += f" {billions} | {_fmt(r.instruction_ratio, '.2f')} |"
        lines.append(line)
    return "\n".join(lines)


def startup(repeat: int) -> tuple[Run, Run]:
    kvnet = best_of(repeat, [*KVNET, "check", str(MINIMAL)])
    python = best_of(repeat, [sys.executable, "-c", "import yaml"])
    return kvnet, python


def verdicts(rows: list[Row], start: tuple[Run, Run]) -> list[str]:
    """Each target with the measured figure and whether it is met (only for the sizes measured)."""
    out: list[str] = []
    for r in rows:
        if r.what.startswith("check") and r.ratio is not None:
            ok = r.ratio <= TARGETS["check_ratio"]
            out.append(f"{'met ' if ok else 'MISSED'}  {r.what} at {r.vms} VMs: {r.ratio:.2f}× the C-loader parse "
                       f"(target ≤ {TARGETS['check_ratio']})")
    for (vms, what), exp in sorted(exponents(rows).items()):
        if what in ("check site", "check manifests", "compile") and vms >= 10_000:
            ok = exp <= TARGETS["exponent"]
            out.append(f"{'met ' if ok else 'MISSED'}  {what} scaling exponent up to {vms} VMs: {exp:.2f} "
                       f"(target ≤ {TARGETS['exponent']})")
    for r in rows:
        if r.what == "compile" and r.vms >= 50_000:
            ok = r.run.rss_mib < TARGETS["compile_50k_mib"]
            out.append(f"{'met ' if ok else 'MISSED'}  compile of {r.vms} VMs peaks at {r.run.rss_mib:.0f} MiB "
                       f"(target < {TARGETS['compile_50k_mib']} MiB)")
        if r.what == "generate" and r.vms == 10_000:
            ok = r.run.wall < TARGETS["generate_10k_s"]
            out.append(f"{'met ' if ok else 'MISSED'}  kvnet generate of {r.vms} VMs: {r.run.wall:.1f} s wall "
                       f"(Argo CD's limit: {TARGETS['generate_10k_s']:.0f} s)")
    kvnet, python = start
    ratio = kvnet.cpu / python.cpu if python.cpu else math.inf
    out.append(f"{'met ' if ratio <= TARGETS['startup_ratio'] else 'MISSED'}  small-site check: {ratio:.2f}× "
               f"python + import yaml (target ≤ {TARGETS['startup_ratio']})")
    return out


def compile_kvnet() -> Path:
    """Write kvnet's bytecode before measuring, as `pip install` does for an installed package (and as PyYAML's,
    in site-packages, already is): with PYTHONDONTWRITEBYTECODE set, or a read-only checkout, a module changed
    since its .pyc was written would be compiled again in every measured process (1.7% of a 1k-VM check's
    instructions after one round of changes). Returns the package folder."""
    import compileall
    import importlib.util

    spec = importlib.util.find_spec("kvnet")
    assert spec is not None and spec.origin is not None, "kvnet is not importable"
    package = Path(spec.origin).parent
    compileall.compile_dir(str(package), quiet=1)  # (a folder it cannot write to is left as it is)
    return package


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="kvnet benchmarks (see the module docstring)")
    parser.add_argument("--sizes", default="100,1000,10000,50000", help="VM counts, comma-separated")
    parser.add_argument("--repeat", type=int, default=3, help="runs per measurement (the best is kept)")
    parser.add_argument("--work", type=Path, help="folder for the generated sites (default: a temporary one)")
    parser.add_argument("--instructions", action="store_true",
                        help="also count each check's and its baseline's instructions with valgrind (slow: ~50x)")
    args = parser.parse_args(argv)
    if args.instructions and shutil.which("valgrind") is None:
        parser.error("--instructions needs valgrind (apt-get install valgrind)")
    sizes = sorted({int(s) for s in args.sizes.split(",") if s.strip()})
    work = args.work or Path(tempfile.mkdtemp(prefix="kvnet-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    compile_kvnet()
    try:
        start = startup(args.repeat)
        rows: list[Row] = []
        for vms in sizes:
            rows += bench_size(vms, args.repeat, work, count=args.instructions)
        print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPU(s); best of {args.repeat}; "
              "ratios and exponents of CPU time\n")
        print(table(rows))
        kvnet, python = start
        print(f"\nstart-up: kvnet check {MINIMAL.relative_to(ROOT)}: {kvnet.wall:.3f} s wall, {kvnet.cpu:.3f} s CPU, "
              f"{kvnet.rss_mib:.0f} MiB; python -c 'import yaml': {python.wall:.3f} s wall, {python.cpu:.3f} s CPU, "
              f"{python.rss_mib:.0f} MiB\n")
        for line in verdicts(rows, start):
            print(line)
        failed = [r for r in rows if r.run.code != 0] + [r for r in start if r.code != 0]
        return 1 if failed else 0
    finally:
        if args.work is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
