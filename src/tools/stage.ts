// Tool use, part 3: the stage, an SFT model in and a model that calls the calculator out.
//
//   const run = await toolFineTune(sft, world, sftSettings, toolSettings, { dir: 'runs/full/sft-tools', record },
//     { from });
//   run.model → the tool model;  run.state.extra → { done: true, kind: 'tools', from, seconds, examples }
//
// The same SFT loop as notebook 04 (SftTrainer) on a different mixture (data.ts): the loss mask of a tool
// trace is 1 on the call and the answer, 0 on the tool's output, so the model learns to call and to copy,
// never to invent a result. src/pipeline decides whether to train at all.
// Left out: resuming an unfinished run (a rerun trains again from the SFT model; the stage is short).

import { ChatTokenizer } from '../data/char-tokenizer';
import { World } from '../data/world/world';
import { ChatModel } from '../sample/chat';
import { StageSave, TrainedModel, TrainHooks } from '../train/world';
import { renderExamples } from '../sft/data';
import { SftSettings } from '../sft/stage';
import { makeSftTrainConfig, SftTrainer } from '../sft/train';
import { toolMixture, ToolDataExample } from './data';
import { ToolStageSettings } from './settings';

/** What sft-tools' extra records in a finished checkpoint. */
export interface ToolExtra {
  done: boolean;
  kind: 'tools';
  /** The SFT checkpoint it started from. */
  from: string;
  seconds?: number;
  /** Training conversations that fit the context. */
  examples?: number;
}

/**
 * The rendered training and validation conversations, and the expressions they hold (kept out of evaluation).
 *
 *   toolData(tok, 256, makeWorld(), sft, tools).train.rendered.length → tools.data.examples (those that fit)
 */
export function toolData(tok: ChatTokenizer, blockSize: number, world: World, sft: SftSettings, s: ToolStageSettings) {
  const render = (rows: ToolDataExample[]) => renderExamples(tok, rows.map((r) => r.example), blockSize);
  const train = toolMixture(world, sft, s.data, world.config.seed);
  const val = toolMixture(world, sft, s.data, world.config.seed + 1000, s.data.valExamples);
  const expressions = new Set([...train, ...val].flatMap((r) => (r.expression === undefined ? [] : [r.expression])));
  return { train: render(train), val: render(val), expressions };
}

/** Fine-tunes `start.model` in place on the tool mixture and saves the finished model in save.dir once. */
export async function toolFineTune(start: ChatModel, world: World, sft: SftSettings, settings: ToolStageSettings,
  save: StageSave, opts: TrainHooks & { from: string }): Promise<TrainedModel> {
  const data = toolData(start.tok, start.model.config.blockSize, world, sft, settings);
  const config = makeSftTrainConfig(settings.train);
  const trainer = new SftTrainer(
    start.model, start.tok, { train: data.train.rendered, val: data.val.rendered }, config);
  opts.onStart?.({ model: start.model, steps: config.maxSteps, resumedFrom: 0 });
  const began = performance.now();
  const last = await trainer.run({
    onStep: opts.onStep, onEval: opts.onEval, checkpointDir: undefined, saveAtEnd: false,
  });
  const extra: ToolExtra = {
    done: true, kind: 'tools', from: opts.from, seconds: (performance.now() - began) / 1000,
    examples: data.train.rendered.length,
  };
  const { state } = trainer.save(save.dir, { ...save.record, stage: 'sft', extra: { ...extra } },
    { trainLoss: last.trainLoss, valLoss: last.valLoss });
  trainer.optimizer.dispose();
  return { model: start.model, state };
}
