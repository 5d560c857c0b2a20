import * as pulumi from "@pulumi/pulumi";
import { renderUserData, repoForRole, type BootRole } from "../../infra/bootstrap";
import type { NodeSlot } from "../../infra/layout";
import type { AdapterContext } from "./types";

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
      sshAuthorizedKeys: [ctx.spec.access.sshPublicKey, deployKey.trim()],
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
export const BURST_DISCOVERY_TAG = { key: "logos-role", value: "burst" } as const;
/** The tag that marks the bastion; the policy pack exempts only it from the no-public-IP rule. */
export const BASTION_TAG = { key: "logos-role", value: "bastion" } as const;
