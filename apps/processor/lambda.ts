// The processor function on AWS (infra/template.yaml's ProcessorFunction), bundled with sharp for
// linux-arm64 by scripts/build-processor.ts. Everything is built once per cold start, outside the
// handler; a bad setting fails the cold start with a message naming it.
import { SharpImageProcessor, configureSharp } from '../../adapters/sharp/sharp-image-processor.ts';
import { SystemClock } from '../../adapters/system/system-clock.ts';
import { loadConfig } from '../config.ts';
import { buildContainer, resolve } from '../container.ts';
import { createLogger } from '../logger.ts';
import { awsStorage } from '../storage/aws.ts';
import { TOKENS } from '../tokens.ts';
import { createProcessorHandler, processorSettings } from './lambda-handler.ts';

const config = loadConfig();
if (config.storage !== 'aws') throw new Error('The processor function runs on AWS: set STORAGE=aws.');
const settings = processorSettings(process.env);
const logger = createLogger({ level: config.logLevel, base: { service: 'image-processor' } });
// At the template's 1,536 MB the function gets under one vCPU of time: more libvips threads per
// image would only contend for it (two images run at once, see processorSettings).
configureSharp({ threads: 2 });
const clock = new SystemClock();
const container = buildContainer(config, awsStorage(config.aws, config.corsOrigins), { clock, logger, processor: new SharpImageProcessor() });

export const handler = createProcessorHandler(
  { process: resolve(container, TOKENS.ProcessImage), catalog: resolve(container, TOKENS.ImageCatalog), clock, logger },
  settings,
);
