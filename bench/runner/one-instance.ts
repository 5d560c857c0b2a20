/**
 * The runner benchmark's yardstick: the smallest real TypeScript program, one
 * EC2 instance, loaded by the same runner as `infra/index.ts`.
 */
import * as aws from "@pulumi/aws";

const instance = new aws.ec2.Instance("one", { ami: "ami-0123456789abcdef0", instanceType: "t3.micro" });

export const id = instance.id;
