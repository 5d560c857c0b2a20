/**
 * The Azure stacks as the engine would receive them (the offline plan records
 * each resource's inputs, dependencies and options): creation order for a
 * first `pulumi up` in one run, what `pulumi destroy` keeps, names at the
 * longest pool name, two stacks in one subscription, tags.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { planStack, planStacks, type PlanRun } from "../../infra/plan/engine";
import type { Plan, PlannedResource } from "../../infra/plan/types";
import { orderingProblems, retentionProblems, validationPathProblems } from "../helpers/graph";
import { observe, tagInputOf } from "../helpers/observe";
import { customRoleName, ROLE_NAME_MAX } from "../../components/pool/azure-names";
import { deploymentId } from "../../infra/deployment";
import { FAKE_AZURE_SUBSCRIPTION } from "../../infra/plan/mocks";
import { day2Changes, day2Matrix } from "../../infra/plan/day2";

const LONGEST_POOL = "proofgated-pool-euw1";
const plans: Record<"pilot" | "pool" | "poolPreview" | "longest", Plan> = {} as never;

beforeAll(async () => {
  const [filled, preview, longest] = await Promise.all([
    planStacks(["azure-pilot", "azure-pool"], { computed: "placeholder" }),
    planStack("azure-pool"),
    planStack("azure-pool", { computed: "placeholder", overrides: { poolName: LONGEST_POOL } }),
  ]);
  for (const run of filled) if (run instanceof Error) throw run;
  plans.pilot = (filled[0] as PlanRun).plan;
  plans.pool = (filled[1] as PlanRun).plan;
  plans.poolPreview = preview.plan;
  plans.longest = longest.plan;
}, 300_000);

const byName = (plan: Plan, name: string): PlannedResource => {
  const found = plan.resources.filter((r) => r.name === name);
  if (found.length !== 1) throw new Error(`expected one resource named ${name}, found ${found.length}`);
  return found[0];
};
const ofType = (plan: Plan, type: string): PlannedResource[] => plan.resources.filter((r) => r.type === type);
/** The resource names a resource's registration waits for. */
const waitsFor = (plan: Plan, r: PlannedResource): string[] =>
  r.dependencies.map((urn) => plan.resources.find((x) => x.urn === urn)?.name ?? urn);

describe("azure: the generic graph checks", () => {
  it.each(["pilot", "pool", "poolPreview", "longest"] as const)("%s: every preview-known reference is also a dependency", (which) => {
    expect(orderingProblems(plans[which])).toEqual([]);
  });

  it.each(["pilot", "pool", "longest"] as const)("%s: every data-bearing resource is kept on delete", (which) => {
    expect(retentionProblems(plans[which])).toEqual([]);
  });

  it.each(["pilot", "pool", "longest"] as const)("%s: every validation waits for its whole path", (which) => {
    expect(validationPathProblems(plans[which])).toEqual([]);
  });
});

