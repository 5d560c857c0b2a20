import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import {
  awsDemandBands,
  AWS_POLICIES_PER_GROUP,
  AWS_STEPS_PER_POLICY,
  BURST_DEMAND_DIMENSION,
  BURST_DEMAND_METRIC,
  BURST_DEMAND_NAMESPACE,
  BURST_DEMAND_PERIOD_SECONDS,
  demandLevels,
} from "../../infra/burst-demand";
import { MEMBER_BUSY_COMMAND, MEMBER_IDLE_COMMAND, ROLE_TAG_KEY, VALIDATED_TAG_KEY } from "../../infra/node/member";
import { tagsFor } from "../../infra/spec";
import { assertUserDataFits } from "./aws-boot-files";
import { BURST_DISCOVERY_TAG, dependsOnWithLater, nodeUserData, STANDBY_TAG, validatedTag } from "./common";
import type { AdapterContext, PoolBurst } from "./types";
import type { AwsNetwork } from "./aws-network";
import type { AwsAccount } from "./aws-security";

/** Ubuntu AMIs boot from /dev/sda1; mapping it is what makes the launched root volume use our key. */
export const UBUNTU_ROOT_DEVICE = "/dev/sda1";
/** Seconds Auto Scaling gives a new member before its EC2 health counts: its first boot installs the toolchain. */
export const BURST_WARMUP_SECONDS = 600;
/**
 * The standby waits stopped in the warm pool: the launch lifecycle hook keeps
 * it from being stopped before its bootstrap and validation finished (Auto
 * Scaling stops a warm instance only after the hook completes), and when it
 * enters service it is started, re-validated on that boot, and let in only
 * after the pass -- the same path as any burst launch, at the price of one EBS
 * volume instead of a running instance.
 */
export const WARM_POOL_STATE = "Stopped";
/** The launch lifecycle hook the member's enter step completes (burst_member.py). */
export const LAUNCH_HOOK_NAME = "logos-validated";
/**
 * How long Auto Scaling waits for the member's pass before it abandons
 * (terminates) the instance: the maximum a hook allows without heartbeats
 * (30-7200 s, aws_autoscaling_group initial_lifecycle_hook, terraform-provider-aws
 * internal/service/autoscaling/group.go). A failed validation never completes
 * the hook, so the failed instance stays this long for an operator to read
 * its journal, then is replaced.
 */
export const LAUNCH_HOOK_TIMEOUT_SECONDS = 7200;

/**
 * The group's name: explicit, so the member's config, the IAM grants and the
 * scheduler contract know it at preview (an autonamed group is only named by
 * the engine, after the launch template that would have to carry its name).
 * Pool name and deployment digest: two stacks in one account never share it
 * (Auto Scaling group names are unique per account and region).
 */
export function awsBurstGroupName(poolName: string, digest: string): string {
  return `${poolName}-burst-${digest}`;
}

export interface AwsBurstInputs {
  readonly network: AwsNetwork;
  readonly imageId: pulumi.Input<string>;
  /** The alias ARN disks name (see `AwsKey.diskKeyId`); the template stores it as given. */
  readonly diskKeyId: pulumi.Input<string>;
  readonly keyAlias: pulumi.Resource;
  readonly instanceProfileArn: pulumi.Input<string>;
  readonly autoScalingRoleArn: pulumi.Input<string>;
  /** Boot files members fetch, uploaded and readable (see `aws-artifacts.ts`). @default none */
  readonly bootReady?: readonly pulumi.Resource[];
  /**
   * The pool's waits for the key, the node role with its grants (the member's
   * own, `buildBurstMemberGrant`, among them) and the service-linked role to
   * propagate (`awsKeyPropagated`, `awsGrantsPropagated`).
   */
  readonly grantsReady: readonly pulumi.Resource[];
  /** The group's name (`awsBurstGroupName`), also in the members' config. */
  readonly groupName: string;
  /** Tells this deployment's demand metric from another stack's in the same account. */
  readonly deployment: string;
}

/**
 * Burst capacity: one launch template (same image, type, bootstrap and
 * encryption as the core nodes, no public address) behind an Auto Scaling
 * group in the burst subnets, sized by the scheduler's demand metric. A
 * launch lifecycle hook keeps every new member -- and the standby, a stopped
 * instance in the group's warm pool -- out of service until its own
 * validation passed; a new template reaches running members by an instance
 * refresh that replaces them only once their replacements passed.
 */
