/**
 * Project-level pieces the GCP parts of every component share: the Google
 * APIs a component needs, the wait after an IAM grant, and the labels that
 * tell this deployment's resources from another stack's in the same project.
 * A leaf module: components import it, it imports no component.
 */
import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import * as time from "@pulumiverse/time";
import { DEPLOYMENT_TAG, deploymentId } from "../infra/deployment";
import { tagsFor, type PoolSpec } from "../infra/spec";

/**
 * How long a new IAM grant is waited for before anything relies on it.
 * Google: changes to an allow policy "typically propagate in 2 minutes, but
 * could potentially take 7 minutes or longer"
 * (https://cloud.google.com/iam/docs/access-change-propagation), and the
 * provider retries none of the errors a CMEK create gets in the meantime
 * (terraform-provider-google google/transport/error_retry_predicates.go has
 * no predicate for them). The wait runs once, when the grant is created.
 */
export const IAM_PROPAGATION = "7m";

/** This deployment's id (infra/deployment.ts), from the running Pulumi project and stack. */
export function currentDeploymentId(): string {
  return deploymentId({ project: pulumi.getProject(), stack: pulumi.getStack() });
}

/** Labels for a GCP resource of this deployment: the spec's tags, pool, role and deployment id. */
export function gcpLabels(spec: PoolSpec, role: string): Record<string, string> {
  return { ...tagsFor(spec, role), [DEPLOYMENT_TAG]: currentDeploymentId() };
}

/**
 * Enables the Google APIs a component uses, so a first `pulumi up` on a
 * project that never used them succeeds. `disableOnDestroy: false`: a
 * destroyed stack never switches off an API that another stack in the
 * project, or the retained archive and key, still use. Creating a service
 * that is already enabled only records it (the provider reads the enabled
 * list first and waits until a new one shows as enabled:
 * terraform-provider-google google/services/resourcemanager/
 * resource_google_project_service.go, resource_google_project.go
 * waitForServiceUsageEnabledServices), so two stacks may both declare it.
 * Enabling needs the Service Usage and Cloud Resource Manager APIs, which
 * the provider itself calls; those two are the deployer's to enable.
 */
export function enableServices(
  parent: pulumi.Resource,
  name: string,
  project: string,
  services: readonly string[],
): gcp.projects.Service[] {
  return services.map(
    (service) =>
      new gcp.projects.Service(
        `${name}-api-${service.split(".")[0]}`,
        { project, service, disableOnDestroy: false, disableDependentServices: false },
        { parent },
      ),
  );
}

/**
 * A wait after an IAM grant (see IAM_PROPAGATION); whatever relies on the
 * grant depends on the wait. It runs again only when the grant's target or
 * member changes.
 */
export function propagationWait(
  parent: pulumi.Resource,
  name: string,
  triggers: Readonly<Record<string, pulumi.Input<string>>>,
  grant: pulumi.Resource,
): time.Sleep {
  return new time.Sleep(name, { createDuration: IAM_PROPAGATION, triggers: { ...triggers } }, { parent, dependsOn: [grant] });
}
