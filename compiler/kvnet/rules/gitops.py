"""GitOps delivery with Argo CD: sync options, waves, webhooks, drift and Application sources (GIT-01 … GIT-06).

These rules read the metadata of the manifests in the checked files (`site.objects`: kind, namespace,
annotations) and so only judge manifests, and only when Argo CD is in sight (an Application or an
`argocd.argoproj.io/` annotation in the files) or the policy says so (`argocd_managed`). A site file
has no waves or annotations: kvnet's emitter writes them, and linting the compiled output checks it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator

from kvnet.findings import Problem, Related
from kvnet.model import AppSource, Cluster, ObjectRef, Site
from kvnet.rules.argo_ignore import entries_for, mac_ignored
from kvnet.rules.facts import SYNC_OPTIONS, SYNC_WAVE, api_group, on_pod_network, sync_options, vm_label, wave
from kvnet.rules.registry import RuleContext, rule
from kvnet.span import Span

SKIP_DRY_RUN = "SkipDryRunOnMissingResource=true"
KMP_OPT_OUT = "mutatevirtualmachines.kubemacpool.io"
VM_KINDS = ("VirtualMachine", "VirtualMachineInstance")
NAD_KIND = "NetworkAttachmentDefinition"
NNCP_KIND = "NodeNetworkConfigurationPolicy"


def _operator_namespaces(site: Site) -> dict[str, str]:
    """API group of operator-installed CRDs → the namespace its operator (Subscription) lives in."""
    cluster = site.cluster or Cluster(span=site.span)
    return {
        "nmstate.io": cluster.nmstate_namespace,
        "sriovnetwork.openshift.io": cluster.sriov_namespace,
        "metallb.io": cluster.metallb_namespace,
        "hco.kubevirt.io": cluster.cnv_namespace,
        "kubevirt.io": cluster.cnv_namespace,
        "cdi.kubevirt.io": cluster.cnv_namespace,
    }


def _place(obj: ObjectRef, annotation: str) -> Span:
    """The annotation's value when written, else the annotations (or the object) where it belongs."""
    return obj.spans.get(f"annotations.{annotation}", obj.at("annotations"))


def _argocd_in_sight(site: Site) -> bool:
    return any(o.kind in ("Application", "ApplicationSet") or any(k.startswith("argocd.argoproj.io/")
               for k in o.annotations) for o in site.objects)


def _judged(ctx: RuleContext) -> bool:
    """GitOps rules judge manifests synced by Argo CD: seen in the files, or said by the policy."""
    return bool(ctx.options.get("argocd_managed", False)) or _argocd_in_sight(ctx.site)


def _installed_in_sync(site: Site) -> dict[str, ObjectRef]:
    """API group → the Subscription or CRD in the checked files that installs it."""
    groups = _operator_namespaces(site)
    installers: dict[str, ObjectRef] = {}
    subscriptions = {o.namespace: o for o in site.objects if o.kind == "Subscription"}
    for group, namespace in groups.items():
        if namespace in subscriptions:
            installers[group] = subscriptions[namespace]
    for obj in site.objects:
        if obj.kind == "CustomResourceDefinition" and "." in obj.name:
            installers.setdefault(obj.name.split(".", 1)[1], obj)
    return installers


@rule("GIT-01", "cr-synced-with-operator", "Custom resource synced together with the operator that installs its CRD",
      options={"application_skip_dry_run": False, "argocd_managed": False})
