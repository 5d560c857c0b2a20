import { renderBastionUserData } from "../../infra/bootstrap";
/**
 * The Azure adapter: the pool as a resource group holding a private VNet, a
 * jump-host bastion, core VMs with separate CMK-encrypted state disks, and a
 * flexible scale set (autoscaled, with a standby pool) for burst capacity.
 */
import * as pulumi from "@pulumi/pulumi";
import * as authorization from "@pulumi/azure-native/authorization";
import * as compute from "@pulumi/azure-native/compute";
import * as monitor from "@pulumi/azure-native/monitor";
import * as network from "@pulumi/azure-native/network";
import * as policyinsights from "@pulumi/azure-native/policyinsights";
import * as resources from "@pulumi/azure-native/resources";
import * as standbypool from "@pulumi/azure-native/standbypool";
import type { compute as computeInput, monitor as monitorInput } from "@pulumi/azure-native/types/input";
import { BASTION_TYPES } from "../../infra/machines";
import { bastionPrivateIp, nodeSlots, type NodeSlot } from "../../infra/layout";
import { PROOF_GATED_TAG, tagsFor } from "../../infra/spec";
import {
  armId,
  authorizedKeysPath,
  AZURE_ROLES,
  azureDataDiskPath,
  azureResourceGroupNames,
  burstComputerNamePrefix,
  customRoleName,
  dropApiVersionAliases,
  parseAzureImage,
  roleDefinitionId,
  standbyPoolName,
  toCustomData,
} from "./azure-names";
import { rbacPropagation } from "./azure-propagation";
import { buildAzureNetwork, type AzureNetwork } from "./azure-network";
import { buildAzureSecurity, type AzureSecurity } from "./azure-security";
import {
  azureDemandRules,
  AZURE_RULES_PER_PROFILE,
  BURST_DEMAND_METRIC,
  BURST_DEMAND_PERIOD_SECONDS,
  demandLevels,
} from "../../infra/burst-demand";
import { deploymentId } from "../../infra/deployment";
import { MEMBER_BUSY_COMMAND, MEMBER_IDLE_COMMAND } from "../../infra/node/member";
import { DEMAND_SEED_TIMEOUT_SECONDS, demandSeedScript } from "../../infra/node/demand-seed";
import { BURST_DISCOVERY_TAG, nodeUserData, STANDBY_TAG, validatedTag, withMember } from "./common";
import type { AdapterContext, PoolBurst, PoolNode, PoolParts } from "./types";

/** The state disk is the only data disk, so its LUN, and with it its device path, is fixed. */
export const STATE_DISK_LUN = 0;
export const STATE_DEVICE = azureDataDiskPath(STATE_DISK_LUN);
/** Ubuntu's marketplace image is 30 GiB; the bastion needs no more. */
const BASTION_DISK_GIB = 30;
/** Azure Monitor custom metric namespace of the burst demand (published on the scale set). */
export const AZURE_DEMAND_NAMESPACE = "LogosBurst";
/** Port of the member's local health socket, open only while this boot's validation has passed. */
export const HEALTH_PORT = 8471;
/**
 * How long the Application Health extension reports a new member as
 * initializing rather than unhealthy: its first boot installs the toolchain and
 * validates before the port opens.
 */
export const HEALTH_GRACE_SECONDS = 3600;

/** What a member does to itself (burst_member.py): its own tags, its protection, whether it is the standby. */
export const MEMBER_ACTIONS = [
  "Microsoft.Resources/tags/read",
  "Microsoft.Resources/tags/write",
  "Microsoft.Compute/virtualMachineScaleSets/virtualMachines/read",
  "Microsoft.Compute/virtualMachineScaleSets/virtualMachines/write",
  "Microsoft.StandbyPool/standbyVirtualMachinePools/standbyVirtualMachines/read",
  // The demand seed (on a core node, as the same identity) waits until the scale set lists the metric.
  "Microsoft.Insights/metricDefinitions/read",
] as const;
/** What a scheduler needs: find members and their addresses, mark them busy, delete idle ones. */
export const SCHEDULER_ACTIONS = [
  "Microsoft.Compute/virtualMachineScaleSets/read",
  "Microsoft.Compute/virtualMachineScaleSets/virtualMachines/read",
  "Microsoft.Compute/virtualMachineScaleSets/virtualMachines/write",
  "Microsoft.Compute/virtualMachineScaleSets/delete/action",
  "Microsoft.Compute/virtualMachines/read",
  "Microsoft.Network/networkInterfaces/read",
] as const;
/** Publishing a custom metric (the data action Monitoring Metrics Publisher holds). */
export const SCHEDULER_DATA_ACTIONS = ["Microsoft.Insights/Metrics/Write"] as const;