describe("azure: a first `pulumi up` succeeds in one run", () => {
  it("disks and VMs wait for the encryption set's key grant to take effect, not just to exist", () => {
    const plan = plans.poolPreview;
    const sleep = byName(plan, "logos-des-key-propagation");
    expect(sleep.type).toBe("time:index/sleep:Sleep");
    expect(sleep.inputs.createDuration).toBe("600s");
    expect(waitsFor(plan, sleep)).toContain("logos-des-key-access");
    const encrypted = [
      ...ofType(plan, "azure-native:compute:Disk"),
      ...ofType(plan, "azure-native:compute:VirtualMachine"),
      ...ofType(plan, "azure-native:compute:VirtualMachineScaleSet"),
    ];
    expect(encrypted).toHaveLength(8);
    for (const r of encrypted)
      expect({ r: r.name, waits: waitsFor(plan, r) }).toMatchObject({ waits: expect.arrayContaining([sleep.name]) });
    expect(waitsFor(plan, byName(plan, "logos-des-key-access"))).toContain("logos-disk-key");
  });

  it("the archive's key grant waits for the vault and key it names by a built id; the account waits for the grant to take effect", () => {
    const plan = plans.poolPreview;
    expect(waitsFor(plan, byName(plan, "logos-archive-key-access"))).toEqual(expect.arrayContaining(["logos-kv", "logos-disk-key"]));
    const sleep = byName(plan, "logos-archive-key-access-propagation");
    expect(waitsFor(plan, sleep)).toContain("logos-archive-key-access");
    expect(waitsFor(plan, byName(plan, "logos-archive-account"))).toEqual(
      expect.arrayContaining([sleep.name, "logos-kv", "logos-disk-key", "logos-archive-key-identity"]),
    );
  });

  it.each(["pool", "pilot", "longest"] as const)(
    "%s: a grant of one of the pool's custom roles waits until the new definition has replicated (RoleDefinitionDoesNotExist before)",
    (which) => {
      const plan = plans[which];
      const definitions = new Set(ofType(plan, "azure-native:authorization:RoleDefinition").map((r) => r.urn));
      const grants = ofType(plan, "azure-native:authorization:RoleAssignment").filter((g) =>
        (g.propertyDependencies.roleDefinitionId ?? []).some((d) => definitions.has(d)),
      );
      expect(grants.length).toBeGreaterThanOrEqual(which === "pilot" ? 1 : 2);
      for (const grant of grants) {
        const definition = grant.propertyDependencies.roleDefinitionId.find((d) => definitions.has(d));
        const waits = plan.resources.filter(
          (r) => r.type === "time:index/sleep:Sleep" && r.dependencies.includes(definition!) && grant.dependencies.includes(r.urn),
        );
        expect({ grant: grant.name, waits: waits.map((w) => w.inputs.createDuration) }).toEqual({ grant: grant.name, waits: ["600s"] });
      }
    },
  );

  it("policy remediations run only once their identities' grants have taken effect", () => {
    const plan = plans.poolPreview;
    // The agent's definition names one role; the association's two, plus reading the rule in the monitoring group.
    for (const [key, count] of [
      ["ama-vm", 1],
      ["dcr-vm", 3],
    ] as const) {
      const sleep = byName(plan, `logos-monitoring-policy-${key}-propagation`);
      const grants = plan.resources.filter(
        (r) => r.name.startsWith(`logos-monitoring-policy-${key}-`) && r.type.endsWith(":RoleAssignment"),
      );
      expect(grants.length).toBe(count);
      expect(waitsFor(plan, sleep)).toEqual(expect.arrayContaining(grants.map((g) => g.name)));
      expect(waitsFor(plan, byName(plan, `logos-monitoring-remediate-${key}`))).toContain(sleep.name);
    }
    expect(waitsFor(plan, byName(plan, "logos-tag-remediation"))).toContain("logos-tag-policy-propagation");
    // It tags what Azure created untagged, so it runs after every VM exists, the standby pool's included.
    expect(waitsFor(plan, byName(plan, "logos-tag-remediation"))).toEqual(
      expect.arrayContaining(["logos-bastion", "logos-core-0", "logos-core-1", "logos-core-2", "logos-burst", "logos-standby"]),
    );
  });

  it("each validation waits for its whole path: node, state disk, NIC, subnet with NSG and NAT, bastion hop, and the archive grant in effect", () => {
    const plan = plans.poolPreview;
    for (const [i, zone] of [
      [0, "1"],
      [1, "2"],
      [2, "3"],
    ] as const) {
      const waits = waitsFor(plan, byName(plan, `logos-core-${i}-validate`));
      expect(waits).toEqual(
        expect.arrayContaining([
          `logos-core-${i}`,
          `logos-core-${i}-state`,
          `logos-core-${i}-nic`,
          `logos-node-subnet-${zone}`,
          "logos-node-nsg",
          "logos-nat",
          "logos-bastion",
          "logos-bastion-ip",
          "logos-bastion-nic",
          "logos-bastion-nsg",
          "logos-edge-subnet",
          "logos-archive-node-write-propagation",
        ]),
      );
    }
  });
});

