/**
 * Where the process is in its life, for the readiness probe. server/index.ts begins the drain
 * on SIGTERM; from that moment GET /health/ready answers 503 while the listener still accepts,
 * so a load balancer takes the instance out before the drain closes it.
 */
export class Lifecycle {
  #draining = false;

  get draining(): boolean {
    return this.#draining;
  }

  beginDrain(): void {
    this.#draining = true;
  }
}
