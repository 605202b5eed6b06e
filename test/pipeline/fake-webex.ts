import { WebexError } from '../../src/errors';
import type {
  BroadworksSubscriber,
  WebexCallContext,
  WebexProvisioningApi,
  WebexResult,
  WholesaleCustomer,
  WholesaleSubscriber,
} from '../../src/pipeline/webex-port';

export interface FakeCall {
  op: string;
  args: unknown[];
  ctx?: WebexCallContext;
}

/**
 * In-memory Webex for worker unit tests: subscribers become provisioned after `pollsToProvision`
 * GETs; `failNext` injects WebexErrors by operation; every call is recorded in order.
 */
export function createFakeWebex(options: { pollsToProvision?: number; latencyMs?: number; customerFails?: boolean } = {}) {
  const calls: FakeCall[] = [];
  const bw = new Map<string, BroadworksSubscriber & { polls: number }>();
  const customers = new Map<string, WholesaleCustomer & { polls: number }>();
  const ws = new Map<string, WholesaleSubscriber & { polls: number }>();
  const faults: Array<{ op: string; error: () => WebexError; applyFirst?: boolean }> = [];
  let seq = 0;
  const ok = <T>(data: T, httpStatus = 200): WebexResult<T> => ({ data, httpStatus, trackingId: `FAKE_${++seq}` });

  async function step<T>(op: string, args: unknown[], ctx: WebexCallContext | undefined, body: () => T): Promise<T> {
    calls.push({ op, args, ctx });
    if (options.latencyMs) await new Promise((r) => setTimeout(r, options.latencyMs));
    const i = faults.findIndex((f) => f.op === op || f.op === '*');
    if (i >= 0) {
      const [fault] = faults.splice(i, 1);
      if (fault!.applyFirst) body();
      throw fault!.error();
    }
    return body();
  }
  const advance = <S extends { status: string; polls: number }>(s: S) => {
    s.polls++;
    if ((s.status === 'provisioning' || s.status === 'updating') && s.polls >= (options.pollsToProvision ?? 1)) s.status = 'provisioned';
    return s;
  };
  const notFound = (op: string) =>
    new WebexError('IMPB_ERR_WEBEX_NOT_FOUND', {
      operation: op,
      method: 'GET',
      path: '/x',
      httpStatus: 404,
      trackingId: 'FAKE_404',
      webexErrors: [],
      maybeApplied: false,
    });
  const strip = <S extends { polls: number }, T>(s: S): T => {
    const { polls: _p, ...rest } = s;
    return rest as unknown as T;
  };

  const api: WebexProvisioningApi = {
    broadworks: {
      listSubscribers: (f, ctx) =>
        step('bw.list', [f], ctx, () =>
          ok([...bw.values()].filter((s) => s.userId === f.userId && (!f.spEnterpriseId || s.spEnterpriseId === f.spEnterpriseId)).map((x) => strip(x))),
        ),
      createSubscriber: (b, ctx) =>
        step('bw.create', [b], ctx, () => {
          const s = { ...b, id: `bw-${++seq}`, status: 'provisioning', polls: 0 } as BroadworksSubscriber & { polls: number };
          bw.set(s.id, s);
          return ok(strip(s), 201);
        }),
      getSubscriber: (id, ctx) =>
        step('bw.get', [id], ctx, () => {
          const s = bw.get(id);
          if (!s) throw notFound('bw.get');
          return ok(strip(advance(s)));
        }),
      updateSubscriber: (id, b, ctx) =>
        step('bw.update', [id, b], ctx, () => {
          const s = bw.get(id);
          if (!s) throw notFound('bw.update');
          Object.assign(s, b, { status: 'updating', polls: 0 });
          return ok(strip(s));
        }),
      deleteSubscriber: (id, ctx) =>
        step('bw.delete', [id], ctx, () => {
          if (!bw.delete(id)) throw notFound('bw.delete');
          return ok(undefined, 204);
        }),
      precheck: (b, ctx) => step('bw.precheck', [b], ctx, () => ok({ message: 'ok' })),
    },
    wholesale: {
      listCustomers: (f, ctx) =>
        step('ws.listCustomers', [f], ctx, () => ok([...customers.values()].filter((c) => c.externalId === f.externalId).map((x) => strip(x)))),
      createCustomer: (b, ctx) =>
        step('ws.createCustomer', [b], ctx, () => {
          const c = { id: `cust-${++seq}`, orgId: `org-${seq}`, externalId: b.externalId, status: 'provisioning', polls: 0 } as WholesaleCustomer & {
            polls: number;
          };
          customers.set(c.id, c);
          return ok({ url: `https://fake/v1/wholesale/customers/${c.id}` }, 202);
        }),
      getCustomer: (idOrUrl, ctx) =>
        step('ws.getCustomer', [idOrUrl], ctx, () => {
          const c = customers.get(idOrUrl.split('/').pop()!);
          if (!c) throw notFound('ws.getCustomer');
          if (options.customerFails)
            Object.assign(c, { status: 'error', errors: [{ errorCode: 4003, description: 'fake: calling location could not be created' }] });
          return ok(strip(advance(c)));
        }),
      updateCustomer: (id, _b, ctx) => step('ws.updateCustomer', [id], ctx, () => ok({})),
      deleteCustomer: (id, ctx) => step('ws.deleteCustomer', [id], ctx, () => ok(undefined, 204)),
      listSubscribers: (f, ctx) =>
        step('ws.list', [f], ctx, () =>
          ok([...ws.values()].filter((s) => s.customerId === f.customerId && (!f.email || s.email === f.email)).map((x) => strip(x))),
        ),
      createSubscriber: (b, ctx) =>
        step('ws.create', [b], ctx, () => {
          const s = {
            id: `ws-${++seq}`,
            customerId: b.customerId,
            email: b.email,
            package: b.package,
            status: 'provisioned',
            polls: 0,
          } as WholesaleSubscriber & { polls: number };
          ws.set(s.id, s);
          return ok(strip(s));
        }),
      getSubscriber: (id, ctx) =>
        step('ws.get', [id], ctx, () => {
          const s = ws.get(id);
          if (!s) throw notFound('ws.get');
          return ok(strip(advance(s)));
        }),
      updateSubscriber: (id, b, ctx) =>
        step('ws.update', [id, b], ctx, () => {
          const s = ws.get(id);
          if (!s) throw notFound('ws.update');
          if (b.package) s.package = b.package;
          return ok(strip(s));
        }),
      deleteSubscriber: (id, ctx) =>
        step('ws.delete', [id], ctx, () => {
          if (!ws.delete(id)) throw notFound('ws.delete');
          return ok(undefined, 204);
        }),
      precheck: (b, ctx) => step('ws.precheck', [b], ctx, () => ok({ message: 'ok' })),
    },
    people: {
      getPerson: (personId, ctx) => step('people.get', [personId], ctx, () => ok({ id: personId, orgId: `org-of-${personId}`, emails: [] })),
    },
  };

  return {
    api,
    calls,
    broadworks: bw,
    customers,
    wholesale: ws,
    count: (op: string) => calls.filter((c) => c.op === op).length,
    /** The next call of `op` throws; with applyFirst the change happens before the error (a lost answer). */
    failNext(op: string, error: () => WebexError, applyFirst = false) {
      faults.push({ op, error, applyFirst });
    },
  };
}

export function webexError(
  status: number,
  options: { code?: Parameters<typeof newErr>[0]; retryable?: boolean; errorCode?: string; maybeApplied?: boolean; retryAfterMs?: number } = {},
): WebexError {
  return newErr(
    options.code ?? (status === 429 ? 'IMPB_ERR_WEBEX_RATE_LIMITED' : status >= 500 || status === 0 ? 'IMPB_ERR_WEBEX_UNAVAILABLE' : 'IMPB_ERR_WEBEX_REJECTED'),
    status,
    options,
  );
}

function newErr(
  code: ConstructorParameters<typeof WebexError>[0],
  status: number,
  options: { retryable?: boolean; errorCode?: string; maybeApplied?: boolean; retryAfterMs?: number },
) {
  return new WebexError(
    code,
    {
      operation: 'fake',
      method: 'POST',
      path: '/fake',
      httpStatus: status || undefined,
      trackingId: `FAKE_ERR_${status}`,
      webexErrors: options.errorCode ? [{ errorCode: options.errorCode, description: `fake error ${options.errorCode}` }] : [],
      retryAfterMs: options.retryAfterMs,
      maybeApplied: options.maybeApplied ?? false,
    },
    { retryable: options.retryable },
  );
}
