/**
 * The CLI's pause/resume and pin/unpin, as a process against its own world in the shared moto: what each
 * command prints (--json), and what `status --json` shows afterwards. Every test leaves automation running
 * and no cluster pinned.
 */
import { buildCliWorld, type CliWorld, type ClusterName } from './helpers';

describe('seedshield CLI: pause, resume, pin and unpin', () => {
  let w: CliWorld;
  const id = (name: ClusterName) => w.id(name);
  const pins = (status: { clusters: { id: string; pin: string | null }[] }) => Object.fromEntries(status.clusters.map((c) => [c.id, c.pin]));
  const BASE_WEIGHTS = () => ({ [id('north')]: 100, [id('central')]: 100, [id('east')]: 50, [id('phys')]: 50 });

  beforeAll(async () => {
    w = await buildCliWorld(process.env.MOTO_ENDPOINT!, 'pin');
  }, 60_000);

  test('when pause runs with a reason, status shows automation paused and no weight moves, and resume clears it', async () => {
    // GIVEN a world as built: automation running (the last test checks that with status)

    // WHEN
    const pause = await w.cli('pause', '--reason', 'maintenance window', '--json');

    // THEN
    expect(pause.code).toBe(0);
    const paused = JSON.parse(pause.stdout);
    expect(paused).toMatchObject({
      event: { type: 'OPERATOR', command: 'pause', reason: 'maintenance window', operator: 'test-operator' },
      outcome: 'AUTOMATION_PAUSED',
      reason: 'Operator test-operator (maintenance window) paused automation: only operator commands act, except the block-producer path cut of a compromise.',
      weights: BASE_WEIGHTS(),
    });
    expect(paused.decisions.flatMap((d: { plan: { type: string }[] }) => d.plan.map((e) => e.type))).not.toContain('SET_DNS_WEIGHTS');
    const whilePaused = await w.status();
    expect(whilePaused.automationPaused).toBe(true);
    expect(whilePaused.clusters.map((c: { status: string }) => c.status)).toEqual(['IN_SERVICE', 'IN_SERVICE', 'IN_SERVICE', 'IN_SERVICE']);

    // WHEN
    const resume = await w.cli('resume', '--reason', 'maintenance over', '--json');

    // THEN
    expect(resume.code).toBe(0);
    expect(JSON.parse(resume.stdout)).toMatchObject({
      event: { type: 'OPERATOR', command: 'resume', reason: 'maintenance over' },
      outcome: 'AUTOMATION_RESUMED',
      reason: 'Operator test-operator (maintenance over) resumed automation: held-back triggers are re-checked now.',
    });
    expect((await w.status()).automationPaused).toBe(false);
    expect(await w.weights()).toEqual(BASE_WEIGHTS());
  }, 30_000);

  test('when pin in-service runs, status shows the pin on that cluster only, and unpin removes it', async () => {
    // WHEN
    const before = Date.now();
    const pin = await w.cli('pin', id('north'), 'in-service', '--for', '2h', '--reason', 'customer demo, keep it up', '--json');

    // THEN
    expect(pin.code).toBe(0);
    expect(JSON.parse(pin.stdout)).toMatchObject({
      event: { type: 'OPERATOR', command: 'pin', clusterId: id('north'), pin: 'FORCED_IN_SERVICE', reason: 'customer demo, keep it up' },
      outcome: 'OPERATOR_APPLIED',
      reason: expect.stringMatching(new RegExp(`^Operator test-operator \\(customer demo, keep it up\\) pinned cluster ${id('north')} FORCED_IN_SERVICE until \\S+Z; automation will not isolate it short of a compromise\\.$`)),
      weights: BASE_WEIGHTS(),
    });
    const pinned = await w.status();
    expect(pins(pinned)).toEqual({ [id('north')]: 'in-service', [id('central')]: null, [id('east')]: null, [id('phys')]: null });
    expect(pinned.clusters[0]).toMatchObject({ id: id('north'), status: 'IN_SERVICE', weight: 100 });
    // --for 2h: the pin expires two hours after the command ran
    const pinnedUntil: string = pinned.clusters[0].pinUntil;
    expect(Date.parse(pinnedUntil) - before).toBeGreaterThanOrEqual(2 * 3600_000);
    expect(Date.parse(pinnedUntil) - Date.now()).toBeLessThanOrEqual(2 * 3600_000);

    // WHEN
    const unpin = await w.cli('unpin', id('north'), '--reason', 'demo over', '--json');

    // THEN
    expect(unpin.code).toBe(0);
    expect(JSON.parse(unpin.stdout)).toMatchObject({
      event: { type: 'OPERATOR', command: 'unpin', clusterId: id('north'), reason: 'demo over' },
      outcome: 'OPERATOR_APPLIED',
      reason: `Operator test-operator (demo over) unpinned cluster ${id('north')} (was FORCED_IN_SERVICE until ${pinnedUntil}, set by test-operator (customer demo, keep it up)); automation manages it again.`,
    });
    expect(pins(await w.status())).toEqual({ [id('north')]: null, [id('central')]: null, [id('east')]: null, [id('phys')]: null });
  }, 30_000);

  test('when pin is given a value other than in-service or isolated, it exits 2 with the usage and changes nothing', async () => {
    // GIVEN
    const before = await w.status();

    // WHEN
    const out = await w.cli('pin', id('north'), 'maybe', '--reason', 'undecided', '--json');

    // THEN
    expect(out.code).toBe(2);
    expect(out.stdout).toBe('');
    expect(out.stderr).toContain('pin value must be "in-service" or "isolated", got: "maybe"');
    expect(out.stderr).toContain('usage: seedshield <command>');
    expect(await w.status()).toEqual(before);
    expect(pins(before)[id('north')]).toBeNull();
  }, 30_000);

  test('when pin is given a --for longer than controlPlane.pins.maxHours, it exits 2 naming the flag and changes nothing', async () => {
    // GIVEN
    const before = await w.status();

    // WHEN
    const out = await w.cli('pin', id('north'), 'in-service', '--for', '48h', '--reason', 'all weekend', '--json');

    // THEN
    expect(out.code).toBe(2);
    expect(out.stderr).toContain('--for is longer than controlPlane.pins.maxHours (24 h)');
    expect(await w.status()).toEqual(before);
  }, 30_000);

  test('when pause has no --reason, it exits 2 with the usage and automation keeps running', async () => {
    // GIVEN
    const before = await w.status();

    // WHEN
    const out = await w.cli('pause', '--json');

    // THEN
    expect(out.code).toBe(2);
    expect(out.stdout).toBe('');
    expect(out.stderr).toContain('pause needs --reason TEXT: every operator command is recorded and notified with its reason');
    expect(out.stderr).toContain('usage: seedshield <command>');
    expect(await w.status()).toEqual(before);
    expect(before.automationPaused).toBe(false);
  }, 30_000);
});
