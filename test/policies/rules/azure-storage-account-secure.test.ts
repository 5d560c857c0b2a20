import { describe, expect, it } from "vitest";
import { azureStorageAccountSecure as rule } from "../../../policies/rules/azure-storage-account-secure";
import { messages, UNKNOWN, variant, type FailingCase } from "../harness";

const ACCOUNT = "azure-native:storage:StorageAccount";
const passing = {
  resourceGroupName: "rg",
  kind: "StorageV2",
  sku: { name: "Standard_ZRS" },
  enableHttpsTrafficOnly: true,
  minimumTlsVersion: "TLS1_2",
  allowBlobPublicAccess: false,
  encryption: {
    keySource: "Microsoft.Keyvault",
    keyVaultProperties: { keyName: "logs", keyVaultUri: "https://kv.vault.azure.net/" },
    services: { blob: { enabled: true }, file: { enabled: true } },
  },
};

describe(rule.name, () => {
  it("passes a locked-down account with a customer key", () => {
    expect(messages(rule, ACCOUNT, passing)).toEqual([]);
  });

  it("accepts Microsoft-managed keys when requireCmek is off", () => {
    expect(
      messages(
        rule,
        ACCOUNT,
        variant(passing, (r) => delete r.encryption),
        { requireCmek: false },
      ),
    ).toEqual([]);
  });

  const failing: FailingCase[] = [
    {
      name: "HTTP allowed",
      type: ACCOUNT,
      change: (r) => (r.enableHttpsTrafficOnly = false),
      expect: "StorageAccount 'subject': enableHttpsTrafficOnly is false; set it to true.",
    },
    {
      name: "HTTPS-only left to the API default",
      type: ACCOUNT,
      change: (r) => delete r.enableHttpsTrafficOnly,
      expect: "enableHttpsTrafficOnly is undefined",
    },
    {
      name: "TLS 1.0",
      type: ACCOUNT,
      change: (r) => (r.minimumTlsVersion = "TLS1_0"),
      expect: 'minimumTlsVersion is TLS1_0; set "TLS1_2".',
    },
    {
      name: "TLS left to the API default",
      type: ACCOUNT,
      change: (r) => delete r.minimumTlsVersion,
      expect: "minimumTlsVersion is undefined",
    },
    {
      name: "public blob access",
      type: ACCOUNT,
      change: (r) => (r.allowBlobPublicAccess = true),
      expect: "allowBlobPublicAccess is true; set it to false.",
    },
    {
      name: "blob public access left to the API default",
      type: ACCOUNT,
      change: (r) => delete r.allowBlobPublicAccess,
      expect: "allowBlobPublicAccess is undefined",
    },
    {
      name: "blob encryption off",
      type: ACCOUNT,
      change: (r) => (r.encryption.services.blob.enabled = false),
      expect: "encryption.services.blob.enabled is false",
    },
    {
      name: "Microsoft-managed keys",
      type: ACCOUNT,
      change: (r) => (r.encryption.keySource = "Microsoft.Storage"),
      expect: 'encryption.keySource is Microsoft.Storage; use "Microsoft.Keyvault"',
    },
    {
      name: "Key Vault source without a key",
      type: ACCOUNT,
      change: (r) => delete r.encryption.keyVaultProperties,
      expect: "encryption.keyVaultProperties needs keyName and keyVaultUri",
    },
    { name: "unknown TLS version", type: ACCOUNT, change: (r) => (r.minimumTlsVersion = UNKNOWN), expect: "minimumTlsVersion is unknown" },
    {
      name: "unknown key source",
      type: ACCOUNT,
      change: (r) => (r.encryption.keySource = UNKNOWN),
      expect: "encryption.keySource is unknown",
    },
  ];
  it.each(failing)("rejects $name", ({ type, change, expect: fragment }) => {
    expect(messages(rule, type, variant(passing, change)).join("\n")).toContain(fragment);
  });
});
