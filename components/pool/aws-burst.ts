import * as aws from "@pulumi/aws";
import type * as pulumi from "@pulumi/pulumi";
import { tagsFor } from "../../infra/spec";
import { assertUserDataFits } from "./aws-boot-files";
import { BURST_DISCOVERY_TAG, nodeUserData } from "./common";
import type { AdapterContext, PoolBurst } from "./types";
import type { AwsNetwork } from "./aws-network";

/** Ubuntu AMIs boot from /dev/sda1; mapping it is what makes the launched root volume use our key. */
export const UBUNTU_ROOT_DEVICE = "/dev/sda1";
/** Average CPU the burst group steers towards. */
export const BURST_CPU_TARGET = 70;
/** Seconds a new member's CPU is left out of the average: its first boot installs the toolchain at full CPU. */
export const BURST_WARMUP_SECONDS = 600;
/** The standby's state in the warm pool; see the group for why it runs. */
export const WARM_POOL_STATE = "Running";

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
  /** The pool's waits for the key, the node role and the service-linked role to propagate (`awsKeyPropagated`, `awsGrantsPropagated`). */
  readonly grantsReady: readonly pulumi.Resource[];
}

/**
 * Burst capacity: one launch template (same image, type, bootstrap and
 * encryption as the core nodes, no public address) behind an Auto Scaling
 * group in the burst subnets, scaled on average CPU. The standby is the
 * group's warm pool: one instance launched, bootstrapped and kept running
 * outside the group's capacity, so scale-out takes it instead of installing
 * from scratch.
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
    { ...opts, dependsOn: [inputs.keyAlias, ...inputs.grantsReady, ...bootReady] },
  );

  const group = new aws.autoscaling.Group(
    `${name}-burst`,
    {
      vpcZoneIdentifiers: inputs.network.burstSubnets.map((s) => s.id),
      minSize: 0,
      maxSize: max,
      // New launches take the newest template version; running members are left to finish their jobs.
      launchTemplate: { id: template.id, version: "$Latest" },
      serviceLinkedRoleArn: inputs.autoScalingRoleArn,
      healthCheckType: "EC2",
      healthCheckGracePeriod: BURST_WARMUP_SECONDS,
      defaultInstanceWarmup: BURST_WARMUP_SECONDS,
      ...(spec.nodes.standby === 1
        ? {
            // MinSize and MaxGroupPreparedCapacity equal is the only setting that
            // gives the warm pool an absolute size, whatever the desired capacity.
            warmPool: {
              // Not "Stopped": Auto Scaling stops a warm instance as soon as it has
              // launched, without waiting for user data, so the toolchain install
              // would be cut off and the standby would join half-bootstrapped.
              // Stopping safely needs a launch lifecycle hook the node completes.
              poolState: WARM_POOL_STATE,
              minSize: spec.nodes.standby,
              maxGroupPreparedCapacity: spec.nodes.standby,
              instanceReusePolicy: { reuseOnScaleIn: false },
            },
          }
        : {}),
      tags: Object.entries(memberTags).map(([key, value]) => ({ key, value, propagateAtLaunch: true })),
    },
    // Members install packages and fetch boot files at first boot: NAT route and objects must exist before any launches.
    // The warm pool launches at once, under a key policy naming the service-linked role: both must have propagated.
    { ...opts, dependsOn: [...inputs.network.egressReady, ...inputs.grantsReady, ...bootReady] },
  );

  new aws.autoscaling.Policy(
    `${name}-burst-cpu`,
    {
      autoscalingGroupName: group.name,
      // Warm-up comes from the group's defaultInstanceWarmup.
      policyType: "TargetTrackingScaling",
      targetTrackingConfiguration: {
        predefinedMetricSpecification: { predefinedMetricType: "ASGAverageCPUUtilization" },
        targetValue: BURST_CPU_TARGET,
      },
    },
    opts,
  );

  return {
    groupId: group.id,
    groupName: group.name,
    min: 0,
    max,
    discoveryTag: BURST_DISCOVERY_TAG,
    ...(spec.nodes.standby === 1 ? { standby: { kind: "aws-asg-warm-pool", id: group.name, size: spec.nodes.standby } } : {}),
  };
}
