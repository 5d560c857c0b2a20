import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { schemaText } from "../../infra/scheduler/cli";
import { buildSchedulerDocument, remoteNodesFragment, type ContractInput } from "../../infra/scheduler/contract";
import { schedulerProblems, SCHEMA_FILE } from "../../infra/scheduler/validate";

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
    standby: { kind: "aws-asg-warm-pool", group: "logos-burst", size: 1 },
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
    ["wrong version", (d) => (d.schemaVersion = 2), "/schemaVersion: must be equal to constant"],
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