describe("azure: `pulumi destroy` keeps what holds history, and what keeps it readable and immutable", () => {
  const KEPT = [
    // The audit archive: group, account, settings, container, lock, and the key grant through which the account reads its key.
    "logos-archive-rg",
    "logos-archive-account",
    "logos-archive-blob-service",
    "logos-archive-container",
    "logos-archive-immutability",
    "logos-archive-key-identity",
    "logos-archive-key-access",
    // The key the archive and the disks are encrypted under.
    "logos-keys-rg",
    "logos-kv",
    "logos-disk-key",
    // Each node's audit history, and the encryption set (with its grant) it is written with.
    "logos-state-rg",
    "logos-des",
    "logos-des-key-access",
    "logos-core-0-state",
    "logos-core-1-state",
    "logos-core-2-state",
  ];

  it("retains exactly those on delete", () => {
    const retained = plans.pool.resources.filter((r) => r.options.retainOnDelete).map((r) => r.name);
    expect(retained.sort()).toEqual([...KEPT].sort());
  });

  it("protects the state disks and nothing else: an up that would delete or move one stops in preview", () => {
    expect(plans.pool.resources.filter((r) => r.options.protect).map((r) => r.name)).toEqual([
      "logos-core-0-state",
      "logos-core-1-state",
      "logos-core-2-state",
    ]);
    for (const disk of ofType(plans.pool, "azure-native:compute:Disk")) expect(disk.options.replaceOnChanges).toEqual(["zones"]);
    for (const vm of ofType(plans.pool, "azure-native:compute:VirtualMachine").filter((r) => r.name.includes("-core-")))
      expect(vm.options.replaceOnChanges).toEqual(["zones", "hardwareProfile.vmSize"]);
  });

  it("puts no state disk in the pool's group, whose deletion would take it along", () => {
    for (const disk of ofType(plans.pool, "azure-native:compute:Disk"))
      expect(disk.inputs.resourceGroupName).toBe("logos-azure-pool-state-rg");
    expect(byName(plans.pool, "logos-des").inputs.resourceGroupName).toBe("logos-azure-pool-state-rg");
  });
});

/** Each explicit name of the Azure plan with the rule its type documents (https://learn.microsoft.com/azure/azure-resource-manager/management/resource-name-rules unless noted). */
const NAME_RULES: ReadonlyArray<{ type: string; field: string; rule: RegExp; max: number }> = [
  { type: "azure-native:resources:ResourceGroup", field: "resourceGroupName", rule: /^[-\w.()]*[-\w()]$/, max: 90 },
  { type: "azure-native:keyvault:Vault", field: "vaultName", rule: /^[a-zA-Z](?!.*--)[a-zA-Z0-9-]*[a-zA-Z0-9]$/, max: 24 },
  { type: "azure-native:keyvault:Key", field: "keyName", rule: /^[a-zA-Z0-9-]+$/, max: 127 },
  { type: "azure-native:compute:DiskEncryptionSet", field: "diskEncryptionSetName", rule: /^[a-zA-Z0-9_-]+$/, max: 80 },
  { type: "azure-native:compute:Disk", field: "diskName", rule: /^[a-zA-Z0-9][a-zA-Z0-9_.-]*[a-zA-Z0-9_]$/, max: 80 },
  { type: "azure-native:compute:VirtualMachine", field: "vmName", rule: /^[a-zA-Z0-9][a-zA-Z0-9_.-]*[a-zA-Z0-9_]$/, max: 64 },
  // Microsoft.StandbyPool/standbyVirtualMachinePools 2024-03-01 (Azure/bicep-types-az generated/standbypool).
  {
    type: "azure-native:standbypool:StandbyVirtualMachinePool",
    field: "standbyVirtualMachinePoolName",
    rule: /^[a-zA-Z0-9-]{3,24}$/,
    max: 24,
  },
  { type: "azure-native:storage:StorageAccount", field: "accountName", rule: /^[a-z0-9]{3,24}$/, max: 24 },
  { type: "azure-native:storage:BlobContainer", field: "containerName", rule: /^[a-z0-9](?!.*--)[a-z0-9-]{1,61}[a-z0-9]$/, max: 63 },
  { type: "azure-native:managedidentity:UserAssignedIdentity", field: "resourceName", rule: /^[a-zA-Z0-9][a-zA-Z0-9_-]{2,}$/, max: 128 },
  { type: "azure-native:authorization:PolicyAssignment", field: "policyAssignmentName", rule: /^[^<>*%&:\\?.+/]+$/, max: 64 },
  { type: "azure-native:operationalinsights:Table", field: "tableName", rule: /^[A-Za-z][A-Za-z0-9_]*_CL$/, max: 63 },
];
/** Limits of types the plan leaves to azure-native's auto-naming (logical name plus 8 random characters). */
const AUTO_NAME_MAX: Readonly<Record<string, number>> = {
  "azure-native:network:VirtualNetwork": 64,
  "azure-native:network:Subnet": 80,
  "azure-native:network:NetworkSecurityGroup": 80,
  "azure-native:network:NetworkInterface": 80,
  "azure-native:network:PublicIPAddress": 80,
  "azure-native:network:NatGateway": 80,
  "azure-native:compute:VirtualMachine": 64,
  "azure-native:compute:VirtualMachineScaleSet": 64,
  "azure-native:managedidentity:UserAssignedIdentity": 128,
  "azure-native:operationalinsights:Workspace": 63,
  "azure-native:monitor:DataCollectionRule": 64,
};

