/**
 * Pulumi entry point (`main` in Pulumi.yaml). Each export is a stack output:
 * `pulumi stack output <name> --json`.
 */
import { main } from "./program";

const outputs = main();

export const bastion = outputs.bastion;
export const nodes = outputs.nodes;
export const encryptionKey = outputs.encryptionKey;
export const scheduler = outputs.scheduler;
export const validation = outputs.validation;
export const logArchive = outputs.logArchive;
export const monitoring = outputs.monitoring;
