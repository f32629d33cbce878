/**
 * @module Registers every `nbl` subcommand on the program.
 */
import type { NanoBananaClient } from '@nbl/sdk'
import type { Command } from 'commander'
import { historyCommand, quotaCommand } from './account.js'
import { batchCommand } from './batch.js'
import { chatCommand } from './chat.js'
import { generateCommand } from './generate.js'
import { videoCommand } from './video.js'

export function registerCommands(
  program: Command,
  client: () => NanoBananaClient,
  setExit: (code: number) => void,
) {
  program
    .command('generate')
    .description('generate image(s) and save them')
    .argument('<prompt>', 'what to draw')
    .option('--resolution <res>', '1K | 2K | 4K')
    .option('--aspect <ratio>', 'aspect ratio, e.g. 16:9')
    .option('--provider <name>', 'pin one provider (e.g. local, google)')
    .option('--count <n>', 'images, 1..4')
    .option('--out <file|dir>', 'file name, or a directory (existing or ending in /)')
    .action((prompt: string, flags) => generateCommand(client(), prompt, flags))

  program
    .command('batch')
    .description('generate one image per line of a file, with a live progress bar')
    .argument('<file>', 'prompts, one per line (# starts a comment)')
    .option('--resolution <res>', '1K | 2K | 4K')
    .option('--aspect <ratio>', 'aspect ratio, e.g. 16:9')
    .option('--provider <name>', 'pin one provider')
    .option('--concurrency <n>', 'items at once, 1..16')
    .action(async (file: string, flags) => setExit(await batchCommand(client(), file, flags)))

  program
    .command('video')
    .description('generate a video, wait for it and save it')
    .argument('<prompt>', 'what to film')
    .option('--duration <seconds>', '5 | 10')
    .option('--aspect <ratio>', '16:9 | 9:16 | 1:1')
    .option('--provider <name>', 'pin one provider')
    .option('--out <file|dir>', 'file name or directory')
    .action((prompt: string, flags) => videoCommand(client(), prompt, flags))

  program
    .command('chat')
    .description('refine an image turn by turn: one message per stdin line')
    .option('--resolution <res>', '1K | 2K | 4K')
    .option('--aspect <ratio>', 'aspect ratio')
    .option('--provider <name>', 'pin one provider')
    .option('--out <dir>', 'directory for the images (default: current)')
    .action((flags) => chatCommand(client(), flags))

  program
    .command('quota')
    .description("show today's quota and when it resets")
    .action(() => quotaCommand(client()))

  program
    .command('history')
    .description('list your latest images')
    .option('--limit <n>', '1..100', '20')
    .action((flags) => historyCommand(client(), flags))
}
