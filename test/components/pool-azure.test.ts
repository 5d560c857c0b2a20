import { renderBastionUserData } from "../../infra/bootstrap";
import * as pulumi from "@pulumi/pulumi";
import { beforeAll, describe, expect, it } from "vitest";
import { installMocks, installPreviewMocks, known, valueOf, waitFor, type Registered } from "../helpers/mocks";
import { tagInputOf } from "../helpers/observe";
import { poolConfig, rawConfig, TEST_SSH_KEY } from "../helpers/configs";
import { bastionPrivateIp, nodeSlots } from "../../infra/layout";
import { parseSpec, PROOF_GATED_TAG, type PoolSpec } from "../../infra/spec";
import { STATE_DISK_SCRIPT } from "../../infra/bootstrap";
import {
  armId,
  AZURE_ROLES,
  azureDataDiskPath,
  azureResourceGroupNames,
  burstComputerNamePrefix,
  dropApiVersionAliases,
  keyVaultName,
  keyVaultUri,
  parseAzureImage,
} from "../../components/pool/azure-names";
import type { VmPool } from "../../components/pool";

// Must run before anything that creates resources is imported.
const mocks = installMocks();

const T = {
  rg: "azure-native:resources:ResourceGroup",
  vnet: "azure-native:network:VirtualNetwork",
  subnet: "azure-native:network:Subnet",
  nsg: "azure-native:network:NetworkSecurityGroup",
  pip: "azure-native:network:PublicIPAddress",
  nat: "azure-native:network:NatGateway",
  nic: "azure-native:network:NetworkInterface",
  vault: "azure-native:keyvault:Vault",
  key: "azure-native:keyvault:Key",
  des: "azure-native:compute:DiskEncryptionSet",
  role: "azure-native:authorization:RoleAssignment",
  identity: "azure-native:managedidentity:UserAssignedIdentity",
  vm: "azure-native:compute:VirtualMachine",
  disk: "azure-native:compute:Disk",
  vmss: "azure-native:compute:VirtualMachineScaleSet",
  autoscale: "azure-native:monitor:AutoscaleSetting",
  standby: "azure-native:standbypool:StandbyVirtualMachinePool",
  runCommand: "azure-native:compute:VirtualMachineRunCommandByVirtualMachine",
} as const;

const SUBSCRIPTION = "00000000-0000-0000-0000-000000000003";
const DEPLOY_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIDeployKeyForTestsOnly0000000000000000000 deploy";
const STATE_DEVICE = "/dev/disk/azure/scsi1/lun0";
/** Pool `logos` in stack `test`: every id below is built from names, never read back from the cloud. */
const POOL_RG = "logos-test-rg";
const KEYS_RG = "logos-test-keys-rg";
const STATE_RG = "logos-test-state-rg";
const VAULT = "kvlogosbfa792c2";
const DES_REF = `/subscriptions/${SUBSCRIPTION}/resourceGroups/${STATE_RG}/providers/Microsoft.Compute/diskEncryptionSets/logos-des`;
const VAULT_ID = `/subscriptions/${SUBSCRIPTION}/resourceGroups/${KEYS_RG}/providers/Microsoft.KeyVault/vaults/${VAULT}`;
const KEY_REF = `${VAULT_ID}/keys/logos-disk`;
const stateDiskId = (node: string): string =>
  `/subscriptions/${SUBSCRIPTION}/resourceGroups/${STATE_RG}/providers/Microsoft.Compute/disks/${node}-state`;

interface Built {
  readonly name: string;
  readonly spec: PoolSpec;
  readonly pool: VmPool;
  readonly all: Registered[];
  ofType(t: string): Registered[];
  one(t: string, name: string): Registered;
}

const built: Record<"pilot" | "pool" | "nostandby", Built> = {} as never;

function decode(customData: string): string {
  return Buffer.from(customData, "base64").toString("utf8");
}

beforeAll(async () => {
  const { VmPool } = await import("../../components/pool/index.js");
  const shapes = {
    pilot: rawConfig("azure"),
    pool: poolConfig("azure"),
    nostandby: poolConfig("azure", { standbyNodes: 0 }),
  };
  const pools: Record<string, { spec: PoolSpec; pool: VmPool }> = {};
  for (const [name, raw] of Object.entries(shapes)) {
    const spec = parseSpec(raw);
    pools[name] = { spec, pool: new VmPool(name, { spec }) };
  }
  // Let every registration (including those behind Outputs) reach the mock.
  await Promise.all(Object.values(pools).map(({ pool }) => valueOf(pool.encryptionKeyId)));
  await new Promise((r) => setTimeout(r, 300));
  for (const [name, { spec, pool }] of Object.entries(pools)) {
    const all = mocks.resources.filter((r) => r.name.startsWith(`${name}-`));
    const ofType = (t: string): Registered[] => all.filter((r) => r.type === t);
    built[name as keyof typeof built] = {
      name,
      spec,
      pool,
      all,
      ofType,
      one(t, n) {
        const found = ofType(t).filter((r) => r.name === n);
        if (found.length !== 1) throw new Error(`expected one ${t} named ${n}, found ${found.length}`);
        return found[0];
      },
    };
  }
});

