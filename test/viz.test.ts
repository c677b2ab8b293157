import { expect } from 'chai';
import { DataFrame } from 'danfojs-node';
import { barChart, figureHtml, figureText, heatmap, histogram, LiveLineChart, lineChart, plotlyLoaderHtml, tableHtml, tableText } from '../src/viz';

describe('viz: figures', () => {
  it('builds one line trace per series', () => {
    const fig = lineChart([{ name: 'train', x: [0, 1, 2], y: [4, 3, 2.5] }, { name: 'val', x: [0, 2], y: [4.1, 2.9] }], { title: 'loss' });
    expect(fig.data.map((t) => t.name)).to.deep.equal(['train', 'val']);
    expect(fig.data[1]).to.include({ type: 'scatter', mode: 'lines' });
    expect(fig.layout.title).to.deep.equal({ text: 'loss' });
  });

  it('rejects a series whose x and y differ in length, naming it', () => {
    expect(() => lineChart([{ name: 'train', x: [0, 1], y: [1] }])).to.throw(/'train' has 2 x values but 1 y values/);
  });

  it('draws heatmaps at cell indices with the labels as ticks (repeated tokens stay separate rows)', () => {
    const fig = heatmap([[1, 0], [0.5, 0.5]], { xLabels: ['e', 'e'], yLabels: ['e', 'e'], text: [['a', 'b'], ['c', 'd']] });
    const t = fig.data[0];
    expect(t.x).to.deep.equal([0, 1]);
    expect(t.texttemplate).to.equal('%{text}');
    expect((fig.layout.xaxis as { ticktext: string[] }).ticktext).to.deep.equal(['e', 'e']);
    expect((fig.layout.yaxis as { autorange: string }).autorange).to.equal('reversed');
  });

  it('rejects ragged heatmap rows', () => {
    expect(() => heatmap([[1, 2], [3]])).to.throw(/row 1 has 1 values, row 0 has 2/);
  });

  it('groups bars and checks their count', () => {
    const fig = barChart(['a', 'b'], { x: [1, 2], y: [3, 4] });
    expect(fig.data).to.have.length(2);
    expect(() => barChart(['a', 'b'], { x: [1] })).to.throw(/'x' has 1 values for 2 labels/);
    expect(histogram([1, 2, 2], { bins: 3 }).data[0]).to.include({ type: 'histogram', nbinsx: 3 });
  });

  it('emits HTML that cannot close its own script early', () => {
    const html = figureHtml(lineChart([{ name: '</script><b>', x: [0], y: [1] }]));
    expect(html.match(/<\/script>/g)).to.have.length(1);
    expect(html).to.contain('Plotly.react');
  });

  it('summarises a figure as text for terminals', () => {
    const text = figureText(lineChart([{ name: 'train', x: [0, 1], y: [4, 3.25] }], { title: 'loss' }));
    expect(text).to.equal('[plot] loss\n  train: 2 points, last 3.250');
  });

  it('inlines plotly.js from node_modules, shielded from AMD/CommonJS globals', () => {
    const html = plotlyLoaderHtml();
    expect(html.length).to.be.greaterThan(1_000_000);
    expect(html).to.contain('var module, exports, define;');
    expect(html).to.not.match(/<script[^>]*src=/);
    expect(html.match(/<\/script>/g)).to.have.length(1);
  });
});

describe('viz: tables', () => {
  const rows = [{ name: 'a<b', value: 1.234567 }, { name: 'c', value: 10 }];

  it('renders rows as an escaped HTML table with numbers right-aligned', () => {
    const html = tableHtml(rows, 'caption & more');
    expect(html).to.contain('<th style="text-align:left">name</th><th style="text-align:left">value</th>');
    expect(html).to.contain('<td style="text-align:left">a&lt;b</td><td style="text-align:right">1.2346</td>');
    expect(html).to.contain('<caption>caption &amp; more</caption>');
  });

  it('renders rows as aligned text', () => {
    expect(tableText(rows)).to.equal(['name  value', '----  ------', 'a<b   1.2346', 'c     10'].join('\n'));
  });

  it('renders a danfojs DataFrame', () => {
    const df = new DataFrame({ backend: ['wasm', 'cpu'], available: [true, true] });
    const html = tableHtml(df);
    expect(html).to.contain('<th style="text-align:left">backend</th><th style="text-align:left">available</th>');
    expect(html).to.contain('<td style="text-align:left">cpu</td><td style="text-align:left">true</td>');
  });
});

describe('viz: live line chart', () => {
  it('collects points per series and prints a summary only when flushed (terminal)', () => {
    const printed: string[] = [];
    const log = console.log;
    console.log = (s: string) => { printed.push(s); };
    try {
      const chart = new LiveLineChart({ title: 'loss', minIntervalMs: 0 });
      chart.push(0, { train: 4 });
      chart.push(1, { train: 3, val: 3.5 });
      expect(printed).to.deep.equal([]);
      chart.flush();
      expect(chart.values('train')).to.deep.equal({ name: 'train', x: [0, 1], y: [4, 3] });
      expect(chart.values('val')).to.deep.equal({ name: 'val', x: [1], y: [3.5] });
      expect(printed).to.deep.equal(['[plot] loss\n  train: 2 points, last 3\n  val: 1 points, last 3.500']);
    } finally {
      console.log = log;
    }
  });
});
