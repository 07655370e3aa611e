/** The serve-region annotation and --default-serve-region: what reaches the sidecar. */
import { container, P, podWith, run } from './support';

const ANNOTATION = `${P}serve-region`;
const ZONE_ENV = {
  name: 'IMDS_EMULATOR_AVAILABILITY_ZONE',
  valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: "metadata.labels['topology.kubernetes.io/zone']" } },
};

function sidecar(annotations: Record<string, string>, defaultServeRegion = false) {
  const { result, patched } = run(podWith(annotations), { settings: { defaultServeRegion } });
  expect(result.outcome).toBe('mutated');
  return container(patched, 'imds-emulator');
}

describe('serve-region', () => {
  it('is off by default: no flag, no zone variable, as before', () => {
    const c = sidecar({});
    expect(c.args).not.toContain('--serve-region');
    expect(c.env).not.toContainEqual(ZONE_ENV);
  });

  it('the annotation "true" turns it on, with the zone from the pod label where the cluster sets one', () => {
    const c = sidecar({ [ANNOTATION]: 'true' });
    expect(c.args.join(' ')).toContain('--serve-region true');
    expect(c.env).toContainEqual(ZONE_ENV);
  });

  it('the webhook default turns it on, and the annotation "false" off again', () => {
    expect(sidecar({}, true).args.join(' ')).toContain('--serve-region true');
    expect(sidecar({ [ANNOTATION]: 'false' }, true).args).not.toContain('--serve-region');
  });

  it('denies another value, naming the annotation', () => {
    const { result } = run(podWith({ [ANNOTATION]: 'True' }));
    expect(result.outcome).toBe('denied');
    expect(result.reason).toContain(`annotation ${ANNOTATION} must be one of true, false, got "True"`);
  });
});
