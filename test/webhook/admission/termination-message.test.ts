/**
 * Issue 17 part 2: the injected containers say why they failed in `kubectl describe pod`. The sidecar writes its
 * credential failure to the termination-message file; both fall back to their log tail when they exit non-zero
 * without writing it (a start-up error, the init step's iptables failure).
 */
import { SIDECAR_FLAGS } from '@imds-emulator/contract';
import { Pod } from 'kubernetes-models/v1';
import { container, P, podWith, run } from './support';

describe('termination message of the injected containers', () => {
  it.each([
    ['native', 'iptables'],
    ['classic', 'iptables'],
    ['native', 'env'],
    ['classic', 'env'],
  ] as const)('%s sidecar, redirect %s', (mode, redirect) => {
    const { patched } = run(podWith({ [`${P}redirect`]: redirect }), { mode });
    const injected = ['imds-emulator', ...(redirect === 'iptables' ? ['imds-emulator-init'] : [])];
    for (const name of injected)
      expect(container(patched, name)).toMatchObject({
        terminationMessagePath: '/dev/termination-log',
        terminationMessagePolicy: 'FallbackToLogsOnError',
      });
    // The path the sidecar writes by default is the one the kubelet mounts.
    expect(container(patched, 'imds-emulator').terminationMessagePath).toBe(
      SIDECAR_FLAGS.terminationMessagePath.default,
    );
    // The app's containers are left as they were.
    expect(container(patched, 'app').terminationMessagePolicy).toBeUndefined();
    expect(() => new Pod(patched).validate()).not.toThrow();
  });
});
