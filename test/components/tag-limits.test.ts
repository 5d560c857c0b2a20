/**
 * The spec's tag budget holds on the real plan: with the most user tags the
 * spec accepts, no resource on any cloud carries more tags (GCP: labels)
 * than its cloud allows. A component that starts adding a tag of its own
 * fails here until TAG_LIMITS[cloud].reserved makes room for it.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { planStacks, type PlanRun } from "../../infra/plan/engine";
import { TAG_LIMITS } from "../../infra/cloud-limits";
import type { PlannedResource } from "../../infra/plan/types";
import { CLOUDS, type Cloud } from "../../infra/clouds";

const most = (cloud: Cloud) => TAG_LIMITS[cloud].maxPerResource - TAG_LIMITS[cloud].reserved;
const userTags = (cloud: Cloud) => Array.from({ length: most(cloud) }, (_, i) => `user-${i}=v`);

/** Every tag set a resource's inputs carry: maps under `tags` / `labels`, and AWS ASG-style `[{ key, value }]` lists. */
function tagSets(value: unknown, path = ""): Array<{ path: string; keys: string[] }> {
  if (Array.isArray(value)) return value.flatMap((v, i) => tagSets(v, `${path}[${i}]`));
  if (value === null || typeof value !== "object") return [];
  const out: Array<{ path: string; keys: string[] }> = [];
  for (const [k, v] of Object.entries(value)) {
    const here = path ? `${path}.${k}` : k;
    if ((k === "tags" || k === "labels") && v !== null && typeof v === "object" && !Array.isArray(v)) {
      out.push({ path: here, keys: Object.keys(v) });
    } else if (k === "tags" && Array.isArray(v) && v.every((t) => t !== null && typeof t === "object" && "key" in t)) {
      out.push({ path: here, keys: v.map((t) => String((t as { key: unknown }).key)) });
    } else {
      out.push(...tagSets(v, here));
    }
  }
  return out;
}

const runs = new Map<Cloud, PlanRun>();

beforeAll(async () => {
  const results = await Promise.all(CLOUDS.map((cloud) => planStacks([`${cloud}-pool`], { overrides: { tags: userTags(cloud) } })));
  CLOUDS.forEach((cloud, i) => {
    const [r] = results[i];
    if (r instanceof Error) throw r;
    runs.set(cloud, r);
  });
}, 300_000);

describe.each(CLOUDS)("%s pool with the most tags the spec accepts", (cloud) => {
  it("carries every user tag and stays within the cloud's per-resource limit everywhere", () => {
    const plan = runs.get(cloud)!.plan;
    // GCP keeps one slot for the goog-pulumi-provisioned label the provider may add.
    const limit = TAG_LIMITS[cloud].maxPerResource - (cloud === "gcp" ? 1 : 0);
    const sets = plan.resources.flatMap((r: PlannedResource) => tagSets(r.inputs).map((s) => ({ resource: r.name, ...s })));
    const withUserTags = sets.filter((s) => s.keys.includes("user-0"));
    expect(withUserTags.length).toBeGreaterThan(10);
    const over = sets
      .map((s) => ({ ...s, count: s.keys.filter((k) => !k.toLowerCase().startsWith("aws:")).length }))
      .filter((s) => s.count > limit)
      .map((s) => `${s.resource} ${s.path}: ${s.count} > ${limit}`);
    expect(over).toEqual([]);
  });
});
