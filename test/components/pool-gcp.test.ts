import * as pulumi from "@pulumi/pulumi";
import { beforeAll, describe, expect, it } from "vitest";
import { installMocks, installPreviewMocks, known, valueOf, waitFor, type Registered } from "../helpers/mocks";
import { poolConfig, rawConfig, TEST_SSH_KEY } from "../helpers/configs";
import { nodeSlots, bastionPrivateIp } from "../../infra/layout";
import { parseSpec, PROOF_GATED_TAG, type PoolSpec } from "../../infra/spec";
import { renderBastionUserData } from "../../infra/bootstrap";
import { serviceAccountEmail } from "../../components/pool/gcp-identity";
import { cryptoKeyId, gcpKeyNames, type GcpKeyScope } from "../../components/pool/gcp-names";
import type { VmPool } from "../../components/pool";
import { deploymentId } from "../../infra/deployment";

// Must run before anything that creates resources is imported.
const mocks = installMocks();

const T = {
  instance: "gcp:compute/instance:Instance",
  disk: "gcp:compute/disk:Disk",
  template: "gcp:compute/instanceTemplate:InstanceTemplate",
  group: "gcp:compute/regionInstanceGroupManager:RegionInstanceGroupManager",
  autoscaler: "gcp:compute/regionAutoscaler:RegionAutoscaler",
  network: "gcp:compute/network:Network",
  subnet: "gcp:compute/subnetwork:Subnetwork",
  firewall: "gcp:compute/firewall:Firewall",
  router: "gcp:compute/router:Router",
  nat: "gcp:compute/routerNat:RouterNat",
  address: "gcp:compute/address:Address",
  keyRing: "gcp:kms/keyRing:KeyRing",
  key: "gcp:kms/cryptoKey:CryptoKey",
  keyGrant: "gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember",
  account: "gcp:serviceaccount/account:Account",
  projectMember: "gcp:projects/iAMMember:IAMMember",
} as const;

/** Resource types that accept labels; every one must carry the proof-gated label. */
const LABELLED = [T.instance, T.disk, T.template, T.address, T.key];

/** Pool `logos`, stack `test`, project `logos-test-project`: ids carry the scope's digest, as the key ring does. */
const NODE_EMAIL = "logos-node-cc3133@logos-test-project.iam.gserviceaccount.com";
const BASTION_EMAIL = "logos-bastion-cc3133@logos-test-project.iam.gserviceaccount.com";
/** deploymentId of Pulumi project `logos-compute`, stack `test`. */
const DEPLOYMENT = deploymentId({ project: "logos-compute", stack: "test" });

const STATE_DEVICE = "/dev/disk/by-id/google-logos-state";
/** Pool `logos`, stack `test`, project `logos-test-project`: the key id built from names, never from the cloud. */
const KEY_RING = "logos-test-cc3133c8";
const KEY_REF = `projects/logos-test-project/locations/us-central1/keyRings/${KEY_RING}/cryptoKeys/logos-disk`;

interface Built {
  readonly name: string;
  readonly spec: PoolSpec;
  readonly pool: VmPool;
  readonly all: Registered[];
  ofType(t: string): Registered[];
  one(t: string, name: string): Registered;
}

const built: Record<"pilot" | "pool" | "nostandby", Built> = {} as never;

beforeAll(async () => {
  const { VmPool } = await import("../../components/pool/index.js");
  const shapes = {
    pilot: rawConfig("gcp"),
    pool: poolConfig("gcp"),
    nostandby: poolConfig("gcp", { standbyNodes: 0 }),
  };
  for (const [name, raw] of Object.entries(shapes) as [keyof typeof shapes, ReturnType<typeof rawConfig>][]) {
    const spec = parseSpec(raw);
    const pool = new VmPool(name, { spec });
    const mine = (): Registered[] => mocks.resources.filter((r) => r.name.startsWith(`${name}-`));
    built[name] = {
      name,
      spec,
      pool,
      get all() {
        return mine();
      },
      ofType: (t) => mine().filter((r) => r.type === t),
      one(t, n) {
        const found = mine().filter((r) => r.type === t && r.name === n);
        if (found.length !== 1) throw new Error(`expected one ${t} named ${n}, found ${found.length}`);
        return found[0];
      },
    };
  }
  // Registrations resolve asynchronously; resolving the outputs that sit at
  // the end of each dependency chain is enough to know all are recorded.
  for (const b of Object.values(built)) {
    await valueOf(b.pool.encryptionKeyId);
    await Promise.all(b.pool.nodes.map((n) => valueOf(n.instanceId)));
    if (b.pool.burst) await valueOf(b.pool.burst.groupId);
    await valueOf(b.pool.nodeIdentity.principal);
  }
  await new Promise((r) => setTimeout(r, 200));
});

