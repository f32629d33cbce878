/**
 * @module Prints the top self-time functions and packages of a `.cpuprofile` (from `node --cpu-prof`).
 *
 * Run: pnpm --filter @nbl/bench exec tsx profile-summary.ts <file.cpuprofile> [top]
 */
import { summariseProfile } from './gateway/profile.js'

const file = process.argv[2]
if (!file) {
  process.stderr.write('usage: tsx profile-summary.ts <file.cpuprofile> [top]\n')
  process.exit(2)
}
const summary = summariseProfile(file, Number(process.argv[3] ?? 25))
process.stdout.write(`total ${summary.totalMs} ms, busy ${summary.busyPercent} %\n`)
console.table(summary.functions)
console.table(summary.packages)
console.table(summary.workspace)
