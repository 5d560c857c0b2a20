/**
 * Azure Monitor Agent and data collection rule association through Azure
 * Policy: DeployIfNotExists assignments at the pool's resource group, so the
 * number of resources stays constant however many VMs the pool has. New VMs
 * are evaluated (and remediated) by Azure after they are created; a
 * remediation per assignment re-evaluates the group once, covering VMs that
 * existed before the assignment.
 *
 * Built-in definitions (Azure/azure-policy, built-in-policies/policyDefinitions/Monitoring/):
 * - "Configure Linux virtual machines to run Azure Monitor Agent with user-assigned
 *   managed identity-based authentication" — ae8a10e6-19d6-44a3-a02d-a2bdfc707742
 *   (AzureMonitor_Agent_Linux_VM_UAI_DINE.json, v3.12.0); roleDefinitionIds: Virtual Machine Contributor.
 * - "Configure Linux Virtual Machines to be associated with a Data Collection Rule or a
 *   Data Collection Endpoint" — 58e891b9-ce13-4ac3-86e4-ac3e1f20cb07
 *   (AzureMonitor_DCRA_VM_Linux_DINE.json, v4.3.0); roleDefinitionIds: Monitoring Contributor, Log Analytics Contributor.
 *
 * Both match `Microsoft.Compute/virtualMachines`, which every member of the
 * burst group is: a Flexible scale set's instances are standard VMs managed
 * through the VM APIs (https://learn.microsoft.com/azure/virtual-machine-scale-sets/virtual-machine-scale-sets-orchestration-modes).
 * The scale-set definitions (59c3d93f-…, 050a90d5-…) deploy onto the scale
 * set resource, the Uniform model, and reach no Flexible member: they are
 * not assigned.
 *
 * The agent definition only installs the extension, configured to
 * authenticate as the given identity (`mi_res_id`); its template does not
 * attach that identity to the VM. Only VMs that already run as the node
 * identity (core nodes, burst members) can use it, so the bastion, which
 * runs without one, is excluded (`notScopes`) rather than given a broken
 * agent; its CPU and memory are still watched through platform metrics.
 *
 * The combined "Configure Linux Machines to be associated with a Data Collection
 * Rule or a Data Collection Endpoint" (2ea82cdd-f2e8-4500-af75-67a2e084ca74) has
 * no `scopeToSupportedImages` parameter and its image list lacks Ubuntu 24.04
 * (the pool's image), so it would skip the pool's VMs; the per-type definitions
 * with `scopeToSupportedImages: false` apply to every Linux VM.
 */
import * as authorization from "@pulumi/azure-native/authorization";
import * as policyinsights from "@pulumi/azure-native/policyinsights";
import * as pulumi from "@pulumi/pulumi";
import { roleDefinitionId } from "../pool/azure-names";
import { rbacPropagation } from "../pool/azure-propagation";

/** Built-in role GUIDs the definitions' `roleDefinitionIds` name. */
export const POLICY_ROLES = {
  virtualMachineContributor: "9980e02c-c2be-4d73-94e8-173b1dc7cf3c",
  monitoringContributor: "749f88d5-cbae-40b8-bcfc-e573ddc772fa",
  logAnalyticsContributor: "92aaf0da-9dab-42b6-94a3-d43ce8d16293",
} as const;

export interface BuiltInPolicy {
  readonly key: string;
  readonly displayName: string;
  readonly definitionGuid: string;
  readonly roles: readonly string[];
  readonly target: "vm";
  readonly kind: "agent" | "dcr";
}

export const MONITORING_POLICIES = {
  agentVm: {
    key: "ama-vm",
    displayName: "Configure Linux virtual machines to run Azure Monitor Agent with user-assigned managed identity-based authentication",
    definitionGuid: "ae8a10e6-19d6-44a3-a02d-a2bdfc707742",
    roles: [POLICY_ROLES.virtualMachineContributor],
    target: "vm",
    kind: "agent",
  },
  dcrVm: {
    key: "dcr-vm",
    displayName: "Configure Linux Virtual Machines to be associated with a Data Collection Rule or a Data Collection Endpoint",
    definitionGuid: "58e891b9-ce13-4ac3-86e4-ac3e1f20cb07",
    roles: [POLICY_ROLES.monitoringContributor, POLICY_ROLES.logAnalyticsContributor],
    target: "vm",
    kind: "dcr",
  },
} as const satisfies Record<string, BuiltInPolicy>;

/** The tenant-independent id of a built-in policy definition. */
export function builtInPolicyDefinitionId(guid: string): string {
  return `/providers/Microsoft.Authorization/policyDefinitions/${guid}`;
}