/** What every VM of the pool shares: where it lives and how it is encrypted and logged into. */
interface Shared {
  readonly ctx: AdapterContext;
  readonly resourceGroupName: pulumi.Output<string>;
  /** The ARM id of a resource in a group of the pool, from names alone (known at preview). */
  readonly idIn: (group: string, provider: string, ...path: readonly string[]) => pulumi.Output<string>;
  readonly groupNames: ReturnType<typeof azureResourceGroupNames>;
  readonly subscriptionId: pulumi.Output<string>;
  readonly net: AzureNetwork;
  readonly sec: AzureSecurity;
  readonly image: computeInput.ImageReferenceArgs;
  readonly linux: computeInput.LinuxConfigurationArgs;
  /** The deploy key alone, for core VMs (their sync step adds the operator key). */
  readonly deployKeyEntry: computeInput.SshPublicKeyArgs;
}

export function buildAzurePool(ctx: AdapterContext): PoolParts {
  const { spec, name } = ctx;
  const opts = { parent: ctx.parent, transformations: [dropApiVersionAliases] };

  // Named, not auto-named: the ids of what it holds are built from its name
  // so they are known at preview (see `buildAzureSecurity`).
  const groupNames = azureResourceGroupNames(spec.name, pulumi.getStack());
  const rg = new resources.ResourceGroup(
    `${name}-rg`,
    { resourceGroupName: groupNames.pool, location: spec.region, tags: tagsFor(spec, "pool") },
    opts,
  );
  // The name is ours; deriving it from the id keeps the dependency on the group.
  const rgName = rg.id.apply(() => groupNames.pool);
  const net = buildAzureNetwork(ctx, rgName);
  const client = authorization.getClientConfigOutput({ parent: ctx.parent });
  const sec = buildAzureSecurity(ctx, { name: rgName, id: rg.id }, groupNames, client);

  const sshPath = authorizedKeysPath(spec.access.sshUser);
  const shared: Shared = {
    ctx,
    resourceGroupName: rgName,
    idIn: (group, provider, ...path) => client.subscriptionId.apply((sub) => armId(sub, group, provider, ...path)),
    groupNames,
    subscriptionId: client.subscriptionId,
    net,
    sec,
    image: parseAzureImage(spec.image),
    linux: {
      disablePasswordAuthentication: true,
      provisionVMAgent: true,
      ssh: {
        publicKeys: [
          { path: sshPath, keyData: spec.access.sshPublicKey },
          { path: sshPath, keyData: ctx.deployPublicKey.apply((k) => k.trim()) },
        ],
      },
    },
    deployKeyEntry: { path: sshPath, keyData: ctx.deployPublicKey.apply((k) => k.trim()) },
  };

  const bastion = buildBastion(shared);
  const nodes = nodeSlots(spec).map((slot) => buildCoreNode(shared, slot));
  const burstMax = spec.nodes.burstMax - spec.nodes.core;
  const burst = burstMax > 0 ? buildBurst(shared, burstMax, nodes[0]) : undefined;
  // The standby pool's VM is created by the pool right away, with an untagged OS disk and NIC.
  tagImplicitResources(shared, rg, [bastion.vm, ...nodes.map((n) => n.instance), ...(burst ? [burst.scaleSet, ...burst.standbyPool] : [])]);

  return {
    networkId: net.vnet.id,
    bastion: bastion.parts,
    nodes,
    ...(burst ? { burst: burst.parts } : {}),
    encryptionKeyId: sec.key.id,
    encryptionKeyResources: sec.keyResources,
    encryptionKeyRef: sec.keyRef,
    azureKeyVault: sec.vaultRef,
    nodeIdentity: {
      kind: "azure-user-assigned-identity",
      id: sec.nodeIdentity.id,
      principal: sec.nodeIdentity.principalId,
      clientId: sec.nodeIdentity.clientId,
    },
  };
}

function osDisk(s: Shared, sizeGiB: number, storageAccountType: string): computeInput.OSDiskArgs {
  return {
    createOption: "FromImage",
    caching: "ReadWrite",
    diskSizeGB: sizeGiB,
    deleteOption: "Delete",
    managedDisk: { storageAccountType, diskEncryptionSet: { id: s.sec.diskEncryptionSetRef } },
  };
}

