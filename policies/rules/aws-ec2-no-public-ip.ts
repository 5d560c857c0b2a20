import * as ec2 from "@pulumi/aws/ec2";
import { check, defineRule } from "../lib/rule";
import { bastionMarker, isBastion } from "../lib/tags";

const isTrue = (value: unknown): boolean => value === true || value === "true";

export const awsEc2NoPublicIp = defineRule({
  name: "aws-ec2-no-public-ip",
  cloud: "aws",
  severity: "critical",
  enforcementLevel: "mandatory",
  description:
    "No instance, launch template, subnet, Elastic IP or Elastic IP association gives a node a public address; only " +
    "the resource tagged as the bastion is exempt. An association carries no tags, so it is never exempt.",
  remediation:
    "Set associatePublicIpAddress / mapPublicIpOnLaunch to false and reach nodes through the bastion; only the " +
    "bastion (tagged with the bastion tag) may have a public address, attached by the Elastic IP's own instance " +
    "argument rather than an aws.ec2.EipAssociation.",
  configKeys: ["bastionTag"],
  validateResource: [
    // The bastion marker is read first: what the bastion's own address will be is irrelevant.
    check(ec2.Instance, (instance, ctx) => {
      if (isBastion(instance.tags, ctx.settings)) return;
      if (isTrue(instance.associatePublicIpAddress)) {
        ctx.report(`${ctx.label}: associatePublicIpAddress is true; set it to false (only ${bastionMarker(ctx.settings)} may be public).`);
      }
    }),
    check(ec2.LaunchTemplate, (template, ctx) => {
      if (isBastion(template.tags, ctx.settings)) return;
      for (const [i, nic] of (template.networkInterfaces ?? []).entries()) {
        if (isTrue(nic.associatePublicIpAddress)) {
          ctx.report(`${ctx.label}: networkInterfaces[${i}].associatePublicIpAddress is "true"; set it to "false".`);
        }
      }
    }),
    check(ec2.Subnet, (subnet, ctx) => {
      if (isBastion(subnet.tags, ctx.settings)) return;
      if (subnet.mapPublicIpOnLaunch === true) {
        ctx.report(`${ctx.label}: mapPublicIpOnLaunch is true, so every instance launched here gets a public IP; set it to false.`);
      }
    }),
    check(ec2.Eip, (eip, ctx) => {
      if (isBastion(eip.tags, ctx.settings)) return;
      // Being attached at all is the violation, so an attachment whose id is not known yet still counts.
      for (const field of ["instance", "networkInterface"] as const) {
        if (Object.keys(eip).includes(field)) {
          ctx.report(
            `${ctx.label}: ${field} attaches this public address to a node; remove it (only ${bastionMarker(ctx.settings)} may be public).`,
          );
        }
      }
    }),
    check(ec2.EipAssociation, (association, ctx) => {
      // Untaggable, so it cannot be told apart from a node's: attach the bastion's address on the tagged Eip instead.
      const target = Object.keys(association).includes("networkInterfaceId") ? "networkInterfaceId" : "instanceId";
      ctx.report(
        `${ctx.label}: associates a public address through ${target}; an association cannot carry ${bastionMarker(ctx.settings)}, ` +
          "so attach the bastion's address with the Eip's instance argument and give nodes none.",
      );
    }),
  ],
});