describe("gcp pool: shapes", () => {
  it("pilot: one core node, a bastion, no burst group", () => {
    const b = built.pilot;
    expect(
      b
        .ofType(T.instance)
        .map((r) => r.name)
        .sort(),
    ).toEqual(["pilot-bastion", "pilot-core-0"]);
    expect(b.ofType(T.disk).map((r) => r.name)).toEqual(["pilot-core-0-state"]);
    expect(b.ofType(T.template)).toHaveLength(0);
    expect(b.ofType(T.group)).toHaveLength(0);
    expect(b.ofType(T.autoscaler)).toHaveLength(0);
    expect(b.pool.burst).toBeUndefined();
  });

  it("pool: three core nodes, one template, one regional group with autoscaler", () => {
    const b = built.pool;
    expect(
      b
        .ofType(T.instance)
        .map((r) => r.name)
        .sort(),
    ).toEqual(["pool-bastion", "pool-core-0", "pool-core-1", "pool-core-2"]);
    expect(b.ofType(T.disk)).toHaveLength(3);
    expect(b.ofType(T.template)).toHaveLength(1);
    expect(b.ofType(T.group)).toHaveLength(1);
    expect(b.ofType(T.autoscaler)).toHaveLength(1);
  });

  it("shares everything but the VM and its state disk per node", () => {
    const count = (b: Built): number => b.all.length;
    // pilot -> pool adds 2 core nodes (VM + disk each), the burst trio and
    // the members' and the scheduler's custom roles with the members' grant
    // and the wait for it, and the roles' entropy.
    expect(count(built.pool) - count(built.pilot)).toBe(2 * 2 + 3 + 5);
  });

  it("names every child after the pool", () => {
    for (const b of Object.values(built)) {
      for (const r of b.all) expect(r.name.startsWith(`${b.name}-`)).toBe(true);
    }
  });
});

describe("gcp pool: network", () => {
  it("is a custom-mode VPC with one node and one burst subnet per zone plus the edge subnet", () => {
    const b = built.pool;
    expect(b.one(T.network, "pool-network").inputs.autoCreateSubnetworks).toBe(false);
    const cidrs = b
      .ofType(T.subnet)
      .map((s) => s.inputs.ipCidrRange)
      .sort();
    expect(cidrs).toEqual([...b.spec.network.nodeSubnets, ...b.spec.network.burstSubnets, b.spec.network.edgeSubnet].sort());
    for (const s of b.ofType(T.subnet)) {
      expect(s.inputs.privateIpGoogleAccess).toBe(true);
      expect(s.inputs.region).toBe("us-central1");
      expect(s.inputs.project).toBe("logos-test-project");
    }
  });

  it("NATs the node and burst subnets (not the edge) with auto-allocated addresses", () => {
    const nat = built.pool.one(T.nat, "pool-nat").inputs;
    expect(nat.natIpAllocateOption).toBe("AUTO_ONLY");
    expect(nat.sourceSubnetworkIpRangesToNat).toBe("LIST_OF_SUBNETWORKS");
    expect(nat.subnetworks.map((s: { name: string }) => s.name).sort()).toEqual(
      ["pool-nodes-0-id", "pool-nodes-1-id", "pool-nodes-2-id", "pool-burst-0-id", "pool-burst-1-id", "pool-burst-2-id"].sort(),
    );
    expect(built.pool.one(T.router, "pool-router").inputs.network).toBe("pool-network-id");
  });
});

