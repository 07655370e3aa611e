import { backoffMs } from '../../../emulator/src/webhook/kube/backoff';
import { sidecarModeFor } from '../../../emulator/src/webhook/kube/sidecar-mode';

describe('sidecar mode from the server version', () => {
  it.each([
    [{ major: '1', minor: '29', gitVersion: 'v1.29.0' }, 'native'],
    [{ major: '1', minor: '31+', gitVersion: 'v1.31.2-eks-7f9249a' }, 'native'],
    [{ major: '1', minor: '28', gitVersion: 'v1.28.9' }, 'classic'],
    [{ major: '1', minor: '27', gitVersion: 'v1.27.1' }, 'classic'],
    [{ major: '', minor: '', gitVersion: 'v1.30.1-gke.1' }, 'native'],
  ])('%j → %s', (version, mode) => {
    expect(sidecarModeFor(version)).toMatchObject({ mode });
  });

  it('explains that 1.28 cannot show its feature gate', () => {
    expect(sidecarModeFor({ major: '1', minor: '28' })).toMatchObject({
      reason: expect.stringMatching(/SidecarContainers feature gate.*--sidecar-mode native/),
    });
  });

  it('reports a version it cannot read', () => {
    expect(sidecarModeFor({ major: 'x', minor: 'y', gitVersion: 'unknown' })).toEqual({
      error: 'unrecognised server version "unknown"',
    });
  });
});

describe('backoff', () => {
  it('doubles from one second up to the cap', () => {
    expect([1, 2, 3, 4, 10, 100].map((n) => backoffMs(n, 30_000))).toEqual([
      1000, 2000, 4000, 8000, 30_000, 30_000,
    ]);
  });
});
