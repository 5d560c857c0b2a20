/**
 * What a config change does to a running pool: two plans of one stack
 * (before and after) compared resource by resource, the way the engine
 * decides on its next `pulumi up`. A resource is created or deleted when its
 * URN appears or disappears; otherwise its inputs are compared, changes under
 * `ignoreChanges` dropped, and a change is a replacement when
 * `replaceOnChanges` or the provider's own force-new rules (infra/plan/force-new.ts)
 * say so. An input only the cloud knows (an id) changes when the resource it
 * comes from is replaced. Pure: reads two plans.
 */
import { dataBearing, isKeptOnDelete, type DataRole } from "./data";
import { forceNewRule } from "./force-new";
import { PlanGraph } from "./graph";
import { UNKNOWN, type Plan, type PlannedResource } from "./types";

export type ChangeKind = "unchanged" | "update" | "replace" | "create" | "delete";

export interface ResourceChange {
  readonly urn: string;
  readonly type: string;
  readonly name: string;
  readonly change: ChangeKind;
  /** Changed input paths (`a.b[0].c`) the engine acts on: after `ignoreChanges`. */
  readonly paths: readonly string[];
  /** For a replacement: each changed path that forces it, with why (`replaceOnChanges` or the provider's force-new rule). */
  readonly forcedBy: readonly string[];
  /** Where the provider rules used come from (infra/plan/force-new.ts). */
  readonly sources?: readonly string[];
  /** Changed paths no rule classifies as force-new or updatable in place. */
  readonly unclassified: readonly string[];
  /** When it holds history or keeps it readable: its role (see infra/plan/data.ts). */
  readonly data?: DataRole;
  /**
   * What happens to the cloud resource holding data on a delete or replace:
   * `refused` (protect: the engine stops the up), `kept` (retainOnDelete: left
   * in the cloud, dropped from the state), `lost` (deleted).
   */
  readonly fate?: "refused" | "kept" | "lost";
}

/**
 * A property path split into segments, in Pulumi's path syntax
 * (`ignoreChanges`, `replaceOnChanges`): `a.b[0]` → ["a", "b", "0"],
 * `metadata["user-data"]` → ["metadata", "user-data"], `[*]` → "*".
 */
export function segments(path: string): string[] {
  const out: string[] = [];
  const re = /\[\s*"((?:[^"\\]|\\.)*)"\s*\]|\[\s*(\*|\d+)\s*\]|([^.[\]]+)/g;
  for (const m of path.matchAll(re)) out.push(m[1] !== undefined ? m[1].replace(/\\(.)/g, "$1") : (m[2] ?? m[3]));
  return out;
}

/** Whether `pattern` (with `*` segments) covers `path`: equal, or a prefix of it. */
export function covers(pattern: string, path: string): boolean {
  const p = segments(pattern);
  const s = segments(path);
  if (p.length > s.length) return false;
  return p.every((seg, i) => seg === "*" || seg === s[i]);
}

/** Whether a change at `path` may touch what `pattern` names: one covers the other. */
function overlaps(pattern: string, path: string): boolean {
  return covers(pattern, path) || covers(path, pattern);
}

/** The value at a path of `segments` form, or undefined. */
function valueAt(root: unknown, path: string): unknown {
  let v: unknown = root;
  for (const seg of segments(path)) {
    if (v === null || typeof v !== "object") return undefined;
    v = (v as Record<string, unknown>)[seg];
  }
  return v;
}

/** `path.key`, or `path["key"]` for a key that is no plain name (a dot, a slash). */
const childPath = (path: string, key: string): string =>
  /^[A-Za-z_][\w-]*$/.test(key) ? (path ? `${path}.${key}` : key) : `${path}[${JSON.stringify(key)}]`;

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === "object" && !Array.isArray(v);

/**
 * Leaf paths whose values differ between `a` (the running stack) and `b` (the
 * change). `computed` is the same input as a first preview sees it: where it
 * is unknown, the value comes from what the cloud computes (an id), which
 * changes when its source is replaced or created although the names that
 * built `a` and `b` are the same — `renewed(path)` says whether that happens.
 */
function changedPaths(a: unknown, b: unknown, computed: unknown, path: string, renewed: (path: string) => boolean, out: string[]): void {
  const same = JSON.stringify(a) === JSON.stringify(b);
  if (computed === UNKNOWN) {
    if (!same || renewed(path)) out.push(path);
    return;
  }
  if (same && !hasUnknown(computed)) return;
  if (Array.isArray(a) && Array.isArray(b) && a.length === b.length) {
    a.forEach((x, i) => changedPaths(x, b[i], Array.isArray(computed) ? computed[i] : undefined, `${path}[${i}]`, renewed, out));
    return;
  }
  if (isObject(a) && isObject(b)) {
    for (const k of new Set([...Object.keys(a), ...Object.keys(b)]))
      changedPaths(a[k], b[k], isObject(computed) ? computed[k] : undefined, childPath(path, k), renewed, out);
    return;
  }
  // Arrays of another length, or a value that changed shape: the whole path changed.
  if (!same) out.push(path);
}