export interface MonitoringPolicyArgs {
  /** Component name prefix for the Pulumi resources. */
  readonly name: string;
  /** Pool name, for display names. */
  readonly poolName: string;
  /** Where the assignments' managed identities live. */
  readonly location: string;
  /** `/subscriptions/<sub>/resourceGroups/<pool rg>`: assignment and role scope. */
  readonly scope: pulumi.Input<string>;
  readonly subscriptionId: pulumi.Input<string>;
  readonly resourceGroupName: pulumi.Input<string>;
  /** The user-assigned identity the agent authenticates as. */
  readonly agentIdentityId: pulumi.Input<string>;
  /** The data collection rule to associate. */
  readonly dataCollectionRuleId: pulumi.Input<string>;
  /** VMs the policies must leave alone (ARM ids): those without the agent's identity. @default none */
  readonly excluded?: readonly pulumi.Input<string>[];
  /** What exists before the remediations re-evaluate the group (the core VMs). @default none */
  readonly remediateAfter?: readonly pulumi.Resource[];
  readonly opts: pulumi.CustomResourceOptions;
}

/** The assignment's parameters, in the definitions' own names. */
export function policyParameters(
  policy: BuiltInPolicy,
  agentIdentityId: pulumi.Input<string>,
  dataCollectionRuleId: pulumi.Input<string>,
): Record<string, { value: pulumi.Input<unknown> }> {
  // Every Linux VM / scale set in the group, whatever its image: the built-in
  // image lists lag behind releases (Ubuntu 24.04 is missing from some).
  const common = { effect: { value: "DeployIfNotExists" }, scopeToSupportedImages: { value: false } };
  if (policy.kind === "agent")
    return {
      ...common,
      bringYourOwnUserAssignedManagedIdentity: { value: true },
      restrictBringYourOwnUserAssignedIdentityToSubscription: { value: false },
      userAssignedIdentityResourceId: { value: agentIdentityId },
    };
  return {
    ...common,
    dcrResourceId: { value: dataCollectionRuleId },
    resourceType: { value: "Microsoft.Insights/dataCollectionRules" },
  };
}

export interface MonitoringPolicyParts {
  readonly assignments: readonly authorization.PolicyAssignment[];
}

export function assignMonitoringPolicies(args: MonitoringPolicyArgs): MonitoringPolicyParts {
  const policies: BuiltInPolicy[] = [MONITORING_POLICIES.agentVm, MONITORING_POLICIES.dcrVm];

  const assignments = policies.map((policy) => {
    const assignment = new authorization.PolicyAssignment(
      `${args.name}-policy-${policy.key}`,
      {
        policyAssignmentName: `logos-${policy.key}`,
        scope: args.scope,
        policyDefinitionId: builtInPolicyDefinitionId(policy.definitionGuid),
        displayName: `logos ${args.poolName}: ${policy.displayName}`.slice(0, 128),
        enforcementMode: "Default",
        identity: { type: "SystemAssigned" },
        location: args.location,
        parameters: policyParameters(policy, args.agentIdentityId, args.dataCollectionRuleId),
        ...(args.excluded && args.excluded.length > 0 ? { notScopes: [...args.excluded] } : {}),
      },
      args.opts,
    );
    const principalId = assignment.identity.apply((i) => i?.principalId ?? "");
    const grants = policy.roles.map(
      (role) =>
        new authorization.RoleAssignment(
          `${args.name}-policy-${policy.key}-${role.slice(0, 8)}`,
          {
            principalId,
            principalType: "ServicePrincipal",
            roleDefinitionId: pulumi.output(args.subscriptionId).apply((sub) => roleDefinitionId(sub, role)),
            scope: args.scope,
          },
          args.opts,
        ),
    );
    // Beyond the definitions' own role lists, which only cover the pool's
    // group: the association reads the rule, which lives in the monitoring
    // group. The agent assignment needs nothing more: its deployment only
    // writes the extension, whose settings name the identity by id
    // (AzureMonitor_Agent_Linux_VM_UAI_DINE.json's template has no
    // Microsoft.Compute/virtualMachines identity block), so no assign right on
    // the node identity -- which can write the archive -- is handed out.
    if (policy.kind === "dcr")
      grants.push(
        new authorization.RoleAssignment(
          `${args.name}-policy-${policy.key}-rule-access`,
          {
            principalId,
            principalType: "ServicePrincipal",
            roleDefinitionId: pulumi.output(args.subscriptionId).apply((sub) => roleDefinitionId(sub, POLICY_ROLES.monitoringContributor)),
            scope: args.dataCollectionRuleId,
          },
          args.opts,
        ),
      );
    // Once per assignment: re-evaluate the group and fix what existed before
    // it, as the assignment's identity, once its grants have taken effect.
    new policyinsights.RemediationAtResourceGroup(
      `${args.name}-remediate-${policy.key}`,
      {
        resourceGroupName: args.resourceGroupName,
        policyAssignmentId: assignment.id,
        resourceDiscoveryMode: "ReEvaluateCompliance",
      },
      {
        ...args.opts,
        dependsOn: [rbacPropagation(`${args.name}-policy-${policy.key}-propagation`, grants, args.opts), ...(args.remediateAfter ?? [])],
      },
    );
    return assignment;
  });
  return { assignments };
}