/**
 * A small VM with its own static public address rather than the managed Azure
 * Bastion service: that needs a dedicated /26 subnet, costs far more than a
 * B1s, and would not give the validation a plain SSH ProxyJump host.
 */
function buildBastion(s: Shared): { readonly parts: PoolParts["bastion"]; readonly vm: compute.VirtualMachine } {
  const { ctx } = s;
  const { spec, name } = ctx;
  const opts = { parent: ctx.parent, transformations: [dropApiVersionAliases] };
  const tags = tagsFor(spec, "bastion");
  const privateIp = bastionPrivateIp(spec);

  const publicIp = new network.PublicIPAddress(
    `${name}-bastion-ip`,
    {
      resourceGroupName: s.resourceGroupName,
      location: spec.region,
      sku: { name: "Standard", tier: "Regional" },
      publicIPAllocationMethod: "Static",
      publicIPAddressVersion: "IPv4",
      tags,
    },
    opts,
  );
  const nic = new network.NetworkInterface(
    `${name}-bastion-nic`,
    {
      resourceGroupName: s.resourceGroupName,
      location: spec.region,
      ipConfigurations: [
        {
          name: "primary",
          primary: true,
          privateIPAllocationMethod: "Static",
          privateIPAddress: privateIp,
          subnet: { id: s.net.edgeSubnet.id },
          publicIPAddress: { id: publicIp.id },
        },
      ],
      tags,
    },
    opts,
  );
  const cloudInit = ctx.deployPublicKey.apply((deployKey) =>
    toCustomData(renderBastionUserData({ sshUser: spec.access.sshUser, sshAuthorizedKeys: [spec.access.sshPublicKey, deployKey.trim()] })),
  );
  const vm = new compute.VirtualMachine(
    `${name}-bastion`,
    {
      resourceGroupName: s.resourceGroupName,
      location: spec.region,
      zones: [spec.zones[0]],
      hardwareProfile: { vmSize: BASTION_TYPES.azure },
      storageProfile: { imageReference: s.image, osDisk: osDisk(s, BASTION_DISK_GIB, "StandardSSD_LRS") },
      osProfile: {
        computerName: `${spec.name}-bastion`,
        adminUsername: spec.access.sshUser,
        customData: cloudInit,
        linuxConfiguration: s.linux,
      },
      networkProfile: { networkInterfaces: [{ id: nic.id, primary: true }] },
      diagnosticsProfile: { bootDiagnostics: { enabled: true } },
      tags,
    },
    // customData "cannot be updated after the VM is created" (Azure compute API, OSProfile),
    // so a new cloud-init (e.g. sshd capacity) replaces the stateless bastion; its NIC holds
    // the fixed address and attaches to one VM at a time, so the old VM goes first.
    // A new image is not sent: Azure refuses to change an existing VM's imageReference
    // (PropertyChangeNotAllowed, "Changing property 'imageReference' is not allowed",
    // pulumi/pulumi-azure-native#1117); VMs pick it up when replaced on purpose.
    {
      ...opts,
      dependsOn: [...s.sec.ready],
      replaceOnChanges: ["osProfile.customData"],
      ignoreChanges: ["storageProfile.imageReference"],
      deleteBeforeReplace: true,
    },
  );

  return {
    vm,
    parts: {
      publicIp: publicIp.ipAddress.apply((ip) => ip ?? ""),
      privateIp,
      instanceId: vm.id,
      // The hop: the VM, its address, and the rule admitting operators, which
      // applies only once the edge subnet carries the bastion NSG.
      readyForValidation: [vm, publicIp, nic, s.net.bastionNsg, s.net.edgeSubnet],
    },
  };
}

/**
 * One core node: NIC with the slot's fixed address, a separate state disk,
 * and the VM that attaches it. Deleting the VM only detaches the disk.
 */
