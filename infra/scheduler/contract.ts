/**
 * Builds the scheduler document from plain values, and the mission-profile
 * fragment from a document. Pure: the program resolves Outputs first.
 */
import type { Cloud } from "../clouds";
import { SCHEDULER_SCHEMA_VERSION, type NodeValidation, type SchedulerDocument, type SchedulerGroup, type SchedulerNode } from "./schema";

export interface ContractInput {
  readonly pool: string;
  readonly cloud: Cloud;
  readonly region: string;
  readonly bastionHost: string;
  readonly sshUser: string;
  readonly stateDir: string;
  readonly nodes: ReadonlyArray<{
    readonly name: string;
    readonly host: string;
    readonly zone: string;
    readonly machineType: string;
    readonly vcpus: number;
    readonly memoryGiB: number;
    readonly validation: NodeValidation;
  }>;
  readonly burst?: {
    readonly group: string;
    readonly min: number;
    readonly max: number;
    readonly discoveryTag: { readonly key: string; readonly value: string };
    readonly standby?: { readonly kind: string; readonly group: string; readonly size: number };
  };
  readonly machine: { readonly vcpus: number; readonly memoryGiB: number };
}

export function buildSchedulerDocument(i: ContractInput): SchedulerDocument {
  const nodes: SchedulerNode[] = i.nodes.map((n) => ({
    name: n.name,
    role: "core",
    host: n.host,
    zone: n.zone,
    cpuSlots: n.vcpus,
    memoryGiB: n.memoryGiB,
    stateDir: i.stateDir,
    sshUser: i.sshUser,
    machineType: n.machineType,
    validation: n.validation,
  }));
  const groups: SchedulerGroup[] = [];
  if (i.burst) {
    groups.push({
      role: "burst",
      group: i.burst.group,
      min: i.burst.min,
      max: i.burst.max,
      cpuSlotsPerNode: i.machine.vcpus,
      memoryGiBPerNode: i.machine.memoryGiB,
      discoveryTag: { ...i.burst.discoveryTag },
    });
    if (i.burst.standby) {
      groups.push({
        role: "standby",
        group: i.burst.standby.group,
        kind: i.burst.standby.kind,
        min: i.burst.standby.size,
        max: i.burst.standby.size,
        cpuSlotsPerNode: i.machine.vcpus,
        memoryGiBPerNode: i.machine.memoryGiB,
        discoveryTag: { ...i.burst.discoveryTag },
      });
    }
  }
  return {
    schemaVersion: SCHEDULER_SCHEMA_VERSION,
    pool: i.pool,
    cloud: i.cloud,
    region: i.region,
    bastion: { host: i.bastionHost, port: 22, user: i.sshUser },
    nodes,
    groups,
  };
}

/** One entry of the mission profile's `remote_nodes` (snake_case, as `state/mission_profile.json` uses). */
export interface RemoteNode {
  readonly name: string;
  readonly host: string;
  readonly cpu_slots: number;
  readonly memory_gib: number;
  readonly state_dir: string;
  readonly ssh_user: string;
  readonly ssh_proxy_jump: string;
  readonly pool: string;
  readonly cloud: string;
  readonly validated: boolean;
}

/**
 * The `remote_nodes` fragment for `state/mission_profile.json`: schedulable
 * nodes only (core nodes that passed validation first, then the rest flagged
 * `validated: false` so a scheduler can decide).
 */
export function remoteNodesFragment(doc: SchedulerDocument): { remote_nodes: RemoteNode[] } {
  const jump = `${doc.bastion.user}@${doc.bastion.host}:${doc.bastion.port}`;
  return {
    remote_nodes: doc.nodes
      .filter((n) => n.role === "core")
      .map((n) => ({
        name: n.name,
        host: n.host,
        cpu_slots: n.cpuSlots,
        memory_gib: n.memoryGiB,
        state_dir: n.stateDir,
        ssh_user: n.sshUser,
        ssh_proxy_jump: jump,
        pool: doc.pool,
        cloud: doc.cloud,
        validated: n.validation.status === "pass",
      })),
  };
}
