import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { contains, formatCidr, isNetworkAligned, overlaps, parseCidr, planNetwork } from "../../infra/cidr";
import { bastionPrivateIp, nodeSlots, subnetCapacity } from "../../infra/layout";
import { parseSpec } from "../../infra/spec";
import { rawConfig } from "../helpers/configs";

describe("cidr", () => {
  it.each([
    ["10.0.0.0/16", true],
    ["10.0.0.1/16", false],
    ["256.0.0.0/8", false],
    ["10.0.0.0/33", false],
    ["10.0.0.0", false],
  ])("parses %s (network-aligned: %s)", (text, aligned) => {
    expect(isNetworkAligned(text)).toBe(aligned);
  });

  it("property: planned subnets never overlap and stay inside the network", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 255 }),
        fc.integer({ min: 0, max: 255 }),
        fc.integer({ min: 16, max: 24 }),
        fc.integer({ min: 1, max: 6 }),
        (a, b, prefix, zones) => {
          const parent = parseCidr(`10.${a}.${b}.0/${prefix}`)!;
          const plan = planNetwork(formatCidr(parent), zones);
          const all = [...plan.nodeSubnets, ...plan.burstSubnets, plan.edgeSubnet, plan.reservedSubnet].map((s) => parseCidr(s)!);
          expect(all).toHaveLength(2 * zones + 2);
          for (const s of all) expect(contains(parent, s)).toBe(true);
          for (let i = 0; i < all.length; i++) for (let j = i + 1; j < all.length; j++) expect(overlaps(all[i], all[j])).toBe(false);
        },
      ),
      { numRuns: 500 },
    );
  });

  it("property: node addresses are unique, inside their zone's subnet and clear of reserved addresses", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 300 }), fc.integer({ min: 1, max: 3 }), (core, zoneCount) => {
        const spec = parseSpec(
          rawConfig("aws", { coreNodes: core, zones: ["us-east-1a", "us-east-1b", "us-east-1c"].slice(0, zoneCount) }),
        );
        const slots = nodeSlots(spec);
        expect(slots).toHaveLength(core);
        expect(new Set(slots.map((s) => s.privateIp)).size).toBe(core);
        expect(new Set(slots.map((s) => s.name)).size).toBe(core);
        for (const s of slots) {
          const subnet = parseCidr(s.subnet)!;
          const host = parseCidr(`${s.privateIp}/32`)!;
          expect(contains(subnet, host)).toBe(true);
          const offset = host.base - subnet.base;
          expect(offset).toBeGreaterThanOrEqual(4);
          expect(offset).toBeLessThan(2 ** (32 - subnet.prefix) - 2);
          expect(s.zone).toBe(spec.zones[s.zoneIndex]);
        }
        expect(bastionPrivateIp(spec)).toBe("10.40.192.4");
      }),
      { numRuns: 60 },
    );
  });

  it("capacity of a /28 block leaves room for the reserved addresses", () => {
    expect(subnetCapacity(28)).toBe(10);
    expect(subnetCapacity(20)).toBe(4090);
  });
});
