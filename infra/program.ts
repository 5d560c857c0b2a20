/**
 * The program: config → spec → pool (→ validation, archive, monitoring) →
 * stack outputs. `infra/index.ts` exports what this returns; the offline plan
 * calls it under the mock monitor.
 */
import * as pulumi from "@pulumi/pulumi";
import { VmPool } from "../components/pool";
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

  return {
    bastion: {
      publicIp: pool.bastionPublicIp,
      privateIp: pool.bastionPrivateIp,
      sshUser: spec.access.sshUser,
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
