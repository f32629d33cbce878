/**
 * @module A progress bar drawn on stderr: redrawn in place on a terminal, one line per change otherwise
 * (so logs and tests see every step).
 */
export interface ProgressBar {
  update(done: number, failed: number, total: number): void
  stop(): void
}

export function createProgressBar(stream: NodeJS.WriteStream = process.stderr, width = 30): ProgressBar {
  let last = ''
  return {
    update(done, failed, total) {
      const finished = done + failed
      const ratio = total > 0 ? finished / total : 0
      const filled = Math.round(ratio * width)
      const line = `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${String(Math.round(ratio * 100)).padStart(3)}% ${finished}/${total}${failed > 0 ? ` (${failed} failed)` : ''}`
      if (line === last) return
      last = line
      stream.write(stream.isTTY ? `\r${line}` : `${line}\n`)
    },
    stop() {
      if (stream.isTTY && last) stream.write('\n')
    },
  }
}