describe("azure pool: shapes", () => {
  it("pilot: one core node with its state disk, a bastion, no burst group", () => {
    const b = built.pilot;
    expect(
      b
        .ofType(T.vm)
        .map((r) => r.name)
        .sort(),
    ).toEqual(["pilot-bastion", "pilot-core-0"]);
    expect(b.ofType(T.disk).map((r) => r.name)).toEqual(["pilot-core-0-state"]);
    expect(b.ofType(T.nic)).toHaveLength(2);
    expect(b.ofType(T.vmss)).toHaveLength(0);
    expect(b.ofType(T.autoscale)).toHaveLength(0);
    expect(b.ofType(T.standby)).toHaveLength(0);
    expect(b.pool.burst).toBeUndefined();
  });

  it("pool: three core nodes, burst to six with one standby", () => {
    const b = built.pool;
    expect(
      b
        .ofType(T.vm)
        .map((r) => r.name)
        .sort(),
    ).toEqual(["pool-bastion", "pool-core-0", "pool-core-1", "pool-core-2"]);
    expect(
      b
        .ofType(T.disk)
        .map((r) => r.name)
        .sort(),
    ).toEqual(["pool-core-0-state", "pool-core-1-state", "pool-core-2-state"]);
    expect(b.ofType(T.vmss).map((r) => r.name)).toEqual(["pool-burst"]);
    expect(b.ofType(T.autoscale)).toHaveLength(1);
    expect(b.ofType(T.standby).map((r) => r.name)).toEqual(["pool-standby"]);
    expect(b.pool.burst).toMatchObject({ min: 0, max: 3, discoveryTag: { key: "logos-role", value: "burst" } });
    expect(b.pool.burst?.standby).toMatchObject({ kind: "azure-standby-virtual-machine-pool", size: 1 });
  });

  it("pool without standby: the burst group alone", () => {
    expect(built.nostandby.ofType(T.vmss)).toHaveLength(1);
    expect(built.nostandby.ofType(T.standby)).toHaveLength(0);
    expect(built.nostandby.pool.burst?.standby).toBeUndefined();
  });

  it("shares one NSG per role, one NAT, one key, one identity across the pool", () => {
    for (const b of [built.pilot, built.pool]) {
      expect(b.ofType(T.nsg)).toHaveLength(2);
      expect(b.ofType(T.nat)).toHaveLength(1);
      expect(b.ofType(T.vault)).toHaveLength(1);
      expect(b.ofType(T.key)).toHaveLength(1);
      expect(b.ofType(T.des)).toHaveLength(1);
      expect(b.ofType(T.identity)).toHaveLength(1);
      // The pool's group, and the key and state groups that outlive it.
      expect(b.ofType(T.rg).map((r) => r.inputs.resourceGroupName)).toEqual([POOL_RG, KEYS_RG, STATE_RG]);
    }
  });
});

describe("azure pool: private network", () => {
  it("cuts one node and one burst subnet per zone plus the edge, from the spec's plan", () => {
    const b = built.pool;
    const prefixes = b
      .ofType(T.subnet)
      .map((s) => s.inputs.addressPrefix)
      .sort();
    expect(prefixes).toEqual([...b.spec.network.nodeSubnets, ...b.spec.network.burstSubnets, b.spec.network.edgeSubnet].sort());
    expect(b.one(T.vnet, "pool-vnet").inputs.addressSpace.addressPrefixes).toEqual([b.spec.network.cidr]);
  });

  it("node and burst subnets egress through the NAT only and carry the node NSG", () => {
    const b = built.pool;
    for (const s of b.ofType(T.subnet).filter((r) => r.name !== "pool-edge-subnet")) {
      expect(s.inputs.natGateway).toEqual({ id: "pool-nat-id" });
      expect(s.inputs.defaultOutboundAccess).toBe(false);
      expect(s.inputs.networkSecurityGroup).toEqual({ id: "pool-node-nsg-id" });
    }
    const edge = b.one(T.subnet, "pool-edge-subnet");
    expect(edge.inputs.networkSecurityGroup).toEqual({ id: "pool-bastion-nsg-id" });
    expect(edge.inputs.natGateway).toBeUndefined();
  });

  it("the NAT's address is the NAT's: Standard, static, referenced by the gateway", () => {
    const b = built.pool;
    const ip = b.one(T.pip, "pool-nat-ip");
    expect(ip.inputs.sku).toMatchObject({ name: "Standard" });
    expect(b.one(T.nat, "pool-nat").inputs.publicIpAddresses).toEqual([{ id: "pool-nat-ip-id" }]);
  });

  it("nodes SSH only from the bastion's /32; an explicit deny overrides AllowVnetInBound", () => {
    for (const b of [built.pilot, built.pool]) {
      const rules: any[] = b.one(T.nsg, `${b.name}-node-nsg`).inputs.securityRules;
      const allows = rules.filter((r) => r.access === "Allow" && r.direction === "Inbound");
      expect(allows).toHaveLength(1);
      expect(allows[0]).toMatchObject({
        protocol: "Tcp",
        destinationPortRange: "22",
        sourceAddressPrefix: `${bastionPrivateIp(b.spec)}/32`,
      });
      expect(allows[0].sourceAddressPrefixes).toBeUndefined();
      const deny = rules.find((r) => r.access === "Deny");
      expect(deny).toMatchObject({
        direction: "Inbound",
        priority: 4096,
        protocol: "*",
        sourceAddressPrefix: "*",
        destinationPortRange: "*",
      });
      expect(Math.max(...allows.map((r) => r.priority))).toBeLessThan(deny.priority);
    }
  });

  it("the bastion takes SSH only from operatorCidrs, never from anywhere", () => {
    const b = built.pool;
    const rules: any[] = b.one(T.nsg, "pool-bastion-nsg").inputs.securityRules;
    const allows = rules.filter((r) => r.access === "Allow" && r.direction === "Inbound");
    expect(allows).toHaveLength(1);
    expect(allows[0]).toMatchObject({ protocol: "Tcp", destinationPortRange: "22", sourceAddressPrefixes: ["203.0.113.0/24"] });
    expect(allows[0].sourceAddressPrefix).toBeUndefined();
    expect(rules.find((r) => r.access === "Deny")).toMatchObject({ priority: 4096, sourceAddressPrefix: "*" });
  });
});

