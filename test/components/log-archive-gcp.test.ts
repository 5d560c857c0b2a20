import * as pulumi from "@pulumi/pulumi";
import { beforeAll, describe, expect, it } from "vitest";
import { parseSpec } from "../../infra/spec";
import { evaluateResource, packConfig } from "../../policies/evaluate";
import { rawConfig } from "../helpers/configs";
import { installMocks, one, settled, valueOf } from "../helpers/mocks";

const KEY_ID = "projects/logos-test-project/locations/us-central1/keyRings/logos-keyring/cryptoKeys/logos-key";
const NODE_MEMBER = "serviceAccount:logos-node@logos-test-project.iam.gserviceaccount.com";

let mocks: ReturnType<typeof installMocks>;
let archive: import("../../components/log-archive").LogArchive;
let target: string;

beforeAll(async () => {
  mocks = installMocks();
  const { LogArchive } = await import("../../components/log-archive/index.js");
  const spec = parseSpec(rawConfig("gcp", { archiveRetentionDays: 30, archiveLockRetention: true }));
  archive = new LogArchive("logos-archive", {
    spec,
    encryptionKeyId: pulumi.output(KEY_ID),
    nodeIdentity: {
      kind: "gcp-service-account",
      id: pulumi.output("logos-node@logos-test-project.iam.gserviceaccount.com"),
      principal: pulumi.output(NODE_MEMBER),
    },
  });
  await valueOf(archive.url);
  target = await valueOf(archive.target);
  await settled(mocks.resources);
});

describe("LogArchive on GCP", () => {
  it("creates a CMEK bucket with uniform access and public access prevention, labelled", () => {
    const bucket = one(mocks.resources, "gcp:storage/bucket:Bucket");
    expect(bucket.inputs).toMatchObject({
      name: target,
      project: "logos-test-project",
      location: "US-CENTRAL1",
      uniformBucketLevelAccess: true,
      publicAccessPrevention: "enforced",
      encryption: { defaultKmsKeyName: KEY_ID },
      forceDestroy: false,
    });
    expect(target).toMatch(/^logos-audit-[0-9a-f]{12}$/);
    expect(bucket.inputs.labels).toMatchObject({ "logos-proof-gated": "true", "logos-role": "archive" });
    expect(bucket.inputs.labels["logos-deployment"]).toMatch(/^test-[0-9a-f]{8}$/);
  });

  it("keeps history with a retention policy, locked when configured, and no Object Versioning (the two are exclusive)", () => {
    const bucket = one(mocks.resources, "gcp:storage/bucket:Bucket");
    expect(bucket.inputs.versioning).toBeUndefined();
    expect(bucket.inputs.retentionPolicy).toEqual({ retentionPeriod: String(30 * 86400), isLocked: true });
  });

  it("enables the Cloud Storage API it uses, never disabling it on destroy", () => {
    expect(mocks.ofType("gcp:projects/service:Service").map((r) => r.inputs)).toEqual([
      { project: "logos-test-project", service: "storage.googleapis.com", disableOnDestroy: false, disableDependentServices: false },
    ]);
  });

  it("waits for the agent's key grant and the node's bucket grant to take effect", () => {
    const waits = mocks.ofType("time:index/sleep:Sleep");
    expect(waits.map((w) => [w.name, w.inputs.createDuration])).toEqual([
      ["logos-archive-key-gcs-agent-wait", "7m"],
      ["logos-archive-node-create-wait", "7m"],
    ]);
    expect(waits[0].inputs.triggers).toEqual({
      cryptoKeyId: KEY_ID,
      member: "serviceAccount:service-123456789012@gs-project-accounts.iam.gserviceaccount.com",
    });
  });

  it("lets the Cloud Storage service agent use the pool key", () => {
    const grant = one(mocks.resources, "gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember");
    expect(grant.inputs).toEqual({
      cryptoKeyId: KEY_ID,
      role: "roles/cloudkms.cryptoKeyEncrypterDecrypter",
      member: "serviceAccount:service-123456789012@gs-project-accounts.iam.gserviceaccount.com",
    });
  });

  it("lets the node service account create objects below <pool>/ only", () => {
    const member = one(mocks.resources, "gcp:storage/bucketIAMMember:BucketIAMMember");
    expect(member.inputs.role).toBe("roles/storage.objectCreator");
    expect(member.inputs.member).toBe(NODE_MEMBER);
    expect(member.inputs.condition.expression).toBe(`resource.name.startsWith("projects/_/buckets/${target}/objects/logos/")`);
  });

  it("gives the validation a command that uploads $LOGOS_AUDIT_LOG as the node", async () => {
    expect(archive.archiveCommand).toBe(
      `python3 /opt/logos/bin/archive_upload.py --cloud gcp --target "$(cat /etc/logos/archive-target)" --pool logos --node "$LOGOS_NODE" --file "$LOGOS_AUDIT_LOG"`,
    );
    expect(await valueOf(archive.url)).toBe(`gs://${target}/logos/`);
  });

  it("is policy-clean", () => {
    const config = packConfig({ requireCmek: true });
    const violations = mocks.resources.flatMap((r) =>
      evaluateResource({ urn: r.name, type: r.type, name: r.name, inputs: r.inputs }, { config }),
    );
    expect(violations).toEqual([]);
  });
});