function buildCoreNode(s: Shared, slot: NodeSlot): PoolNode {
  const { ctx } = s;
  const { spec, name } = ctx;
  const opts = { parent: ctx.parent, transformations: [dropApiVersionAliases] };
  const tags = tagsFor(spec, "core");
  const resource = `${name}-core-${slot.index}`;

  const nic = new network.NetworkInterface(
    `${resource}-nic`,
    {
      resourceGroupName: s.resourceGroupName,
      location: spec.region,
      ipConfigurations: [
        {
          name: "primary",
          primary: true,
          privateIPAllocationMethod: "Static",
          privateIPAddress: slot.privateIp,
          subnet: { id: s.net.nodeSubnets[slot.zoneIndex].id },
        },
      ],
      tags,
    },
    opts,
  );

  // Named, so the VM can attach it by an id known at preview: the policy pack
  // proves an attached disk's encryption through the disk resource it names.
  const stateDiskName = `${slot.name}-state`;
  const stateDisk = new compute.Disk(
    `${resource}-state`,
    {
      resourceGroupName: s.sec.stateGroupName,
      diskName: stateDiskName,
      location: spec.region,
      zones: [slot.zone],
      sku: { name: "Premium_LRS" },
      diskSizeGB: spec.disks.stateGiB,
      creationData: { createOption: "Empty" },
      encryption: { type: "EncryptionAtRestWithCustomerKey", diskEncryptionSetId: s.sec.diskEncryptionSetRef },
      // Never reachable by SAS export: the audit history leaves only through the archive.
      networkAccessPolicy: "DenyAll",
      publicNetworkAccess: "Disabled",
      tags: { ...tags, "logos-node": slot.name },
    },
    // The node's audit history. Protected, as on AWS and GCP: the engine
    // refuses in preview any up that would delete it (fewer coreNodes) or
    // replace it, and a plain destroy. A zone move is such a replacement:
    // azure-native would send `zones` as an in-place update (disk.json gives
    // Disk.zones no x-ms-mutability), but a managed disk lives in the zone it
    // was created in; another zone takes a snapshot and a new disk (the
    // zonal migration of MicrosoftDocs/azure-docs
    // articles/virtual-machines/disks-migrate-lrs-zrs.md).
    // replaceOnChanges makes the plan say so, and protect stops it before the
    // VM is touched. Retained too: once unprotected, a delete still leaves it
    // in the state group. README "Tear down" says how to move or drop it.
    { ...opts, dependsOn: [...s.sec.ready], retainOnDelete: true, protect: true, replaceOnChanges: ["zones"] },
  );

  const vm = new compute.VirtualMachine(
    resource,
    {
      resourceGroupName: s.resourceGroupName,
      location: spec.region,
      vmName: slot.name,
      zones: [slot.zone],
      hardwareProfile: { vmSize: spec.machine.type.name },
      identity: { type: "UserAssigned", userAssignedIdentities: [s.sec.nodeIdentity.id] },
      storageProfile: {
        imageReference: s.image,
        osDisk: osDisk(s, spec.disks.bootGiB, "Premium_LRS"),
        dataDisks: [
          {
            lun: STATE_DISK_LUN,
            createOption: "Attach",
            caching: "None",
            // Replacing or deleting the VM only detaches the state disk.
            deleteOption: "Detach",
            managedDisk: { id: s.idIn(s.groupNames.state, "Microsoft.Compute", "disks", stateDiskName) },
          },
        ],
      },
      osProfile: {
        computerName: slot.name,
        adminUsername: spec.access.sshUser,
        customData: nodeUserData(ctx, "core", slot, STATE_DEVICE).apply(toCustomData),
        // The deploy key alone: the sync step authorizes the operator key.
        linuxConfiguration: { ...s.linux, ssh: { publicKeys: [s.deployKeyEntry] } },
      },
      networkProfile: { networkInterfaces: [{ id: nic.id, primary: true }] },
      diagnosticsProfile: { bootDiagnostics: { enabled: true } },
      tags,
    },
    // The replacement needs the same NIC, address and state disk, which Azure
    // lets only one VM hold: the old VM must be gone first. A VM's zone is
    // fixed at creation (ZoneMovement.isEnabled "by default false, i.e. VM
    // can't be moved from one zone to another", Azure compute API,
    // https://learn.microsoft.com/python/api/azure-mgmt-compute/azure.mgmt.compute.models.zonemovement),
    // so another zone is another VM, not the update azure-native would send.
    // Another size is another VM too: Azure resizes in place only between
    // sizes that both have, or both lack, a local temp disk ("Unable to resize
    // the VM since changing from resource disk to non-resource disk VM size and
    // vice-versa is not allowed", Azure docs, azure-vms-no-temp-disk; the
    // catalog mixes Fsv2 with Dsv5 and Esv5, which have none) and only onto
    // hardware the VM's host cluster offers, else after a deallocation
    // azure-native never does. A new VM on the same NIC and state disk always
    // works, and its validation runs again.
    // customData and the keys: Azure refuses to change them on an existing VM
    // (osProfile.customData "cannot be updated after the VM is created",
    // PropertyChangeNotAllowed), so a change would stop the up; what evolves
    // reaches running nodes through their sync step, which also brings a
    // replacement current (a targeted `pulumi up --replace` keeps an ignored
    // property's old value, step_generator.go).
    {
      ...opts,
      deleteBeforeReplace: true,
      replaceOnChanges: ["zones", "hardwareProfile.vmSize"],
      // imageReference: Azure refuses to change it on an existing VM (PropertyChangeNotAllowed,
      // "Changing property 'imageReference' is not allowed", pulumi/pulumi-azure-native#1117);
      // a node picks up a new image when replaced on purpose, one at a time (`pulumi up --replace`).
      ignoreChanges: ["osProfile.customData", "osProfile.linuxConfiguration.ssh.publicKeys", "storageProfile.imageReference"],
      dependsOn: [...s.sec.ready, stateDisk],
    },
  );

  return {
    slot,
    machineType: spec.machine.type.name,
    vcpus: spec.machine.type.vcpus,
    memoryGiB: spec.machine.type.memoryGiB,
    instanceId: vm.id,
    stateDiskId: stateDisk.id,
    instance: vm,
    // The state disk is attached inline (the VM depends on it); SSH from the
    // bastion and the first boot's package installs need the node subnet with
    // its NSG and NAT association, the NSG's rules and the NAT itself.
    readyForValidation: [stateDisk, nic, s.net.nodeSubnets[slot.zoneIndex], s.net.nodeNsg, s.net.natGateway],
  };
}

