import { createRouter, createWebHistory, type RouteRecordRaw } from 'vue-router';
import type { Role } from './labels';
import { can, session } from './session';

export function homeFor(role: Role): string {
  if (role === 'unit') return '/workbench';
  if (role === 'inspector') return '/review';
  if (role === 'admin') return '/units';
  if (role === 'sysadmin' || role === 'secadmin') return '/accounts';
  return '/dashboard';
}

const routes: RouteRecordRaw[] = [
  { path: '/signin', component: () => import('./views/SignIn.vue'), meta: { public: true } },
  { path: '/', redirect: () => (session.claims ? homeFor(session.claims.role) : '/signin') },
  { path: '/dashboard/:unitId?', component: () => import('./views/Dashboard.vue'), meta: { allow: can.dashboard } },
  { path: '/workbench', component: () => import('./views/Workbench.vue'), meta: { allow: can.workbench } },
  { path: '/items', component: () => import('./views/ItemsList.vue'), meta: { allow: can.browseItems } },
  { path: '/items/:id', component: () => import('./views/ItemDetail.vue'), meta: { allow: can.browseItems } },
  { path: '/review', component: () => import('./views/ReviewQueue.vue'), meta: { allow: can.review } },
  { path: '/accountability', component: () => import('./views/Register.vue'), meta: { allow: can.register } },
  { path: '/checkpoint', component: () => import('./views/CheckpointCheck.vue'), meta: { allow: can.checkpoint } },
  { path: '/units', component: () => import('./views/Units.vue') },
  { path: '/accounts', component: () => import('./views/Accounts.vue'), meta: { allow: can.accounts } },
  { path: '/forbidden', component: () => import('./views/Forbidden.vue') },
  { path: '/:rest(.*)*', component: () => import('./views/NotFound.vue') },
];

export const router = createRouter({ history: createWebHistory(), routes });

router.beforeEach((to) => {
  if (to.meta.public) return true;
  if (!session.claims) return { path: '/signin', query: to.fullPath !== '/' ? { next: to.fullPath } : {} };
  // An initial, reset or expired password: the sign-in page asks for the new one first.
  if (session.mustChangePassword) return { path: '/signin', query: to.fullPath !== '/' ? { next: to.fullPath } : {} };
  const allow = to.meta.allow as ((r: Role) => boolean) | undefined;
  if (allow && !allow(session.claims.role)) return { path: '/forbidden' };
  return true;
});