def cr_synced_with_operator(ctx: RuleContext) -> Iterator[Problem]:
    """## What it does
    When the checked manifests install an operator (its Subscription, or the CRD itself), every custom
    resource of that operator's API group (NNCP, SriovNetworkNodePolicy, IPAddressPool, HyperConverged,
    VirtualMachine, ...) needs the annotation `argocd.argoproj.io/sync-options:
    SkipDryRunOnMissingResource=true` and a sync wave after the Subscription's.

    ## Why is this bad?
    Argo CD dry-runs the whole sync before the first wave; while OLM has not installed the CRD, "no
    matches for kind" fails the entire sync, waves or not.

    ## Example
    ```yaml
    kind: NodeNetworkConfigurationPolicy
    metadata: {name: br-vm}
    ```

    ## Use instead
    ```yaml
    kind: NodeNetworkConfigurationPolicy
    metadata:
      name: br-vm
      annotations:
        argocd.argoproj.io/sync-options: SkipDryRunOnMissingResource=true
        argocd.argoproj.io/sync-wave: "-6"
    ```

    ## How to fix
    Annotate the custom resources, put them in a wave after the operator, and let the Application retry.

    ## Options
    - `application_skip_dry_run`: the Application already sets SkipDryRunOnMissingResource=true for the
      whole sync (default false).
    - `argocd_managed`: judge even when the checked files show no sign of Argo CD (no Application, no
      `argocd.argoproj.io/` annotation); default false.
    """
    installers = _installed_in_sync(ctx.site)
    if not installers or not _judged(ctx):
        return
    app_level = bool(ctx.options.get("application_skip_dry_run", False))
    for obj in ctx.site.objects:
        group = api_group(obj)
        installer = installers.get(group)
        if installer is None or obj.kind in ("CustomResourceDefinition", "Subscription"):
            continue
        related = (Related(installer.span, f"{installer.kind} {installer.name!r} installs {group} in this sync"),)
        if not app_level and SKIP_DRY_RUN not in sync_options(obj):
            yield Problem(f"{obj.kind} {obj.name!r} is synced with the operator that installs its CRD, without "
                          f"{SKIP_DRY_RUN}: the dry run fails the whole sync", _place(obj, SYNC_OPTIONS),
                          f"annotate it with argocd.argoproj.io/sync-options: {SKIP_DRY_RUN}", related)
        if installer.kind == "Subscription" and wave(obj) <= wave(installer):
            yield Problem(f"{obj.kind} {obj.name!r} is in sync wave {wave(obj)}, not after the Subscription "
                          f"{installer.name!r} (wave {wave(installer)}) that installs its CRD", _place(obj, SYNC_WAVE),
                          f"give it a sync wave greater than {wave(installer)}", related)


@rule("GIT-02", "waves-assume-nncp-ready",
      "VMs or NADs not ordered after NNCPs, or ordered without an NNCP health check",
      severity="warning", options={"nncp_health_check": False, "argocd_managed": False})
def waves_assume_nncp_ready(ctx: RuleContext) -> Iterator[Problem]:
    """## What it does
    When the checked manifests hold node policies (NNCPs) and the VMs or NADs that use them: each NNCP
    must be in an earlier sync wave than every VM and NAD, and, since an NNCP counts as ready at once
    unless Argo CD has a health check for it (built in from Argo CD 3.4), the ordering is reported unless
    the `nncp_health_check` option says the check exists.

    ## Why is this bad?
    VMs start before nmstate has created their bridge; the bridge CNI then creates an isolated bridge
    without uplink (NAD-04) and nothing fails visibly.

    ## Example
    ```yaml
    kind: NodeNetworkConfigurationPolicy
    metadata: {name: br-vm}                 # wave 0, like the VMs
    ```

    ## Use instead
    ```yaml
    kind: NodeNetworkConfigurationPolicy
    metadata: {name: br-vm, annotations: {argocd.argoproj.io/sync-wave: "-6"}}
    # and resource.customizations.health.nmstate.io_NodeNetworkConfigurationPolicy in argocd-cm
    ```

    ## How to fix
    Put NNCPs in an earlier wave than NADs and VMs, and add an NNCP health check to Argo CD.

    ## Options
    - `nncp_health_check`: Argo CD has an NNCP health check (Argo CD ≥ 3.4 or a custom one; default false).
    - `argocd_managed`: judge even when the checked files show no sign of Argo CD (no Application, no
      `argocd.argoproj.io/` annotation); default false.
    """
    nncps = [o for o in ctx.site.objects if o.kind == NNCP_KIND]
    on_nodes = {(ns, n.name) for n in ctx.site.networks if n.type in ("linux-bridge", "ovn-localnet")
                for ns in n.namespaces}
    consumers = [o for o in ctx.site.objects if o.kind in VM_KINDS
                 or (o.kind == NAD_KIND and (o.namespace or "default", o.name) in on_nodes)]
    if not nncps or not consumers or not _judged(ctx):
        return
    earliest = min(consumers, key=wave)
    health = bool(ctx.options.get("nncp_health_check", False))
    for nncp in nncps:
        related = (Related(earliest.span, f"{earliest.kind} {earliest.name!r} is in wave {wave(earliest)}"),)
        if wave(nncp) >= wave(earliest):
            yield Problem(f"NNCP {nncp.name!r} is in sync wave {wave(nncp)}, not before {earliest.kind} "
                          f"{earliest.name!r} (wave {wave(earliest)}): VMs may start before their bridge exists",
                          _place(nncp, SYNC_WAVE), f"give the NNCP a sync wave lower than {wave(earliest)}", related)
        elif not health:
            yield Problem(f"NNCP {nncp.name!r} is ordered before NADs and VMs, but Argo CD treats it as ready at "
                          f"once unless it has an NNCP health check", _place(nncp, SYNC_WAVE),
                          "add an NNCP health check to Argo CD (built in from 3.4), then set nncp_health_check",
                          related)


