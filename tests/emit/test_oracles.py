"""Independent oracles for what kvnet compiles: upstream JSON schemas (jsonschema), kubeconform -strict,
kubectl-validate against the upstream CRDs, and kustomize build.

Schemas and CRDs come from ../shared/upstream-schemas (see its README for the layout and provenance).
"""

from __future__ import annotations

import copy
import json
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from kvnet.emit.bundle import Bundle, write_bundle
from kvnet.model import Site

SCHEMAS = Path(__file__).resolve().parents[2].parent / "shared" / "upstream-schemas"
KUBECONFORM_INSTALL = "go install github.com/yannh/kubeconform/cmd/kubeconform@v0.7.0"
KUSTOMIZE_INSTALL = "go install sigs.k8s.io/kustomize/kustomize/v5@v5.7.1  (v5.8+ needs Go 1.27)"
KUBECTL_VALIDATE_INSTALL = "go install sigs.k8s.io/kubectl-validate@latest"

Sample = tuple[str, Site, Bundle]


def schema_path(schemas: Path, manifest: dict[str, Any]) -> Path:
    """The schema file for a manifest's apiVersion/kind, per the README's two layouts."""
    api_version: str = manifest["apiVersion"]
    kind: str = manifest["kind"]
    if "/" in api_version:
        group, version = api_version.split("/", 1)
        if group == "kustomize.config.k8s.io":
            return schemas / "tooling" / "kustomization.json"
        return schemas / group / f"{kind.lower()}_{version}.json"
    return schemas / "core" / f"{kind.lower()}-{api_version}.json"


def test_every_emitted_object_validates_against_its_upstream_schema(sample: Sample, schemas_dir: Path) -> None:
    _, _, bundle = sample
    checked = 0
    for path, manifest in bundle:
        schema_file = schema_path(schemas_dir, manifest)
        assert schema_file.is_file(), f"{path}: no upstream schema for {manifest['apiVersion']} {manifest['kind']}"
        schema = json.loads(schema_file.read_text())
        validator_class = jsonschema.validators.validator_for(schema, default=jsonschema.Draft7Validator)
        errors = sorted(validator_class(schema).iter_errors(manifest), key=lambda e: list(e.absolute_path))
        assert not errors, f"{path}: " + "; ".join(f"{list(e.absolute_path)}: {e.message}" for e in errors)
        checked += 1
    assert checked == len(bundle)


def test_schema_check_catches_a_broken_object(sample: Sample, schemas_dir: Path) -> None:
    """The schema oracle is not vacuous: an unknown field in a VM interface is reported."""
    _, _, bundle = sample
    vm = next(copy.deepcopy(m) for _, m in bundle if m["kind"] == "VirtualMachine")
    vm["spec"]["template"]["spec"]["domain"]["devices"]["interfaces"][0]["macAdress"] = "02:00:00:00:00:01"
    schema = json.loads(schema_path(schemas_dir, vm).read_text())
    assert list(jsonschema.Draft7Validator(schema).iter_errors(vm))


def _kubeconform(binary: str, files: list[Path]) -> dict[str, Any]:
    result = subprocess.run(
        [binary, "-strict", "-summary", "-output", "json",
         "-schema-location", str(SCHEMAS) + "/{{.Group}}/{{.ResourceKind}}_{{.ResourceAPIVersion}}.json",
         "-schema-location", str(SCHEMAS) + "/core/{{.ResourceKind}}{{.KindSuffix}}.json",
         *map(str, files)],
        capture_output=True, text=True, check=False,
    )
    report: dict[str, Any] = json.loads(result.stdout)
    report["returncode"] = result.returncode
    return report


def test_kubeconform_strict_accepts_every_object(
    sample: Sample, schemas_dir: Path, require_tool: Callable[..., str], tmp_path: Path
) -> None:
    binary = require_tool("kubeconform", KUBECONFORM_INSTALL)
    _, _, bundle = sample
    out = tmp_path / "out"
    write_bundle(bundle, out)
    objects = [out / path for path, m in bundle if m["kind"] != "Kustomization"]
    report = _kubeconform(binary, objects)
    assert report["returncode"] == 0, report["resources"]
    summary = report["summary"]
    assert summary["valid"] == len(objects)
    assert summary["invalid"] == summary["errors"] == summary["skipped"] == 0


def test_kubeconform_rejects_an_unknown_field(
    schemas_dir: Path, require_tool: Callable[..., str], tmp_path: Path
) -> None:
    binary = require_tool("kubeconform", KUBECONFORM_INSTALL)
    bad = tmp_path / "bad.yaml"
    bad.write_text("apiVersion: metallb.io/v1beta1\nkind: IPAddressPool\nmetadata: {name: p, namespace: m}\n"
                   "spec: {addresses: [10.0.0.0/24], autoAssgn: true}\n")
    assert _kubeconform(binary, [bad])["summary"]["invalid"] == 1


