import { chooseBackend, usageOf } from '../../emulator/src/init/backend';
import { parseIptablesSave } from '../../emulator/src/init/iptables-save';

const none = { rules: 0, hint: false };

describe('iptables backend choice', () => {
  it('defaults to nft in a namespace without rules', () => {
    expect(chooseBackend('auto', none, none)).toEqual({
      backend: 'nft',
      reason: 'no existing rules in either backend; nft is the default',
    });
  });

  it('follows the backend that holds more rules', () => {
    expect(chooseBackend('auto', none, { rules: 3, hint: false }).backend).toBe('legacy');
    expect(chooseBackend('auto', { rules: 2, hint: false }, none).backend).toBe('nft');
    // A tie goes to nft, like kubernetes-sigs/iptables-wrappers.
    expect(chooseBackend('auto', { rules: 2, hint: false }, { rules: 2, hint: false }).backend).toBe('nft');
  });

  it('prefers a Kubernetes hint chain over rule counts', () => {
    expect(chooseBackend('auto', { rules: 0, hint: false }, { rules: 0, hint: true }).backend).toBe('legacy');
    expect(chooseBackend('auto', { rules: 0, hint: true }, { rules: 5, hint: true }).backend).toBe('nft');
  });

  it('obeys an explicit request and warns when the other backend has rules', () => {
    const choice = chooseBackend('legacy', { rules: 4, hint: true }, none);
    expect(choice.backend).toBe('legacy');
    expect(choice.reason).toBe('requested with --iptables-backend');
    expect(choice.warning).toMatch(/4 rule\(s\) in the nft backend/);
    expect(chooseBackend('nft', none, none).warning).toBeUndefined();
  });

  it('sums rules and finds hints over the IPv4 and IPv6 tables', () => {
    const v4 = parseIptablesSave('*mangle\n:KUBE-IPTABLES-HINT - [0:0]\nCOMMIT\n');
    const v6 = parseIptablesSave('*nat\n:OUTPUT ACCEPT [0:0]\n-A OUTPUT -j X\n-A OUTPUT -j Y\nCOMMIT\n');
    expect(usageOf([v4, v6])).toEqual({ rules: 2, hint: true });
    expect(usageOf([])).toEqual(none);
  });
});
