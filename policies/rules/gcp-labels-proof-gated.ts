import * as compute from "@pulumi/gcp/compute";
import * as storage from "@pulumi/gcp/storage";
import { check, defineRule, type CheckContext } from "../lib/rule";
import { requiredTagProblem } from "../lib/tags";

type Labels = Readonly<Record<string, string>> | undefined;

function assessLabels(ctx: CheckContext, labels: Labels): void {
  const problem = requiredTagProblem(labels, ctx.settings, "labels");
  if (problem !== undefined) ctx.report(`${ctx.label}: ${problem}.`);
}

/** Machines also carry the key as a network tag, so firewalls and routes can select proof-gated nodes. */
function assessMachine(ctx: CheckContext, labels: Labels, networkTags: readonly string[] | undefined): void {
  assessLabels(ctx, labels);
  if (!(networkTags ?? []).includes(ctx.settings.requiredTag)) {
    ctx.report(`${ctx.label}: network tags lack "${ctx.settings.requiredTag}"; add it to tags.`);
  }
}

export const gcpLabelsProofGated = defineRule({
  name: "gcp-labels-proof-gated",
  cloud: "gcp",
  severity: "medium",
  enforcementLevel: "mandatory",
  description:
    "Every instance, instance template, disk and bucket carries the required label (logos-proof-gated=true); " +
    "instances and templates also carry it as a network tag.",
  remediation: "Add the required label to labels, and for instances and templates the key to tags.",
  configKeys: ["requiredTag", "requiredTagValue"],
  validateResource: [
    check(compute.Instance, (instance, ctx) => assessMachine(ctx, instance.labels, instance.tags)),
    check(compute.InstanceTemplate, (template, ctx) => assessMachine(ctx, template.labels, template.tags)),
    check(compute.RegionInstanceTemplate, (template, ctx) => assessMachine(ctx, template.labels, template.tags)),
    check(compute.Disk, (disk, ctx) => assessLabels(ctx, disk.labels)),
    check(compute.RegionDisk, (disk, ctx) => assessLabels(ctx, disk.labels)),
    check(storage.Bucket, (bucket, ctx) => assessLabels(ctx, bucket.labels)),
  ],
});
