/**
 * The program: config → spec → pool (→ validation, archive, monitoring) →
 * stack outputs. `infra/index.ts` exports what this returns; the offline plan
 * calls it under the mock monitor.
 */
import * as pulumi from "@pulumi/pulumi";
import { VmPool } from "../components/pool";
import { buildSchedulerDocument } from "./scheduler/contract";
import type { NodeValidation, SchedulerDocument } from "./scheduler/schema";
import { parseSpec, SpecError, type PoolSpec, type RawConfig } from "./spec";

export interface ProgramOutputs {
  readonly [name: string]: pulumi.Input<unknown>;
}

/** Reads and validates config; a bad config stops the run with every problem listed. */
export function specFromConfig(raw: RawConfig = pulumi.runtime.allConfig()): PoolSpec {
  try {
    return parseSpec(raw);
  } catch (e) {
    // RunError prints the message alone, without a stack trace.
    if (e instanceof SpecError) throw new pulumi.RunError(e.message);
    throw e;
  }
}

export function main(spec: PoolSpec = specFromConfig()): ProgramOutputs {
  const pool = new VmPool(spec.name, { spec });

  const validations: pulumi.Output<NodeValidation>[] = pool.nodes.map(() =>
    pulumi.output<NodeValidation>(spec.validation.enabled ? { status: "pending" } : { status: "disabled" }),
  );

  // The document's shape is decided from plain values; only what the cloud
  // assigns (bastion address, group ids, validation results) stays an Output,
  // so a preview shows every node with just those fields unknown.
  const plain = buildSchedulerDocument({
    pool: spec.name,
    cloud: spec.cloud,
    region: spec.region,
    bastionHost: "(assigned at deploy)",
    sshUser: spec.access.sshUser,
    stateDir: spec.stateDir,
    machine: { vcpus: spec.machine.type.vcpus, memoryGiB: spec.machine.type.memoryGiB },
    nodes: pool.nodes.map((n) => ({
      name: n.slot.name,
      host: n.slot.privateIp,
      zone: n.slot.zone,
      machineType: n.machineType,
      vcpus: n.vcpus,
      memoryGiB: n.memoryGiB,
      validation: { status: "pending" },
    })),
    ...(pool.burst
      ? {
          burst: {
            group: "(assigned at deploy)",
            min: pool.burst.min,
            max: pool.burst.max,
            discoveryTag: pool.burst.discoveryTag,
            ...(pool.burst.standby
              ? { standby: { kind: pool.burst.standby.kind, group: "(assigned at deploy)", size: pool.burst.standby.size } }
              : {}),
          },
        }
      : {}),
  });
  const burst = pool.burst;
  const scheduler: pulumi.Input<SchedulerDocument> = {
    ...plain,
    bastion: { ...plain.bastion, host: pool.bastionPublicIp },
    nodes: plain.nodes.map((n, i) => ({ ...n, validation: validations[i] })),
    groups: plain.groups.map((g) => ({
      ...g,
      group: g.role === "standby" && burst?.standby ? burst.standby.id : (burst?.groupName ?? g.group),
    })),
  } as unknown as pulumi.Input<SchedulerDocument>;

  return {
    scheduler,
    bastion: {
      publicIp: pool.bastionPublicIp,
      privateIp: pool.bastionPrivateIp,
      sshUser: spec.access.sshUser,
      ssh: pulumi.interpolate`ssh -J ${spec.access.sshUser}@${pool.bastionPublicIp} ${spec.access.sshUser}@<node host>`,
    },
    nodes: pool.nodes.map((n) => ({
      name: n.slot.name,
      zone: n.slot.zone,
      privateIp: n.slot.privateIp,
      machineType: n.machineType,
      vcpus: n.vcpus,
      memoryGiB: n.memoryGiB,
    })),
    encryptionKey: pool.encryptionKeyId,
  };
}
