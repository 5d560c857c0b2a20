import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import * as time from "@pulumiverse/time";
import { deploymentDigest, deploymentId } from "../../infra/deployment";
import { AWS_AGENT_NAMESPACE, awsValidationLogGroup } from "../../infra/monitoring-bootstrap";
import { tagsFor } from "../../infra/spec";
import type { AdapterContext } from "./types";

export interface AwsAccount {
  readonly partition: pulumi.Output<string>;
  readonly accountId: pulumi.Output<string>;
}

export function awsAccount(ctx: AdapterContext): AwsAccount {
  const invokeOpts = { parent: ctx.parent };
  return {
    partition: aws.getPartitionOutput({}, invokeOpts).partition,
    accountId: aws.getCallerIdentityOutput({}, invokeOpts).accountId,
  };
}

export interface AwsKey {
  readonly key: aws.kms.Key;
  readonly alias: aws.kms.Alias;
  /**
   * What disks name as their key: the alias ARN, built from plan-time values
   * (partition, account, region, a fixed alias name) so the policy pack can
   * see a customer-managed key on every disk before the key exists. A key ARN
   * carries a random id only known after creation. It is built from the
   * alias's name output, so whatever names it depends on the alias; disks
   * ignore changes to their key id, because AWS reports back the key ARN the
   * alias resolved to.
   */
  readonly diskKeyId: pulumi.Output<string>;
  /** The role the burst group launches with; set only when there is a burst group. */
  readonly autoScalingRole?: aws.iam.ServiceLinkedRole;
}

/**
 * KMS alias names allow `[A-Za-z0-9/_-]`, 256 characters; one per pool and
 * deployment (`deploymentId`), as two stacks may share an account and
 * region. At most 6 + 20 + 1 + 39 = 66 characters.
 */
export function keyAliasName(poolName: string, deployment: string): string {
  return `alias/${poolName}-${deployment}`;
}

/** The service-linked role's name prefix; IAM caps the whole name at 64 characters. */
export const AUTO_SCALING_ROLE_PREFIX = "AWSServiceRoleForAutoScaling_";

/**
 * The burst group's service-linked role suffix: pool name and the
 * deployment's digest (`deploymentDigest`), at most 20 + 1 + 8 = 29 of the
 * 35 characters left after the prefix, all within IAM's `[\w+=,.@-]`.
 */
export function autoScalingRoleSuffix(poolName: string, deploymentDigest: string): string {
  return `${poolName}-${deploymentDigest}`;
}

/**
 * The pool's customer-managed key for every disk. The account root
 * administers it (so IAM policies keep working); when there is a burst group,
 * the Auto Scaling service-linked role it launches with may use it for EBS,
 * which launches with a customer-managed key require.
 *
 * The pool brings its own suffixed service-linked role instead of naming the
 * account's default one: a key policy naming a principal that does not exist
 * yet is rejected, and the default role only appears after the account's
 * first Auto Scaling group.
 */
