"""`kvnet lock` (pin MACs and IPs in kvnet.lock.yaml) and `kvnet fix` (safe fixes to a site file).

Also the lock's way into the compiler: `lock_allocations` is what `kvnet compile` and `kvnet generate` pass
to `compile_site(..., allocations=...)`; neither ever allocates on its own.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from kvnet.cli_common import EXIT_CLEAN, EXIT_FINDINGS, guarded

if TYPE_CHECKING:
    from kvnet.model import Site


def read_site_file(path: Path) -> Site:
    """The one Site document of a file, as a model (KvnetInputError when there is not exactly one)."""
    from kvnet.check import display_name
    from kvnet.errors import KvnetInputError
    from kvnet.load import load_file
    from kvnet.site import is_site_document, read_site

    if not path.is_file():
        raise KvnetInputError.single(f"no such site file: {path}", None)
    source = load_file(path, display=display_name(path, Path.cwd()))
    docs = [doc for doc in source.documents if is_site_document(doc.data)]
    if len(docs) != 1:
        raise KvnetInputError.single(f"{path} must hold exactly one kvnet Site document (apiVersion: "
                                     f"kvnet.dev/v1alpha1, kind: Site); found {len(docs)}", None)
    return read_site(docs[0])


def lock_allocations(site: Site, site_path: Path, required: bool = False) -> dict[tuple[str, str, str], Any]:
    """The allocations of the lock beside `site_path` for compile_site (empty without a lock).

    With `required` (kvnet generate), a lock that lacks an entry the site needs — or no lock at all when the
    site needs one — is a KvnetInputError saying to run `kvnet lock` and commit the lock file.
    """
    from kvnet.allocate import needs
    from kvnet.check import display_name
    from kvnet.errors import InputProblem, KvnetInputError
    from kvnet.lockfile import LOCK_NAME, allocations, key_text, lock_path_for, read_lock
    from kvnet.rules.lock import lock_problems

    path = lock_path_for(site_path)
    lock = read_lock(path, display_name(path, Path.cwd())) if path.is_file() else None
    if required:
        if lock is None:
            missing = [InputProblem(f"{key_text(n.key)} has no entry in {LOCK_NAME}", n.span)
                       for n in needs(site) if not n.optional and n.unwritten()]
        else:
            missing = [InputProblem(p.message, p.span) for p in lock_problems(site, lock)["LOCK-01"]]
        if missing:
            shown = display_name(site_path, Path.cwd())
            raise KvnetInputError([*missing[:20], InputProblem(
                f"{len(missing)} VM interface(s) of {shown} have no pinned MAC or IP: kvnet generate never "
                "allocates (Argo CD cannot write to Git)", None,
                f"run `kvnet lock {shown}` and commit {LOCK_NAME}")])
    return allocations(lock) if lock is not None else {}


@click.command("lock")
@click.argument("site", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--reuse-released", is_flag=True,
              help="Hand out again the addresses of removed VMs (and forget the released list).")
@click.option("--pod-network/--no-pod-network", default=None,
              help="Pin MACs on pod-network interfaces too (default: as the lock says; off for a new lock).")
@click.option("--check", "check_only", is_flag=True,
              help="Write nothing; exit 1 when kvnet.lock.yaml is missing or not up to date.")
@guarded
def lock_command(site: Path, reuse_released: bool, pod_network: bool | None, check_only: bool) -> int:
    """Pin a MAC (and, on static-IPAM networks, an IP) for every VM interface in kvnet.lock.yaml beside SITE.

    Existing entries never move; values written in the site win; addresses of removed VMs are released and
    not handed out again unless --reuse-released.
    """
    from kvnet.allocate import allocate
    from kvnet.check import display_name
    from kvnet.errors import KvnetInputError
    from kvnet.lockfile import lock_path_for, read_lock, render_lock, write_lock

    model = read_site_file(site)
    path = lock_path_for(site)
    shown = display_name(path, Path.cwd())
    previous = read_lock(path, shown) if path.is_file() else None
    if previous is not None and previous.site and model.name and previous.site != model.name:
        raise KvnetInputError.single(f"{shown} is the lock of site {previous.site}, not of {model.name}", None,
                                     "keep each site file in its own folder (one kvnet.lock.yaml per folder)")
    lock = allocate(model, previous, reuse_released=reuse_released, pod_network=pod_network)
    if check_only:
        current = path.read_text(encoding="utf-8") if previous is not None else None
        if current != render_lock(lock):
            click.echo(f"kvnet: {shown} is not up to date: run `kvnet lock {display_name(site, Path.cwd())}`",
                       err=True)
            return EXIT_FINDINGS
        click.echo(f"kvnet: {shown} is up to date", err=True)
        return EXIT_CLEAN
    written = write_lock(lock, path)
    old = previous.entries if previous is not None else {}
    added = sum(1 for key in lock.entries if key not in old)
    changed = sum(1 for key, entry in lock.entries.items() if key in old and old[key] != entry)
    state = "wrote" if written else "unchanged:"
    click.echo(f"kvnet: {state} {shown}: {len(lock.entries)} interface(s), {added} new, {changed} changed, "
               f"{len(lock.released)} released", err=True)
    return EXIT_CLEAN


@click.command("fix")
@click.argument("site", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--diff", "show_diff", is_flag=True, help="Print a unified diff of the fixes and write nothing.")
@guarded
def fix_command(site: Path, show_diff: bool) -> int:
    """Apply safe fixes to SITE, keeping comments and formatting: quote MAC and PCI addresses and other values
    YAML 1.1 misreads, normalise VLAN lists, fill fields a rule asks for when the value is certain."""
    import os
    import tempfile

    from kvnet.check import display_name
    from kvnet.errors import KvnetInputError
    from kvnet.fix import fix_text
    from kvnet.load import load_file

    if not site.is_file():
        raise KvnetInputError.single(f"no such site file: {site}", None)
    shown = display_name(site, Path.cwd())
    text = load_file(site, display=shown).text
    result = fix_text(text, shown)
    if show_diff:
        click.echo(result.diff(), nl=False)
    elif result.changed:
        fd, tmp = tempfile.mkstemp(prefix=".kvnet.fix.", dir=site.parent)
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(result.after)
        os.chmod(tmp, site.stat().st_mode & 0o7777)  # mkstemp makes it private; keep the file's own mode
        os.replace(tmp, site)
    for edit in result.edits:
        click.echo(f"{edit.span}: {edit.why}", err=True)
    verb = "would fix" if show_diff else "fixed"
    click.echo(f"kvnet: {verb} {len(result.edits)} place(s) in {shown}" if result.edits
               else f"kvnet: nothing to fix in {shown}", err=True)
    return EXIT_CLEAN
