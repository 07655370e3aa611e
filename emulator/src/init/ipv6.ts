import { InitError } from './errors';

export type Ipv6Mode = 'auto' | 'on' | 'off';

/** Whether /proc/net/if_inet6 lists ::1, the address the IPv6 redirect delivers to. */
export function hasIpv6Loopback(ifInet6: string): boolean {
  return ifInet6.split('\n').some((line) => line.startsWith('00000000000000000000000000000001 '));
}

/**
 * Whether to program the IPv6 redirect. `auto` follows the namespace: without ::1 (IPv6 disabled in the pod)
 * the sidecar cannot listen on IPv6 and a redirect would lead nowhere.
 */
export function ipv6Enabled(mode: Ipv6Mode, ifInet6: string): boolean {
  if (mode === 'off') return false;
  const available = hasIpv6Loopback(ifInet6);
  if (mode === 'on' && !available) {
    throw new InitError(
      '--ipv6 on, but this network namespace has no IPv6 loopback address (::1): IPv6 is disabled in the pod; ' +
        'enable it or run with --ipv6 auto or --ipv6 off',
    );
  }
  return available;
}
