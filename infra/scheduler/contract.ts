/**
 * Builds the scheduler document from plain values, and the mission-profile
 * fragment from a document. Pure: the program resolves Outputs first.
 */
import type { Cloud } from "../clouds";
import {
  SCHEDULER_SCHEMA_VERSION,
  type NodeValidation,
  type SchedulerDemand,
  type SchedulerDocument,
  type SchedulerGroup,
  type SchedulerNode,
  type SchedulerScaleIn,
  type SchedulerTarget,
} from "./schema";

type Tag = { readonly key: string; readonly value: string };

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
    /** The role tag serving members carry. */
    readonly discoveryTag: Tag;
    /** Set by a member once its validation passed on this boot; value: the pinned commit. */
    readonly validatedTag: Tag;
    /** What the cloud must also report for a serving member. */
    readonly inService: string;
    readonly scaleIn: SchedulerScaleIn;
    /** Known only to the engine in a preview; the program fills them in. @default left out */
    readonly target?: SchedulerTarget;
    readonly demand?: SchedulerDemand;
    readonly standby?: {
      readonly kind: string;
      readonly group: string;
      readonly size: number;
      /** The role tag the standby carries instead of the burst one. */
      readonly tag: Tag;
      /** What the cloud reports for the standby while it waits. */
      readonly state: string;
    };
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
    const b = i.burst;
    groups.push({
      role: "burst",
      group: b.group,
      min: b.min,
      max: b.max,
      cpuSlotsPerNode: i.machine.vcpus,
      memoryGiBPerNode: i.machine.memoryGiB,
      discoveryTag: { ...b.discoveryTag },
      discovery: { roleTag: { ...b.discoveryTag }, validatedTag: { ...b.validatedTag }, inService: b.inService },
      ...(b.target ? { target: { ...b.target } } : {}),
      ...(b.demand ? { demand: { ...b.demand, labels: b.demand.labels.map((l) => ({ ...l })) } } : {}),
      scaleIn: { ...b.scaleIn },
    });
    if (b.standby) {
      groups.push({
        role: "standby",
        group: b.standby.group,
        kind: b.standby.kind,
        min: b.standby.size,
        max: b.standby.size,
        cpuSlotsPerNode: i.machine.vcpus,
        memoryGiBPerNode: i.machine.memoryGiB,
        discoveryTag: { ...b.standby.tag },
        // The standby is never capacity: it serves only after it has joined the group as a burst member.
        discovery: { roleTag: { ...b.standby.tag }, validatedTag: { ...b.validatedTag }, inService: b.standby.state },
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
