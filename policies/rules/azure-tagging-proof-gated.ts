import * as compute from "@pulumi/azure-native/compute";
import * as storage from "@pulumi/azure-native/storage";
import { check, defineRule, type CheckContext } from "../lib/rule";
import { requiredTagProblem } from "../lib/tags";

function assess(ctx: CheckContext, tags: Readonly<Record<string, string>> | undefined): void {
  const problem = requiredTagProblem(tags, ctx.settings, "tags");
  if (problem !== undefined) ctx.report(`${ctx.label}: ${problem}.`);
}

export const azureTaggingProofGated = defineRule({
  name: "azure-tagging-proof-gated",
  cloud: "azure",
  severity: "medium",
  enforcementLevel: "mandatory",
  description: "Every VM, scale set, managed disk and storage account carries the required tag (logos-proof-gated=true).",
  remediation: "Add the required tag to tags.",
  configKeys: ["requiredTag", "requiredTagValue"],
  validateResource: [
    check(compute.VirtualMachine, (vm, ctx) => assess(ctx, vm.tags)),
    check(compute.VirtualMachineScaleSet, (vmss, ctx) => assess(ctx, vmss.tags)),
    check(compute.Disk, (disk, ctx) => assess(ctx, disk.tags)),
    check(storage.StorageAccount, (account, ctx) => assess(ctx, account.tags)),
  ],
});
