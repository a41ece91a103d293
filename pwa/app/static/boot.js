// Runs before the page paints (a classic script in <head>): marks the
// document when someone is signed in on this device, so a server-rendered
// public page hides its own content and the sign-in link while the app
// takes over the same URL — no flash of the signed-out page or a sign-in
// wall. Without JavaScript nothing is hidden.
try {
  const s = JSON.parse(localStorage.getItem('inkwell.session') || 'null');
  if (s && s.token) document.documentElement.classList.add('signed-in');
} catch { /* storage unavailable: stay signed out */ }
