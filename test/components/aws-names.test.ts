/**
 * Every name the AWS stacks give a resource fits AWS's rules for that
 * resource type at the longest pool name the spec allows (20 characters),
 * where a name built from the pool name is longest. Explicit names are
 * checked against each API's documented length and characters; names the
 * engine generates (logical name, '-', 7 random hex digits) against the
 * length limit of the types that have a short one.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { planStacks, type PlanRun } from "../../infra/plan/engine";
import type { Plan, PlannedResource } from "../../infra/plan/types";

/** 20 characters: the spec's longest pool name. */
const LONG_POOL_NAME = "logos-compute-pool-x";
const STACKS = ["aws-pilot", "aws-pool"] as const;
const plans = new Map<string, Plan>();

beforeAll(async () => {
  const runs = await planStacks(STACKS, { computed: "placeholder", overrides: { poolName: LONG_POOL_NAME } });
  STACKS.forEach((stack, i) => {
    if (runs[i] instanceof Error) throw runs[i];
    plans.set(stack, (runs[i] as PlanRun).plan);
  });
}, 300_000);

interface NameRule {
  /** The input holding the name. */
  readonly input: string;
  readonly max: number;
  readonly pattern: RegExp;
  readonly source: string;
}

/** Explicit names, per type: the documented limits. */
const EXPLICIT: Readonly<Record<string, NameRule>> = {
  "aws:s3/bucket:Bucket": {
    input: "bucket",
    max: 63,
    // 3-63 of lowercase letters, digits, dots and hyphens, starting and ending with a letter or digit.
    pattern: /^(?!xn--|sthree-|amzn-s3-demo-)[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](?<!-s3alias|--ol-s3|--x-s3|--table-s3)$/,
    source: "https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html",
  },
  "aws:kms/alias:Alias": {
    input: "name",
    max: 256,
    pattern: /^alias\/(?!aws\/)[A-Za-z0-9/_-]+$/,
    source: "https://docs.aws.amazon.com/kms/latest/APIReference/API_CreateAlias.html (AliasName)",
  },
  "aws:cloudwatch/logGroup:LogGroup": {
    input: "name",
    max: 512,
    pattern: /^[.\-_/#A-Za-z0-9]+$/,
    source: "https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_CreateLogGroup.html (logGroupName)",
  },
  "aws:iam/serviceLinkedRole:ServiceLinkedRole": {
    input: "customSuffix",
    // The role is AWSServiceRoleForAutoScaling_<suffix>, and IAM role names are at most 64 characters.
    max: 64 - "AWSServiceRoleForAutoScaling_".length,
    pattern: /^[\w+=,.@-]+$/,
    source:
      "https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateServiceLinkedRole.html (CustomSuffix) and API_CreateRole.html (RoleName, 64)",
  },
  // Explicit so members, grants and the scheduler contract know it at preview (components/pool/aws-burst.ts).
  "aws:autoscaling/group:Group": {
    input: "name",
    max: 255,
    pattern: /^[\x20-\x7e]+$/,
    source: "https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_CreateAutoScalingGroup.html (AutoScalingGroupName, 1-255)",
  },
};

/** Generated names: logical name + '-' + 7 hex digits, for types whose limit a long logical name could break. */
const GENERATED_MAX: Readonly<Record<string, { readonly max: number; readonly source: string }>> = {
  "aws:iam/role:Role": { max: 64, source: "https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateRole.html (RoleName)" },
  "aws:iam/instanceProfile:InstanceProfile": {
    max: 128,
    source: "https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateInstanceProfile.html (InstanceProfileName)",
  },
  "aws:ec2/launchTemplate:LaunchTemplate": {
    max: 128,
    source: "https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateLaunchTemplate.html (LaunchTemplateName)",
  },
  "aws:ec2/securityGroup:SecurityGroup": {
    max: 255,
    source: "https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateSecurityGroup.html (GroupName)",
  },
  "aws:sns/topic:Topic": { max: 256, source: "https://docs.aws.amazon.com/sns/latest/api/API_CreateTopic.html (Name)" },
};
/** What the engine appends to a logical name: '-' and 7 random hex digits. */
const GENERATED_SUFFIX = 8;

/** EC2 and most services: tag keys up to 128 characters, values up to 256. */
const TAG_KEY_MAX = 128;
const TAG_VALUE_MAX = 256;
const TAG_SOURCE = "https://docs.aws.amazon.com/tag-editor/latest/userguide/tagging.html";

function tagsOf(r: PlannedResource): Array<[string, string]> {
  const tags = r.inputs.tags;
  if (Array.isArray(tags)) return tags.map((t: { key: string; value: string }) => [t.key, t.value]);
  if (tags && typeof tags === "object") return Object.entries(tags as Record<string, string>);
  return [];
}

describe.each(STACKS)(`%s with poolName ${LONG_POOL_NAME} (20 characters)`, (stack) => {
  const resources = (): PlannedResource[] => plans.get(stack)!.resources.filter((r) => r.custom && r.type.startsWith("aws:"));

  it("uses the long pool name everywhere", () => {
    expect(resources().every((r) => r.name.startsWith(`${LONG_POOL_NAME}-`))).toBe(true);
  });

  it("gives every explicit name a value within its API's documented length and characters", () => {
    const problems: string[] = [];
    let checked = 0;
    for (const r of resources()) {
      const rule = EXPLICIT[r.type];
      if (!rule) continue;
      const value = r.inputs[rule.input];
      checked++;
      if (typeof value !== "string" || value.length > rule.max || !rule.pattern.test(value))
        problems.push(`${r.type} ${r.name}: ${rule.input}=${JSON.stringify(value)} breaks ${rule.source}`);
    }
    expect(problems).toEqual([]);
    expect(checked).toBeGreaterThanOrEqual(stack === "aws-pool" ? 5 : 3);
  });

  it("sets no other name explicitly, so every other name is generated", () => {
    const explicit = resources()
      .filter((r) => !EXPLICIT[r.type] && ["name", "namePrefix", "bucket"].some((k) => typeof r.inputs[k] === "string"))
      // Sub-resources of a bucket name the bucket they configure, not themselves.
      .filter((r) => !(r.type.startsWith("aws:s3/") && r.type !== "aws:s3/bucket:Bucket" && r.inputs.name === undefined))
      // A key alias names itself through `name`; other types' `name` inputs are their own names.
      .map((r) => `${r.type} ${r.name}`);
    expect(explicit).toEqual([]);
  });

  it("keeps generated names within the types' limits", () => {
    const problems = resources()
      .filter((r) => GENERATED_MAX[r.type] && r.name.length + GENERATED_SUFFIX > GENERATED_MAX[r.type].max)
      .map(
        (r) => `${r.type} ${r.name}: ${r.name.length + GENERATED_SUFFIX} > ${GENERATED_MAX[r.type].max} (${GENERATED_MAX[r.type].source})`,
      );
    expect(problems).toEqual([]);
    expect(resources().filter((r) => GENERATED_MAX[r.type]).length).toBeGreaterThan(4);
  });

  it("keeps every tag within the tagging limits", () => {
    const problems = resources().flatMap((r) =>
      tagsOf(r)
        .filter(([k, v]) => k.length > TAG_KEY_MAX || String(v).length > TAG_VALUE_MAX || k.startsWith("aws:"))
        .map(([k, v]) => `${r.type} ${r.name}: ${k}=${v} (${TAG_SOURCE})`),
    );
    expect(problems).toEqual([]);
  });
});