describe("gcp pool: ingress", () => {
  it("lets operators reach only the bastion, on 22/tcp", () => {
    const fw = built.pool.one(T.firewall, "pool-bastion-ssh").inputs;
    expect(fw.direction).toBe("INGRESS");
    expect(fw.allows).toEqual([{ protocol: "tcp", ports: ["22"] }]);
    expect(fw.sourceRanges).toEqual(["203.0.113.0/24"]);
    expect(fw.targetServiceAccounts).toEqual([BASTION_EMAIL]);
  });

  it("lets only the bastion reach nodes, on 22/tcp", () => {
    const fw = built.pool.one(T.firewall, "pool-node-ssh").inputs;
    expect(fw.allows).toEqual([{ protocol: "tcp", ports: ["22"] }]);
    expect(fw.sourceServiceAccounts).toEqual([BASTION_EMAIL]);
    expect(fw.targetServiceAccounts).toEqual([NODE_EMAIL]);
    expect(fw.sourceRanges).toBeUndefined();
  });

  it("allows nothing from 0.0.0.0/0 and denies the rest explicitly", () => {
    const rules = built.pool.ofType(T.firewall);
    expect(rules).toHaveLength(3);
    for (const r of rules.filter((x) => x.inputs.allows)) expect(r.inputs.sourceRanges ?? []).not.toContain("0.0.0.0/0");
    const deny = built.pool.one(T.firewall, "pool-deny-ingress").inputs;
    expect(deny.denies).toEqual([{ protocol: "all" }]);
    expect(deny.allows).toBeUndefined();
    expect(deny.priority).toBe(65534);
  });

  it("gives no node and no template an external address; only the bastion has one", () => {
    for (const b of Object.values(built)) {
      for (const vm of b.ofType(T.instance)) {
        const external = vm.inputs.networkInterfaces.some((n: { accessConfigs?: unknown[] }) => (n.accessConfigs ?? []).length > 0);
        expect({ name: vm.name, external }).toEqual({ name: vm.name, external: vm.name === `${b.name}-bastion` });
      }
      for (const t of b.ofType(T.template)) {
        for (const n of t.inputs.networkInterfaces) expect(n.accessConfigs ?? []).toEqual([]);
      }
      const addresses = b.ofType(T.address);
      expect(addresses.map((a) => [a.name, a.inputs.labels["logos-role"]])).toEqual([[`${b.name}-bastion-ip`, "bastion"]]);
    }
  });
});

describe("gcp pool: bastion", () => {
  it("is a small, labelled, shielded VM at the fixed edge address with the CMK on its disk", () => {
    const b = built.pool;
    const vm = b.one(T.instance, "pool-bastion").inputs;
    expect(vm.machineType).toBe("e2-micro");
    expect(vm.labels).toMatchObject({ "logos-role": "bastion", [PROOF_GATED_TAG]: "true" });
    expect(vm.tags).toEqual([PROOF_GATED_TAG, "logos-bastion"]);
    expect(vm.networkInterfaces[0].networkIp).toBe(bastionPrivateIp(b.spec));
    expect(vm.networkInterfaces[0].subnetwork).toBe("pool-edge-id");
    expect(vm.bootDisk.kmsKeySelfLink).toBe(KEY_REF);
    expect(vm.shieldedInstanceConfig).toEqual({ enableSecureBoot: true, enableVtpm: true, enableIntegrityMonitoring: true });
    expect(vm.serviceAccount.email).toBe(BASTION_EMAIL);
  });

  it("boots key-only: both keys, no passwords, no root", () => {
    const vm = built.pool.one(T.instance, "pool-bastion").inputs;
    const ud: string = vm.metadata["user-data"];
    expect(ud.startsWith("#cloud-config\n")).toBe(true);
    expect(ud).toContain(TEST_SSH_KEY);
    expect(ud).toContain("DeployKeyForTestsOnly");
    expect(ud).toContain("ssh_pwauth: false");
    expect(ud).toContain("disable_root: true");
    expect(ud).toContain("PasswordAuthentication no");
    expect(ud).toContain("PermitRootLogin no");
    expect(vm.metadata["block-project-ssh-keys"]).toBe("TRUE");
    expect(vm.metadata["enable-oslogin"]).toBe("FALSE");
  });

  it("renders bastion user-data deterministically", () => {
    expect(renderBastionUserData({ sshUser: "logos", sshAuthorizedKeys: ["k1", "k2"] })).toBe(
      renderBastionUserData({ sshUser: "logos", sshAuthorizedKeys: ["k1", "k2"] }),
    );
    expect(renderBastionUserData({ sshUser: "ops", sshAuthorizedKeys: ["k1"] })).toContain("AllowUsers ops");
  });

  it("has no roles on its identity", () => {
    const members = built.pool.ofType(T.projectMember).map((m) => m.inputs.member);
    expect(members.some((m: string) => m.includes("bastion"))).toBe(false);
  });
});

