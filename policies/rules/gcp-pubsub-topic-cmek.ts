import * as pubsub from "@pulumi/gcp/pubsub";
import { check, defineRule } from "../lib/rule";

export const gcpPubsubTopicCmek = defineRule({
  name: "gcp-pubsub-topic-cmek",
  cloud: "gcp",
  severity: "high",
  enforcementLevel: "mandatory",
  description: "When requireCmek is on, Pub/Sub topics, which retain messages, encrypt them with a Cloud KMS key.",
  remediation: "Set kmsKeyName to the pool's Cloud KMS key.",
  configKeys: ["requireCmek"],
  validateResource: [
    check(pubsub.Topic, (topic, ctx) => {
      if (ctx.settings.requireCmek && !topic.kmsKeyName) {
        ctx.report(`${ctx.label}: no kmsKeyName, so Google's default key is used; set it to the pool's Cloud KMS key.`);
      }
    }),
  ],
});
