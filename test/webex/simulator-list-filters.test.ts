import { startWebexSimulator, type WebexSimulator } from '../../src/webex/simulator';
import { SIM_TOKEN } from './sim-fixtures';

/** List filters of the simulator as the specs describe them (status lists, epoch-ms instants). */
describe('Webex simulator: list filters', () => {
  let sim: WebexSimulator;
  const auth = { authorization: `Bearer ${SIM_TOKEN}` };
  // Fixed instants (not the clock): three records one minute apart.
  const T0 = Date.parse('2026-01-10T10:00:00.000Z');
  const at = (minutes: number) => new Date(T0 + minutes * 60_000).toISOString();

  beforeEach(async () => {
    sim = await startWebexSimulator({ token: SIM_TOKEN, provisioningDelayMs: 5 });
    const bw = sim.state.broadworksSubscribers;
    bw.set('a', { id: 'a', userId: 'a', status: 'error', created: at(0), lastStatusChange: at(0) });
    bw.set('b', { id: 'b', userId: 'b', status: 'provisioned', created: at(1), lastStatusChange: at(5) });
    bw.set('c', { id: 'c', userId: 'c', status: 'provisioning', created: at(2), lastStatusChange: at(2) });
    const ws = sim.state.wholesaleSubscribers;
    ws.set('x', { id: 'x', status: 'provisioned', created: at(0), lastStatusChange: at(0) });
    ws.set('y', { id: 'y', status: 'provisioned', created: at(2), lastStatusChange: at(6) });
  });
  afterEach(() => sim.close());

  async function ids(path: string): Promise<string[]> {
    const res = await fetch(`${sim.baseUrl}${path}`, { headers: auth });
    expect(res.status).toBe(200);
    return ((await res.json()) as { items: Array<{ id: string }> }).items.map((i) => i.id).sort();
  }

  it('BroadWorks: status takes comma-separated values, and refuses an unknown one', async () => {
    expect(await ids('/broadworks/subscribers?status=error,provisioned')).toEqual(['a', 'b']);
    expect(await ids('/broadworks/subscribers?status=provisioning')).toEqual(['c']);
    expect((await fetch(`${sim.baseUrl}/broadworks/subscribers?status=error,done`, { headers: auth })).status).toBe(400);
  });

  it('BroadWorks: after and lastStatusChange take epoch milliseconds (preferred) or ISO 8601', async () => {
    expect(await ids(`/broadworks/subscribers?after=${T0 + 30_000}`)).toEqual(['b', 'c']);
    expect(await ids(`/broadworks/subscribers?after=${encodeURIComponent(at(0.5))}`)).toEqual(['b', 'c']);
    expect(await ids(`/broadworks/subscribers?lastStatusChange=${T0 + 3 * 60_000}`)).toEqual(['b']);
    expect(await ids(`/broadworks/subscribers?lastStatusChange=${encodeURIComponent(at(3))}`)).toEqual(['b']);
    expect((await fetch(`${sim.baseUrl}/broadworks/subscribers?after=yesterday`, { headers: auth })).status).toBe(400);
  });

  it('Wholesale: after and lastStatusChange take epoch milliseconds or ISO 8601', async () => {
    expect(await ids(`/wholesale/subscribers?after=${T0 + 60_000}`)).toEqual(['y']);
    expect(await ids(`/wholesale/subscribers?lastStatusChange=${T0 + 5 * 60_000}`)).toEqual(['y']);
    expect(await ids(`/wholesale/subscribers?lastStatusChange=${encodeURIComponent(at(-1))}`)).toEqual(['x', 'y']);
    expect((await fetch(`${sim.baseUrl}/wholesale/subscribers?lastStatusChange=soon`, { headers: auth })).status).toBe(400);
  });
});
