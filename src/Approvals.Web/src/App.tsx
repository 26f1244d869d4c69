import { lazy, Suspense, useEffect, useState } from 'react';
import { BrowserRouter, Navigate, Route, Routes } from 'react-router';
import { can, session, type Me } from './api/session';
import { api } from './api/client';
import { Layout } from './components/Layout';
import { Loading, Empty } from './components/states';
import { ToastProvider } from './components/toast';
import { t } from './i18n';
import { SignIn } from './pages/SignIn';
import { Inbox } from './pages/Inbox';
import { CasePage } from './pages/CasePage';
import { MyCases } from './pages/MyCases';

// The designer (React Flow, ELK) is the heaviest part: loaded only when a designer opens it.
const StartCase = lazy(() => import('./pages/StartCase').then((m) => ({ default: m.StartCase })));
const Workflows = lazy(() => import('./pages/Workflows').then((m) => ({ default: m.Workflows })));
const Admin = lazy(() => import('./pages/Admin').then((m) => ({ default: m.Admin })));
const Templates = lazy(() => import('./pages/Templates').then((m) => ({ default: m.Templates })));
const Dashboard = lazy(() => import('./pages/Dashboard').then((m) => ({ default: m.Dashboard })));
const Designer = lazy(() => import('./designer/Designer').then((m) => ({ default: m.Designer })));

export function App() {
  const [me, setMe] = useState<Me | null>(() => session.me());
  const [expired, setExpired] = useState(false);
  useEffect(() => session.subscribe((m, reason) => { setMe(m); setExpired(reason === 'expired'); }), []);

  const signOut = () => {
    void api.POST('/api/auth/logout' as never, {} as never).catch(() => undefined);
    session.signOut();
  };

  return (
    <ToastProvider>
      <BrowserRouter>
        {!me ? (
          <SignIn expired={expired} />
        ) : (
          <Suspense fallback={<Loading />}>
            {/* Top-level paths are also listed in the server's Hosting/BrowserApp.cs (ClientPrefixes). */}
            <Routes>
              <Route element={<Layout me={me} onSignOut={signOut} />}>
                <Route index element={<Navigate to={can.review(me) ? '/inbox' : can.design(me) && !can.request(me) ? '/workflows' : '/cases'} replace />} />
                <Route path="inbox" element={<Inbox />} />
                <Route path="tasks/:taskId" element={<CasePage me={me} />} />
                <Route path="cases" element={<MyCases />} />
                <Route path="cases/:caseId" element={<CasePage me={me} />} />
                <Route path="start" element={<StartCase />} />
                <Route path="start/:workflow" element={<StartCase />} />
                <Route path="workflows" element={<Workflows />} />
                <Route path="dashboard" element={<Dashboard />} />
                <Route path="admin" element={<Admin />} />
                <Route path="templates" element={<Templates />} />
                <Route path="templates/:name" element={<Templates />} />
                <Route path="*" element={<div className="page"><Empty title={t('common.notFound')} /></div>} />
              </Route>
              {/* The designer takes the whole window; its toolbar leads back to the workflows. */}
              <Route path="workflows/:key/design" element={<main id="content"><Designer /></main>} />
            </Routes>
          </Suspense>
        )}
      </BrowserRouter>
    </ToastProvider>
  );
}
