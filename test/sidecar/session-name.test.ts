import { sessionName } from '../../emulator/src/sidecar/session-name';

const ALLOWED = /^[\w+=,.@-]{2,64}$/;

describe('STS session name', () => {
  it('is namespace.pod when that is already valid', () => {
    expect(sessionName('payments', 'api-7d9f8-x2k4q', 'host')).toBe('payments.api-7d9f8-x2k4q');
  });

  it('falls back to the host name and "unknown" namespace', () => {
    expect(sessionName(undefined, undefined, 'node-pod')).toBe('unknown.node-pod');
  });

  it('stays within STS limits, is stable, and distinguishes long names that share a prefix', () => {
    const long = 'a'.repeat(80);
    const one = sessionName('ns', `${long}-one`, 'h');
    const two = sessionName('ns', `${long}-two`, 'h');
    expect(one).toMatch(ALLOWED);
    expect(one).toHaveLength(64);
    expect(one).not.toBe(two);
    expect(sessionName('ns', `${long}-one`, 'h')).toBe(one);
    expect(one.startsWith('ns.aaaa')).toBe(true);
  });

  it('replaces characters STS does not allow and keeps altered names unique', () => {
    const a = sessionName('ns', 'pod:1', 'h');
    const b = sessionName('ns', 'pod/1', 'h');
    expect(a).toMatch(ALLOWED);
    expect(b).toMatch(ALLOWED);
    expect(a).not.toBe(b);
    expect(a.startsWith('ns.pod-1-')).toBe(true);
  });
});
