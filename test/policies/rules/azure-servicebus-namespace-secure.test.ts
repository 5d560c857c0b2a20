import type * as servicebus from "@pulumi/azure-native/servicebus";
import { describe, expect, it } from "vitest";
import { azureServicebusNamespaceSecure as rule } from "../../../policies/rules/azure-servicebus-namespace-secure";
import { messages, ruleTable, UNKNOWN } from "../harness";

const NAMESPACE = "azure-native:servicebus:Namespace";
const passing = {
  resourceGroupName: "g",
  sku: { name: "Premium", tier: "Premium", capacity: 1 },
  publicNetworkAccess: "Disabled",
  encryption: {
    keySource: "Microsoft.KeyVault",
    keyVaultProperties: [{ keyName: "logos", keyVaultUri: "https://logos-kv.vault.azure.net" }],
  },
} satisfies servicebus.NamespaceArgs;

describe(rule.name, () => {
  ruleTable(rule, { [NAMESPACE]: passing }, [
    {
      name: "public network access left on",
      type: NAMESPACE,
      change: (r) => delete r.publicNetworkAccess,
      expect:
        "Namespace 'subject': publicNetworkAccess is undefined (the default is Enabled); set it to \"Disabled\" and use a private endpoint.",
    },
    {
      name: "a Microsoft-managed key",
      type: NAMESPACE,
      change: (r) => delete r.encryption,
      expect: 'encryption.keySource is undefined; use "Microsoft.KeyVault"',
    },
    {
      name: "a Key Vault source without a key",
      type: NAMESPACE,
      change: (r) => (r.encryption.keyVaultProperties = []),
      expect: "needs an entry with keyName and keyVaultUri",
    },
    {
      name: "an unknown key",
      type: NAMESPACE,
      change: (r) => (r.encryption.keyVaultProperties[0].keyName = UNKNOWN),
      expect: "keyName is unknown",
    },
  ]);

  it("accepts a Microsoft-managed key when requireCmek is off", () => {
    expect(messages(rule, NAMESPACE, { ...passing, encryption: undefined }, { requireCmek: false })).toEqual([]);
  });
});