describe("gcp pool: encryption", () => {
  it("creates a rotating customer-managed key the Compute Engine agent may use", () => {
    const key = built.pool.one(T.key, "pool-key").inputs;
    expect(key.purpose).toBe("ENCRYPT_DECRYPT");
    expect(key.rotationPeriod).toBe("7776000s");
    expect(key.keyRing).toBe("pool-keyring-id");
    expect(key.name).toBe("logos-disk");
    expect(built.pool.one(T.keyRing, "pool-keyring").inputs).toMatchObject({ location: "us-central1", name: KEY_RING });
    const grant = built.pool.one(T.keyGrant, "pool-key-compute-agent").inputs;
    expect(grant.cryptoKeyId).toBe("pool-key-id");
    expect(grant.role).toBe("roles/cloudkms.cryptoKeyEncrypterDecrypter");
    expect(grant.member).toBe("serviceAccount:service-123456789012@compute-system.iam.gserviceaccount.com");
  });

  it("encrypts every boot, state and template disk with it, named by the id built from names", async () => {
    for (const b of Object.values(built)) {
      for (const vm of b.ofType(T.instance)) expect(vm.inputs.bootDisk.kmsKeySelfLink).toBe(KEY_REF);
      for (const d of b.ofType(T.disk)) expect(d.inputs.diskEncryptionKey).toEqual({ kmsKeySelfLink: KEY_REF });
      for (const t of b.ofType(T.template)) {
        for (const d of t.inputs.disks) expect(d.diskEncryptionKey).toEqual({ kmsKeySelfLink: KEY_REF });
      }
      expect(await valueOf(b.pool.encryptionKeyRef)).toBe(KEY_REF);
      expect(await valueOf(b.pool.encryptionKeyId)).toBe(`${b.name}-key-id`);
    }
  });
});

describe("gcp key names", () => {
  const scope: GcpKeyScope = { pulumiProject: "logos-compute", stack: "test", project: "logos-test-project", poolName: "logos" };

  it("builds the id the provider reports for the key, from the ring and key names", () => {
    expect(gcpKeyNames(scope)).toEqual({ ring: KEY_RING, key: "logos-disk" });
    expect(cryptoKeyId("logos-test-project", "us-central1", gcpKeyNames(scope))).toBe(KEY_REF);
  });

  it.each([
    ["a plain stack", { stack: "prod" }],
    ["a stack name with dots and slashes", { stack: "team.eu/prod" }],
    ["a stack name far past 63 characters", { stack: "s".repeat(120) }],
    ["the longest pool name", { poolName: "a-very-long-pool-nm", stack: "x".repeat(80) }],
  ])("fits Cloud KMS's id rules for %s, and is stable", (_, change) => {
    const names = gcpKeyNames({ ...scope, ...change });
    for (const id of [names.ring, names.key]) expect(id).toMatch(/^[A-Za-z0-9_-]{1,63}$/);
    expect(gcpKeyNames({ ...scope, ...change })).toEqual(names);
  });

  it.each([
    ["Pulumi project", { pulumiProject: "other-program" }],
    ["stack", { stack: "prod" }],
    ["GCP project", { project: "other-project" }],
    ["pool", { poolName: "other" }],
  ])("gives another %s another ring", (_, change) => {
    expect(gcpKeyNames({ ...scope, ...change }).ring).not.toBe(KEY_RING);
  });

  it("keeps truncated stack names apart", () => {
    const long = "s".repeat(80);
    expect(gcpKeyNames({ ...scope, stack: `${long}-a` }).ring).not.toBe(gcpKeyNames({ ...scope, stack: `${long}-b` }).ring);
  });
});

