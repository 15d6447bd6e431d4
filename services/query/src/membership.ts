import type { CatalogService } from '@huedb/proto/catalog';
import type { ServiceClient } from '@huedb/grpc';

/**
 * Announces this instance to the catalog now and every `intervalMs`, so gateways route to it
 * while it lives and stop soon after it dies. A failed heartbeat is retried on the next tick: a
 * catalog blip must not take a healthy node out of service for good.
 */
export async function startHeartbeat(
  catalog: ServiceClient<typeof CatalogService>,
  member: { id: string; role: string; address: string },
  intervalMs: number,
  onError: (err: unknown) => void,
): Promise<() => void> {
  const beat = () => catalog.heartbeat({ member }, { timeoutMs: intervalMs });
  await beat();
  const timer = setInterval(() => {
    beat().catch(onError);
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
