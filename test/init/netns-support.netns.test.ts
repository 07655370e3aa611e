import { execFileSync } from 'node:child_process';
import { createNetns, POD_IPV4, POD_IPV6 } from '../support/netns';

const namespaces = () => execFileSync('ip', ['netns', 'list']).toString();

describe('test support: throw-away network namespaces', () => {
  it('routes everything via the veth, kills what runs inside and deletes the namespace on destroy', async () => {
    const ns = await createNetns({ prefix: 'imdshelper' });
    expect(namespaces()).toContain(ns.name);
    const route = await ns.run('ip', ['route', 'get', '169.254.169.254']);
    expect(route.stdout).toContain(`dev veth0 src ${POD_IPV4}`);
    const route6 = await ns.run('ip', ['-6', 'route', 'get', 'fd00:ec2::254']);
    expect(route6.stdout).toContain(`dev veth0 src ${POD_IPV6}`);

    const sleeper = ns.spawn('sleep', ['600']);
    await new Promise((resolve) => sleeper.once('spawn', resolve));
    await ns.destroy();
    expect(sleeper.exitCode !== null || sleeper.signalCode !== null).toBe(true);
    expect(namespaces()).not.toContain(ns.name);
    await ns.destroy();
  });

  it('removes namespaces left by test processes that no longer exist, and only those', async () => {
    // PIDs never exceed 2^22 on Linux, so this owner is certainly dead.
    const stale = 'imdshelper-99999999-0';
    execFileSync('ip', ['netns', 'add', stale]);
    const alive = await createNetns({ prefix: 'imdshelper' });
    try {
      expect(namespaces()).not.toContain(stale);
      const second = await createNetns({ prefix: 'imdshelper' });
      // Creating another one must not remove the first: its owner (this process) is alive.
      expect(namespaces()).toContain(alive.name);
      await second.destroy();
    } finally {
      await alive.destroy();
    }
  });
});