describe(`azure: every name fits its type's rules at the longest pool name (${LONGEST_POOL.length} characters)`, () => {
  it("explicit names", () => {
    const plan = plans.longest;
    let checked = 0;
    for (const { type, field, rule, max } of NAME_RULES) {
      for (const r of ofType(plan, type)) {
        const value = r.inputs[field];
        if (value === undefined) continue;
        checked++;
        expect({ r: r.name, value, ok: typeof value === "string" && rule.test(value) && value.length <= max }).toMatchObject({ ok: true });
      }
    }
    expect(checked).toBeGreaterThanOrEqual(15);
    expect(byName(plan, `${LONGEST_POOL}-standby`).inputs.standbyVirtualMachinePoolName).toBe("proofgated-pool-standby");
  });

  it("computer names and the scale set's prefix", () => {
    for (const vm of ofType(plans.longest, "azure-native:compute:VirtualMachine")) {
      const name = (vm.inputs.osProfile as { computerName: string }).computerName;
      expect(name).toMatch(/^[a-zA-Z0-9][a-zA-Z0-9-]{0,62}[a-zA-Z0-9]$/);
    }
    const [vmss] = ofType(plans.longest, "azure-native:compute:VirtualMachineScaleSet");
    expect((vmss.inputs.virtualMachineProfile as { osProfile: { computerNamePrefix: string } }).osProfile.computerNamePrefix).toMatch(
      /^[a-zA-Z0-9][a-zA-Z0-9-]{0,14}$/,
    );
  });

  it("auto-generated names stay within their type's limit", () => {
    for (const r of plans.longest.resources.filter((x) => x.custom && AUTO_NAME_MAX[x.type] !== undefined)) {
      const explicit = NAME_RULES.find((n) => n.type === r.type && r.inputs[n.field] !== undefined);
      if (explicit) continue;
      expect({ r: r.name, fits: r.name.length + 8 <= AUTO_NAME_MAX[r.type] }).toEqual({ r: r.name, fits: true });
    }
  });

  it("no resource of a type with a documented short limit is left to auto-naming", () => {
    const autoNamed = plans.longest.resources.filter(
      (r) =>
        r.type.startsWith("azure-native:") && NAME_RULES.some((n) => n.type === r.type && n.max <= 24 && r.inputs[n.field] === undefined),
    );
    expect(autoNamed.map((r) => r.name)).toEqual([]);
  });
});

describe("azure: a machine type change", () => {
  it("replaces each core VM on its own NIC and state disk (Azure refuses a resize between temp-disk and diskless sizes); the scale set rolls", async () => {
    const change = day2Changes("azure-pool").find((c) => c.id === "machineType");
    expect(change?.after).toEqual({ machineType: "Standard_D8s_v5" });
    const [result] = await day2Matrix([{ stack: "azure-pool", change: change! }]);
    if ("refused" in result) throw new Error(result.refused);
    const touched = result.changes.filter((c) => c.change !== "unchanged").map((c) => `${c.change} ${c.name}`);
    expect(touched.sort()).toEqual([
      "replace logos-core-0",
      "replace logos-core-0-sync-copy",
      "replace logos-core-0-sync-run",
      "replace logos-core-0-validate-copy",
      "replace logos-core-0-validate-run",
      "replace logos-core-1",
      "replace logos-core-1-sync-copy",
      "replace logos-core-1-sync-run",
      "replace logos-core-1-validate-copy",
      "replace logos-core-1-validate-run",
      "replace logos-core-2",
      "replace logos-core-2-sync-copy",
      "replace logos-core-2-sync-run",
      "replace logos-core-2-validate-copy",
      "replace logos-core-2-validate-run",
      "update logos-burst",
    ]);
    for (const vm of result.changes.filter((c) => /^logos-core-\d$/.test(c.name)))
      expect(vm.forcedBy.join(" ")).toContain("hardwareProfile.vmSize");
  }, 300_000);
});

