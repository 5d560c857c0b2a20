import * as storage from "@pulumi/azure-native/storage";
import { check, defineRule } from "../lib/rule";

export const azureStorageContainerPrivate = defineRule({
  name: "azure-storage-container-private",
  cloud: "azure",
  severity: "critical",
  enforcementLevel: "mandatory",
  description: "No blob container allows anonymous read access to its blobs or its listing.",
  remediation: 'Leave publicAccess unset or "None"; share data through identities or SAS tokens instead.',
  configKeys: [],
  validateResource: [
    check(storage.BlobContainer, (container, ctx) => {
      const access = container.publicAccess;
      if (access !== undefined && access !== "None") {
        ctx.report(`${ctx.label}: publicAccess is "${access}", so anyone on the internet can read its blobs; set it to "None".`);
      }
    }),
  ],
});
