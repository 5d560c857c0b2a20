import type { AdapterContext, PoolParts } from "./types";

export function buildGcpPool(ctx: AdapterContext): PoolParts {
  throw new Error(`the gcp adapter is not built yet (pool ${ctx.name})`);
}