describe("azure: a new scale set", () => {
  it("gets a new autoscale setting: Azure never re-points a setting at another resource (TargetResourceIdIsImmutable)", () => {
    const [autoscale] = ofType(plans.pool, "azure-native:monitor:AutoscaleSetting");
    expect(autoscale.options.replaceOnChanges).toEqual(["targetResourceUri"]);
    // Auto-named, so the new setting is created before the old one goes.
    expect(autoscale.inputs.autoscaleSettingName).toBeUndefined();
    expect(autoscale.options.deleteBeforeReplace).toBeFalsy();
  });
});

describe("azure: a locked archive retention", () => {
  it("is left alone by later ups (Azure takes no update of a locked immutability policy); unlocked, the retention follows the config", async () => {
    const locked = await planStack("azure-pilot", { computed: "placeholder", overrides: { archiveLockRetention: true } });
    const [policy] = ofType(locked.plan, "azure-native:storage:BlobContainerImmutabilityPolicy");
    expect(policy.options.ignoreChanges).toEqual(["immutabilityPeriodSinceCreationInDays", "allowProtectedAppendWrites"]);
    expect(policy.options.retainOnDelete).toBe(true);
    const [unlocked] = ofType(plans.pilot, "azure-native:storage:BlobContainerImmutabilityPolicy");
    expect(unlocked.options.ignoreChanges ?? []).toEqual([]);
  }, 120_000);
});

describe("azure: monitoring survives a node's replacement", () => {
  it("takes no input from a core VM (a delete-first replacement would delete every resource whose force-new input came from it); remediations only wait for the VMs", () => {
    const plan = plans.pool;
    const vms = new Map(ofType(plan, "azure-native:compute:VirtualMachine").map((vm) => [vm.urn, vm.name]));
    const monitoring = plan.resources.filter((r) => r.custom && r.urn.includes("logos:compute:Monitoring"));
    expect(monitoring.length).toBeGreaterThan(10);
    const fromVms = monitoring.flatMap((r) =>
      Object.entries(r.propertyDependencies)
        .filter(([key, deps]) => key !== "notScopes" && deps.some((d) => vms.has(d)))
        .map(
          ([key, deps]) =>
            `${r.name}.${key} <- ${deps
              .filter((d) => vms.has(d))
              .map((d) => vms.get(d))
              .join(", ")}`,
        ),
    );
    expect(fromVms).toEqual([]);
    for (const remediation of monitoring.filter((r) => r.type === "azure-native:policyinsights:RemediationAtResourceGroup"))
      expect(waitsFor(plan, remediation)).toEqual(expect.arrayContaining(["logos-core-0", "logos-core-1", "logos-core-2"]));
  });
});