export function buildAwsBurst(ctx: AdapterContext, inputs: AwsBurstInputs): PoolBurst {
  const { spec, name } = ctx;
  const opts = { parent: ctx.parent };
  const tags = tagsFor(spec, BURST_DISCOVERY_TAG.value);
  const memberTags = { ...tags, [BURST_DISCOVERY_TAG.key]: BURST_DISCOVERY_TAG.value, Name: `${name}-burst` };
  const max = spec.nodes.burstMax - spec.nodes.core;
  const bootReady = inputs.bootReady ?? [];
  const template = new aws.ec2.LaunchTemplate(
    `${name}-burst`,
    {
      description: `logos pool ${name}: burst and standby nodes`,
      imageId: inputs.imageId,
      instanceType: spec.machine.type.name,
      iamInstanceProfile: { arn: inputs.instanceProfileArn },
      metadataOptions: { httpEndpoint: "enabled", httpTokens: "required", httpPutResponseHopLimit: 1 },
      networkInterfaces: [
        {
          deviceIndex: 0,
          associatePublicIpAddress: "false",
          deleteOnTermination: "true",
          securityGroups: [inputs.network.nodeSecurityGroup.id],
        },
      ],
      blockDeviceMappings: [
        {
          deviceName: UBUNTU_ROOT_DEVICE,
          ebs: {
            encrypted: "true",
            kmsKeyId: inputs.diskKeyId,
            volumeType: "gp3",
            volumeSize: spec.disks.bootGiB,
            deleteOnTermination: "true",
          },
        },
      ],
      // Burst nodes keep LOGOS_STATE_DIR on the encrypted boot disk; their audit log is shipped to the archive.
      userData: nodeUserData(ctx, "burst", undefined, undefined).apply((text) =>
        Buffer.from(assertUserDataFits("burst", text), "utf8").toString("base64"),
      ),
      tagSpecifications: ["instance", "volume", "network-interface"].map((resourceType) => ({ resourceType, tags: memberTags })),
      updateDefaultVersion: true,
      tags,
    },
    { ...opts, dependsOn: dependsOnWithLater([inputs.keyAlias, ...inputs.grantsReady, ...bootReady], ctx.reportsTo) },
  );

  const group = new aws.autoscaling.Group(
    `${name}-burst`,
    {
      name: inputs.groupName,
      vpcZoneIdentifiers: inputs.network.burstSubnets.map((s) => s.id),
      minSize: 0,
      maxSize: max,
      // A version number, not $Latest: a new template version then changes the
      // group, which is what starts the instance refresh below (a refresh never
      // starts on $Latest, aws_autoscaling_group instance_refresh notes,
      // terraform-provider-aws website/docs/r/autoscaling_group.html.markdown).
      launchTemplate: { id: template.id, version: template.latestVersion.apply((v) => String(v)) },
      serviceLinkedRoleArn: inputs.autoScalingRoleArn,
      healthCheckType: "EC2",
      healthCheckGracePeriod: BURST_WARMUP_SECONDS,
      defaultInstanceWarmup: BURST_WARMUP_SECONDS,
      // Part of the group (not a separate LifecycleHook resource): the warm pool
      // launches its instance as soon as the group exists, before a separate
      // hook would be attached. ForceNew in the provider, hence constant.
      initialLifecycleHooks: [
        {
          name: LAUNCH_HOOK_NAME,
          lifecycleTransition: "autoscaling:EC2_INSTANCE_LAUNCHING",
          defaultResult: "ABANDON",
          heartbeatTimeout: LAUNCH_HOOK_TIMEOUT_SECONDS,
        },
      ],
      // A new template (repoRef, image, validator, bootstrap) replaces running
      // members and the warm standby (a refresh reports warm-pool progress
      // separately, API InstanceRefreshWarmPoolProgress): launch before
      // terminate (min 100 %, max 200 %), and a replacement counts as healthy
      // only in service, i.e. after its own validation passed the launch hook.
      // A member protected from scale in (busy) is waited for, up to an hour.
      instanceRefresh: {
        strategy: "Rolling",
        preferences: {
          minHealthyPercentage: 100,
          maxHealthyPercentage: 200,
          instanceWarmup: "60",
          scaleInProtectedInstances: "Wait",
          standbyInstances: "Terminate",
          skipMatching: false,
        },
      },
      ...(spec.nodes.standby === 1
        ? {
            // MinSize and MaxGroupPreparedCapacity equal is the only setting that
            // gives the warm pool an absolute size, whatever the desired capacity.
            warmPool: {
              poolState: WARM_POOL_STATE,
              minSize: spec.nodes.standby,
              maxGroupPreparedCapacity: spec.nodes.standby,
              instanceReusePolicy: { reuseOnScaleIn: false },
            },
          }
        : {}),
      tags: Object.entries(memberTags).map(([key, value]) => ({ key, value, propagateAtLaunch: true })),
      // Members hold no history (their audit log is archived), and a busy or
      // validating member is protected from scale in: without these, a destroy
      // or a replacement of the group would wait for protected instances that
      // never drain (the provider otherwise scales to 0 and waits).
      forceDelete: true,
      forceDeleteWarmPool: true,
    },
    // Members install packages and fetch boot files at first boot: NAT route and
    // objects must exist before any launches. The warm pool launches at once,
    // under a key policy naming the service-linked role: both must have
    // propagated. The name is explicit: a replacement (a changed hook) must
    // delete the old group first.
    // Members write into the agent's log group (see the core nodes in aws.ts).
    {
      ...opts,
      dependsOn: dependsOnWithLater([...inputs.network.egressReady, ...inputs.grantsReady, ...bootReady], ctx.reportsTo),
      deleteBeforeReplace: true,
    },
  );

  buildDemandScaling(ctx, group, max, inputs.deployment);

  const scheduler = new aws.iam.Policy(
    `${name}-burst-scheduler`,
    {
      description: `logos pool ${name}: what a scheduler needs to ask for burst capacity and mark members busy`,
      policy: pulumi.jsonStringify({
        Version: "2012-10-17",
        Statement: [
          {
            Sid: "PublishDemand",
            Effect: "Allow",
            Action: "cloudwatch:PutMetricData",
            Resource: "*",
            Condition: { StringEquals: { "cloudwatch:namespace": BURST_DEMAND_NAMESPACE } },
          },
          { Sid: "MarkBusy", Effect: "Allow", Action: "autoscaling:SetInstanceProtection", Resource: group.arn },
          {
            Sid: "DiscoverMembers",
            Effect: "Allow",
            Action: ["autoscaling:DescribeAutoScalingGroups", "autoscaling:DescribeWarmPool", "ec2:DescribeInstances"],
            Resource: "*",
          },
        ],
      }),
      tags,
    },
    // The contract tells the operator to attach this policy to the scheduler's
    // role, which this program does not own; IAM refuses to delete a policy
    // still attached to a role (DeleteConflict, API_DeletePolicy), and the
    // provider does not detach it first (resourcePolicyDelete, policy.go of
    // terraform-provider-aws): a destroy, or a burstMax change that drops the
    // group, would stop there. Kept instead (README *Tear down*).
    { ...opts, retainOnDelete: true },
  );

  const step = demandLevels(max, AWS_STEPS_PER_POLICY * AWS_POLICIES_PER_GROUP - 1).step;
  return {
    groupId: group.id,
    groupName: group.name,
    min: 0,
    max,
    discoveryTag: BURST_DISCOVERY_TAG,
    validatedTag: validatedTag(spec),
    ...(spec.nodes.standby === 1
      ? {
          standby: {
            kind: "aws-asg-warm-pool",
            id: group.name,
            size: spec.nodes.standby,
            tag: STANDBY_TAG,
            state: "in the group's warm pool (Warmed:Stopped); it is started and re-validated when it enters service",
          },
        }
      : {}),
    contract: {
      inService:
        "Auto Scaling lifecycle state InService (DescribeAutoScalingGroups): the launch hook lets a member in only after its validation passed",
      target: { kind: "aws-auto-scaling-group", id: group.arn, name: inputs.groupName, region: spec.region },
      demand: {
        provider: "aws-cloudwatch",
        metric: BURST_DEMAND_METRIC,
        namespace: BURST_DEMAND_NAMESPACE,
        labels: [{ name: BURST_DEMAND_DIMENSION, value: inputs.deployment }],
        region: spec.region,
        unit: "nodes",
        periodSeconds: BURST_DEMAND_PERIOD_SECONDS,
        step,
        permission: pulumi.interpolate`attach IAM policy ${scheduler.arn} to the scheduler's role (cloudwatch:PutMetricData on the namespace, autoscaling:SetInstanceProtection on the group, read access to discover members)`,
      },
      scaleIn: {
        by: "autoscaler",
        busy: MEMBER_BUSY_COMMAND,
        idle: MEMBER_IDLE_COMMAND,
        how: "busy/idle set the member's scale-in protection (SetInstanceProtection); a lower demand lowers the desired capacity and Auto Scaling terminates unprotected members only",
      },
    },
  };
}

