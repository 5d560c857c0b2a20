/**
 * How a `pulumi up` rolls the pinned commit (and every other validation
 * trigger) over the core nodes: in lanes, so at most `rolloutBatchSize`
 * nodes are being switched and validated at any moment and the bastion
 * carries at most that many validations. Pure: no Pulumi imports.
 */

/**
 * The most validations in flight that the project proves through one
 * bastion: the e2e suite runs this many at once through one sshd bastion
 * (`test/e2e/bastion.test.ts`) and none is dropped.
 */
export const ROLLOUT_BATCH_MAX = 30;

/** `rolloutBatchSize: 0` means this share of the core nodes, rounded up. */
export const ROLLOUT_AUTO_PERCENT = 10;

/**
 * The batch size for `coreNodes` nodes when none is configured: 10 % of the
 * pool, at least 1, at most ROLLOUT_BATCH_MAX. A small pool rolls one node
 * at a time, so a bad commit fails one node, not the pool; a 100-node pool
 * rolls 10 at a time, so the rollout stays within minutes.
 */
export function autoRolloutBatchSize(coreNodes: number): number {
  return Math.min(ROLLOUT_BATCH_MAX, Math.max(1, Math.ceil((coreNodes * ROLLOUT_AUTO_PERCENT) / 100)));
}

/**
 * The node whose validation node `index` waits for: the one `batchSize`
 * places earlier (its lane's predecessor), or none for the first batch.
 * Lanes rather than lock-step batches: a slow node holds up only its own
 * lane, and a failing node stops its lane (and, by default, `pulumi up`).
 */
export function rolloutPredecessor(index: number, batchSize: number): number | undefined {
  if (!Number.isInteger(index) || index < 0) throw new Error(`rolloutPredecessor: index (${index}) must be a non-negative integer`);
  if (!Number.isInteger(batchSize) || batchSize < 1)
    throw new Error(`rolloutPredecessor: batchSize (${batchSize}) must be a positive integer`);
  return index >= batchSize ? index - batchSize : undefined;
}

/** Rounds of a rollout: the longest lane. */
export function rolloutRounds(coreNodes: number, batchSize: number): number {
  return Math.ceil(coreNodes / batchSize);
}
