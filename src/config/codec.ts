/** The `codec:` field of an inference target: how its requests are encoded and its answers decoded (protocol/codecs.ts). */
import { CODEC_TYPES, type BoxFormat, type CodecConfig } from '../protocol/codecs';
import { parsePath } from '../protocol/json-path';
import { ConfigError, type Field } from './validate';

function path(f: Field): string {
  const s = f.string();
  try {
    parsePath(s);
  } catch (err) {
    throw new ConfigError(`${f.path}: ${(err as Error).message}`);
  }
  return s;
}

export function parseCodec(f: Field): CodecConfig {
  if (!f.present) return { type: 'cloudbench' };
  if (typeof f.value === 'string') {
    const type = f.oneOf(CODEC_TYPES);
    if (type === 'jsonpath' || type === 'sagemaker-json') throw new ConfigError(`${f.path}: "${type}" needs a mapping: { type: ${type}, detections, label, score, box }`);
    return { type };
  }
  const type = f.child('type').oneOf(CODEC_TYPES);
  if (type !== 'jsonpath' && type !== 'sagemaker-json') {
    f.onlyKeys(['type']);
    return { type };
  }
  f.onlyKeys(['type', 'input', 'base64Field', 'detections', 'label', 'score', 'box', 'boxFormat', 'normalized']);
  const boxField = f.child('box');
  let box: string | [string, string, string, string];
  if (Array.isArray(boxField.value)) {
    const parts = boxField.array().map(path);
    if (parts.length !== 4) throw new ConfigError(`${boxField.path}: expected one path to a 4-number list, or 4 paths, got ${parts.length}`);
    box = parts as [string, string, string, string];
  } else box = path(boxField);
  const input = f.child('input').oneOf(['raw', 'base64'] as const, { default: type === 'sagemaker-json' ? 'base64' : 'raw' });
  return {
    type: 'jsonpath',
    request: input === 'base64' ? 'base64-json' : 'image',
    base64Field: f.child('base64Field').string({ default: 'image' }),
    detections: path(f.child('detections')),
    label: path(f.child('label')),
    score: path(f.child('score')),
    box,
    boxFormat: f.child('boxFormat').oneOf(['xyxy', 'xywh', 'cxcywh'] as const, { default: 'xyxy' as BoxFormat }),
    normalized: f.child('normalized').boolean({ default: false }),
  };
}
