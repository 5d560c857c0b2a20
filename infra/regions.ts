/**
 * Region names each cloud accepts, so a typo (`us-east-9`) stops the spec
 * instead of a half-built deployment. Pure data: no Pulumi runtime imports.
 *
 * - AWS: the `Region` enum @pulumi/aws ships (types/enums), the provider's own
 *   list; it moves with the pinned SDK.
 * - GCP and Azure: neither @pulumi/gcp nor @pulumi/azure-native ships a region
 *   enum, so the lists below are written from the clouds' documentation
 *   (https://cloud.google.com/compute/docs/regions-zones,
 *   https://learn.microsoft.com/en-us/azure/reliability/regions-list; public
 *   regions, checked December 2026). A region newer than this list is
 *   accepted with `logos-compute:allowUnlistedRegion: true`.
 */
import { Region as AwsRegion } from "@pulumi/aws/types/enums";
import type { Cloud } from "./clouds";

export const AWS_REGIONS: readonly string[] = Object.values(AwsRegion);

/**
 * GCP regions and, where they differ from `a, b, c`, the zone letters the
 * pool spreads over by default: us-east1 and europe-west1 have no `-a` zone
 * (https://cloud.google.com/compute/docs/regions-zones).
 */
export const GCP_REGIONS: Readonly<Record<string, readonly string[]>> = {
  "africa-south1": ["a", "b", "c"],
  "asia-east1": ["a", "b", "c"],
  "asia-east2": ["a", "b", "c"],
  "asia-northeast1": ["a", "b", "c"],
  "asia-northeast2": ["a", "b", "c"],
  "asia-northeast3": ["a", "b", "c"],
  "asia-south1": ["a", "b", "c"],
  "asia-south2": ["a", "b", "c"],
  "asia-southeast1": ["a", "b", "c"],
  "asia-southeast2": ["a", "b", "c"],
  "asia-southeast3": ["a", "b", "c"],
  "australia-southeast1": ["a", "b", "c"],
  "australia-southeast2": ["a", "b", "c"],
  "europe-central2": ["a", "b", "c"],
  "europe-north1": ["a", "b", "c"],
  "europe-north2": ["a", "b", "c"],
  "europe-southwest1": ["a", "b", "c"],
  "europe-west1": ["b", "c", "d"],
  "europe-west2": ["a", "b", "c"],
  "europe-west3": ["a", "b", "c"],
  "europe-west4": ["a", "b", "c"],
  "europe-west6": ["a", "b", "c"],
  "europe-west8": ["a", "b", "c"],
  "europe-west9": ["a", "b", "c"],
  "europe-west10": ["a", "b", "c"],
  "europe-west12": ["a", "b", "c"],
  "me-central1": ["a", "b", "c"],
  "me-central2": ["a", "b", "c"],
  "me-west1": ["a", "b", "c"],
  "northamerica-northeast1": ["a", "b", "c"],
  "northamerica-northeast2": ["a", "b", "c"],
  "northamerica-south1": ["a", "b", "c"],
  "southamerica-east1": ["a", "b", "c"],
  "southamerica-west1": ["a", "b", "c"],
  "us-central1": ["a", "b", "c", "f"],
  "us-east1": ["b", "c", "d"],
  "us-east4": ["a", "b", "c"],
  "us-east5": ["a", "b", "c"],
  "us-south1": ["a", "b", "c"],
  "us-west1": ["a", "b", "c"],
  "us-west2": ["a", "b", "c"],
  "us-west3": ["a", "b", "c"],
  "us-west4": ["a", "b", "c"],
};

/** Azure physical regions by their ARM location name (`az account list-locations --query "[].name"`). */
export const AZURE_REGIONS: readonly string[] = [
  "australiacentral",
  "australiacentral2",
  "australiaeast",
  "australiasoutheast",
  "austriaeast",
  "belgiumcentral",
  "brazilsouth",
  "brazilsoutheast",
  "canadacentral",
  "canadaeast",
  "centralindia",
  "centralus",
  "chilecentral",
  "denmarkeast",
  "eastasia",
  "eastus",
  "eastus2",
  "francecentral",
  "francesouth",
  "germanynorth",
  "germanywestcentral",
  "indonesiacentral",
  "israelcentral",
  "italynorth",
  "japaneast",
  "japanwest",
  "jioindiacentral",
  "jioindiawest",
  "koreacentral",
  "koreasouth",
  "malaysiawest",
  "mexicocentral",
  "newzealandnorth",
  "northcentralus",
  "northeurope",
  "norwayeast",
  "norwaywest",
  "polandcentral",
  "qatarcentral",
  "southafricanorth",
  "southafricawest",
  "southcentralus",
  "southeastasia",
  "southindia",
  "spaincentral",
  "swedencentral",
  "swedensouth",
  "switzerlandnorth",
  "switzerlandwest",
  "uaecentral",
  "uaenorth",
  "uksouth",
  "ukwest",
  "westcentralus",
  "westeurope",
  "westindia",
  "westus",
  "westus2",
  "westus3",
];

/** Every region name the program knows for `cloud`. */
export function knownRegions(cloud: Cloud): readonly string[] {
  switch (cloud) {
    case "aws":
      return AWS_REGIONS;
    case "gcp":
      return Object.keys(GCP_REGIONS);
    case "azure":
      return AZURE_REGIONS;
    default: {
      const unreachable: never = cloud;
      throw new Error(`unknown cloud ${String(unreachable)}`);
    }
  }
}

/** Where the list for `cloud` comes from, for error messages. */
export function regionSource(cloud: Cloud): string {
  switch (cloud) {
    case "aws":
      return "the Region enum of @pulumi/aws";
    case "gcp":
      return "the GCP regions in infra/regions.ts";
    case "azure":
      return "the Azure regions in infra/regions.ts";
    default: {
      const unreachable: never = cloud;
      throw new Error(`unknown cloud ${String(unreachable)}`);
    }
  }
}