WEBHOOK_KINDS = {
    "SriovNetworkNodePolicy": ("sriovnetwork.openshift.io", ("SriovOperatorConfig",)),
    "IPAddressPool": ("metallb.io", ("MetalLB",)),
    "L2Advertisement": ("metallb.io", ("MetalLB",)),
    "BGPAdvertisement": ("metallb.io", ("MetalLB",)),
    "BGPPeer": ("metallb.io", ("MetalLB",)),
    "VirtualMachine": ("kubevirt.io", ("HyperConverged",)),
}


@rule("GIT-03", "webhook-before-operator-ready", "Webhook-validated resource synced in the same wave as its operator",
      severity="warning", options={"argocd_managed": False})
def webhook_before_operator_ready(ctx: RuleContext) -> Iterator[Problem]:
    """## What it does
    For resources validated by an operator's webhook — SriovNetworkNodePolicy (SR-IOV operator), MetalLB
    pools, advertisements and peers, VMs (KubeMacPool, deployed through the HyperConverged) — checks that
    they sync in a later wave than the operator's Subscription and singleton CR when those are in the
    checked files.

    ## Why is this bad?
    Until the webhook serves, the API server refuses the objects ("failed calling webhook
    ipaddresspoolvalidationwebhook.metallb.io"); the SR-IOV webhook also denies policies until node states
    list a supported NIC. The sync fails or needs many retries.

    ## Example
    ```yaml
    kind: IPAddressPool
    metadata: {name: public, namespace: metallb-system}    # wave 0, like the MetalLB CR
    ```

    ## Use instead
    ```yaml
    kind: IPAddressPool
    metadata: {name: public, namespace: metallb-system, annotations: {argocd.argoproj.io/sync-wave: "-5"}}
    # with the MetalLB CR in wave -8
    ```

    ## How to fix
    Order operators (-9), their singleton CRs (-8) and the validated resources (later), and let the
    Application retry.

    ## Options
    - `argocd_managed`: judge even when the checked files show no sign of Argo CD (no Application, no
      `argocd.argoproj.io/` annotation); default false.
    """
    if not _judged(ctx):
        return
    namespaces = _operator_namespaces(ctx.site)
    markers: dict[str, list[ObjectRef]] = defaultdict(list)
    for obj in ctx.site.objects:
        for kind, (group, singletons) in WEBHOOK_KINDS.items():
            if obj.kind in singletons or (obj.kind == "Subscription" and obj.namespace == namespaces.get(group)):
                markers[kind].append(obj)
    for obj in ctx.site.objects:
        if obj.kind not in WEBHOOK_KINDS or not markers.get(obj.kind):
            continue
        latest = max(markers[obj.kind], key=wave)
        if wave(obj) <= wave(latest):
            yield Problem(f"{obj.kind} {obj.name!r} is in sync wave {wave(obj)}, not after {latest.kind} "
                          f"{latest.name!r} (wave {wave(latest)}), whose webhook validates it", _place(obj, SYNC_WAVE),
                          f"give it a sync wave greater than {wave(latest)}",
                          (Related(latest.span, f"{latest.kind} {latest.name!r} is in wave {wave(latest)}"),))


