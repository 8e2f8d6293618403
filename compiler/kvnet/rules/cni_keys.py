"""The top-level CNI config keys each plugin reads (VLAN-07), from the plugins' NetConf structs.

Sources: containernetworking/plugins bridge.go and macvlan.go NetConf, ovn-kubernetes NetConf
(api-reference §6.1), the config the SR-IOV operator renders for sriov-cni (api-reference §5.2).
Keys every plugin accepts come from the CNI spec (libcni's NetConf and runtime config).
"""

from __future__ import annotations

# `plugins` makes a conflist: the manifests front end then lists the main plugin's keys beside the top level's.
COMMON = frozenset({"cniVersion", "name", "type", "ipam", "dns", "capabilities", "runtimeConfig", "args",
                    "prevResult", "cniVersions", "disableCheck", "disableGC", "plugins"})

_BRIDGE = frozenset({"bridge", "isGateway", "isDefaultGateway", "forceAddress", "ipMasq", "ipMasqBackend", "mtu",
                     "hairpinMode", "promiscMode", "vlan", "vlanTrunk", "preserveDefaultVlan", "macspoofchk",
                     "enabledad", "disableContainerInterface", "portIsolation", "mac"})
_OVN = frozenset({"role", "topology", "netAttachDefName", "mtu", "subnets", "excludeSubnets", "reservedSubnets",
                  "infrastructureSubnets", "defaultGatewayIPs", "joinSubnet", "transitSubnet", "vlanID",
                  "allowPersistentIPs", "physicalNetworkName"})
_SRIOV = frozenset({"deviceID", "pciBusID", "vlan", "vlanQoS", "vlanProto", "mac", "spoofchk", "trust",
                    "link_state", "min_tx_rate", "max_tx_rate", "logLevel", "logFile"})
_MACVLAN = frozenset({"master", "mode", "mtu", "linkInContainer", "mac"})

KNOWN_KEYS: dict[str, frozenset[str]] = {
    "bridge": COMMON | _BRIDGE,
    "cnv-bridge": COMMON | _BRIDGE,
    "ovn-k8s-cni-overlay": COMMON | _OVN,
    "sriov": COMMON | _SRIOV,
    "macvlan": COMMON | _MACVLAN,
}

# Spellings of the VLAN key seen in the wild (lower-cased) → the key the plugins read.
VLAN_TYPOS: dict[str, str] = {"vlanid": "vlan", "vlan_id": "vlan", "vlan-id": "vlan", "vlantag": "vlan",
                              "vlans": "vlanTrunk", "vlan_trunk": "vlanTrunk", "trunk": "vlanTrunk"}
