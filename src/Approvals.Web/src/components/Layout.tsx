import { useEffect, useRef } from 'react';
import { NavLink, Outlet, useLocation } from 'react-router';
import { t } from '../i18n';
import { can, type Me } from '../api/session';

function initials(me: Me) {
  const parts = (me.name || me.email).split(/[\s.@]+/).filter(Boolean);
  return (parts[0]?.[0] ?? '') + (parts[1]?.[0] ?? '');
}

/** The pages this person may open, in menu order. */
function pagesFor(me: Me): { to: string; label: string }[] {
  return [
    can.review(me) && { to: '/inbox', label: t('nav.inbox') },
    { to: '/cases', label: t('nav.myCases') },
    can.request(me) && { to: '/start', label: t('nav.start') },
    can.design(me) && { to: '/workflows', label: t('nav.workflows') },
    can.design(me) && { to: '/dashboard', label: t('nav.dashboard') },
    can.design(me) && { to: '/templates', label: t('nav.templates') },
    can.admin(me) && { to: '/admin', label: t('nav.admin') },
  ].filter((x): x is { to: string; label: string } => !!x);
}

function Links({ me }: { me: Me }) {
  return <>{pagesFor(me).map((p) => <NavLink key={p.to} className="nav-link" to={p.to}>{p.label}</NavLink>)}</>;
}

/** Phones: up to three links fit in the top bar; more (designers, administrators) go behind a menu button,
 * a native disclosure, so no link is ever pushed past the edge or the bar grows three lines tall. */
function PhoneMenu({ me }: { me: Me }) {
  const menu = useRef<HTMLDetailsElement>(null);
  const { pathname } = useLocation();
  useEffect(() => { if (menu.current) menu.current.open = false; }, [pathname]);
  return (
    <details className="topbar-menu" ref={menu}>
      <summary className="btn btn-ghost btn-sm">{t('nav.openMenu')}</summary>
      <nav aria-label={t('nav.menu')} className="topbar-menu-list"><Links me={me} /></nav>
    </details>
  );
}

/** After a move to another page, focus goes to the page itself (as after a full page load), so keyboard and
 * screen-reader users start reading at the new content instead of staying on the link they pressed. */
function useFocusOnNavigation() {
  const { pathname } = useLocation();
  const first = useRef(true);
  useEffect(() => {
    if (first.current) { first.current = false; return; }
    document.getElementById('content')?.focus({ preventScroll: true });
    window.scrollTo(0, 0);
  }, [pathname]);
}

export function Layout({ me, onSignOut }: { me: Me; onSignOut: () => void }) {
  useFocusOnNavigation();
  return (
    <div className="shell">
      <a className="skip-link" href="#content">{t('nav.skip')}</a>
      <aside className="sidebar">
        <NavLink to="/" className="brand"><span className="brand-mark" aria-hidden>✓</span>{t('app.name')}</NavLink>
        <nav aria-label={t('nav.menu')} className="stack-sm" style={{ gap: 2 }}><Links me={me} /></nav>
        <div className="sidebar-foot">
          <div className="me">
            <span className="avatar" aria-hidden>{initials(me)}</span>
            <div className="me-text">
              <div className="me-name">{me.name}</div>
              <div className="me-email">{me.email}</div>
            </div>
          </div>
          <button className="btn btn-ghost btn-sm" onClick={onSignOut}>{t('nav.signOut')}</button>
        </div>
      </aside>
      <header className="topbar">
        <NavLink to="/" className="brand"><span className="brand-mark" aria-hidden>✓</span></NavLink>
        {pagesFor(me).length <= 3
          ? <nav aria-label={t('nav.menu')}><Links me={me} /></nav>
          : <PhoneMenu me={me} />}
        <button className="btn btn-ghost btn-sm" onClick={onSignOut}>{t('nav.signOut')}</button>
      </header>
      <main className="main" id="content" tabIndex={-1}>
        <Outlet />
      </main>
    </div>
  );
}
