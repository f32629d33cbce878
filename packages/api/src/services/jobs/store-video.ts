/**
 * @module Puts a finished clip in object storage: streamed as it arrives when the provider serves it at
 * a URL and can open it as a stream (clips run to hundreds of megabytes), else the bytes it hands back.
 */
import type { VideoProvider, VideoTaskStatus } from '@nbl/providers'
import type { ObjectStore } from '../storage/store.js'

type FinishedVideo = Extract<VideoTaskStatus, { status: 'succeeded' }>['output']

export async function storeVideo(
  storage: ObjectStore,
  adapter: VideoProvider,
  output: FinishedVideo,
  key: string,
  signal: AbortSignal,
): Promise<void> {
  if ('url' in output && adapter.openVideo) {
    const clip = await adapter.openVideo(output, { signal })
    await storage.putStream(key, clip.body, { contentType: clip.mimeType, signal })
    return
  }
  const video = await adapter.downloadVideo(output, { signal })
  await storage.put(key, video.data, video.mimeType)
}
