// Signing out ends every sign-in of the user on the server (other tabs
// and devices stop at their next request) and clears the session cookie.
import { api } from './api';
import { signOutLocally } from './auth.svelte';
import { disconnect } from './realtime';
import { navigate } from './router.svelte';
import { resetWorkspace } from './workspace.svelte';

export async function signOut(): Promise<void> {
  await api.POST('/api/v1/users/logout/', {}).catch(() => {});
  disconnect();
  signOutLocally();
  resetWorkspace();
  navigate('/login');
}
