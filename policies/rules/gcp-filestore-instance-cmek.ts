import * as filestore from "@pulumi/gcp/filestore";
import { check, defineRule } from "../lib/rule";

export const gcpFilestoreInstanceCmek = defineRule({
  name: "gcp-filestore-instance-cmek",
  cloud: "gcp",
  severity: "high",
  enforcementLevel: "mandatory",
  description: "When requireCmek is on, Filestore file systems are encrypted with a Cloud KMS key.",
  remediation: "Set kmsKeyName to the pool's Cloud KMS key (a tier that supports CMEK).",
  configKeys: ["requireCmek"],
  validateResource: [
    check(filestore.Instance, (instance, ctx) => {
      if (ctx.settings.requireCmek && !instance.kmsKeyName) {
        ctx.report(`${ctx.label}: no kmsKeyName, so Google's default key is used; set it to the pool's Cloud KMS key.`);
      }
    }),
  ],
});
