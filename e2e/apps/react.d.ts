// React and react-dom ship no types and @types/react isn't installed for one test app: the app
// (e2e/apps/spa-router-app.ts) uses them untyped.
declare module 'react';
declare module 'react-dom/client';
