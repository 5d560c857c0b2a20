/**
 * What the program tells the validation on each kind of node, read from the
 * offline plan of a real stack: core nodes check their state disk and wait
 * for their first boot, bounded; the footprint gates with the pinned axioms.
 */
import { describe, expect, it } from "vitest";

import { coqPin, STATE_DEVICE_FILE, UBUNTU_2404_COQ } from "../../infra/bootstrap";
import { renderValidationUnit } from "../../infra/node/validation";
import { planStack } from "../../infra/plan/engine";
import { coreValidationOptions, toolchainBootstrap, validationGateWarnings, validationOptions } from "../../infra/program";
import { parseSpec } from "../../infra/spec";
import { rawConfig } from "../helpers/configs";

const PINNED = ["PXL.PXLv3.ax_ident_refl", "PXL.PXL_Internal_LEM.PXL_Internal_LEM.trinitarian_decidability"];

async function coreCommand(overrides: Record<string, unknown>): Promise<string> {
  const { plan } = await planStack("aws-pilot", { overrides });
  const run = plan.resources.find((r) => r.name === "logos-core-0-validate-run");
  if (!run) throw new Error("no logos-core-0-validate-run in the plan");
  return String(run.inputs["create"]);
}

describe("validation wiring", () => {
  it("core nodes: state-disk check, bounded first-boot wait, gating footprint with the pinned theorem and axioms", async () => {
    const create = await coreCommand({ allowedAxioms: PINNED, footprintTheorem: "PXL_Internal_LEM.pxl_excluded_middle" });
    expect(create).toContain("timeout 1800 cloud-init status --wait");
    expect(create).toContain(`--state-device-file ${STATE_DEVICE_FILE}`);
    expect(create).toContain("--theorem PXL_Internal_LEM.pxl_excluded_middle");
    expect(create).toContain(PINNED.map((a) => `--allowed-axiom ${a}`).join(" "));
    expect(create).not.toContain("--no-strict-footprint");
    expect(create.endsWith(' --first-boot "$first_boot" --first-boot-wait 1800')).toBe(true);
  });

  it("strictFootprint false reaches the node as --no-strict-footprint, and the deployment says so", async () => {
    expect(await coreCommand({ strictFootprint: false })).toContain("--no-strict-footprint");
    const warnings = validationGateWarnings(parseSpec(rawConfig("aws", { strictFootprint: false })));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/^logos-compute:strictFootprint is false: the proof validation does NOT gate on the axiom footprint/);
    expect(validationGateWarnings(parseSpec(rawConfig("aws")))).toEqual([]);
  });

  it("pins Coq and passes the trusted signers by default settings and by config", async () => {
    const signer = "release@logos.invalid ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJYTGUdmiYKXH";
    const create = await coreCommand({ trustedSigners: [signer] });
    expect(create).toContain(`--coq-version ${UBUNTU_2404_COQ}`);
    expect(create).toContain(`--trusted-signer '${signer}'`);
    expect(create).not.toContain("--no-write-sandbox");
    expect(await coreCommand({ writeSandbox: false, coqVersion: "" })).toMatch(/--no-write-sandbox/);
    expect(await coreCommand({ coqVersion: "" })).not.toContain("--coq-version");
  });

  it("every node installs exactly the pinned Coq and holds it; gpg only for OpenPGP signers", () => {
    const pgp = "-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nmDMEZabc\n-----END PGP PUBLIC KEY BLOCK-----";
    expect(toolchainBootstrap(parseSpec(rawConfig("aws")))).toEqual(coqPin(UBUNTU_2404_COQ));
    expect(toolchainBootstrap(parseSpec(rawConfig("aws", { trustedSigners: [pgp] }))).packages).toContain("gpg");
    expect(toolchainBootstrap(parseSpec(rawConfig("aws", { coqVersion: "" })))).toEqual({ packages: [], commands: [] });
  });

  it("burst nodes keep their state on the boot disk: their boot unit has no state-disk check", () => {
    const spec = parseSpec(rawConfig("aws", { coreNodes: 1, burstMax: 3 }));
    const unit = renderValidationUnit({ ...validationOptions(spec, "true"), user: "logos" });
    expect(unit.content).not.toContain("--state-device-file");
    expect(coreValidationOptions(spec, "true").stateDeviceFile).toBe(STATE_DEVICE_FILE);
  });
});
