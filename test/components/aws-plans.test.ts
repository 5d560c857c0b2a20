/**
 * The shipped AWS stacks through the real program, as the engine would see
 * them: what a first `pulumi preview` knows (global names unknown until the
 * random suffix exists), what the nodes receive once it does, and the
 * dependencies and options the SDK sends.
 */
import { parse } from "yaml";
import { beforeAll, describe, expect, it } from "vitest";
import { planStacks, type PlanRun } from "../../infra/plan/engine";
import { UNKNOWN, type Plan, type PlannedResource } from "../../infra/plan/types";

const STACKS = ["aws-pilot", "aws-pool"] as const;
type Stack = (typeof STACKS)[number];
const preview = new Map<Stack, Plan>();
const filled = new Map<Stack, Plan>();

beforeAll(async () => {
  const [unknowns, fakes] = await Promise.all([
    planStacks(STACKS, { computed: "unknown", concurrency: 1 }),
    planStacks(STACKS, { computed: "placeholder", concurrency: 1 }),
  ]);
  STACKS.forEach((stack, i) => {
    for (const [runs, into] of [
      [unknowns, preview],
      [fakes, filled],
    ] as const) {
      const run = runs[i];
      if (run instanceof Error) throw run;
      into.set(stack, (run as PlanRun).plan);
    }
  });
}, 300_000);

const ofType = (plan: Plan, type: string): PlannedResource[] => plan.resources.filter((r) => r.type === type);
const named = (plan: Plan, name: string): PlannedResource => {
  const found = plan.resources.filter((r) => r.name === name);
  if (found.length !== 1) throw new Error(`${plan.stack}: expected one resource named ${name}, found ${found.length}`);
  return found[0];
};

const BUCKET = "aws:s3/bucket:Bucket";
const RANDOM_ID = "random:index/randomId:RandomId";

interface CloudConfig {
  write_files?: Array<{ path: string; content: string }>;
}
const writtenFiles = (userData: unknown): Map<string, string> =>
  new Map(((parse(String(userData)) as CloudConfig).write_files ?? []).map((f) => [f.path, f.content]));

describe("aws plans: global names", () => {
  it.each(STACKS)("%s: every S3 bucket name carries a random suffix kept in the state, unknown at first preview", (stack) => {
    const plan = preview.get(stack)!;
    const buckets = ofType(plan, BUCKET);
    expect(buckets.map((b) => b.name).sort()).toEqual(
      stack === "aws-pool" ? ["logos-archive-bucket", "logos-boot"] : ["logos-archive-bucket"],
    );
    for (const bucket of buckets) {
      // Unknown like any generated value, and derived from a RandomId, never from project/stack/region alone.
      expect(bucket.inputs.bucket, bucket.name).toBe(UNKNOWN);
      const source = bucket.propertyDependencies.bucket ?? [];
      expect(
        source.map((urn) => plan.resources.find((r) => r.urn === urn)?.type),
        bucket.name,
      ).toEqual([RANDOM_ID]);
    }
    for (const id of ofType(plan, RANDOM_ID)) expect(id.inputs.byteLength, id.name).toBeGreaterThanOrEqual(6);
  });

  it.each(STACKS)("%s: once the suffix exists, every node is told the archive's name in a file its upload command reads", (stack) => {
    const plan = filled.get(stack)!;
    const archive = String(named(plan, "logos-archive-bucket").inputs.bucket);
    expect(archive).toMatch(/^logos-audit-[0-9a-f]{12}$/);
    const nodes = ofType(plan, "aws:ec2/instance:Instance").filter(
      (r) => (r.inputs.tags as Record<string, string>)["logos-role"] === "core",
    );
    const templates = ofType(plan, "aws:ec2/launchTemplate:LaunchTemplate");
    const userData = [
      ...nodes.map((n) => n.inputs.userData),
      ...templates.map((t) => Buffer.from(String(t.inputs.userData), "base64").toString("utf8")),
    ];
    expect(userData).toHaveLength(stack === "aws-pool" ? 4 : 1);
    for (const text of userData) expect(writtenFiles(text).get("/etc/logos/archive-target")?.trim()).toBe(archive);
    const command = String((plan.outputs.logArchive as { archiveCommand: string }).archiveCommand);
    expect(command).toContain('--target "$(cat /etc/logos/archive-target)"');
  });

  it("aws-pool: burst members learn the boot bucket's name the same way; core nodes, which fetch nothing, are not told", () => {
    const plan = filled.get("aws-pool")!;
    const boot = String(named(plan, "logos-boot").inputs.bucket);
    expect(boot).toMatch(/^logos-boot-[0-9a-f]{12}$/);
    const [template] = ofType(plan, "aws:ec2/launchTemplate:LaunchTemplate");
    expect(
      writtenFiles(Buffer.from(String(template.inputs.userData), "base64").toString("utf8"))
        .get("/etc/logos/boot-bucket")
        ?.trim(),
    ).toBe(boot);
    expect(writtenFiles(named(plan, "logos-core-0").inputs.userData).has("/etc/logos/boot-bucket")).toBe(false);
  });
});
