import { expect } from 'chai';
import { PassThrough } from 'stream';
import { formatDuration, formatProgress, Progress, rateAndEta } from '../src/progress';

describe('progress', () => {
  it('formats durations as m:ss and h:mm:ss', () => {
    expect(formatDuration(0)).to.equal('0:00');
    expect(formatDuration(75)).to.equal('1:15');
    expect(formatDuration(3725)).to.equal('1:02:05');
    expect(formatDuration(Infinity)).to.equal('?');
  });

  it('computes rate and ETA from elapsed time (hand-computed: 50 of 200 in 10 s → 5/s, 30 s left)', () => {
    const s = { label: 'train', unit: 'step', done: 50, total: 200, elapsedMs: 10_000, info: {} };
    expect(rateAndEta(s)).to.deep.equal({ rate: 5, etaSeconds: 30 });
    expect(formatProgress(s)).to.equal('train  25% |█████               | 50/200 [0:10<0:30, 5.00 step/s]');
  });

  it('has an unknown ETA before any progress', () => {
    const s = { label: '', unit: 'it', done: 0, total: 10, elapsedMs: 0, info: {} };
    expect(rateAndEta(s).etaSeconds).to.equal(Infinity);
    expect(formatProgress(s)).to.contain('<?');
  });

  it('shows extra numbers after the bar, the latest value of each', () => {
    let t = 0;
    const out = new PassThrough();
    let text = '';
    out.on('data', (d) => { text += d; });
    const bar = new Progress(4, { label: 'x', now: () => t, stream: out, minIntervalMs: 0 });
    t = 1000; bar.tick(1, { loss: 2.5 });
    t = 2000; bar.tick(1, { loss: 2.25 });
    bar.done();
    expect(text).to.contain('loss=2.2500');
    expect(text.trim().split('\n').at(-1)).to.contain('2/4');
  });

  it('writes one line per 10% to a log (not a terminal), and the final state once', () => {
    let t = 0;
    const out = new PassThrough();
    let text = '';
    out.on('data', (d) => { text += d; });
    const bar = new Progress(100, { now: () => t, stream: out, minIntervalMs: 0 });
    for (let i = 0; i < 100; i++) { t += 10; bar.tick(); }
    bar.done();
    bar.done();
    const lines = text.trim().split('\n');
    // deciles 0 (first tick), 1..10: eleven lines; done() adds nothing since 100/100 was printed.
    expect(lines).to.have.length(11);
    expect(lines.at(-1)).to.contain('100/100').and.contain('100%');
    expect(text).to.not.contain('\r');
  });

  it('redraws in place on a terminal', () => {
    const out = Object.assign(new PassThrough(), { isTTY: true });
    let text = '';
    out.on('data', (d) => { text += d; });
    const bar = new Progress(3, { stream: out, minIntervalMs: 0 });
    bar.tick(); bar.tick(); bar.tick(); bar.done();
    expect(text.split('\r').length).to.be.greaterThan(3);
    expect(text.endsWith('\n')).to.equal(true);
  });

  it('rejects a negative total, naming it', () => {
    expect(() => new Progress(-1)).to.throw(/-1/);
  });
});
