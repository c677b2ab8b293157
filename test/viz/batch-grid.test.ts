// The batch grid on a hand-made batch: documents 'ab', 'cde', 'fg', each followed by EOT (id 0),
// with a..g = 1..7, so the stream is [a b EOT c d e EOT f g EOT]. Two rows of T = 4, at offsets 0 and 4:
//
//   row 0: x = a b EOT c    y = b EOT c d    docs 0 0 0 1
//   row 1: x = d e EOT f    y = e EOT f g    docs 1 1 1 2
//
// Every expected value below is written out by hand from that picture.

import { expect } from 'chai';
import { Batch, batchAt } from '../../src/data/batch';
import { ShiftedBatch } from '../../src/data/padding';
import { packDocuments } from '../../src/data/stream';
import { GptLabError } from '../../src/util/assert';
import {
  CONTEXT_COLOR, DOC_COLORS, EOT_COLOR, MASK_COLORS, TARGET_COLOR, batchGrid, cellLabel, docCategories, maskCategories, maskGrid,
} from '../../src/viz';

const batch: Batch = {
  shape: [2, 4],
  x: Int32Array.from([1, 2, 0, 3, 4, 5, 0, 6]),
  y: Int32Array.from([2, 0, 3, 4, 5, 0, 6, 7]),
  docIds: Int32Array.from([0, 0, 0, 1, 1, 1, 1, 2]),
  offsets: Int32Array.from([0, 4]),
};
const decode = (id: number) => ' abcdefg'[id];

type Shape = { x0: number; x1: number; y0: number; y1: number; line: { color: string } };
/** The (row, col) of the cell a shape covers. */
const cellOf = (s: Shape) => [s.y0 + 0.5, s.x0 + 0.5];
const shapesOf = (fig: ReturnType<typeof batchGrid>, color: string) => (fig.layout.shapes as Shape[]).filter((s) => s.line.color === color);

describe('viz/batch-grid: batchGrid', () => {
  it('uses a batch that src/data would make from the same documents', () => {
    const stream = packDocuments(['ab', 'cde', 'fg'], (t) => [...t].map((c) => ' abcdefg'.indexOf(c)), { eotId: 0, vocabSize: 8 });
    expect(batchAt(stream, [0, 4], 4)).to.deep.equal(batch);
  });

  it('colors each cell by its document, alternating, with EOT cells in their own dark color', () => {
    expect(docCategories(batch, 0)).to.deep.equal([[0, 0, 4, 1], [1, 1, 4, 2]]);
    const trace = batchGrid(batch, decode, { eotId: 0 }).data[0];
    expect(trace.z).to.deep.equal([[0, 0, 4, 1], [1, 1, 4, 2]]);
    // One flat band per category: z = i is drawn in DOC_COLORS[i], z = 4 in EOT_COLOR.
    const scale = trace.colorscale as [number, string][];
    expect([0, 1, 2, 3, 4].map((i) => scale[2 * i][1])).to.deep.equal([...DOC_COLORS, EOT_COLOR]);
    expect([trace.zmin, trace.zmax]).to.deep.equal([-0.5, 4.5]);
  });

  it('writes each token in its cell, EOT as a visible marker', () => {
    const fig = batchGrid(batch, decode, { eotId: 0 });
    expect(fig.data[0].text).to.deep.equal([['a', 'b', 'EOT', 'c'], ['d', 'e', 'EOT', 'f']]);
    expect(batchGrid(batch, decode, { eotId: 0, eotLabel: '|' }).data[0].text).to.deep.equal([['a', 'b', '|', 'c'], ['d', 'e', '|', 'f']]);
  });

  it('hides grid and zero lines, which would show through the gaps between cells as dots', () => {
    const { xaxis, yaxis } = batchGrid(batch, decode, { eotId: 0 }).layout as Record<string, Record<string, unknown>>;
    expect([xaxis.zeroline, xaxis.showgrid, yaxis.zeroline, yaxis.showgrid]).to.deep.equal([false, false, false, false]);
  });

  it('draws no highlight unless asked', () => {
    expect(batchGrid(batch, decode, { eotId: 0 }).layout.shapes).to.deep.equal([]);
  });

  it('outlines the context in yellow: the row from its start up to and including the highlighted cell', () => {
    const fig = batchGrid(batch, decode, { eotId: 0, highlight: { row: 0, col: 1 } });
    expect(shapesOf(fig, CONTEXT_COLOR).map(cellOf)).to.deep.equal([[0, 0], [0, 1]]);
    expect(shapesOf(fig, CONTEXT_COLOR)[1]).to.include({ x0: 0.5, x1: 1.5, y0: -0.5, y1: 0.5 });
  });

  it('marks the target in red: the next cell, which holds y[row, col]', () => {
    const fig = batchGrid(batch, decode, { eotId: 0, highlight: { row: 0, col: 1 } });
    expect(shapesOf(fig, TARGET_COLOR).map(cellOf)).to.deep.equal([[0, 2]]);
    // y[0, 1] = EOT = x[0, 2]: after 'ab' the model must predict the end of the document.
    expect(batch.y[1]).to.equal(0);
    expect(fig.data[0].text).to.have.nested.property('[0][2]', 'EOT');
  });

  it('lets the context cross an EOT into the previous document (packing)', () => {
    const fig = batchGrid(batch, decode, { eotId: 0, highlight: { row: 1, col: 3 } });
    // d, e (document 1), EOT, f (document 2): all four are context for predicting g.
    expect(shapesOf(fig, CONTEXT_COLOR).map(cellOf)).to.deep.equal([[1, 0], [1, 1], [1, 2], [1, 3]]);
  });

  it('draws the last column\'s target past the row end, with its token', () => {
    const fig = batchGrid(batch, decode, { eotId: 0, highlight: { row: 1, col: 3 } });
    expect(shapesOf(fig, TARGET_COLOR).map(cellOf)).to.deep.equal([[1, 4]]);
    expect(fig.layout.annotations).to.deep.equal([{ x: 4, y: 1, xref: 'x', yref: 'y', text: 'g', showarrow: false, font: { color: '#000' } }]);
    expect((fig.layout.xaxis as { range: number[] }).range).to.deep.equal([-0.5, 4.5]);
    expect(batchGrid(batch, decode, { eotId: 0, highlight: { row: 1, col: 2 } }).layout.annotations).to.deep.equal([]);
  });

  it('rejects a highlight outside the batch, naming the value', () => {
    const at = (row: number, col: number) => () => batchGrid(batch, decode, { eotId: 0, highlight: { row, col } });
    expect(at(2, 0)).to.throw(GptLabError, 'highlight row 2 is outside 0..1 (the batch has 2 rows)');
    expect(at(-1, 0)).to.throw(GptLabError, 'highlight row -1 is outside 0..1');
    expect(at(0, 4)).to.throw(GptLabError, 'highlight col 4 is outside 0..3 (rows have 4 tokens)');
    expect(at(0, 1.5)).to.throw(GptLabError, 'highlight col 1.5 is outside 0..3');
  });
});

