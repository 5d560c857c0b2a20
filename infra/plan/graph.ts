/**
 * The plan as a graph: what the engine creates before what, which resources
 * name others by a value known at preview, and which resources hold data that
 * must outlive `pulumi up` and `pulumi destroy`. Pure: reads a {@link Plan},
 * imports no Pulumi runtime.
 */
import { UNKNOWN, type Plan, type PlannedResource } from "./types";

/** A resource type token's parts: `aws:ec2/instance:Instance` → ["aws", "ec2/instance", "Instance"]. */
function typeParts(type: string): [pkg: string, mod: string, kind: string] {
  const [pkg = "", mod = "", kind = ""] = type.split(":");
  return [pkg, mod, kind];
}

/**
 * azure-native resources whose own name is not the `<camelCase kind>Name`
 * input (the last path parameter of the resource's ARM URL).
 */
const AZURE_OWN_NAME_KEY: Readonly<Record<string, string>> = {
  VirtualMachine: "vmName",
  VirtualMachineScaleSet: "vmScaleSetName",
  UserAssignedIdentity: "resourceName",
  StorageAccount: "accountName",
  BlobContainer: "containerName",
  BlobServiceProperties: "blobServicesName",
  BlobContainerImmutabilityPolicy: "immutabilityPolicyName",
  MetricAlert: "ruleName",
  ScheduledQueryRule: "ruleName",
  RemediationAtResourceGroup: "remediationName",
  PublicIPAddress: "publicIpAddressName",
  RoleDefinition: "roleDefinitionId",
};

/** The input key holding a resource's own explicit name, when its provider has one. */
export function ownNameKeys(type: string): readonly string[] {
  const [pkg, mod, kind] = typeParts(type);
  switch (pkg) {
    case "aws":
      return type === "aws:s3/bucket:Bucket" || type === "aws:s3/bucketV2:BucketV2" ? ["bucket"] : ["name"];
    case "gcp":
      return mod === "serviceaccount/account" || mod === "serviceAccount/account" ? ["accountId"] : ["name"];
    case "azure-native":
      return [AZURE_OWN_NAME_KEY[kind] ?? `${kind.charAt(0).toLowerCase()}${kind.slice(1)}Name`];
    default:
      return [];
  }
}

/** Explicit names a resource is created with, known at preview; auto-named resources have none. */
export function explicitNames(r: PlannedResource): string[] {
  if (!r.custom) return [];
  return ownNameKeys(r.type)
    .map((k) => r.inputs[k])
    .filter((v): v is string => typeof v === "string" && v !== UNKNOWN && v !== "[secret]" && v.length > 0);
}

/**
 * Input fields that hold text for people or metadata, never a reference the
 * cloud resolves: tags and labels (GCP network tags too), descriptions and
 * display names. A name found there orders nothing.
 */
function isTextField(key: string, type: string): boolean {
  if (key === "tags" || key === "tagsAll" || key === "labels" || key === "defaultTags") return true;
  if (/(^|[a-z])(description|Description|displayName|DisplayName)$/.test(key) || key === "description" || key === "displayName")
    return true;
  // An Azure custom role's `roleName` is its display name; its identity is roleDefinitionId.
  return type === "azure-native:authorization:RoleDefinition" && key === "roleName";
}

/** One string inside a resource's inputs, with its path (`a.b[0].c`). */
interface InputString {
  readonly path: string;
  readonly value: string;
}

/**
 * Every string in the inputs outside text fields. A JSON policy document is
 * read as a document: its `Condition` blocks are evaluated per request and
 * never resolved when the policy is written, so a name there orders nothing.
 */
export function inputStrings(r: PlannedResource): InputString[] {
  const out: InputString[] = [];
  const walk = (v: unknown, path: string, inPolicy: boolean): void => {
    if (typeof v === "string") {
      if (v === UNKNOWN || v === "[secret]") return;
      const doc = policyDocument(v);
      if (doc !== undefined) walk(doc, path, true);
      else out.push({ path, value: v });
    } else if (Array.isArray(v)) v.forEach((x, i) => walk(x, `${path}[${i}]`, inPolicy));
    else if (v !== null && typeof v === "object") {
      for (const [k, x] of Object.entries(v)) {
        if (inPolicy ? k === "Condition" : isTextField(k, r.type)) continue;
        walk(x, path ? `${path}.${k}` : k, inPolicy);
      }
    }
  };
  walk(r.inputs, "", false);
  return out;
}

function policyDocument(s: string): unknown {
  if (!s.startsWith("{") || !s.includes('"Statement"')) return undefined;
  try {
    const doc = JSON.parse(s) as unknown;
    return doc !== null && typeof doc === "object" && "Statement" in doc ? doc : undefined;
  } catch {
    return undefined;
  }
}

/** Names an API fixes for a parent's only child of a kind (blob service `default`): not identifying. */
const FIXED_CHILD_NAMES: ReadonlySet<string> = new Set(["default", "current"]);

