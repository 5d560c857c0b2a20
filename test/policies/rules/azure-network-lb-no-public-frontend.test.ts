import type * as network from "@pulumi/azure-native/network";
import { describe } from "vitest";
import { azureNetworkLbNoPublicFrontend as rule } from "../../../policies/rules/azure-network-lb-no-public-frontend";
import { ruleTable, UNKNOWN } from "../harness";

const LB = "azure-native:network:LoadBalancer";
const APPGW = "azure-native:network:ApplicationGateway";
const SUBNET = "/subscriptions/s/resourceGroups/g/providers/Microsoft.Network/virtualNetworks/v/subnets/s";
const passing = {
  [LB]: {
    resourceGroupName: "g",
    sku: { name: "Standard" },
    frontendIPConfigurations: [{ name: "private", subnet: { id: SUBNET }, privateIPAllocationMethod: "Dynamic" }],
  } satisfies network.LoadBalancerArgs,
  [APPGW]: {
    resourceGroupName: "g",
    frontendIPConfigurations: [
      { name: "private", subnet: { id: SUBNET }, privateIPAddress: "10.40.0.10", privateIPAllocationMethod: "Static" },
    ],
  } satisfies network.ApplicationGatewayArgs,
};

describe(rule.name, () => {
  ruleTable(rule, passing, [
    {
      name: "a public IP frontend",
      type: LB,
      change: (r) => (r.frontendIPConfigurations[0].publicIPAddress = { id: "/subscriptions/s/publicIPAddresses/p" }),
      expect:
        "LoadBalancer 'subject': frontendIPConfigurations[0].publicIPAddress makes the frontend public; use a private address in a subnet.",
    },
    {
      name: "a public prefix frontend",
      type: LB,
      change: (r) => (r.frontendIPConfigurations[0].publicIPPrefix = { id: "pfx" }),
      expect: "publicIPPrefix makes the frontend public",
    },
    {
      name: "a public address not known yet",
      type: LB,
      change: (r) => (r.frontendIPConfigurations[0].publicIPAddress = UNKNOWN),
      expect: "publicIPAddress makes the frontend public",
    },
    {
      name: "a public application gateway",
      type: APPGW,
      change: (r) => (r.frontendIPConfigurations[0].publicIPAddress = { id: "pip" }),
      expect: "publicIPAddress makes the gateway public",
    },
    {
      name: "unknown frontends",
      type: LB,
      change: (r) => (r.frontendIPConfigurations = UNKNOWN),
      expect: "frontendIPConfigurations is unknown",
    },
  ]);
});
