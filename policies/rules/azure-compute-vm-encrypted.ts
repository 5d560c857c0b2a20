import * as compute from "@pulumi/azure-native/compute";
import { check, defineRule, type CheckContext } from "../lib/rule";

interface DiskShape {
  readonly createOption: string;
  readonly managedDisk?: { readonly id?: string; readonly diskEncryptionSet?: { readonly id?: string } };
}

interface MachineShape {
  readonly securityProfile?: { readonly encryptionAtHost?: boolean };
  readonly storageProfile?: { readonly osDisk?: DiskShape; readonly dataDisks?: readonly DiskShape[] };
}

/** An attached existing disk is checked as its own compute.Disk resource. */
function isAttachedDisk(disk: DiskShape): boolean {
  return disk.createOption === "Attach" && !!disk.managedDisk?.id;
}

function assess(ctx: CheckContext, prefix: string, machine: MachineShape | undefined): void {
  const atHost = machine?.securityProfile?.encryptionAtHost === true;
  const storage = machine?.storageProfile;
  const withoutSet: string[] = [];
  if (storage?.osDisk === undefined || storage.osDisk === null) {
    withoutSet.push(`${prefix}storageProfile.osDisk (not declared)`);
  } else if (!isAttachedDisk(storage.osDisk) && !storage.osDisk.managedDisk?.diskEncryptionSet?.id) {
    withoutSet.push(`${prefix}storageProfile.osDisk`);
  }
  for (const [i, disk] of (storage?.dataDisks ?? []).entries()) {
    if (!isAttachedDisk(disk) && !disk.managedDisk?.diskEncryptionSet?.id) withoutSet.push(`${prefix}storageProfile.dataDisks[${i}]`);
  }
  for (const where of withoutSet) {
    if (!atHost) {
      ctx.report(
        `${ctx.label}: neither ${prefix}securityProfile.encryptionAtHost nor a disk encryption set on ${where}; ` +
          `set managedDisk.diskEncryptionSet.id (and encryptionAtHost: true).`,
      );
    } else if (ctx.settings.requireCmek) {
      ctx.report(
        `${ctx.label}: ${where} has no managedDisk.diskEncryptionSet, so it uses the platform key; set the pool's disk encryption set.`,
      );
    }
  }
}

export const azureComputeVmEncrypted = defineRule({
  name: "azure-compute-vm-encrypted",
  cloud: "azure",
  severity: "high",
  enforcementLevel: "mandatory",
  description:
    "VMs and scale sets encrypt their OS and data disks: encryption at host or a disk encryption set on every disk, " +
    "and (when requireCmek is on) a disk encryption set on every disk.",
  remediation: "Set securityProfile.encryptionAtHost: true and managedDisk.diskEncryptionSet.id on the OS disk and every data disk.",
  configKeys: ["requireCmek"],
  validateResource: [
    check(compute.VirtualMachine, (vm, ctx) => assess(ctx, "", vm)),
    check(compute.VirtualMachineScaleSet, (vmss, ctx) => assess(ctx, "virtualMachineProfile.", vmss.virtualMachineProfile)),
  ],
});