describe("azure: pilot and pool side by side in one subscription", () => {
  /** A name's uniqueness scope: global, subscription, or the group (and parent) it lives in. */
  function claims(plan: Plan): string[] {
    const out: string[] = [];
    for (const r of plan.resources.filter((x) => x.custom && x.type.startsWith("azure-native:"))) {
      const rule = NAME_RULES.find((n) => n.type === r.type);
      const name = rule ? r.inputs[rule.field] : undefined;
      if (typeof name !== "string") continue;
      const scope =
        r.type === "azure-native:storage:StorageAccount" || r.type === "azure-native:keyvault:Vault"
          ? "global"
          : r.type === "azure-native:resources:ResourceGroup"
            ? "subscription"
            : r.type === "azure-native:authorization:PolicyAssignment"
              ? String(r.inputs.scope)
              : [r.inputs.resourceGroupName, r.inputs.vaultName, r.inputs.accountName, r.inputs.workspaceName].filter(Boolean).join("/");
      out.push(`${r.type} ${scope} ${name}`);
    }
    const roles = ofType(plan, "azure-native:authorization:RoleDefinition").map((r) => `role ${String(r.inputs.roleName)}`);
    return [...out, ...roles];
  }

  it("claim no name twice in the same scope", () => {
    const pilot = new Set(claims(plans.pilot));
    const shared = claims(plans.pool).filter((c) => pilot.has(c));
    expect(claims(plans.pool).length).toBeGreaterThan(15);
    expect(shared).toEqual([]);
  });

  it("custom role names, unique in the whole directory, carry the subscription: the same stack in two subscriptions of one tenant never collides", () => {
    const deployment = deploymentId({ project: "logos-compute", stack: "azure-pool" });
    const names = ofType(plans.pool, "azure-native:authorization:RoleDefinition")
      .map((r) => String(r.inputs.roleName))
      .filter((n) => n.includes(" burst "));
    const here = ["burst member", "burst scheduler"].map((p) => customRoleName("logos", deployment, FAKE_AZURE_SUBSCRIPTION, p));
    expect(names.sort()).toEqual(here);
    const elsewhere = ["burst member", "burst scheduler"].map((p) =>
      customRoleName("logos", deployment, "11111111-2222-3333-4444-555555555555", p),
    );
    expect(elsewhere.filter((n) => here.includes(n))).toEqual([]);
    // Every custom role name fits Azure's limit at the longest pool name and a 30-character stack stem.
    for (const r of ofType(plans.longest, "azure-native:authorization:RoleDefinition"))
      expect(String(r.inputs.roleName).length).toBeLessThanOrEqual(ROLE_NAME_MAX);
    const longest = customRoleName(
      LONGEST_POOL,
      deploymentId({ project: "p", stack: "s".repeat(100) }),
      FAKE_AZURE_SUBSCRIPTION,
      "burst scheduler",
    );
    expect(longest.length).toBeLessThanOrEqual(ROLE_NAME_MAX);
  });

  it("alert on their own resources only", () => {
    const scopesOf = (plan: Plan): string[] =>
      [...ofType(plan, "azure-native:monitor:MetricAlert"), ...ofType(plan, "azure-native:monitor:ScheduledQueryRule")].flatMap(
        (r) => r.inputs.scopes as string[],
      );
    const pilot = scopesOf(plans.pilot);
    const pool = scopesOf(plans.pool);
    // CPU, memory (metric alerts); disk, failed validation, rebuild SLA, availability (log alerts).
    expect(pilot).toHaveLength(6);
    expect(pool.filter((s) => pilot.includes(s))).toEqual([]);
    for (const s of pool) expect(s).toMatch(/\/resourceGroups\/logos-azure-pool-(rg|monitoring-rg)(\/|$)/);
    for (const a of ofType(plans.pool, "azure-native:authorization:PolicyAssignment"))
      expect(String(a.inputs.scope)).toMatch(/\/resourceGroups\/logos-azure-pool-rg$/);
  });
});

describe("azure: the proof-gated tag", () => {
  it("is on every resource whose type takes tags, in both stacks, including those given none", () => {
    for (const plan of [plans.pilot, plans.pool, plans.longest]) expect(observe(plan).untagged, plan.stack).toEqual([]);
    const bare: PlannedResource = { ...byName(plans.pool, "logos-monitoring-actions"), inputs: { location: "global" } };
    expect(observe({ ...plans.pool, resources: [...plans.pool.resources, bare] }).untagged).toEqual([
      "azure-native:monitor:ActionGroup logos-monitoring-actions",
    ]);
    expect(tagInputOf("azure-native:network:NetworkInterface")).toBe("tags");
    expect(tagInputOf("azure-native:authorization:RoleAssignment")).toBeUndefined();
  });

  it("reaches what Azure creates without tags (OS disks, scale-set members and their NICs) through a Modify policy on the pool's group", () => {
    const plan = plans.pool;
    const assignment = byName(plan, "logos-tag-policy");
    expect(assignment.inputs).toMatchObject({
      policyDefinitionId: "/providers/Microsoft.Authorization/policyDefinitions/4f9dc7db-30c1-420c-b61a-e1d640128d26",
      scope: expect.stringMatching(/\/resourceGroups\/logos-azure-pool-rg$/),
      parameters: { tagName: { value: "logos-proof-gated" }, tagValue: { value: "true" } },
      identity: { type: "SystemAssigned" },
    });
    const remediation = byName(plan, "logos-tag-remediation");
    expect(waitsFor(plan, remediation)).toEqual(
      expect.arrayContaining(["logos-bastion", "logos-core-0", "logos-core-1", "logos-core-2", "logos-burst"]),
    );
  });
});
