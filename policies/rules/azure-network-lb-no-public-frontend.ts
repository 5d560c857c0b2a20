import * as network from "@pulumi/azure-native/network";
import { check, defineRule } from "../lib/rule";

export const azureNetworkLbNoPublicFrontend = defineRule({
  name: "azure-network-lb-no-public-frontend",
  cloud: "azure",
  severity: "critical",
  enforcementLevel: "mandatory",
  description:
    "No load balancer or application gateway has a public frontend: a frontend IP configuration naming a public " +
    "IP address (or prefix) puts every rule and inbound NAT rule behind it on the internet.",
  remediation: "Give each frontendIPConfigurations entry a subnet and a private address instead of publicIPAddress/publicIPPrefix.",
  configKeys: [],
  validateResource: [
    check(network.LoadBalancer, (balancer, ctx) => {
      for (const [i, frontend] of (balancer.frontendIPConfigurations ?? []).entries()) {
        for (const field of ["publicIPAddress", "publicIPPrefix"] as const) {
          // Being set at all is the violation, so an address whose id is unknown still counts.
          if (Object.keys(frontend).includes(field)) {
            ctx.report(
              `${ctx.label}: frontendIPConfigurations[${i}].${field} makes the frontend public; use a private address in a subnet.`,
            );
          }
        }
      }
    }),
    check(network.ApplicationGateway, (gateway, ctx) => {
      for (const [i, frontend] of (gateway.frontendIPConfigurations ?? []).entries()) {
        if (Object.keys(frontend).includes("publicIPAddress")) {
          ctx.report(`${ctx.label}: frontendIPConfigurations[${i}].publicIPAddress makes the gateway public; use a private frontend.`);
        }
      }
    }),
  ],
});
