import { describe, expect, it } from "vitest";
import type { ResourceValidationArgs } from "@pulumi/policy";
import { DEFAULT_OPTIONS, type Plan } from "../../infra/plan/types";
import { evaluatePlan, evaluateResource, hasBlocking, packConfig } from "../../policies/evaluate";
import { unknownCheckingProxy } from "../../policies/lib/unknowns";
import { registry } from "../../policies/registry";
import { awsEbsVolumeEncrypted } from "../../policies/rules/aws-ebs-volume-encrypted";
import { UNKNOWN } from "./harness";

const noGraph = { dependencies: [], propertyDependencies: {}, options: DEFAULT_OPTIONS } as const;

const VOLUME = "aws:ebs/volume:Volume";
const goodVolume = { encrypted: true, kmsKeyId: "arn:aws:kms:us-east-1:1:key/1", tags: { "logos-proof-gated": "true" } };
const resource = (type: string, inputs: Record<string, unknown>, name = "subject") => ({
  urn: `urn:pulumi:s::logos-compute::${type}::${name}`,
  type,
  name,
  inputs,
});

describe("evaluateResource", () => {
  it("runs only the validations bound to the resource's type", () => {
    expect(evaluateResource(resource("aws:iam/role:Role", { assumeRolePolicy: "{}" }))).toEqual([]);
  });

  it("reports stack-less violations with rule metadata and the resource", () => {
    const [violation] = evaluateResource(resource(VOLUME, { ...goodVolume, encrypted: false }));
    expect(violation).toEqual({
      rule: "aws-ebs-volume-encrypted",
      cloud: "aws",
      severity: "high",
      enforcementLevel: "mandatory",
      urn: `urn:pulumi:s::logos-compute::${VOLUME}::subject`,
      resource: "subject",
      type: VOLUME,
      message: "Volume 'subject': encrypted is false; set encrypted: true with kmsKeyId.",
    });
  });

  it("honours an enforcement override and skips disabled rules", () => {
    const bad = resource(VOLUME, { ...goodVolume, encrypted: false });
    const advisory = evaluateResource(bad, { config: { "aws-ebs-volume-encrypted": { enforcementLevel: "advisory" } } });
    expect(advisory.map((v) => v.enforcementLevel)).toEqual(["advisory"]);
    expect(hasBlocking(advisory)).toBe(false);
    expect(evaluateResource(bad, { config: { "aws-ebs-volume-encrypted": { enforcementLevel: "disabled" } } })).toEqual([]);
  });

  it("matches what validateResource reports when called the engine's way", () => {
    const inputs = { ...goodVolume, kmsKeyId: UNKNOWN };
    const seen: string[] = [];
    const notApplicable: string[] = [];
    const args = {
      type: VOLUME,
      props: unknownCheckingProxy(inputs),
      urn: "urn",
      name: "subject",
      getConfig: () => ({}),
      isType: (cls: { __pulumiType?: string }) => cls.__pulumiType === VOLUME,
      notApplicable: (reason?: string): never => {
        notApplicable.push(reason ?? "");
        throw new Error("not applicable");
      },
    } as unknown as ResourceValidationArgs;
    for (const validation of awsEbsVolumeEncrypted.validateResource) validation(args, (m) => seen.push(m));
    expect(notApplicable).toEqual([]);
    expect(evaluateResource(resource(VOLUME, inputs), { rules: [awsEbsVolumeEncrypted] }).map((v) => v.message)).toEqual(seen);
    expect(seen[0]).toContain("kmsKeyId is unknown");
  });

  it("a typed validation declines other types through notApplicable, as in the engine", () => {
    const [validation] = awsEbsVolumeEncrypted.validateResource;
    const reasons: string[] = [];
    const args = {
      type: "aws:s3/bucket:Bucket",
      props: {},
      isType: () => false,
      notApplicable: (reason?: string): never => {
        reasons.push(reason ?? "");
        throw new Error("not applicable");
      },
    } as unknown as ResourceValidationArgs;
    expect(() => validation!(args, () => undefined)).toThrow("not applicable");
    expect(reasons).toEqual([`Policy only applies to resources of type '${VOLUME}'`]);
  });
});

describe("packConfig", () => {
  it("hands each rule only the keys its schema declares", () => {
    const config = packConfig({ operatorCidrs: ["203.0.113.0/24"], requireCmek: false });
    expect(config["aws-ec2-sg-no-public-ingress"]).toEqual({ operatorCidrs: ["203.0.113.0/24"] });
    expect(config["aws-ebs-volume-encrypted"]).toEqual({ requireCmek: false });
    expect(config["aws-tagging-proof-gated"]).toBeUndefined();
    expect(Object.keys(config).length).toBeLessThan(registry.rules.length);
  });
});

describe("evaluatePlan", () => {
  it("labels violations with the plan's stack and checks every resource", () => {
    const plan: Plan = {
      stack: "aws-pool",
      cloud: "aws",
      outputs: {},
      resources: [
        { ...resource(VOLUME, goodVolume, "good"), custom: true, ...noGraph },
        { ...resource(VOLUME, { ...goodVolume, tags: {} }, "untagged"), custom: true, ...noGraph },
        { ...resource("logos:compute:VmPool", {}, "pool"), custom: false, ...noGraph },
      ],
    };
    const violations = evaluatePlan(plan);
    expect(violations.map((v) => [v.stack, v.rule, v.resource])).toEqual([["aws-pool", "aws-tagging-proof-gated", "untagged"]]);
  });
});