describe("gcp pool: core nodes", () => {
  it("uses the slot's zone, subnet, stable address and the chosen type and image", () => {
    const b = built.pool;
    for (const slot of nodeSlots(b.spec)) {
      const name = `pool-core-${slot.index}`;
      const vm = b.one(T.instance, name).inputs;
      expect(vm.zone).toBe(slot.zone);
      expect(vm.machineType).toBe(b.spec.machine.type.name);
      expect(vm.bootDisk.initializeParams).toMatchObject({
        image: "projects/ubuntu-os-cloud/global/images/family/ubuntu-2404-lts-amd64",
        size: 30,
      });
      expect(vm.networkInterfaces).toEqual([{ subnetwork: `pool-nodes-${slot.zoneIndex}-id`, networkIp: slot.privateIp }]);
      expect(vm.serviceAccount).toEqual({ email: NODE_EMAIL, scopes: ["cloud-platform"] });
      expect(vm.shieldedInstanceConfig.enableSecureBoot).toBe(true);
      expect(vm.allowStoppingForUpdate).toBe(true);
      expect(vm.labels).toMatchObject({ "logos-role": "core", [PROOF_GATED_TAG]: "true" });
      expect(vm.tags).toEqual([PROOF_GATED_TAG, "logos-node"]);
    }
    expect(b.pool.nodes.map((n) => n.slot.privateIp)).toEqual(nodeSlots(b.spec).map((s) => s.privateIp));
  });

  it("attaches a separate persistent state disk per node, found by a stable device path", () => {
    const b = built.pool;
    for (const slot of nodeSlots(b.spec)) {
      const disk = b.one(T.disk, `pool-core-${slot.index}-state`).inputs;
      expect(disk).toMatchObject({ zone: slot.zone, size: 50, type: "pd-balanced" });
      const vm = b.one(T.instance, `pool-core-${slot.index}`).inputs;
      expect(vm.attachedDisks).toEqual([{ source: `pool-core-${slot.index}-state-id`, deviceName: "logos-state", mode: "READ_WRITE" }]);
      const ud: string = vm.metadata["user-data"];
      expect(ud).toContain(STATE_DEVICE);
      expect(ud).toContain(`hostname: ${slot.name}`);
      expect(ud).toContain("/var/lib/logos/state");
      expect(vm.metadata["block-project-ssh-keys"]).toBe("TRUE");
    }
  });
});