/** A name counts where it stands alone: not inside a longer name (`logos-rg` is not in `logos-rg-2`). */
function containsName(haystack: string, name: string): boolean {
  let at = haystack.indexOf(name);
  while (at >= 0) {
    const before = at === 0 ? "" : haystack.charAt(at - 1);
    const after = haystack.charAt(at + name.length);
    if (!/[A-Za-z0-9_.-]/.test(before) && !/[A-Za-z0-9_-]/.test(after)) return true;
    at = haystack.indexOf(name, at + 1);
  }
  return false;
}

/** `from` names `to` at `path` by `name`, a value known at preview. */
export interface NameReference {
  readonly from: PlannedResource;
  readonly path: string;
  readonly to: PlannedResource;
  readonly name: string;
}

export class PlanGraph {
  readonly plan: Plan;
  readonly byUrn: ReadonlyMap<string, PlannedResource>;
  private readonly before = new Map<string, ReadonlySet<string>>();
  private refs?: readonly NameReference[];

  constructor(plan: Plan) {
    this.plan = plan;
    this.byUrn = new Map(plan.resources.map((r) => [r.urn, r]));
  }

  get(urn: string): PlannedResource {
    const r = this.byUrn.get(urn);
    if (!r) throw new Error(`${this.plan.stack}: no resource ${urn} in the plan`);
    return r;
  }

  /**
   * Every URN the engine has finished before it starts `urn`: its
   * dependencies and, because the SDK registers a child only once its parent
   * is registered (and a parent only once its own dependencies are done), its
   * ancestors and their dependencies, transitively.
   */
  createdBefore(urn: string): ReadonlySet<string> {
    const known = this.before.get(urn);
    if (known) return known;
    const out = new Set<string>();
    this.before.set(urn, out);
    const r = this.get(urn);
    for (const d of [...r.dependencies, ...(r.parent ? [r.parent] : [])]) {
      out.add(d);
      for (const x of this.createdBefore(d)) out.add(x);
    }
    return out;
  }

  /** Whether the engine finishes `dependency` before it starts `urn`. */
  waitsFor(urn: string, dependency: string): boolean {
    return this.createdBefore(urn).has(dependency);
  }

  /** Ancestors of `r`, nearest first. */
  ancestors(r: PlannedResource): PlannedResource[] {
    const out: PlannedResource[] = [];
    for (let p = r.parent; p !== undefined; p = this.byUrn.get(p)?.parent) {
      const a = this.byUrn.get(p);
      if (!a) break;
      out.push(a);
    }
    return out;
  }

  /** Custom resources below a component, at any depth. */
  descendants(component: PlannedResource): PlannedResource[] {
    return this.plan.resources.filter((r) => r.custom && this.ancestors(r).some((a) => a.urn === component.urn));
  }

  /**
   * Every place an input names another resource by its explicit name (or an
   * id / ARN / email built from it), found by the name standing alone in the
   * string. Such a value is known at preview and carries no dependency of its
   * own, so it orders nothing unless the program says so.
   */
  nameReferences(): readonly NameReference[] {
    if (this.refs) return this.refs;
    const owners = new Map<string, PlannedResource[]>();
    for (const r of this.plan.resources) for (const n of explicitNames(r)) owners.set(n, [...(owners.get(n) ?? []), r]);
    // A name several resources carry (a singleton child's fixed `default`) identifies none of them.
    for (const [n, rs] of owners) if (rs.length > 1 || FIXED_CHILD_NAMES.has(n)) owners.delete(n);
    const refs: NameReference[] = [];
    for (const from of this.plan.resources) {
      if (!from.custom) continue;
      for (const s of inputStrings(from))
        for (const [name, targets] of owners) {
          if (!containsName(s.value, name)) continue;
          for (const to of targets) if (to.urn !== from.urn) refs.push({ from, path: s.path, to, name });
        }
    }
    this.refs = refs;
    return refs;
  }

  /** What `r` uses: its dependencies and what it names by a preview-known value. */
  uses(r: PlannedResource): PlannedResource[] {
    const urns = new Set([
      ...r.dependencies,
      ...this.nameReferences()
        .filter((x) => x.from.urn === r.urn)
        .map((x) => x.to.urn),
    ]);
    return [...urns].map((u) => this.byUrn.get(u)).filter((x): x is PlannedResource => x !== undefined);
  }

  /** Resources a property of `r` uses: its property dependencies and names found in its value. */
  usesVia(r: PlannedResource, property: string): PlannedResource[] {
    const urns = new Set([
      ...(r.propertyDependencies[property] ?? []),
      ...this.nameReferences()
        .filter(
          (x) => x.from.urn === r.urn && (x.path === property || x.path.startsWith(`${property}.`) || x.path.startsWith(`${property}[`)),
        )
        .map((x) => x.to.urn),
    ]);
    return [...urns].map((u) => this.byUrn.get(u)).filter((x): x is PlannedResource => x !== undefined);
  }
}