@rule("GIT-04", "in-cluster-mac-drift", "VM interfaces without a pinned MAC that KubeMacPool will write (drift)",
      severity="warning", options={"ignore_differences_configured": False, "argocd_managed": False})
def in_cluster_mac_drift(ctx: RuleContext) -> Iterator[Problem]:
    """## What it does
    On manifests synced by Argo CD, reports VirtualMachines whose masquerade or secondary-network
    interfaces have no `macAddress`, in namespaces KubeMacPool serves (not labelled
    `mutatevirtualmachines.kubemacpool.io: ignore`), unless an Argo CD Application in the checked files
    ignores that MAC (`spec.ignoreDifferences` for group `kubevirt.io`, kind `VirtualMachine`, with a JSON
    pointer to the interfaces or a jq path such as
    `.spec.template.spec.domain.devices.interfaces[] | select(.name == "default") | .macAddress`).

    ## Why is this bad?
    KubeMacPool writes a MAC into the VM spec at creation: Argo CD reports the VM OutOfSync for ever, and
    selfHeal may strip the MAC so that it changes on the next re-create (breaking DHCP reservations and
    netplan matches).

    ## Example
    ```yaml
    interfaces:
      - {name: prod, bridge: {}}
    ```

    ## Use instead
    ```yaml
    interfaces:
      - {name: prod, bridge: {}, macAddress: "02:a0:00:00:00:10"}
    ```

    ## How to fix
    Pin the MACs in Git (kvnet allocates them for sites), or add an Argo CD ignoreDifferences entry for
    `/spec/template/spec/domain/devices/interfaces` to the Application (kvnet sees it when the Application
    is among the checked files; otherwise set `ignore_differences_configured`).

    ## Options
    - `ignore_differences_configured`: the Application (not among the checked files) ignores KubeMacPool's
      MACs (default false).
    - `argocd_managed`: judge even when the checked files show no sign of Argo CD (no Application, no
      `argocd.argoproj.io/` annotation); default false.
    """
    if ctx.site.origin != "manifest" or bool(ctx.options.get("ignore_differences_configured", False)):
        return
    if not _judged(ctx):
        return
    opted_out = {ns.name for ns in ctx.site.namespaces if ns.labels.get(KMP_OPT_OUT) == "ignore"}
    applications = [o for o in ctx.site.objects if o.kind == "Application" and o.ignore_differences]
    for vm in ctx.site.vms:
        if vm.kind != "VirtualMachine" or vm.namespace in opted_out:
            continue
        ignoring = entries_for(vm, applications)
        # KubeMacPool allocates for masquerade and multus interfaces, not for bridge on the pod network; an
        # Application that ignores the interface's macAddress makes the drift harmless
        unpinned = [i for index, i in enumerate(vm.interfaces) if not i.mac and i.state != "absent"
                    and not (on_pod_network(i) and i.binding != "masquerade")
                    and mac_ignored(ignoring, index, i.name) is None]
        if unpinned:
            names = ", ".join(repr(i.name) for i in unpinned)
            yield Problem(f"{vm_label(vm)} interfaces {names} have no macAddress: KubeMacPool writes one into the "
                          f"VM and Argo CD sees drift", unpinned[0].at("mac"),
                          "pin macAddress in Git, or ignore the field in the Argo CD Application")


def _applications(site: Site) -> Iterator[ObjectRef]:
    return (o for o in site.objects if o.kind == "Application" and api_group(o) == "argoproj.io")


_SOURCE_FIELDS = ("spec.sourceHydrator", "spec.sources", "spec.source")  # the order Argo CD reads them in


