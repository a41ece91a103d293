// Google Identity Services, loaded once on demand (sign-in and silent renewal).
const GIS_SRC = 'https://accounts.google.com/gsi/client';

let loading = null;
/** Resolves once window.google.accounts.id is there. */
export function load() {
  if (window.google?.accounts?.id) return Promise.resolve();
  loading ??= new Promise((resolve, reject) => {
    const s = document.createElement('script');
    s.src = GIS_SRC;
    s.async = true;
    s.onload = () => resolve();
    s.onerror = () => { loading = null; reject(new Error('Google sign-in could not be loaded')); };
    document.head.append(s);
  });
  return loading;
}
