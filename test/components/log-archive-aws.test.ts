import * as pulumi from "@pulumi/pulumi";
import { beforeAll, describe, expect, it } from "vitest";
import { parseSpec } from "../../infra/spec";
import { evaluateResource, packConfig } from "../../policies/evaluate";
import { rawConfig } from "../helpers/configs";
import { installMocks, one, settled, valueOf } from "../helpers/mocks";

const KEY_ARN = "arn:aws:kms:us-east-1:123456789012:key/00000000-0000-0000-0000-00000000000a";
const ROLE_ARN = "arn:aws:iam::123456789012:role/logos-node-role";

let mocks: ReturnType<typeof installMocks>;
let archive: import("../../components/log-archive").LogArchive;
let target: string;

interface Statement {
  Sid: string;
  Effect: string;
  Principal?: unknown;
  Action?: string | string[];
  NotAction?: string[];
  Resource?: string | string[];
  NotResource?: string;
  Condition?: Record<string, Record<string, string>>;
}

function statements(policy: string): Statement[] {
  return (JSON.parse(policy) as { Statement: Statement[] }).Statement;
}

beforeAll(async () => {
  mocks = installMocks();
  const { LogArchive } = await import("../../components/log-archive/index.js");
  const spec = parseSpec(rawConfig("aws", { archiveLockMode: "compliance", archiveRetentionDays: 400 }));
  archive = new LogArchive("logos-archive", {
    spec,
    encryptionKeyId: pulumi.output(KEY_ARN),
    nodeIdentity: { kind: "aws-iam-role", id: pulumi.output("logos-node-role"), principal: pulumi.output(ROLE_ARN) },
  });
  await valueOf(archive.url);
  target = await valueOf(archive.target);
  await settled(mocks.resources);
});

describe("LogArchive on AWS", () => {
  it("creates an Object Lock bucket named for the deployment, tagged, and kept on destroy", () => {
    const bucket = one(mocks.resources, "aws:s3/bucket:Bucket");
    expect(bucket.name).toBe("logos-archive-bucket");
    expect(bucket.inputs.bucket).toMatch(/^logos-audit-[0-9a-f]{12}$/);
    expect(bucket.inputs.bucket).toBe(target);
    expect(bucket.inputs.objectLockEnabled).toBe(true);
    expect(bucket.inputs.forceDestroy).toBe(false);
    expect(bucket.inputs.tags).toMatchObject({ "logos-proof-gated": "true", "logos-role": "archive", "logos-pool": "logos" });
  });

  it("encrypts with the pool's KMS key by default", () => {
    const sse = one(mocks.resources, "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration");
    expect(sse.inputs.rules).toEqual([
      { applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: KEY_ARN }, bucketKeyEnabled: true },
    ]);
  });

  it("versions every object", () => {
    expect(one(mocks.resources, "aws:s3/bucketVersioning:BucketVersioning").inputs.versioningConfiguration).toEqual({ status: "Enabled" });
  });

  it("locks objects in the configured mode for the configured days", () => {
    const lock = one(mocks.resources, "aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration");
    expect(lock.inputs.objectLockEnabled).toBe("Enabled");
    expect(lock.inputs.rule).toEqual({ defaultRetention: { mode: "COMPLIANCE", days: 400 } });
  });

  it("blocks every kind of public access and turns ACLs off", () => {
    expect(one(mocks.resources, "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock").inputs).toMatchObject({
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    });
    expect(one(mocks.resources, "aws:s3/bucketOwnershipControls:BucketOwnershipControls").inputs.rule).toEqual({
      objectOwnership: "BucketOwnerEnforced",
    });
  });

  it("denies plain HTTP, object deletion and other keys to everyone", () => {
    const byId = new Map(statements(one(mocks.resources, "aws:s3/bucketPolicy:BucketPolicy").inputs.policy).map((s) => [s.Sid, s]));
    expect(byId.get("DenyInsecureTransport")).toMatchObject({
      Effect: "Deny",
      Principal: "*",
      Action: "s3:*",
      Condition: { Bool: { "aws:SecureTransport": "false" } },
    });
    expect(byId.get("DenyObjectDeletion")).toMatchObject({
      Effect: "Deny",
      Principal: "*",
      Action: ["s3:DeleteObject", "s3:DeleteObjectVersion"],
    });
    expect(byId.get("DenyOtherKmsKey")?.Condition?.StringNotEquals).toEqual({ "s3:x-amz-server-side-encryption-aws-kms-key-id": KEY_ARN });
    expect(byId.get("DenyOtherEncryption")?.Condition?.StringNotEquals).toEqual({ "s3:x-amz-server-side-encryption": "aws:kms" });
  });

  it("lets the node role add objects below <pool>/ and nothing else", () => {
    const bucketName = target;
    const byId = new Map(statements(one(mocks.resources, "aws:s3/bucketPolicy:BucketPolicy").inputs.policy).map((s) => [s.Sid, s]));
    expect(byId.get("NodesOnlyAddObjects")).toMatchObject({ Effect: "Deny", Principal: { AWS: ROLE_ARN }, NotAction: ["s3:PutObject"] });
    expect(byId.get("NodesOnlyUnderPoolPrefix")).toMatchObject({
      Effect: "Deny",
      Principal: { AWS: ROLE_ARN },
      NotResource: `arn:aws:s3:::${bucketName}/logos/*`,
    });

    const grant = one(mocks.resources, "aws:iam/rolePolicy:RolePolicy");
    expect(grant.inputs.role).toBe("logos-node-role");
    const allowed = statements(grant.inputs.policy);
    expect(allowed.every((s) => s.Effect === "Allow")).toBe(true);
    expect(allowed.flatMap((s) => [s.Action].flat())).toEqual(["s3:PutObject", "kms:GenerateDataKey", "kms:Encrypt"]);
    expect(allowed[0].Resource).toBe(`arn:aws:s3:::${bucketName}/logos/*`);
    expect(allowed[1]).toMatchObject({
      Resource: KEY_ARN,
      Condition: { StringEquals: { "kms:ViaService": "s3.us-east-1.amazonaws.com" } },
    });
  });

  it("gives the validation a command that uploads $LOGOS_AUDIT_LOG as the node", () => {
    expect(archive.archiveCommand).toBe(
      `python3 /opt/logos/bin/archive_upload.py --cloud aws --target "$(cat /etc/logos/archive-target)" --pool logos --node "$LOGOS_NODE" --file "$LOGOS_AUDIT_LOG" --region us-east-1`,
    );
    expect(archive.bootstrap.files?.map((f) => [f.path, f.permissions])).toEqual([["/opt/logos/bin/archive_upload.py", "0755"]]);
  });

  it("exposes where the pool's logs live", async () => {
    expect(await valueOf(archive.url)).toBe(`s3://${target}/logos/`);
  });

  it("is policy-clean", () => {
    const config = packConfig({ requireCmek: true });
    const violations = mocks.resources.flatMap((r) =>
      evaluateResource({ urn: r.name, type: r.type, name: r.name, inputs: r.inputs }, { config }),
    );
    expect(violations).toEqual([]);
  });
});
