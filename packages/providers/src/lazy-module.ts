/**
 * @module A dependency imported by the first call that needs it rather than at start, so a server that
 * never calls a provider does not hold that provider's SDK (its source and code stay off the heap).
 */
export interface LazyModule<T> {
  /** Imports the module once; every call gets the same promise. */
  load(): Promise<T>
  /** The module once it has loaded, else undefined (its classes can have no instances yet). */
  loaded(): T | undefined
}

export function lazyModule<T>(importModule: () => Promise<T>): LazyModule<T> {
  let module: T | undefined
  let loading: Promise<T> | undefined
  return {
    load() {
      loading ??= importModule().then(
        (imported) => {
          module = imported
          return imported
        },
        (error: unknown) => {
          // A failed import (out of file descriptors, say) is tried again by the next call.
          loading = undefined
          throw error
        },
      )
      return loading
    },
    loaded: () => module,
  }
}
