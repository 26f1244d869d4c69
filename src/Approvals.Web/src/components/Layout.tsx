import { useEffect, useRef } from 'react';
import { NavLink, Outlet, useLocation } from 'react-router';
import { t } from '../i18n';
import { can, type Me } from '../api/session';

function initials(me: Me) {
  const parts = (me.name || me.email).split(/[\s.@]+/).filter(Boolean);
  return (parts[0]?.[0] ?? '') + (parts[1]?.[0] ?? '');
}

function Links({ me }: { me: Me }) {
  return (
    <>
      {can.review(me) && <NavLink className="nav-link" to="/inbox">{t('nav.inbox')}</NavLink>}
      <NavLink className="nav-link" to="/cases">{t('nav.myCases')}</NavLink>
      {can.request(me) && <NavLink className="nav-link" to="/start">{t('nav.start')}</NavLink>}
      {can.design(me) && <NavLink className="nav-link" to="/workflows">{t('nav.workflows')}</NavLink>}
      {can.design(me) && <NavLink className="nav-link" to="/dashboard">{t('nav.dashboard')}</NavLink>}
      {can.admin(me) && <NavLink className="nav-link" to="/admin">{t('nav.admin')}</NavLink>}
    </>
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
        <nav aria-label={t('nav.menu')}><Links me={me} /></nav>
        <button className="btn btn-ghost btn-sm" onClick={onSignOut}>{t('nav.signOut')}</button>
      </header>
      <main className="main" id="content" tabIndex={-1}>
        <Outlet />
      </main>
    </div>
  );
}