describe("azure pool: public exposure", () => {
  it("only the bastion NIC has a public address; node NICs and the burst template have none", () => {
    for (const b of [built.pilot, built.pool]) {
      const withPublic = b.ofType(T.nic).filter((n) => n.inputs.ipConfigurations.some((c: any) => c.publicIPAddress));
      expect(withPublic.map((n) => n.name)).toEqual([`${b.name}-bastion-nic`]);
      expect(withPublic[0].inputs.ipConfigurations[0].publicIPAddress).toEqual({ id: `${b.name}-bastion-ip-id` });
    }
    const vmss = built.pool.one(T.vmss, "pool-burst");
    for (const nic of vmss.inputs.virtualMachineProfile.networkProfile.networkInterfaceConfigurations) {
      for (const ipc of nic.ipConfigurations) expect(ipc.publicIPAddressConfiguration).toBeUndefined();
    }
  });

  it("public IPs: the bastion's (tagged bastion) and the NAT's, nothing else", () => {
    const b = built.pool;
    const ips = b.ofType(T.pip);
    expect(ips.map((r) => r.name).sort()).toEqual(["pool-bastion-ip", "pool-nat-ip"]);
    expect(b.one(T.pip, "pool-bastion-ip").inputs.tags["logos-role"]).toBe("bastion");
  });
});

