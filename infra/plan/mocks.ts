/**
 * The mock monitor answers for the offline plan: plausible values for the
 * outputs a real cloud would compute (ids, ARNs, self links, principal ids),
 * so references between resources resolve the way they would after a deploy.
 * Values are fixed and obviously fake (account 123456789012, zero GUIDs).
 */
import type * as pulumi from "@pulumi/pulumi";

export const FAKE_AWS_ACCOUNT = "123456789012";
export const FAKE_AZURE_SUBSCRIPTION = "00000000-0000-0000-0000-000000000000";
export const FAKE_GUID = "00000000-0000-0000-0000-00000000000a";
/** The bastion's public address on every cloud: a documentation address (RFC 5737), never a real host. */
export const FAKE_PUBLIC_IP = "198.51.100.10";

/** ARM resource-provider namespaces of the azure-native modules the program uses. */
const AZURE_NAMESPACES: Readonly<Record<string, string>> = {
  compute: "Microsoft.Compute",
  network: "Microsoft.Network",
  keyvault: "Microsoft.KeyVault",
  storage: "Microsoft.Storage",
  managedidentity: "Microsoft.ManagedIdentity",
  authorization: "Microsoft.Authorization",
  insights: "Microsoft.Insights",
  monitor: "Microsoft.Insights",
  operationalinsights: "Microsoft.OperationalInsights",
  standbypool: "Microsoft.StandbyPool",
};

/** Provider part of a type token: `aws:kms/key:Key` → ["aws", "kms", "Key"]. */
function splitType(type: string): [string, string, string] {
  const [pkg, mod = "", kind = ""] = type.split(":");
  return [pkg, mod.split("/")[0], kind];
}

function region(inputs: Record<string, unknown>, fallback: string): string {
  const loc = inputs.location ?? inputs.region;
  return typeof loc === "string" ? loc : fallback;
}

/** The computed state the mock returns: inputs plus the cloud's computed fields. */
export function fakeState(
  type: string,
  name: string,
  inputs: Record<string, unknown>,
  defaults: { region: string; project: string },
): { id: string; state: Record<string, unknown> } {
  const [pkg, mod, kind] = splitType(type);
  const state: Record<string, unknown> = { ...inputs };
  let id = `${name}-id`;
  switch (pkg) {
    case "aws": {
      const arnName = typeof inputs.name === "string" ? inputs.name : name;
      state.arn = `arn:aws:${mod}:${defaults.region}:${FAKE_AWS_ACCOUNT}:${kind.toLowerCase()}/${arnName}`;
      if (type === "aws:kms/key:Key") {
        id = FAKE_GUID;
        state.keyId = id;
        state.arn = `arn:aws:kms:${defaults.region}:${FAKE_AWS_ACCOUNT}:key/${id}`;
      }
      if (type === "aws:iam/role:Role" || type === "aws:iam/instanceProfile:InstanceProfile") {
        state.name = inputs.name ?? name;
        id = String(state.name);
      }
      if (type === "aws:autoscaling/group:Group") {
        state.name = inputs.name ?? name;
        id = String(state.name);
      }
      if (type === "aws:s3/bucket:Bucket" || type === "aws:s3/bucketV2:BucketV2") {
        state.bucket = inputs.bucket ?? name;
        id = String(state.bucket);
        state.arn = `arn:aws:s3:::${id}`;
      }
      if (type === "aws:ec2/eip:Eip") {
        state.allocationId = `eipalloc-${name}`;
        state.publicIp = FAKE_PUBLIC_IP;
      }
      if (type === "aws:sns/topic:Topic") state.arn = `arn:aws:sns:${defaults.region}:${FAKE_AWS_ACCOUNT}:${name}`;
      break;
    }
    case "gcp": {
      const loc = region(inputs, defaults.region);
      id = `projects/${defaults.project}/${mod}/${loc}/${kind.toLowerCase()}s/${name}`;
      if (type === "gcp:kms/keyRing:KeyRing") id = `projects/${defaults.project}/locations/${loc}/keyRings/${inputs.name ?? name}`;
      if (type === "gcp:kms/cryptoKey:CryptoKey") id = `${String(inputs.keyRing)}/cryptoKeys/${inputs.name ?? name}`;
      if (type === "gcp:serviceaccount/account:Account") {
        state.email = `${inputs.accountId ?? name}@${defaults.project}.iam.gserviceaccount.com`;
        state.member = `serviceAccount:${state.email}`;
        id = `projects/${defaults.project}/serviceAccounts/${state.email}`;
      }
      if (type === "gcp:storage/bucket:Bucket") {
        state.url = `gs://${inputs.name ?? name}`;
        id = String(inputs.name ?? name);
      }
      if (type === "gcp:compute/address:Address" && inputs.addressType !== "INTERNAL") {
        state.address = FAKE_PUBLIC_IP; // what the summary shows as the bastion's address
      }
      state.selfLink = `https://www.googleapis.com/compute/v1/${id}`;
      state.name = inputs.name ?? name;
      break;
    }
    case "azure-native": {
      const rg = typeof inputs.resourceGroupName === "string" ? inputs.resourceGroupName : `${name}`;
      const own = String(inputs[`${kind.charAt(0).toLowerCase()}${kind.slice(1)}Name`] ?? inputs.name ?? name);
      id =
        type === "azure-native:resources:ResourceGroup"
          ? `/subscriptions/${FAKE_AZURE_SUBSCRIPTION}/resourceGroups/${String(inputs.resourceGroupName ?? name)}`
          : type === "azure-native:keyvault:Key"
            ? `/subscriptions/${FAKE_AZURE_SUBSCRIPTION}/resourceGroups/${rg}/providers/Microsoft.KeyVault/vaults/${String(inputs.vaultName)}/keys/${own}`
            : `/subscriptions/${FAKE_AZURE_SUBSCRIPTION}/resourceGroups/${rg}/providers/${AZURE_NAMESPACES[mod] ?? `Microsoft.${mod}`}/${kind.charAt(0).toLowerCase()}${kind.slice(1)}s/${own}`;
      state.name = inputs[`${kind.charAt(0).toLowerCase()}${kind.slice(1)}Name`] ?? inputs.name ?? name;
      if (type === "azure-native:resources:ResourceGroup") state.name = inputs.resourceGroupName ?? name;
      if (type === "azure-native:network:PublicIPAddress") state.ipAddress = FAKE_PUBLIC_IP;
      if (type === "azure-native:keyvault:Key") {
        const vault = String(inputs.vaultName ?? "vault");
        state.keyUri = `https://${vault}.vault.azure.net/keys/${inputs.keyName ?? name}`;
        state.keyUriWithVersion = `${state.keyUri}/0123456789abcdef0123456789abcdef`;
      }
      if (type === "azure-native:keyvault:Vault")
        state.properties = { ...(inputs.properties as object), vaultUri: `https://${String(inputs.vaultName ?? name)}.vault.azure.net/` };
      if (type === "azure-native:managedidentity:UserAssignedIdentity") {
        state.principalId = FAKE_GUID;
        state.clientId = FAKE_GUID;
      }
      const identity = inputs.identity as { type?: string } | undefined;
      if (identity && typeof identity.type === "string" && identity.type.includes("SystemAssigned")) {
        state.identity = { ...identity, principalId: FAKE_GUID, tenantId: FAKE_GUID };
      }
      break;
    }
    case "random": {
      // Per-deployment entropy (RandomId): an obviously fake, fixed value.
      if (type === "random:index/randomId:RandomId") {
        const bytes = typeof inputs.byteLength === "number" ? inputs.byteLength : 8;
        state.hex = "0123456789abcdef".repeat(Math.ceil(bytes / 8)).slice(0, bytes * 2);
        id = state.hex as string;
      }
      break;
    }
    case "tls": {
      if (type === "tls:index/privateKey:PrivateKey") {
        // A syntactically valid public key line so bootstrap rendering is exercised; never a real key.
        state.publicKeyOpenssh = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIPlanOnlyDeployKeyNotARealKey000000000000 logos-deploy\n";
        state.privateKeyOpenssh =
          "-----BEGIN OPENSSH PRIVATE KEY-----\n(offline plan: generated at deploy time)\n-----END OPENSSH PRIVATE KEY-----\n";
        state.publicKeyFingerprintSha256 = "SHA256:offline-plan";
      }
      break;
    }
    default:
      break;
  }
  state.id = id;
  return { id, state };
}

