/**
 * @module Self time per function from a V8 `.cpuprofile` (what `node --cpu-prof` writes): each sample's
 * time delta is charged to the node it landed in, then nodes are grouped by function and location.
 * Frames in our bundle (the server's dist/main.js) are mapped back to their TypeScript sources.
 */
import { existsSync, readFileSync } from 'node:fs'
import { SourceMap } from 'node:module'
import { fileURLToPath } from 'node:url'

interface ProfileNode {
  id: number
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number }
  children?: number[]
}

interface CpuProfile {
  startTime: number
  nodes: ProfileNode[]
  samples: number[]
  timeDeltas: number[]
}

export interface HotSpot {
  function: string
  /** `path:line` shortened to the package or workspace file. */
  location: string
  selfMs: number
  selfPercent: number
}

export interface ProfileSummary {
  totalMs: number
  /** Busy time (everything but `(idle)`) as a share of the profile. */
  busyPercent: number
  functions: HotSpot[]
  /** Self time by package (`node_modules` name), workspace package or node internals. */
  packages: { name: string; selfMs: number; selfPercent: number }[]
  /** Our own functions (packages/*, apps/*) by inclusive time: what they and their callees cost. */
  workspace: { function: string; location: string; inclusiveMs: number; inclusivePercent: number }[]
}

/**
 * @param windows Only samples inside these [start, end] spans count (µs of the monotonic clock, as
 *   `process.hrtime.bigint() / 1000n` reads it in any process on the machine): the load, not start-up.
 */
export function summariseProfile(file: string, top = 25, windows: [number, number][] = []): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile
  toSourceFrames(profile.nodes)
  const byId = new Map(profile.nodes.map((node) => [node.id, node]))
  const parentOf = new Map<number, number>()
  for (const node of profile.nodes) for (const child of node.children ?? []) parentOf.set(child, node.id)
  const selfUs = new Map<number, number>()
  const inWindow = (at: number) =>
    windows.length === 0 || windows.some(([start, end]) => at >= start && at <= end)
  let at = profile.startTime
  profile.samples.forEach((id, index) => {
    const delta = profile.timeDeltas[index] ?? 0
    at += delta
    if (inWindow(at)) selfUs.set(id, (selfUs.get(id) ?? 0) + delta)
  })
  const totalUs = [...selfUs.values()].reduce((sum, value) => sum + value, 0)
  // Inclusive time: each node's self time is added to every distinct workspace frame above it.
  const inclusive = new Map<string, { function: string; location: string; us: number }>()
  for (const [id, us] of selfUs) {
    const seen = new Set<string>()
    for (let current: number | undefined = id; current !== undefined; current = parentOf.get(current)) {
      const frame = byId.get(current)?.callFrame
      if (!frame || !/\/(packages|apps)\//.test(frame.url) || frame.url.includes('node_modules')) continue
      const location = `${shortPath(frame.url)}:${frame.lineNumber + 1}`
      const key = `${frame.functionName}@${location}`
      if (seen.has(key)) continue
      seen.add(key)
      const entry = inclusive.get(key) ?? { function: frame.functionName || '(anonymous)', location, us: 0 }
      entry.us += us
      inclusive.set(key, entry)
    }
  }
  const functions = new Map<string, HotSpot>()
  const packages = new Map<string, number>()
  let idleUs = 0
  for (const [id, us] of selfUs) {
    const frame = byId.get(id)?.callFrame
    if (!frame) continue
    if (frame.functionName === '(idle)') idleUs += us
    const location = frame.url ? `${shortPath(frame.url)}:${frame.lineNumber + 1}` : ''
    const key = `${frame.functionName}@${location}`
    const entry = functions.get(key) ?? {
      function: frame.functionName || '(anonymous)',
      location,
      selfMs: 0,
      selfPercent: 0,
    }
    entry.selfMs += us / 1000
    functions.set(key, entry)
    const owner = packageOf(frame.url, frame.functionName)
    packages.set(owner, (packages.get(owner) ?? 0) + us)
  }
  const percent = (us: number) => Math.round((us / totalUs) * 1000) / 10
  return {
    totalMs: Math.round(totalUs / 1000),
    busyPercent: percent(totalUs - idleUs),
    functions: [...functions.values()]
      .sort((a, b) => b.selfMs - a.selfMs)
      .slice(0, top)
      .map((entry) => ({
        ...entry,
        selfMs: Math.round(entry.selfMs),
        selfPercent: percent(entry.selfMs * 1000),
      })),
    packages: [...packages.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, us]) => ({ name, selfMs: Math.round(us / 1000), selfPercent: percent(us) })),
    workspace: [...inclusive.values()]
      .sort((a, b) => b.us - a.us)
      .slice(0, top)
      .map((entry) => ({
        function: entry.function,
        location: entry.location,
        inclusiveMs: Math.round(entry.us / 1000),
        inclusivePercent: percent(entry.us),
      })),
  }
}

/**
 * Points frames of a bundled file of ours (a `.js` outside node_modules with a `.map` beside it, as
 * tsdown writes apps/server/dist/main.js.map) at the original file and line, so packages and workspace
 * functions are told apart as they were when the server ran from its sources.
 */
function toSourceFrames(nodes: ProfileNode[]): void {
  const maps = new Map<string, SourceMap | undefined>()
  for (const node of nodes) {
    const frame = node.callFrame
    if (!/^file:.*\.m?js$/.test(frame.url) || frame.url.includes('/node_modules/') || frame.lineNumber < 0) {
      continue
    }
    if (!maps.has(frame.url)) {
      const mapFile = `${fileURLToPath(frame.url)}.map`
      maps.set(
        frame.url,
        existsSync(mapFile) ? new SourceMap(JSON.parse(readFileSync(mapFile, 'utf8'))) : undefined,
      )
    }
    const entry = maps.get(frame.url)?.findEntry(frame.lineNumber, frame.columnNumber)
    if (!entry || !('originalSource' in entry)) continue
    node.callFrame = {
      ...frame,
      url: new URL(entry.originalSource, frame.url).href,
      lineNumber: entry.originalLine,
      columnNumber: entry.originalColumn,
    }
  }
}

function shortPath(url: string): string {
  const path = url.replace(/^file:\/\//, '')
  const inModules = path.lastIndexOf('node_modules/')
  if (inModules >= 0) return path.slice(inModules + 'node_modules/'.length)
  const inWorkspace = /\/(packages|apps)\/(.*)$/.exec(path)
  return inWorkspace ? `${inWorkspace[1]}/${inWorkspace[2]}` : path
}

function packageOf(url: string, functionName: string): string {
  if (!url) return functionName.startsWith('(') ? functionName : '(native)'
  if (url.startsWith('node:')) return 'node internals'
  const modules = /node_modules\/((?:@[^/]+\/)?[^/]+)\/(?!.*node_modules\/)/.exec(url)
  if (modules?.[1]) return modules[1]
  const workspace = /\/(packages|apps)\/([^/]+)\//.exec(url)
  return workspace ? `${workspace[1]}/${workspace[2]}` : url
}