def _read_and_ignored(app: ObjectRef) -> tuple[list[AppSource], list[AppSource]]:
    """The sources Argo CD renders (of the first field written: sourceHydrator, sources, source) and the
    others, which it ignores."""
    written = [f for f in _SOURCE_FIELDS if any(s.field == f for s in app.app_sources)]
    if not written:
        return [], []
    read = [s for s in app.app_sources if s.field == written[0]]
    return read, [s for s in app.app_sources if s.field != written[0]]


@rule("GIT-05", "application-source-tools", "Argo CD Application source with more than one tool block")
def application_source_tools(ctx: RuleContext) -> Iterator[Problem]:
    """## What it does
    For Argo CD Applications in the checked files: each source Argo CD renders (`spec.source`,
    `spec.sources[i]`, or `spec.sourceHydrator.drySource`) sets at most one of `kustomize`, `helm`,
    `directory` and `plugin`.

    ## Why is this bad?
    Argo CD picks the tool from the block a source sets, and refuses a source with several
    (`InvalidSpecError: ... multiple application sources defined: Kustomize,Helm`): nothing syncs, the
    kvnet manifests included.

    ## Example
    ```yaml
    source:
      repoURL: https://git.example.com/platform/vm-network.git
      path: clusters/prod
      kustomize: {namePrefix: prod-}
      directory: {recurse: true}
    ```

    ## Use instead
    ```yaml
    source:
      repoURL: https://git.example.com/platform/vm-network.git
      path: clusters/prod
      kustomize: {namePrefix: prod-}
    ```

    ## How to fix
    Keep the block of the tool that renders the path (for kvnet's output: `kustomize`, or none, as
    kvnet writes a kustomization.yaml) and delete the others.
    """
    for app in _applications(ctx.site):
        for source in _read_and_ignored(app)[0]:
            if len(source.tools) > 1:
                first, *others = source.tools
                yield Problem(f"Application {app.name!r}: {source.path} sets {', '.join(source.tools)}; Argo CD allows "
                              "one tool per source and refuses the Application", source.at(others[0]),
                              f"keep one of them (the {first} block, say) and delete the others",
                              tuple(Related(source.at(tool), f"{tool} block") for tool in (first, *others[1:])))


@rule("GIT-06", "application-sources-ignored", "Argo CD Application source fields that another field overrides",
      severity="warning")
def application_sources_ignored(ctx: RuleContext) -> Iterator[Problem]:
    """## What it does
    For Argo CD Applications in the checked files: reports `spec.source` written together with
    `spec.sources` or `spec.sourceHydrator`, and `spec.sources` together with `spec.sourceHydrator`.

    ## Why is this bad?
    Argo CD reads one of them — `sourceHydrator` first, then `sources`, then `source` — and ignores the
    others without a word (the API stores them all): a change made to an ignored field (a new path, a
    kustomize option) never reaches the cluster.

    ## Example
    ```yaml
    source: {repoURL: https://git.example.com/platform/vm-network.git, path: clusters/prod}
    sources:
      - {repoURL: https://git.example.com/platform/vm-network.git, path: clusters/prod-v2}
    ```

    ## Use instead
    ```yaml
    sources:
      - {repoURL: https://git.example.com/platform/vm-network.git, path: clusters/prod-v2}
    ```

    ## How to fix
    Keep the field Argo CD reads and delete the other.
    """
    for app in _applications(ctx.site):
        read, ignored = _read_and_ignored(app)
        if not ignored:
            continue
        used = read[0].field
        for field_name in dict.fromkeys(s.field for s in ignored):
            these = [s for s in ignored if s.field == field_name]
            tools = next((s for s in these if len(s.tools) > 1), None)
            more = (f"; read, its {', '.join(tools.tools)} blocks would be refused (one tool per source)"
                    if tools is not None else "")
            yield Problem(f"Application {app.name!r}: {field_name} is ignored, Argo CD reads {used}{more}",
                          these[0].at("key"), f"delete {field_name}, or move what it says into {used}",
                          (Related(read[0].at("key"), f"{used}, which Argo CD reads"),))
