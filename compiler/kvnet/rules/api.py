"""The API shape of the manifests (API-01 .. API-04): fields the API does not have, versions it does not
serve, kinds that do not exist, required structure that is missing.

The manifests front end records per object (kvnet.manifests.structure) the fields it found outside the
kind's API and the required fields it did not find; these rules report them, and look up served versions,
kinds and suggestions in the same tables. Objects of the site front end carry none of this.
"""

from __future__ import annotations

from collections.abc import Iterator

from kvnet.findings import Problem
from kvnet.model import ObjectRef
from kvnet.rules.registry import RuleContext, rule

# kvnet.manifests.structure is imported in the rules that use it: importing it loads the whole manifests front
# end, which checking a site file alone does not need (start-up time).

BUILT_IN_GROUPS = ("",)  # core/v1 kinds: unknown fields are refused by strict validation, else dropped


def _label(obj: ObjectRef) -> str:
    name = f"{obj.namespace}/{obj.name}" if obj.namespace else obj.name
    return f"{obj.kind} {name or '(no name)'}"


def _fate(obj: ObjectRef) -> str:
    from kvnet.manifests.structure import split_api_version

    if split_api_version(obj.api_version)[0] in BUILT_IN_GROUPS:
        return ("kubectl's strict field validation refuses the object; applied without it, the API server "
                "drops the field")
    return ("the API server prunes unknown fields of the CRD's structural schema, so the setting is lost "
            "(strict field validation refuses the object instead)")


@rule("API-01", "unknown-field", "Field the kind's API does not have: pruned or refused by the API server")
def unknown_field(ctx: RuleContext) -> Iterator[Problem]:
    """## What it does
    Reports a field that the object's API does not have at that place: a misspelled name
    (`nicSelector.pfName` for `pfNames`), a documented name that is not the JSON field
    (`metaPluginsConfig` for `metaPlugins`), or a field at the wrong level (a VirtualMachine with the VMI
    layout `spec.domain` / `spec.networks` instead of `spec.template.spec`, `template` at the top level,
    `volumes` under `spec.template`). kvnet knows the fields of VirtualMachine, VirtualMachineInstance,
    KubeVirt, NodeNetworkConfigurationPolicy (outside `desiredState`, which nmstate reads),
    NetworkAttachmentDefinition, SriovNetworkNodePolicy, SriovNetwork, the MetalLB pools and
    advertisements, HyperConverged, UserDefinedNetwork, ClusterUserDefinedNetwork and Service, at the
    levels that matter for VM networking. The finding names the closest field (the same name at another
    level first, else a similar name beside it).

    ## Why is this bad?
    Custom resources have structural schemas: the API server prunes fields the schema does not have.
    Applied with field validation `Ignore` or `Warn` (client-side apply without validation, many
    controllers and GitOps tools), the object is stored without the field — at most with a warning — and
    the setting is lost without a word: a SriovNetworkNodePolicy whose `pfName` was pruned selects every
    PF of the vendor, a SriovNetwork loses its meta plugins, a VM's interfaces vanish. With `Strict`
    validation (kubectl's default) the object is refused. Either way the manifest does not do what it says.

    ## Example
    ```yaml
    apiVersion: sriovnetwork.openshift.io/v1
    kind: SriovNetworkNodePolicy
    spec:
      nicSelector:
        vendor: "8086"
        pfName: ["ens1f0"]
    ```

    ## Use instead
    ```yaml
    apiVersion: sriovnetwork.openshift.io/v1
    kind: SriovNetworkNodePolicy
    spec:
      nicSelector:
        vendor: "8086"
        pfNames: ["ens1f0"]
    ```

    ## How to fix
    Rename the field as suggested, or move it to the level the API has it at. For a VirtualMachine, the
    VMI spec (`domain`, `networks`, `volumes`) goes under `spec.template.spec`.

    ## References
    - Kubernetes: "Field pruning" and "Field validation" (structural schemas of custom resources)
    - KubeVirt API `VirtualMachineSpec` / `VirtualMachineInstanceSpec`; sriov-network-operator CRDs
    """
    if not ctx.site.objects:
        return  # a site file alone: nothing to judge, and no need to load the manifests front end
    from kvnet.manifests.structure import suggest_field
    for obj in ctx.site.objects:
        for path, span in obj.unknown_fields:
            meant = suggest_field(obj.api_version, obj.kind, path)
            hint = f"did you mean {meant}?" if meant else "remove the field or move it where the API has it"
            if meant and obj.kind == "VirtualMachine" and meant.startswith("spec.template.spec.") \
                    and not path.startswith("spec.template.spec."):
                hint += " A VirtualMachine holds the VMI layout (domain, networks, volumes) under spec.template.spec"
            yield Problem(f"{_label(obj)} has no field {path}: {_fate(obj)}",
                          span, hint)


