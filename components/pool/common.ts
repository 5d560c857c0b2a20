import * as pulumi from "@pulumi/pulumi";
import { authorizedKeysForRole, renderUserData, repoForRole, type BootRole } from "../../infra/bootstrap";
import type { NodeSlot } from "../../infra/layout";
import {
  MEMBER_CONFIG_PATH,
  memberBootstrap,
  memberConfigText,
  ROLE_TAG_KEY,
  VALIDATED_TAG_KEY,
  type MemberCloud,
} from "../../infra/node/member";
import type { PoolSpec } from "../../infra/spec";
import type { AdapterContext, BootstrapExtras, PoolTag } from "./types";

/**
 * User-data for one node, as an Output because the deploy key, computed
 * files (and on AWS the state volume id in the device path) are only known
 * to the engine.
 */
export function nodeUserData(
  ctx: AdapterContext,
  role: BootRole,
  slot: NodeSlot | undefined,
  stateDevice: pulumi.Input<string> | undefined,
): pulumi.Output<string> {
  const extras = role === "core" ? ctx.coreBootstrap : ctx.burstBootstrap;
  const computed = extras.computedFiles ?? [];
  const contents = pulumi.all(computed.map((f) => f.content));
  return pulumi.all([ctx.deployPublicKey, stateDevice, contents]).apply(([deployKey, device, texts]) => {
    const files = [...(extras.files ?? []), ...computed.map((f, i) => ({ ...f, content: texts[i] }))];
    return renderUserData({
      role,
      ...(slot ? { hostname: slot.name } : {}),
      sshUser: ctx.spec.access.sshUser,
      sshAuthorizedKeys: authorizedKeysForRole(role, ctx.spec.access.sshPublicKey, deployKey),
      repo: repoForRole(ctx.spec.repo, role),
      stateDir: ctx.spec.stateDir,
      ...(device ? { stateDevice: device } : {}),
      ...(files.length > 0 ? { files } : {}),
      ...(extras.packages ? { packages: extras.packages } : {}),
      ...(extras.commands ? { commands: extras.commands } : {}),
    });
  });
}

/** The tag burst members carry and the scheduler discovers them by. */
export const BURST_DISCOVERY_TAG = { key: ROLE_TAG_KEY, value: "burst" } as const;
/** The tag the standby carries instead while it waits, so discovery never counts it as capacity. */
export const STANDBY_TAG = { key: ROLE_TAG_KEY, value: "standby" } as const;

/** The tag a member sets on itself after its validation passed on this boot: the pinned commit. */
export function validatedTag(spec: PoolSpec): PoolTag {
  return { key: VALIDATED_TAG_KEY, value: spec.repo.ref };
}

/**
 * The burst bootstrap with the member's part added (`infra/node/member.ts`):
 * its script and config, and the command that installs its boot units
 * around the validation. The config is plain text where every value is
 * known to the program, an Output otherwise (a computed file).
 */
export function withMember(spec: PoolSpec, extras: BootstrapExtras, cloud: MemberCloud | pulumi.Output<MemberCloud>): BootstrapExtras {
  const member = memberBootstrap();
  const config = { path: MEMBER_CONFIG_PATH, permissions: "0644" };
  const text = (c: MemberCloud) => memberConfigText(c, spec.repo.ref, spec.validation.enabled);
  const plain = !pulumi.Output.isInstance(cloud);
  return {
    ...extras,
    files: [...(extras.files ?? []), ...member.files, ...(plain ? [{ ...config, content: text(cloud) }] : [])],
    computedFiles: [...(extras.computedFiles ?? []), ...(plain ? [] : [{ ...config, content: cloud.apply(text) }])],
    commands: [...(extras.commands ?? []), ...member.commands],
  };
}
/** The tag that marks the bastion; the policy pack exempts only it from the no-public-IP rule. */
export const BASTION_TAG = { key: "logos-role", value: "bastion" } as const;

/**
 * A `dependsOn` of what exists now and of what a component built later
 * resolves (`AdapterContext.reportsTo`): the engine registers the resource
 * once both are known.
 */
export function dependsOnWithLater(
  now: readonly pulumi.Input<pulumi.Resource>[],
  later: Promise<readonly pulumi.Resource[]> | undefined,
): pulumi.Input<pulumi.Input<pulumi.Resource>[]> {
  // An array whose last element is the promise (the SDK awaits each element and
  // flattens what it resolves to, runtime/dependsOn.js gatherExplicitDependencies):
  // a promise for the whole list made a 1000-node plan quadratic in time.
  return later ? [...now, later as unknown as Promise<pulumi.Resource>] : [...now];
}
