/** The part of the catalog client that membership needs (structural, so core needs no gRPC). */
export interface HeartbeatTarget {
  heartbeat(
    request: { member: { id: string; role: string; address: string } },
    options?: { timeoutMs?: number },
  ): Promise<unknown>;
}

/**
 * Announces an instance to the catalog now and every `intervalMs`, so others route to it while it
 * lives and stop soon after it dies. The first heartbeat must succeed (a node nobody can find
 * should not pretend to be up); later failures are reported and retried on the next tick, so a
 * catalog blip does not take a healthy node out of service for good.
 * @returns a function that stops the heartbeat
 */
export async function startHeartbeat(
  catalog: HeartbeatTarget,
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
