/**
 * Azure role assignments take effect minutes after ARM reports them created,
 * and nothing in the API says when: "it will take up to 10 minutes (600
 * seconds) after role assignments is changed for role to be applied"
 * (https://learn.microsoft.com/azure/key-vault/general/rbac-guide, "Known
 * limits and performance"; the same bound for every Azure RBAC scope in
 * https://learn.microsoft.com/azure/role-based-access-control/troubleshooting,
 * "Role assignment changes are not being detected"). A resource that needs a
 * grant therefore waits for this Sleep, not for the grant alone, so a first
 * `pulumi up` succeeds in one run.
 */
import * as time from "@pulumiverse/time";
import type * as pulumi from "@pulumi/pulumi";

/**
 * The documented upper bound of Azure RBAC propagation. A new custom role
 * definition needs the same wait before a grant may name it: until it has
 * replicated the grant fails with RoleDefinitionDoesNotExist, "a transient
 * error which may occur when the Resource Provider in ARM is yet to complete
 * replication of the newly created Role Definition"; "due to caching in ARM, it
 * could take up to 10 minutes" (Azure/terraform-azurerm-caf-enterprise-scale
 * wiki, Troubleshooting; terraform-provider-azurerm#10442). Grants of the
 * pool's custom roles therefore wait for `rbacPropagation` over the definition.
 */
export const RBAC_PROPAGATION = "600s";

/**
 * A Sleep that starts once `grants` exist and ends when they have taken
 * effect. It runs on create only: a later `pulumi up` waits again only when
 * the grants are replaced (they are its triggers' sources).
 */
export function rbacPropagation(name: string, grants: readonly pulumi.CustomResource[], opts: pulumi.CustomResourceOptions): time.Sleep {
  return new time.Sleep(
    name,
    {
      createDuration: RBAC_PROPAGATION,
      // A replaced grant is a new assignment that needs the same wait.
      triggers: Object.fromEntries(grants.map((g, i) => [`grant${i}`, g.id])),
    },
    { ...opts, dependsOn: [...grants] },
  );
}