/** Answers to invokes (data sources) the program makes. */
export function fakeCall(args: pulumi.runtime.MockCallArgs, defaults: { region: string; project: string }): Record<string, unknown> {
  switch (args.token) {
    case "aws:ssm/getParameter:getParameter":
      return {
        ...args.inputs,
        value: "ami-0123456789abcdef0",
        type: "String",
        arn: `arn:aws:ssm:${defaults.region}:${FAKE_AWS_ACCOUNT}:parameter${String(args.inputs.name)}`,
      };
    case "aws:index/getCallerIdentity:getCallerIdentity":
      return {
        accountId: FAKE_AWS_ACCOUNT,
        arn: `arn:aws:iam::${FAKE_AWS_ACCOUNT}:user/offline-plan`,
        userId: "AIDAOFFLINEPLAN",
        id: FAKE_AWS_ACCOUNT,
      };
    case "aws:index/getPartition:getPartition":
      return { partition: "aws", dnsSuffix: "amazonaws.com", reverseDnsPrefix: "com.amazonaws", id: "aws" };
    case "aws:index/getRegion:getRegion":
      return { name: defaults.region, region: defaults.region, id: defaults.region, endpoint: `ec2.${defaults.region}.amazonaws.com` };
    case "azure-native:authorization:getClientConfig":
      return { clientId: FAKE_GUID, objectId: FAKE_GUID, subscriptionId: FAKE_AZURE_SUBSCRIPTION, tenantId: FAKE_GUID };
    case "gcp:storage/getProjectServiceAccount:getProjectServiceAccount":
      return {
        ...args.inputs,
        emailAddress: "service-123456789012@gs-project-accounts.iam.gserviceaccount.com",
        id: "service-123456789012",
      };
    case "gcp:organizations/getProject:getProject":
      return {
        ...args.inputs,
        number: "123456789012",
        projectId: defaults.project,
        name: defaults.project,
        id: `projects/${defaults.project}`,
      };
    default:
      return { ...args.inputs };
  }
}
