import { nextLinkOf, repairNextLink } from '../../src/webex/link-pagination';
import {
  broadworksCreateBody,
  broadworksUpdateBody,
  RequestContractError,
  wholesaleCustomerCreateBody,
  wholesaleCustomerUpdateBody,
  wholesaleSubscriberCreateBody,
} from '../../src/webex/request-bodies';
import { readBroadworksSubscriber } from '../../src/webex/parse-responses';
import { parseRetryAfterMs } from '../../src/webex/retry-after';
import { bwCreate, customerCreate } from './sim-fixtures';

describe('Retry-After parsing', () => {
  it.each([
    ['1', 1000],
    ['120', 120_000],
    ['0.2', 1000],
    ['0', 10_000],
    ['', 10_000],
    [undefined, 10_000],
    ['rand(30),add(30)', 10_000],
    ['-5', 10_000],
    ['999999', 3_600_000],
  ])('%p → %p ms', (value, expected) => {
    expect(parseRetryAfterMs(value)).toBe(expected);
  });
  it('reads an HTTP date', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(parseRetryAfterMs('Thu, 01 Jan 2026 00:00:30 GMT', 10_000, now)).toBe(30_000);
  });
});

describe('Link pagination', () => {
  const first = new URL('https://webexapis.com/v1/broadworks/subscribers?spEnterpriseId=SP1%2Bacme&max=2');
  it('finds rel="next" among several links', () => {
    expect(nextLinkOf('<https://x/a?p=1>; rel="prev", <https://x/a?p=3>; rel="next"')).toBe('https://x/a?p=3');
    expect(nextLinkOf('<https://x/a?p=1>; rel="prev"')).toBeUndefined();
    expect(nextLinkOf(undefined)).toBeUndefined();
  });
  it('re-applies dropped filters and replaces max=null', () => {
    const repaired = repairNextLink('https://webexapis.com/v1/broadworks/subscribers?cursor=abc&max=null', first);
    expect(repaired.searchParams.get('spEnterpriseId')).toBe('SP1+acme');
    expect(repaired.searchParams.get('max')).toBe('2');
    expect(repaired.searchParams.get('cursor')).toBe('abc');
  });
  it('drops max=null when the caller set no max, and keeps the token on our own host', () => {
    const noMax = new URL('https://webexapis.com/v1/broadworks/subscribers');
    const repaired = repairNextLink('https://elsewhere.example/v1/broadworks/subscribers?cursor=abc&max=null', noMax);
    expect(repaired.searchParams.has('max')).toBe(false);
    expect(repaired.origin).toBe('https://webexapis.com');
  });
});

describe('request bodies: exactly what the spec allows', () => {
  it('drops undefined and unknown fields, and empty optional strings on create', () => {
    const body = broadworksCreateBody({ ...bwCreate({ extension: '', language: undefined }), nickname: 'x' } as never);
    expect(body).not.toHaveProperty('nickname');
    expect(body).not.toHaveProperty('extension');
    expect(body).not.toHaveProperty('language');
  });
  it("keeps the spec's empty-string removal on update, but not both number and extension", () => {
    expect(broadworksUpdateBody({ mobilePhoneNumber: '', extension: '', firstName: '' })).toEqual({ mobilePhoneNumber: '', extension: '' });
    expect(() => broadworksUpdateBody({ primaryPhoneNumber: '', extension: '' })).toThrow(RequestContractError);
  });
  it('enforces package vs packages for Wholesale subscribers', () => {
    const base = { customerId: 'c', email: 'e@x', provisioningParameters: {} };
    expect(wholesaleSubscriberCreateBody({ ...base, packages: ['webex_calling'] })).toEqual({ ...base, packages: ['webex_calling'] });
    expect(wholesaleSubscriberCreateBody({ ...base, package: 'webex_calling' })).toEqual({ ...base, package: 'webex_calling' });
    expect(() => wholesaleSubscriberCreateBody({ ...base, package: 'webex_calling', packages: ['webex_calling'] })).toThrow(RequestContractError);
    expect(() => wholesaleSubscriberCreateBody(base)).toThrow(RequestContractError);
  });
  it('gives a calling location the customer address when none is set, and refuses a location without timezone', () => {
    const body = wholesaleCustomerCreateBody(customerCreate()) as { provisioningParameters: { calling: { location: { address: unknown } } } };
    expect(body.provisioningParameters.calling.location.address).toEqual(customerCreate().address);
    expect(() => wholesaleCustomerCreateBody(customerCreate({ provisioningParameters: { calling: { location: { name: 'HQ', language: 'en' } } } }))).toThrow(
      /timezone/,
    );
  });
  it('never sends provisioningId, orgId or customerInfo on a customer update', () => {
    expect(Object.keys(wholesaleCustomerUpdateBody({ ...customerCreate(), orgId: 'o' })).sort()).toEqual([
      'address',
      'externalId',
      'packages',
      'provisioningParameters',
    ]);
  });
});

describe('lenient responses', () => {
  it('keeps unknown fields and enum values, and reads selfActivated strings as booleans', () => {
    const sub = readBroadworksSubscriber({
      id: 'x',
      userId: 'u',
      spEnterpriseId: 'e',
      status: 'brand_new_status',
      selfActivated: 'true',
      futureField: 1,
      errors: [{ errorCode: '10022', description: 'd' }],
    });
    expect(sub).toMatchObject({ status: 'brand_new_status', selfActivated: true, futureField: 1, errors: [{ errorCode: '10022', description: 'd' }] });
    expect(readBroadworksSubscriber({ id: 'x', status: 'provisioned', selfActivated: 'false' }).selfActivated).toBe(false);
  });
});
