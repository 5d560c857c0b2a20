import { renderBastionUserData } from "../../infra/bootstrap";
import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import { bastionPrivateIp } from "../../infra/layout";
import { BASTION_TYPES } from "../../infra/machines";
import { PROOF_GATED_TAG } from "../../infra/spec";
import { gcpLabels } from "../gcp-project";
import { BASTION_TAG } from "./common";
import { BASTION_NETWORK_TAG } from "./gcp-network";
import type { AdapterContext } from "./types";

/**
 * Login policy on every VM of the pool: keys come only from cloud-init
 * (operator key + deploy key), never from project-wide metadata or OS Login,
 * so who can log in is decided by this program and nothing else in the
 * project. The serial console stays off: it would be a second way in.
 */
export const LOGIN_METADATA: Readonly<Record<string, string>> = {
  "enable-oslogin": "FALSE",
  "block-project-ssh-keys": "TRUE",
  "serial-port-enable": "FALSE",
};

/** Shielded VM on everything: Ubuntu 24.04 images are signed for Secure Boot. */
export const SHIELDED = { enableSecureBoot: true, enableVtpm: true, enableIntegrityMonitoring: true } as const;

/** The Ubuntu image's own minimum; the bastion stores nothing. */
const BASTION_DISK_GIB = 10;

export interface GcpBastion {
  readonly instance: gcp.compute.Instance;
  readonly address: gcp.compute.Address;
}

/**
 * The only VM with a public address. The address is a reserved static one so
 * the operator's ProxyJump config and the scheduler document survive a
 * bastion replacement.
 */
export function buildGcpBastion(
  ctx: AdapterContext,
  project: string,
  edgeSubnet: gcp.compute.Subnetwork,
  identityEmail: pulumi.Input<string>,
  keyId: pulumi.Input<string>,
  apis: readonly pulumi.Resource[],
  keyReady: readonly pulumi.Resource[],
): GcpBastion {
  const { spec, name } = ctx;
  const labels = { ...gcpLabels(spec, "bastion"), [BASTION_TAG.key]: BASTION_TAG.value };

  const address = new gcp.compute.Address(
    `${name}-bastion-ip`,
    { project, region: spec.region, addressType: "EXTERNAL", networkTier: "PREMIUM", labels, description: `bastion of pool ${spec.name}` },
    { parent: ctx.parent, dependsOn: [...apis] },
  );

  const userData = ctx.deployPublicKey.apply((deployKey) =>
    renderBastionUserData({ sshUser: spec.access.sshUser, sshAuthorizedKeys: [spec.access.sshPublicKey, deployKey.trim()] }),
  );

  const instance = new gcp.compute.Instance(
    `${name}-bastion`,
    {
      project,
      zone: spec.zones[0],
      machineType: BASTION_TYPES.gcp,
      bootDisk: {
        autoDelete: true,
        kmsKeySelfLink: keyId,
        initializeParams: { image: spec.image, size: BASTION_DISK_GIB, type: "pd-balanced", labels },
      },
      networkInterfaces: [
        {
          subnetwork: edgeSubnet.id,
          networkIp: bastionPrivateIp(spec),
          accessConfigs: [{ natIp: address.address, networkTier: "PREMIUM" }],
        },
      ],
      metadata: { ...LOGIN_METADATA, "user-data": userData },
      serviceAccount: { email: identityEmail, scopes: ["cloud-platform"] },
      shieldedInstanceConfig: { ...SHIELDED },
      labels,
      tags: [PROOF_GATED_TAG, BASTION_NETWORK_TAG],
      allowStoppingForUpdate: true,
    },
    // The fixed private address cannot be held by two VMs at once. cloud-init reads
    // user-data at first boot only (a metadata update is applied in place and ignored),
    // and the bastion holds no state: a new cloud-init gets a new bastion. A new image does
    // not (boot_disk.initialize_params.image is ForceNew, resource_compute_instance.go of
    // terraform-provider-google): as on every cloud, VMs pick it up when replaced on purpose.
    {
      parent: ctx.parent,
      dependsOn: [...keyReady],
      deleteBeforeReplace: true,
      replaceOnChanges: ['metadata["user-data"]'],
      ignoreChanges: ["bootDisk.initializeParams.image"],
    },
  );
  return { instance, address };
}
