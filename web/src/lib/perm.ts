import type { components } from './api/schema';

type Space = components['schemas']['Space'];

// can reports whether the caller may do action on resource in space, from
// the permissions the space API returns for the caller's role.
export function can(space: Space | null | undefined, resource: string, action: string): boolean {
  return space?.permissions?.[resource]?.includes(action) ?? false;
}
