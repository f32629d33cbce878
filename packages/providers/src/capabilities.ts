/**
 * @module Matching a request against a provider's capabilities: what the router filters candidates by.
 */
import { resolutionAtMost } from './sizes.js'
import type {
  ImageGenerationRequest,
  ProviderCapabilities,
  RequiredCapabilities,
  VideoCapabilities,
  VideoGenerationRequest,
} from './types.js'

/**
 * What an image request needs from a provider.
 * @example requiredCapabilitiesFor(request, { multiTurn: true }) // for a chat turn
 */
export function requiredCapabilitiesFor(
  request: ImageGenerationRequest,
  options: { multiTurn?: boolean } = {},
): RequiredCapabilities {
  return {
    kind: 'image',
    resolution: request.resolution,
    aspectRatio: request.aspectRatio,
    referenceImages: request.referenceImages.length,
    searchGrounding: request.searchGrounding,
    multiTurn: options.multiTurn ?? false,
  }
}

/**
 * Why these capabilities cannot serve the requirement, or `undefined` when they can.
 * @example unmetCapability(capabilities, required) // 'resolution 4K is above the maximum 2K'
 */
export function unmetCapability(
  capabilities: ProviderCapabilities,
  required: RequiredCapabilities,
): string | undefined {
  if (!capabilities.kinds.includes(required.kind)) return `does not generate ${required.kind}s`
  if (!resolutionAtMost(required.resolution, capabilities.maxResolution)) {
    return `resolution ${required.resolution} is above the maximum ${capabilities.maxResolution}`
  }
  if (!capabilities.aspectRatios.includes(required.aspectRatio)) {
    return `aspect ratio ${required.aspectRatio} is not supported`
  }
  if (required.referenceImages > capabilities.maxReferenceImages) {
    return `${required.referenceImages} reference images exceed the maximum ${capabilities.maxReferenceImages}`
  }
  if (required.searchGrounding && !capabilities.searchGrounding) return 'search grounding is not supported'
  if (required.multiTurn && !capabilities.multiTurn) return 'multi-turn editing is not supported'
  return undefined
}

/**
 * Why a video model cannot serve the request, or `undefined` when it can. A duration the model
 * cannot make exactly is the adapter's to adjust (with a warning), so only the mode, ratio and
 * resolution are hard requirements here.
 * @example unmetVideoCapability(capabilities, request) // 'aspect ratio 1:1 is not supported'
 */
export function unmetVideoCapability(
  capabilities: VideoCapabilities,
  request: VideoGenerationRequest,
): string | undefined {
  if (request.image ? !capabilities.imageToVideo : !capabilities.textToVideo) {
    return request.image ? 'image-to-video is not supported' : 'text-to-video is not supported'
  }
  if (!capabilities.aspectRatios.includes(request.aspectRatio)) {
    return `aspect ratio ${request.aspectRatio} is not supported`
  }
  if (!capabilities.resolutions.includes(request.resolution))
    return `resolution ${request.resolution} is not supported`
  if (capabilities.durations.length > 0 && request.durationSec > Math.max(...capabilities.durations) + 2) {
    return `duration ${request.durationSec} s is above the maximum ${Math.max(...capabilities.durations)} s`
  }
  return undefined
}
