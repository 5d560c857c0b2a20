import { readFileSync } from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { schemaText } from "../../infra/scheduler/cli";
import { buildSchedulerDocument, remoteNodesFragment, type ContractInput } from "../../infra/scheduler/contract";
import { schedulerProblems, SCHEMA_FILE } from "../../infra/scheduler/validate";
import type { SchedulerDocument } from "../../infra/scheduler/schema";

const REF = "4f7c1e0b9d2a6c3e8f5a1b7d0c9e2f4a6b8d1c3e";
/** A deployed AWS pool's document with every field of the burst contract (README, "Outputs and the scheduler contract"). */
const FIXTURE = JSON.parse(readFileSync(path.join(__dirname, "..", "fixtures", "scheduler", "aws-pool.json"), "utf8")) as SchedulerDocument;

const input: ContractInput = {
  pool: "logos",
  cloud: "aws",
  region: "us-east-1",
  bastionHost: "198.51.100.7",
  sshUser: "logos",
  stateDir: "/var/lib/logos/state",
  machine: { vcpus: 8, memoryGiB: 16 },
  nodes: [
    {
      name: "logos-core-0",
      host: "10.40.0.4",
      zone: "us-east-1a",
      machineType: "c7i.2xlarge",
      vcpus: 8,
      memoryGiB: 16,
      validation: { status: "pass", stage: "done" },
    },
    {
      name: "logos-core-1",
      host: "10.40.32.4",
      zone: "us-east-1b",
      machineType: "c7i.2xlarge",
      vcpus: 8,
      memoryGiB: 16,
      validation: { status: "fail", stage: "boot" },
    },
  ],
  burst: {
    group: "logos-burst",
    min: 0,
    max: 3,
    discoveryTag: { key: "logos-role", value: "burst" },
    validatedTag: { key: "logos-validated", value: REF },
    inService: "Auto Scaling lifecycle state InService",
    target: FIXTURE.groups[0].target!,
    demand: FIXTURE.groups[0].demand!,
    scaleIn: FIXTURE.groups[0].scaleIn!,
    standby: {
      kind: "aws-asg-warm-pool",
      group: "logos-burst",
      size: 1,
      tag: { key: "logos-role", value: "standby" },
      state: "in the group's warm pool (Warmed:Stopped)",
    },
  },
};

describe("scheduler contract", () => {
  it("the committed schema is the one generated from the TypeScript source", () => {
    expect(readFileSync(SCHEMA_FILE, "utf8")).toBe(schemaText());
  });

  it("a built document conforms, with CPU slots = vCPUs", () => {
    const doc = buildSchedulerDocument(input);
    expect(schedulerProblems(doc)).toEqual([]);
    expect(doc.nodes.map((n) => n.cpuSlots)).toEqual([8, 8]);
    expect(doc.groups.map((g) => [g.role, g.min, g.max])).toEqual([
      ["burst", 0, 3],
      ["standby", 1, 1],
    ]);
  });

  it.each<[string, (d: any) => void, string]>([
    ["missing cpuSlots", (d) => delete d.nodes[0].cpuSlots, "/nodes/0: must have required property 'cpuSlots'"],
    ["unknown role", (d) => (d.nodes[0].role = "spare"), "/nodes/0/role: must be equal to one of the allowed values"],
    ["zero slots", (d) => (d.nodes[0].cpuSlots = 0), "/nodes/0/cpuSlots: must be >= 1"],
    ["wrong version", (d) => (d.schemaVersion = 1), "/schemaVersion: must be equal to constant"],
    [
      "a burst group that does not say how to ask for capacity",
      (d) => delete d.groups[0].demand,
      "/groups/0: must have required property 'demand'",
    ],
    ["a burst group without its target", (d) => delete d.groups[0].target, "/groups/0: must have required property 'target'"],
    ["a burst group without its scale-in", (d) => delete d.groups[0].scaleIn, "/groups/0: must have required property 'scaleIn'"],
    ["a demand in another unit", (d) => (d.groups[0].demand.unit = "vcpus"), "/groups/0/demand/unit: must be equal to constant"],
    [
      "an unknown target kind",
      (d) => (d.groups[0].target.kind = "ecs-service"),
      "/groups/0/target/kind: must be equal to one of the allowed values",
    ],
    [
      "discovery without the validated tag",
      (d) => delete d.groups[1].discovery.validatedTag,
      "/groups/1/discovery: must have required property 'validatedTag'",
    ],
    ["extra field", (d) => (d.extra = 1), "/: must NOT have additional properties"],
    [
      "bad validation status",
      (d) => (d.nodes[1].validation.status = "ok"),
      "/nodes/1/validation/status: must be equal to one of the allowed values",
    ],
  ])("rejects a document with %s", (_, mutate, message) => {
    const doc = structuredClone(buildSchedulerDocument(input));
    mutate(doc);
    expect(schedulerProblems(doc)).toContain(message);
  });

  it("the test document carries the scale-from-zero contract and conforms", () => {
    expect(schedulerProblems(FIXTURE)).toEqual([]);
    const [burst, standby] = FIXTURE.groups;
    expect(burst.demand).toMatchObject({ provider: "aws-cloudwatch", metric: "BurstDemand", unit: "nodes", periodSeconds: 60 });
    expect(burst.discovery.validatedTag).toEqual({ key: "logos-validated", value: REF });
    expect(standby.discovery.roleTag).toEqual({ key: "logos-role", value: "standby" });
  });

  it("a built document carries the burst contract: demand, target, discovery, scale-in; the standby its own tag", () => {
    const doc = buildSchedulerDocument(input);
    expect(doc.groups[0]).toMatchObject({
      role: "burst",
      discovery: { roleTag: { key: "logos-role", value: "burst" }, validatedTag: { key: "logos-validated", value: REF } },
      demand: FIXTURE.groups[0].demand,
      target: FIXTURE.groups[0].target,
      scaleIn: FIXTURE.groups[0].scaleIn,
    });
    expect(doc.groups[1]).toMatchObject({
      role: "standby",
      discoveryTag: { key: "logos-role", value: "standby" },
      discovery: { roleTag: { key: "logos-role", value: "standby" } },
    });
    expect(doc.groups[1].demand).toBeUndefined();
  });

  it("gives the mission profile a remote_nodes fragment", () => {
    expect(remoteNodesFragment(buildSchedulerDocument(input))).toEqual({
      remote_nodes: [
        {
          name: "logos-core-0",
          host: "10.40.0.4",
          cpu_slots: 8,
          memory_gib: 16,
          state_dir: "/var/lib/logos/state",
          ssh_user: "logos",
          ssh_proxy_jump: "logos@198.51.100.7:22",
          pool: "logos",
          cloud: "aws",
          validated: true,
        },
        {
          name: "logos-core-1",
          host: "10.40.32.4",
          cpu_slots: 8,
          memory_gib: 16,
          state_dir: "/var/lib/logos/state",
          ssh_user: "logos",
          ssh_proxy_jump: "logos@198.51.100.7:22",
          pool: "logos",
          cloud: "aws",
          validated: false,
        },
      ],
    });
  });
});
