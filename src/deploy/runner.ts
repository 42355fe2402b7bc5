import type { ResolvedConfig } from '../config/resolve.js';
import type { Router } from '../router/router.js';
import { freePort } from './free-port.js';
import { Instance } from './instance.js';
import { stopOrphan } from './orphans.js';
import type { LineSink } from './output.js';
import type { Release } from './state.js';

/**
 * Runs releases: picks a port, spawns and supervises the instance, registers it as an
 * upstream; retires a release by draining its upstream and then stopping its process.
 */
export class ReleaseRunner {
  private readonly instances = new Map<string, Instance>();

  constructor(
    private readonly config: ResolvedConfig,
    private readonly router: Router,
    private readonly sink: LineSink,
    /** Called when a release's pid changes, so the caller persists it. */
    private readonly onSpawn: (release: Release) => void,
  ) {}

  instance(releaseId: string): Instance | undefined {
    return this.instances.get(releaseId);
  }

  /** Starts a release (an external one only gets its upstream); fills in url, pid, instance. */
  async launch(release: Release, restart: boolean): Promise<Instance | undefined> {
    if (release.command === null) {
      if (release.url === null)
        throw new Error(`release ${release.id} has neither command nor url`);
      this.router.addUpstream(release.id, release.url);
      return undefined;
    }
    const port = await freePort();
    const instance = new Instance({
      color: release.color,
      label: release.label,
      command: release.command,
      cwd: this.config.app.cwd,
      env: this.config.app.env,
      port,
      sink: this.sink,
      restart,
      stopGraceMs: this.config.deploy.stopGraceMs,
      onSpawn: (pid, marker) => {
        release.pid = pid;
        release.instance = marker;
        this.onSpawn(release);
      },
    });
    release.url = instance.url;
    this.instances.set(release.id, instance);
    this.router.addUpstream(release.id, instance.url);
    instance.start();
    return instance;
  }

  /**
   * Drains (no new requests reach it: the caller took it out of the route table; in-flight
   * ones get the drain timeout; idle keep-alive sockets are closed), then SIGTERM/SIGKILL.
   */
  async retire(release: Release, why: string): Promise<void> {
    const { cut } = await this.router.drainUpstream(release.id, this.config.deploy.drainTimeoutMs);
    const instance = this.instances.get(release.id);
    this.instances.delete(release.id);
    await instance?.stop();
    const note = cut > 0 ? `, ${cut} request(s) cut at the drain timeout` : '';
    this.sink.write(`breakwater: stopped ${release.color} ${release.label} (${why}${note})`);
  }

  /** Stops a process a previous router left behind (it was SIGKILLed). */
  async stopLeftover(release: Release): Promise<void> {
    if (release.pid === null || release.instance === null) return;
    if (await stopOrphan(release.pid, release.instance, this.config.deploy.stopGraceMs)) {
      this.sink.write(
        `breakwater: stopped leftover ${release.color} ${release.label} (pid ${release.pid})`,
      );
    }
  }

  /** Stops every instance (shutdown); no drain beyond what the router already did. */
  async stopAll(): Promise<void> {
    const all = [...this.instances.values()];
    this.instances.clear();
    await Promise.all(all.map((instance) => instance.stop()));
  }
}
