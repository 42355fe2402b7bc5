import { readFileSync } from 'node:fs';
import net from 'node:net';

/** Lowest port picked for an instance when the ephemeral range cannot be read. */
const INSTANCE_PORTS_FROM = 20_000;
const ATTEMPTS = 20;

/**
 * A TCP port on `host` that is free now, for an instance to listen on. Picked below the
 * kernel's ephemeral range (Linux: /proc/sys/net/ipv4/ip_local_port_range), so an outgoing
 * connection cannot take it between this check and the instance's listen; falls back to
 * any free port (bind 0) after a few tries.
 */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  const below = ephemeralLow();
  if (below > INSTANCE_PORTS_FROM + 1_000) {
    for (let i = 0; i < ATTEMPTS; i++) {
      const candidate =
        INSTANCE_PORTS_FROM + Math.floor(Math.random() * (below - INSTANCE_PORTS_FROM));
      if ((await tryBind(candidate, host)) !== undefined) return candidate;
    }
  }
  const any = await tryBind(0, host);
  if (any === undefined) throw new Error(`no free port on ${host}`);
  return any;
}

/** The first port of the ephemeral range, 32768 when unknown (the Linux default). */
function ephemeralLow(): number {
  try {
    const low = Number(
      readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').split(/\s+/)[0],
    );
    return Number.isInteger(low) && low > 1024 ? low : 32_768;
  } catch {
    return 32_768;
  }
}

/** Binds `port` (0: any) and releases it; the port it got, or undefined when taken. */
function tryBind(port: number, host: string): Promise<number | undefined> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.unref();
    server.once('error', () => resolve(undefined));
    server.listen(port, host, () => {
      const address = server.address();
      const bound = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(bound));
    });
  });
}