describe("gcp pool: burst", () => {
  it("builds one template: same image, type, CMEK, no public address, burst subnet, burst bootstrap", () => {
    const b = built.pool;
    const t = b.one(T.template, "pool-burst-template").inputs;
    expect(t.machineType).toBe(b.spec.machine.type.name);
    expect(t.disks).toHaveLength(1);
    expect(t.disks[0]).toMatchObject({ boot: true, sourceImage: b.spec.image, diskSizeGb: 30 });
    expect(t.networkInterfaces).toEqual([{ subnetwork: "pool-burst-0-id" }]);
    expect(t.labels).toMatchObject({ "logos-role": "burst", [PROOF_GATED_TAG]: "true" });
    expect(t.tags).toContain(PROOF_GATED_TAG);
    expect(t.serviceAccount.email).toBe(NODE_EMAIL);
    const ud: string = t.metadata["user-data"];
    expect(ud).toContain("# logos-compute burst node");
    expect(ud).not.toContain(STATE_DEVICE);
  });

  it("spreads a regional group over the zones, scaled out 0..burstMax-core on the scheduler's per-group demand metric", () => {
    const b = built.pool;
    const g = b.one(T.group, "pool-burst").inputs;
    expect(g.distributionPolicyZones).toEqual(["us-central1-a", "us-central1-b", "us-central1-c"]);
    expect(g.region).toBe("us-central1");
    expect(g.targetSize).toBeUndefined();
    const a = b.one(T.autoscaler, "pool-burst-autoscaler").inputs;
    expect(a.target).toBe("pool-burst-id");
    expect(a.autoscalingPolicy).toEqual({
      mode: "ONLY_SCALE_OUT",
      minReplicas: 0,
      maxReplicas: 3,
      cooldownPeriod: 300,
      metrics: [
        {
          name: "custom.googleapis.com/logos/burst_demand",
          filter: `resource.type = "global" AND metric.labels.deployment = "${DEPLOYMENT}"`,
          singleInstanceAssignment: 1,
        },
      ],
    });
    expect(b.pool.burst).toMatchObject({ min: 0, max: 3, discoveryTag: { key: "logos-role", value: "burst" } });
    expect(b.pool.burst!.contract.scaleIn.by).toBe("scheduler");
  });

  it("rolls a new template onto running members and the standby: proactive replacement, one surge VM per zone", () => {
    const g = built.pool.one(T.group, "pool-burst").inputs;
    expect(g.updatePolicy).toEqual({
      type: "PROACTIVE",
      minimalAction: "REPLACE",
      mostDisruptiveAllowedAction: "REPLACE",
      maxSurgeFixed: 3,
      maxUnavailableFixed: 0,
      replacementMethod: "SUBSTITUTE",
    });
  });

  it("lets members label only themselves (a condition on the base name) and read their group", () => {
    const b = built.pool;
    const role = b.one("gcp:projects/iAMCustomRole:IAMCustomRole", "pool-burst-member-role").inputs;
    expect(role.permissions).toEqual(["compute.instances.get", "compute.instances.setLabels", "compute.instanceGroupManagers.get"]);
    const grant = b.one(T.projectMember, "pool-burst-member").inputs;
    expect(grant.role).toBe(`projects/logos-test-project/roles/${role.roleId}`);
    // A destroyed stack's role ids stay taken for up to 37 days: ids carry entropy kept in the state.
    const entropy = b.one("random:index/randomId:RandomId", "pool-burst-role-entropy").inputs;
    expect(entropy).toEqual({ byteLength: 8 });
    expect(role.roleId).toMatch(/^logosBurstMember_[0-9a-f]{8}_feedface0badc0de$/);
    const scheduler = b.one("gcp:projects/iAMCustomRole:IAMCustomRole", "pool-burst-scheduler-role").inputs;
    expect(scheduler.roleId).toBe(role.roleId.replace("logosBurstMember_", "logosBurstScheduler_"));
    expect(grant.member).toBe(`serviceAccount:${NODE_EMAIL}`);
    const base = b.one(T.group, "pool-burst").inputs.baseInstanceName;
    expect(grant.condition.expression).toBe(
      `resource.type != "compute.googleapis.com/Instance" || resource.name.extract("/instances/{name}").startsWith("${base}-")`,
    );
    const ud: string = b.one(T.template, "pool-burst-template").inputs.metadata["user-data"];
    expect(ud).toContain("/etc/logos/member.json");
    expect(ud).toContain("/opt/logos/bin/logos-member");
  });

  it("keeps one stopped standby VM in the group's scale-out pool when asked", async () => {
    const g = built.pool.one(T.group, "pool-burst").inputs;
    expect(g.standbyPolicy).toMatchObject({ mode: "SCALE_OUT_POOL" });
    expect(g.targetStoppedSize).toBe(1);
    const standby = built.pool.pool.burst?.standby;
    expect(standby).toMatchObject({ kind: "gcp-mig-standby-pool", size: 1 });
    expect(await valueOf(standby!.id)).toBe("pool-burst-id");
  });

  it("has no standby pool when standbyNodes is 0, and says so explicitly", () => {
    const g = built.nostandby.one(T.group, "nostandby-burst").inputs;
    expect(g.standbyPolicy).toBeUndefined();
    // target_stopped_size is Optional+Computed: left out, a pool going from
    // one standby to none would keep its stopped VM. 0 stops it.
    expect(g.targetStoppedSize).toBe(0);
    expect(built.nostandby.pool.burst?.standby).toBeUndefined();
  });
});

