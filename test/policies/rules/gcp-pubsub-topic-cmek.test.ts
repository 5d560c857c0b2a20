import type * as gcp from "@pulumi/gcp";
import { describe } from "vitest";
import { gcpPubsubTopicCmek as rule } from "../../../policies/rules/gcp-pubsub-topic-cmek";
import { ruleTable, UNKNOWN } from "../harness";

const TOPIC = "gcp:pubsub/topic:Topic";
const passing = { kmsKeyName: "projects/p/locations/us-central1/keyRings/r/cryptoKeys/k" } satisfies gcp.pubsub.TopicArgs;

describe(rule.name, () => {
  ruleTable(rule, { [TOPIC]: passing }, [
    {
      name: "Google's key",
      type: TOPIC,
      change: (r) => delete r.kmsKeyName,
      expect: "Topic 'subject': no kmsKeyName, so Google's default key is used; set it to the pool's Cloud KMS key.",
    },
    { name: "an unknown key", type: TOPIC, change: (r) => (r.kmsKeyName = UNKNOWN), expect: "kmsKeyName is unknown" },
  ]);
});