/**
 * Burst capacity: one flexible-orchestration scale set (standby pools need
 * flexible) over all zones, sized by the scheduler's demand metric, rolled
 * onto a new model with surge instances that must report healthy -- which a
 * member does only once its validation passed -- before old ones go.
 */
function buildBurst(
  s: Shared,
  max: number,
  seedNode: PoolNode,
): {
  readonly parts: PoolBurst;
  readonly scaleSet: compute.VirtualMachineScaleSet;
  readonly standbyPool: readonly standbypool.StandbyVirtualMachinePool[];
} {
  const { ctx } = s;
  const { spec, name } = ctx;
  const opts = { parent: ctx.parent, transformations: [dropApiVersionAliases] };
  const tags = tagsFor(spec, BURST_DISCOVERY_TAG.value);
  const deployment = deploymentId({ project: pulumi.getProject(), stack: pulumi.getStack() });
  const poolGroupId = s.subscriptionId.apply((sub) => `/subscriptions/${sub}/resourceGroups/${s.groupNames.pool}`);
  const standbyPoolId =
    spec.nodes.standby === 1
      ? s.idIn(s.groupNames.pool, "Microsoft.StandbyPool", "standbyVirtualMachinePools", standbyPoolName(spec.name))
      : undefined;

  // Custom roles on the pool's group; their names are unique in the tenant (see customRoleName).
  const roleNameOf = (role: string) => s.subscriptionId.apply((sub) => customRoleName(spec.name, deployment, sub, `burst ${role}`));
  const customRole = (role: string, description: string, actions: readonly string[], dataActions: readonly string[] = []) =>
    new authorization.RoleDefinition(
      `${name}-burst-${role}-role`,
      {
        scope: poolGroupId,
        roleName: roleNameOf(role),
        description,
        roleType: "CustomRole",
        permissions: [{ actions: [...actions], notActions: [], dataActions: [...dataActions], notDataActions: [] }],
        assignableScopes: [poolGroupId],
      },
      { ...opts, dependsOn: [s.sec.nodeIdentity] },
    );
  const memberRole = customRole("member", "A burst member tags itself, sets its own protection, reads its standby pool", MEMBER_ACTIONS);
  // A grant of a new custom role fails until the definition has replicated (see azure-propagation).
  const memberRoleLive = rbacPropagation(`${name}-burst-member-role-propagation`, [memberRole], opts);
  const memberGrant = new authorization.RoleAssignment(
    `${name}-burst-member`,
    {
      principalId: s.sec.nodeIdentity.principalId,
      principalType: "ServicePrincipal",
      roleDefinitionId: pulumi.interpolate`/subscriptions/${s.subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/${memberRole.name}`,
      scope: poolGroupId,
    },
    { ...opts, dependsOn: [memberRoleLive] },
  );
  // A member's enter step needs the grant live: no member launches before it has propagated.
  // The demand seed needs it and the node identity's metrics grant (Metrics/Write) live.
  const memberGrantLive = rbacPropagation(`${name}-burst-member-propagation`, [memberGrant, s.sec.nodeMetrics], opts);
  const schedulerRole = customRole(
    "scheduler",
    "Publish burst demand on the scale set, find members, mark them busy, delete idle ones",
    SCHEDULER_ACTIONS,
    SCHEDULER_DATA_ACTIONS,
  );

  const memberCloud = pulumi.all([s.sec.nodeIdentity.clientId, standbyPoolId]).apply(([clientId, poolId]) => ({
    cloud: "azure" as const,
    azure: { clientId, ...(poolId ? { standbyPoolId: poolId } : {}), healthPort: HEALTH_PORT },
  }));
  const memberCtx: AdapterContext = { ...ctx, burstBootstrap: withMember(spec, ctx.burstBootstrap, memberCloud) };

  const scaleSet = new compute.VirtualMachineScaleSet(
    `${name}-burst`,
    {
      resourceGroupName: s.resourceGroupName,
      location: spec.region,
      orchestrationMode: "Flexible",
      platformFaultDomainCount: 1,
      singlePlacementGroup: false,
      zones: [...spec.zones],
      sku: { name: spec.machine.type.name, tier: "Standard", capacity: 0 },
      identity: { type: "UserAssigned", userAssignedIdentities: [s.sec.nodeIdentity.id] },
      // A new model (repoRef, image, validator) replaces members: Rolling with
      // MaxSurge creates new instances from the new model, waits for them to
      // report healthy, then deletes old ones (Flexible scale sets take
      // Automatic, Manual and Rolling since upgrade policies became GA for
      // them, Azure Compute blog, 19 Nov 2024). A member is healthy only while
      // its health port is open, i.e. after its validation passed. A busy
      // member is protected from scale set actions and is left alone. A new
      // instance found unhealthy stops the roll (0 %), so a bad commit never
      // replaces good members; members already unhealthy do not block it.
      upgradePolicy: {
        mode: "Rolling",
        rollingUpgradePolicy: {
          maxSurge: true,
          maxBatchInstancePercent: 20,
          maxUnhealthyInstancePercent: 100,
          maxUnhealthyUpgradedInstancePercent: 0,
          prioritizeUnhealthyInstances: true,
          pauseTimeBetweenBatches: "PT0S",
        },
      },
      virtualMachineProfile: {
        storageProfile: {
          imageReference: s.image,
          osDisk: {
            createOption: "FromImage",
            caching: "ReadWrite",
            diskSizeGB: spec.disks.bootGiB,
            deleteOption: "Delete",
            managedDisk: { storageAccountType: "Premium_LRS", diskEncryptionSet: { id: s.sec.diskEncryptionSetRef } },
          },
        },
        osProfile: {
          computerNamePrefix: burstComputerNamePrefix(spec.name),
          adminUsername: spec.access.sshUser,
          customData: nodeUserData(memberCtx, "burst", undefined, undefined).apply(toCustomData),
          linuxConfiguration: s.linux,
        },
        networkProfile: {
          networkApiVersion: "2020-11-01",
          networkInterfaceConfigurations: [
            {
              name: "primary",
              primary: true,
              deleteOption: "Delete",
              ipConfigurations: [
                {
                  name: "primary",
                  primary: true,
                  // Azure subnets span all zones, and a scale set takes one
                  // subnet: the first zone's burst block serves every zone.
                  subnet: { id: s.net.burstSubnets[0].id },
                },
              ],
            },
          ],
        },
        // The health a rolling upgrade waits for: a TCP probe of the member's
        // own port from inside the VM (no inbound rule), open only after this
        // boot's validation passed (Application Health extension, rich health
        // states: protocol, port, gracePeriod).
        extensionProfile: {
          extensions: [
            {
              name: "HealthExtension",
              publisher: "Microsoft.ManagedServices",
              type: "ApplicationHealthLinux",
              typeHandlerVersion: "2.0",
              autoUpgradeMinorVersion: true,
              settings: { protocol: "tcp", port: HEALTH_PORT, intervalInSeconds: 5, numberOfProbes: 1, gracePeriod: HEALTH_GRACE_SECONDS },
            },
          ],
        },
        diagnosticsProfile: { bootDiagnostics: { enabled: true } },
      },
      tags,
    },
    // Autoscale owns the instance count after creation.
    { ...opts, ignoreChanges: ["sku.capacity"], dependsOn: [...s.sec.ready, memberGrantLive] },
  );

  // Azure accepts an autoscale rule on a custom metric only once the metric
  // exists on its resource ("The MetricTriggerMetricName must exist for the
  // specified MetricTriggerMetricResourceUri", Azure docs, tutorial-autoscale-powershell;
  // autoscale "validat[es] the metric metadata does exist", Azure Monitor team,
  // MicrosoftDocs/azure-docs#16061; UnsupportedMetric otherwise). Nothing has
  // published the demand before the first `pulumi up`, so a core node, as the
  // node identity, publishes the idle value 0 on the scale set until the
  // scale set's metric definitions list it (a managed run command: no SSH,
  // and a failed script fails the up instead of a later autoscale create).
  const seed = new compute.VirtualMachineRunCommandByVirtualMachine(
    `${name}-burst-demand-seed`,
    {
      resourceGroupName: s.resourceGroupName,
      vmName: seedNode.slot.name,
      runCommandName: "logos-demand-seed",
      location: spec.region,
      source: {
        script: pulumi
          .all([scaleSet.id, s.sec.nodeIdentity.clientId])
          .apply(([resource, clientId]) =>
            demandSeedScript({ resource, region: spec.region, namespace: AZURE_DEMAND_NAMESPACE, metric: BURST_DEMAND_METRIC, clientId }),
          ),
      },
      asyncExecution: false,
      treatFailureAsDeploymentFailure: true,
      timeoutInSeconds: DEMAND_SEED_TIMEOUT_SECONDS + 300,
      tags: tagsFor(spec, "core"),
    },
    { ...opts, dependsOn: [seedNode.instance, ...seedNode.readyForValidation, memberGrantLive] },
  );

  // The count from the demand metric the scheduler publishes on the scale set
  // (see `azureDemandRules`): ExactCount rules, the largest count of those
  // that fire wins. Evaluated over the last 5 minutes (the shortest window a
  // rule takes). No CPU rules: a set at 0 has no CPU, and a scale-in rule
  // would remove what the scheduler asked for.
  new monitor.AutoscaleSetting(
    `${name}-burst-autoscale`,
    {
      resourceGroupName: s.resourceGroupName,
      location: spec.region,
      enabled: true,
      targetResourceUri: scaleSet.id,
      profiles: [
        {
          name: "demand",
          capacity: { minimum: "0", maximum: String(max), default: "0" },
          rules: azureDemandRules(max).map((rule): monitorInput.ScaleRuleArgs => ({
            metricTrigger: {
              metricName: BURST_DEMAND_METRIC,
              metricNamespace: AZURE_DEMAND_NAMESPACE,
              metricResourceUri: scaleSet.id,
              operator: "GreaterThan",
              statistic: "Max",
              threshold: rule.above,
              timeAggregation: "Maximum",
              timeGrain: "PT1M",
              timeWindow: "PT5M",
            },
            scaleAction: { direction: "Increase", type: "ExactCount", value: String(rule.capacity), cooldown: "PT1M" },
          })),
        },
      ],
      tags,
    },
    // Azure refuses to point a setting at another resource ("TargetResourceIdIsImmutable ... please create a new
    // autoscale setting with a different name", Azure/vm-scale-sets#4): a new scale set gets a new setting.
    { ...opts, dependsOn: [seed], replaceOnChanges: ["targetResourceUri"] },
  );

  let standby: PoolBurst["standby"];
  const standbyPool: standbypool.StandbyVirtualMachinePool[] = [];
  if (spec.nodes.standby === 1) {
    const pool = new standbypool.StandbyVirtualMachinePool(
      `${name}-standby`,
      {
        resourceGroupName: s.resourceGroupName,
        standbyVirtualMachinePoolName: standbyPoolName(spec.name),
        location: spec.region,
        attachedVirtualMachineScaleSetId: scaleSet.id,
        elasticityProfile: { maxReadyCapacity: 1, minReadyCapacity: 1 },
        // Booted once (bootstrap and validation done), then deallocated: only its disk is paid for until a scale-out starts it.
        virtualMachineState: "Deallocated",
        tags: tagsFor(spec, "standby"),
      },
      opts,
    );
    standbyPool.push(pool);
    standby = {
      kind: "azure-standby-virtual-machine-pool",
      id: pool.id,
      size: 1,
      tag: STANDBY_TAG,
      state: "in the scale set's standby pool (deallocated); it is started and re-validated when it moves into the scale set",
    };
  }

  const step = demandLevels(max, AZURE_RULES_PER_PROFILE).step;
  return {
    scaleSet,
    standbyPool,
    parts: {
      groupId: scaleSet.id,
      groupName: scaleSet.name,
      min: 0,
      max,
      discoveryTag: BURST_DISCOVERY_TAG,
      validatedTag: validatedTag(spec),
      ...(standby ? { standby } : {}),
      contract: {
        inService: "a VM of the scale set (not of its standby pool) in power state running, whose Application Health state is Healthy",
        target: {
          kind: "azure-flexible-scale-set",
          id: scaleSet.id,
          name: scaleSet.name,
          region: spec.region,
          resourceGroup: s.groupNames.pool,
        },
        demand: {
          provider: "azure-monitor",
          metric: BURST_DEMAND_METRIC,
          namespace: AZURE_DEMAND_NAMESPACE,
          labels: [],
          resource: scaleSet.id,
          endpoint: pulumi.interpolate`https://${spec.region}.monitoring.azure.com${scaleSet.id}/metrics`,
          region: spec.region,
          unit: "nodes",
          periodSeconds: BURST_DEMAND_PERIOD_SECONDS,
          step,
          permission: pulumi.interpolate`assign role ${schedulerRole.name} ("${roleNameOf("scheduler")}") to the scheduler's principal on ${poolGroupId} (Microsoft.Insights/Metrics/Write, read members, protection, delete instances)`,
        },
        scaleIn: {
          by: "scheduler",
          busy: MEMBER_BUSY_COMMAND,
          idle: MEMBER_IDLE_COMMAND,
          how: "busy/idle set the member's protectionPolicy (protectFromScaleIn, protectFromScaleSetActions); autoscale rules only raise the count (ExactCount cannot be 0): lower the demand, then delete the idle members you choose (virtualMachineScaleSets delete instances)",
        },
      },
    },
  };
}

