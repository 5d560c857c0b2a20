/** The clouds a pool can run on. Adding one fails to compile until every exhaustive switch handles it. */
export const CLOUDS = ["aws", "gcp", "azure"] as const;
export type Cloud = (typeof CLOUDS)[number];

export function isCloud(value: unknown): value is Cloud {
  return typeof value === "string" && (CLOUDS as readonly string[]).includes(value);
}

/** The provider config key that carries the region on each cloud. */
export const REGION_KEYS: Readonly<Record<Cloud, string>> = {
  aws: "aws:region",
  gcp: "gcp:region",
  azure: "azure-native:location",
};

/** Ubuntu 24.04 LTS (Noble) on each cloud; resolved to the latest image of that release at deploy time. */
export const UBUNTU_2404: Readonly<Record<Cloud, string>> = {
  // SSM public parameter maintained by Canonical: always the current Noble amd64 HVM gp3 AMI.
  aws: "resolve:ssm:/aws/service/canonical/ubuntu/server/24.04/stable/current/amd64/hvm/ebs-gp3/ami-id",
  gcp: "projects/ubuntu-os-cloud/global/images/family/ubuntu-2404-lts-amd64",
  azure: "Canonical:ubuntu-24_04-lts:server:latest",
};