@rule("API-02", "unserved-api-version", "apiVersion the kind is not served in")
def unserved_api_version(ctx: RuleContext) -> Iterator[Problem]:
    """## What it does
    Reports an object whose `apiVersion` names a version its group no longer serves (or never served) for
    that kind, for the kinds kvnet models — e.g. `nmstate.io/v1alpha1` NodeNetworkConfigurationPolicy
    (kubernetes-nmstate serves `v1` and the deprecated `v1beta1`), `kubevirt.io/v1alpha2` VirtualMachine
    (KubeVirt serves `v1` and the deprecated `v1alpha3`), `hco.kubevirt.io/v1alpha1` HyperConverged.

    ## Why is this bad?
    The API server has no such resource: `kubectl apply` fails with "no matches for kind ... in version
    ...", and a GitOps sync of the folder stops at this object. Old examples in documentation are the
    usual source.

    ## Example
    ```yaml
    apiVersion: nmstate.io/v1alpha1
    kind: NodeNetworkConfigurationPolicy
    ```

    ## Use instead
    ```yaml
    apiVersion: nmstate.io/v1
    kind: NodeNetworkConfigurationPolicy
    ```

    ## How to fix
    Use the served version the finding names (the first is the current one) and check the object against
    that version's fields.

    ## References
    - kubernetes-nmstate CRDs (`deploy/crds`), KubeVirt `api/core/v1/register.go`, HCO `deploy/crds`
    """
    if not ctx.site.objects:
        return  # a site file alone: nothing to judge, and no need to load the manifests front end
    from kvnet.manifests.structure import served_versions, split_api_version
    for obj in ctx.site.objects:
        served = served_versions(obj.api_version, obj.kind)
        version = split_api_version(obj.api_version)[1]
        if served is None or version in served:
            continue
        group = split_api_version(obj.api_version)[0]
        current = f"{group}/{served[0]}" if group else served[0]
        yield Problem(f"{_label(obj)}: {obj.api_version} is not served; {obj.kind} is served as "
                      f"{', '.join(served)}", obj.at("api_version"), f"use apiVersion: {current}")


@rule("API-03", "unknown-kind", "Kind that does not exist in its API group")
def unknown_kind_rule(ctx: RuleContext) -> Iterator[Problem]:
    """## What it does
    Reports a `kind` that does not exist in an API group kvnet knows (KubeVirt, HCO, nmstate, SR-IOV
    operator; for Multus, MetalLB and OVN-Kubernetes only a known kind spelled with other letter case),
    with the kind probably meant — e.g. `kind: Kubevirt` in `kubevirt.io`, which is `KubeVirt`.

    ## Why is this bad?
    Kinds are case-sensitive. The API server finds no resource for the kind: `kubectl apply` fails with
    "no matches for kind", a GitOps sync stops at the object, and the configuration it carries (here the
    live-migration network of the KubeVirt CR) is never applied.

    ## Example
    ```yaml
    apiVersion: kubevirt.io/v1
    kind: Kubevirt
    ```

    ## Use instead
    ```yaml
    apiVersion: kubevirt.io/v1
    kind: KubeVirt
    ```

    ## How to fix
    Spell the kind as its API registers it.

    ## References
    - KubeVirt `api/core/v1/register.go`; sriov-network-operator, kubernetes-nmstate, MetalLB CRDs
    """
    if not ctx.site.objects:
        return  # a site file alone: nothing to judge, and no need to load the manifests front end
    from kvnet.manifests.structure import split_api_version, unknown_kind
    for obj in ctx.site.objects:
        unknown, meant = unknown_kind(obj.api_version, obj.kind)
        if unknown:
            group = split_api_version(obj.api_version)[0]
            hint = f"did you mean kind: {meant}?" if meant else f"use a kind of {group}"
            yield Problem(f"{_label(obj)}: {group} has no kind {obj.kind!r}", obj.at("kind"), hint)


@rule("API-04", "missing-required-field", "Required structure missing: the API server refuses the object")
def missing_required_field(ctx: RuleContext) -> Iterator[Problem]:
    """## What it does
    Reports a field the kind's schema requires that the object does not write, at the levels kvnet knows
    (see API-01): a VirtualMachine without `spec` or `spec.template`, a VMI spec without `domain`, an
    interface or network without `name`, a multus network without `networkName`, a SriovNetworkNodePolicy
    without `nicSelector`, `nodeSelector`, `numVfs` or `resourceName`, a SriovNetwork without
    `resourceName`, an IPAddressPool without `addresses`, a Service port without `port`, ...

    ## Why is this bad?
    The API server validates required fields against the schema and refuses the object ("Required
    value"): `kubectl apply` fails and a GitOps sync stops. It often means the structure is at the wrong
    level — a VirtualMachine written with the VMI layout, or with `template` at the top level — which
    API-01 reports beside it.

    ## Example
    ```yaml
    apiVersion: kubevirt.io/v1
    kind: VirtualMachine
    metadata: {name: vm1}
    template:
      spec:
        domain: {devices: {}}
    ```

    ## Use instead
    ```yaml
    apiVersion: kubevirt.io/v1
    kind: VirtualMachine
    metadata: {name: vm1}
    spec:
      template:
        spec:
          domain: {devices: {}}
    ```

    ## How to fix
    Write the required field; when API-01 reports the same structure elsewhere in the object, move it.

    ## References
    - KubeVirt, sriov-network-operator, MetalLB and core/v1 schemas (`required` lists)
    """
    for obj in ctx.site.objects:
        for path, span in obj.missing_fields:
            parent, _, name = path.rpartition(".")
            where = f"under {parent}" if parent else "at the top level"
            hint = "write the VMI under spec.template (metadata, spec: domain, networks, volumes)" \
                if obj.kind == "VirtualMachine" and path in ("spec", "spec.template") else f"add {path}"
            yield Problem(f"{_label(obj)}: required field {name!r} is missing {where} ({path}); the API "
                          f"server refuses the object", span, hint)
