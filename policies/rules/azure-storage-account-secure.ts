import * as storage from "@pulumi/azure-native/storage";
import { check, defineRule } from "../lib/rule";

const MODERN_TLS = new Set(["TLS1_2", "TLS1_3"]);

export const azureStorageAccountSecure = defineRule({
  name: "azure-storage-account-secure",
  cloud: "azure",
  severity: "high",
  enforcementLevel: "mandatory",
  description:
    "Storage accounts say explicitly: HTTPS only, TLS 1.2 or newer, no public blob access, blob and file encryption " +
    "on, and (when requireCmek is on) a Key Vault customer-managed key.",
  remediation:
    'Set enableHttpsTrafficOnly: true, minimumTlsVersion: "TLS1_2", allowBlobPublicAccess: false and encryption ' +
    'with keySource "Microsoft.Keyvault" and keyVaultProperties.',
  configKeys: ["requireCmek"],
  validateResource: [
    check(storage.StorageAccount, (account, ctx) => {
      if (account.enableHttpsTrafficOnly !== true) {
        ctx.report(`${ctx.label}: enableHttpsTrafficOnly is ${String(account.enableHttpsTrafficOnly)}; set it to true.`);
      }
      if (account.minimumTlsVersion === undefined || !MODERN_TLS.has(account.minimumTlsVersion)) {
        ctx.report(`${ctx.label}: minimumTlsVersion is ${String(account.minimumTlsVersion)}; set "TLS1_2".`);
      }
      if (account.allowBlobPublicAccess !== false) {
        ctx.report(`${ctx.label}: allowBlobPublicAccess is ${String(account.allowBlobPublicAccess)}; set it to false.`);
      }
      const encryption = account.encryption;
      for (const service of ["blob", "file"] as const) {
        if (encryption?.services?.[service]?.enabled === false) {
          ctx.report(`${ctx.label}: encryption.services.${service}.enabled is false; enable it.`);
        }
      }
      if (!ctx.settings.requireCmek) return;
      if (encryption?.keySource !== "Microsoft.Keyvault") {
        ctx.report(
          `${ctx.label}: encryption.keySource is ${String(encryption?.keySource)}; use "Microsoft.Keyvault" with keyVaultProperties.`,
        );
      } else if (!encryption.keyVaultProperties?.keyName || !encryption.keyVaultProperties.keyVaultUri) {
        ctx.report(`${ctx.label}: encryption.keyVaultProperties needs keyName and keyVaultUri for the customer-managed key.`);
      }
    }),
  ],
});