def _crds_for_kubectl_validate(tmp_path: Path) -> list[Path]:
    """The upstream CRD folders, with one CEL rule kubectl-validate cannot compile removed from a copy.

    The NNCP CRD checks nodeSelector keys with `format.qualifiedName()`, a CEL library kubectl-validate's
    embedded environment lacks ("undeclared reference to 'format'"). The copy drops only rules that use it;
    the structural schema of the CRD is kept and still enforced.
    """
    folders = []
    for folder in sorted(p for p in (SCHEMAS / "crds").iterdir() if p.is_dir()):
        target = tmp_path / "crds" / folder.name
        target.mkdir(parents=True)
        for crd_file in folder.glob("*.yaml"):
            docs = list(yaml.safe_load_all(crd_file.read_text()))
            _drop_format_rules(docs)
            (target / crd_file.name).write_text(yaml.safe_dump_all(docs))
        folders.append(target)
    return folders


def _drop_format_rules(node: Any) -> None:
    if isinstance(node, dict):
        rules = node.get("x-kubernetes-validations")
        if isinstance(rules, list):
            kept = [r for r in rules if "format." not in str(r.get("rule", ""))]
            if kept:
                node["x-kubernetes-validations"] = kept
            else:
                del node["x-kubernetes-validations"]
        for value in node.values():
            _drop_format_rules(value)
    elif isinstance(node, list):
        for value in node:
            _drop_format_rules(value)


# Kinds with a CRD in upstream-schemas/crds, plus core kinds kubectl-validate knows by itself.
KUBECTL_VALIDATE_KINDS = {
    "NodeNetworkConfigurationPolicy", "SriovNetworkNodePolicy", "SriovNetwork", "IPAddressPool",
    "L2Advertisement", "BGPAdvertisement", "HyperConverged", "Namespace", "Service", "Secret",
}


def test_custom_resources_pass_kubectl_validate(
    sample: Sample, schemas_dir: Path, require_tool: Callable[..., str], tmp_path: Path
) -> None:
    binary = require_tool("kubectl-validate", KUBECTL_VALIDATE_INSTALL)
    _, _, bundle = sample
    out = tmp_path / "out"
    write_bundle(bundle, out)
    files = [str(out / path) for path, m in bundle if m["kind"] in KUBECTL_VALIDATE_KINDS]
    assert files
    crds = ",".join(str(p) for p in _crds_for_kubectl_validate(tmp_path))
    # 1.30: the newest Kubernetes version whose built-in schemas kubectl-validate carries offline.
    result = subprocess.run([binary, *files, "--local-crds", crds, "--version", "1.30", "-o", "json"],
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    outcome = json.loads(result.stdout)
    assert len(outcome) == len(files)
    statuses = [doc.get("status") for docs in outcome.values() for doc in docs]
    assert statuses == ["Success"] * len(files), outcome


def test_kustomization_builds_to_exactly_the_bundle(
    sample: Sample, require_tool: Callable[..., str], tmp_path: Path
) -> None:
    binary = require_tool("kustomize", KUSTOMIZE_INSTALL)
    _, _, bundle = sample
    out = tmp_path / "out"
    write_bundle(bundle, out)
    result = subprocess.run([binary, "build", str(out)], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    built = [d for d in yaml.safe_load_all(result.stdout) if d]

    def key(m: dict[str, Any]) -> tuple[str, str, str]:
        return (m["kind"], m["metadata"].get("namespace", ""), m["metadata"]["name"])

    assert sorted(map(key, built)) == sorted(map(key, bundle.resources()))
    # kustomize reorders keys but must not change a single value
    assert sorted(built, key=key) == sorted(bundle.resources(), key=key)


@pytest.mark.parametrize("kind", ["Application"])
def test_argocd_objects_stay_out_of_the_kustomization(sample: Sample, kind: str) -> None:
    _, _, bundle = sample
    kustomization = dict(bundle)["kustomization.yaml"]
    listed = set(kustomization["resources"])
    assert all(path not in listed for path, m in bundle if m["kind"] == kind)
    assert listed == {path for path, m in bundle if m["kind"] not in (kind, "Kustomization")}


def test_kubectl_validate_rejects_an_unquoted_spoofchk(
    schemas_dir: Path, require_tool: Callable[..., str], tmp_path: Path
) -> None:
    """The kubectl-validate oracle is not vacuous: `spoofChk: on` unquoted is a boolean, outside the enum."""
    binary = require_tool("kubectl-validate", KUBECTL_VALIDATE_INSTALL)
    bad = tmp_path / "bad.yaml"
    bad.write_text("apiVersion: sriovnetwork.openshift.io/v1\nkind: SriovNetwork\n"
                   "metadata: {name: n, namespace: openshift-sriov-network-operator}\n"
                   "spec: {resourceName: r, spoofChk: on}\n")
    crds = ",".join(str(p) for p in _crds_for_kubectl_validate(tmp_path))
    result = subprocess.run([binary, str(bad), "--local-crds", crds, "--version", "1.30"],
                            capture_output=True, text=True, check=False)
    assert result.returncode != 0


def test_application_set_for_several_sites_validates(schemas_dir: Path,
                                                      load_sample: Callable[[str], Site]) -> None:
    from kvnet.emit.argocd import application_set

    sites = [load_sample("full"), load_sample("model-full"), load_sample("minimal")]
    appset = application_set("vm-networking", sites)
    elements = appset["spec"]["generators"][0]["list"]["elements"]
    assert [e["name"] for e in elements] == ["dc1-prod", "dc1-prod"]  # minimal has no gitops: left out
    schema = json.loads(schema_path(schemas_dir, appset).read_text())
    assert not list(jsonschema.Draft7Validator(schema).iter_errors(appset))
