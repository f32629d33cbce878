/**
 * @module Enabling or disabling a provider on every instance: the admin call applies it locally and
 * publishes it on the event bus; every instance (this one included, harmlessly) applies what it hears.
 * With the memory bus (one process) the local apply is all there is.
 */
import { PROVIDER_NAMES, type ProviderName } from '@nbl/providers'
import type { AppDeps } from '../../deps.js'
import type { Unsubscribe } from '../events/event-bus.js'

export const PROVIDER_CONTROL_CHANNEL = 'admin:providers'

export interface ProviderEnabledMessage {
  kind: 'provider-enabled'
  provider: ProviderName
  enabled: boolean
}

function isProviderEnabledMessage(message: unknown): message is ProviderEnabledMessage {
  const candidate = message as Partial<ProviderEnabledMessage> | null
  return (
    typeof candidate === 'object' &&
    candidate !== null &&
    candidate.kind === 'provider-enabled' &&
    (PROVIDER_NAMES as readonly unknown[]).includes(candidate.provider) &&
    typeof candidate.enabled === 'boolean'
  )
}

/** Applies the change here and tells the other instances. False when the provider is not registered. */
export async function setProviderEnabled(
  deps: Pick<AppDeps, 'providers' | 'events' | 'logger'>,
  provider: ProviderName,
  enabled: boolean,
): Promise<boolean> {
  if (!deps.providers.setEnabled(provider, enabled)) return false
  const message: ProviderEnabledMessage = { kind: 'provider-enabled', provider, enabled }
  await deps.events.publish(PROVIDER_CONTROL_CHANNEL, message).catch((error: unknown) => {
    // Applied here; the other instances keep their state until the bus is back and it is set again.
    deps.logger.warn({ err: error, provider }, 'could not publish a provider change to the other instances')
  })
  return true
}

/** Every server instance subscribes at start so admin changes reach it without a restart. */
export function followProviderControl(deps: Pick<AppDeps, 'providers' | 'events'>): Promise<Unsubscribe> {
  return deps.events.subscribe(PROVIDER_CONTROL_CHANNEL, (message) => {
    if (isProviderEnabledMessage(message)) deps.providers.setEnabled(message.provider, message.enabled)
  })
}