export interface BurstMemberGrantInputs {
  /** The node role, which members complete their launch hook and tag themselves with. */
  readonly role: aws.iam.Role;
  readonly account: AwsAccount;
  /** The group's name (`awsBurstGroupName`). */
  readonly groupName: string;
}

/**
 * What a member does to itself: complete its launch hook, set its scale-in
 * protection, and set only its own role and validated tags. Members carry
 * the group's `aws:autoscaling:groupName` tag, which no one can set by hand.
 *
 * Built before the group and from the group's name, not its ARN: the warm
 * pool launches the standby as soon as the group exists, and the member's
 * first call (`leave`, which tags it) must find the grant in effect, so the
 * pool's propagation wait (`awsGrantsPropagated`) covers it like the node
 * role's other grants. A member's own calls are not retried on 403, so a
 * grant still propagating would leave it outside service until the hook
 * times out. The group's ARN carries an id only known after creation; IAM
 * matches it with a wildcard (resource type autoScalingGroup,
 * `arn:${Partition}:autoscaling:${Region}:${Account}:autoScalingGroup:${GroupId}:autoScalingGroupName/${GroupFriendlyName}`,
 * https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonec2autoscaling.html).
 */
export function buildBurstMemberGrant(ctx: AdapterContext, inputs: BurstMemberGrantInputs): aws.iam.RolePolicy {
  const { spec, name } = ctx;
  const { partition, accountId } = inputs.account;
  return new aws.iam.RolePolicy(
    `${name}-burst-member`,
    {
      role: inputs.role.name,
      policy: pulumi.jsonStringify({
        Version: "2012-10-17",
        Statement: [
          {
            Sid: "OwnLifecycleAndProtection",
            Effect: "Allow",
            Action: ["autoscaling:CompleteLifecycleAction", "autoscaling:SetInstanceProtection"],
            Resource: pulumi.interpolate`arn:${partition}:autoscaling:${spec.region}:${accountId}:autoScalingGroup:*:autoScalingGroupName/${inputs.groupName}`,
          },
          {
            Sid: "OwnRoleTags",
            Effect: "Allow",
            Action: ["ec2:CreateTags", "ec2:DeleteTags"],
            Resource: pulumi.interpolate`arn:${partition}:ec2:${spec.region}:${accountId}:instance/*`,
            Condition: {
              StringEquals: { "ec2:ResourceTag/aws:autoscaling:groupName": inputs.groupName },
              "ForAllValues:StringEquals": { "aws:TagKeys": [ROLE_TAG_KEY, VALIDATED_TAG_KEY] },
            },
          },
        ],
      }),
    },
    { parent: ctx.parent },
  );
}

