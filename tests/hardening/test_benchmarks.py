"""The benchmark scripts keep working: the generator makes conflict-free sites of the promised shape, and
`benchmarks/run.py` prints every figure at the smallest size (no timing is asserted)."""

from __future__ import annotations

import ipaddress
import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from generate import Shape, site_text  # benchmarks/generate.py (benchmarks/ is on pytest's pythonpath)
from run import Row, Run, compile_kvnet, instructions, table  # benchmarks/run.py

from kvnet_hardening_cli import kvnet
from toolcheck import require_tool

ROOT = Path(__file__).resolve().parents[2]


def test_the_generated_site_and_manifests_are_free_of_errors(bench_site: Path) -> None:
    site = bench_site / "site" / "site.yaml"
    assert (bench_site / "site" / "kvnet.lock.yaml").is_file()
    for target in (site, bench_site / "manifests"):
        ran = kvnet("check", "--format", "json", target, cwd=bench_site)
        assert ran.code == 0, ran.stdout[-3000:]
        report = json.loads(ran.stdout)
        assert report["summary"]["errors"] == 0
        assert [f for f in report["findings"] if f.get("severity") == "error"] == []


def test_the_generated_manifests_are_what_compile_writes(bench_site: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    ran = kvnet("compile", bench_site / "site" / "site.yaml", "-o", out, "--summary", "none", cwd=bench_site)
    assert ran.code == 0, ran.text[-2000:]
    written = sorted(p.relative_to(out).as_posix() for p in out.rglob("*.yaml"))
    generated = sorted(p.relative_to(bench_site / "manifests").as_posix()
                       for p in (bench_site / "manifests").rglob("*.yaml"))
    assert written == generated
    kinds = {yaml.safe_load(p.read_text())["kind"] for p in (bench_site / "manifests").rglob("*.yaml")}
    assert {"VirtualMachine", "NetworkAttachmentDefinition", "NodeNetworkConfigurationPolicy", "Service",
            "IPAddressPool", "SriovNetworkNodePolicy", "SriovNetwork", "HyperConverged"} <= kinds


@pytest.mark.parametrize("vms", [100, 1000, 10_000, 50_000])
def test_site_proportions(vms: int) -> None:
    shape = Shape(vms)
    site = yaml.safe_load(site_text(vms))["spec"]
    assert len(site["nodes"]) == shape.nodes == max(3, vms // 30)
    assert 2 <= len(site["nodeGroups"]) <= 4
    bridged = {name: net for name, net in site["networks"].items() if net["type"] == "linux-bridge"}
    assert len(bridged) == shape.networks + 1  # + the live-migration network
    vlans = [net["vlan"] for net in bridged.values()]
    assert len(set(vlans)) == len(vlans) and all(100 <= v <= 999 for v in vlans)  # distinct, inside the trunk
    assert {net["type"] for net in site["networks"].values()} >= {"sriov", "ovn-layer2", "ovn-localnet"}
    expanded = sum(10 if "{" in vm["name"] else 1 for vm in site["vms"])
    assert expanded == vms
    on_network: dict[str, int] = {}
    for vm in site["vms"]:
        for iface in vm["interfaces"]:
            on_network[iface["network"]] = on_network.get(iface["network"], 0) + (10 if "{" in vm["name"] else 1)
    for name, net in bridged.items():
        if net.get("ipam") == "static":
            hosts = ipaddress.ip_network(net["subnet"]).num_addresses - 3  # network, broadcast, gateway
            assert on_network.get(name, 0) <= hosts, name
    exposed = sum(1 for vm in site["vms"] if vm.get("expose"))
    assert exposed >= vms // 20
    assert site["loadBalancer"]["pools"]


def test_run_prints_every_figure_at_the_smallest_size(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "run.py"), "--sizes", "100", "--repeat", "1",
                           "--work", str(tmp_path)], capture_output=True, text=True, timeout=600, cwd=ROOT)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    rows = [line for line in done.stdout.splitlines() if line.startswith("| 100 |")]
    what = {row.split("|")[2].strip() for row in rows}
    assert {"check site", "check manifests", "compile", "generate"} <= what
    for row in rows:
        cells = [c.strip() for c in row.strip("|").split("|")]
        assert float(cells[4]) > 0 and float(cells[5]) >= 0 and float(cells[6]) > 0  # wall, CPU, peak MiB
        assert cells[-1] == "0"  # every command succeeded
        if cells[1].startswith("check"):
            assert float(cells[8]) > 0  # the ratio to the C-loader parse
    assert "start-up: kvnet check samples/minimal/site.yaml" in done.stdout
    assert "python + import yaml" in done.stdout
    assert "the C-loader parse" in done.stdout


def test_instructions_counts_what_a_process_executes() -> None:
    require_tool("valgrind", "apt-get install valgrind")
    idle = instructions([sys.executable, "-c", "pass"])
    busy = instructions([sys.executable, "-c", "sum(range(3_000_000))"])
    assert idle is not None and busy is not None
    assert busy > idle + 3_000_000 * 10  # a Python-level loop step is tens of instructions
    assert instructions([sys.executable, "-c", "raise SystemExit(3)"]) is None  # a failed run gives no figure


def test_the_table_shows_instruction_counts_only_when_they_were_taken() -> None:
    run = Run(1.0, 1.5, 100.0, 0)
    plain = Row(1000, "check manifests", run, Run(0.5, 1.0, 20.0, 0), 1.0, 10)
    assert "instructions" not in table([plain])
    counted = Row(1000, "check manifests", run, Run(0.5, 1.0, 20.0, 0), 1.0, 10, counted=(3_690_000_000, 3_000_000_000))
    compiled = Row(1000, "compile", run)  # not a check: no baseline, nothing counted
    header, _, line, other = table([counted, compiled]).splitlines()
    assert header.endswith("| instructions | × C-loader's |")
    assert line.endswith("| 3.69G | 1.23 |")
    assert "| 1.50 |" in line  # the CPU-time ratio is still there
    assert other.endswith("| 0 |  |  |")


def test_kvnet_is_measured_with_its_bytecode_written() -> None:
    """Every module gets a .pyc that matches its source (mtime and size in the header), as after pip install."""
    import importlib.util
    import os

    import kvnet.frozen

    stale = Path(kvnet.frozen.__file__)
    os.utime(stale)  # newer than its .pyc now (its text is unchanged)
    package = compile_kvnet()
    sources = sorted(package.rglob("*.py"))
    assert stale in sources
    assert sources
    for source in sources:
        header = Path(importlib.util.cache_from_source(str(source))).read_bytes()[:16]
        stat = source.stat()
        assert int.from_bytes(header[8:12], "little") == int(stat.st_mtime) & 0xFFFFFFFF, source
        assert int.from_bytes(header[12:16], "little") == stat.st_size & 0xFFFFFFFF, source
