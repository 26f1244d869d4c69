import { useState, type FormEvent } from 'react';
import { api, Problem, toProblem } from '../api/client';
import { session } from '../api/session';
import { t } from '../i18n';
import { FieldError } from '../components/states';

export function SignIn({ expired }: { expired: boolean }) {
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<Problem | null>(null);

  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setProblem(null);
    try {
      const { data, error, response } = await api.POST('/api/auth/token', { body: { email, password } as never });
      if (!data) throw response.status === 401 ? new Problem(401, t('signIn.failed')) : toProblem(error, response);
      session.signIn(data.accessToken);
    } catch (err) {
      setProblem(toProblem(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <div className="signin">
      <div>
        <form className="card card-pad stack" onSubmit={submit} noValidate aria-labelledby="signin-title">
          <div className="stack-sm">
            <span className="brand-mark" aria-hidden style={{ inlineSize: 36, blockSize: 36, borderRadius: 10, fontSize: 18 }}>✓</span>
            <h1 id="signin-title" style={{ fontSize: 'var(--text-xl)' }}>{t('signIn.title')}</h1>
            <p className="muted">{t('signIn.subtitle')}</p>
          </div>
          {expired && !problem && <div className="banner banner-warning" role="status">{t('signIn.expired')}</div>}
          {problem && !problem.forField('email') && !problem.forField('password') && (
            <div className="banner banner-error" role="alert">{problem.status === 401 ? t('signIn.failed') : problem.general()[0]}</div>
          )}
          <div className="field">
            <label htmlFor="email">{t('signIn.email')}</label>
            <input id="email" name="email" type="email" autoComplete="username" required autoFocus value={email}
              onChange={(e) => setEmail(e.target.value)} aria-invalid={!!problem?.forField('email')} />
            <FieldError problem={problem} field="email" />
          </div>
          <div className="field">
            <label htmlFor="password">{t('signIn.password')}</label>
            <input id="password" name="password" type="password" autoComplete="current-password" required value={password}
              onChange={(e) => setPassword(e.target.value)} aria-invalid={!!problem?.forField('password')} />
            <FieldError problem={problem} field="password" />
          </div>
          <button className="btn btn-primary btn-block" type="submit" disabled={busy || !email || !password} style={{ blockSize: 38 }}>
            {busy ? t('signIn.busy') : t('signIn.submit')}
          </button>
        </form>
      </div>
    </div>
  );
}