describe("azure pool: bastion", () => {
  it("is a B1s at the fixed private address, tagged bastion on VM, NIC and IP", () => {
    const b = built.pool;
    const vm = b.one(T.vm, "pool-bastion");
    expect(vm.inputs.hardwareProfile.vmSize).toBe("Standard_B1s");
    const nic = b.one(T.nic, "pool-bastion-nic");
    expect(nic.inputs.ipConfigurations[0]).toMatchObject({
      privateIPAllocationMethod: "Static",
      privateIPAddress: bastionPrivateIp(b.spec),
      subnet: { id: "pool-edge-subnet-id" },
    });
    for (const r of [vm, nic, b.one(T.pip, "pool-bastion-ip")])
      expect(r.inputs.tags).toMatchObject({ "logos-role": "bastion", [PROOF_GATED_TAG]: "true" });
    expect(b.pool.bastionPrivateIp).toBe(bastionPrivateIp(b.spec));
  });

  it("logs in by key only (operator + deploy key) and its cloud-init disables passwords and root", () => {
    const vm = built.pool.one(T.vm, "pool-bastion");
    expect(vm.inputs.osProfile.linuxConfiguration.disablePasswordAuthentication).toBe(true);
    const keys = vm.inputs.osProfile.linuxConfiguration.ssh.publicKeys.map((k: any) => k.keyData);
    expect(keys).toEqual([TEST_SSH_KEY, DEPLOY_KEY]);
    const init = decode(vm.inputs.osProfile.customData);
    expect(init).toMatch(/^#cloud-config\n/);
    for (const line of [
      "PasswordAuthentication no",
      "PermitRootLogin no",
      "ssh_pwauth: false",
      "disable_root: true",
      TEST_SSH_KEY,
      DEPLOY_KEY,
    ]) {
      expect(init).toContain(line);
    }
  });

  it("its boot disk uses the CMK", () => {
    const vm = built.pool.one(T.vm, "pool-bastion");
    expect(vm.inputs.storageProfile.osDisk.managedDisk.diskEncryptionSet).toEqual({ id: DES_REF });
  });
});

describe("azure pool: core nodes", () => {
  it("one VM per slot: type, zone, image, boot size, fixed address", () => {
    const b = built.pool;
    for (const slot of nodeSlots(b.spec)) {
      const vm = b.one(T.vm, `pool-core-${slot.index}`);
      expect(vm.inputs.vmName).toBe(slot.name);
      expect(vm.inputs.zones).toEqual([slot.zone]);
      expect(vm.inputs.hardwareProfile.vmSize).toBe(b.spec.machine.type.name);
      expect(vm.inputs.storageProfile.imageReference).toEqual({
        publisher: "Canonical",
        offer: "ubuntu-24_04-lts",
        sku: "server",
        version: "latest",
      });
      expect(vm.inputs.storageProfile.osDisk).toMatchObject({ createOption: "FromImage", diskSizeGB: b.spec.disks.bootGiB });
      expect(vm.inputs.networkProfile.networkInterfaces).toEqual([{ id: `pool-core-${slot.index}-nic-id`, primary: true }]);
      const nic = b.one(T.nic, `pool-core-${slot.index}-nic`);
      expect(nic.inputs.ipConfigurations).toEqual([
        expect.objectContaining({
          privateIPAllocationMethod: "Static",
          privateIPAddress: slot.privateIp,
          subnet: { id: `pool-node-subnet-${slot.zone}-id` },
        }),
      ]);
    }
    expect(b.pool.nodes.map((n) => n.slot.privateIp)).toEqual(nodeSlots(b.spec).map((s) => s.privateIp));
  });

  it("each has its own state disk resource, attached at LUN 0 and only detached when the VM goes", () => {
    const b = built.pool;
    for (const slot of nodeSlots(b.spec)) {
      const disk = b.one(T.disk, `pool-core-${slot.index}-state`);
      expect(disk.inputs).toMatchObject({
        // In the group that outlives the pool: deleting the pool's group would delete the disk with it.
        resourceGroupName: STATE_RG,
        diskName: `${slot.name}-state`,
        creationData: { createOption: "Empty" },
        diskSizeGB: b.spec.disks.stateGiB,
        zones: [slot.zone],
      });
      const vm = b.one(T.vm, `pool-core-${slot.index}`);
      expect(vm.inputs.storageProfile.dataDisks).toEqual([
        expect.objectContaining({
          lun: 0,
          createOption: "Attach",
          deleteOption: "Detach",
          managedDisk: { id: stateDiskId(slot.name) },
        }),
      ]);
      expect(vm.inputs.storageProfile.dataDisks[0].diskSizeGB).toBeUndefined();
    }
    expect(built.pool.pool.nodes.map((n) => n.slot.name)).toEqual(["logos-core-0", "logos-core-1", "logos-core-2"]);
  });

  it("boots the core bootstrap that mounts the state device", () => {
    const b = built.pool;
    const vm = b.one(T.vm, "pool-core-1");
    const init = decode(vm.inputs.osProfile.customData);
    expect(init).toContain("# logos-compute core node");
    expect(init).toMatch(new RegExp(`- ${STATE_DISK_SCRIPT}\\s+- ${STATE_DEVICE}\\s+- /var/lib/logos/state`));
    expect(init).toContain("hostname: logos-core-1");
    expect(init).toContain(DEPLOY_KEY);
    expect(vm.inputs.osProfile).toMatchObject({ computerName: "logos-core-1", adminUsername: "logos" });
    expect(vm.inputs.osProfile.linuxConfiguration.disablePasswordAuthentication).toBe(true);
    expect(vm.inputs.osProfile.adminPassword).toBeUndefined();
  });

  it("runs as the node identity", () => {
    const vm = built.pool.one(T.vm, "pool-core-0");
    expect(vm.inputs.identity).toEqual({ type: "UserAssigned", userAssignedIdentities: ["pool-node-identity-id"] });
    expect(built.pool.one(T.vm, "pool-bastion").inputs.identity).toBeUndefined();
  });
});

describe("azure pool: customer-managed key", () => {
  it("an RSA-3072 key that rotates, in a purge-protected RBAC vault", () => {
    const b = built.pool;
    const vault = b.one(T.vault, "pool-kv");
    expect(vault.inputs.properties).toMatchObject({
      enableRbacAuthorization: true,
      enablePurgeProtection: true,
      enableSoftDelete: true,
      tenantId: "00000000-0000-0000-0000-000000000004",
    });
    expect(vault.inputs.vaultName).toBe(VAULT);
    expect(vault.inputs.resourceGroupName).toBe(KEYS_RG);
    const key = b.one(T.key, "pool-disk-key");
    expect(key.inputs.resourceGroupName).toBe(KEYS_RG);
    expect(key.inputs.vaultName).toBe(VAULT);
    expect(key.inputs.keyName).toBe("logos-disk");
    expect(key.inputs.properties).toMatchObject({ kty: "RSA", keySize: 3072 });
    const policy = key.inputs.properties.rotationPolicy;
    expect(policy.attributes.expiryTime).toBe("P1Y");
    expect(policy.lifetimeActions).toContainEqual({ trigger: { timeAfterCreate: "P90D" }, action: { type: "rotate" } });
  });

  it("a disk encryption set that follows key rotation and may use the key", () => {
    const b = built.pool;
    const des = b.one(T.des, "pool-des");
    expect(des.inputs).toMatchObject({
      resourceGroupName: STATE_RG,
      diskEncryptionSetName: "logos-des",
      encryptionType: "EncryptionAtRestWithCustomerKey",
      identity: { type: "SystemAssigned" },
      rotationToLatestKeyVersionEnabled: true,
    });
    expect(des.inputs.activeKey.sourceVault).toEqual({ id: "pool-kv-id" });
    const grant = b.one(T.role, "pool-des-key-access");
    expect(grant.inputs).toMatchObject({
      scope: "pool-kv-id",
      principalType: "ServicePrincipal",
      roleDefinitionId: `/subscriptions/${SUBSCRIPTION}/providers/Microsoft.Authorization/roleDefinitions/${AZURE_ROLES.keyVaultCryptoServiceEncryptionUser}`,
    });
  });

  it("every disk uses it, named by the id built from names: boot disks, state disks, the burst template", () => {
    for (const b of [built.pilot, built.pool]) {
      const des = { id: DES_REF };
      for (const vm of b.ofType(T.vm)) expect(vm.inputs.storageProfile.osDisk.managedDisk.diskEncryptionSet).toEqual(des);
      for (const disk of b.ofType(T.disk))
        expect(disk.inputs.encryption).toEqual({ type: "EncryptionAtRestWithCustomerKey", diskEncryptionSetId: des.id });
      for (const vmss of b.ofType(T.vmss))
        expect(vmss.inputs.virtualMachineProfile.storageProfile.osDisk.managedDisk.diskEncryptionSet).toEqual(des);
    }
    expect(built.pool.pool.encryptionKeyId).toBeDefined();
  });

  it("hands on the key and its vault by ids built from names, and the node identity's client id", async () => {
    const pool = built.pool.pool;
    expect(await valueOf(pool.encryptionKeyRef)).toBe(KEY_REF);
    const vault = pool.azureKeyVault;
    expect(vault).toBeDefined();
    if (!vault) return;
    expect(await valueOf(vault.vaultId)).toBe(VAULT_ID);
    expect(await valueOf(vault.vaultUri)).toBe(`https://${VAULT}.vault.azure.net/`);
    expect(await valueOf(vault.keyName)).toBe("logos-disk");
    expect(pool.nodeIdentity.clientId).toBeDefined();
  });
});

describe("azure pool: burst capacity", () => {
  it("one flexible scale set from one template: same image, type, encryption, burst subnet, no public IP", () => {
    const b = built.pool;
    const vmss = b.one(T.vmss, "pool-burst");
    expect(vmss.inputs).toMatchObject({
      orchestrationMode: "Flexible",
      zones: ["1", "2", "3"],
      sku: { name: b.spec.machine.type.name, capacity: 0 },
    });
    const profile = vmss.inputs.virtualMachineProfile;
    expect(profile.storageProfile.imageReference).toEqual(b.one(T.vm, "pool-core-0").inputs.storageProfile.imageReference);
    expect(profile.storageProfile.osDisk.diskSizeGB).toBe(b.spec.disks.bootGiB);
    const ipc = profile.networkProfile.networkInterfaceConfigurations[0].ipConfigurations[0];
    expect(ipc.subnet).toEqual({ id: "pool-burst-subnet-1-id" });
    expect(profile.osProfile.linuxConfiguration.disablePasswordAuthentication).toBe(true);
    expect(profile.osProfile.computerNamePrefix.length).toBeLessThanOrEqual(15);
    expect(vmss.inputs.identity).toEqual({ type: "UserAssigned", userAssignedIdentities: ["pool-node-identity-id"] });
    expect(vmss.inputs.tags).toMatchObject({ "logos-role": "burst", [PROOF_GATED_TAG]: "true" });
  });

  it("boots the burst bootstrap, which keeps state on the boot disk", () => {
    const init = decode(built.pool.one(T.vmss, "pool-burst").inputs.virtualMachineProfile.osProfile.customData);
    expect(init).toContain("# logos-compute burst node");
    expect(init).not.toContain(STATE_DEVICE);
    expect(init).not.toContain("hostname:");
    expect(init).toContain(DEPLOY_KEY);
  });

  it("autoscales 0..burstMax-core on the scheduler's demand metric: one ExactCount rule per node, no CPU and no scale-in rule", () => {
    const b = built.pool;
    const as = b.one(T.autoscale, "pool-burst-autoscale");
    expect(as.inputs).toMatchObject({ enabled: true, targetResourceUri: "pool-burst-id" });
    const [profile] = as.inputs.profiles;
    expect(profile.capacity).toEqual({ minimum: "0", maximum: "3", default: "0" });
    expect(
      profile.rules.map((r: any) => [r.metricTrigger.threshold, r.scaleAction.type, r.scaleAction.value, r.scaleAction.direction]),
    ).toEqual([
      [0, "ExactCount", "1", "Increase"],
      [1, "ExactCount", "2", "Increase"],
      [2, "ExactCount", "3", "Increase"],
    ]);
    for (const rule of profile.rules) {
      expect(rule.metricTrigger).toEqual({
        metricName: "BurstDemand",
        metricNamespace: "LogosBurst",
        metricResourceUri: "pool-burst-id",
        operator: "GreaterThan",
        statistic: "Max",
        threshold: rule.metricTrigger.threshold,
        timeAggregation: "Maximum",
        timeGrain: "PT1M",
        timeWindow: "PT5M",
      });
    }
    expect(b.pool.burst!.contract.scaleIn.by).toBe("scheduler");
  });

  it("before autoscale names the demand metric, a core node publishes its idle value on the scale set until Azure lists it", async () => {
    const b = built.pool;
    const seeds = b.ofType(T.runCommand);
    expect(seeds.map((r) => r.name)).toEqual(["pool-burst-demand-seed"]);
    const seed = seeds[0].inputs;
    expect(seed).toMatchObject({
      resourceGroupName: POOL_RG,
      vmName: "logos-core-0",
      runCommandName: "logos-demand-seed",
      asyncExecution: false,
      treatFailureAsDeploymentFailure: true,
      timeoutInSeconds: 1500,
    });
    expect(seed.tags[PROOF_GATED_TAG]).toBe("true");
    const argv = seed.source.script.split("\n")[1];
    // As the node identity, whose client id the cloud assigns (the mock leaves it unset).
    const clientId = String(await valueOf(b.pool.nodeIdentity.clientId!));
    expect(argv).toBe(
      "exec /usr/bin/python3 - --resource 'pool-burst-id' --region 'eastus' --namespace 'LogosBurst' --metric 'BurstDemand' " +
        `--client-id '${clientId}' --timeout '1200' <<'LOGOS_DEMAND_SEED'`,
    );
    // No burst group, nothing to seed.
    expect(built.pilot.ofType(T.runCommand)).toEqual([]);
  });

  it("rolls a new model with surge instances that must turn healthy, i.e. pass their validation, before old ones go", () => {
    const vmss = built.pool.one(T.vmss, "pool-burst").inputs;
    expect(vmss.upgradePolicy).toEqual({
      mode: "Rolling",
      rollingUpgradePolicy: {
        maxSurge: true,
        maxBatchInstancePercent: 20,
        maxUnhealthyInstancePercent: 100,
        maxUnhealthyUpgradedInstancePercent: 0,
        prioritizeUnhealthyInstances: true,
        pauseTimeBetweenBatches: "PT0S",
      },
    });
    expect(vmss.virtualMachineProfile.extensionProfile.extensions).toEqual([
      {
        name: "HealthExtension",
        publisher: "Microsoft.ManagedServices",
        type: "ApplicationHealthLinux",
        typeHandlerVersion: "2.0",
        autoUpgradeMinorVersion: true,
        settings: { protocol: "tcp", port: 8471, intervalInSeconds: 5, numberOfProbes: 1, gracePeriod: 3600 },
      },
    ]);
    // The port is the member's health socket (installed by logos-member), opened by its enter step only.
    const init = decode(vmss.virtualMachineProfile.osProfile.customData);
    expect(init).toContain('"healthPort": 8471');
    expect(init).toContain("/opt/logos/bin/logos-member");
  });

  it("members may tag themselves, set their protection and read the standby pool; the member config names pool and identity", () => {
    const b = built.pool;
    const role = b.one("azure-native:authorization:RoleDefinition", "pool-burst-member-role").inputs;
    expect(role.permissions).toEqual([
      {
        actions: [
          "Microsoft.Resources/tags/read",
          "Microsoft.Resources/tags/write",
          "Microsoft.Compute/virtualMachineScaleSets/virtualMachines/read",
          "Microsoft.Compute/virtualMachineScaleSets/virtualMachines/write",
          "Microsoft.StandbyPool/standbyVirtualMachinePools/standbyVirtualMachines/read",
          "Microsoft.Insights/metricDefinitions/read",
        ],
        notActions: [],
        dataActions: [],
        notDataActions: [],
      },
    ]);
    expect(role.assignableScopes).toEqual([`/subscriptions/${SUBSCRIPTION}/resourceGroups/${POOL_RG}`]);
    const grant = b.one(T.role, "pool-burst-member").inputs;
    expect(grant.scope).toBe(`/subscriptions/${SUBSCRIPTION}/resourceGroups/${POOL_RG}`);
    const init = decode(b.one(T.vmss, "pool-burst").inputs.virtualMachineProfile.osProfile.customData);
    const config = /path: \/etc\/logos\/member.json\n\s+content: ([^\n]+)/.exec(init);
    expect(config, init.slice(0, 200)).not.toBeNull();
    expect(init).toContain(
      `/subscriptions/${SUBSCRIPTION}/resourceGroups/${POOL_RG}/providers/Microsoft.StandbyPool/standbyVirtualMachinePools/logos-standby`,
    );
  });

  it("keeps one pre-initialised standby VM in Azure's standby pool for the scale set", () => {
    const sb = built.pool.one(T.standby, "pool-standby");
    expect(sb.inputs).toMatchObject({
      attachedVirtualMachineScaleSetId: "pool-burst-id",
      elasticityProfile: { maxReadyCapacity: 1, minReadyCapacity: 1 },
      virtualMachineState: "Deallocated",
    });
  });
});

describe("azure pool: identity and tags", () => {
  it("the node identity can publish metrics on the pool's resource group, nothing more", () => {
    const b = built.pool;
    const grants = b
      .ofType(T.role)
      .filter((r) => r.inputs.principalId === b.one(T.identity, "pool-node-identity").inputs.principalId || r.name === "pool-node-metrics")
      // The burst members' own custom role is checked under "burst capacity".
      .filter((r) => r.name !== "pool-burst-member");
    expect(grants.map((g) => g.name)).toEqual(["pool-node-metrics"]);
    expect(grants[0].inputs).toMatchObject({
      scope: "pool-rg-id",
      roleDefinitionId: `/subscriptions/${SUBSCRIPTION}/providers/Microsoft.Authorization/roleDefinitions/${AZURE_ROLES.monitoringMetricsPublisher}`,
    });
    expect(b.pool.nodeIdentity.kind).toBe("azure-user-assigned-identity");
  });

  it("every taggable resource carries the pool tags with a label-safe role", () => {
    for (const b of Object.values(built)) {
      const taggable = b.all.filter((r) => tagInputOf(r.type) !== undefined);
      expect(taggable.length).toBeGreaterThan(15);
      for (const r of taggable) {
        expect(r.inputs.tags, `${r.type} ${r.name}`).toMatchObject({ [PROOF_GATED_TAG]: "true", "logos-pool": "logos" });
        expect(r.inputs.tags["logos-role"], `${r.type} ${r.name}`).toMatch(/^[a-z0-9_-]+$/);
      }
    }
  });

  it("every child is named after the pool", () => {
    for (const b of Object.values(built)) for (const r of b.all) expect(r.name.startsWith(`${b.name}-`)).toBe(true);
    expect(built.pool.all.every((r) => r.inputs.location === undefined || r.inputs.location === "eastus")).toBe(true);
  });
});

describe("azure helpers", () => {
  it("drops only azure-native's API-version aliases", () => {
    const ours = { name: "old-name" };
    const result = dropApiVersionAliases({
      resource: undefined as never,
      type: "azure-native:network:NetworkInterface",
      name: "n",
      props: { a: 1 },
      opts: {
        aliases: [
          { type: "azure-native:network/v20230201:NetworkInterface" },
          { type: "azure-native:network/v20150501preview:NetworkInterface" },
          ours,
        ],
      },
    });
    expect(result?.opts.aliases).toEqual([ours]);
    expect(result?.props).toEqual({ a: 1 });
  });

  it("parses marketplace URNs and names the shape on error", () => {
    expect(parseAzureImage("Canonical:ubuntu-24_04-lts:server:latest")).toEqual({
      publisher: "Canonical",
      offer: "ubuntu-24_04-lts",
      sku: "server",
      version: "latest",
    });
    expect(() => parseAzureImage("ubuntu")).toThrow(
      'image ("ubuntu") must be an Azure marketplace URN publisher:offer:sku:version, e.g. Canonical:ubuntu-24_04-lts:server:latest',
    );
  });

  it.each([
    ["logos", "sub/rg-1"],
    ["a-very-long-pool-nm", "sub/rg-2"],
    ["x--y", ""],
  ])("key vault name for %s fits Azure's rules", (pool, seed) => {
    const n = keyVaultName(pool, seed);
    expect(n).toMatch(/^[a-z][a-z0-9-]{2,23}$/);
    expect(n).not.toContain("--");
    expect(keyVaultName(pool, seed)).toBe(n);
    expect(keyVaultName(pool, `${seed}x`)).not.toBe(n);
  });

  it.each([
    ["logos", "test", "logos-test-rg", "logos-test-keys-rg", "logos-test-state-rg"],
    ["logos", "Team.EU/Prod", "logos-team.eu-prod-rg", "logos-team.eu-prod-keys-rg", "logos-team.eu-prod-state-rg"],
  ])("resource group names for pool %s in stack %s", (pool, stack, poolGroup, keys, state) => {
    expect(azureResourceGroupNames(pool, stack)).toEqual({
      pool: poolGroup,
      keys,
      state,
      monitoring: poolGroup.replace(/-rg$/, "-monitoring-rg"),
    });
  });

  it("keeps resource group names within Azure's 90 characters", () => {
    const names = azureResourceGroupNames("a-very-long-pool-nm", "s".repeat(120));
    for (const n of [names.pool, names.keys, names.state, names.monitoring]) expect(n).toMatch(/^[a-z0-9_.()-]{1,90}$/);
    expect(names.keys.endsWith("-keys-rg")).toBe(true);
  });

  it("writes ARM ids and vault URIs the way Azure reports them", () => {
    expect(armId("s", "g", "Microsoft.Compute", "disks", "d")).toBe(
      "/subscriptions/s/resourceGroups/g/providers/Microsoft.Compute/disks/d",
    );
    expect(keyVaultUri(VAULT)).toBe(`https://${VAULT}.vault.azure.net/`);
  });

  it("keeps burst computer-name prefixes short and the state device stable", () => {
    expect(burstComputerNamePrefix("logos")).toBe("logos-burst");
    expect(burstComputerNamePrefix("a-very-long-pool-nm").length).toBeLessThanOrEqual(15);
    expect(azureDataDiskPath(0)).toBe(STATE_DEVICE);
  });

  it("bastion cloud-init is deterministic", () => {
    expect(renderBastionUserData({ sshUser: "logos", sshAuthorizedKeys: ["k1", "k2"] })).toBe(
      renderBastionUserData({ sshUser: "logos", sshAuthorizedKeys: ["k1", "k2"] }),
    );
  });
});

describe("azure pool: scale", () => {
  // Time and memory at this size are benchmarks (`npm run bench`), not assertions here.
  it("plans 1000 core nodes with three resources each and 1000 distinct addresses", async () => {
    const { VmPool } = await import("../../components/pool/index.js");
    const spec = parseSpec(rawConfig("azure", { coreNodes: 1000, burstMax: 1000, poolName: "big" }));
    // The SDK captures a stack per promise; with source maps on (as under
    // vitest) that dominates a large plan. The offline plan runs without them.
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    let pool: VmPool;
    try {
      pool = new VmPool("scale", { spec });
      await valueOf(pool.nodes[999].instanceId);
      // Registrations arrive asynchronously; wait for all of them rather than a fixed pause, which a busy machine outlasts.
      await waitFor(() => mocks.resources.filter((r) => r.name.startsWith("scale-core-")).length >= 3000, 100_000);
    } finally {
      Error.stackTraceLimit = limit;
    }
    const mine = mocks.resources.filter((r) => r.name.startsWith("scale-core-"));
    expect(mine).toHaveLength(3000);
    expect(new Set(pool.nodes.map((n) => n.slot.privateIp)).size).toBe(1000);
  });
});

// Last in the file: it switches the mock monitor to preview semantics for whatever runs after it.
describe("azure pool: a first preview, where nothing the cloud computes is known", () => {
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
      args.token === "azure-native:authorization:getClientConfig"
        ? { clientId: "c", objectId: "o", subscriptionId: SUBSCRIPTION, tenantId: "00000000-0000-0000-0000-000000000004" }
        : undefined,
    );
    const { VmPool } = await import("../../components/pool/index.js");
    const record: pulumi.ResourceTransformation = (args) => {
      names.set(args.resource, args.name);
      options.set(args.name, args.opts);
      return undefined;
    };
    pool = new VmPool("preview", { spec: parseSpec(poolConfig("azure")) }, { transformations: [record] });
    await waitFor(() => ofType(T.vm).length === 4 && ofType(T.disk).length === 3 && ofType(T.vmss).length === 1);
  });

  it("is a real preview: ids the cloud assigns are unknown", () => {
    const vm = ofType(T.vm).find((r) => r.name === "preview-core-0");
    expect(typeof vm?.inputs.networkProfile.networkInterfaces[0].id).not.toBe("string");
    expect(typeof ofType(T.des)[0].inputs.activeKey.keyUrl).not.toBe("string");
  });

  it("every disk, OS disk and the scale set name the encryption set by a plain, known id", () => {
    for (const vm of ofType(T.vm)) expect(vm.inputs.storageProfile.osDisk.managedDisk.diskEncryptionSet).toEqual({ id: DES_REF });
    for (const disk of ofType(T.disk))
      expect(disk.inputs.encryption).toEqual({ type: "EncryptionAtRestWithCustomerKey", diskEncryptionSetId: DES_REF });
    const vmss = ofType(T.vmss)[0];
    expect(vmss.inputs.virtualMachineProfile.storageProfile.osDisk.managedDisk.diskEncryptionSet).toEqual({ id: DES_REF });
  });

  it("core VMs attach their state disk by a known id, so its encryption can be proven through the disk", () => {
    for (const vm of ofType(T.vm).filter((r) => r.name.startsWith("preview-core-"))) {
      expect(vm.inputs.storageProfile.dataDisks[0].managedDisk).toEqual({ id: stateDiskId(vm.inputs.vmName) });
    }
  });

  it("hands on the key reference and vault facts as known strings", async () => {
    expect(await known(pool.encryptionKeyRef)).toBe(KEY_REF);
    const vault = pool.azureKeyVault;
    expect(vault).toBeDefined();
    if (!vault) return;
    expect(await known(vault.vaultId)).toBe(VAULT_ID);
    expect(await known(vault.vaultUri)).toBe(`https://${VAULT}.vault.azure.net/`);
    expect(await known(vault.keyName)).toBe("logos-disk");
  });

  it("whatever names the encryption set waits for it, its key grant and the grant's propagation", () => {
    const named = [...ofType(T.vm), ...ofType(T.disk), ...ofType(T.vmss)].map((r) => r.name);
    expect(named).toHaveLength(8);
    for (const n of named) {
      const deps = dependsOn(n).filter((d) => !d.endsWith("-state"));
      // The scale set also waits for its members' own grant to take effect: they tag themselves from their first boot.
      const ready = ["preview-des", "preview-des-key-access", "preview-des-key-propagation"];
      expect({ n, deps }).toEqual({ n, deps: n === "preview-burst" ? [...ready, "preview-burst-member-propagation"] : ready });
    }
    for (const i of [0, 1, 2]) expect(dependsOn(`preview-core-${i}`)).toContain(`preview-core-${i}-state`);
  });

  it("autoscale waits for the demand seed; the seed for core node 0, its path and the identity's grants taking effect", () => {
    expect(dependsOn("preview-burst-autoscale")).toEqual(["preview-burst-demand-seed"]);
    expect(dependsOn("preview-burst-demand-seed")).toEqual([
      "preview-core-0",
      "preview-core-0-state",
      "preview-core-0-nic",
      "preview-node-subnet-1",
      "preview-node-nsg",
      "preview-nat",
      "preview-burst-member-propagation",
    ]);
    expect(dependsOn("preview-burst-member-propagation")).toEqual(["preview-burst-member", "preview-node-metrics"]);
  });

  it("keeps the key group, vault and key when the stack is destroyed, so the retained archive stays readable", () => {
    for (const n of ["preview-keys-rg", "preview-kv", "preview-disk-key"])
      expect({ n, kept: options.get(n)?.retainOnDelete }).toEqual({ n, kept: true });
    expect(options.get("preview-rg")?.retainOnDelete).toBeUndefined();
  });

  it("keeps every state disk, its group, the encryption set and the set's key grant: no up or destroy deletes a node's history", () => {
    const kept = ["preview-state-rg", "preview-des", "preview-des-key-access", ...[0, 1, 2].map((i) => `preview-core-${i}-state`)];
    for (const n of kept) expect({ n, kept: options.get(n)?.retainOnDelete }).toEqual({ n, kept: true });
  });
});
