import type { Settings } from "./settings";

type TagMap = Readonly<Record<string, string | undefined>> | undefined;

/**
 * Whether the resource carries the bastion marker. Reading the tag goes
 * through the unknown-checking proxy, so an unknown marker fails closed.
 */
export function isBastion(tags: TagMap, settings: Settings): boolean {
  if (tags === undefined || tags === null) return false;
  return tags[settings.bastionTag.key] === settings.bastionTag.value;
}

export function bastionMarker(settings: Settings): string {
  return `${settings.bastionTag.key}=${settings.bastionTag.value}`;
}

/** Why the required tag is missing or wrong, or `undefined`. `where` names the property (`tags`, `labels`). */
export function requiredTagProblem(tags: TagMap, settings: Settings, where: string): string | undefined {
  const want = `${settings.requiredTag}=${settings.requiredTagValue}`;
  if (tags === undefined || tags === null) return `has no ${where}; add ${want}`;
  const got = tags[settings.requiredTag];
  if (got === undefined) return `${where} lack ${settings.requiredTag}; add ${want}`;
  if (got !== settings.requiredTagValue) return `${where}.${settings.requiredTag} is "${got}"; set ${want}`;
  return undefined;
}