/**
 * Built-in "Add a tag to resources" (Modify), Azure/azure-policy
 * built-in-policies/policyDefinitions/Tags/AddTag_Modify.json; its
 * roleDefinitionIds name Contributor.
 */
export const ADD_TAG_POLICY = "/providers/Microsoft.Authorization/policyDefinitions/4f9dc7db-30c1-420c-b61a-e1d640128d26";

/**
 * Azure creates some resources itself and its API takes no tags for them:
 * each VM's OS disk (compute OSDisk has no tags) and, in the scale set, each
 * member VM's NIC and OS disk (the scale set's network and OS disk profiles
 * have none). A Modify policy on the pool's group adds the proof-gated tag to
 * whatever lacks it when ARM creates or updates it; a remediation once the
 * pool's VMs exist tags what Azure created outside that path.
 */
function tagImplicitResources(s: Shared, rg: resources.ResourceGroup, vms: readonly pulumi.Resource[]): void {
  const { ctx } = s;
  const { spec, name } = ctx;
  const opts = { parent: ctx.parent, transformations: [dropApiVersionAliases] };
  const assignment = new authorization.PolicyAssignment(
    `${name}-tag-policy`,
    {
      policyAssignmentName: "logos-proof-gated-tag",
      scope: rg.id,
      policyDefinitionId: ADD_TAG_POLICY,
      displayName: `logos ${spec.name}: add ${PROOF_GATED_TAG}=true to what Azure creates without it`,
      enforcementMode: "Default",
      identity: { type: "SystemAssigned" },
      location: spec.region,
      parameters: { tagName: { value: PROOF_GATED_TAG }, tagValue: { value: "true" } },
    },
    opts,
  );
  const grant = new authorization.RoleAssignment(
    `${name}-tag-policy-contributor`,
    {
      principalId: assignment.identity.apply((i) => i?.principalId ?? ""),
      principalType: "ServicePrincipal",
      roleDefinitionId: s.subscriptionId.apply((sub) => roleDefinitionId(sub, AZURE_ROLES.contributor)),
      scope: rg.id,
    },
    opts,
  );
  new policyinsights.RemediationAtResourceGroup(
    `${name}-tag-remediation`,
    { resourceGroupName: s.resourceGroupName, policyAssignmentId: assignment.id, resourceDiscoveryMode: "ReEvaluateCompliance" },
    { ...opts, dependsOn: [rbacPropagation(`${name}-tag-policy-propagation`, [grant], opts), ...vms] },
  );
}
