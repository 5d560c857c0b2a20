import * as autoscaling from "@pulumi/aws/autoscaling";
import * as ebs from "@pulumi/aws/ebs";
import * as ec2 from "@pulumi/aws/ec2";
import * as s3 from "@pulumi/aws/s3";
import { check, defineRule, type CheckContext } from "../lib/rule";
import { requiredTagProblem } from "../lib/tags";

type Tags = Readonly<Record<string, string>> | undefined;

function assess(ctx: CheckContext, tags: Tags, where = "tags"): void {
  const problem = requiredTagProblem(tags, ctx.settings, where);
  if (problem !== undefined) ctx.report(`${ctx.label}: ${problem}.`);
}

/** Instances and volumes a launch template starts are compute and storage too; they get tags only through tagSpecifications. */
const LAUNCHED_RESOURCE_TYPES = ["instance", "volume"];

export const awsTaggingProofGated = defineRule({
  name: "aws-tagging-proof-gated",
  cloud: "aws",
  severity: "medium",
  enforcementLevel: "mandatory",
  description:
    "Every instance, launch template (and what it launches), auto scaling group, EBS volume and S3 bucket carries " +
    "the required tag (logos-proof-gated=true).",
  remediation:
    "Add the required tag to tags (launch templates: also to tagSpecifications for instance and volume; " +
    "auto scaling groups: a tag with propagateAtLaunch true).",
  configKeys: ["requiredTag", "requiredTagValue"],
  validateResource: [
    check(ec2.Instance, (instance, ctx) => assess(ctx, instance.tags)),
    check(ebs.Volume, (volume, ctx) => assess(ctx, volume.tags)),
    check(s3.Bucket, (bucket, ctx) => assess(ctx, bucket.tags)),
    check(s3.BucketV2, (bucket, ctx) => assess(ctx, bucket.tags)),
    check(ec2.LaunchTemplate, (template, ctx) => {
      assess(ctx, template.tags);
      const specs = template.tagSpecifications ?? [];
      for (const type of LAUNCHED_RESOURCE_TYPES) {
        const index = specs.findIndex((spec) => spec.resourceType === type);
        const spec = specs[index];
        if (spec === undefined) {
          ctx.report(
            `${ctx.label}: no tagSpecifications entry for resourceType "${type}", so launched ${type}s are untagged; add one with ${ctx.settings.requiredTag}=${ctx.settings.requiredTagValue}.`,
          );
        } else {
          assess(ctx, spec.tags, `tagSpecifications[${index}].tags`);
        }
      }
    }),
    check(autoscaling.Group, (group, ctx) => {
      const { requiredTag, requiredTagValue } = ctx.settings;
      const tag = (group.tags ?? []).find((t) => t.key === requiredTag);
      if (tag === undefined) {
        ctx.report(
          `${ctx.label}: tags lack ${requiredTag}; add {key: "${requiredTag}", value: "${requiredTagValue}", propagateAtLaunch: true}.`,
        );
      } else if (tag.value !== requiredTagValue || tag.propagateAtLaunch !== true) {
        ctx.report(
          `${ctx.label}: tag ${requiredTag} is "${tag.value}" with propagateAtLaunch ${String(tag.propagateAtLaunch)}; set value "${requiredTagValue}" and propagateAtLaunch true.`,
        );
      }
    }),
  ],
});
