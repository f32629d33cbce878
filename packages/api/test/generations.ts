/**
 * @module Test fixtures for finished generations: what `runGeneration` hands the generation writer.
 */
import { createId, type FinishedGeneration } from '@nbl/db'

/** A succeeded local generation of `imageCount` images, not yet written anywhere. */
export function finishedGeneration(userId: string, imageCount = 1): FinishedGeneration {
  const id = createId('gen')
  return {
    generation: {
      id,
      user_id: userId,
      kind: 'image',
      status: 'running',
      prompt: 'a banana',
      request: { prompt: 'a banana' },
      provider: null,
      model: null,
      units_reserved: imageCount,
      latency_ms: null,
      error_code: null,
      error_message: null,
      finished_at: null,
    },
    outcome: {
      status: 'succeeded',
      provider: 'local',
      model: 'local-1',
      attempts: [],
      unitsCharged: imageCount,
      costUsd: 0,
      latencyMs: 1,
      finishedAt: new Date(),
    },
    images: Array.from({ length: imageCount }, () => {
      const imageId = createId('img')
      return {
        id: imageId,
        user_id: userId,
        generation_id: id,
        storage_key: `images/${userId}/${imageId}.png`,
        mime_type: 'image/png',
        width: 8,
        height: 8,
        bytes: 10,
        prompt: 'a banana',
        provider: 'local',
        model: 'local-1',
      }
    }),
  }
}
