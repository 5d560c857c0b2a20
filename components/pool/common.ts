import * as pulumi from "@pulumi/pulumi";
import { renderUserData, type BootRole } from "../../infra/bootstrap";
import type { NodeSlot } from "../../infra/layout";
import type { AdapterContext } from "./types";

/**
 * User-data for one node, as an Output because the deploy key (and on AWS the
 * state volume id in the device path) are only known to the engine.
 */
export function nodeUserData(
  ctx: AdapterContext,
  role: BootRole,
  slot: NodeSlot | undefined,
  stateDevice: pulumi.Input<string> | undefined,
): pulumi.Output<string> {
  const extras = role === "core" ? ctx.coreBootstrap : ctx.burstBootstrap;
  return pulumi.all([ctx.deployPublicKey, stateDevice]).apply(([deployKey, device]) =>
    renderUserData({
      role,
      ...(slot ? { hostname: slot.name } : {}),
      sshUser: ctx.spec.access.sshUser,
      sshAuthorizedKeys: [ctx.spec.access.sshPublicKey, deployKey.trim()],
      repo: ctx.spec.repo,
      stateDir: ctx.spec.stateDir,
      ...(device ? { stateDevice: device } : {}),
      ...(extras.files ? { files: extras.files } : {}),
      ...(extras.packages ? { packages: extras.packages } : {}),
      ...(extras.commands ? { commands: extras.commands } : {}),
    }),
  );
}

/** The tag burst members carry and the scheduler discovers them by. */
export const BURST_DISCOVERY_TAG = { key: "logos-role", value: "burst" } as const;
/** The tag that marks the bastion; the policy pack exempts only it from the no-public-IP rule. */
export const BASTION_TAG = { key: "logos-role", value: "bastion" } as const;
