import { describe, expect, it } from "vitest";
import { azureComputeNoPublicIp as rule } from "../../../policies/rules/azure-compute-no-public-ip";
import { messages, UNKNOWN, variant, type FailingCase, type Inputs } from "../harness";

const NIC = "azure-native:network:NetworkInterface";
const VM = "azure-native:compute:VirtualMachine";
const VMSS = "azure-native:compute:VirtualMachineScaleSet";
const nicConfigs = [{ name: "primary", ipConfigurations: [{ name: "primary", subnet: { id: "subnet" } }] }];

const passing: Record<string, Inputs> = {
  [NIC]: { resourceGroupName: "rg", ipConfigurations: [{ name: "primary", subnet: { id: "subnet" } }], tags: { "logos-role": "core" } },
  [VM]: { resourceGroupName: "rg", networkProfile: { networkInterfaceConfigurations: structuredClone(nicConfigs) }, tags: {} },
  [VMSS]: {
    resourceGroupName: "rg",
    virtualMachineProfile: { networkProfile: { networkInterfaceConfigurations: structuredClone(nicConfigs) } },
    tags: {},
  },
};
const addPublic: Record<string, (r: Inputs) => void> = {
  [NIC]: (r) => (r.ipConfigurations[0].publicIPAddress = { id: "pip" }),
  [VM]: (r) => (r.networkProfile.networkInterfaceConfigurations[0].ipConfigurations[0].publicIPAddressConfiguration = { name: "pip" }),
  [VMSS]: (r) =>
    (r.virtualMachineProfile.networkProfile.networkInterfaceConfigurations[0].ipConfigurations[0].publicIPAddressConfiguration = {
      name: "pip",
    }),
};

describe(rule.name, () => {
  it.each(Object.keys(passing))("passes a compliant %s", (type) => {
    expect(messages(rule, type, passing[type]!)).toEqual([]);
  });

  it.each(Object.keys(passing))("exempts a %s tagged as the bastion", (type) => {
    const bastion = variant(passing[type]!, (r) => (addPublic[type]!(r), (r.tags = { "logos-role": "bastion" })));
    expect(messages(rule, type, bastion)).toEqual([]);
  });

  it("passes a VM that references its NIC by id (the NIC is checked on its own)", () => {
    expect(messages(rule, VM, { networkProfile: { networkInterfaces: [{ id: "nic", primary: true }] } })).toEqual([]);
  });

  const failing: FailingCase[] = [
    {
      name: "NIC with a public IP",
      type: NIC,
      change: addPublic[NIC]!,
      expect:
        "NetworkInterface 'subject': ipConfigurations[0].publicIPAddress attaches a public IP; remove it (only logos-role=bastion may be public).",
    },
    {
      name: "NIC with an unknown public IP",
      type: NIC,
      change: (r) => (r.ipConfigurations[0].publicIPAddress = UNKNOWN),
      expect: "ipConfigurations[0].publicIPAddress is unknown",
    },
    {
      name: "VM with an inline public IP configuration",
      type: VM,
      change: addPublic[VM]!,
      expect: "networkProfile.networkInterfaceConfigurations[0].ipConfigurations[0].publicIPAddressConfiguration gives it a public IP",
    },
    {
      name: "VM with an unknown bastion tag",
      type: VM,
      change: (r) => (addPublic[VM]!(r), (r.tags = { "logos-role": UNKNOWN })),
      expect: "tags.logos-role is unknown",
    },
    {
      name: "scale set with a public IP configuration",
      type: VMSS,
      change: addPublic[VMSS]!,
      expect:
        "virtualMachineProfile.networkProfile.networkInterfaceConfigurations[0].ipConfigurations[0].publicIPAddressConfiguration gives it a public IP",
    },
    {
      name: "scale set with unknown IP configurations",
      type: VMSS,
      change: (r) => (r.virtualMachineProfile.networkProfile.networkInterfaceConfigurations[0].ipConfigurations = UNKNOWN),
      expect: "networkInterfaceConfigurations[0].ipConfigurations is unknown",
    },
  ];
  it.each(failing)("rejects $name", ({ type, change, expect: fragment }) => {
    expect(messages(rule, type, variant(passing[type]!, change)).join("\n")).toContain(fragment);
  });
});