describe("gcp pool: identity and labels", () => {
  it("runs every node as one identity with only log and metric write", async () => {
    // The burst members' own conditional grant is checked under "burst".
    const members = built.pool
      .ofType(T.projectMember)
      .filter((m) => m.name !== "pool-burst-member")
      .map((m) => [m.inputs.role, m.inputs.member]);
    expect(members.sort()).toEqual([
      ["roles/logging.logWriter", `serviceAccount:${NODE_EMAIL}`],
      ["roles/monitoring.metricWriter", `serviceAccount:${NODE_EMAIL}`],
    ]);
    expect(built.pool.pool.nodeIdentity.kind).toBe("gcp-service-account");
    expect(await valueOf(built.pool.pool.nodeIdentity.id)).toBe(NODE_EMAIL);
    expect(await valueOf(built.pool.pool.nodeIdentity.principal)).toBe(`serviceAccount:${NODE_EMAIL}`);
    expect(
      built.pool
        .ofType(T.account)
        .map((a) => a.inputs.accountId)
        .sort(),
    ).toEqual(["logos-bastion-cc3133", "logos-node-cc3133"]);
  });

  it("labels every labelled resource with this deployment's id, which the alerts select on", () => {
    expect(DEPLOYMENT).toMatch(/^test-[0-9a-f]{8}$/);
    for (const b of Object.values(built)) {
      for (const r of b.all.filter((x) => (LABELLED as readonly string[]).includes(x.type))) {
        expect({ name: r.name, deployment: r.inputs.labels?.["logos-deployment"] }).toEqual({ name: r.name, deployment: DEPLOYMENT });
      }
    }
  });

  it("labels every labelable resource, boot disk and template disk with logos-proof-gated", () => {
    for (const b of Object.values(built)) {
      for (const r of b.all.filter((x) => (LABELLED as readonly string[]).includes(x.type))) {
        expect({ name: r.name, label: r.inputs.labels?.[PROOF_GATED_TAG] }).toEqual({ name: r.name, label: "true" });
      }
      for (const vm of b.ofType(T.instance)) expect(vm.inputs.bootDisk.initializeParams.labels[PROOF_GATED_TAG]).toBe("true");
      for (const t of b.ofType(T.template)) expect(t.inputs.disks[0].labels[PROOF_GATED_TAG]).toBe("true");
    }
  });

  it("derives service account emails, including domain-scoped projects", () => {
    expect(serviceAccountEmail("logos-node", "p-1")).toBe("logos-node@p-1.iam.gserviceaccount.com");
    expect(serviceAccountEmail("logos-node", "example.com:p-1")).toBe("logos-node@p-1.example.com.iam.gserviceaccount.com");
  });
});

