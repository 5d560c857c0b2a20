/**
 * What makes a burst or standby VM a member that serves only after its own
 * validation passed: `burst_member.py` installed as `logos-member` with its
 * config. Cloud-init runs `logos-member install`, which writes and starts two
 * boot units around the validation unit (their text lives in the script:
 * EC2 caps user-data at 16 KiB, and the script travels through the boot
 * bucket). Pure (no Pulumi imports): adapters add the files to the burst
 * bootstrap, tests read them.
 *
 * Every boot (the standby is started, not created, when it enters service):
 *   logos-member-leave   before the validation: role tag from what the cloud
 *                        says this boot is for, the validated tag removed
 *   logos-validate-proof the validation (infra/node/validation.ts)
 *   logos-member-enter   only after the validation passed (Requires= + After=):
 *                        validated tag, AWS launch lifecycle action completed
 * A failed validation leaves the member out of service: no tag, and on AWS
 * the launch hook times out and Auto Scaling abandons (replaces) it.
 */
import { readFileSync } from "node:fs";
import * as path from "node:path";
import type { NodeFile } from "./validation";

export const MEMBER_SOURCE = path.join(__dirname, "burst_member.py");
export const MEMBER_PATH = "/opt/logos/bin/logos-member";
export const MEMBER_CONFIG_PATH = "/etc/logos/member.json";
export const MEMBER_LEAVE_UNIT = "logos-member-leave.service";
export const MEMBER_ENTER_UNIT = "logos-member-enter.service";
/** The tag (GCP: label) key of a member's role: burst while it serves, standby while it waits. */
export const ROLE_TAG_KEY = "logos-role";
/** The tag a member sets after its validation passed on this boot; the value is the commit. */
export const VALIDATED_TAG_KEY = "logos-validated";
/** What the scheduler runs on a member (ssh -J through the bastion) around a job. */
export const MEMBER_BUSY_COMMAND = `sudo ${MEMBER_PATH} busy`;
export const MEMBER_IDLE_COMMAND = `sudo ${MEMBER_PATH} idle`;
/** Socket unit the enter step starts on Azure; the scale set's Application Health extension probes its port. */
export const HEALTH_SOCKET_UNIT = "logos-health.socket";

/** The cloud-specific part of the member's config. */
export type MemberCloud =
  | { readonly cloud: "aws"; readonly aws: { readonly region: string; readonly group: string; readonly hook: string } }
  | { readonly cloud: "gcp" }
  | {
      readonly cloud: "azure";
      readonly azure: {
        /** Client id of the user-assigned identity the node's token requests name. */
        readonly clientId: string;
        /** ARM id of the standby pool; absent without a standby. */
        readonly standbyPoolId?: string;
        /** The port of the health socket the enter step opens. */
        readonly healthPort: number;
      };
    };

/**
 * `/etc/logos/member.json`, from plain values (the adapter resolves its
 * Outputs first). `validation`: whether the burst bootstrap validates at
 * boot; without it, enter follows cloud-init (or the launch hook would never
 * complete).
 */
export function memberConfigText(settings: MemberCloud, ref: string, validation: boolean): string {
  return `${JSON.stringify({ ...settings, ref, validation, roleKey: ROLE_TAG_KEY, validatedKey: VALIDATED_TAG_KEY }, null, 2)}\n`;
}

export interface MemberBootstrap {
  /** The script; the config is added by the adapter (see `memberConfigText`). */
  readonly files: readonly NodeFile[];
  /** For the bootstrap's run list; install starts the units with `--no-block`. */
  readonly commands: readonly (readonly string[])[];
}

export function memberBootstrap(): MemberBootstrap {
  return {
    files: [{ path: MEMBER_PATH, content: readFileSync(MEMBER_SOURCE, "utf8"), permissions: "0755" }],
    commands: [["/usr/bin/python3", MEMBER_PATH, "install", "--config", MEMBER_CONFIG_PATH]],
  };
}
