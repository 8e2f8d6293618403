"""Which VM interface MACs an Argo CD Application's ignoreDifferences tells Argo CD not to diff (GIT-04).

Argo CD matches an entry to an object by group and kind (glob patterns, `*` for any) and, when written, by
exact name and namespace; the entry then ignores the fields its JSON pointers (RFC 6901) or jq path
expressions select. kvnet understands the forms that select interface MACs — a pointer to
`/spec/template/spec/domain/devices/interfaces` or any prefix or element of it, and jq paths such as
`.spec.template.spec.domain.devices.interfaces[] | select(.name == "default") | .macAddress`. An
expression it does not understand ignores nothing here, so the warning stays (never a false "ignored").
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from fnmatch import fnmatchcase

from kvnet.model import IgnoredDifference, ObjectRef, Vm

MAC_PATH = ("spec", "template", "spec", "domain", "devices", "interfaces")
_IFACES = r"\.spec\.template\.spec\.domain\.devices\.interfaces"
_MAC = r"(?:\s*\|?\s*\.macAddress)?"
_JQ_ALL_OR_NAMED = re.compile(
    rf'^{_IFACES}\[\](?:\s*\|\s*select\(\s*\.name\s*==\s*"(?P<name>[^"]*)"\s*\))?{_MAC}$')
_JQ_INDEX = re.compile(rf"^{_IFACES}\[(?P<index>[0-9]+)\]{_MAC}$")
_JQ_PLAIN_PATH = re.compile(r"^(?:\.[A-Za-z_][A-Za-z0-9_]*)+$")


def entries_for(vm: Vm, applications: Iterable[ObjectRef]) -> list[IgnoredDifference]:
    """The ignoreDifferences entries of the checked Applications that apply to this VM."""
    return [
        entry
        for app in applications
        for entry in app.ignore_differences
        if fnmatchcase("kubevirt.io", entry.group or "") and fnmatchcase(vm.kind, entry.kind or "")
        and entry.name in ("", vm.name) and entry.namespace in ("", vm.namespace)
    ]


def mac_ignored(entries: Iterable[IgnoredDifference], index: int, name: str) -> IgnoredDifference | None:
    """The first entry that ignores `macAddress` of the interface at `index` named `name`, if any."""
    for entry in entries:
        if any(_pointer_covers(p, index) for p in entry.json_pointers) or any(
                _jq_covers(e, index, name) for e in entry.jq_paths):
            return entry
    return None


def _pointer_covers(pointer: str, index: int) -> bool:
    if pointer == "":
        return True  # the whole document
    if not pointer.startswith("/"):
        return False
    parts = [p.replace("~1", "/").replace("~0", "~") for p in pointer[1:].split("/")]
    target = (*MAC_PATH, str(index), "macAddress")
    return len(parts) <= len(target) and tuple(parts) == target[:len(parts)]


def _jq_covers(expression: str, index: int, name: str) -> bool:
    text = " ".join(expression.split())
    if _JQ_PLAIN_PATH.match(text):  # `.spec.template` ignores the whole subtree
        parts = tuple(text[1:].split("."))
        return parts == MAC_PATH[:len(parts)]
    if (match := _JQ_ALL_OR_NAMED.match(text)) is not None:
        return match["name"] is None or match["name"] == name
    if (match := _JQ_INDEX.match(text)) is not None:
        return int(match["index"]) == index
    return False
