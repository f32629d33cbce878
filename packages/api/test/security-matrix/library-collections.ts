/**
 * @module Security-matrix entries for library.favorites.*, library.projects.* (and history.list's
 * project filter). B naming A's image, folder or project gets NOT_FOUND and A's state is unchanged.
 */
import type { TestUser } from '../harness.js'
import { type Entry, ownedImage } from './entries.js'

/** A's favorite image, filed in A's folder; the snapshot is A's favorites and folders. */
export async function ownedFavorite(owner: TestUser) {
  const { imageId } = await ownedImage(owner)
  const folder = await owner.caller.library.favorites.folders.create({ name: 'owned by A' })
  await owner.caller.library.favorites.add({ imageId, folderId: folder.id })
  const snapshot = async () => {
    const favorites = await owner.caller.library.favorites.list({})
    return {
      // Signed URLs are fresh per call; the rest must not move.
      favorites: favorites.items.map(({ url: _, ...favorite }) => favorite),
      folders: await owner.caller.library.favorites.folders.list({}),
    }
  }
  return { imageId, folderId: folder.id, snapshot }
}

/** A's project holding one of A's images; the snapshot is the project and its images. */
export async function ownedProject(owner: TestUser) {
  const { imageId } = await ownedImage(owner)
  const project = await owner.caller.library.projects.create({ name: 'owned by A' })
  await owner.caller.library.projects.images.add({ projectId: project.id, imageIds: [imageId] })
  const snapshot = async () => {
    const images = await owner.caller.library.projects.images.list({ projectId: project.id })
    return {
      project: await owner.caller.library.projects.get({ projectId: project.id }),
      images: images.items.map(({ url: _, ...image }) => image),
    }
  }
  return { imageId, projectId: project.id, snapshot }
}

function favoriteCase(input: (owned: { imageId: string; folderId: string }) => unknown): Entry {
  return {
    kind: 'owned',
    setup: async (owner) => {
      const owned = await ownedFavorite(owner)
      return { input: input(owned), snapshot: owned.snapshot }
    },
  }
}

function projectCase(input: (owned: { imageId: string; projectId: string }) => unknown): Entry {
  return {
    kind: 'owned',
    setup: async (owner) => {
      const owned = await ownedProject(owner)
      return { input: input(owned), snapshot: owned.snapshot }
    },
  }
}

export const libraryCollectionsMatrix: Record<string, Entry> = {
  'library.favorites.list': favoriteCase(({ folderId }) => ({ folderId })),
  'library.favorites.add': favoriteCase(({ imageId }) => ({ imageId })),
  'library.favorites.remove': favoriteCase(({ imageId }) => ({ imageId })),
  'library.favorites.bulk': favoriteCase(({ imageId, folderId }) => ({
    action: 'move',
    imageIds: [imageId],
    folderId,
  })),
  'library.favorites.folders.list': { kind: 'authed-no-resource' },
  'library.favorites.folders.create': { kind: 'authed-no-resource' },
  'library.favorites.folders.delete': favoriteCase(({ folderId }) => ({ folderId, deleteFavorites: true })),
  'library.projects.list': { kind: 'authed-no-resource' },
  'library.projects.create': { kind: 'authed-no-resource' },
  'library.projects.get': projectCase(({ projectId }) => ({ projectId })),
  'library.projects.update': projectCase(({ projectId }) => ({ projectId, name: 'renamed by B' })),
  'library.projects.delete': projectCase(({ projectId }) => ({ projectId })),
  'library.projects.images.list': projectCase(({ projectId }) => ({ projectId })),
  'library.projects.images.add': projectCase(({ projectId, imageId }) => ({
    projectId,
    imageIds: [imageId],
  })),
  'library.projects.images.remove': projectCase(({ projectId, imageId }) => ({
    projectId,
    imageIds: [imageId],
  })),
  // Overrides the plain entry: the project filter names one of A's projects.
  'library.history.list': projectCase(({ projectId }) => ({ projectId })),
}