const hasUnknown = (v: unknown): boolean =>
  v === UNKNOWN || (Array.isArray(v) ? v.some(hasUnknown) : isObject(v) ? Object.values(v).some(hasUnknown) : false);

/**
 * Compares two plans of one stack: `before` the running stack, `after` the
 * changed config. Both are best planned with placeholders for what the cloud
 * computes (so values built from ids compare as they would against the
 * state); `afterPreview`, the changed config as a first preview sees it,
 * tells which inputs are computed. Without it, `after`'s own unknowns are
 * taken as the computed inputs. Resources come in the after plan's order (the
 * SDK registers a resource after what it depends on), then deletions.
 */
export function diffPlans(before: Plan, after: Plan, afterPreview: Plan = after): ResourceChange[] {
  const old = new Map(before.resources.map((r) => [r.urn, r]));
  const preview = new Map(afterPreview.resources.map((r) => [r.urn, r]));
  const roles = new Map<string, DataRole>();
  for (const g of [new PlanGraph(before), new PlanGraph(after)]) for (const d of dataBearing(g)) roles.set(d.resource.urn, d.role);
  /** URNs that get a new cloud id in this change: created or replaced. */
  const renewed = new Set<string>();
  const changes: ResourceChange[] = [];

  for (const r of after.resources) {
    const prev = old.get(r.urn);
    if (!r.custom) continue;
    if (!prev) {
      renewed.add(r.urn);
      changes.push(
        withFate({ urn: r.urn, type: r.type, name: r.name, change: "create", paths: [], forcedBy: [], unclassified: [] }, r, roles),
      );
      continue;
    }
    const twin = preview.get(r.urn) ?? r;
    const renewedSource = (path: string): boolean => {
      const top = segments(path)[0] ?? "";
      return (twin.propertyDependencies[top] ?? twin.dependencies).some((u) => renewed.has(u));
    };
    const all: string[] = [];
    changedPaths(prev.inputs, r.inputs, twin.inputs, "", renewedSource, all);
    const paths = all.filter((p) => !r.options.ignoreChanges.some((ig) => covers(ig, p)));
    const forcedBy: string[] = [];
    const unclassified: string[] = [];
    const rule = forceNewRule(r.type);
    for (const p of paths) {
      const byOption = r.options.replaceOnChanges.find((x) => overlaps(x, p));
      const byProvider = rule?.forceNew.find((x) => overlaps(x, p));
      const conditional = Object.entries(rule?.forceNewWhen ?? {}).find(
        ([x, c]) => covers(x, p) && c.when(valueAt(prev.inputs, p), valueAt(r.inputs, p), r.inputs),
      );
      if (byOption) forcedBy.push(`${p} (replaceOnChanges)`);
      else if (byProvider) forcedBy.push(`${p} (force-new)`);
      else if (conditional) forcedBy.push(`${p} (force-new on ${conditional[1].why})`);
      else if (!rule?.updatable.some((x) => covers(x, p))) unclassified.push(p);
    }
    const change: ChangeKind = forcedBy.length > 0 ? "replace" : paths.length > 0 ? "update" : "unchanged";
    if (change === "replace") renewed.add(r.urn);
    const sources = rule && paths.length > unclassified.length ? { sources: [rule.source] } : {};
    changes.push(withFate({ urn: r.urn, type: r.type, name: r.name, change, paths, forcedBy, unclassified, ...sources }, r, roles));
  }
  const now = new Set(after.resources.map((r) => r.urn));
  for (const r of before.resources)
    if (r.custom && !now.has(r.urn))
      changes.push(
        withFate({ urn: r.urn, type: r.type, name: r.name, change: "delete", paths: [], forcedBy: [], unclassified: [] }, r, roles),
      );
  return changes;
}

function withFate(c: ResourceChange, r: PlannedResource, roles: ReadonlyMap<string, DataRole>): ResourceChange {
  const data = roles.get(r.urn);
  if (!data) return c;
  if (c.change !== "delete" && c.change !== "replace") return { ...c, data };
  // A replacement deletes the old resource too; protect stops the engine before it does.
  const fate = r.options.protect ? "refused" : isKeptOnDelete(r) ? "kept" : "lost";
  return { ...c, data, fate };
}

/**
 * Data-bearing resources a change deletes or replaces: the day-2 guarantee
 * is that this is empty. A replacement counts even when the old resource is
 * retained, since the node then runs on a new, empty disk; a protected one
 * counts not, because the engine refuses the up instead.
 */
export function dataLosses(changes: readonly ResourceChange[]): ResourceChange[] {
  return changes.filter(
    (c) =>
      c.data !== undefined &&
      (c.change === "replace" || c.change === "delete") &&
      c.fate !== "refused" &&
      !(c.change === "delete" && c.fate === "kept"),
  );
}
