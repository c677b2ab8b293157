// `gpt-lab ask`: one question to a chat checkpoint, with the calculator, a JSON schema, or an adapter.
//
//   gpt-lab ask --checkpoint runs/workshop/sft-tools --calculator "Calculate 4821*37."
//   gpt-lab ask --checkpoint runs/workshop/sft --schema answer.json "What is 47+85?"
//   gpt-lab ask --checkpoint runs/workshop/sft --adapter runs/workshop/lora/adapter.safetensors "Where is Dusem?"
//
// Prints one JSON object: the reply, whether it ended, its tokens, how many were forced (the tool's
// output or the schema's template text) and the forward passes spent, the tool calls, and under --schema
// the parsed object. --calculator and --schema both steer the decoder's one row hook, so they do not
// combine; --adapter goes with either.
// Left out: several turns of conversation, streaming.

import * as fs from 'fs';
import { parseArgs, intOption } from './args';
import { initBackend, parseBackendName } from '../backend';
import { assert, GptLabError } from '../util/assert';
import { user } from '../data/conversation';
import { loadStageModel } from '../pipeline/load';
import { sampleReplies } from '../sample/chat';
import { newDecodeStats, RowControl } from '../sample/control';
import { calculatorTool, chatToolContext, toolControl, toolTraffic } from '../tools/engine';
import { buildTokenIndex, constrainedControl, ObjectSchema, schemaPattern, vocabStrings } from '../constrain';
import { disposeAdapters, LoraAdapters, readAdapters, withAdapters } from '../lora';
import { GPT } from '../model';

/** The schema file, parsed and compiled to a pattern (so a bad one fails before any model is loaded). */
function readSchema(file: string): { schema: ObjectSchema; pattern: string } {
  assert(fs.existsSync(file), () => `--schema ${file} does not exist; give a JSON schema file such as ` +
    '{"type": "object", "properties": {"answer": {"type": "integer"}}, "required": ["answer"]}');
  let schema: ObjectSchema;
  try {
    schema = JSON.parse(fs.readFileSync(file, 'utf8')) as ObjectSchema;
  } catch (e) {
    throw new GptLabError(`--schema ${file} is not JSON (${(e as Error).message}); fix the file`);
  }
  assert(schema !== null && typeof schema === 'object' && typeof schema.properties === 'object',
    () => `--schema ${file} has no "properties" object; the top level must be ` +
      '{"type": "object", "properties": {...}, "required": [...]}');
  return { schema, pattern: schemaPattern(schema) };
}

export async function run(argv: string[]): Promise<number> {
  const args = parseArgs(argv,
    ['checkpoint', 'prompt', 'schema', 'adapter', 'max-tokens', 'temperature', 'seed', 'backend'], ['calculator']);
  const o = args.options;
  assert(o.checkpoint !== undefined,
    () => 'option --checkpoint DIR is required (a chat stage directory, e.g. runs/workshop/sft-tools)');
  assert(fs.existsSync(o.checkpoint),
    () => `--checkpoint ${o.checkpoint} does not exist; run the stage first (e.g. gpt-lab sft) or check the path`);
  const prompt = o.prompt ?? args.positional.join(' ');
  assert(prompt.trim() !== '',
    () => 'give the question as the last argument (or --prompt TEXT), e.g. "Calculate 4821*37."');
  assert(!(o.calculator !== undefined && o.schema !== undefined),
    () => '--calculator and --schema both steer the decoder; pass one of them');
  const schema = o.schema === undefined ? undefined : readSchema(o.schema);
  if (o.adapter !== undefined) {
    assert(fs.existsSync(o.adapter),
      () => `--adapter ${o.adapter} does not exist; give an adapter file (.safetensors) saved with writeAdapters`);
  }
  const maxTokens = intOption(args, 'max-tokens', 64, 1);
  const temperature = o.temperature === undefined ? 0 : Number(o.temperature);
  assert(Number.isFinite(temperature) && temperature >= 0,
    () => `option --temperature must be a number >= 0 (0 is greedy), got '${o.temperature}'`);
  const seed = intOption(args, 'seed', 1337);
  const backend = o.backend === undefined ? undefined : parseBackendName(o.backend, '--backend');
  await initBackend({ backend, source: '--backend' });

  const m = loadStageModel(o.checkpoint);
  let adapters: LoraAdapters | undefined;
  try {
    let model: GPT = m.model;
    if (o.adapter !== undefined) {
      adapters = readAdapters(o.adapter, m.model.config);
      model = withAdapters(m.model, adapters);
    }
    const tools = chatToolContext(m.tok, calculatorTool);
    let control: RowControl | undefined;
    if (o.calculator !== undefined) control = toolControl(tools);
    if (schema !== undefined) {
      control = constrainedControl(buildTokenIndex(schema.pattern, vocabStrings(m.tok),
        { eosId: m.tok.special('<|assistant_end|>') }));
    }
    const stats = newDecodeStats();
    const [r] = sampleReplies(model, m.tok, [{ messages: [user(prompt)] }],
      { maxTokens, temperature, seed, control, stats });
    let json: unknown;
    if (schema !== undefined && r.stopped) json = JSON.parse(r.text);
    console.log(JSON.stringify({
      checkpoint: o.checkpoint, prompt, reply: r.text, stopped: r.stopped, tokens: r.ids.length,
      forced: r.forced.filter((f) => f).length, passes: stats.passes, toolCalls: toolTraffic(r.ids, tools),
      ...(schema !== undefined ? { json } : {}), ...(o.adapter !== undefined ? { adapter: o.adapter } : {}),
    }));
  } finally {
    m.model.dispose();
    if (adapters !== undefined) disposeAdapters(adapters);
  }
  return 0;
}
