/**
 * The IMDS request rules, without I/O: method, URL and headers in, status, headers and body out. Only the paths
 * SDKs use for credentials exist, plus the region answers when `--serve-region` is on; everything else is 404 (never
 * 403: extended-path SDKs fall back only on 404).
 */
import type { OutgoingHttpHeaders } from 'node:http';
import type { HttpTokens } from './config';
import { type Prepared, prepare, type ServedCredentials } from './credentials-document';
import type { RegionAnswers } from './identity-document';
import { ImdsTokens } from './imds-tokens';

export type PathClass = 'token' | 'list' | 'credentials' | 'identity' | 'other';

export interface ImdsResponse {
  readonly status: number;
  readonly headers: OutgoingHttpHeaders;
  readonly body: Buffer | string;
  /** For metrics: which kind of path was asked for. */
  readonly pathClass: PathClass;
}

/** The parts of a request that matter to IMDS. */
export interface ImdsRequest {
  readonly method: string | undefined;
  readonly url: string | undefined;
  /** An X-Forwarded-For header was present. */
  readonly forwarded: boolean;
  /** X-aws-ec2-metadata-token */
  readonly token: string | undefined;
  /** X-aws-ec2-metadata-token-ttl-seconds */
  readonly ttl: string | undefined;
}

export interface ImdsState {
  readonly roleName: string;
  readonly httpTokens: HttpTokens;
  readonly tokens: ImdsTokens;
  /** `--serve-region`: the region answers; undefined keeps their paths 404. */
  readonly regionAnswers?: RegionAnswers;
  /** The credentials to serve now, or undefined when none are held. */
  credentials(): ServedCredentials | undefined;
  now(): number;
}

export const TTL_HEADER = 'x-aws-ec2-metadata-token-ttl-seconds';
export const TOKEN_HEADER = 'x-aws-ec2-metadata-token';

function fixed(
  status: number,
  text: string,
  pathClass: PathClass,
  extra: OutgoingHttpHeaders = {},
): ImdsResponse {
  const { body, headers } = prepare(text, 'text/plain');
  return { status, body, headers: { ...headers, ...extra }, pathClass };
}

function ok(prepared: Prepared, pathClass: PathClass): ImdsResponse {
  return { status: 200, body: prepared.body, headers: prepared.headers, pathClass };
}

const NOT_FOUND = fixed(404, 'Not Found', 'other');
const FORBIDDEN = fixed(403, 'Forbidden', 'other');
const BAD_TTL = fixed(400, `Missing or Invalid Parameters: ${TTL_HEADER} must be 1..21600`, 'token');
const TOKEN_WRONG_METHOD = fixed(405, 'Method Not Allowed', 'token', { allow: 'PUT' });
const METADATA_WRONG_METHOD = fixed(405, 'Method Not Allowed', 'other', { allow: 'GET, HEAD' });
// 5xx, not 4xx: SDKs then keep the credentials they hold instead of dropping them.
const UNAVAILABLE = fixed(
  503,
  'Service Unavailable: no valid credentials yet, see the sidecar log',
  'credentials',
);

const VERSION = /^\d{4}-\d{2}-\d{2}$/;
const CREDS = 'meta-data/iam/security-credentials';
const CREDS_EXTENDED = 'meta-data/iam/security-credentials-extended';

type Served = 'credentials' | 'credentials-extended';
/** A path whose answer does not change: the role listing and the region answers. */
type Fixed = 'list' | 'region' | 'availability-zone' | 'identity-document';
type Target = 'token' | Served | Fixed;

/** The metrics class of each path, so that a refused request is counted under the path it asked for. */
const PATH_CLASS: Record<Served | Fixed, PathClass> = {
  credentials: 'credentials',
  'credentials-extended': 'credentials',
  list: 'list',
  region: 'identity',
  'availability-zone': 'identity',
  'identity-document': 'identity',
};
const UNAUTHORIZED = new Map<PathClass, ImdsResponse>(
  [...new Set([...Object.values(PATH_CLASS), 'other' as const])].map((c) => [
    c,
    fixed(401, 'Unauthorized', c),
  ]),
);

interface Targets {
  /** The paths below `/{version}/` that exist. */
  readonly below: Map<string, Target>;
  /** The same paths under `/latest/`, compared whole: slicing and hashing the URL cost about 700 instructions a GET. */
  readonly latest: readonly (readonly [string, Target])[];
}

