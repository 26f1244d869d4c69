// The signed-in person: the access token (kept in sessionStorage, so closing the tab signs out) and what
// its claims say. The server re-checks everything on each call; the claims only shape the navigation.
export interface Me {
  email: string;
  name: string;
  roles: string[];
  expiresAt: number;
}

const KEY = 'approvals.token';
type Listener = (me: Me | null, reason?: 'expired') => void;
const listeners = new Set<Listener>();

function decode(token: string): Me | null {
  try {
    const payload = JSON.parse(atob(token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/')));
    const roles = payload.role === undefined ? [] : Array.isArray(payload.role) ? payload.role : [payload.role];
    return { email: payload.email ?? payload.sub, name: payload.name ?? payload.email, roles, expiresAt: (payload.exp ?? 0) * 1000 };
  } catch {
    return null;
  }
}

export const session = {
  token(): string | null {
    const token = sessionStorage.getItem(KEY);
    if (!token) return null;
    const me = decode(token);
    if (!me || me.expiresAt < Date.now()) return null;
    return token;
  },
  me(): Me | null {
    const token = this.token();
    return token ? decode(token) : null;
  },
  signIn(token: string) {
    sessionStorage.setItem(KEY, token);
    const me = decode(token);
    listeners.forEach((l) => l(me));
  },
  signOut() {
    sessionStorage.removeItem(KEY);
    listeners.forEach((l) => l(null));
  },
  expire() {
    if (!sessionStorage.getItem(KEY)) return;
    sessionStorage.removeItem(KEY);
    listeners.forEach((l) => l(null, 'expired'));
  },
  subscribe(listener: Listener): () => void {
    listeners.add(listener);
    return () => listeners.delete(listener);
  },
};

export const can = {
  review: (me: Me | null) => !!me && (me.roles.includes('reviewer') || me.roles.includes('admin')),
  request: (me: Me | null) => !!me && (me.roles.includes('requester') || me.roles.includes('admin')),
  design: (me: Me | null) => !!me && (me.roles.includes('designer') || me.roles.includes('admin')),
  admin: (me: Me | null) => !!me && me.roles.includes('admin'),
};