export function buildAwsKey(ctx: AdapterContext, account: AwsAccount, withBurst: boolean): AwsKey {
  const { spec, name } = ctx;
  const opts = { parent: ctx.parent };
  const scope = { project: pulumi.getProject(), stack: pulumi.getStack() };

  const autoScalingRole = withBurst
    ? new aws.iam.ServiceLinkedRole(
        `${name}-burst-service-role`,
        {
          awsServiceName: "autoscaling.amazonaws.com",
          customSuffix: autoScalingRoleSuffix(name, deploymentDigest(scope)),
          description: `Launches the ${name} burst group with the pool's KMS key`,
          tags: tagsFor(spec, "burst"),
        },
        opts,
      )
    : undefined;

  const root = pulumi.interpolate`arn:${account.partition}:iam::${account.accountId}:root`;
  const statements: unknown[] = [{ Sid: "AccountAdministers", Effect: "Allow", Principal: { AWS: root }, Action: "kms:*", Resource: "*" }];
  if (autoScalingRole) {
    statements.push(
      {
        Sid: "AutoScalingUsesKeyForEbs",
        Effect: "Allow",
        Principal: { AWS: autoScalingRole.arn },
        Action: ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"],
        Resource: "*",
      },
      {
        Sid: "AutoScalingGrantsForEbs",
        Effect: "Allow",
        Principal: { AWS: autoScalingRole.arn },
        Action: "kms:CreateGrant",
        Resource: "*",
        Condition: { Bool: { "kms:GrantIsForAWSResource": true } },
      },
    );
  }

  const key = new aws.kms.Key(
    `${name}-key`,
    {
      description: `logos pool ${name}: boot, state and burst disks`,
      enableKeyRotation: true,
      deletionWindowInDays: 30,
      policy: pulumi.jsonStringify({ Version: "2012-10-17", Statement: statements }),
      tags: tagsFor(spec, "key"),
    },
    // The audit archive outlives `pulumi destroy` and is encrypted under this
    // key; deleting the key would make the kept history unreadable.
    { ...opts, retainOnDelete: true },
  );
  const aliasName = keyAliasName(name, deploymentId(scope));
  const alias = new aws.kms.Alias(`${name}-key-alias`, { name: aliasName, targetKeyId: key.keyId }, opts);
  // From the alias's own name output: known at preview (it is an input), and
  // every resource naming the key this way waits for the alias to exist.
  const diskKeyId = pulumi.interpolate`arn:${account.partition}:kms:${spec.region}:${account.accountId}:${alias.name}`;

  return { key, alias, diskKeyId, ...(autoScalingRole ? { autoScalingRole } : {}) };
}

export interface AwsNodeIdentity {
  readonly role: aws.iam.Role;
  readonly instanceProfile: aws.iam.InstanceProfile;
  /** The role's grants (the CloudWatch agent's); what nodes may do once they propagate. */
  readonly grants: readonly pulumi.Resource[];
}

/**
 * One role for core and burst nodes. It carries only what the CloudWatch
 * agent needs; nodes are reached by SSH through the bastion, so no Systems
 * Manager access. Archive write access is granted to it elsewhere.
 *
 * Not the managed CloudWatchAgentServerPolicy: that allows
 * `cloudwatch:PutMetricData` in every namespace and writing and creating
 * every log group in the account, on `*`; and whatever runs on a node (the
 * workload too) can ask the instance metadata service for the role's
 * credentials. It could then publish the burst demand of this or any other
 * deployment in the account (namespace `Logos/Burst`) and start burst nodes
 * up to each group's maximum. Here the agent may publish only in its own
 * namespace (condition key `cloudwatch:namespace`) and write only this
 * deployment's validation log group, which the program creates (encrypted,
 * with its retention) before any node writes to it: without
 * `logs:CreateLogGroup` an agent that runs first waits instead of creating
 * it unencrypted under the same name.
 */
