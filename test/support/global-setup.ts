/**
 * Jest global setup: starts one `moto_server` on a free loopback port for every test file that talks to
 * "AWS", and exports its endpoint as MOTO_ENDPOINT (workers inherit the environment).
 *
 * If MOTO_ENDPOINT is already set (e.g. by .ci/run or a developer's own server), that one is used.
 */
import { startMoto } from './moto';

export default async function globalSetup(): Promise<void> {
  if (process.env.MOTO_ENDPOINT) return;
  const moto = await startMoto();
  process.env.MOTO_ENDPOINT = moto.endpoint;
  (globalThis as { __MOTO__?: { stop(): Promise<void> } }).__MOTO__ = moto;
}
