import * as servicebus from "@pulumi/azure-native/servicebus";
import { check, defineRule } from "../lib/rule";

export const azureServicebusNamespaceSecure = defineRule({
  name: "azure-servicebus-namespace-secure",
  cloud: "azure",
  severity: "high",
  enforcementLevel: "mandatory",
  description:
    "Service Bus namespaces, whose queues and topics hold messages, are not reachable from the internet and, when " +
    "requireCmek is on, encrypt messages with a Key Vault key (Premium tier).",
  remediation:
    'Set publicNetworkAccess: "Disabled" with a private endpoint, and encryption { keySource: "Microsoft.KeyVault", ' +
    "keyVaultProperties: [{ keyName, keyVaultUri, identity }] }.",
  configKeys: ["requireCmek"],
  validateResource: [
    check(servicebus.Namespace, (namespace, ctx) => {
      if (namespace.publicNetworkAccess !== "Disabled") {
        ctx.report(
          `${ctx.label}: publicNetworkAccess is ${String(namespace.publicNetworkAccess)} (the default is Enabled); set it to ` +
            '"Disabled" and use a private endpoint.',
        );
      }
      if (!ctx.settings.requireCmek) return;
      const encryption = namespace.encryption;
      if (encryption?.keySource !== "Microsoft.KeyVault") {
        ctx.report(
          `${ctx.label}: encryption.keySource is ${String(encryption?.keySource)}; use "Microsoft.KeyVault" with keyVaultProperties.`,
        );
      } else if (!(encryption.keyVaultProperties ?? []).some((key) => key.keyName && key.keyVaultUri)) {
        ctx.report(`${ctx.label}: encryption.keyVaultProperties needs an entry with keyName and keyVaultUri.`);
      }
    }),
  ],
});
