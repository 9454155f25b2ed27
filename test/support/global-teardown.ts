/** Jest global teardown: stops the moto_server that global setup started (if it started one). */
export default async function globalTeardown(): Promise<void> {
  const moto = (globalThis as { __MOTO__?: { stop(): Promise<void> } }).__MOTO__;
  if (moto) await moto.stop();
}