/**
 * The group's size from the demand metric: per band one alarm (Maximum over
 * a minute >= the band's threshold; missing data changes nothing) and one
 * ExactCapacity step policy (see `awsDemandBands`). No CPU policy: a group
 * at 0 has no CPU to measure, and a second policy would fight the scheduler.
 */
function buildDemandScaling(ctx: AdapterContext, group: aws.autoscaling.Group, max: number, deployment: string): void {
  const { name } = ctx;
  const opts = { parent: ctx.parent };
  awsDemandBands(max).forEach((band, i) => {
    const policy = new aws.autoscaling.Policy(
      `${name}-burst-demand-${i}`,
      {
        autoscalingGroupName: group.name,
        policyType: "StepScaling",
        adjustmentType: "ExactCapacity",
        metricAggregationType: "Maximum",
        stepAdjustments: band.steps.map((s) => ({
          metricIntervalLowerBound: String(s.lower),
          ...(s.upper !== undefined ? { metricIntervalUpperBound: String(s.upper) } : {}),
          scalingAdjustment: s.capacity,
        })),
      },
      opts,
    );
    new aws.cloudwatch.MetricAlarm(
      `${name}-burst-demand-${i}`,
      {
        alarmDescription: `logos pool ${name}: burst demand >= ${band.threshold} sets the group's capacity (step policy ${i})`,
        namespace: BURST_DEMAND_NAMESPACE,
        metricName: BURST_DEMAND_METRIC,
        dimensions: { [BURST_DEMAND_DIMENSION]: deployment },
        statistic: "Maximum",
        period: BURST_DEMAND_PERIOD_SECONDS,
        evaluationPeriods: 1,
        threshold: band.threshold,
        comparisonOperator: "GreaterThanOrEqualToThreshold",
        treatMissingData: "missing",
        alarmActions: [policy.arn],
        tags: tagsFor(ctx.spec, BURST_DISCOVERY_TAG.value),
      },
      opts,
    );
  });
}