export function buildAwsNodeIdentity(ctx: AdapterContext, account: AwsAccount): AwsNodeIdentity {
  const { spec, name } = ctx;
  const opts = { parent: ctx.parent };
  const tags = tagsFor(spec, "identity");

  const role = new aws.iam.Role(
    `${name}-node-role`,
    {
      description: `logos pool ${name}: identity of every node`,
      assumeRolePolicy: JSON.stringify({
        Version: "2012-10-17",
        Statement: [{ Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" }],
      }),
      tags,
    },
    opts,
  );
  const logGroup = awsValidationLogGroup(spec.name, deploymentId({ project: pulumi.getProject(), stack: pulumi.getStack() }));
  const logGroupArn = pulumi.interpolate`arn:${account.partition}:logs:${spec.region}:${account.accountId}:log-group:${logGroup}`;
  const agent = new aws.iam.RolePolicy(
    `${name}-node-agent`,
    {
      role: role.name,
      policy: pulumi.jsonStringify({
        Version: "2012-10-17",
        Statement: [
          {
            Sid: "AgentMetricsOwnNamespace",
            Effect: "Allow",
            Action: "cloudwatch:PutMetricData",
            Resource: "*",
            Condition: { StringEquals: { "cloudwatch:namespace": AWS_AGENT_NAMESPACE } },
          },
          {
            Sid: "AgentValidationLog",
            Effect: "Allow",
            Action: ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
            Resource: [logGroupArn, pulumi.interpolate`${logGroupArn}:*`],
          },
          {
            // Read-only look-ups the agent's EC2 dimension and volume helpers may make.
            Sid: "AgentDescribe",
            Effect: "Allow",
            Action: ["ec2:DescribeTags", "ec2:DescribeVolumes"],
            Resource: "*",
          },
        ],
      }),
    },
    opts,
  );
  const instanceProfile = new aws.iam.InstanceProfile(`${name}-node-profile`, { role: role.name, tags }, opts);
  return { role, instanceProfile, grants: [agent] };
}

/**
 * IAM and KMS are eventually consistent: a new role, policy, instance
 * profile, service-linked role, key or alias can take a while to be seen by
 * EC2, EBS, S3 and Auto Scaling. KMS says changes "typically" propagate "in
 * less than a few seconds, but in some cases it can take several minutes"
 * (https://docs.aws.amazon.com/kms/latest/developerguide/programming-eventual-consistency.html);
 * IAM warns the same without a figure
 * (https://docs.aws.amazon.com/IAM/latest/UserGuide/troubleshoot_general.html#troubleshoot_general_eventual-consistency).
 * The provider retries some of it (a new instance profile on RunInstances),
 * not all (EBS refusing a key it cannot see yet, a warm-pool launch under a
 * key policy naming a new role), so everything that encrypts with the key or
 * runs as the node role waits this long after the last of them.
 */
export const GRANT_PROPAGATION = "60s";

/** Disks, templates and boot files encrypted under the pool key wait for the key and its alias (see GRANT_PROPAGATION). */

export function awsKeyPropagated(ctx: AdapterContext, key: AwsKey): time.Sleep {
  return new time.Sleep(
    `${ctx.name}-key-propagation`,
    // A replaced key or alias is new again, and a new key policy (burst capacity added: the
    // Auto Scaling role may now use the key, and the warm pool launches with it at once)
    // is not yet in effect everywhere: wait again.
    { createDuration: GRANT_PROPAGATION, triggers: { key: key.key.arn, alias: key.alias.name, policy: key.key.policy } },
    { parent: ctx.parent, dependsOn: [key.key, key.alias] },
  );
}

/**
 * The same wait for the identities nodes and the burst group launch as: the
 * node role with its policies and instance profile, and the Auto Scaling
 * service-linked role the key policy names. Separate from the key's, so
 * state volumes (which need only the key) keep nothing but the key when a
 * destroy leaves them (`--exclude-protected` keeps what they depend on).
 */
export function awsGrantsPropagated(
  ctx: AdapterContext,
  key: AwsKey,
  identity: AwsNodeIdentity,
  extraGrants: readonly pulumi.Resource[],
): time.Sleep {
  const { autoScalingRole } = key;
  return new time.Sleep(
    `${ctx.name}-grants-propagation`,
    {
      createDuration: GRANT_PROPAGATION,
      // A replaced role or profile is new again: wait again.
      triggers: {
        role: identity.role.arn,
        profile: identity.instanceProfile.arn,
        ...(autoScalingRole ? { autoScalingRole: autoScalingRole.arn } : {}),
      },
    },
    {
      parent: ctx.parent,
      dependsOn: [
        ...(autoScalingRole ? [autoScalingRole] : []),
        identity.role,
        identity.instanceProfile,
        ...identity.grants,
        ...extraGrants,
      ],
    },
  );
}
