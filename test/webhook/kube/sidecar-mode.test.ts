import { backoffMs } from '../../../emulator/src/webhook/kube/backoff';
import {
  decideSidecarMode,
  type NodesState,
  parseKubeVersion,
  type ServerVersion,
} from '../../../emulator/src/webhook/kube/sidecar-mode';

const SERVER_130: ServerVersion = { major: '1', minor: '30', gitVersion: 'v1.30.2' };
const nodes = (...versions: string[]): NodesState => ({
  state: 'synced',
  kubelets: versions.map((version, i) => ({ node: `node-${i}`, version })),
});

describe('kubelet and server version strings', () => {
  it.each([
    ['v1.29.3-eks-4b1b4b3', { major: 1, minor: 29 }],
    ['v1.30.1+k3s1', { major: 1, minor: 30 }],
    ['v1.28.5-gke.1200', { major: 1, minor: 28 }],
    ['v1.31.0-gke.1146000', { major: 1, minor: 31 }],
    ['v1.27.9-eks-5e0fdde', { major: 1, minor: 27 }],
    ['v1.32.0', { major: 1, minor: 32 }],
    ['1.29.1', { major: 1, minor: 29 }],
    ['v1.30.4+rke2r1', { major: 1, minor: 30 }],
    ['v1.29', { major: 1, minor: 29 }],
  ])('%s → %j', (text, version) => {
    expect(parseKubeVersion(text)).toEqual(version);
  });

  it.each(['', 'unknown', 'v1', 'vX.Y.Z', 'v1.29.3 extra', 'v1.x.3'])('"%s" is not a version', (text) => {
    expect(parseKubeVersion(text)).toBeUndefined();
  });
});

describe('the sidecar mode from the API server and every kubelet', () => {
  it.each([
    // API server alone (every kubelet is recent)
    [{ major: '1', minor: '29', gitVersion: 'v1.29.0' }, ['v1.29.0'], 'native', 'versions'],
    [
      { major: '1', minor: '31+', gitVersion: 'v1.31.2-eks-7f9249a' },
      ['v1.31.2-eks-7f9249a'],
      'native',
      'versions',
    ],
    [{ major: '', minor: '', gitVersion: 'v1.30.1-gke.1' }, ['v1.30.1-gke.1'], 'native', 'versions'],
    [{ major: '1', minor: '28', gitVersion: 'v1.28.9' }, ['v1.30.0'], 'classic', 'server-version'],
    [{ major: '1', minor: '27', gitVersion: 'v1.27.1' }, ['v1.27.1'], 'classic', 'server-version'],
    [{ major: 'x', minor: 'y', gitVersion: 'unknown' }, ['v1.30.0'], 'classic', 'unparseable-version'],
    // kubelet skew under a recent API server
    [SERVER_130, ['v1.30.1+k3s1', 'v1.29.3-eks-4b1b4b3', 'v1.31.0-gke.1146000'], 'native', 'versions'],
    [SERVER_130, ['v1.30.2', 'v1.28.5-gke.1200'], 'classic', 'kubelet-version'],
    [SERVER_130, ['v1.27.9-eks-5e0fdde', 'v1.30.2'], 'classic', 'kubelet-version'],
    [SERVER_130, ['v1.30.2', 'garbage'], 'classic', 'unparseable-version'],
    [SERVER_130, ['v1.30.2', ''], 'classic', 'unparseable-version'],
    [{ major: '2', minor: '0', gitVersion: 'v2.0.0' }, ['v2.0.1'], 'native', 'versions'],
    // no node registered yet: the API server decides (a node joining later is watched)
    [SERVER_130, [], 'native', 'versions'],
  ])('server %j, kubelets %j → %s (%s)', (server, kubelets, mode, source) => {
    expect(decideSidecarMode(server, nodes(...kubelets))).toMatchObject({ mode, source });
  });

  it('is classic until the API server version is known', () => {
    expect(decideSidecarMode(undefined, nodes('v1.30.0'))).toMatchObject({
      mode: 'classic',
      source: 'fallback',
    });
  });

  it('is classic until the nodes are listed, saying why', () => {
    expect(decideSidecarMode(SERVER_130, { state: 'pending', detail: 'ECONNREFUSED' })).toEqual({
      mode: 'classic',
      source: 'fallback',
      reason: 'the kubelet versions are not known yet (ECONNREFUSED)',
    });
  });

  it('is classic, never native on a guess, when listing nodes is forbidden, and names the fix', () => {
    expect(decideSidecarMode(SERVER_130, { state: 'forbidden', detail: 'HTTP 403' })).toMatchObject({
      mode: 'classic',
      source: 'nodes-forbidden',
      reason: expect.stringMatching(/may not list nodes \(HTTP 403\).*get\/list\/watch on nodes/),
    });
  });

  it('names the old nodes and their kubelets, a few of them', () => {
    const { reason } = decideSidecarMode(
      SERVER_130,
      nodes('v1.27.1', 'v1.27.2', 'v1.30.0', 'v1.28.0', 'v1.26.0'),
    );
    expect(reason).toBe(
      'node(s) node-0 (kubelet v1.27.1), node-1 (kubelet v1.27.2), node-3 (kubelet v1.28.0) and 1 more run a kubelet older than 1.29, where a native sidecar never finishes starting',
    );
  });

  it('explains that 1.28 cannot show its feature gate', () => {
    expect(decideSidecarMode({ major: '1', minor: '28' }, nodes())).toMatchObject({
      reason: expect.stringMatching(/SidecarContainers feature gate.*--sidecar-mode native/),
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
