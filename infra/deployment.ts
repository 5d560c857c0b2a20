/**
 * What tells two deployments of this program apart inside one cloud account,
 * project or subscription. Pure: no Pulumi imports; components pass in
 * `pulumi.getProject()` and `pulumi.getStack()`.
 *
 * The shipped stacks all use the pool name `logos`, so a pilot and a pool
 * stack in one project share every name and label derived from the pool
 * name alone. The deployment id is derived from the Pulumi project and stack
 * instead: deterministic (the same stack always gets the same id, so it is
 * known in a first preview and never changes on a later `pulumi up`) and
 * different for every stack of every Pulumi project.
 */
import { createHash } from "node:crypto";

/** The label / tag key that carries the deployment id. */
export const DEPLOYMENT_TAG = "logos-deployment";

export interface DeploymentScope {
  /** The Pulumi project (`Pulumi.yaml` `name`). */
  readonly project: string;
  readonly stack: string;
}

/** Characters of the digest in an id; 32 bits keep a project's stacks apart. */
const DIGEST_LENGTH = 8;
/** Characters of the readable stack part. */
const STEM_LENGTH = 30;

/** Hex digest of the scope, `length` characters. */
export function deploymentDigest(scope: DeploymentScope, length = DIGEST_LENGTH): string {
  return createHash("sha256").update(`${scope.project}/${scope.stack}`).digest("hex").slice(0, length);
}

/**
 * `<stack>-<8 hex>`, e.g. `gcp-pool-1a2b3c4d`: the stack name in lowercase
 * letters, digits and '-' (at most 30 characters) and a digest of project and
 * stack, so stacks whose names clean up alike still differ. At most 39
 * characters of [a-z0-9-], starting with a letter: a valid GCP label value,
 * AWS tag value, Azure tag value and CloudWatch dimension value.
 */
export function deploymentId(scope: DeploymentScope): string {
  const stem = scope.stack
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, "-")
    .replace(/^[^a-z]+/, "")
    .slice(0, STEM_LENGTH)
    .replace(/-+$/, "");
  return `${stem === "" ? "stack" : stem}-${deploymentDigest(scope)}`;
}