// Last in the file: it switches the mock monitor to preview semantics for whatever runs after it.
describe("gcp pool: a first preview, where nothing the cloud computes is known", () => {
  let resources: Registered[] = [];
  let pool: VmPool;
  const names = new Map<pulumi.Resource, string>();
  const options = new Map<string, pulumi.ResourceOptions>();
  const ofType = (t: string): Registered[] => resources.filter((r) => r.type === t);
  const dependsOn = (name: string): string[] => {
    const deps = options.get(name)?.dependsOn;
    return (Array.isArray(deps) ? (deps as pulumi.Resource[]) : []).map((d) => names.get(d) ?? "?");
  };

  beforeAll(async () => {
    resources = installPreviewMocks((args) =>
      args.token === "gcp:organizations/getProject:getProject" ? { ...args.inputs, number: "123456789012" } : undefined,
    );
    const { VmPool } = await import("../../components/pool/index.js");
    const record: pulumi.ResourceTransformation = (args) => {
      names.set(args.resource, args.name);
      options.set(args.name, args.opts);
      return undefined;
    };
    pool = new VmPool("preview", { spec: parseSpec(poolConfig("gcp")) }, { transformations: [record] });
    await waitFor(
      () =>
        ofType(T.instance).length === 4 && ofType(T.disk).length === 3 && ofType(T.template).length === 1 && ofType(T.group).length === 1,
    );
  });

  it("is a real preview: references to what the cloud creates are unknown", () => {
    const vm = ofType(T.instance).find((r) => r.name === "preview-core-0");
    expect(typeof vm?.inputs.networkInterfaces[0].subnetwork).not.toBe("string");
    expect(typeof ofType(T.key)[0].inputs.keyRing).not.toBe("string");
  });

  it("every disk, boot disk and template disk names the key by a plain, known string", async () => {
    for (const vm of ofType(T.instance)) expect(vm.inputs.bootDisk.kmsKeySelfLink).toBe(KEY_REF);
    for (const d of ofType(T.disk)) expect(d.inputs.diskEncryptionKey).toEqual({ kmsKeySelfLink: KEY_REF });
    for (const d of ofType(T.template)[0].inputs.disks) expect(d.diskEncryptionKey).toEqual({ kmsKeySelfLink: KEY_REF });
    expect(await known(pool.encryptionKeyRef)).toBe(KEY_REF);
  });

  it("whatever names the key waits for the key, the Compute Engine agent's grant and the grant's propagation", () => {
    const named = [...ofType(T.instance), ...ofType(T.disk), ...ofType(T.template), ...ofType(T.group)].map((r) => r.name);
    expect(named).toHaveLength(9);
    const ready = ["preview-key", "preview-key-compute-agent", "preview-key-compute-agent-wait"];
    // The group also waits for its members' grant and the NAT (checked below).
    for (const n of named) expect({ n, deps: dependsOn(n).slice(0, 3) }).toEqual({ n, deps: ready });
    for (const n of named.filter((x) => x !== "preview-burst")) expect({ n, deps: dependsOn(n) }).toEqual({ n, deps: ready });
    const wait = resources.find((r) => r.name === "preview-key-compute-agent-wait");
    expect(wait?.inputs.createDuration).toBe("7m");
    expect(dependsOn("preview-key-compute-agent-wait")).toEqual(["preview-key-compute-agent"]);
  });

  it("creates the group (whose standby boots at once) after its members' grant took effect and after Cloud NAT", () => {
    // The standby VM installs its packages through Cloud NAT and labels itself on its first boot.
    expect(dependsOn("preview-burst")).toEqual([
      "preview-key",
      "preview-key-compute-agent",
      "preview-key-compute-agent-wait",
      "preview-burst-member",
      "preview-burst-member-wait",
      "preview-router",
      "preview-nat",
    ]);
    const wait = resources.find((r) => r.name === "preview-burst-member-wait");
    expect(wait?.inputs.createDuration).toBe("7m");
    expect(dependsOn("preview-burst-member-wait")).toEqual(["preview-burst-member"]);
  });

  it("keeps the key and its ring when the stack is destroyed, so the retained archive stays readable", () => {
    expect(options.get("preview-key")?.retainOnDelete).toBe(true);
    expect(options.get("preview-keyring")?.retainOnDelete).toBe(true);
  });

  it("protects every state disk: no ordinary update deletes or replaces an audit history", () => {
    const disks = ofType(T.disk).map((r) => r.name);
    expect(disks).toEqual(["preview-core-0-state", "preview-core-1-state", "preview-core-2-state"]);
    for (const d of disks) expect({ d, protect: options.get(d)?.protect }).toEqual({ d, protect: true });
    for (const vm of ofType(T.instance))
      expect({ vm: vm.name, protect: options.get(vm.name)?.protect }).toEqual({ vm: vm.name, protect: undefined });
  });
});
