import { describe, expect, it } from "vitest";
import { azureComputeVmEncrypted as rule } from "../../../policies/rules/azure-compute-vm-encrypted";
import { messages, UNKNOWN, variant, type FailingCase, type Inputs } from "../harness";

const VM = "azure-native:compute:VirtualMachine";
const VMSS = "azure-native:compute:VirtualMachineScaleSet";
const DES = { id: "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/diskEncryptionSets/des" };
const machine = {
  securityProfile: { encryptionAtHost: true },
  storageProfile: {
    osDisk: { createOption: "FromImage", managedDisk: { diskEncryptionSet: DES } },
    dataDisks: [
      { lun: 0, createOption: "Empty", managedDisk: { diskEncryptionSet: DES } },
      { lun: 1, createOption: "Attach", managedDisk: { id: "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/disks/state" } },
    ],
  },
};
const passing: Record<string, Inputs> = { [VM]: machine, [VMSS]: { virtualMachineProfile: machine } };
const profile = (type: string, r: Inputs): Inputs => (type === VM ? r : r.virtualMachineProfile);
const prefix = (type: string): string => (type === VM ? "" : "virtualMachineProfile.");

describe(rule.name, () => {
  it.each(Object.keys(passing))("passes a compliant %s", (type) => {
    expect(messages(rule, type, passing[type]!)).toEqual([]);
  });

  it.each(Object.keys(passing))("accepts encryption at host alone on %s when requireCmek is off", (type) => {
    const atHostOnly = variant(passing[type]!, (r) => {
      const p = profile(type, r);
      delete p.storageProfile.osDisk.managedDisk;
      delete p.storageProfile.dataDisks[0].managedDisk;
    });
    expect(messages(rule, type, atHostOnly, { requireCmek: false })).toEqual([]);
  });

  it.each(Object.keys(passing))("accepts disk encryption sets without encryption at host on %s", (type) => {
    expect(
      messages(
        rule,
        type,
        variant(passing[type]!, (r) => delete profile(type, r).securityProfile),
      ),
    ).toEqual([]);
  });

  const failing: FailingCase[] = [];
  for (const type of Object.keys(passing)) {
    const p = prefix(type);
    failing.push(
      {
        name: `${type}: OS disk without a set and no encryption at host`,
        type,
        change: (r) => (delete profile(type, r).securityProfile, delete profile(type, r).storageProfile.osDisk.managedDisk),
        expect: `neither ${p}securityProfile.encryptionAtHost nor a disk encryption set on ${p}storageProfile.osDisk; set managedDisk.diskEncryptionSet.id (and encryptionAtHost: true).`,
      },
      {
        name: `${type}: data disk without the customer key`,
        type,
        change: (r) => delete profile(type, r).storageProfile.dataDisks[0].managedDisk.diskEncryptionSet,
        expect: `${p}storageProfile.dataDisks[0] has no managedDisk.diskEncryptionSet, so it uses the platform key`,
      },
      {
        name: `${type}: OS disk not declared`,
        type,
        change: (r) => delete profile(type, r).storageProfile.osDisk,
        expect: `${p}storageProfile.osDisk (not declared) has no managedDisk.diskEncryptionSet`,
      },
      {
        name: `${type}: encryption at host unknown`,
        type,
        change: (r) => (profile(type, r).securityProfile.encryptionAtHost = UNKNOWN),
        expect: `${p}securityProfile.encryptionAtHost is unknown`,
      },
      {
        name: `${type}: disk encryption set unknown`,
        type,
        change: (r) => (profile(type, r).storageProfile.osDisk.managedDisk.diskEncryptionSet.id = UNKNOWN),
        expect: `${p}storageProfile.osDisk.managedDisk.diskEncryptionSet.id is unknown`,
      },
    );
  }
  it.each(failing)("rejects $name", ({ type, change, expect: fragment }) => {
    expect(messages(rule, type, variant(passing[type]!, change)).join("\n")).toContain(fragment);
  });
});