/** Computed once per role; `fixed` names the fixed answers that exist. */
function targets(roleName: string, fixed: ReadonlyMap<Fixed, ImdsResponse>): Targets {
  const below = new Map<string, Target>([
    [`${CREDS}/${roleName}`, 'credentials'],
    [`${CREDS_EXTENDED}/${roleName}`, 'credentials-extended'],
  ]);
  const paths: [string, Fixed][] = [
    [CREDS, 'list'],
    [CREDS_EXTENDED, 'list'],
    ['meta-data/placement/region', 'region'],
    // botocore asks with the trailing slash.
    ['meta-data/placement/availability-zone', 'availability-zone'],
    ['dynamic/instance-identity/document', 'identity-document'],
  ];
  for (const [path, t] of paths) {
    if (!fixed.has(t)) continue;
    below.set(path, t);
    below.set(`${path}/`, t);
  }
  return { below, latest: [...below].map(([path, t]) => [`/latest/${path}`, t] as const) };
}

/** The role listing and, when served, the region answers. */
function fixedAnswers(state: ImdsState): Map<Fixed, ImdsResponse> {
  // Exactly one line, no trailing newline: botocore uses the body as the role name as-is.
  const answers = new Map<Fixed, ImdsResponse>([['list', ok(prepare(state.roleName, 'text/plain'), 'list')]]);
  const region = state.regionAnswers;
  if (region) {
    answers.set('region', ok(region.region, 'identity'));
    if (region.availabilityZone) answers.set('availability-zone', ok(region.availabilityZone, 'identity'));
    answers.set('identity-document', ok(region.document, 'identity'));
  }
  return answers;
}

/** What `path` (without query) names, or undefined for paths that do not exist here. */
function target(path: string, known: Targets): Target | undefined {
  if (path === '/latest/api/token') return 'token';
  for (const [latest, t] of known.latest) if (path === latest) return t;
  const slash = path.indexOf('/', 1);
  if (slash < 0) return undefined;
  const version = path.slice(1, slash);
  if (version !== 'latest' && !VERSION.test(version)) return undefined;
  return known.below.get(path.slice(slash + 1));
}

export type ImdsRouter = (request: ImdsRequest) => ImdsResponse;

export function createImdsRouter(state: ImdsState): ImdsRouter {
  const fixed = fixedAnswers(state);
  const known = targets(state.roleName, fixed);
  // The credential responses are built once per STS refresh, not per request.
  let servedFor: ServedCredentials | undefined;
  let responses: Record<Served, ImdsResponse> | undefined;
  const credentialResponses = (creds: ServedCredentials) => {
    if (creds !== servedFor || !responses) {
      servedFor = creds;
      responses = {
        credentials: ok(creds.legacy, 'credentials'),
        'credentials-extended': ok(creds.extended, 'credentials'),
      };
    }
    return responses;
  };
  return (request) => route(request, state, known, fixed, credentialResponses);
}

function route(
  request: ImdsRequest,
  state: ImdsState,
  known: Targets,
  fixed: ReadonlyMap<Fixed, ImdsResponse>,
  credentialResponses: (creds: ServedCredentials) => Record<Served, ImdsResponse>,
): ImdsResponse {
  // The real IMDS refuses anything that came through a proxy: a proxy in the pod must not hand out its credentials.
  if (request.forwarded) return FORBIDDEN;
  const { method } = request;
  // An endpoint with a trailing slash (the webhook's env mode) makes the JS SDK v2 ask for `//latest/…`.
  const asked = request.url ?? '/';
  const raw = asked.startsWith('//') ? asked.slice(1) : asked;
  const query = raw.indexOf('?');
  const found = target(query < 0 ? raw : raw.slice(0, query), known);
  if (found === 'token') {
    if (method !== 'PUT') return TOKEN_WRONG_METHOD;
    const ttl = ImdsTokens.parseTtl(request.ttl);
    if (ttl === undefined) return BAD_TTL;
    // Go and Ruby SDKs drop a token whose response lacks the TTL header.
    const token = state.tokens.issue(ttl, state.now());
    return {
      status: 200,
      body: token,
      headers: { 'content-type': 'text/plain', 'content-length': token.length, [TTL_HEADER]: String(ttl) },
      pathClass: 'token',
    };
  }
  if (method !== 'GET' && method !== 'HEAD') return found ? METADATA_WRONG_METHOD : NOT_FOUND;
  const { token } = request;
  if (token !== undefined ? !state.tokens.valid(token, state.now()) : state.httpTokens === 'required') {
    return UNAUTHORIZED.get(found ? PATH_CLASS[found] : 'other') as ImdsResponse;
  }
  if (found === undefined) return NOT_FOUND;
  if (found !== 'credentials' && found !== 'credentials-extended') return fixed.get(found) ?? NOT_FOUND;
  const creds = state.credentials();
  if (!creds || creds.expiresAt <= state.now()) return UNAVAILABLE;
  return credentialResponses(creds)[found];
}
