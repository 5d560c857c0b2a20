import * as compute from "@pulumi/azure-native/compute";
import * as network from "@pulumi/azure-native/network";
import { check, defineRule, type CheckContext } from "../lib/rule";
import { bastionMarker, isBastion } from "../lib/tags";

interface NicConfigShape {
  readonly ipConfigurations: readonly { readonly publicIPAddressConfiguration?: unknown }[];
}

function assessNicConfigs(ctx: CheckContext, where: string, configs: readonly NicConfigShape[] | undefined): void {
  for (const [i, nic] of (configs ?? []).entries()) {
    for (const [j, ip] of nic.ipConfigurations.entries()) {
      if (ip.publicIPAddressConfiguration !== undefined && ip.publicIPAddressConfiguration !== null) {
        ctx.report(
          `${ctx.label}: ${where}[${i}].ipConfigurations[${j}].publicIPAddressConfiguration gives it a public IP; ` +
            `remove it (only ${bastionMarker(ctx.settings)} may be public).`,
        );
      }
    }
  }
}

export const azureComputeNoPublicIp = defineRule({
  name: "azure-compute-no-public-ip",
  cloud: "azure",
  severity: "critical",
  enforcementLevel: "mandatory",
  description: "No network interface, VM or scale set has a public IP configuration; only the resource tagged as the bastion is exempt.",
  remediation: "Remove publicIPAddress / publicIPAddressConfiguration; reach nodes through the bastion (NAT gateway for egress).",
  configKeys: ["bastionTag"],
  validateResource: [
    check(network.NetworkInterface, (nic, ctx) => {
      if (isBastion(nic.tags, ctx.settings)) return;
      for (const [i, ip] of (nic.ipConfigurations ?? []).entries()) {
        if (ip.publicIPAddress !== undefined && ip.publicIPAddress !== null) {
          ctx.report(
            `${ctx.label}: ipConfigurations[${i}].publicIPAddress attaches a public IP; remove it ` +
              `(only ${bastionMarker(ctx.settings)} may be public).`,
          );
        }
      }
    }),
    check(compute.VirtualMachine, (vm, ctx) => {
      if (isBastion(vm.tags, ctx.settings)) return;
      assessNicConfigs(ctx, "networkProfile.networkInterfaceConfigurations", vm.networkProfile?.networkInterfaceConfigurations);
    }),
    check(compute.VirtualMachineScaleSet, (vmss, ctx) => {
      if (isBastion(vmss.tags, ctx.settings)) return;
      assessNicConfigs(
        ctx,
        "virtualMachineProfile.networkProfile.networkInterfaceConfigurations",
        vmss.virtualMachineProfile?.networkProfile?.networkInterfaceConfigurations,
      );
    }),
  ],
});