describe('viz/batch-grid: cell labels', () => {
  it('makes whitespace visible and abbreviates special tokens', () => {
    expect(['a', ' ', '\n', '<|endoftext|>', '<|user_start|>', '<|assistant_end|>', '<|pad|>', '<|'].map(cellLabel))
      .to.deep.equal(['a', '·', '↵', 'EOT', 'U:', '/A', 'pad', '<|']);
  });
});

describe('viz/batch-grid: maskGrid', () => {
  // Two examples padded on the right with pad id 0: a b c e (loss on the last two targets) and d f.
  const padded: ShiftedBatch = {
    shape: [2, 3],
    x: Int32Array.from([1, 2, 3, 4, 0, 0]),
    y: Int32Array.from([2, 3, 5, 6, 0, 0]),
    attentionMask: Int32Array.from([1, 1, 1, 1, 0, 0]),
    lossMask: Int32Array.from([0, 1, 1, 1, 0, 0]),
  };

  it('tells padding, read-only and trained cells apart', () => {
    expect(maskCategories(padded)).to.deep.equal([[1, 2, 2], [2, 0, 0]]);
    const trace = maskGrid(padded, decode).data[0];
    expect(trace.z).to.deep.equal([[1, 2, 2], [2, 0, 0]]);
    expect([0, 1, 2].map((i) => (trace.colorscale as [number, string][])[2 * i][1])).to.deep.equal([...MASK_COLORS]);
  });

  it('shows the targets by default, the inputs on request, and nothing in padding', () => {
    expect(maskGrid(padded, decode).data[0].text).to.deep.equal([['b', 'c', 'e'], ['f', '', '']]);
    expect(maskGrid(padded, decode, { tokens: 'inputs' }).data[0].text).to.deep.equal([['a', 'b', 'c'], ['d', '', '']]);
  });

  it('labels rows and checks their count', () => {
    const fig = maskGrid(padded, decode, { rowLabels: ['facts', 'sums'] });
    expect((fig.layout.yaxis as { ticktext: string[] }).ticktext).to.deep.equal(['facts', 'sums']);
    expect(() => maskGrid(padded, decode, { rowLabels: ['facts'] })).to.throw(GptLabError, '1 row labels for a batch of 2 rows');
  });
});
