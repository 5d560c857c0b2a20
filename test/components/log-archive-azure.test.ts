import * as pulumi from "@pulumi/pulumi";
import { beforeAll, describe, expect, it } from "vitest";
import { parseSpec } from "../../infra/spec";
import { evaluateResource, packConfig } from "../../policies/evaluate";
import { rawConfig } from "../helpers/configs";
import { installMocks, one, settled, valueOf } from "../helpers/mocks";

const SUB = "00000000-0000-0000-0000-000000000003";
const VAULT_ID = `/subscriptions/${SUB}/resourceGroups/logos-rg1234/providers/Microsoft.KeyVault/vaults/kvlogos0a1b2c3d`;
const KEY_ID = `${VAULT_ID}/keys/logos-disk-key`;
const NODE_PRINCIPAL = "11111111-2222-3333-4444-555555555555";

let mocks: ReturnType<typeof installMocks>;
let archive: import("../../components/log-archive").LogArchive;
let target: string;

beforeAll(async () => {
  mocks = installMocks();
  const { LogArchive } = await import("../../components/log-archive/index.js");
  const spec = parseSpec(rawConfig("azure", { archiveRetentionDays: 730 }));
  archive = new LogArchive("logos-archive", {
    spec,
    encryptionKeyId: pulumi.output(KEY_ID),
    nodeIdentity: {
      kind: "azure-user-assigned-identity",
      id: pulumi.output(
        `/subscriptions/${SUB}/resourceGroups/logos-rg1234/providers/Microsoft.ManagedIdentity/userAssignedIdentities/logos-node`,
      ),
      principal: pulumi.output(NODE_PRINCIPAL),
    },
    azureNodeClientId: "99999999-8888-7777-6666-555555555555",
  });
  await valueOf(archive.url);
  target = await valueOf(archive.target);
  await settled(mocks.resources);
});

describe("LogArchive on Azure", () => {
  it("creates a storage account that takes HTTPS with TLS >= 1.2 only, no public blobs, no shared keys", () => {
    const account = one(mocks.resources, "azure-native:storage:StorageAccount");
    expect(account.inputs).toMatchObject({
      accountName: target.split("/")[0],
      kind: "StorageV2",
      enableHttpsTrafficOnly: true,
      minimumTlsVersion: "TLS1_2",
      allowBlobPublicAccess: false,
      allowSharedKeyAccess: false,
    });
    expect(target).toMatch(/^lalogos[0-9a-f]{10}\/audit-logs$/);
    expect(account.inputs.tags).toMatchObject({ "logos-proof-gated": "true", "logos-role": "archive" });
  });

  it("encrypts with the pool's Key Vault key through an identity that holds the key role", () => {
    const account = one(mocks.resources, "azure-native:storage:StorageAccount");
    expect(account.inputs.encryption).toMatchObject({
      keySource: "Microsoft.Keyvault",
      keyVaultProperties: { keyName: "logos-disk-key", keyVaultUri: "https://kvlogos0a1b2c3d.vault.azure.net/" },
      encryptionIdentity: { encryptionUserAssignedIdentity: expect.stringContaining("logos-archive-key-identity") },
    });
    const keyAccess = mocks.ofType("azure-native:authorization:RoleAssignment").find((r) => r.name === "logos-archive-key-access");
    expect(keyAccess?.inputs).toMatchObject({
      scope: VAULT_ID,
      roleDefinitionId: `/subscriptions/${SUB}/providers/Microsoft.Authorization/roleDefinitions/e147488a-f6f5-4113-8e2d-b22465e65bf6`,
    });
  });

  it("versions blobs", () => {
    expect(one(mocks.resources, "azure-native:storage:BlobServiceProperties").inputs).toMatchObject({
      isVersioningEnabled: true,
      deleteRetentionPolicy: { enabled: true, days: 365 },
    });
  });

  it("keeps the container private and immutable, with protected append writes", () => {
    expect(one(mocks.resources, "azure-native:storage:BlobContainer").inputs).toMatchObject({
      containerName: "audit-logs",
      publicAccess: "None",
    });
    expect(one(mocks.resources, "azure-native:storage:BlobContainerImmutabilityPolicy").inputs).toMatchObject({
      containerName: "audit-logs",
      immutabilityPolicyName: "default",
      immutabilityPeriodSinceCreationInDays: 730,
      allowProtectedAppendWrites: true,
    });
  });

  it("gives the node identity a custom role that can only create blobs, on the container alone", () => {
    const role = one(mocks.resources, "azure-native:authorization:RoleDefinition");
    expect(role.inputs.permissions).toEqual([
      {
        actions: [],
        notActions: [],
        dataActions: [
          "Microsoft.Storage/storageAccounts/blobServices/containers/blobs/write",
          "Microsoft.Storage/storageAccounts/blobServices/containers/blobs/add/action",
        ],
        notDataActions: [],
      },
    ]);
    const write = mocks.ofType("azure-native:authorization:RoleAssignment").find((r) => r.name === "logos-archive-node-write");
    expect(write?.inputs.principalId).toBe(NODE_PRINCIPAL);
    expect(write?.inputs.scope).toMatch(/\/blobServices\/default\/containers\/audit-logs$/);
  });

  it("names the account from a per-deployment RandomId kept in the state", () => {
    expect(one(mocks.resources, "random:index/randomId:RandomId")).toMatchObject({
      name: "logos-archive-entropy",
      inputs: { byteLength: 8 },
    });
  });

  it("gives the validation a command that uploads as the node's user-assigned identity, to the target cloud-init wrote", async () => {
    expect(archive.archiveCommand).toBe(
      `python3 /opt/logos/bin/archive_upload.py --cloud azure --target "$(cat /etc/logos/archive-target)" --pool logos --node "$LOGOS_NODE" --file "$LOGOS_AUDIT_LOG" --client-id 99999999-8888-7777-6666-555555555555`,
    );
    const [file] = archive.bootstrap.computedFiles ?? [];
    expect(file).toMatchObject({ path: "/etc/logos/archive-target", permissions: "0644" });
    expect(await valueOf(pulumi.output(file.content))).toBe(target);
    expect(await valueOf(archive.url)).toMatch(/^https:\/\/lalogos[0-9a-f]{10}\.blob\.core\.windows\.net\/audit-logs\/logos\/$/);
  });

  it("is policy-clean", () => {
    const config = packConfig({ requireCmek: true });
    const violations = mocks.resources.flatMap((r) =>
      evaluateResource({ urn: r.name, type: r.type, name: r.name, inputs: r.inputs }, { config }),
    );
    expect(violations).toEqual([]);
  });
});
