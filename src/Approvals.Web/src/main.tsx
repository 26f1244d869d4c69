import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import { setLocale } from './i18n';
import './styles/app.css';

setLocale(navigator.language?.split('-')[0] ?? 'en');
createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
